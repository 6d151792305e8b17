"""The transport's FIFO concurrency limit (``tallyfy_async._limiter``)."""

from __future__ import annotations

import asyncio
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tallyfy_async._limiter import FifoLimiter


async def test_a_free_slot_is_taken_without_waiting() -> None:
    limiter = FifoLimiter(2)
    assert limiter.try_acquire() and limiter.try_acquire()
    assert not limiter.try_acquire()
    assert limiter.locked()
    limiter.release()
    assert not limiter.locked()


async def test_waiters_are_served_first_in_first_out() -> None:
    limiter = FifoLimiter(1)
    await limiter.acquire()
    order: list[int] = []

    async def waiter(n: int) -> None:
        await limiter.acquire()
        order.append(n)
        limiter.release()

    tasks = [asyncio.create_task(waiter(n)) for n in range(5)]
    await asyncio.sleep(0)  # all five queued, in order
    # A newcomer with a slot just given back must not overtake the queue.
    limiter.release()
    assert not limiter.try_acquire()
    await asyncio.gather(*tasks)
    assert order == [0, 1, 2, 3, 4]
    assert not limiter.locked()


async def test_a_cancelled_waiter_gives_its_turn_to_the_next() -> None:
    limiter = FifoLimiter(1)
    await limiter.acquire()
    first = asyncio.create_task(limiter.acquire())
    second = asyncio.create_task(limiter.acquire())
    await asyncio.sleep(0)
    first.cancel()
    await asyncio.sleep(0)
    limiter.release()
    await asyncio.wait_for(second, 1)
    assert first.cancelled()
    limiter.release()
    assert not limiter.locked()


async def test_a_waiter_cancelled_after_being_handed_a_slot_passes_it_on() -> None:
    limiter = FifoLimiter(1)
    await limiter.acquire()
    first = asyncio.create_task(limiter.acquire())
    second = asyncio.create_task(limiter.acquire())
    await asyncio.sleep(0)
    limiter.release()  # the slot goes to first's future...
    first.cancel()  # ...which is cancelled before it runs
    with pytest.raises(asyncio.CancelledError):
        await first
    await asyncio.wait_for(second, 1)  # the slot was passed on, not lost
    limiter.release()
    assert not limiter.locked()


async def test_callers_giving_up_leave_the_line_at_once() -> None:
    # Every slot held (a long transfer, say) while callers keep giving up: the line must
    # not keep them until the slot comes back.
    limiter = FifoLimiter(1)
    await limiter.acquire()
    for _ in range(100):
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0):
                await limiter.acquire()
    assert not limiter._waiters
    limiter.release()
    assert limiter.try_acquire()


async def test_a_waiter_cancelled_after_a_release_skipped_it_fails_cleanly() -> None:
    limiter = FifoLimiter(1)
    await limiter.acquire()
    first = asyncio.create_task(limiter.acquire())
    second = asyncio.create_task(limiter.acquire())
    await asyncio.sleep(0)
    first.cancel()  # its future is cancelled now; the task has not run its handler yet
    limiter.release()  # skips first's cancelled future, hands the slot to second
    with pytest.raises(asyncio.CancelledError):
        await first
    await asyncio.wait_for(second, 1)
    assert not limiter._waiters
    limiter.release()
    assert not limiter.locked()


async def test_a_waiter_whose_deadline_passes_leaves_the_line_holding_nothing() -> None:
    limiter = FifoLimiter(1)
    await limiter.acquire()
    loop = asyncio.get_running_loop()
    late = asyncio.create_task(limiter.acquire(loop.time() + 0.01))
    after = asyncio.create_task(limiter.acquire())
    with pytest.raises(TimeoutError):
        await late
    assert len(limiter._waiters) == 1  # only the caller without a deadline still waits
    limiter.release()
    await asyncio.wait_for(after, 1)  # the slot went to the next in line
    limiter.release()
    assert not limiter.locked()


async def test_a_waiter_handed_a_slot_as_its_deadline_passes_passes_it_on() -> None:
    limiter = FifoLimiter(1)
    await limiter.acquire()
    loop = asyncio.get_running_loop()
    # A deadline already past: its timer runs at the next loop turn, after the release
    # below has handed this waiter the slot.
    late = asyncio.create_task(limiter.acquire(loop.time()))
    after = asyncio.create_task(limiter.acquire())
    await asyncio.sleep(0)
    limiter.release()
    with pytest.raises(TimeoutError):
        await late
    await asyncio.wait_for(after, 1)  # passed on, neither lost nor granted twice
    assert not limiter.try_acquire()
    limiter.release()
    assert not limiter.locked()


async def test_deadlines_out_of_line_order_each_end_their_own_wait() -> None:
    # A call queued again after a failed attempt keeps its older deadline: it may sit
    # behind callers with later deadlines, and must still leave at its own.
    limiter = FifoLimiter(1)
    await limiter.acquire()
    loop = asyncio.get_running_loop()
    start = loop.time()
    ended: dict[str, float] = {}

    async def caller(name: str, deadline: float) -> None:
        try:
            await limiter.acquire(deadline)
        except TimeoutError:
            ended[name] = loop.time()
            raise
        limiter.release()

    later = asyncio.create_task(caller("later", start + 0.2))
    sooner = asyncio.create_task(caller("sooner", start + 0.05))
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(sooner, 5)
    assert not later.done()  # still in line, its deadline not reached
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(later, 5)
    assert set(ended) == {"sooner", "later"}  # each ended by its deadline, not our wait
    # Neither left before its deadline.
    assert ended["sooner"] >= start + 0.05
    assert ended["later"] >= start + 0.2
    assert not limiter._waiters
    limiter.release()
    assert not limiter.locked()


async def test_the_lines_timer_ends_no_wait_before_its_deadline() -> None:
    # The timer runs for the first deadline; the next falls 0.8 ms later. Run at a time
    # between the two (a loop late by a fraction of a millisecond, or uvloop's timer, which
    # counts whole milliseconds, early for the second), it ends only the first wait: a slot
    # given back before the second deadline still goes to its caller.
    limiter = FifoLimiter(1)
    await limiter.acquire()
    loop = asyncio.get_running_loop()
    first_deadline = loop.time() + 10  # the real timer never runs in this test
    first = asyncio.create_task(limiter.acquire(first_deadline))
    second = asyncio.create_task(limiter.acquire(first_deadline + 0.0008))
    await asyncio.sleep(0)
    loop.time = lambda: first_deadline + 0.0004  # type: ignore[method-assign]
    try:
        limiter._expire(loop)
    finally:
        del loop.time  # the loop's own clock again
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(first, 1)
    assert not second.done()
    # Re-armed a millisecond on, not for the deadline 0.4 ms away: uvloop would run that
    # timer before the deadline again and again until its millisecond clock ticks over.
    assert limiter._timer_at == pytest.approx(first_deadline + 0.0014, abs=1e-9)
    limiter.release()
    await asyncio.wait_for(second, 1)
    assert limiter._timer is None  # nobody left in line: no timer left behind
    limiter.release()
    assert not limiter.locked()


async def test_the_deadlines_of_callers_served_in_time_do_not_end_the_others_waits() -> None:
    limiter = FifoLimiter(1)
    await limiter.acquire()
    loop = asyncio.get_running_loop()
    start = loop.time()
    first = asyncio.create_task(limiter.acquire(start + 0.05))
    second = asyncio.create_task(limiter.acquire(start + 0.3))
    await asyncio.sleep(0)
    limiter.release()  # first is served before its deadline...
    await asyncio.wait_for(first, 1)
    await asyncio.sleep(0.1)  # ...which then passes: second waits on
    assert not second.done()
    limiter.release()
    await asyncio.wait_for(second, 1)
    limiter.release()
    assert not limiter.locked()


async def test_a_caller_cancelled_as_its_deadline_ends_its_wait_holds_nothing() -> None:
    limiter = FifoLimiter(1)
    await limiter.acquire()
    loop = asyncio.get_running_loop()
    late = asyncio.create_task(limiter.acquire(loop.time()))
    await asyncio.sleep(0)  # queued
    await asyncio.sleep(0)  # the line's timer has ended its wait
    late.cancel()
    with pytest.raises((TimeoutError, asyncio.CancelledError)):
        await late
    assert not limiter._waiters
    limiter.release()
    assert limiter.try_acquire()
    assert not limiter.try_acquire()  # one slot, neither lost nor given twice


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="limit must be >= 1"):
        FifoLimiter(0)


@settings(max_examples=60, deadline=None)
@given(
    limit=st.integers(1, 4),
    plan=st.lists(
        st.tuples(st.integers(0, 3), st.sampled_from(["wait", "cancel", "deadline"])),
        min_size=1,
        max_size=25,
    ),
)
def test_never_more_holders_than_the_limit_and_every_slot_comes_back(
    limit: int, plan: list[tuple[int, str]]
) -> None:
    """Callers hold a slot for a few loop turns; some are cancelled while they wait, some
    give up when their deadline (the next loop turn) passes."""

    async def scenario() -> None:
        limiter = FifoLimiter(limit)
        holders = 0
        most = 0

        async def caller(turns: int, deadline: float) -> None:
            nonlocal holders, most
            await limiter.acquire(deadline)
            try:
                holders += 1
                most = max(most, holders)
                for _ in range(turns):
                    await asyncio.sleep(0)
            finally:
                holders -= 1
                limiter.release()

        tasks = []
        loop = asyncio.get_running_loop()
        for turns, how in plan:
            deadline = loop.time() if how == "deadline" else math.inf
            task = asyncio.create_task(caller(turns, deadline))
            tasks.append(task)
            await asyncio.sleep(0)
            if how == "cancel":
                task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        assert most <= limit
        assert holders == 0
        assert [limiter.try_acquire() for _ in range(limit)] == [True] * limit
        assert not limiter.try_acquire()

    asyncio.run(scenario())
