"""The token cache: one entry per organization, each refreshed by one task at a time.

The first caller that finds its organization's token missing or within the
refresh margin starts the refresh as a task; every other caller awaits that same
task (shielded, so a caller cancelled mid-refresh cancels nothing for the others).
Ten thousand concurrent calls on an expired token cause one token request.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

import attrs

from tallyfy_async.auth.credentials import (
    ApplicationUser,
    ClientCredentials,
    Credentials,
    PasswordGrant,
    PersonalAccessToken,
    RefreshToken,
)
from tallyfy_async.auth.tokens import MemoryTokenStore, Token, TokenStore
from tallyfy_async.errors import AuthenticationError, ClientClosedError

log = logging.getLogger(__name__)

CREDENTIAL_TYPES = (
    PersonalAccessToken,
    PasswordGrant,
    ClientCredentials,
    RefreshToken,
    ApplicationUser,
)

#: What ``TallyfyClient(credentials=...)`` accepts.
CredentialsSource = (
    Credentials | Mapping[str, Credentials] | Callable[[str], Awaitable[Credentials]]
)

#: The cache key of calls that name no organization (``/me``).
NO_ORG = "*"


class GrantClient(Protocol):
    """The HTTP calls the cache needs; the transport provides them."""

    async def token_request(self, form: Mapping[str, str]) -> dict[str, Any]:
        """POST the form to the token endpoint; the decoded OAuth body."""
        ...

    async def application_user_token(self, org: str, email: str, app_token: str) -> dict[str, Any]:
        """POST /applications/{org}/users/{email}/token with an application token."""
        ...


@attrs.define
class _Entry:
    credentials: Credentials | None = None
    token: Token | None = None
    app_token: Token | None = None  # ApplicationUser: the client-credentials token
    loaded: bool = False  # the store was consulted
    pending: asyncio.Task[Token] | None = None
    lock: asyncio.Lock = attrs.field(factory=asyncio.Lock)


def _reap(task: asyncio.Task[Token]) -> None:
    # Every caller of a refresh may have been cancelled; fetch the outcome so the
    # loop never reports an exception nobody retrieved.
    if not task.cancelled():
        task.exception()


class TokenCache:
    """Tokens per organization, refreshed just before they expire.

    Args:
        credentials: one credentials object for every organization, a mapping
            ``{org_id: credentials}``, or an async callable ``org_id -> credentials``.
        grants: performs the token HTTP calls.
        store: where tokens are saved before use (memory by default).
        refresh_margin: refresh this many seconds before expiry (at most half a
            token's lifetime).
        clock: Unix time, injectable for tests.
    """

    def __init__(
        self,
        credentials: CredentialsSource,
        *,
        grants: GrantClient,
        store: TokenStore | None = None,
        refresh_margin: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not (isinstance(credentials, (*CREDENTIAL_TYPES, Mapping)) or callable(credentials)):
            raise TypeError(
                "credentials must be PersonalAccessToken, PasswordGrant, ClientCredentials, "
                "RefreshToken or ApplicationUser, a mapping {org_id: credentials}, or an "
                f"async callable org_id -> credentials; got {type(credentials).__name__}"
            )
        self._source = credentials
        self._grants = grants
        self.store: TokenStore = store if store is not None else MemoryTokenStore()
        self.refresh_margin = refresh_margin
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self._closed = False

    # -- reading ---------------------------------------------------------------

    def check_org(self, org: str | None) -> None:
        """Refuse, before anything is sent, an organization the credentials cannot serve."""
        if isinstance(self._source, Mapping):
            if org is None:
                raise ValueError(
                    "this client has credentials per organization: name the organization "
                    "(client.org(org_id) or org=...)"
                )
            if org not in self._source:
                raise ValueError(
                    f"no credentials for organization {org!r}; the client has credentials "
                    f"for {sorted(self._source)!r}"
                )
        elif isinstance(self._source, ApplicationUser) and org is None:
            raise ValueError("ApplicationUser credentials act within one organization: pass org=")

    def is_personal(self, org: str | None) -> bool:
        """Whether this organization's credentials are a personal access token."""
        entry = self._entries.get(org or NO_ORG)
        if entry is not None and entry.credentials is not None:
            return isinstance(entry.credentials, PersonalAccessToken)
        return isinstance(self._source, PersonalAccessToken)

    async def token(self, org: str | None) -> Token:
        """A token for ``org`` that is not about to expire, refreshing it if needed."""
        key = org or NO_ORG
        entry = self._entries.get(key)
        if entry is not None and entry.token is not None:
            if not entry.token.refresh_due(self._clock(), self.refresh_margin):
                return entry.token
            return await self._refresh(key, entry, entry.token)
        return await self._refresh(key, self._entries.setdefault(key, _Entry()), None)

    def invalidate(self, org: str | None, token: Token) -> None:
        """Discard ``token`` after a 401 (only if it is still the cached one)."""
        entry = self._entries.get(org or NO_ORG)
        current = entry.token if entry is not None else None
        if entry is not None and current is not None and current.access_token == token.access_token:
            # Keep the refresh token: it is how we get the next access token.
            entry.token = attrs.evolve(current, expires_at=current.obtained_at)

    async def aclose(self) -> None:
        """Cancel refreshes still running (the client is closing)."""
        self._closed = True
        tasks = [e.pending for e in self._entries.values() if e.pending and not e.pending.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # -- refreshing --------------------------------------------------------------

    async def _refresh(self, key: str, entry: _Entry, stale: Token | None) -> Token:
        if entry.pending is None or entry.pending.done():
            current = entry.token
            if (
                current is not None
                and current is not stale
                and not current.refresh_due(self._clock(), self.refresh_margin)
            ):
                return current  # another caller refreshed while we were deciding
            entry.pending = asyncio.get_running_loop().create_task(self._run_refresh(key, entry))
            entry.pending.add_done_callback(_reap)
        pending = entry.pending
        try:
            return await asyncio.shield(pending)
        except asyncio.CancelledError:
            caller = asyncio.current_task()
            if self._closed and pending.cancelled() and not (caller and caller.cancelling()):
                # aclose() cancelled the refresh, nobody cancelled this caller: its call
                # ends because the client closed, and must say so.
                raise ClientClosedError(
                    "the client was closed while this call waited for a token"
                ) from None
            raise

    async def _run_refresh(self, key: str, entry: _Entry) -> Token:
        async with entry.lock:
            if entry.credentials is None:
                entry.credentials = await self._resolve(key)
            if not entry.loaded:
                entry.loaded = True
                if not isinstance(entry.credentials, PersonalAccessToken):
                    stored = await self.store.load(key)
                    if stored is not None:
                        entry.token = stored
                        if not stored.refresh_due(self._clock(), self.refresh_margin):
                            return stored
            token = await self._obtain(key, entry, entry.credentials)
            if not isinstance(entry.credentials, PersonalAccessToken):
                # Saved before use: a rotated refresh token must survive a crash.
                await self.store.save(key, token)
            entry.token = token
            return token

    async def _resolve(self, key: str) -> Credentials:
        source = self._source
        if isinstance(source, CREDENTIAL_TYPES):
            return source
        if isinstance(source, Mapping):
            return source[key]
        creds = await source(key)
        if not isinstance(creds, CREDENTIAL_TYPES):
            raise TypeError(
                f"the credentials callable returned {type(creds).__name__} for organization "
                f"{key!r}; it must return a credentials object"
            )
        return creds

    async def _obtain(self, key: str, entry: _Entry, creds: Credentials) -> Token:
        now = self._clock()
        if isinstance(creds, PersonalAccessToken):
            return Token(access_token=creds.token, expires_at=float("inf"), obtained_at=now)
        if isinstance(creds, ApplicationUser):
            return await self._application_user(key, entry, creds)
        refresh = entry.token.refresh_token if entry.token is not None else None
        if refresh is None and isinstance(creds, RefreshToken):
            refresh = creds.refresh_token
        if refresh is not None:
            try:
                return await self._grant(
                    {
                        "grant_type": "refresh_token",
                        "refresh_token": refresh,
                        "client_id": creds.client_id,
                        "client_secret": creds.client_secret,
                    }
                )
            except AuthenticationError:
                if isinstance(creds, RefreshToken):
                    raise
                # The refresh token was refused (expired, or rotated elsewhere): the
                # original grant still works.
                log.info("refresh token refused for %s; using the original grant", key)
        if isinstance(creds, PasswordGrant):
            form = {
                "grant_type": "password",
                "client_id": creds.client_id,
                "client_secret": creds.client_secret,
                "username": creds.username,
                "password": creds.password,
            }
        elif isinstance(creds, ClientCredentials):
            form = {
                "grant_type": "client_credentials",
                "client_id": creds.client_id,
                "client_secret": creds.client_secret,
            }
        else:  # pragma: no cover - RefreshToken always has a refresh token
            raise AssertionError(creds)
        if creds.scope is not None:
            form["scope"] = creds.scope
        return await self._grant(form)

    async def _grant(self, form: Mapping[str, str]) -> Token:
        body = await self._grants.token_request(form)
        log.debug("token granted (%s)", form["grant_type"])
        return Token.from_response(body, self._clock())

    async def _application_user(self, key: str, entry: _Entry, creds: ApplicationUser) -> Token:
        for attempt in (1, 2):
            if entry.app_token is None or entry.app_token.refresh_due(
                self._clock(), self.refresh_margin
            ):
                entry.app_token = await self._grant(
                    {
                        "grant_type": "client_credentials",
                        "client_id": creds.client_id,
                        "client_secret": creds.client_secret,
                    }
                )
            try:
                body = await self._grants.application_user_token(
                    key, creds.email, entry.app_token.access_token
                )
            except AuthenticationError:
                if attempt == 2:
                    raise
                entry.app_token = None  # the application token expired: take a new one
                continue
            return Token.from_response(body, self._clock())
        raise AssertionError("unreachable")  # pragma: no cover


__all__ = ["NO_ORG", "CredentialsSource", "GrantClient", "TokenCache"]
