"""Tokens and the stores that keep them across restarts."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import attrs
import filelock

from tallyfy_async import _constants as C
from tallyfy_async.errors import TokenStoreError


@attrs.frozen
class Token:
    """An access token, with its refresh token when the grant gave one.

    Attributes:
        access_token: the bearer token (never shown by ``repr``).
        expires_at: Unix time at which Tallyfy stops accepting it.
        obtained_at: Unix time at which it was issued.
        refresh_token: the refresh token that came with it, if any.
        token_type: ``"Bearer"``.
    """

    access_token: str = attrs.field(repr=False)
    expires_at: float
    obtained_at: float
    refresh_token: str | None = attrs.field(default=None, repr=False)
    token_type: str = "Bearer"

    @classmethod
    def from_response(cls, body: dict[str, Any], now: float | None = None) -> Token:
        """Build a token from an OAuth token response (``expires_in`` wins, else 3600 s)."""
        now = time.time() if now is None else now
        access = body.get("access_token")
        if not isinstance(access, str) or not access:
            raise ValueError("the token response has no access_token")
        expires_in = body.get("expires_in")
        lifetime = (
            float(expires_in)
            if isinstance(expires_in, int | float) and expires_in > 0
            else C.DEFAULT_TOKEN_LIFETIME
        )
        refresh = body.get("refresh_token")
        return cls(
            access_token=access,
            expires_at=now + lifetime,
            obtained_at=now,
            refresh_token=refresh if isinstance(refresh, str) and refresh else None,
            token_type=str(body.get("token_type") or "Bearer"),
        )

    def refresh_due(self, now: float, margin: float) -> bool:
        """Whether the token is within ``margin`` (at most half its life) of expiry."""
        lifetime = self.expires_at - self.obtained_at
        return now >= self.expires_at - min(margin, lifetime / 2)

    def fingerprint(self) -> str:
        """A short digest of the access token: compares tokens without storing or showing
        the secret twice."""
        return hashlib.sha256(self.access_token.encode()).hexdigest()[:32]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (for stores)."""
        return attrs.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Token:
        """The inverse of :meth:`to_json`."""
        return cls(**{a.name: data[a.name] for a in attrs.fields(cls) if a.name in data})


@runtime_checkable
class TokenStore(Protocol):
    """Where tokens survive the process: one entry per organization and user, under a key
    from :func:`tallyfy_async.auth.cache.store_key` (``<org>:<identity>``).

    The token cache saves a token **before** it uses it, so a rotated refresh
    token is never lost to a crash.
    """

    async def load(self, key: str) -> Token | None:
        """The token saved under ``key``, or None."""
        ...

    async def save(self, key: str, token: Token) -> None:
        """Save ``token`` under ``key``, replacing what was there."""
        ...


@runtime_checkable
class LockingTokenStore(TokenStore, Protocol):
    """A token store shared by several processes, with a lock per key.

    The token cache refreshes a token while holding ``lock(key)`` and reads the store again
    once it holds it: when another process refreshed meanwhile, its token is used and no
    second token request is made. A rotated refresh token is thus never used twice.
    """

    def lock(self, key: str) -> AbstractAsyncContextManager[object]:
        """An async context manager holding the lock of ``key`` across every process."""
        ...


@attrs.frozen
class StoredToken:
    """A token as a shared store holds it, with the version that orders its saves.

    Attributes:
        token: the token.
        version: raised by one on every save; a save that names an older version loses.
        refused: the API refused this access token (401) in some process; its refresh
            token is still the way to the next one.
    """

    token: Token
    version: int
    refused: bool = False


@runtime_checkable
class VersionedTokenStore(LockingTokenStore, Protocol):
    """A locking store whose saves are checked against the version they were based on.

    A process whose refresh outlived its lock (it froze, the lock expired, another process
    refreshed) must not overwrite the newer token: :meth:`save_versioned` saves only when no
    version newer than the one read is stored, and otherwise returns the newer record, which
    the token cache then adopts. Plain :meth:`load` and :meth:`save` keep working for everything
    else.
    """

    async def load_versioned(self, key: str) -> StoredToken | None:
        """The record saved under ``key``, or None."""
        ...

    async def save_versioned(self, key: str, token: Token, version: int) -> StoredToken:
        """Save ``token`` unless a version newer than ``version`` is stored.

        (An older one is there only when the store lost its data and a process that was
        behind put it back: the token being saved replaces it.)

        Returns:
            the record stored now: ``token`` at ``version + 1``, or the newer record that
            was there (the save lost).
        """
        ...

    async def restore(self, key: str, record: StoredToken) -> StoredToken:
        """Put back a record this process holds, when the store has lost it (a Redis that
        came back empty): saved only if nothing, or an older version, is stored.

        Returns:
            the record stored now.
        """
        ...

    async def refuse(self, key: str, token: Token) -> bool:
        """Mark ``token`` refused for every process, only if it is still the stored one.

        Returns:
            whether it was marked (False: a newer token, or none, is stored).
        """
        ...


class MemoryTokenStore:
    """Keeps tokens in memory: they last as long as the process (the default)."""

    def __init__(self) -> None:
        self._tokens: dict[str, Token] = {}

    async def load(self, key: str) -> Token | None:
        """The token saved under ``key``, or None."""
        return self._tokens.get(key)

    async def save(self, key: str, token: Token) -> None:
        """Save ``token`` under ``key``."""
        self._tokens[key] = token

    def __repr__(self) -> str:
        return f"MemoryTokenStore({len(self._tokens)} tokens)"


class FileTokenStore:
    """Keeps tokens in one JSON file, readable by its owner only (mode 0600).

    Every save writes a temporary file beside it and replaces the file atomically,
    so a crash leaves the old file or the new one, never half of either.

    Processes of one machine sharing the file refresh once between them: the refresh runs
    under a file lock beside it (``<path>.lock``, the ``filelock`` package: ``fcntl.flock``
    on POSIX, ``msvcrt.locking`` on Windows), and each save is checked against the version
    read (see :class:`VersionedTokenStore`). The operating system releases the lock of a
    process that dies; a *frozen* process keeps it, so waiting is bounded by ``lock_wait``.

    Args:
        path: the JSON file.
        lock_wait: longest wait for the lock, seconds, before :class:`TokenStoreError`.
    """

    def __init__(
        self, path: str | os.PathLike[str], *, lock_wait: float = C.TOKEN_LOCK_WAIT
    ) -> None:
        if lock_wait <= 0:
            raise ValueError(f"lock_wait must be positive seconds, got {lock_wait!r}")
        self.path = Path(path)
        self.lock_wait = lock_wait
        self._lock = asyncio.Lock()
        # The OS lock below counts re-entries of its object rather than excluding them, so
        # the clients of this process that share this object take turns here first.
        self._refresh_lock = asyncio.Lock()
        # One OS lock per store object, shared by its threads (the cache acquires it in
        # one worker thread and releases it in another).
        self._file_lock = filelock.FileLock(f"{self.path}.lock", thread_local=False, mode=0o600)

    def _read(self) -> dict[str, Any]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError(f"{self.path} does not hold a JSON object of tokens")
        return data

    def _write(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=1, sort_keys=True)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _acquire(self) -> None:
        try:
            self._file_lock.acquire(timeout=self.lock_wait)
        except filelock.Timeout:
            raise TokenStoreError(
                f"the token file lock {self._file_lock.lock_file} stayed held by another "
                f"process for {self.lock_wait:g} s (a process frozen mid-refresh?); "
                "retry, or raise lock_wait"
            ) from None

    @contextlib.asynccontextmanager
    async def lock(self, key: str) -> AsyncIterator[None]:
        """Hold the file lock beside the token file (every key: refreshes are rare)."""
        async with self._refresh_lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            acquiring = asyncio.ensure_future(asyncio.to_thread(self._acquire))
            try:
                await asyncio.shield(acquiring)
            except asyncio.CancelledError:
                # The thread cannot be stopped and may still take the lock: give it back
                # then, or the other processes would wait for this one to exit.
                acquiring.add_done_callback(self._release_if_taken)
                raise
            try:
                yield
            finally:
                await asyncio.to_thread(self._file_lock.release)

    def _release_if_taken(self, acquiring: asyncio.Future[None]) -> None:
        if not acquiring.cancelled() and acquiring.exception() is None:
            self._file_lock.release()

    async def _update(self, change: Any) -> Any:
        """Read, change and write the file under both locks; ``change(data)`` returns the
        result and whether to write."""
        async with self._lock:

            def run() -> Any:
                self._acquire()
                try:
                    data = self._read()
                    result, write = change(data)
                    if write:
                        self._write(data)
                    return result
                finally:
                    self._file_lock.release()

            return await asyncio.to_thread(run)

    async def load(self, key: str) -> Token | None:
        """The token saved under ``key``, or None."""
        record = await self.load_versioned(key)
        return record.token if record is not None else None

    async def load_versioned(self, key: str) -> StoredToken | None:
        """The record saved under ``key``, or None."""
        async with self._lock:
            data = await asyncio.to_thread(self._read)
        return _record(data.get(key))

    async def save(self, key: str, token: Token) -> None:
        """Save ``token`` under ``key`` (read, update, atomic replace)."""

        def change(data: dict[str, Any]) -> tuple[None, bool]:
            old = _record(data.get(key))
            data[key] = _entry(StoredToken(token, old.version + 1 if old else 1))
            return None, True

        await self._update(change)

    async def save_versioned(self, key: str, token: Token, version: int) -> StoredToken:
        """Save ``token`` unless a version newer than ``version`` is stored; the record
        stored now."""

        def change(data: dict[str, Any]) -> tuple[StoredToken, bool]:
            old = _record(data.get(key))
            if old is not None and old.version > version:
                return old, False
            new = StoredToken(token, version + 1)
            data[key] = _entry(new)
            return new, True

        result: StoredToken = await self._update(change)
        return result

    async def restore(self, key: str, record: StoredToken) -> StoredToken:
        """Put ``record`` back if nothing, or an older version, is stored."""

        def change(data: dict[str, Any]) -> tuple[StoredToken, bool]:
            old = _record(data.get(key))
            if old is not None and old.version >= record.version:
                return old, False
            data[key] = _entry(record)
            return record, True

        result: StoredToken = await self._update(change)
        return result

    async def refuse(self, key: str, token: Token) -> bool:
        """Mark ``token`` refused if it is still the stored one."""

        def change(data: dict[str, Any]) -> tuple[bool, bool]:
            old = _record(data.get(key))
            if old is None or old.token.access_token != token.access_token or old.refused:
                return False, False
            data[key] = _entry(attrs.evolve(old, refused=True))
            return True, True

        result: bool = await self._update(change)
        return result

    def __repr__(self) -> str:
        return f"FileTokenStore({str(self.path)!r})"


def _entry(record: StoredToken) -> dict[str, Any]:
    return {**record.token.to_json(), "version": record.version, "refused": record.refused}


def _record(entry: object) -> StoredToken | None:
    # Files written before versions existed hold the token alone: version 0.
    if not isinstance(entry, dict):
        return None
    return StoredToken(
        Token.from_json(entry), int(entry.get("version", 0)), bool(entry.get("refused", False))
    )


__all__ = [
    "FileTokenStore",
    "LockingTokenStore",
    "MemoryTokenStore",
    "StoredToken",
    "Token",
    "TokenStore",
    "VersionedTokenStore",
]
