"""Tokens and the stores that keep them across restarts."""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import attrs

from tallyfy_async import _constants as C


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

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (for stores)."""
        return attrs.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Token:
        """The inverse of :meth:`to_json`."""
        return cls(**{a.name: data[a.name] for a in attrs.fields(cls) if a.name in data})


@runtime_checkable
class TokenStore(Protocol):
    """Where tokens survive the process: one entry per organization.

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
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = asyncio.Lock()

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

    async def load(self, key: str) -> Token | None:
        """The token saved under ``key``, or None."""
        async with self._lock:
            data = await asyncio.to_thread(self._read)
        entry = data.get(key)
        return Token.from_json(entry) if isinstance(entry, dict) else None

    async def save(self, key: str, token: Token) -> None:
        """Save ``token`` under ``key`` (read, update, atomic replace)."""
        async with self._lock:

            def update() -> None:
                data = self._read()
                data[key] = token.to_json()
                self._write(data)

            await asyncio.to_thread(update)

    def __repr__(self) -> str:
        return f"FileTokenStore({str(self.path)!r})"


__all__ = ["FileTokenStore", "LockingTokenStore", "MemoryTokenStore", "Token", "TokenStore"]
