"""The token cache: one entry per organization, each refreshed by one task at a time.

A ``RefreshToken`` is the exception: it is one chain of refresh tokens, each spent by its
use, and its tokens act as its user in every organization, so all the organizations it
serves share one entry (one token, one refresh at a time) and one store key
(:func:`store_key`).

The first caller that finds its organization's token missing, refused or within the refresh
margin starts the refresh as a task; every other caller awaits that same task (shielded, so a
caller cancelled mid-refresh cancels nothing for the others). Ten thousand concurrent calls on
an expired token cause one token request.

How a token is obtained belongs to the credentials (``Credentials.flow``); the cache decides
when, runs one refresh at a time, and saves each token to the store before it is used. A store
that offers a lock (:class:`LockingTokenStore`) is refreshed under it and read again inside it,
so processes sharing the store refresh once between them. A store that also versions its
saves (:class:`VersionedTokenStore`, like ``RedisTokenStore`` and ``FileTokenStore``) is
told of refused tokens, refilled when it comes back empty, and never overwritten by a refresh
that finished after its lock expired: the newer stored token is adopted instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import TypeAlias

import attrs

from tallyfy_async import _constants as C
from tallyfy_async.auth.credentials import RefreshToken
from tallyfy_async.auth.flows import Credentials, GrantClient, TokenEndpoint, TokenFlow
from tallyfy_async.auth.tokens import (
    LockingTokenStore,
    MemoryTokenStore,
    StoredToken,
    Token,
    TokenStore,
    VersionedTokenStore,
)
from tallyfy_async.errors import AuthenticationError, ClientClosedError, TokenStoreError

log = logging.getLogger("tallyfy_async.auth")

#: What ``TallyfyClient(credentials=...)`` accepts: one credentials object for every
#: organization, a mapping ``{org_id: credentials}``, or an async callable
#: ``org_id -> credentials``, called with None for calls that name no organization
#: (``client.me()``, ``client.organizations()``).
CredentialsSource: TypeAlias = (
    Credentials | Mapping[str, Credentials] | Callable[[str | None], Awaitable[Credentials]]
)

#: The cache key of calls that name no organization (``/me``).
NO_ORG = "*"


def store_key(org: str | None, credentials: Credentials) -> str:
    """The key of ``org``'s token in the token store: ``<org>:<identity>`` (``*`` for calls
    that name no organization, and for every organization of a ``RefreshToken``, whose one
    chain of refresh tokens serves them all).

    The identity is the credentials' ``store_key`` (the grant, the client id and a digest of
    the user, never a secret), so clients acting as different users share one store without
    adopting each other's tokens. A credentials class of your own without ``store_key`` is
    known by its class name: give it one when its instances act as different users.
    """
    return f"{NO_ORG if _one_chain(credentials) else org or NO_ORG}:{_identity(credentials)}"


def _one_chain(credentials: Credentials) -> bool:
    # A refresh token is spent by its use and has nothing to fall back to, so the
    # organizations it serves must never refresh apart: the second would present the
    # token the first just spent. Its tokens act as its user in every organization of that
    # user, so they share one token. (Other grants start again from their own grant: each
    # organization keeps its own token, as before.)
    return isinstance(credentials, RefreshToken)


def _identity(credentials: Credentials) -> str:
    identity = getattr(credentials, "store_key", None)
    if identity is None:
        identity = type(credentials).__name__
    elif not isinstance(identity, str) or not identity:
        raise TypeError(
            f"{type(credentials).__name__}.store_key must be a non-empty str naming who the "
            f"credentials act as, got {identity!r:.40}"
        )
    return identity


def _reads_legacy_key(credentials: Credentials) -> bool:
    # Stores written by earlier versions hold tokens under the organization alone, or under
    # ``<org>:<identity>`` (before a RefreshToken's organizations shared one key). A
    # RefreshToken cannot start again if its refresh token has rotated away there: when
    # Tallyfy refuses its own, it adopts that one (:meth:`TokenCache._adopt_legacy`),
    # trusting it to be its user's, as the earlier version did. Every other kind takes a new
    # token rather than risk adopting another user's (a class of your own may refuse
    # "invalid_grant" for a wrong password, which must never lead to another's token).
    return isinstance(credentials, RefreshToken)


def _legacy_keys(org: str, credentials: Credentials) -> list[str]:
    """Where earlier versions kept ``org``'s token: its own identity's first (that user's
    for sure), then the organization alone."""
    if org == NO_ORG:
        return [NO_ORG]  # ``*:<identity>`` is this version's key already
    return [f"{org}:{_identity(credentials)}", org]


#: Left under the organization's key of older versions once its token is adopted, so that no
#: other identity adopts it too. Expired and without a refresh token, it is never sent: an
#: older version reading it starts again from its own credentials.
_TAKEN = Token(access_token="adopted-by-a-newer-version", expires_at=0.0, obtained_at=0.0)

#: How the token endpoint refuses a refresh token that is spent: ``invalid_grant`` in OAuth
#: terms, ``invalid_request`` ("Token has been revoked") from Tallyfy's Laravel Passport, which
#: answers a mistyped one the same way. Only then is the earlier version's token adopted:
#: never on ``invalid_client`` or an outage.
_SPENT = frozenset({"invalid_grant", "invalid_request"})


@attrs.define
class _Entry:
    credentials: Credentials | None = None
    flow: TokenFlow | None = None
    #: Where the token goes in the store (:func:`store_key`), set with the credentials.
    store_key: str = ""
    #: The organization's key of older versions is still to be read (:func:`_reads_legacy_key`).
    reads_legacy: bool = False
    token: Token | None = None
    #: The token the API last refused: never sent again, whatever the clock says. Its
    #: refresh token stays usable.
    refused: Token | None = None
    pending: asyncio.Task[Token] | None = None
    #: The store's version of ``token`` (versioned stores; 0: not from the store).
    version: int = 0
    #: ``token`` was obtained but its save failed (the store was unreachable): it holds the
    #: only live refresh token, so it goes back to the store before it is used again.
    unsaved: bool = False
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
            ``{org_id: credentials}``, or an async callable ``org_id -> credentials``
            (``org_id`` None for calls that name no organization).
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
        if not (isinstance(credentials, Credentials | Mapping) or callable(credentials)):
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
        #: The entries by store key: organizations whose key is the same share one entry.
        self._by_store_key: dict[str, _Entry] = {}
        self._closed = False

    # -- reading ---------------------------------------------------------------

    def check_org(self, org: str | None) -> None:
        """Refuse, before anything is sent, an organization the credentials cannot serve."""
        source = self._source
        if isinstance(source, Mapping):
            if org is None:
                raise ValueError(
                    "this client has credentials per organization: name the organization "
                    "(client.org(org_id) or org=...)"
                )
            if org not in source:
                raise ValueError(
                    f"no credentials for organization {org!r}; the client has credentials "
                    f"for {sorted(source)!r}"
                )
            source[org].check_org(org)
        elif isinstance(source, Credentials):
            source.check_org(org)

    def _credentials(self, org: str | None) -> Credentials | None:
        """This organization's credentials, when known without asking the callable."""
        entry = self._entries.get(org or NO_ORG)
        if entry is not None and entry.credentials is not None:
            return entry.credentials
        source = self._source
        if isinstance(source, Mapping):
            return source.get(org) if org is not None else None
        return source if isinstance(source, Credentials) else None

    def renewable(self, org: str | None) -> bool:
        """Whether a token of ``org`` refused by the API may be replaced by a new one."""
        credentials = self._credentials(org)
        return credentials is None or credentials.renewable

    def refused_hint(self, org: str | None) -> str | None:
        """What to check when the API refuses a token of ``org`` (None: not known yet)."""
        credentials = self._credentials(org)
        return credentials.refused_hint if credentials is not None else None

    def _usable(self, entry: _Entry, token: Token | None) -> bool:
        return (
            token is not None
            and (entry.refused is None or not _same(token, entry.refused))
            and not token.refresh_due(self._clock(), self.refresh_margin)
        )

    def cached(self, org: str | None) -> Token | None:
        """The token :meth:`token` would return without waiting, or None when it would
        wait (none yet, due for refresh, refused, not saved): the request path's way to
        skip a coroutine per request."""
        entry = self._entries.get(org or NO_ORG)
        if entry is None or entry.unsaved or not self._usable(entry, entry.token):
            return None
        return entry.token

    async def token(self, org: str | None) -> Token:
        """A token for ``org`` that is not about to expire, refreshing it if needed."""
        token = self.cached(org)
        if token is not None:
            return token
        key = org or NO_ORG
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = _Entry()
        return await self._refresh(key, entry, entry.token)

    async def invalidate(self, org: str | None, token: Token) -> None:
        """Never send ``token`` again: the API refused it (401).

        Only the token that failed is discarded: a call that failed with an older token
        does not throw away the one that replaced it. A versioned store is told too, and
        marks it refused for every process only if it still holds that very token.
        """
        entry = self._entries.get(org or NO_ORG)
        if entry is None or not _same(entry.token, token) or _same(entry.refused, token):
            return
        entry.refused = entry.token
        store = self.store
        if isinstance(store, VersionedTokenStore) and self.renewable(org):
            try:
                await store.refuse(entry.store_key, token)
            except TokenStoreError as exc:
                # This process replaces it anyway; the others learn from their own 401.
                log.warning("could not mark a refused token in the shared store: %s", exc)

    async def aclose(self) -> None:
        """Let refreshes in flight finish and save their token for up to 3 seconds
        (``_constants.TOKEN_CLOSE_GRACE``), cancel those still running (the client is
        closing), then close a store that has ``aclose()``, once however often the cache is closed
        (``RedisTokenStore`` then closes the Redis client it made from a URL, never one the
        application passed in). Cancelled while it waits, it still cancels the refreshes and
        closes the store before the cancellation propagates.

        A rotated refresh token whose save failed (the store was unreachable) is saved once
        more within what is left of those 3 seconds; if that fails too, an ERROR is logged:
        the store still holds the spent refresh token.
        """
        first = not self._closed
        self._closed = True
        tasks = {e.pending for e in self._entries.values() if e.pending and not e.pending.done()}
        deadline = asyncio.get_running_loop().time() + C.TOKEN_CLOSE_GRACE
        try:
            if tasks:
                try:
                    await asyncio.wait(tasks, timeout=C.TOKEN_CLOSE_GRACE)
                finally:
                    # Also when this close is cancelled during the wait: a refresh left
                    # running would outlive the client and its store.
                    for task in tasks:
                        task.cancel()
                    await asyncio.gather(*tasks, return_exceptions=True)
            await self._save_unsaved(deadline)
        finally:
            close_store = getattr(self.store, "aclose", None)
            if first and close_store is not None:
                await close_store()

    async def _save_unsaved(self, deadline: float) -> None:
        """Put back, by the loop time ``deadline``, each token whose save failed; say which
        could not be."""
        tried: set[int] = set()
        for key, entry in list(self._entries.items()):
            if not entry.unsaved or entry.token is None or id(entry) in tried:
                continue  # an entry organizations share (a RefreshToken's) is tried once
            tried.add(id(entry))
            try:
                async with asyncio.timeout_at(deadline):
                    await self._put_back(entry, entry.token)
                continue
            except TimeoutError:
                reason = "the store did not answer before the client closed"
            except Exception as exc:
                # A TokenStoreError says what failed without secrets; a store of the
                # application's own may not, so only its type is named.
                reason = str(exc) if isinstance(exc, TokenStoreError) else type(exc).__name__
            log.error(
                "the rotated refresh token of organization %s could not be saved to the token "
                "store (%s): the store still holds the spent one, so the credentials may need "
                "re-authorization",
                key,
                reason,
            )

    async def _put_back(self, entry: _Entry, token: Token) -> None:
        store = self.store
        if isinstance(store, VersionedTokenStore):
            # At the version its failed save would have had: it wins over the spent token
            # and loses to a newer one another process saved (no lock needed for that).
            held = StoredToken(token, entry.version, _same(token, entry.refused))
            await store.restore(entry.store_key, held)
        else:
            async with self._store_lock(entry.store_key):
                await store.save(entry.store_key, token)
        entry.unsaved = False

    # -- refreshing --------------------------------------------------------------

    async def _refresh(self, key: str, entry: _Entry, stale: Token | None) -> Token:
        if entry.pending is None or entry.pending.done():
            current = entry.token
            if current is not stale and not entry.unsaved and self._usable(entry, current):
                assert current is not None
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
            if entry.credentials is None or entry.flow is None:
                credentials = await self._resolve(key)
                shared = self._by_store_key.setdefault(store_key(key, credentials), entry)
                if shared is not entry:
                    # Another organization of the same chain (a RefreshToken) has the
                    # entry: this one uses it from now on, and never refreshes apart.
                    self._entries[key] = shared
                    return await self._refresh(key, shared, None)
                entry.credentials = credentials
                entry.store_key = store_key(key, credentials)
                entry.reads_legacy = _reads_legacy_key(credentials)
                entry.flow = credentials.flow(
                    TokenEndpoint(
                        org=None if key == NO_ORG or _one_chain(credentials) else key,
                        http=self._grants,
                        clock=self._clock,
                        refresh_margin=self.refresh_margin,
                    )
                )
            if not entry.credentials.renewable:
                entry.token = await entry.flow.obtain(entry.token)
                return entry.token
            try:
                token = await self._refresh_stored(key, entry)
            except AuthenticationError as refused:
                # Only after the credentials' own token is refused (spent, or mistyped: the
                # endpoint does not tell them apart): one still live is this identity's,
                # whereas the earlier version's may be another user's.
                if not (
                    entry.reads_legacy
                    and entry.token is None
                    and refused.code in _SPENT
                    and await self._adopt_any_legacy(key, entry)
                ):
                    raise
                token = await self._refresh_stored(key, entry)
            entry.reads_legacy = False
            return token

    async def _refresh_stored(self, key: str, entry: _Entry) -> Token:
        """Refresh under the store's lock, from the token stored for this identity."""
        assert entry.flow is not None
        if isinstance(self.store, VersionedTokenStore):
            return await self._refresh_versioned(key, entry, self.store)
        async with self._store_lock(entry.store_key):
            if entry.unsaved:
                # The last refresh could not save its token, which holds the only live
                # refresh token: the store still has the spent one, so save it first.
                assert entry.token is not None
                await self.store.save(entry.store_key, entry.token)
                entry.unsaved = False
            # Read the store every time: another client sharing it may have refreshed.
            stored = await self.store.load(entry.store_key)
            if stored is not None and not _same(stored, entry.token):
                entry.token = stored
            if self._usable(entry, entry.token):
                assert entry.token is not None
                return entry.token
            token = await entry.flow.obtain(entry.token)
            # Saved before use: a rotated refresh token must survive a crash.
            try:
                await self.store.save(entry.store_key, token)
            except BaseException:
                # The refresh token presented is spent: keep the new one, unused until
                # the next refresh has saved it.
                entry.token, entry.unsaved = token, True
                raise
        entry.token = token
        return token

    async def _refresh_versioned(
        self, key: str, entry: _Entry, store: VersionedTokenStore
    ) -> Token:
        """Refresh under the store's lock, saving only over the version read."""
        assert entry.flow is not None
        async with store.lock(entry.store_key):
            record = await store.load_versioned(entry.store_key)
            if (
                entry.token is not None
                and entry.version > 0
                and (record is None or record.version < entry.version)
            ):
                # The store lost it (a Redis that came back empty, maybe already refilled
                # with an older version by a process that was behind), or this process
                # could not save it: put back what this process holds, unless another
                # process already put back a version as new. Adopting an older version
                # would present a refresh token that has rotated away.
                held = StoredToken(entry.token, entry.version, _same(entry.token, entry.refused))
                record = await store.restore(entry.store_key, held)
            if record is not None:
                self._adopt(entry, record)
            entry.unsaved = False
            if self._usable(entry, entry.token):
                assert entry.token is not None
                return entry.token
            token = await entry.flow.obtain(entry.token)
            # Saved before use, and only over the version this refresh started from.
            try:
                saved = await store.save_versioned(entry.store_key, token, entry.version)
            except BaseException:
                # The refresh token presented is spent: the new token, not the old one, is
                # what this process must put back once the store answers (the version its
                # save would have had, so that it wins over the one it replaces).
                entry.token, entry.version, entry.unsaved = token, entry.version + 1, True
                raise
            if saved.token.access_token != token.access_token:
                log.warning(
                    "a newer token for %s was saved while this refresh ran (its lock "
                    "expired); using the newer one",
                    key,
                )
            self._adopt(entry, saved)
            assert entry.token is not None
            return entry.token

    async def _adopt_any_legacy(self, org: str, entry: _Entry) -> bool:
        """Adopt the first token found where earlier versions kept ``org``'s.

        Only the organization of the call that refreshes is known: when the earlier
        version's chain is under another one, the next call there adopts it (a failed
        adoption leaves ``reads_legacy`` set).
        """
        assert entry.credentials is not None
        for key in _legacy_keys(org, entry.credentials):
            if await self._adopt_legacy(key, entry):
                entry.reads_legacy = False
                return True
        return False

    async def _adopt_legacy(self, key: str, entry: _Entry) -> bool:
        """Move the token an earlier version stored under ``key`` (the organization alone,
        or ``<org>:<identity>``) to this identity's key, unless this identity has one
        already.

        Under the organization key's lock, the token there is replaced by ``_TAKEN`` before
        it is copied, so at most one identity ever adopts it: any other finds it taken.
        (Taken first: a failed copy loses this identity's chain; never another user's token
        shared.)

        Returns:
            whether this identity's key now holds a token to refresh from.
        """
        store = self.store
        async with self._store_lock(key):
            if await store.load(entry.store_key) is not None:
                return True  # another process of this identity saved one meanwhile
            if isinstance(store, VersionedTokenStore):
                record = await store.load_versioned(key)
                if record is None or _same(record.token, _TAKEN):
                    return False
                taken = await store.save_versioned(key, _TAKEN, record.version)
                if not _same(taken.token, _TAKEN):
                    return False  # an older version saved a newer one meanwhile (its lock expired)
                await store.restore(entry.store_key, record)
            else:
                token = await store.load(key)
                if token is None or _same(token, _TAKEN):
                    return False
                await store.save(key, _TAKEN)
                await store.save(entry.store_key, token)
        # Said aloud: the token cannot tell whose it is, and a store that several users of
        # this organization shared under the earlier version held the last one's.
        log.warning(
            "adopted the token an earlier version stored under %s, as this client's own "
            "refresh token was refused; if several users of that organization shared this "
            "token store before the upgrade, check that the client acts as the right user",
            key,
        )
        return True

    @staticmethod
    def _adopt(entry: _Entry, record: StoredToken) -> None:
        if not _same(record.token, entry.token):
            entry.token = record.token
        entry.version = record.version
        if record.refused:
            entry.refused = entry.token

    @contextlib.asynccontextmanager
    async def _store_lock(self, key: str) -> AsyncIterator[None]:
        if isinstance(self.store, LockingTokenStore):
            async with self.store.lock(key):
                yield
        else:
            yield

    async def _resolve(self, key: str) -> Credentials:
        source = self._source
        if isinstance(source, Credentials):
            return source
        if isinstance(source, Mapping):
            return source[key]
        # Calls that name no organization ask for None, as in the callable's signature.
        creds = await source(None if key == NO_ORG else key)
        if not isinstance(creds, Credentials):
            raise TypeError(
                f"the credentials callable returned {type(creds).__name__} for organization "
                f"{key!r}; it must return a credentials object"
            )
        creds.check_org(None if key == NO_ORG else key)
        return creds


def _same(a: Token | None, b: Token | None) -> bool:
    return a is not None and b is not None and a.access_token == b.access_token


__all__ = ["NO_ORG", "CredentialsSource", "TokenCache", "store_key"]
