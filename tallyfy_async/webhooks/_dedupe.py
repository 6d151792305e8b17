"""Dropping duplicate deliveries: a store that remembers keys for a while.

Tallyfy may deliver one event twice, and a service may run several receivers. The store is
a protocol of one atomic operation, "add this key unless it is there, for ``ttl``
seconds", which is exactly Redis's ``SET key 1 NX PX ttl_ms``; so a fleet can share a
store in Redis, and a single process uses :class:`MemoryDedupeStore`.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol, runtime_checkable

from tallyfy_async._constants import WEBHOOK_DEDUPE_MAX_KEYS

#: Seconds between two sweeps of the expired keys (a key is checked on its own lookup).
_SWEEP_EVERY = 1.0


@runtime_checkable
class DedupeStore(Protocol):
    """Where the receiver remembers the deliveries it has seen.

    One method, atomic across every receiver sharing the store. In Redis::

        async def add(self, key, ttl):
            return bool(await redis.set(key, b"1", nx=True, px=max(1, int(ttl * 1000))))
    """

    async def add(self, key: str, ttl: float) -> bool:
        """Remember ``key`` for ``ttl`` seconds unless it is already remembered.

        Returns:
            True when the key was new (the event is seen for the first time), False when
            it was already there (a duplicate).
        """
        ...


class MemoryDedupeStore:
    """A :class:`DedupeStore` in this process's memory, bounded in size and time.

    Keys are forgotten ``ttl`` seconds after they were added, and the oldest are
    forgotten first when more than ``max_keys`` are remembered (each one counted in
    :attr:`evicted`: a duplicate arriving after its key was evicted is not recognised).

    Args:
        max_keys: keys remembered at most.
        clock: seconds from an arbitrary start (``time.monotonic``; tests pass their own).
    """

    def __init__(
        self,
        max_keys: int = WEBHOOK_DEDUPE_MAX_KEYS,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not isinstance(max_keys, int) or max_keys < 1:
            raise ValueError(f"max_keys must be a positive integer, got {max_keys!r}")
        self.max_keys = max_keys
        self._clock = clock
        #: key -> when it expires, oldest first.
        self._expiry: OrderedDict[str, float] = OrderedDict()
        #: Keys forgotten before they expired, to stay under ``max_keys``.
        self.evicted = 0
        self._next_sweep = float("-inf")

    def __len__(self) -> int:
        return len(self._expiry)

    async def add(self, key: str, ttl: float) -> bool:
        """Remember ``key`` for ``ttl`` seconds unless it is remembered; True if it was new."""
        return self.add_now(key, ttl)

    def add_now(self, key: str, ttl: float) -> bool:
        """:meth:`add`, without awaiting (nothing here waits)."""
        now = self._clock()
        expiry = self._expiry
        known = expiry.get(key)
        if known is not None:
            if known > now:
                return False
            del expiry[key]
        if now >= self._next_sweep:
            self._next_sweep = now + _SWEEP_EVERY
            self._forget_expired(now)
        expiry[key] = now + ttl
        if len(expiry) > self.max_keys:
            expiry.popitem(last=False)
            self.evicted += 1
        return True

    def _forget_expired(self, now: float) -> None:
        # Keys are in the order they were added; with one ttl that is also the order they
        # expire in, so the expired ones are at the front. (A key added with a longer ttl
        # before shorter ones only delays their removal: each is still checked on lookup.)
        expiry = self._expiry
        while expiry:
            key, when = next(iter(expiry.items()))
            if when > now:
                break
            del expiry[key]
