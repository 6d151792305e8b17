"""The aiohttp.web receiver, over real HTTP: answers, duplicates, failures, back-pressure,
shutdown."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from tallyfy_async import webhooks
from tallyfy_async.webhooks import (
    EventKind,
    MemoryDedupeStore,
    OtherEvent,
    TaskCompletedEvent,
    WebhookEvent,
    WebhookNotJSONError,
    WebhookReceiver,
    WebhookShapeError,
)
from tests.webhooks.support import EXAMPLE_ORG, example, headers, served


def task_payload(number: int, org_id: str = EXAMPLE_ORG) -> dict[str, Any]:
    """The documented task payload, for task number ``number`` (a distinct event)."""
    payload = example("task")
    payload["this_task"]["id"] = f"task-{number:05d}"
    payload["process"]["organization_id"] = org_id
    return payload


class Recorder:
    """A callback that records events; it can be held at a gate or made to fail."""

    def __init__(self) -> None:
        self.events: list[WebhookEvent] = []
        self.gate: asyncio.Event | None = None
        self.fail_ids: set[str] = set()
        self.running = 0
        self.most_running = 0

    async def __call__(self, event: WebhookEvent) -> None:
        self.running += 1
        self.most_running = max(self.most_running, self.running)
        try:
            if self.gate is not None:
                await self.gate.wait()
            if isinstance(event, TaskCompletedEvent) and event.task.id in self.fail_ids:
                raise RuntimeError(f"downstream refused {event.task.id}")
            self.events.append(event)
        finally:
            self.running -= 1


async def until(condition: Any, what: str) -> None:
    """Wait for ``condition()`` (a bounded loop: a hang fails the test, no time is measured)."""
    for _ in range(2000):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"never happened: {what}")


async def test_a_delivery_is_answered_200_and_reaches_the_callback_typed() -> None:
    recorder = Recorder()
    async with served(webhooks.handler(recorder, org_id=EXAMPLE_ORG)) as hook:
        assert await hook.post(task_payload(1)) == (200, "accepted")
        await hook.receiver.join()

    assert [e.task.id for e in recorder.events if isinstance(e, TaskCompletedEvent)] == [
        "task-00001"
    ]
    assert hook.receiver.stats.delivered == 1


async def test_a_duplicate_delivery_is_answered_200_and_dropped() -> None:
    recorder = Recorder()
    async with served(webhooks.handler(recorder, org_id=EXAMPLE_ORG)) as hook:
        assert await hook.post(task_payload(1)) == (200, "accepted")
        assert await hook.post(task_payload(1)) == (200, "duplicate")
        assert await hook.post(task_payload(2)) == (200, "accepted")
        await hook.receiver.join()

    assert len(recorder.events) == 2
    stats = hook.receiver.stats
    assert (stats.accepted, stats.duplicates, stats.delivered) == (2, 1, 2)


async def test_an_event_the_sdk_does_not_model_is_answered_200_and_delivered() -> None:
    recorder = Recorder()
    assigned = {"event": "task.assigned", "this_task": {"id": "t1"}, "assignee": {"id": 7}}
    async with served(webhooks.handler(recorder, org_id=EXAMPLE_ORG)) as hook:
        assert await hook.post(assigned) == (200, "accepted")
        assert await hook.post(assigned) == (200, "duplicate")
        await hook.receiver.join()

    [event] = recorder.events
    assert isinstance(event, OtherEvent) and event.kind is EventKind.TASK_ASSIGNED
    assert event.payload == assigned


async def test_a_wrong_or_missing_organization_is_answered_403_and_never_called_back(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="tallyfy_async.webhooks")
    recorder = Recorder()
    async with served(webhooks.handler(recorder, org_id=EXAMPLE_ORG)) as hook:
        status, text = await hook.post(task_payload(1, "intruder"), org_id="intruder")
        assert (status, text) == (403, "organization not accepted")
        assert EXAMPLE_ORG not in text  # a stranger learns nothing of who is accepted
        missing = await hook.post(task_payload(2), headers={"Content-Type": "application/json"})
        assert missing[0] == 403
        await hook.receiver.join()

    assert recorder.events == []
    assert hook.receiver.stats.refused == 2
    assert list(hook.receiver.rejected) == []  # forged deliveries are not kept
    logged = [r.getMessage() for r in caplog.records if r.name == "tallyfy_async.webhooks"]
    assert any("'intruder'" in line and "403" in line for line in logged)  # details: in the log


async def test_unreadable_deliveries_are_answered_400_and_kept_with_their_body() -> None:
    async with served(webhooks.handler(Recorder(), org_id=EXAMPLE_ORG)) as hook:
        assert (await hook.post(b"<html>"))[0] == 400
        assert (await hook.post({"hello": "world"}))[0] == 400

    rejected = list(hook.receiver.rejected)
    assert [type(r.error) for r in rejected] == [WebhookNotJSONError, WebhookShapeError]
    assert rejected[0].body == b"<html>" and rejected[0].org_id == EXAMPLE_ORG


async def test_kept_rejected_bodies_stay_within_their_byte_budget() -> None:
    receiver = webhooks.handler(Recorder(), org_id=EXAMPLE_ORG, max_rejected_bytes=1000)
    async with served(receiver) as hook:
        for number in range(5):  # anyone who knows the org id can send these
            assert (await hook.post(b"%d" % number + b"x" * 399))[0] == 400
        kept = list(receiver.rejected)
        assert [r.body[:1] for r in kept] == [b"3", b"4"]  # the oldest dropped
        assert [(r.size, r.truncated) for r in kept] == [(400, False), (400, False)]

        assert (await hook.post(b"L" * 3000))[0] == 400
        (longest,) = receiver.rejected  # alone, and cut short to the budget
        assert (longest.body, longest.size, longest.truncated) == (b"L" * 1000, 3000, True)


async def test_a_body_over_the_limit_is_answered_413() -> None:
    receiver = webhooks.handler(Recorder(), org_id=EXAMPLE_ORG, max_body_size=1000)
    async with served(receiver) as hook:
        assert await hook.post(b"x" * 5000) == (413, "body too large")

        async def chunks() -> Any:  # no Content-Length: counted while read
            for _ in range(10):
                yield b"y" * 500

        assert (await hook.post(chunks()))[0] == 413  # type: ignore[arg-type]


async def test_a_callback_that_raises_is_logged_counted_and_kept_for_replay(
    caplog: pytest.LogCaptureFixture,
) -> None:
    recorder = Recorder()
    recorder.fail_ids = {"task-00002"}
    caplog.set_level(logging.WARNING, logger="tallyfy_async.webhooks")
    async with served(webhooks.handler(recorder, org_id=EXAMPLE_ORG)) as hook:
        for number in (1, 2, 3):
            assert (await hook.post(task_payload(number)))[0] == 200
        await hook.receiver.join()

        failed = list(hook.receiver.failed)
        assert len(failed) == 1
        event = failed[0].event
        assert isinstance(event, TaskCompletedEvent) and event.task.id == "task-00002"
        assert isinstance(failed[0].error, RuntimeError)
        assert "downstream refused task-00002" in failed[0].traceback
        assert hook.receiver.stats.failed == 1
        warned = [r for r in caplog.records if r.name == "tallyfy_async.webhooks"]
        assert any(r.levelno >= logging.WARNING and r.exc_info for r in warned)

        recorder.fail_ids.clear()  # the downstream system is back
        assert await hook.receiver.replay_failed() == 1
        await hook.receiver.join()

    assert sorted(e.task.id for e in recorder.events if isinstance(e, TaskCompletedEvent)) == [
        "task-00001",
        "task-00002",
        "task-00003",
    ]
    assert list(hook.receiver.failed) == []


async def test_replaying_failures_into_a_closed_receiver_keeps_them() -> None:
    recorder = Recorder()
    recorder.fail_ids = {"task-00001"}
    async with served(webhooks.handler(recorder, org_id=EXAMPLE_ORG)) as hook:
        assert (await hook.post(task_payload(1)))[0] == 200
    assert hook.receiver.closed and len(hook.receiver.failed) == 1

    with pytest.raises(RuntimeError, match="closed"):
        await hook.receiver.replay_failed()
    assert len(hook.receiver.failed) == 1


async def test_a_cancelled_replay_of_failures_leaves_the_rest_in_failed() -> None:
    recorder = Recorder()
    ids = [f"task-{n:05d}" for n in range(4)]
    recorder.fail_ids = set(ids)
    receiver = webhooks.handler(recorder, org_id=EXAMPLE_ORG, queue_size=1, concurrency=1)
    async with served(receiver) as hook:
        for number in range(4):
            assert (await hook.post(task_payload(number)))[0] == 200
        await receiver.join()
        assert len(receiver.failed) == 4

        recorder.fail_ids.clear()
        recorder.gate = asyncio.Event()  # the first replayed holds the only worker
        replay = asyncio.create_task(receiver.replay_failed())
        await until(lambda: receiver.stats.waiting == 1, "the third event waiting for room")
        replay.cancel()
        with pytest.raises(asyncio.CancelledError):
            await replay
        recorder.gate.set()
        await receiver.join()

    assert [e.task.id for e in recorder.events if isinstance(e, TaskCompletedEvent)] == ids[:2]
    left = [f.event for f in receiver.failed]
    assert [e.task.id for e in left if isinstance(e, TaskCompletedEvent)] == ids[2:]
    assert receiver.undelivered == []


async def test_a_full_queue_makes_deliveries_wait_instead_of_refusing_them() -> None:
    recorder = Recorder()
    recorder.gate = asyncio.Event()
    receiver = webhooks.handler(recorder, org_id=EXAMPLE_ORG, queue_size=2, concurrency=1)
    async with served(receiver) as hook:
        posts = [asyncio.create_task(hook.post(task_payload(n))) for n in range(5)]
        # One callback running, two queued, two deliveries waiting for room, unanswered.
        await until(lambda: receiver.stats.waiting == 2, "two deliveries waiting")
        stats = receiver.stats
        assert (stats.running, stats.queued, stats.waiting) == (1, 2, 2)
        assert not any(post.done() for post in posts[3:])

        recorder.gate.set()
        answers = await asyncio.gather(*posts)
        await receiver.join()

    assert answers == [(200, "accepted")] * 5
    assert len(recorder.events) == 5


async def test_a_place_passed_on_by_a_cancelled_delivery_still_reaches_a_callback() -> None:
    delivered: list[str] = []
    gate = asyncio.Event()
    waiting: dict[int, asyncio.Task[int]] = {}

    async def on_event(event: WebhookEvent) -> None:
        assert isinstance(event, TaskCompletedEvent)
        if event.task.id == "task-00000":
            await gate.wait()
        delivered.append(event.task.id)
        if event.task.id == "task-00001":
            # Taking event 1 freed a place promised to delivery 2, which is cancelled before
            # it takes it (its request cut short) and passes the place on to delivery 3,
            # after this callback's worker has found the queue empty and left.
            waiting[2].cancel()

    def event(number: int) -> WebhookEvent:
        return webhooks.parse(
            json.dumps(task_payload(number)), headers(), expected_org_id=EXAMPLE_ORG
        )

    receiver = webhooks.handler(on_event, org_id=EXAMPLE_ORG, queue_size=1, concurrency=1)
    await receiver.replay([event(0)])
    await asyncio.sleep(0)  # event 0's callback starts (and is held): the queue is empty
    await receiver.replay([event(1)])
    for number in (2, 3):
        waiting[number] = asyncio.create_task(receiver.replay([event(number)]))
        await asyncio.sleep(0)
    assert receiver.stats.waiting == 2
    gate.set()
    async with asyncio.timeout(10):  # a hang fails the test; nothing is timed
        await asyncio.gather(*waiting.values(), return_exceptions=True)
        await receiver.join()
    await receiver.close()

    assert delivered == ["task-00000", "task-00001", "task-00003"]
    assert [e.task.id for e in receiver.undelivered if isinstance(e, TaskCompletedEvent)] == [
        "task-00002"
    ]


async def test_callbacks_run_at_most_concurrency_at_a_time() -> None:
    recorder = Recorder()
    recorder.gate = asyncio.Event()
    receiver = webhooks.handler(recorder, org_id=EXAMPLE_ORG, concurrency=3)
    async with served(receiver) as hook:
        for number in range(10):
            await hook.post(task_payload(number))
        await until(lambda: recorder.running == 3, "three callbacks running")
        assert receiver.stats.queued == 7
        recorder.gate.set()
        await receiver.join()

    assert recorder.most_running == 3
    assert len(recorder.events) == 10
    assert receiver.stats.running == 0  # no worker left behind


async def test_the_application_cleanup_drains_the_queue() -> None:
    recorder = Recorder()
    recorder.gate = asyncio.Event()
    receiver = webhooks.handler(recorder, org_id=EXAMPLE_ORG, concurrency=1)
    async with served(receiver) as hook:
        for number in range(4):
            assert (await hook.post(task_payload(number)))[0] == 200
        assert recorder.events == []
        # Let the callbacks through only once the server is shutting down.
        asyncio.get_running_loop().call_soon(recorder.gate.set)

    assert receiver.closed
    assert len(recorder.events) == 4
    assert receiver.undelivered == []


async def test_closing_without_draining_hands_back_every_event_not_delivered() -> None:
    recorder = Recorder()
    recorder.gate = asyncio.Event()  # never opened: the callback hangs
    receiver = webhooks.handler(recorder, org_id=EXAMPLE_ORG, queue_size=2, concurrency=1)
    async with served(receiver, install=False) as hook:
        posts = [asyncio.create_task(hook.post(task_payload(n))) for n in range(5)]
        await until(lambda: receiver.stats.waiting == 2, "two deliveries waiting")

        handed_back = await receiver.close(drain=False)
        answers = await asyncio.gather(*posts)

        assert await hook.post(task_payload(9)) == (503, "receiver closed")

    assert answers == [(200, "accepted")] * 5  # each was accepted, and is handed back
    ids = sorted(e.task.id for e in handed_back if isinstance(e, TaskCompletedEvent))
    assert ids == [f"task-{n:05d}" for n in range(5)]
    assert receiver.undelivered == handed_back
    assert receiver.stats.running == 0


async def test_a_drain_that_outlasts_its_timeout_hands_back_the_rest() -> None:
    recorder = Recorder()
    recorder.gate = asyncio.Event()
    receiver = webhooks.handler(recorder, org_id=EXAMPLE_ORG, concurrency=1)
    async with served(receiver, install=False) as hook:
        for number in range(3):
            await hook.post(task_payload(number))
        handed_back = await receiver.close(drain_timeout=0.01)

    assert len(handed_back) == 3
    assert await receiver.close() == handed_back  # idempotent


async def test_a_failing_dedupe_store_lets_deliveries_through() -> None:
    class Broken:
        async def add(self, key: str, ttl: float) -> bool:
            raise ConnectionError("redis is down")

    recorder = Recorder()
    receiver = webhooks.handler(recorder, org_id=EXAMPLE_ORG, dedupe=Broken())
    async with served(receiver) as hook:
        assert (await hook.post(task_payload(1)))[0] == 200
        assert (await hook.post(task_payload(1)))[0] == 200
        await receiver.join()

    assert len(recorder.events) == 2  # a duplicate rather than a lost event
    assert receiver.stats.dedupe_errors == 2


async def test_receivers_sharing_a_store_drop_each_others_duplicates() -> None:
    store = MemoryDedupeStore()
    first, second = Recorder(), Recorder()
    a = webhooks.handler(first, org_id=EXAMPLE_ORG, dedupe=store)
    b = webhooks.handler(second, org_id=EXAMPLE_ORG, dedupe=store)
    async with served(a) as hook_a, served(b) as hook_b:
        assert await hook_a.post(task_payload(1)) == (200, "accepted")
        assert await hook_b.post(task_payload(1)) == (200, "duplicate")

    assert (len(first.events), len(second.events)) == (1, 0)


async def test_the_design_one_liner_routes_a_receiver() -> None:
    recorder = Recorder()
    app = web.Application()
    receiver = webhooks.handler(recorder, org_id=EXAMPLE_ORG)
    app.router.add_post("/hooks/tallyfy", receiver)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/hooks/tallyfy"
        async with aiohttp.ClientSession() as session:
            import json

            async with session.post(
                url, data=json.dumps(task_payload(1)), headers=headers()
            ) as answer:
                assert answer.status == 200
        await receiver.join()
    finally:
        await runner.cleanup()
        await receiver.close()
    assert len(recorder.events) == 1


async def test_each_organization_is_read_in_its_own_time_zone() -> None:
    recorder: list[WebhookEvent] = []

    async def on_event(event: WebhookEvent) -> None:
        recorder.append(event)

    receiver = webhooks.handler(
        on_event,
        org_id=["org-chicago", "org-shanghai"],
        timezone={"org-chicago": "America/Chicago", "org-shanghai": "Asia/Shanghai"},
    )
    async with served(receiver) as hook:
        for org_id in ("org-chicago", "org-shanghai"):
            payload = task_payload(1, org_id)
            payload["this_task"]["completed_at"] = "02/10/2025 09:30 AM " + (
                "CDT" if org_id == "org-chicago" else "CST"
            )
            assert (await hook.post(payload, org_id=org_id))[0] == 200
        await receiver.join()

    when = {
        e.org_id: e.task.completed_at.isoformat()
        for e in recorder
        if isinstance(e, TaskCompletedEvent) and e.task.completed_at
    }
    assert when == {
        "org-chicago": "2025-10-02T14:30:00+00:00",
        "org-shanghai": "2025-10-02T01:30:00+00:00",
    }


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"org_id": ""}, ValueError),
        ({"org_id": EXAMPLE_ORG, "queue_size": 0}, ValueError),
        ({"org_id": EXAMPLE_ORG, "concurrency": -1}, ValueError),
        ({"org_id": EXAMPLE_ORG, "max_body_size": True}, ValueError),
        ({"org_id": EXAMPLE_ORG, "dedupe_ttl": 0}, ValueError),
        ({"org_id": EXAMPLE_ORG, "max_rejected_bytes": -1}, ValueError),
        ({"org_id": EXAMPLE_ORG, "timezone": "Nowhere/Town"}, ValueError),
        ({"org_id": EXAMPLE_ORG, "dedupe": object()}, TypeError),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_received(
    options: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        WebhookReceiver(Recorder(), **options)
    with pytest.raises(TypeError):
        WebhookReceiver("not a function", org_id=EXAMPLE_ORG)  # type: ignore[arg-type]


def test_only_an_async_callback_is_accepted() -> None:
    calls: list[WebhookEvent] = []

    def plain(event: WebhookEvent) -> None:  # would run, then fail on the await
        calls.append(event)

    with pytest.raises(TypeError, match="must be an async function"):
        WebhookReceiver(plain, org_id=EXAMPLE_ORG)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="call it from one"):
        WebhookReceiver(lambda event: None, org_id=EXAMPLE_ORG)  # type: ignore[arg-type]

    async def with_sink(event: WebhookEvent, sink: list[WebhookEvent]) -> None:
        sink.append(event)

    # Coroutine functions, a partial of one, an object with an async __call__: accepted.
    for on_event in (with_sink, functools.partial(with_sink, sink=calls), Recorder()):
        WebhookReceiver(on_event, org_id=EXAMPLE_ORG)  # type: ignore[arg-type]


async def test_a_compressed_body_is_read_inflated_and_limited_inflated() -> None:
    import gzip
    import json

    recorder = Recorder()
    receiver = webhooks.handler(recorder, org_id=EXAMPLE_ORG, max_body_size=20_000)
    async with served(receiver) as hook:
        zipped = {**headers(), "Content-Encoding": "gzip"}
        small = gzip.compress(json.dumps(task_payload(1)).encode())
        assert await hook.post(small, headers=zipped) == (200, "accepted")
        bomb = gzip.compress(b"[" + b"0," * 50_000 + b"0]")  # 100 kB inflated, 200 bytes sent
        assert len(bomb) < 20_000
        assert (await hook.post(bomb, headers=zipped))[0] == 413
        await receiver.join()

    assert len(recorder.events) == 1


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_a_body_that_does_not_inflate_is_answered_400_not_500(
    encoding: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    recorder = Recorder()
    receiver = webhooks.handler(recorder, org_id=EXAMPLE_ORG)
    async with served(receiver) as hook:
        broken = {**headers(), "Content-Encoding": encoding}
        status, text = await hook.post(b"not compressed at all", headers=broken)
        assert (status, text) == (400, "not a Tallyfy webhook payload")
        assert await hook.post(task_payload(1)) == (200, "accepted")  # and the server goes on
        await receiver.join()

    assert receiver.stats.refused == 1 and len(recorder.events) == 1
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    (warned,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "could not be read or decoded" in warned


async def test_a_receiver_dropped_with_events_queued_says_so_at_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    recorder = Recorder()
    recorder.gate = asyncio.Event()
    receiver = webhooks.handler(recorder, org_id=EXAMPLE_ORG, concurrency=1)
    events = [
        webhooks.parse(json.dumps(task_payload(n)), headers(), expected_org_id=EXAMPLE_ORG)
        for n in range(3)
    ]
    await receiver.replay(events)
    await until(lambda: recorder.running == 1, "the first callback held")

    caplog.set_level(logging.ERROR, logger="tallyfy_async.webhooks")
    with pytest.warns(ResourceWarning, match="install"):
        receiver.__del__()  # what the garbage collector calls on a receiver never closed
    (logged,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "2 queued event(s) never delivered" in logged.getMessage()

    recorder.gate.set()
    await receiver.close()


async def test_a_receiver_dropped_with_nothing_queued_logs_no_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    recorder = Recorder()
    recorder.gate = asyncio.Event()
    receiver = webhooks.handler(recorder, org_id=EXAMPLE_ORG, concurrency=1)
    event = webhooks.parse(json.dumps(task_payload(0)), headers(), expected_org_id=EXAMPLE_ORG)
    await receiver.replay([event])
    await until(lambda: recorder.running == 1, "the callback held")

    caplog.set_level(logging.ERROR, logger="tallyfy_async.webhooks")
    with pytest.warns(ResourceWarning, match="install"):
        receiver.__del__()  # a callback still runs, but no event waits: nothing is lost
    assert [r for r in caplog.records if r.levelno == logging.ERROR] == []

    recorder.gate.set()
    await receiver.close()


def test_a_rejected_delivery_made_by_hand_takes_its_size_from_its_body() -> None:
    error = webhooks.WebhookPayloadError("not JSON")
    made = webhooks.RejectedDelivery(
        org_id=EXAMPLE_ORG, body=b"{oops", error=error, received_at=0.0
    )
    assert (made.size, made.truncated) == (5, False)


async def test_half_a_surrogate_pair_in_an_answer_is_delivered_not_lost() -> None:
    # Valid JSON ("\ud800" escaped); orjson refuses it, json reads it: the receiver must
    # not answer 500 or 400 for it, with orjson installed or not (Tallyfy never resends).
    recorder = Recorder()
    payload = task_payload(7)
    next(iter(payload["this_task"]["captures"].values()))["value"] = "half \ud800 a pair"
    async with served(webhooks.handler(recorder, org_id=EXAMPLE_ORG)) as hook:
        assert await hook.post(payload) == (200, "accepted")
        assert await hook.post(payload) == (200, "duplicate")
        await hook.receiver.join()

    [event] = recorder.events
    assert isinstance(event, TaskCompletedEvent)
    assert "half \ud800 a pair" in [c.value for c in event.task.captures.values()]
