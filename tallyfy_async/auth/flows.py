"""The contract between a kind of credentials and the token cache.

Each credentials class knows how to obtain and renew its own tokens: for every organization it
serves, it starts a :class:`TokenFlow`, and the flow asks a :class:`TokenEndpoint` for tokens.
The token cache only decides when a token is needed, runs one flow at a time per organization,
and saves what the flow returns to the token store. A new kind of credentials is one class
that satisfies :class:`Credentials`; the cache does not change.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Protocol, runtime_checkable

import attrs

from tallyfy_async.auth.tokens import Token

log = logging.getLogger("tallyfy_async.auth")


class GrantClient(Protocol):
    """The HTTP calls that obtain tokens; the transport provides them."""

    async def token_request(self, form: Mapping[str, str]) -> dict[str, Any]:
        """POST the form to the token endpoint; the decoded OAuth body.

        Raises:
            AuthenticationError: the endpoint refused the credentials (``code`` is the
                OAuth ``error``: ``invalid_grant``, ``invalid_client``...).
        """
        ...

    async def application_user_token(self, org: str, email: str, app_token: str) -> dict[str, Any]:
        """POST /applications/{org}/users/{email}/token with an application token."""
        ...


@attrs.frozen
class TokenEndpoint:
    """The token calls a flow may make for one organization, timed by the cache's clock.

    Attributes:
        org: the organization the tokens are for (None: calls that name none, like ``/me``).
        refresh_margin: a token is due this many seconds (at most half its life) before
            it expires.
    """

    org: str | None
    http: GrantClient = attrs.field(repr=False)
    clock: Callable[[], float] = attrs.field(repr=False)
    refresh_margin: float

    async def grant(self, form: Mapping[str, str]) -> Token:
        """Exchange an OAuth form (``grant_type`` and its fields) for a token."""
        body = await self.http.token_request(form)
        log.debug("token granted (%s) for %s", form["grant_type"], self.org or "no organization")
        return Token.from_response(body, self.clock())

    async def member_token(self, email: str, app_token: Token) -> Token:
        """A token acting as the member ``email``, minted with an application token."""
        if self.org is None:
            raise ValueError("a member token is minted for one organization: pass org=")
        body = await self.http.application_user_token(self.org, email, app_token.access_token)
        log.debug("member token minted for %s", self.org)
        return Token.from_response(body, self.clock())

    def due(self, token: Token) -> bool:
        """Whether ``token`` should be replaced now."""
        return token.refresh_due(self.clock(), self.refresh_margin)


class TokenFlow(Protocol):
    """How one organization gets its tokens from one credentials object.

    A flow lives as long as its organization's cache entry, so it may keep state between
    refreshes (an application token, for example).
    """

    async def obtain(self, previous: Token | None) -> Token:
        """A new token.

        Args:
            previous: the last token of this organization, when there is one (expired,
                refused by the API, or about to expire); its refresh token, if any, is the
                way to the next one.

        Raises:
            AuthenticationError: Tallyfy refused the credentials.
        """
        ...


@runtime_checkable
class Credentials(Protocol):
    """A kind of credentials: what :class:`TallyfyClient` accepts as ``credentials=``.

    ``PersonalAccessToken``, ``PasswordGrant``, ``ClientCredentials``, ``RefreshToken`` and
    ``ApplicationUser`` satisfy it; so can a class of your own.

    A class of your own may also have a ``store_key`` (a str naming who it acts as, never a
    secret: the SDK's classes use the grant, the client id and a digest of the user): tokens
    are kept in the store under the organization and that identity (see
    :func:`tallyfy_async.auth.cache.store_key`). Without one, every instance of the class
    shares one entry per organization.
    """

    #: Whether its tokens are saved to the token store and replaced after a 401 (a
    #: personal access token is neither: it is the only token there is).
    renewable: ClassVar[bool]
    #: What to check when the API refuses one of its tokens.
    refused_hint: ClassVar[str]

    def check_org(self, org: str | None) -> None:
        """Refuse, before anything is sent, an organization these credentials cannot serve.

        Raises:
            ValueError: saying which organization is needed.
        """
        ...

    def flow(self, endpoint: TokenEndpoint) -> TokenFlow:
        """Start the flow that obtains tokens for ``endpoint.org``."""
        ...


__all__ = ["Credentials", "GrantClient", "TokenEndpoint", "TokenFlow"]
