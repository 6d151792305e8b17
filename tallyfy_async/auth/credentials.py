"""The ways to authenticate with Tallyfy, one frozen attrs class each.

Each class knows how to obtain and renew its own tokens (its ``flow``); the token cache only
schedules, locks and stores (see ``tallyfy_async.auth.flows``). Secrets are declared
``repr=False`` so they never reach a repr, a log line or an exception message.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import ClassVar

import attrs

from tallyfy_async.auth.flows import TokenEndpoint, TokenFlow
from tallyfy_async.auth.refusals import (
    API_TOKEN_HINT,
    PERSONAL_TOKEN_HINT,
    SPENT_REFRESH_TOKEN_HINT,
    with_hint,
)
from tallyfy_async.auth.tokens import Token
from tallyfy_async.errors import AuthenticationError

log = logging.getLogger("tallyfy_async.auth")


def _numeric_client_id(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    # Tallyfy answers a non-numeric client id with 401 invalid_client; say so before sending.
    if not value.isdigit():
        raise ValueError(
            f"{type(instance).__name__}.client_id must be the numeric client id Tallyfy "
            f"support issued (for example '123'), got {value!r}"
        )


def non_empty(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    """An attrs validator: a secret or a name is given as text, not blank."""
    where = f"{type(instance).__name__}.{attribute.name}"
    if not isinstance(value, str):
        raise TypeError(f"{where} must be a str, got {type(value).__name__}")
    if not value.strip():
        raise ValueError(f"{where} must not be empty")


def _digest(text: str, secret: str | None = None) -> str:
    # Tells users (or tokens) apart in a store key without writing an address or a secret
    # there: 64 bits of a hash. A token is too random to guess, so its plain hash is enough;
    # a username or an email is not (a reader of the store could hash a list of addresses
    # and compare), so it is keyed with the client secret, which only those who already
    # share the store's tokens know.
    if secret is None:
        return hashlib.sha256(text.encode()).hexdigest()[:16]
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()[:16]


class _AnyOrganization:
    """Credentials that work with or without an organization in the path."""

    renewable: ClassVar[bool] = True
    refused_hint: ClassVar[str] = API_TOKEN_HINT

    def check_org(self, org: str | None) -> None:
        """Every organization (and none) is served."""


# -- the kinds of credentials ---------------------------------------------------------------


@attrs.frozen
class PersonalAccessToken(_AnyOrganization):
    """A personal access token from Settings > Integrations > REST API.

    It lasts about six months and is deleted when its user logs out of the web
    app; it is never refreshed.
    """

    renewable: ClassVar[bool] = False
    refused_hint: ClassVar[str] = PERSONAL_TOKEN_HINT

    token: str = attrs.field(repr=False, validator=non_empty)

    @property
    def store_key(self) -> str:
        """Who these credentials act as, in the token store's key (the token's digest)."""
        return f"personal:{_digest(self.token)}"

    def flow(self, endpoint: TokenEndpoint) -> TokenFlow:
        """The token itself, every time."""
        return GivenToken(self.token, endpoint)


@attrs.frozen
class PasswordGrant(_AnyOrganization):
    """OAuth password grant: an application acting as one Tallyfy user."""

    client_id: str = attrs.field(converter=str, validator=_numeric_client_id)
    client_secret: str = attrs.field(repr=False, validator=non_empty)
    username: str = attrs.field(validator=non_empty)
    password: str = attrs.field(repr=False, validator=non_empty)
    scope: str | None = None

    def grant_form(self) -> dict[str, str]:
        """The token endpoint form of this grant."""
        form = {
            "grant_type": "password",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "username": self.username,
            "password": self.password,
        }
        return _scoped(form, self.scope)

    @property
    def store_key(self) -> str:
        """Who these credentials act as, in the token store's key (the client id and a
        digest of the username keyed with the client secret)."""
        return f"password:{self.client_id}:{_digest(self.username, self.client_secret)}"

    def flow(self, endpoint: TokenEndpoint) -> TokenFlow:
        """Refresh tokens while Tallyfy takes them, the password grant otherwise."""
        return _Refreshing(self, endpoint)


@attrs.frozen
class ClientCredentials(_AnyOrganization):
    """OAuth client-credentials grant: an application token without user context.

    Most Tallyfy routes need a user; use it for ``/applications/...`` routes, or
    use :class:`ApplicationUser` to act as a member.
    """

    client_id: str = attrs.field(converter=str, validator=_numeric_client_id)
    client_secret: str = attrs.field(repr=False, validator=non_empty)
    scope: str | None = None

    def grant_form(self) -> dict[str, str]:
        """The token endpoint form of this grant."""
        form = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }
        return _scoped(form, self.scope)

    @property
    def store_key(self) -> str:
        """Who these credentials act as, in the token store's key (the application)."""
        return f"client:{self.client_id}"

    def flow(self, endpoint: TokenEndpoint) -> TokenFlow:
        """A new client-credentials grant whenever a token is needed."""
        return _Refreshing(self, endpoint)


@attrs.frozen
class RefreshToken(_AnyOrganization):
    """A refresh token obtained earlier; rotated refresh tokens go to the TokenStore."""

    client_id: str = attrs.field(converter=str, validator=_numeric_client_id)
    client_secret: str = attrs.field(repr=False, validator=non_empty)
    refresh_token: str = attrs.field(repr=False, validator=non_empty)

    def grant_form(self) -> None:
        """None: a refused refresh token has no other grant to fall back to."""
        return None

    @property
    def store_key(self) -> str:
        """Who these credentials act as, in the token store's key: the client id and a
        digest of the refresh token given here, which stays the same across restarts
        while the stored one rotates."""
        return f"refresh:{self.client_id}:{_digest(self.refresh_token)}"

    def flow(self, endpoint: TokenEndpoint) -> TokenFlow:
        """The newest refresh token (the stored one wins over this one), each time."""
        return _Refreshing(self, endpoint, first_refresh=self.refresh_token)


@attrs.frozen
class ApplicationUser(_AnyOrganization):
    """A third-party application acting as a member.

    The SDK takes an application token with the client-credentials grant, then
    mints a user token with ``POST /applications/{org}/users/{email}/token``.
    """

    client_id: str = attrs.field(converter=str, validator=_numeric_client_id)
    client_secret: str = attrs.field(repr=False, validator=non_empty)
    email: str = attrs.field(validator=non_empty)

    def check_org(self, org: str | None) -> None:
        """A member token belongs to one organization: refuse calls that name none."""
        if org is None:
            raise ValueError("ApplicationUser credentials act within one organization: pass org=")

    @property
    def store_key(self) -> str:
        """Who these credentials act as, in the token store's key (the client id and a
        digest of the member's email keyed with the client secret)."""
        return f"member:{self.client_id}:{_digest(self.email, self.client_secret)}"

    def flow(self, endpoint: TokenEndpoint) -> TokenFlow:
        """An application token (kept while it lasts), then a member token minted with it."""
        return _Minting(self, endpoint)


# -- their flows ------------------------------------------------------------------------------


def _scoped(form: dict[str, str], scope: str | None) -> dict[str, str]:
    if scope is not None:
        form["scope"] = scope
    return form


@attrs.define
class GivenToken:
    """The flow of credentials that are a token given whole (a personal access token, a
    browser sign-in's): that token, every time; the SDK cannot renew it."""

    token: str = attrs.field(repr=False)
    endpoint: TokenEndpoint

    async def obtain(self, previous: Token | None) -> Token:
        """The token, as it was given."""
        now = self.endpoint.clock()
        return Token(access_token=self.token, expires_at=float("inf"), obtained_at=now)


@attrs.define
class _Refreshing:
    """An OAuth grant: the refresh token while Tallyfy takes it, the original grant otherwise."""

    credentials: PasswordGrant | ClientCredentials | RefreshToken
    endpoint: TokenEndpoint
    first_refresh: str | None = attrs.field(default=None, repr=False)

    async def obtain(self, previous: Token | None) -> Token:
        refresh = previous.refresh_token if previous is not None else None
        refresh = refresh or self.first_refresh
        first_grant = self.credentials.grant_form()
        if refresh is not None:
            form = {
                "grant_type": "refresh_token",
                "refresh_token": refresh,
                "client_id": self.credentials.client_id,
                "client_secret": self.credentials.client_secret,
            }
            try:
                return await self.endpoint.grant(form)
            except AuthenticationError as refused:
                # An unknown client fails the original grant too; anything else means this
                # refresh token is spent (expired, revoked, rotated elsewhere).
                if refused.code == "invalid_client":
                    raise
                if first_grant is None:
                    raise with_hint(refused, SPENT_REFRESH_TOKEN_HINT) from None
                log.info(
                    "refresh token refused (%s) for %s; using the original grant",
                    refused.code,
                    self.endpoint.org or "no organization",
                )
        assert first_grant is not None  # a RefreshToken always has a refresh token
        return await self.endpoint.grant(first_grant)


@attrs.define
class _Minting:
    """ApplicationUser: a member token minted with an application token it keeps."""

    credentials: ApplicationUser
    endpoint: TokenEndpoint
    app_token: Token | None = None

    async def obtain(self, previous: Token | None) -> Token:
        application = ClientCredentials(
            client_id=self.credentials.client_id, client_secret=self.credentials.client_secret
        )
        for attempt in (1, 2):
            if self.app_token is None or self.endpoint.due(self.app_token):
                self.app_token = await self.endpoint.grant(application.grant_form())
            try:
                return await self.endpoint.member_token(self.credentials.email, self.app_token)
            except AuthenticationError:
                if attempt == 2:
                    raise
                self.app_token = None  # the application token was refused: take a new one
        raise AssertionError("unreachable")  # pragma: no cover


__all__ = [
    "ApplicationUser",
    "ClientCredentials",
    "PasswordGrant",
    "PersonalAccessToken",
    "RefreshToken",
]
