"""What a fleet of worker processes shares: tokens, rate budgets and webhook dedupe keys.

- :class:`RedisTokenStore`: one token per organization for every process, refreshed once
  under redis-py's lock (``TallyfyClient(token_store=...)``).
- :class:`RedisRateBudget`: one rate budget per organization for the whole fleet
  (``TallyfyClient(rate_control=..., adaptive_rate=True)``).
- :class:`RedisDedupeStore`: webhook deliveries seen once by every receiver
  (``webhooks.handler(..., dedupe=...)``).

The Redis stores need the optional extra ``tallyfy-async[redis]``; importing this package
does not (redis-py is imported when a Redis store is built, which says how to install it when
it is missing). The token stores of ``tallyfy_async.auth`` are re-exported so there is one
place to look. See ``docs/scaling.md``.
"""

from tallyfy_async.auth.tokens import (
    FileTokenStore,
    LockingTokenStore,
    MemoryTokenStore,
    StoredToken,
    TokenStore,
    VersionedTokenStore,
)
from tallyfy_async.stores._redis_dedupe import RedisDedupeStore
from tallyfy_async.stores._redis_rate import FleetGate, RedisRateBudget
from tallyfy_async.stores._redis_tokens import RedisTokenStore

__all__ = [
    "FileTokenStore",
    "FleetGate",
    "LockingTokenStore",
    "MemoryTokenStore",
    "RedisDedupeStore",
    "RedisRateBudget",
    "RedisTokenStore",
    "StoredToken",
    "TokenStore",
    "VersionedTokenStore",
]
