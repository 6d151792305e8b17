"""Lifecycle: cancellation at every await point, closing with calls in flight, event loops.

A cancelled call must leave the client as it found it: the token lock free, the
concurrency limiter's slot given back, no connection held, no second token grant for
the refresh the cancelled caller had started. Closing the client ends every call in
flight with ClientClosedError, whatever it was doing (except a write that may have reached
Tallyfy: OutcomeUnknownError), and leaks no connection.
"""

from __future__ import annotations

import asyncio
import gc
import threading
import time
import warnings
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tallyfy_async import (
    Attempt,
    ClientClosedError,
    OutcomeUnknownError,
    RetryPolicy,
    TallyfyClient,
    Timeouts,
    TransportError,
    bulk,
)
from tallyfy_async.testing import DemoOrg, FakeTallyfy

FAST = RetryPolicy(initial_delay=0.01, max_delay=0.02)
#: Loop iterations tried at most before a call must have finished by itself.
MAX_ITERATIONS = 400


def connect(fake: FakeTallyfy, demo: DemoOrg, **kwargs: Any) -> TallyfyClient:
    kwargs.setdefault("retry", FAST)
    kwargs.setdefault("max_concurrency", 1)
    return TallyfyClient(
        demo.credentials, base_url=fake.base_url, token_url=fake.token_url, **kwargs
    )


def grants(fake: FakeTallyfy) -> int:
    return sum(1 for r in fake.log if r.route == "oauth.token" and r.status == 200)


def assert_settled(client: TallyfyClient, org_id: str) -> None:
    """No lock held, no refresh running, every limiter slot and connection given back."""
    entry = client.tokens._entries.get(org_id)
    if entry is not None:
        assert not entry.lock.locked()
        assert entry.pending is None or entry.pending.done()
    transport = client._transport
    if transport._limiter is not None:
        # max_concurrency=1: a slot kept by a cancelled call would leave it locked.
        assert not transport._limiter.locked()
    connector = transport._session.connector if transport._session is not None else None
    if connector is not None:  # None once closed: every connection went with it
        assert not connector._acquired


async def cancel_after(call: Awaitable[Any], iterations: int) -> bool:
    """Run ``call``, cancel it after that many loop iterations; True if it finished first.

    A cancelled call must end cancelled: the SDK may not swallow the cancellation or
    turn it into another error.
    """
    task = asyncio.ensure_future(call)
    for _ in range(iterations):
        await asyncio.sleep(0)
    finished = task.done()
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        assert not finished
        assert task.cancelled()
        return False
    return True


async def cancel_later(call: Awaitable[Any], seconds: float) -> bool:
    """Like :func:`cancel_after`, after ``seconds`` instead of loop iterations."""
    task = asyncio.ensure_future(call)
    await asyncio.wait([task], timeout=seconds)
    finished = task.done()
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        assert not finished
        return False
    return True


Scenario = Callable[[FakeTallyfy, DemoOrg, TallyfyClient], Awaitable[None]]


async def first_call(fake: FakeTallyfy, demo: DemoOrg, client: TallyfyClient) -> None:
    """Nothing cached: the call first obtains a token."""


async def cached_token(fake: FakeTallyfy, demo: DemoOrg, client: TallyfyClient) -> None:
    """The token is cached: the call is one request."""
    await client.org(demo.org_id).processes.get(demo.process_ids[0])


async def refused_token(fake: FakeTallyfy, demo: DemoOrg, client: TallyfyClient) -> None:
    """The cached token expired at the server: 401, refresh, replay."""
    await cached_token(fake, demo, client)
    fake.expire_tokens(demo.org_id)


async def server_error(fake: FakeTallyfy, demo: DemoOrg, client: TallyfyClient) -> None:
    """The first attempt answers 503: backoff, then a retry."""
    await cached_token(fake, demo, client)
    fake.inject(path=r"/runs/[0-9a-f]+$", status=503, times=1)


SCENARIOS: dict[str, tuple[Scenario, int]] = {
    "first call (token grant)": (first_call, 1),
    "cached token": (cached_token, 1),
    "401, refresh and replay": (refused_token, 2),
    "503, backoff and retry": (server_error, 1),
}


@pytest.mark.max_requests(4_000)
@pytest.mark.parametrize("scenario", list(SCENARIOS))
async def test_cancelling_after_every_loop_iteration_leaves_the_client_usable(
    fake: FakeTallyfy, demo: DemoOrg, scenario: str
) -> None:
    prepare, expected_grants = SCENARIOS[scenario]
    process_id = demo.process_ids[0]
    async with asyncio.timeout(50):
        for iterations in range(MAX_ITERATIONS):
            fake.clear_faults()
            before = grants(fake)
            async with connect(fake, demo) as client:
                await prepare(fake, demo, client)
                org = client.org(demo.org_id)
                finished = await cancel_after(org.processes.get(process_id), iterations)
                # Usable: the next call goes through, on the same token cache and pool.
                async with asyncio.timeout(5):
                    process = await org.processes.get(process_id)
                assert process.id == process_id
                assert_settled(client, demo.org_id)
                # The refresh a cancelled caller started is the one the next caller used.
                assert grants(fake) - before == expected_grants
            if finished:
                break
        else:
            raise AssertionError(f"the call did not finish within {MAX_ITERATIONS} iterations")
    # It was cancelled at many different points before it could finish.
    assert iterations >= 5


@pytest.mark.max_requests(2_000)
async def test_closing_after_every_loop_iteration_of_a_first_call(
    fake: FakeTallyfy, demo: DemoOrg, watch: Any
) -> None:
    """Closing cancels the token refresh itself, wherever it is: each caller still ends
    with ClientClosedError (or its result), the lock is free, no connection is left."""
    process_id = demo.process_ids[0]
    for iterations in range(MAX_ITERATIONS):
        client = connect(fake, demo)
        org = client.org(demo.org_id)
        calls = [asyncio.ensure_future(org.processes.get(process_id)) for _ in range(3)]
        for _ in range(iterations):
            await asyncio.sleep(0)
        finished = all(call.done() for call in calls)
        await client.close()
        results = await asyncio.gather(*calls, return_exceptions=True)
        watch.show(*(r for r in results if isinstance(r, BaseException)))
        for result in results:
            assert isinstance(result, ClientClosedError) or result.id == process_id, result
        assert_settled(client, demo.org_id)
        assert client._transport._session is None or client._transport._session.closed
        if finished:
            break
    else:
        raise AssertionError(f"the calls did not finish within {MAX_ITERATIONS} iterations")
    assert iterations >= 5


@pytest.mark.max_requests(400)
async def test_cancelling_during_slow_token_and_api_answers(
    fake: FakeTallyfy, demo: DemoOrg
) -> None:
    """Cancel while the token endpoint, then the API route, makes the caller wait."""
    fake.inject(path=r"/oauth/token$", delay=0.1)
    fake.inject(path=r"/runs/[0-9a-f]+$", delay=0.1)
    process_id = demo.process_ids[0]
    async with asyncio.timeout(60):
        for step in range(50):
            before = grants(fake)
            async with connect(fake, demo) as client:
                org = client.org(demo.org_id)
                finished = await cancel_later(org.processes.get(process_id), 0.02 * step)
                async with asyncio.timeout(5):
                    assert (await org.processes.get(process_id)).id == process_id
                assert_settled(client, demo.org_id)
                assert grants(fake) - before == 1
            if finished:
                break
        else:
            raise AssertionError("the call never finished")
    assert step >= 8  # cancelled in the token wait and in the API wait


async def test_cancelling_every_caller_of_a_refresh_spends_no_second_grant(
    fake: FakeTallyfy, demo: DemoOrg
) -> None:
    fake.inject(path=r"/oauth/token$", delay=0.2, times=1)
    async with asyncio.timeout(30), connect(fake, demo, max_concurrency=8) as client:
        org = client.org(demo.org_id)
        callers = [asyncio.ensure_future(org.processes.get(pid)) for pid in demo.process_ids]
        await asyncio.sleep(0.05)
        for caller in callers:
            caller.cancel()
        results = await asyncio.gather(*callers, return_exceptions=True)
        assert all(isinstance(r, asyncio.CancelledError) for r in results)
        # The refresh went on without them; the next caller gets its token.
        await org.processes.get(demo.process_ids[0])
        assert grants(fake) == 1
        assert_settled(client, demo.org_id)


async def test_a_refresh_that_fails_with_nobody_waiting_reports_nothing_to_the_loop(
    fake: FakeTallyfy, demo: DemoOrg
) -> None:
    loop = asyncio.get_running_loop()
    reported: list[dict[str, Any]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: reported.append(context))
    try:
        refusal = fake.inject(path=r"/oauth/token$", status=401, delay=0.1, times=1)
        async with asyncio.timeout(30), connect(fake, demo) as client:
            org = client.org(demo.org_id)
            await cancel_later(org.processes.get(demo.process_ids[0]), 0.02)
            await asyncio.sleep(0.2)  # the refresh fails with nobody awaiting it
            assert refusal.hits == 1
            gc.collect()
            assert (await org.processes.get(demo.process_ids[0])).id == demo.process_ids[0]
            assert_settled(client, demo.org_id)
    finally:
        loop.set_exception_handler(previous)
    assert reported == []


async def test_cancelling_a_queued_call_keeps_the_queue_first_in_first_out(
    fake: FakeTallyfy, demo: DemoOrg
) -> None:
    path = f"/organizations/{demo.org_id}/runs"
    order: list[str] = []

    async def call(name: str) -> None:
        await client.request("GET", path, params={"q": name})
        order.append(name)

    async with asyncio.timeout(30), connect(fake, demo) as client:
        await client.request("GET", f"/organizations/{demo.org_id}/me")  # the token
        slow = fake.inject(path=r"/runs$", delay=0.2, times=1)
        first = asyncio.ensure_future(call("first"))
        await asyncio.sleep(0.05)  # in flight, holding the only slot
        queued = [asyncio.ensure_future(call(name)) for name in ("a", "b", "c", "d")]
        await asyncio.sleep(0.01)
        queued[1].cancel()
        queued[2].cancel()
        await asyncio.gather(first, *queued, return_exceptions=True)
        assert slow.hits == 1
        assert order == ["first", "a", "d"]
        assert queued[1].cancelled() and queued[2].cancelled()
        await call("after")
        assert_settled(client, demo.org_id)


async def test_a_call_queued_for_a_slot_until_its_deadline_is_never_sent(
    fake: FakeTallyfy, demo: DemoOrg, watch: Any
) -> None:
    path = f"/organizations/{demo.org_id}/runs"
    async with asyncio.timeout(30), connect(fake, demo, timeouts=Timeouts(deadline=0.3)) as client:
        await client.request("GET", f"/organizations/{demo.org_id}/me")  # the token
        limiter = client._transport._limiter
        assert limiter is not None and limiter.try_acquire()  # the only slot, held
        try:
            with watch.raises(TransportError, match=r"free slot \(max_concurrency=1\)"):
                await client.request("GET", path)
        finally:
            limiter.release()
        assert not [r for r in fake.log if r.path.endswith("/runs")]
        await client.request("GET", path)  # the line left clean: the slot is free
        assert_settled(client, demo.org_id)


async def test_a_write_handed_its_slot_as_its_deadline_passes_is_not_sent_and_says_so(
    fake: FakeTallyfy, demo: DemoOrg, watch: Any
) -> None:
    # The loop stalls across the queued write's deadline and the slot is handed over in
    # that turn: the write was never sent, so it must not read as "may have been applied".
    async with asyncio.timeout(30), connect(fake, demo, timeouts=Timeouts(deadline=0.3)) as client:
        await client.request("GET", f"/organizations/{demo.org_id}/me")  # the token
        limiter = client._transport._limiter
        assert limiter is not None and limiter.try_acquire()

        async def stall_then_release() -> None:
            await asyncio.sleep(0.25)
            time.sleep(0.1)  # noqa: ASYNC251 - the stall is the point
            limiter.release()

        holder = asyncio.create_task(stall_then_release())
        try:
            with watch.raises(TransportError, match="deadline passed") as raised:
                await client.org(demo.org_id).folders.create(name="never sent")
            assert not isinstance(raised.value, OutcomeUnknownError)
        finally:
            await holder
        assert not [r for r in fake.log if r.path.endswith("/folders")]
        assert_settled(client, demo.org_id)


async def test_the_wait_for_a_slot_counts_against_the_calls_deadline(
    fake: FakeTallyfy, demo: DemoOrg, watch: Any
) -> None:
    # 0.5 s in line then a 0.7 s answer: past the 1 s deadline, so the attempt must be
    # cut to the 0.5 s the wait left, not given the whole deadline again.
    async with asyncio.timeout(30), connect(fake, demo, timeouts=Timeouts(deadline=1.0)) as client:
        await client.request("GET", f"/organizations/{demo.org_id}/me")  # the token
        fake.inject(path=r"/runs$", delay=0.7)
        limiter = client._transport._limiter
        assert limiter is not None and limiter.try_acquire()
        asyncio.get_running_loop().call_later(0.5, limiter.release)
        with watch.raises(TransportError, match="timed out"):
            await client.request("GET", f"/organizations/{demo.org_id}/runs")
        assert_settled(client, demo.org_id)


async def test_closing_ends_calls_waiting_for_a_token_with_client_closed_error(
    fake: FakeTallyfy, demo: DemoOrg, watch: Any
) -> None:
    fake.inject(path=r"/oauth/token$", delay=5, times=1)  # the grant hangs
    async with asyncio.timeout(30):
        client = connect(fake, demo)
        org = client.org(demo.org_id)
        waiting = [asyncio.ensure_future(org.processes.get(pid)) for pid in demo.process_ids]
        await asyncio.sleep(0.1)
        assert not any(call.done() for call in waiting)
        await client.close()
        closed_at = time.monotonic()
        results = await asyncio.gather(*waiting, return_exceptions=True)
    watch.show(*results)
    assert [type(r) for r in results] == [ClientClosedError] * len(results), results
    assert all("closed" in str(r) for r in results)
    assert all(r.time <= closed_at for r in fake.log)
    assert client._transport._session is not None and client._transport._session.closed


@pytest.mark.max_requests(100)
async def test_closing_ends_calls_on_the_wire_queued_and_in_backoff(
    fake: FakeTallyfy, demo: DemoOrg, watch: Any
) -> None:
    async with asyncio.timeout(30):
        client = connect(fake, demo, max_concurrency=3, retry=RetryPolicy(initial_delay=2))
        org = client.org(demo.org_id)
        await org.processes.get(demo.process_ids[0])  # the token
        fake.inject(path=r"/runs/[0-9a-f]+$", delay=5)
        fake.inject(path=r"/checklists/[0-9a-f]+$", status=503)
        calls = {}
        calls["on the wire 1"] = asyncio.ensure_future(org.processes.get(demo.process_ids[0]))
        calls["on the wire 2"] = asyncio.ensure_future(org.processes.get(demo.process_ids[1]))
        await asyncio.sleep(0.05)
        # 503 on the third slot, then a backoff of up to 2 s with the slot given back.
        calls["in backoff"] = asyncio.ensure_future(org.blueprints.get(demo.blueprint_ids[0]))
        await asyncio.sleep(0.05)
        calls["on the wire 3"] = asyncio.ensure_future(org.processes.get(demo.process_ids[2]))
        await asyncio.sleep(0.05)
        calls["queued 1"] = asyncio.ensure_future(org.processes.get(demo.process_ids[3]))
        calls["queued 2"] = asyncio.ensure_future(client.request("GET", "/me"))
        await asyncio.sleep(0.05)
        assert not any(call.done() for call in calls.values())
        await client.close()
        closed_at = time.monotonic()
        results = dict(
            zip(calls, await asyncio.gather(*calls.values(), return_exceptions=True), strict=True)
        )
    watch.show(*results.values())
    assert {name: type(r) for name, r in results.items()} == dict.fromkeys(
        calls, ClientClosedError
    ), results
    # Nothing was sent after the close; the pool is closed; the client stays closed.
    assert all(r.time <= closed_at for r in fake.log)
    assert client._transport._session is not None and client._transport._session.closed
    with watch.raises(ClientClosedError, match="closed"):
        await org.processes.get(demo.process_ids[0])


async def test_closing_ends_calls_waiting_out_a_retry_after(
    fake: FakeTallyfy, demo: DemoOrg, watch: Any
) -> None:
    answered: list[int | None] = []
    refused = asyncio.Event()

    def on_attempt(attempt: Attempt) -> None:
        answered.append(attempt.status)
        if answered.count(429) + answered.count(503) == 3:
            refused.set()

    async with asyncio.timeout(30):
        client = connect(fake, demo, max_concurrency=3, on_attempt=on_attempt)
        org = client.org(demo.org_id)
        await org.processes.get(demo.process_ids[0])  # the token
        # Each asks to come back in a minute (RetryPolicy.max_retry_after allows two).
        fake.inject(path=r"/runs/[0-9a-f]+$", method="GET", status=429, retry_after=60)
        fake.inject(path=r"/runs$", method="POST", status=429, retry_after=60)
        fake.inject(path=r"/me$", method="GET", status=503, retry_after=60)
        runs = f"/organizations/{demo.org_id}/runs"
        calls = {
            "read": asyncio.ensure_future(org.processes.get(demo.process_ids[1])),
            # A declined write was not applied: closing leaves no doubt about it.
            "write": asyncio.ensure_future(client.request("POST", runs, json={"name": "x"})),
            "maintenance": asyncio.ensure_future(client.request("GET", "/me")),
        }
        await refused.wait()
        assert not any(call.done() for call in calls.values())
        await client.close()
        closed_at = time.monotonic()
        results = dict(
            zip(calls, await asyncio.gather(*calls.values(), return_exceptions=True), strict=True)
        )
    watch.show(*results.values())
    assert {name: type(r) for name, r in results.items()} == dict.fromkeys(
        calls, ClientClosedError
    ), results
    assert all("closed while the call waited to retry" in str(r) for r in results.values())
    assert all(r.time <= closed_at for r in fake.log)  # no retry was sent


async def test_closing_with_a_launch_in_flight_leaves_its_outcome_unknown(
    fake: FakeTallyfy, demo: DemoOrg, watch: Any
) -> None:
    async with asyncio.timeout(30):
        client = connect(fake, demo)  # max_concurrency=1: the second launch queues
        org = client.org(demo.org_id)
        await org.processes.list()  # the token
        fake.inject(path=r"/runs$", method="POST", delay=0.5)  # applied, answered late

        async def launch(i: int) -> Any:
            return await org.processes.launch(
                demo.blueprint_ids[2], name=f"P{i}", dedupe_key=f"k{i}"
            )

        job = asyncio.ensure_future(bulk.run(range(2), launch, concurrency=2))
        await asyncio.sleep(0.2)
        await client.close()
        report = await job
        await asyncio.sleep(0.5)  # the launch on the wire lands
    outcomes = {o.key: o for o in report.outcomes.values()}
    watch.show(*(o.message for o in outcomes.values()))
    launched = [r for r in fake.log if r.path.endswith("/runs") and r.method == "POST"]
    assert [r.applied for r in launched] == [True]
    # On the wire, maybe applied: unknown (a rerun looks its key up). Queued, never sent:
    # failed, as any call of a closed client.
    assert outcomes[0].status is bulk.ItemStatus.UNKNOWN
    assert outcomes[0].error_type == OutcomeUnknownError.__name__
    assert "closed while the request was in flight" in (outcomes[0].message or "")
    assert outcomes[1].status is bulk.ItemStatus.FAILED
    assert outcomes[1].error_type == ClientClosedError.__name__


async def test_a_client_used_from_a_second_event_loop_raises(
    fake: FakeTallyfy, demo: DemoOrg
) -> None:
    client = connect(fake, demo)
    org = client.org(demo.org_id)
    await org.processes.get(demo.process_ids[0])
    errors: list[BaseException] = []

    def other_loop() -> None:
        async def use() -> None:
            for call in (
                lambda: client.request("GET", "/me"),
                lambda: org.processes.get(demo.process_ids[0]),
                lambda: org.processes.list().to_list(),
                lambda: client.close(),
            ):
                try:
                    await call()
                except BaseException as exc:
                    errors.append(exc)

        asyncio.run(use())

    thread = threading.Thread(target=other_loop)
    thread.start()
    thread.join(10)
    assert not thread.is_alive()
    assert [type(e) for e in errors] == [RuntimeError] * 4, errors
    assert all("another event loop" in str(e) for e in errors)
    # The client still works in its own loop, and closes there.
    assert (await org.processes.get(demo.process_ids[0])).id == demo.process_ids[0]
    await client.close()


async def test_no_resource_warning_in_any_lifecycle(fake: FakeTallyfy, demo: DemoOrg) -> None:
    gc.collect()  # only what this test leaves behind counts
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # Never used: no session was opened, nothing to warn about.
        unused = connect(fake, demo)
        del unused
        # Closed without use.
        closed = connect(fake, demo)
        await closed.close()
        del closed
        # Used, closed, then closed again.
        used = connect(fake, demo)
        await used.org(demo.org_id).processes.get(demo.process_ids[0])
        await used.close()
        await used.close()
        del used
        # Cancelled mid-call, then closed.
        fake.inject(path=r"/runs/[0-9a-f]+$", delay=1, times=1)
        cancelled = connect(fake, demo)
        await cancel_later(cancelled.org(demo.org_id).processes.get(demo.process_ids[0]), 0.1)
        await cancelled.close()
        del cancelled
        gc.collect()
        await asyncio.sleep(0.05)
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []


async def test_calls_queued_for_a_slot_hold_few_objects_while_they_wait(
    fake: FakeTallyfy, demo: DemoOrg
) -> None:
    # With far more callers than max_concurrency, every queued call's objects live until its
    # turn and the garbage collector walks them again and again: a queued call holds its
    # task, its coroutines and one future, not a timeout and a timer each (16.5 tracked
    # objects a call before the line had one timer, 11.5 after).
    queued = 250  # the fake fixture allows 300 requests a test
    async with asyncio.timeout(60), connect(fake, demo, max_concurrency=2) as client:
        tasks = client.org(demo.org_id).tasks
        task_id = fake.state.orgs[demo.org_id].tasks.live()[0].id
        await tasks.get(task_id)  # the token, the connection, the model's reader
        gc.collect()
        before = len(gc.get_objects())
        calls = [asyncio.ensure_future(tasks.get(task_id)) for _ in range(queued)]
        for _ in range(3):  # every call started and queued, two of them sent
            await asyncio.sleep(0)
        held = (len(gc.get_objects()) - before) / queued
        await asyncio.gather(*calls)
        assert held < 13.5, f"{held:.1f} objects tracked a queued call"
        assert_settled(client, demo.org_id)
