"""The transport's concurrency limit: first in, first out, and free of coroutines when a slot is.

``asyncio.Semaphore`` costs an ``async with`` (two coroutines) per request even with a free
slot, about 1.3 µs on the stock loop and 1.9 on uvloop (``benchmarks/NOTES.md``). Here a free
slot is taken by a plain call; only a caller that must queue awaits, and a slot given back
goes straight to the oldest waiter, so nobody can overtake the queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections import deque

from tallyfy_async._retry import until


class FifoLimiter:
    """At most ``limit`` holders at once; waiters served in the order they came.

    Use ``if not limiter.try_acquire(): await limiter.acquire()``, then ``release()`` in a
    ``finally``.
    """

    __slots__ = ("_free", "_waiters")

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError(f"a limit must be >= 1, got {limit!r}")
        self._free = limit
        #: Futures of the callers queued, oldest first.
        self._waiters: deque[asyncio.Future[None]] = deque()

    def try_acquire(self) -> bool:
        """Take a slot now if one is free and nobody queues before us."""
        if self._free and not self._waiters:
            self._free -= 1
            return True
        return False

    async def acquire(self, deadline: float = math.inf) -> None:
        """Take a slot, waiting in line for one when none is free.

        Raises:
            TimeoutError: no slot before ``deadline`` (event loop time, ``inf`` for none);
                the caller has left the line and holds no slot.
        """
        if self.try_acquire():
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with until(deadline):
                await waiter
        except BaseException:  # cancelled, timed out, or closed at the loop's shutdown
            if waiter.done() and not waiter.cancelled():
                self.release()  # handed a slot just as we gave up: pass it on
            else:
                # Out of the line now, not at the next release: callers that give up
                # while every slot is held by long transfers must not pile up.
                waiter.cancel()
                with contextlib.suppress(ValueError):  # a release may have skipped it already
                    self._waiters.remove(waiter)
            raise

    def release(self) -> None:
        """Give a slot back: to the oldest waiter still waiting, or to the free pool."""
        waiters = self._waiters
        while waiters:
            waiter = waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._free += 1

    def locked(self) -> bool:
        """Whether a caller would have to wait."""
        return not self._free or bool(self._waiters)
