"""Access and refresh tokens: issue, check, rotate, expire, revoke.

The rules follow Laravel Passport / league/oauth2-server: refresh tokens rotate,
and using one revokes both it and the access token it was issued with.
"""

from __future__ import annotations

import secrets
import time
from typing import Literal

import attrs

from tallyfy_async.testing._state import State, User

TokenKind = Literal["password", "client_credentials", "app_user", "personal", "browser"]


@attrs.define(slots=True, eq=False)
class Token:
    """An access token and what it is bound to."""

    access_token: str = attrs.field(repr=False)
    kind: TokenKind
    client_id: str | None
    user_id: int | None
    #: Organizations the token is limited to (app-minted user tokens); ``None``: the user's.
    org_ids: frozenset[str] | None
    #: ``time.monotonic()`` deadline; ``None`` never expires.
    expires_at: float | None
    revoked: bool = False

    def live(self) -> bool:
        """Neither revoked nor expired."""
        return not self.revoked and (self.expires_at is None or time.monotonic() < self.expires_at)


@attrs.define(slots=True, eq=False)
class RefreshGrant:
    """A refresh token: which user, client and access token it belongs to."""

    client_id: str
    user_id: int
    access_token: str = attrs.field(repr=False)
    used: bool = False


class Tokens:
    """Every token the fake has issued."""

    def __init__(self, state: State, token_lifetime: int, client_credentials_lifetime: int) -> None:
        self.state = state
        self.token_lifetime = token_lifetime
        self.client_credentials_lifetime = client_credentials_lifetime
        self.access: dict[str, Token] = {}
        self.refresh: dict[str, RefreshGrant] = {}

    def issue(
        self,
        kind: TokenKind,
        *,
        client_id: str | None,
        user_id: int | None,
        lifetime: int | None,
        org_ids: frozenset[str] | None = None,
    ) -> Token:
        """Create an access token living ``lifetime`` seconds (``None``: forever)."""
        token = Token(
            access_token=secrets.token_urlsafe(40),
            kind=kind,
            client_id=client_id,
            user_id=user_id,
            org_ids=org_ids,
            expires_at=None if lifetime is None else time.monotonic() + lifetime,
        )
        self.access[token.access_token] = token
        return token

    def issue_refresh(self, token: Token) -> str:
        """A refresh token for a user's access token."""
        assert token.client_id is not None and token.user_id is not None
        value = "def50200" + secrets.token_hex(48)
        self.refresh[value] = RefreshGrant(token.client_id, token.user_id, token.access_token)
        return value

    def use_refresh(self, value: str, client_id: str) -> RefreshGrant | None:
        """Spend a refresh token: it and its access token stop working. ``None`` if invalid."""
        grant = self.refresh.get(value)
        if grant is None or grant.used or grant.client_id != client_id:
            return None
        grant.used = True
        old = self.access.get(grant.access_token)
        if old is not None:
            old.revoked = True
        return grant

    def find(self, access_token: str) -> Token | None:
        """A live token, or ``None``."""
        token = self.access.get(access_token)
        if token is None or not token.live():
            return None
        return token

    def orgs_of(self, token: Token) -> frozenset[str]:
        """The organizations a token may act in."""
        if token.org_ids is not None:
            return token.org_ids
        if token.user_id is not None:
            user = self.state.users.get(token.user_id)
            return frozenset(user.roles) if user else frozenset()
        client = self.state.clients.get(token.client_id or "")
        return frozenset(client.org_ids) if client else frozenset()

    def user_of(self, token: Token) -> User | None:
        """The user a token acts as."""
        return self.state.users.get(token.user_id) if token.user_id is not None else None

    def _matching(self, org_id: str | None) -> list[Token]:
        return [
            token
            for token in self.access.values()
            if token.live() and (org_id is None or org_id in self.orgs_of(token))
        ]

    def expire(self, access_token: str) -> None:
        """Make one token expired, as if its lifetime had passed."""
        self.access[access_token].expires_at = time.monotonic() - 1

    def revoke(self, access_token: str) -> None:
        """Revoke one token (and the refresh tokens issued with it)."""
        self.access[access_token].revoked = True
        for grant in self.refresh.values():
            if grant.access_token == access_token:
                grant.used = True

    def expire_all(self, org_id: str | None) -> int:
        """Expire every live token that can expire (personal access tokens cannot), in one
        organization or all; returns how many."""
        tokens = [token for token in self._matching(org_id) if token.expires_at is not None]
        for token in tokens:
            token.expires_at = time.monotonic() - 1
        return len(tokens)

    def revoke_all(self, org_id: str | None) -> int:
        """Revoke every live token (of one organization); returns how many."""
        tokens = self._matching(org_id)
        for token in tokens:
            self.revoke(token.access_token)
        return len(tokens)
