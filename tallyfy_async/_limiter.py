"""The transport's concurrency limit: first in, first out, and free of coroutines when a slot is.

``asyncio.Semaphore`` costs an ``async with`` (two coroutines) per request even with a free
slot, about 1.3 µs on the stock loop and 1.9 on uvloop (``benchmarks/NOTES.md``). Here a free
slot is taken by a plain call; only a caller that must queue awaits, and a slot given back
goes straight to the oldest waiter, so nobody can overtake the queue.

The callers in line keep to their deadlines with one timer for the whole line rather than an
``asyncio.timeout`` each: with hundreds of callers queued (more in flight than
``max_concurrency``) every one of them would hold a timeout, its timer handle and the
timer's context until its turn, objects the garbage collector walks again and again while
they wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections import deque

#: The least the line's timer is re-armed ahead: uvloop counts its clock and timers in whole
#: milliseconds, so a timer armed for less runs again before the deadline, turn after turn.
_MIN_REARM = 0.001


class FifoLimiter:
    """At most ``limit`` holders at once; waiters served in the order they came.

    Use ``if not limiter.try_acquire(): await limiter.acquire()``, then ``release()`` in a
    ``finally``.
    """

    __slots__ = ("_free", "_timer", "_timer_at", "_waiters")

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError(f"a limit must be >= 1, got {limit!r}")
        self._free = limit
        #: The callers queued, oldest first: each one's future and deadline.
        self._waiters: deque[tuple[asyncio.Future[None], float]] = deque()
        #: The line's one timer, armed for the earliest deadline in it (or later: it
        #: re-arms itself for what is left when it fires).
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = math.inf

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
        loop = asyncio.get_running_loop()
        waiter = loop.create_future()
        entry = (waiter, deadline)
        self._waiters.append(entry)
        if deadline < self._timer_at:
            self._arm(loop, deadline)
        try:
            await waiter
        except BaseException:  # cancelled, timed out, or closed at the loop's shutdown
            if waiter.cancelled() or not waiter.done():
                # Out of the line now, not at the next release: callers that give up
                # while every slot is held by long transfers must not pile up.
                waiter.cancel()
                with contextlib.suppress(ValueError):  # a release may have skipped it already
                    self._waiters.remove(entry)
                if not self._waiters:
                    self._disarm()
            elif waiter.exception() is None:
                self.release()  # handed a slot just as we gave up: pass it on
            # else: the timer ended the wait, and took it out of the line.
            raise
        if deadline <= loop.time():
            # Handed a slot in the loop turn the deadline passed (the loop was busy): the
            # deadline holds, and the slot goes on to the next in line.
            self.release()
            raise TimeoutError

    def release(self) -> None:
        """Give a slot back: to the oldest waiter still waiting, or to the free pool."""
        waiters = self._waiters
        while waiters:
            waiter, _ = waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                if not waiters:
                    self._disarm()  # nobody left to time out
                return
        self._free += 1

    def locked(self) -> bool:
        """Whether a caller would have to wait."""
        return not self._free or bool(self._waiters)

    def _arm(self, loop: asyncio.AbstractEventLoop, when: float) -> None:
        self._disarm()
        self._timer_at = when
        self._timer = loop.call_at(when, self._expire, loop)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer, self._timer_at = None, math.inf

    def _expire(self, loop: asyncio.AbstractEventLoop) -> None:
        """The line's timer: end the wait of every caller whose deadline passed, then
        re-arm for the earliest left. A timer run early (uvloop counts whole milliseconds)
        ends nothing before its time: it re-arms at least a millisecond on, so a wait ends
        at most that late."""
        self._timer, self._timer_at = None, math.inf
        now = loop.time()
        waiting: deque[tuple[asyncio.Future[None], float]] = deque()
        soonest = math.inf
        for entry in self._waiters:
            waiter, deadline = entry
            if waiter.done():  # cancelled: its caller takes it out, or a release skips it
                continue
            if deadline <= now:
                waiter.set_exception(TimeoutError())
            else:
                waiting.append(entry)
                soonest = min(soonest, deadline)
        self._waiters = waiting
        if soonest < math.inf:
            self._arm(loop, max(soonest, now + _MIN_REARM))
