"""The adaptive rate: the gate's rules one by one, then jobs against the fake's rate limit.

The fake counts requests per token in a fixed window (Laravel's throttle). Windows are
scaled down to a fraction of a second, with ``Retry-After`` sent as the exact fraction,
so a job of thousands of calls takes seconds; the counts come from the fake's log.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from tallyfy_async import RateLimitError, TallyfyClient, Timeouts, TransportError, bulk
from tallyfy_async.bulk import BulkReport
from tallyfy_async.client import OrgClient
from tallyfy_async.rate import AdaptiveGate, AdaptiveRate, OrgGate, RateControl
from tallyfy_async.testing import DemoOrg, FakeTallyfy, LoggedRequest
from tests.bulk.conftest import api_requests, launches_sent

FAR = 1e12  # a deadline that never comes (event loop time)


def ok(remaining: int | None = None) -> dict[str, str]:
    return {} if remaining is None else {"X-RateLimit-Remaining": str(remaining)}


async def take(gate: AdaptiveGate, count: int) -> list[int]:
    return [await gate.acquire(FAR) for _ in range(count)]


# --- the gate, rule by rule ---------------------------------------------------------------


async def test_a_429_halves_the_allowance_never_below_one() -> None:
    gate = AdaptiveGate("org", ceiling=16)
    seen = []
    for _ in range(6):
        (ticket,) = await take(gate, 1)
        gate.release(ticket, 429, {"Retry-After": "0"})
        seen.append(gate.allowance)
    assert seen == [8, 4, 2, 1, 1, 1]
    assert gate.rate_limited == 6


async def test_429s_of_requests_already_in_flight_halve_only_once() -> None:
    gate = AdaptiveGate("org", ceiling=16)
    tickets = await take(gate, 8)
    for ticket in tickets:
        gate.release(ticket, 429, {"Retry-After": "0"})
    assert gate.allowance == 8
    (later,) = await take(gate, 1)  # sent after the halving: its 429 counts again
    gate.release(later, 429, {"Retry-After": "0"})
    assert gate.allowance == 4


async def test_answers_grow_the_allowance_by_one_per_allowance_of_answers() -> None:
    gate = AdaptiveGate("org", ceiling=6, initial=4)
    grown = []
    for _ in range(4 + 5 + 6):
        (ticket,) = await take(gate, 1)
        gate.release(ticket, 200, ok())
        grown.append(gate.allowance)
    assert grown[3] == 5  # after 4 answers
    assert grown[8] == 6  # after 5 more
    assert grown[-1] == 6  # the ceiling holds
    assert grown[:3] == [4, 4, 4]


async def test_server_errors_and_lost_answers_neither_grow_nor_shrink_it() -> None:
    gate = AdaptiveGate("org", ceiling=8, initial=2)
    for status in (503, None, 500, None):
        (ticket,) = await take(gate, 1)
        gate.release(ticket, status, None)
    assert gate.allowance == 2


async def test_the_allowance_bounds_requests_in_flight_first_in_first_out() -> None:
    gate = AdaptiveGate("org", ceiling=2)
    first, second = await take(gate, 2)
    order: list[str] = []

    async def wait(name: str) -> None:
        ticket = await gate.acquire(FAR)
        order.append(name)
        gate.release(ticket, 200, None)

    waiting = [asyncio.create_task(wait(name)) for name in "abc"]
    await asyncio.sleep(0)
    assert gate.in_flight == 2 and gate.waiting == 3
    gate.release(first, 200, None)
    gate.release(second, 200, None)
    await asyncio.gather(*waiting)
    assert order == ["a", "b", "c"]
    assert gate.in_flight == 0


async def test_retry_after_holds_every_request_of_the_organization() -> None:
    gate = AdaptiveGate("org", ceiling=4)
    (ticket,) = await take(gate, 1)
    gate.release(ticket, 429, {"Retry-After": "0.3"})
    held = asyncio.create_task(gate.acquire(FAR))
    done, _ = await asyncio.wait({held}, timeout=0.05)
    assert not done  # not before Retry-After, although the allowance has room
    async with asyncio.timeout(5):
        await held
    gate.release(held.result(), 200, None)


async def test_a_hold_is_a_minute_at_most_and_a_date_reads_by_the_servers_clock() -> None:
    # A quota's Retry-After of an hour would stop every call of the organization for an
    # hour; after a minute one request asks again (as the fleet's Redis budget does).
    loop = asyncio.get_running_loop()
    gate = AdaptiveGate("org", ceiling=4)
    (ticket,) = await take(gate, 1)
    gate.release(ticket, 429, {"Retry-After": "3600"})
    assert 59 < gate._resume_at - loop.time() <= 60
    # A date, with the server's clock an hour behind ours: 30 s from its own Date.
    server = datetime.now(UTC) - timedelta(hours=1)
    headers = {
        "Date": format_datetime(server, usegmt=True),
        "Retry-After": format_datetime(server + timedelta(seconds=30), usegmt=True),
    }
    other = AdaptiveGate("other", ceiling=4)
    (ticket,) = await take(other, 1)
    other.release(ticket, 429, headers)
    assert 29 < other._resume_at - loop.time() <= 30


async def test_a_429_without_retry_after_pauses_too() -> None:
    gate = AdaptiveGate("org", ceiling=4)
    (ticket,) = await take(gate, 1)
    gate.release(ticket, 429, None)
    held = asyncio.create_task(gate.acquire(FAR))
    done, _ = await asyncio.wait({held}, timeout=0.2)
    assert not done
    held.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await held
    assert gate.waiting == 0


async def test_a_spent_window_lets_one_request_through_alone() -> None:
    gate = AdaptiveGate("org", ceiling=8)
    (first,) = await take(gate, 1)
    gate.release(first, 200, ok(remaining=2))
    a, b = await take(gate, 2)  # the two the window still allows
    third = asyncio.create_task(gate.acquire(FAR))
    await asyncio.sleep(0.01)
    assert not third.done()  # nothing left in the window while two are in flight
    gate.release(a, 200, ok(remaining=1))
    await asyncio.sleep(0.01)
    assert not third.done()
    gate.release(b, 200, ok(remaining=0))
    probe = await asyncio.wait_for(third, 1)  # none in flight: one goes to find out
    fourth = asyncio.create_task(gate.acquire(FAR))
    await asyncio.sleep(0.01)
    assert not fourth.done()  # only one at a time while the window is spent
    gate.release(probe, 200, ok(remaining=9))  # the window had reset
    gate.release(await asyncio.wait_for(fourth, 1), 200, None)


async def test_stale_answers_do_not_refill_the_window() -> None:
    gate = AdaptiveGate("org", ceiling=8)
    old, new = await take(gate, 2)
    gate.release(new, 200, ok(remaining=0))
    gate.release(old, 200, ok(remaining=5))  # sent earlier: counted earlier
    (probe,) = await take(gate, 1)
    blocked = asyncio.create_task(gate.acquire(FAR))
    await asyncio.sleep(0.01)
    assert not blocked.done()
    gate.release(probe, 200, ok(remaining=50))
    gate.release(await asyncio.wait_for(blocked, 1), 200, None)


async def test_a_waiter_past_its_deadline_leaves_the_queue() -> None:
    gate = AdaptiveGate("org", ceiling=1)
    (ticket,) = await take(gate, 1)
    loop = asyncio.get_running_loop()
    with pytest.raises(TimeoutError):
        await gate.acquire(loop.time() + 0.02)
    assert gate.waiting == 0
    gate.release(ticket, 200, None)
    assert gate.in_flight == 0


async def test_a_place_handed_to_a_cancelled_waiter_is_given_back() -> None:
    gate = AdaptiveGate("org", ceiling=1)
    (ticket,) = await take(gate, 1)
    waiter = asyncio.create_task(gate.acquire(FAR))
    await asyncio.sleep(0)
    gate.release(ticket, 200, None)  # hands the place to the waiter...
    waiter.cancel()  # ...which is cancelled before it resumes
    with contextlib.suppress(asyncio.CancelledError):
        await waiter
    assert gate.in_flight == 0
    (again,) = await take(gate, 1)
    gate.release(again, 200, None)


async def test_pauses_work_on_loops_that_hand_out_plain_handles(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """uvloop's ``call_at`` returns a plain ``Handle`` (no ``when()``) for a time less than
    a millisecond away; waiters queued during such a pause must still be woken."""
    loop = asyncio.get_running_loop()
    call_at = loop.call_at

    def like_uvloop(when: float, callback: Any, *args: Any, context: Any = None) -> Any:
        if when - loop.time() < 0.001:
            return loop.call_soon(callback, *args, context=context)
        return call_at(when, callback, *args, context=context)

    monkeypatch.setattr(loop, "call_at", like_uvloop)
    gate = AdaptiveGate("org", ceiling=4)
    (ticket,) = await take(gate, 1)
    gate.release(ticket, 429, {"Retry-After": "0.0005"})

    async def one() -> None:
        ticket = await gate.acquire(FAR)
        await asyncio.sleep(0)
        gate.release(ticket, 200, ok(remaining=10))

    async with asyncio.timeout(5):
        await asyncio.gather(*(one() for _ in range(3)))
    assert gate.in_flight == 0 and gate.waiting == 0


def test_adaptive_rate_is_a_rate_control_of_gates() -> None:
    rate = AdaptiveRate(ceiling=10, initial=3)
    gate = rate.gate("org")
    assert rate.gate("org") is gate
    assert isinstance(rate, RateControl) and isinstance(gate, OrgGate)
    assert rate.allowances() == {"org": 3}
    with pytest.raises(ValueError):
        AdaptiveRate(ceiling=0)
    with pytest.raises(ValueError):
        AdaptiveRate(ceiling=4, initial=5)


# --- jobs against the fake's rate limit ---------------------------------------------------

LIMIT = 250  # requests per window and token: one 429 per spent window is 0.4 %


async def window_at_half_speed(org: OrgClient, demo: DemoOrg, fake: FakeTallyfy) -> float:
    """A window (seconds: Tallyfy's minute scaled down) whose limit is half this machine's pace.

    The job reads as fast as the client and the fake in one process allow, which on a shared,
    loaded machine can be a third of a quiet one. A limit set from the pace measured here binds
    however slow the machine is, so the assertions below never depend on speed.
    """
    loop = asyncio.get_running_loop()
    started = loop.time()
    await read_many(org, demo, 600, concurrency=32)
    pace = 600 / (loop.time() - started)
    fake.reset_log()
    return LIMIT / (pace / 2)


def after_first_window(fake: FakeTallyfy, window: float) -> list[LoggedRequest]:
    sent = api_requests(fake)
    start = sent[0].time
    return [r for r in sent if r.time >= start + window]


def share_429(requests: list[LoggedRequest]) -> float:
    return sum(1 for r in requests if r.status == 429) / len(requests)


async def read_many(org: OrgClient, demo: DemoOrg, calls: int, **options: Any) -> BulkReport:
    blueprint_id = demo.blueprint_ids[0]

    async def read(_: int) -> Any:
        return await org.blueprints.get(blueprint_id)

    return await bulk.run(range(calls), read, **options)


async def test_5000_calls_under_the_rate_limit_meet_under_1_percent_429s(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    window = await window_at_half_speed(org, demo, fake)  # the token comes before the limit
    fake.set_rate_limit(requests=LIMIT, per_seconds=window, whole_seconds=False)
    report = await read_many(org, demo, 5000, concurrency=32)
    assert report.counts == {"done": 5000, "failed": 0, "unknown": 0}
    sent = api_requests(fake)
    refused = sum(1 for r in sent if r.status == 429)
    assert refused >= 5  # the limit was reached, window after window
    assert share_429(after_first_window(fake, window)) < 0.01
    assert report.rate_limited == refused and report.requests == len(sent)
    assert set(report.allowances) == {demo.org_id}


async def test_without_the_adaptive_rate_the_same_job_meets_many_429s(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    """The control for the test above: the gate is what keeps 429s rare."""
    window = await window_at_half_speed(org, demo, fake)
    fake.set_rate_limit(requests=LIMIT // 2, per_seconds=window, whole_seconds=False)
    report = await read_many(org, demo, 1000, concurrency=32, adaptive_rate=False)
    assert share_429(after_first_window(fake, window)) > 0.03
    assert report.allowances == {}


async def test_two_jobs_on_one_client_share_the_organization_allowance(
    client: TallyfyClient, org: OrgClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    window = await window_at_half_speed(org, demo, fake)
    gate = client.rate_control.gate(demo.org_id)
    assert isinstance(gate, AdaptiveGate)
    before = gate.requests
    fake.set_rate_limit(requests=LIMIT, per_seconds=window, whole_seconds=False)
    first, second = await asyncio.gather(
        read_many(org, demo, 1000, concurrency=32), read_many(org, demo, 1000, concurrency=32)
    )
    assert first.counts["done"] == second.counts["done"] == 1000
    assert share_429(after_first_window(fake, window)) < 0.01
    assert gate.requests - before == first.requests + second.requests


async def test_client_switch_turns_the_gates_on_everywhere_or_off(
    fake: FakeTallyfy, demo: DemoOrg
) -> None:
    blueprint_id = demo.blueprint_ids[0]
    for adaptive_rate, outside, inside in ((None, 0, 3), (True, 1, 4), (False, 0, 0)):
        async with TallyfyClient(
            demo.credentials,
            base_url=fake.base_url,
            token_url=fake.token_url,
            adaptive_rate=adaptive_rate,
        ) as client:
            org = client.org(demo.org_id)
            await org.blueprints.get(blueprint_id)
            gate = client.rate_control.gate(demo.org_id)
            assert isinstance(gate, AdaptiveGate)
            assert gate.requests == outside

            async def read(_: int, org: OrgClient = org) -> Any:
                return await org.blueprints.get(blueprint_id)

            report = await bulk.run(range(3), read)
            assert gate.requests == inside, adaptive_rate
            assert report.requests == 3


async def test_a_rate_control_the_application_passes_paces_every_request(
    fake: FakeTallyfy, demo: DemoOrg
) -> None:
    """A fleet's shared budget means nothing if plain calls skip it: passed, it paces them all."""
    blueprint_id = demo.blueprint_ids[0]
    for adaptive_rate, paced in ((None, 1), (True, 1), (False, 0)):
        shared = AdaptiveRate(ceiling=4)
        async with TallyfyClient(
            demo.credentials,
            base_url=fake.base_url,
            token_url=fake.token_url,
            rate_control=shared,
            adaptive_rate=adaptive_rate,
        ) as client:
            await client.org(demo.org_id).blueprints.get(blueprint_id)
            assert shared.gate(demo.org_id).requests == paced, adaptive_rate


async def test_a_write_that_never_got_a_place_before_its_deadline_was_not_delivered(
    fake: FakeTallyfy, demo: DemoOrg
) -> None:
    async with TallyfyClient(
        demo.credentials,
        base_url=fake.base_url,
        token_url=fake.token_url,
        adaptive_rate=True,
        timeouts=Timeouts(deadline=0.5),
    ) as client:
        org = client.org(demo.org_id)
        fields = await org.processes.kickoff_fields(demo.kickoff_blueprint_id)
        fake.set_rate_limit(requests=1, per_seconds=60)
        await org.blueprints.get(demo.blueprint_ids[0])
        with pytest.raises(RateLimitError):  # Retry-After: 60, past the deadline
            await org.blueprints.get(demo.blueprint_ids[0])
        fake.reset_log()
        with pytest.raises(TransportError) as raised:
            await org.processes.launch(
                demo.kickoff_blueprint_id,
                name="Held",
                kickoff=demo.kickoff_example,
                kickoff_fields=fields,
            )
        assert "rate allowance" in str(raised.value)
        assert launches_sent(fake) == []
