"""Stores a fleet of worker processes shares through Redis (extra: ``tallyfy-async[redis]``).

- :class:`RedisRateBudget`: one rate budget per organization for the whole fleet
  (``TallyfyClient(rate_control=...)``).
- :class:`RedisDedupeStore`: webhook deliveries seen once by every receiver
  (``webhooks.handler(..., dedupe=...)``).

Importing this package does not need redis-py; building a store does, and says how to
install it when it is missing. See ``docs/scaling.md``.
"""

from tallyfy_async.stores._redis_dedupe import RedisDedupeStore
from tallyfy_async.stores._redis_rate import FleetGate, RedisRateBudget

__all__ = ["FleetGate", "RedisDedupeStore", "RedisRateBudget"]
