"""``bulk.export``: an organization streamed with the fewest requests the listings allow."""

from __future__ import annotations

import asyncio
import math
from collections import Counter
from collections.abc import AsyncIterator

import aiohttp
import pytest

from tallyfy_async import PaginationError, PermissionDeniedError, TallyfyClient, bulk
from tallyfy_async import _constants as C
from tallyfy_async.bulk import ExportRecord, Progress
from tallyfy_async.client import OrgClient
from tallyfy_async.testing import DemoOrg, FakeTallyfy
from tests.bulk.conftest import api_requests


@pytest.fixture
def big(fake: FakeTallyfy) -> DemoOrg:
    """An organization of a few thousand tasks, some archived with their processes."""
    return fake.seed_demo(
        processes=400, tasks_per_process=5, org_name="Big", admin_email="big@acme.test"
    )


@pytest.fixture
async def big_org(fake: FakeTallyfy, big: DemoOrg) -> AsyncIterator[OrgClient]:
    async with TallyfyClient(
        big.credentials, base_url=fake.base_url, token_url=fake.token_url
    ) as client:
        yield client.org(big.org_id)


def pages(count: int) -> int:
    return max(1, math.ceil(count / 100))


async def test_every_record_is_exported_once_with_the_fewest_requests(
    big_org: OrgClient, big: DemoOrg, fake: FakeTallyfy
) -> None:
    state = fake.state.orgs[big.org_id]
    expected = {
        "blueprint": {b.id for b in state.blueprints.every()},
        "process": {r.id for r in state.runs.every()},
        "task": {t.id for t in state.tasks.every()},
    }
    assert any(r.archived for r in state.runs.every())  # archived ones are exported too
    fake.reset_log()
    export = bulk.export(big_org)
    seen: dict[str, list[str]] = {"blueprint": [], "process": [], "task": []}
    kinds_in_order: list[str] = []
    async for record in export:
        assert isinstance(record, ExportRecord)
        seen[record.kind].append(record.item.id)
        if not kinds_in_order or kinds_in_order[-1] != record.kind:
            kinds_in_order.append(record.kind)
    assert kinds_in_order == ["blueprint", "process", "task"]
    for kind, ids in seen.items():
        assert len(ids) == len(set(ids)) and set(ids) == expected[kind]
    minimum = sum(pages(len(ids)) for ids in expected.values())
    assert export.minimum_requests == minimum
    assert export.requests == minimum == len(api_requests(fake))
    assert export.counts == {kind: len(ids) for kind, ids in expected.items()}
    routes = Counter(r.route for r in api_requests(fake))
    assert routes == {
        "blueprints.list": pages(len(expected["blueprint"])),
        "runs.list": pages(len(expected["process"])),
        "tasks.list": pages(len(expected["task"])),
    }
    for request in api_requests(fake):
        assert request.query["per_page"] == "100" and request.query["archived"] == "true"


async def test_blueprints_come_with_their_steps_in_the_same_request(big_org: OrgClient) -> None:
    async for record in bulk.export(big_org, kinds=["blueprint"]):
        assert record.item.steps is not None  # type: ignore[union-attr]


async def test_records_stream_through_a_small_buffer(
    big_org: OrgClient, big: DemoOrg, fake: FakeTallyfy
) -> None:
    total_pages = pages(len(fake.state.orgs[big.org_id].tasks.every()))
    # The page read, the buffer's pages, one waiting for room, the two fetched ahead.
    buffered = C.EXPORT_BUFFER // C.MAX_PER_PAGE
    ahead = 1 + buffered + 1 + 2
    async with bulk.export(big_org, kinds=["task"], concurrency=2) as export:
        async for _record in export:
            break
        # The walk runs ahead until the buffer is full, then waits: wait for it to get
        # there (a bounded loop, however slow the machine), or past it.
        for _ in range(2000):
            if export.requests >= ahead:
                break
            await asyncio.sleep(0.005)
        fetched = export.requests
        assert fetched <= ahead < total_pages
        await asyncio.sleep(0.05)
        assert export.requests == fetched  # stopped: nothing more is fetched


async def test_progress_counts_every_record(big_org: OrgClient) -> None:
    snapshots: list[Progress] = []
    export = bulk.export(big_org, kinds=["process", "task"], progress=snapshots.append)
    count = 0
    async for _ in export:
        count += 1
    assert snapshots[-1].final
    assert snapshots[-1].done == snapshots[-1].total == count == sum(export.counts.values())


async def test_an_error_of_a_listing_is_raised_to_the_consumer(
    big_org: OrgClient, fake: FakeTallyfy
) -> None:
    fake.inject(path=r"/tasks$", method="GET", status=403)
    kinds: Counter[str] = Counter()
    with pytest.raises(PermissionDeniedError):
        async for record in bulk.export(big_org, kinds=["process", "task"]):
            kinds[record.kind] += 1
    assert kinds["task"] == 0


@pytest.mark.parametrize("concurrency", [1, 4])
async def test_records_deleted_while_exported_fail_the_export_rather_than_shorten_it(
    fake: FakeTallyfy, big: DemoOrg, concurrency: int
) -> None:
    # Deleted from page 1 while page 2 is asked for: every later record moves up a place,
    # and the first ones of page 2 onto page 1, already read. An export that ended there
    # would leave records out that exist throughout, and say nothing.
    async with TallyfyClient(
        big.credentials, base_url=fake.base_url, token_url=fake.token_url
    ) as reader:
        listing = reader.org(big.org_id).processes.list(archived=True).raw()
        first_page = [run["id"] for run in (await listing).items]
    runs = fake.state.orgs[big.org_id].runs

    async def delete_on_page_2(
        _: object, __: object, sent: aiohttp.TraceRequestStartParams
    ) -> None:
        if sent.url.path.endswith("/runs") and sent.url.query.get("page") == "2":
            for run_id in first_page[:30]:
                runs.remove(run_id)

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(delete_on_page_2)
    async with TallyfyClient(
        big.credentials, base_url=fake.base_url, token_url=fake.token_url, trace_configs=[trace]
    ) as client:
        exported = []
        # One page at a time, the walk ends short of page 1's total; several at a time, a
        # page says the listing shrank under the pages read with it. Either way it raises.
        expected = {
            1: r"promised 400 items .* but only 370 arrived",
            4: r"page 2 says the listing holds 370 items, the page before it said 400",
        }[concurrency]
        with pytest.raises(PaginationError, match=expected):
            export = bulk.export(
                client.org(big.org_id), kinds=["process"], concurrency=concurrency, raw=True
            )
            async for record in export:
                exported.append(record.item["id"])
    assert len(exported) == {1: 370, 4: 100}[concurrency]  # what arrived before the error


async def test_an_export_streams_once(org: OrgClient) -> None:
    export = bulk.export(org, kinds=["blueprint"])
    assert [record async for record in export]
    with pytest.raises(RuntimeError, match="streams once"):
        export.__aiter__()


def test_unknown_kinds_are_refused(org: OrgClient) -> None:
    with pytest.raises(ValueError, match="kinds must be"):
        bulk.export(org, kinds=["members"])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="kinds must be"):
        bulk.export(org, kinds=[])
