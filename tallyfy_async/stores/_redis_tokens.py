"""Tokens shared by every process of a fleet, through Redis.

One hash per organization and identity (``<prefix>token:<key>``, the token cache's
``<org>:<identity>``) holds the token, a fingerprint of its access token, a version and a
refused flag. Every write is one Lua script, so it is atomic:
a save names the version it was based on and loses to a newer one; a refusal marks the
token only if it is still the stored one; a restore (after Redis came back empty) never
puts back an older version.

The refresh lock is redis-py's own :class:`redis.asyncio.lock.Lock` (``SET NX PX`` with a
random token, released by a compare-and-delete script): a short expiry, renewed by a task
while its holder lives, so a holder that dies or freezes delays the others by at most about
one expiry.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import logging
import math
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from tallyfy_async import _constants as C
from tallyfy_async.auth.tokens import StoredToken, Token
from tallyfy_async.errors import TokenStoreError
from tallyfy_async.stores._redis import (
    CREDENTIALS_HINT,
    RedisConnection,
    credential_errors,
    read_only_errors,
)

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from redis.asyncio.lock import Lock

log = logging.getLogger("tallyfy_async.stores")

T = TypeVar("T")

# ARGV: expected version ("" = any), token JSON, fingerprint, TTL in ms (0 = none).
# Loses only to a newer version: an older one is there only if Redis lost its data and a
# process that was behind put it back, and the token being saved replaces it.
_SAVE = """
local stored = redis.call('HGET', KEYS[1], 'version')
if ARGV[1] ~= '' and stored and tonumber(stored) > tonumber(ARGV[1]) then
  return {0, stored, redis.call('HGET', KEYS[1], 'token'), redis.call('HGET', KEYS[1], 'refused')}
end
local base = tonumber(stored or '0')
if ARGV[1] ~= '' then base = math.max(base, tonumber(ARGV[1])) end
local version = tostring(base + 1)
redis.call('HSET', KEYS[1], 'token', ARGV[2], 'fp', ARGV[3], 'version', version, 'refused', '0')
if tonumber(ARGV[4]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
return {1, version}
"""

# ARGV: version, token JSON, fingerprint, TTL in ms (0 = none), refused ("0"/"1").
_RESTORE = """
local stored = redis.call('HGET', KEYS[1], 'version')
if stored and tonumber(stored) >= tonumber(ARGV[1]) then
  return {0, stored, redis.call('HGET', KEYS[1], 'token'), redis.call('HGET', KEYS[1], 'refused')}
end
redis.call('HSET', KEYS[1], 'token', ARGV[2], 'fp', ARGV[3], 'version', ARGV[1], 'refused', ARGV[5])
if tonumber(ARGV[4]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
return {1, ARGV[1]}
"""

# ARGV: fingerprint of the refused access token.
_REFUSE = """
local refused = redis.call('HGET', KEYS[1], 'refused')
if redis.call('HGET', KEYS[1], 'fp') == ARGV[1] and refused ~= '1' then
  redis.call('HSET', KEYS[1], 'refused', '1')
  return 1
end
return 0
"""


class RedisTokenStore:
    """Tokens per organization in Redis, refreshed once for the whole fleet.

    Satisfies :class:`~tallyfy_async.auth.VersionedTokenStore`: pass it as
    ``TallyfyClient(token_store=...)`` in every process. See ``docs/scaling.md``.

    Args:
        redis: a URL (``redis://[:password@]host:port/db``, ``rediss://`` for TLS), for a
            client the store makes and closes; or a ``redis.asyncio.Redis`` the application
            already has (a Sentinel's ``master_for(...)`` too), which it never closes.
        prefix: put in front of every key (``<prefix>token:<key>``, ``<prefix>lock:<key>``).
        lock_timeout: expiry of the refresh lock, seconds; its holder renews it every third
            of it, so a dead or frozen holder delays the others by at most about this.
        lock_wait: longest wait for the lock while Redis answers, before
            :class:`~tallyfy_async.TokenStoreError`.
        unavailable_wait: longest time one operation retries an unreachable Redis before
            :class:`~tallyfy_async.TokenStoreError` (a token still valid in a process is used
            without Redis meanwhile). Refused credentials (a wrong or missing password) are
            not waited for: they raise TokenStoreError at once, as does a read-only replica
            (a URL naming a replica, or a server a failover made one).
        refresh_token_ttl: how long a token that has a refresh token is kept (a process
            started later must find the newest refresh token); a token without one is kept
            until its expiry plus a minute.

    Raises:
        ImportError: redis-py is missing (``pip install "tallyfy-async[redis]"``).
    """

    def __init__(
        self,
        redis: str | Redis,
        *,
        prefix: str = "tallyfy:",
        lock_timeout: float = C.TOKEN_LOCK_TIMEOUT,
        lock_wait: float = C.TOKEN_LOCK_WAIT,
        unavailable_wait: float = C.TOKEN_STORE_UNAVAILABLE_WAIT,
        refresh_token_ttl: float = C.REFRESH_TOKEN_TTL,
    ) -> None:
        for name, value in (
            ("lock_timeout", lock_timeout),
            ("lock_wait", lock_wait),
            ("unavailable_wait", unavailable_wait),
            ("refresh_token_ttl", refresh_token_ttl),
        ):
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise ValueError(f"RedisTokenStore: {name} must be positive seconds, got {value!r}")
        self._redis = RedisConnection(redis, prefix=prefix, what="RedisTokenStore")
        self.lock_timeout = float(lock_timeout)
        self.lock_wait = float(lock_wait)
        self.unavailable_wait = float(unavailable_wait)
        self.refresh_token_ttl = float(refresh_token_ttl)
        exceptions = importlib.import_module("redis.exceptions")
        # Down, restarting, loading its data, or too slow: wait and try again. Refused
        # credentials fail at once (checked first: redis-py makes them ConnectionErrors),
        # and so does a read-only replica; other Redis errors (a script error) are raised
        # as they are.
        self._credentials = credential_errors()
        self._read_only = read_only_errors()
        self._outage: tuple[type[BaseException], ...] = (
            exceptions.ConnectionError,
            exceptions.TimeoutError,
            OSError,
        )
        self._lock_errors: tuple[type[BaseException], ...] = (exceptions.LockError,)
        client = self._redis.client
        self._save = client.register_script(_SAVE)
        self._restore = client.register_script(_RESTORE)
        self._refuse = client.register_script(_REFUSE)

    # -- keys and records ---------------------------------------------------------------

    def _key(self, key: str) -> str:
        return self._redis.key("token:", key)

    def _ttl_ms(self, token: Token) -> int:
        if token.refresh_token is not None:
            seconds = self.refresh_token_ttl
        elif math.isfinite(token.expires_at):
            seconds = max(token.expires_at - time.time(), 0.0) + C.TOKEN_TTL_MARGIN
        else:
            return 0
        return max(int(seconds * 1000), 1)

    def _args(self, token: Token) -> list[Any]:
        return [json.dumps(token.to_json()), token.fingerprint(), self._ttl_ms(token)]

    @staticmethod
    def _record(version: Any, token: Any, refused: Any) -> StoredToken | None:
        if version is None or token is None:
            return None
        return StoredToken(Token.from_json(json.loads(token)), int(version), refused in (b"1", "1"))

    async def _retrying(self, what: str, operation: Callable[[], Awaitable[T]]) -> T:
        """Run ``operation``, retrying while Redis is unreachable, up to ``unavailable_wait``."""
        loop = asyncio.get_running_loop()
        give_up = loop.time() + self.unavailable_wait
        delay = 0.05
        while True:
            try:
                return await operation()
            except self._lock_errors:
                raise
            except self._credentials as exc:
                raise self._refused_credentials(what, exc) from None
            except self._read_only:
                raise TokenStoreError(self._redis.read_only_message(what)) from None
            except self._outage as exc:
                if loop.time() + delay >= give_up:
                    raise TokenStoreError(
                        f"Redis at {self._redis!r} stayed unreachable for "
                        f"{self.unavailable_wait:g} s while {what} "
                        f"({type(exc).__name__}); check that it runs and answers"
                    ) from None
                log.warning("Redis unreachable while %s (%s); retrying", what, type(exc).__name__)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 1.0)

    def _refused_credentials(self, what: str, exc: BaseException) -> TokenStoreError:
        return TokenStoreError(
            f"Redis at {self._redis!r} refused the store's credentials while {what} "
            f"({type(exc).__name__}: the password is wrong or missing); {CREDENTIALS_HINT}"
        )

    # -- TokenStore ----------------------------------------------------------------------

    async def load(self, key: str) -> Token | None:
        """The token saved under ``key``, or None."""
        record = await self.load_versioned(key)
        return record.token if record is not None else None

    async def save(self, key: str, token: Token) -> None:
        """Save ``token`` under ``key`` whatever is stored (the version is raised)."""
        await self._retrying(
            "saving a token",
            lambda: self._save(keys=[self._key(key)], args=["", *self._args(token)]),
        )

    # -- VersionedTokenStore ---------------------------------------------------------------

    async def load_versioned(self, key: str) -> StoredToken | None:
        """The record saved under ``key``, or None."""
        client = self._redis.client
        version, token, refused = await self._retrying(
            "reading a token",
            lambda: client.hmget(self._key(key), ["version", "token", "refused"]),
        )
        return self._record(version, token, refused)

    async def save_versioned(self, key: str, token: Token, version: int) -> StoredToken:
        """Save ``token`` unless a version newer than ``version`` is stored; the record
        stored now."""
        reply = await self._retrying(
            "saving a token",
            lambda: self._save(keys=[self._key(key)], args=[str(version), *self._args(token)]),
        )
        if int(reply[0]) == 1:
            return StoredToken(token, int(reply[1]))
        record = self._record(reply[1], reply[2], reply[3])
        assert record is not None
        return record

    async def restore(self, key: str, record: StoredToken) -> StoredToken:
        """Put ``record`` back if nothing, or an older version, is stored."""
        args = [str(record.version), *self._args(record.token), "1" if record.refused else "0"]
        reply = await self._retrying(
            "restoring a token", lambda: self._restore(keys=[self._key(key)], args=args)
        )
        if int(reply[0]) == 1:
            return record
        stored = self._record(reply[1], reply[2], reply[3])
        assert stored is not None
        return stored

    async def refuse(self, key: str, token: Token) -> bool:
        """Mark ``token`` refused for every process if it is still the stored one.

        Tried once, not for ``unavailable_wait``: the caller replaces the token anyway (and
        that refresh waits for Redis), and the other processes learn from their own 401.

        Raises:
            TokenStoreError: Redis did not answer, refused the credentials, or is a
                read-only replica.
        """
        try:
            reply = await self._refuse(keys=[self._key(key)], args=[token.fingerprint()])
        except self._credentials as exc:
            raise self._refused_credentials("marking a token refused", exc) from None
        except self._read_only:
            raise TokenStoreError(
                self._redis.read_only_message("marking a token refused")
            ) from None
        except self._outage as exc:
            raise TokenStoreError(
                f"Redis at {self._redis!r} was unreachable while marking a token refused "
                f"({type(exc).__name__}); check that it runs and answers"
            ) from None
        return int(reply) == 1

    # -- the lock ------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def lock(self, key: str) -> AsyncIterator[None]:
        """Hold the refresh lock of ``key`` across the fleet (renewed while held).

        Raises:
            TokenStoreError: another process held it past ``lock_wait``, Redis stayed
                unreachable past ``unavailable_wait``, or it refused the credentials or
                (a read-only replica) the write.
        """
        lock: Lock = self._redis.client.lock(
            self._redis.key("lock:", key),
            timeout=self.lock_timeout,
            sleep=min(0.05, self.lock_timeout / 10),
            thread_local=False,
        )
        await self._acquire(lock, key)
        renewal = asyncio.get_running_loop().create_task(self._renew(lock, key))
        try:
            yield
        finally:
            renewal.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewal
            try:
                await lock.release()
            except self._lock_errors:
                log.warning(
                    "the refresh lock of %s had expired before its release (the holder "
                    "was frozen or Redis lost it); the version check kept the newest token",
                    key,
                )
            except (*self._outage, *self._read_only):
                pass  # it expires on its own

    async def _acquire(self, lock: Lock, key: str) -> None:
        loop = asyncio.get_running_loop()
        give_up = loop.time() + self.lock_wait
        # One token for every try: a SET whose reply was lost to a timeout may still have
        # taken the lock, and the key then holds this token rather than another holder's.
        token = uuid.uuid4().hex.encode()
        interrupted = False

        async def attempt() -> bool:
            nonlocal interrupted
            try:
                if await lock.acquire(blocking=False, token=token):
                    return True
                if interrupted and await self._redis.client.get(lock.name) == token:
                    lock.local.token = token  # as Lock.acquire records a lock it took
                    return True
                return False
            except self._outage:
                interrupted = True
                raise

        while not await self._retrying("taking the refresh lock", attempt):
            if loop.time() + lock.sleep >= give_up:
                raise TokenStoreError(
                    f"the refresh lock of {key!r} (organization:identity) stayed held by "
                    f"another process for {self.lock_wait:g} s; a holder that dies frees it within "
                    f"{self.lock_timeout:g} s, so check that Redis keeps its keys "
                    "(no eviction of the prefix) and retry"
                )
            await asyncio.sleep(lock.sleep)

    async def _renew(self, lock: Lock, key: str) -> None:
        while True:
            await asyncio.sleep(self.lock_timeout / 3)
            try:
                await lock.reacquire()
            except self._lock_errors:
                log.warning("the refresh lock of %s expired while held; a save may lose", key)
                return
            except self._credentials as exc:
                log.error(
                    "%s; the refresh lock of %s is no longer renewed",
                    self._refused_credentials("renewing the refresh lock", exc),
                    key,
                )
                return
            except self._read_only:
                log.error(
                    "%s; the refresh lock of %s is no longer renewed",
                    self._redis.read_only_message("renewing the refresh lock"),
                    key,
                )
                return
            except self._outage:
                continue  # it is renewed at the next tick, or expires

    # -- lifecycle -----------------------------------------------------------------------

    async def aclose(self) -> None:
        """Close the Redis client if this store made it from a URL."""
        await self._redis.aclose()

    def __repr__(self) -> str:
        return f"RedisTokenStore({self._redis!r})"


__all__ = ["RedisTokenStore"]
