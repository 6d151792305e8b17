"""Webhook deliveries seen once by every receiver of a fleet: a dedupe store in Redis."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from tallyfy_async.stores._redis import RedisConnection, read_only_errors

if TYPE_CHECKING:
    from redis.asyncio import Redis


class RedisDedupeStore:
    """A :class:`~tallyfy_async.webhooks.DedupeStore` in Redis, shared by several receivers.

    ``add`` is one ``SET <prefix><key> 1 NX PX <ttl>``: atomic, so of the receivers that get
    the same delivery exactly one sees it as new, and Redis forgets the key when its time
    is up. Give every receiver of the fleet the same Redis and prefix::

        from tallyfy_async.stores import RedisDedupeStore

        store = RedisDedupeStore("redis://redis.internal:6379/0")
        webhooks.handler(on_event, org_id=ORG_ID, dedupe=store).install(app, "/hooks/tallyfy")

    While Redis is unreachable ``add`` raises, and the receiver lets the delivery through
    (counted in its ``dedupe_errors`` and logged): an event may then be handled twice,
    never lost. Close the store (:meth:`aclose`) when the application stops.

    Args:
        redis: a URL (``redis://:password@host:6379/0``), or a ``redis.asyncio.Redis`` the
            application already has; only a client made from a URL is closed by :meth:`aclose`.
        prefix: in front of every key.

    Raises:
        ImportError: redis-py is missing (``pip install "tallyfy-async[redis]"``).
        TypeError, ValueError: ``redis`` or ``prefix`` of the wrong kind.
    """

    def __init__(self, redis: str | Redis, *, prefix: str = "tallyfy:webhook:") -> None:
        self._redis = RedisConnection(redis, prefix=prefix, what="RedisDedupeStore")
        self._read_only = read_only_errors()

    async def add(self, key: str, ttl: float) -> bool:
        """Remember ``key`` for ``ttl`` seconds unless it is remembered; True if it was new.

        Raises:
            redis.exceptions.RedisError: Redis failed; a read-only replica's error says so
                and how to fix it (the receiver logs it and lets the delivery through).
        """
        milliseconds = max(1, math.ceil(ttl * 1000))
        try:
            return bool(
                await self._redis.client.set(self._redis.key(key), b"1", nx=True, px=milliseconds)
            )
        except self._read_only as exc:
            # Same type, for code that catches it; redis-py's own message does not say
            # which server, nor what to do.
            raise type(exc)(
                self._redis.read_only_message("remembering a webhook delivery")
            ) from None

    async def aclose(self) -> None:
        """Close the client if the store made it from a URL."""
        await self._redis.aclose()

    def __repr__(self) -> str:
        return f"<RedisDedupeStore at {self._redis!r}>"
