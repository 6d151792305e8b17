"""``bulk.run`` over real HTTP against the fake: outcomes, errors, laziness, cancellation."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tallyfy_async import FormValuesError, OutcomeUnknownError, bulk
from tallyfy_async.bulk import BulkReport, ItemStatus
from tallyfy_async.client import OrgClient
from tallyfy_async.models.processes import Process
from tallyfy_async.testing import DemoOrg, FakeTallyfy
from tests.bulk.conftest import process_names

LAUNCHES = 1000


async def test_1000_launches_losing_5_percent_of_answers_end_with_exactly_1000_processes(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    """The server applies every launch, then drops the connection of 5 % of them."""
    dropped = fake.inject(path=r"/runs$", method="POST", drop="after", probability=0.05)
    launcher = bulk.Launcher(org, demo.kickoff_blueprint_id)
    rows = [{"id": f"row-{n}", "name": f"Person {n}"} for n in range(LAUNCHES)]

    async def launch_one(row: dict[str, str]) -> Process:
        return await launcher.launch(
            name=row["name"], kickoff=demo.kickoff_example, dedupe_key=row["id"]
        )

    before = len(fake.state.orgs[demo.org_id].runs.every())
    report = await bulk.run(rows, launch_one, key=lambda row: row["id"], concurrency=32)

    assert dropped.hits >= 25  # answers really were lost (about 50 expected)
    assert report.counts == {"done": LAUNCHES, "failed": 0, "unknown": 0}
    assert [outcome.key for outcome in report.done] != []
    assert {outcome.key for outcome in report.done} == {row["id"] for row in rows}
    names = Counter(process_names(fake, demo.org_id))
    assert len(fake.state.orgs[demo.org_id].runs.every()) == before + LAUNCHES
    assert fake.counters.launches(demo.org_id) == LAUNCHES
    for row in rows:
        assert names[f"{row['name']} [{row['id']}]"] == 1
    ids = {outcome.result.id for outcome in report.done}
    assert len(ids) == LAUNCHES  # no process reported for two items
    for outcome in report.done:
        assert outcome.result.name.endswith(f" [{outcome.key}]")
    # One kick-off read and one launch per row are the minimum; each lost answer costs a
    # lookup on top.
    assert report.minimum_requests == LAUNCHES + 1
    assert report.requests >= LAUNCHES + 1 + dropped.hits


async def test_the_kickoff_fields_are_read_once_per_job(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    launcher = bulk.Launcher(org, demo.kickoff_blueprint_id)
    fake.reset_log()

    async def launch_one(n: int) -> Process:
        return await launcher.launch(name=f"Launch {n}", kickoff=demo.kickoff_example)

    report = await bulk.run(range(50), launch_one, concurrency=32)
    routes = Counter(r.route for r in fake.log if r.route != "oauth.token")
    assert routes == {"blueprints.get": 1, "runs.launch": 50}
    assert report.requests == report.minimum_requests == 51


async def test_a_launch_refused_before_sending_adds_no_request_to_the_minimum(
    org: OrgClient, demo: DemoOrg
) -> None:
    launcher = bulk.Launcher(org, demo.kickoff_blueprint_id)

    async def launch_one(n: int) -> Process:
        # Every other row lacks its required kick-off values: refused, nothing sent.
        kickoff = demo.kickoff_example if n % 2 else {}
        return await launcher.launch(name=f"Launch {n}", kickoff=kickoff)

    report = await bulk.run(range(10), launch_one)
    assert report.counts == {"done": 5, "failed": 5, "unknown": 0}
    assert all(isinstance(o.error, FormValuesError) for o in report.failed)
    assert report.requests == report.minimum_requests == 1 + 5


async def test_failed_and_unknown_items_are_reported_with_their_typed_errors(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    fields = await org.processes.kickoff_fields(demo.kickoff_blueprint_id)
    fake.inject(path=r"/runs$", method="POST", drop="after", times=1)

    async def launch_one(n: int) -> Process:
        kickoff = {} if n == 3 else demo.kickoff_example  # n == 3 misses required values
        return await org.processes.launch(
            demo.kickoff_blueprint_id, name=f"No key {n}", kickoff=kickoff, kickoff_fields=fields
        )

    report = await bulk.run(range(6), launch_one, concurrency=1)
    assert report.counts == {"done": 4, "failed": 1, "unknown": 1}
    (unknown,) = report.unknown
    assert unknown.key == 0 and isinstance(unknown.error, OutcomeUnknownError)
    (failed,) = report.failed
    assert failed.key == 3 and isinstance(failed.error, FormValuesError)
    assert failed.error_type == "FormValuesError" and "required" in (failed.message or "")
    assert report.errors() == {"OutcomeUnknownError": 1, "FormValuesError": 1}
    assert not report.complete


async def test_items_are_taken_lazily() -> None:
    pulled = 0
    release = asyncio.Event()
    running = 0
    most_running = 0

    async def items() -> AsyncIterator[int]:
        nonlocal pulled
        for n in range(1000):
            pulled += 1
            yield n

    async def work(n: int) -> int:
        nonlocal running, most_running
        running += 1
        most_running = max(most_running, running)
        await release.wait()
        running -= 1
        return n * 2

    job = asyncio.create_task(bulk.run(items(), work, concurrency=4))
    for _ in range(20):
        await asyncio.sleep(0)
    assert running == 4
    assert pulled <= 5  # four in flight and at most the next one waiting for a place
    release.set()
    report = await job
    assert pulled == 1000 and most_running == 4
    assert report.counts["done"] == 1000
    assert report.outcomes[999].result == 1998


async def test_stop_on_error_stops_taking_items() -> None:
    async def work(n: int) -> int:
        await asyncio.sleep(0)
        if n == 10:
            raise ValueError("bad row")
        return n

    report = await bulk.run(range(100), work, concurrency=4, stop_on_error=True)
    assert report.stopped_on_error
    assert report.outcomes[10].status is ItemStatus.FAILED
    assert report.processed < 20
    assert not report.interrupted


async def test_without_stop_on_error_every_item_runs() -> None:
    async def work(n: int) -> int:
        if n % 10 == 0:
            raise KeyError(n)
        return n

    report = await bulk.run(range(100), work)
    assert report.counts == {"done": 90, "failed": 10, "unknown": 0}
    assert report.processed == 100


async def test_duplicate_keys_run_once_and_are_counted(caplog: pytest.LogCaptureFixture) -> None:
    ran: list[str] = []

    async def work(row: str) -> None:
        ran.append(row)

    report = await bulk.run(["a", "b", "a", "c", "b"], work, key=lambda row: row)
    assert sorted(ran) == ["a", "b", "c"]
    assert report.duplicate_keys == 2
    assert "appears more than once" in caplog.text


async def test_a_key_that_is_not_a_str_or_int_stops_the_job_with_a_clear_error() -> None:
    async def work(row: dict[str, Any]) -> None:
        return None

    with pytest.raises(TypeError, match="must return a str or an int"):
        await bulk.run([{"id": [1]}], work, key=lambda row: row["id"])


async def test_an_error_of_the_items_propagates_after_the_items_in_flight_finish() -> None:
    finished: list[int] = []

    async def items() -> AsyncIterator[int]:
        for n in range(5):
            yield n
        raise OSError("the CSV file went away")

    async def work(n: int) -> None:
        await asyncio.sleep(0.01)
        finished.append(n)

    with pytest.raises(OSError, match="went away"):
        await bulk.run(items(), work, concurrency=10)
    assert sorted(finished) == [0, 1, 2, 3, 4]


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ({"concurrency": 0}, ValueError),
        ({"concurrency": True}, ValueError),
        ({"grace": -1}, ValueError),
        ({"progress": "yes"}, TypeError),
        ({"key": "id"}, TypeError),
        ({"requests_per_item": -1}, ValueError),
    ],
)
async def test_bad_arguments_are_refused_before_anything_runs(
    arguments: dict[str, Any], error: type[Exception]
) -> None:
    ran: list[int] = []

    async def work(n: int) -> None:
        ran.append(n)

    with pytest.raises(error):
        await bulk.run(range(3), work, **arguments)
    assert ran == []


async def test_items_that_are_not_iterable_are_refused() -> None:
    async def work(n: int) -> None:
        return None

    with pytest.raises(TypeError, match="iterable"):
        await bulk.run(42, work)  # type: ignore[arg-type]


async def test_cancelling_returns_the_report_after_the_items_in_flight_finish() -> None:
    started: set[int] = set()
    ten_done = asyncio.Event()
    done = 0

    async def work(n: int) -> int:
        nonlocal done
        started.add(n)
        await asyncio.sleep(0.02)
        done += 1
        if done == 10:
            ten_done.set()
        return n

    job = asyncio.create_task(bulk.run(range(10_000), work, concurrency=8))
    await ten_done.wait()
    job.cancel()
    report = await job  # the report, not CancelledError
    assert isinstance(report, BulkReport)
    assert report.interrupted
    assert set(report.outcomes) == started  # every item taken was finished and reported
    assert report.counts["done"] == len(started) < 100
    assert job.cancelling() == 0


async def stuck_job(concurrency: int, grace: float) -> asyncio.Task[BulkReport]:
    """A job whose items never finish, once its first item started."""
    started = asyncio.Event()

    async def work(n: int) -> int:
        started.set()
        await asyncio.sleep(30)
        return n

    job = asyncio.create_task(bulk.run(range(100), work, concurrency=concurrency, grace=grace))
    await started.wait()
    return job


async def test_items_still_in_flight_after_the_grace_period_are_unknown() -> None:
    job = await stuck_job(concurrency=3, grace=0.05)
    job.cancel()
    report = await job
    assert report.interrupted
    assert report.counts == {"done": 0, "failed": 0, "unknown": 3}
    assert {outcome.error_type for outcome in report.unknown} == {"CancelledError"}


async def test_a_second_cancellation_cuts_the_grace_period_short() -> None:
    job = await stuck_job(concurrency=2, grace=30)
    job.cancel()
    await asyncio.sleep(0.05)
    job.cancel()
    report = await asyncio.wait_for(job, 5)
    assert report.counts["unknown"] == 2
