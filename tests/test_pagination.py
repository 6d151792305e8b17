"""The paginator: the server's total_pages, links: [], short and unreadable pages, concurrency."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tallyfy_async import TallyfyClient
from tallyfy_async._serde import json_dumps
from tallyfy_async._transport import EncodedBody, Response
from tallyfy_async.errors import PaginationError, ServerError, TransportError
from tallyfy_async.pagination import Page, Paginator
from tallyfy_async.testing import DemoOrg, FakeTallyfy


class Server:
    """An in-memory list server, paginated like Tallyfy, with a cap the client cannot see."""

    def __init__(
        self,
        total: int,
        cap: int = 100,
        *,
        lie_total: int | None = None,
        grow: dict[int, tuple[int, int]] | None = None,
        late: frozenset[int] = frozenset(),
    ) -> None:
        self.items = list(range(total))
        self.cap = cap
        self.lie_total = lie_total
        # page -> (position, count): once that page is served, `count` new items (negative
        # numbers) go in at `position`, as records created while a listing is walked.
        self.grow = dict(grow or {})
        # Pages answered after the others fetched with them (a slower answer).
        self.late = late
        self.calls: list[tuple[int, int]] = []
        self.in_flight = 0
        self.peak = 0

    async def fetch(self, page: int, per_page: int) -> Response:
        self.calls.append((page, per_page))
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        await asyncio.sleep(0)
        for _ in range(5 if page in self.late else 0):
            await asyncio.sleep(0)
        self.in_flight -= 1
        size = min(per_page, self.cap)
        total = len(self.items) if self.lie_total is None else self.lie_total
        pages = max(1, -(-total // size))
        chunk = self.items[(page - 1) * size : page * size]
        if page in self.grow:
            at, count = self.grow.pop(page)
            new = min(self.items, default=0)
            self.items[at:at] = range(new - count, new)
        links: Any = {"next": f"https://x/?page={page + 1}"} if page < pages else []
        body = {
            "data": [{"n": n, "id": f"i{n}"} for n in chunk],
            "meta": {
                "pagination": {
                    "total": total,
                    "count": len(chunk),
                    "per_page": size,
                    "current_page": page,
                    "total_pages": pages,
                    "links": links,
                }
            },
        }
        return Response(200, {}, body)


JSON = "application/json"
JSON_HEADERS = {"Content-Type": JSON}


def numbers(server: Server, **kwargs: Any) -> Paginator[int]:
    return Paginator(server.fetch, lambda item: item["n"], **kwargs)


@attrs.frozen
class Numbered:
    """An item with an id, as every Tallyfy model has."""

    id: str
    n: int


def numbered(server: Server, *, raw: bool = False, **kwargs: Any) -> Paginator[Any]:
    """A walk of models with an id, or of the dicts sent (raw)."""
    listing = Paginator(server.fetch, lambda item: Numbered(item["id"], item["n"]), **kwargs)
    return listing.raw() if raw else listing


def ns(items: list[Any]) -> list[int]:
    return [item["n"] if type(item) is dict else item.n for item in items]


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(
    total=st.integers(min_value=0, max_value=450),
    asked=st.integers(min_value=1, max_value=500),
    cap=st.integers(min_value=1, max_value=100),
    concurrency=st.integers(min_value=1, max_value=6),
)
async def test_every_item_once_in_order_whatever_the_page_sizes(
    total: int, asked: int, cap: int, concurrency: int
) -> None:
    server = Server(total, cap=cap)
    got = await numbers(server, per_page=asked, concurrency=concurrency).to_list()
    assert got == list(range(total))
    assert all(size == min(asked, 100) for _, size in server.calls)
    assert server.peak <= concurrency


@settings(max_examples=40)
@given(
    total=st.integers(min_value=0, max_value=300),
    limit=st.integers(min_value=0, max_value=320),
    concurrency=st.integers(min_value=1, max_value=4),
)
async def test_limit_stops_early(total: int, limit: int, concurrency: int) -> None:
    server = Server(total, cap=10)
    got = await numbers(server, per_page=10, limit=limit, concurrency=concurrency).to_list()
    assert got == list(range(min(total, limit)))


async def test_awaiting_gives_the_first_page_and_the_walk_reuses_it() -> None:
    server = Server(25, cap=10)
    listing = numbers(server, per_page=10)
    page = await listing
    assert isinstance(page, Page)
    assert (page.total, page.per_page, page.current_page, page.total_pages, page.count) == (
        25,
        10,
        1,
        3,
        10,
    )
    assert page.has_next and list(page) == list(range(10)) and page[0] == 0
    assert await listing.to_list() == list(range(25))
    assert [number for number, _ in server.calls] == [1, 2, 3]


async def test_a_second_walk_reads_the_listing_afresh_from_page_one() -> None:
    server = Server(25, cap=10)
    listing = numbers(server, per_page=10)
    assert await listing.to_list() == list(range(25))
    server.items[:0] = [-2, -1]  # two new items at the top, as a "-created_at" sort puts them
    assert await listing.to_list() == list(range(-2, 25))
    page = await listing  # after a walk, await asks again too
    assert page[0] == -2 and page.total == 27
    assert [number for number, _ in server.calls] == [1, 2, 3, 1, 2, 3, 1]
    assert repr(listing) == "<Paginator 27 int in 3 pages of 10>"


async def test_pages_are_yielded_in_order() -> None:
    pages = [
        p.current_page
        async for p in numbers(Server(95, cap=10), per_page=10, concurrency=4).pages()
    ]
    assert pages == list(range(1, 11))


async def test_a_short_total_raises_instead_of_returning_a_short_list() -> None:
    server = Server(30, cap=10, lie_total=35)  # promises 35, has 30
    with pytest.raises(PaginationError, match="30 of 35 items"):
        await numbers(server, per_page=10).to_list()


@pytest.mark.parametrize("removed", [5, 15])  # page 2 short, page 2 gone
async def test_a_listing_that_shrinks_while_walked_says_so(removed: int) -> None:
    server = Server(25, cap=10)
    walked = []
    with pytest.raises(PaginationError) as caught:
        async for n in numbers(server, per_page=10):
            walked.append(n)
            if n == 0:  # as completing the tasks of a status="active" listing does
                del server.items[:removed]
    assert len(walked) < 25
    message = str(caught.value)
    assert f"had 25 items in 3 pages, now {25 - removed}" in message
    assert "changed while it was walked" in message and "listing.to_list()" in message


@settings(max_examples=80)
@given(
    total=st.integers(min_value=1, max_value=60),
    size=st.integers(min_value=1, max_value=10),
    concurrency=st.integers(min_value=1, max_value=5),
    data=st.data(),
)
async def test_a_listing_that_grows_while_walked_loses_no_item(
    total: int, size: int, concurrency: int, data: st.DataObject
) -> None:
    # Items created ahead of the walk push the later ones onto further pages than page 1
    # counted: the walk follows them there, sequential or concurrent.
    pages = -(-total // size)
    page = data.draw(st.integers(min_value=1, max_value=pages), label="grows after page")
    at = data.draw(st.integers(min_value=0, max_value=page * size), label="at")
    count = data.draw(st.integers(min_value=1, max_value=3 * size), label="count")
    raw = data.draw(st.booleans(), label="raw")
    server = Server(total, grow={page: (at, count)})
    listing = numbered(server, raw=raw, per_page=size, concurrency=concurrency)
    got = ns(await listing.to_list())
    originals = [n for n in got if n >= 0]
    assert list(dict.fromkeys(originals)) == list(range(total))  # every one, in order
    if count <= size:  # moved by a page at most: the page before tells the repeats
        assert originals == list(range(total))
        assert len(got) == len(set(got))


async def test_a_concurrent_walk_served_on_both_sides_of_a_change_raises() -> None:
    # Page 3 is answered before page 2; in between, items are created at page 2's start:
    # page 2 shows the new items, page 3 the old listing, so two items present throughout
    # (those pushed from page 2 onto page 3) are on neither.
    server = Server(20, grow={3: (5, 2)}, late=frozenset({2}))
    with pytest.raises(PaginationError, match=r"page 3 says the listing holds 20 items, the "):
        await numbered(server, per_page=5, concurrency=3).to_list()
    # Walked one page after the other, the same change loses nothing.
    server = Server(20, grow={2: (5, 2)})
    assert [n for n in ns(await numbered(server, per_page=5).to_list()) if n >= 0] == list(
        range(20)
    )


@pytest.mark.parametrize("concurrency", [1, 3])
@pytest.mark.parametrize("raw", [False, True])
async def test_a_limit_counts_items_yielded_not_repeats_left_out(
    concurrency: int, raw: bool
) -> None:
    server = Server(6, grow={1: (0, 1)})  # page 2 starts with page 1's last item
    listing = numbered(server, raw=raw, per_page=2, limit=4, concurrency=concurrency)
    assert ns(await listing.to_list()) == [0, 1, 2, 3]


async def test_a_page_of_repeats_alone_is_skipped() -> None:
    server = Server(6, grow={1: (0, 2)})  # page 2 is page 1 again
    pages = [
        (page.current_page, ns(page.items)) async for page in numbered(server, per_page=2).pages()
    ]
    assert pages == [(1, [0, 1]), (3, [2, 3]), (4, [4, 5])]


@pytest.mark.parametrize("concurrency", [1, 3])
async def test_growth_by_more_than_a_page_between_two_reads_is_logged(
    concurrency: int, caplog: pytest.LogCaptureFixture
) -> None:
    # 25 new items in front after page 1: page 3 repeats page 1's items, which page 2's
    # ids cannot tell; the walk goes on (nothing is lost) and says so.
    server = Server(30, grow={1: (0, 25)})
    with caplog.at_level(logging.WARNING, logger="tallyfy_async.pagination"):
        got = ns(await numbered(server, per_page=10, concurrency=concurrency).to_list())
    assert [n for n in dict.fromkeys(got) if n >= 0] == list(range(30))
    assert got.count(0) == 2
    [record] = caplog.records
    assert record.getMessage() == (
        "page 2: the listing grew by 25 items since page 1 was read, more than a page (10), "
        "so items already yielded may come again in this walk; walk it again, or drop "
        "repeats by id, if each item must come once"
    )


async def test_growth_by_a_page_at_most_is_not_logged(caplog: pytest.LogCaptureFixture) -> None:
    server = Server(30, grow={1: (0, 10), 2: (0, 10)})
    with caplog.at_level(logging.WARNING, logger="tallyfy_async.pagination"):
        got = ns(await numbered(server, per_page=10).to_list())
    assert got == list(range(30)) and caplog.records == []


async def test_items_without_an_id_are_all_kept() -> None:
    server = Server(6, grow={1: (0, 1)})
    assert await numbers(server, per_page=2).to_list() == [0, 1, 1, 2, 3, 4, 5]


async def test_over_real_http_a_concurrent_walk_follows_a_listing_that_grew(
    demo: DemoOrg, client: TallyfyClient
) -> None:
    org = client.org(demo.org_id)
    for i in range(3):
        await org.tags.create(title=f"T{i}")
    before = [tag.title for tag in await org.tags.list(sort="title").to_list()]
    assert len(before) == 6  # three pages of 2
    listing = org.tags.list(sort="title", per_page=2, concurrency=2)
    assert (await listing).total_pages == 3
    await org.tags.create(title="00-new")  # sorts first: every later tag moves down one
    walked = [tag.title async for tag in listing]
    # The last tag is now on page 4, and is read; page 2's first is page 1's last, left out.
    assert walked == before


@pytest.mark.parametrize("raw", [False, True])
@pytest.mark.parametrize("concurrency", [1, 2])
async def test_over_real_http_a_walk_yields_each_item_once_while_the_listing_grows(
    demo: DemoOrg, client: TallyfyClient, raw: bool, concurrency: int
) -> None:
    org = client.org(demo.org_id)
    for i in range(4):
        await org.tags.create(title=f"T{i}")
    before = [tag.title for tag in await org.tags.list(sort="title").to_list()]
    walked: list[str] = []
    listing = org.tags.list(sort="title", per_page=2, concurrency=concurrency)
    async for tag in listing.raw() if raw else listing:
        walked.append(tag["title"] if raw else tag.title)
        if len(walked) == 2:  # between pages 1 and 2, a tag that sorts first
            await org.tags.create(title="00-new")
    assert walked == before


async def test_over_real_http_the_activity_feed_walked_while_written_repeats_nothing(
    demo: DemoOrg, client: TallyfyClient
) -> None:
    # Newest first: every write during the walk pushes the whole feed down one place.
    org = client.org(demo.org_id)
    processes = await org.processes.list().to_list()
    for i, process in enumerate(processes):
        await org.processes.update(process, name=f"renamed {i}")
    before = [item.id for item in await org.activity.list().to_list()]
    walked = []
    async for item in org.activity.list(per_page=2):
        walked.append(item.id)
        if len(walked) % 2 == 0:
            await org.processes.update(processes[0], name=f"changed {len(walked)}")
    assert walked == before


async def test_an_unreadable_page_raises() -> None:
    async def fetch(page: int, per_page: int) -> Response:
        if page == 1:
            return Response(
                200,
                {},
                {
                    "data": [{"n": 1}],
                    "meta": {
                        "pagination": {
                            "total": 2,
                            "total_pages": 2,
                            "per_page": 1,
                            "current_page": 1,
                        }
                    },
                },
            )
        return Response(200, {}, {"data": {"oops": True}})

    with pytest.raises(PaginationError, match="expected a list"):
        await Paginator(fetch, lambda item: item["n"], per_page=1).to_list()


async def test_a_list_without_meta_is_one_page() -> None:
    async def fetch(page: int, per_page: int) -> Response:
        return Response(200, {}, {"data": [{"n": 1}, {"n": 2}]})

    listing = Paginator(fetch, lambda item: item["n"])
    assert (await listing).total_pages == 1
    assert await listing.to_list() == [1, 2]


async def test_links_next_is_followed_when_total_pages_is_absent() -> None:
    async def fetch(page: int, per_page: int) -> Response:
        links: Any = {"next": "https://x/?page=2"} if page == 1 else []
        return Response(
            200,
            {},
            {"data": [{"n": page}], "meta": {"pagination": {"current_page": page, "links": links}}},
        )

    assert await Paginator(fetch, lambda item: item["n"]).to_list() == [1, 2]


@pytest.mark.parametrize("bad", [{"per_page": 0}, {"limit": -1}, {"concurrency": 0}])
def test_nonsense_options_are_refused(bad: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        numbers(Server(1), **bad)


async def test_breaking_out_early_cancels_pages_in_flight() -> None:
    server = Server(1000, cap=10)
    async for item in numbers(server, per_page=10, concurrency=5):
        if item == 15:
            break
    await asyncio.sleep(0.01)
    assert server.in_flight == 0 and len(server.calls) <= 1 + 5 + 1


async def test_over_real_http_the_server_cap_and_empty_links(
    fake: FakeTallyfy, demo: DemoOrg, client: TallyfyClient
) -> None:
    org = client.org(demo.org_id)
    listing = org.tasks.list(per_page=500)
    first = await listing
    assert first.per_page == 100
    everything = await org.tasks.list(per_page=5, concurrency=3).to_list()
    assert len(everything) == first.total
    assert len({task.id for task in everything}) == first.total
    single = await org.tasks.list(per_page=100)
    assert single.total_pages == 1


async def test_over_real_http_a_page_that_keeps_failing_raises(
    fake: FakeTallyfy, demo: DemoOrg, client: TallyfyClient
) -> None:
    fake.inject(path=r"/tasks$", status=500, query={"page": "2"})
    with pytest.raises(ServerError):
        await client.org(demo.org_id).tasks.list(per_page=2).to_list()


async def test_a_total_that_promises_more_than_the_last_page_holds_raises() -> None:
    async def fetch(page: int, per_page: int) -> Response:
        meta = {"pagination": {"total": 5, "total_pages": 1, "per_page": 10, "current_page": 1}}
        return Response(200, {}, {"data": [{"n": 1}, {"n": 2}], "meta": meta})

    with pytest.raises(PaginationError, match=r"promised 5 items .* only 2 arrived"):
        await Paginator(fetch, lambda item: item["n"]).to_list()


async def test_a_server_claiming_endless_empty_pages_is_stopped() -> None:
    calls = 0

    async def fetch(page: int, per_page: int) -> Response:
        nonlocal calls
        calls += 1
        data = [{"n": 1}] if page == 1 else []
        meta = {
            "pagination": {"total": 0, "total_pages": 10**10, "per_page": 1, "current_page": page}
        }
        return Response(200, {}, {"data": data, "meta": meta})

    for concurrency in (1, 4):
        calls = 0
        with pytest.raises(PaginationError, match="came back empty"):
            await Paginator(fetch, lambda item: item["n"], concurrency=concurrency).to_list()
        assert calls <= 1 + concurrency + 1


def test_options_must_be_whole_numbers() -> None:
    with pytest.raises(TypeError, match="per_page must be an int"):
        numbers(Server(1), per_page="5")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="limit must be an int"):
        numbers(Server(1), limit=2.5)  # type: ignore[arg-type]


async def test_a_limit_bounds_the_pages_fetched_concurrently() -> None:
    server = Server(1000, cap=10)
    got = await numbers(server, per_page=10, limit=25, concurrency=8).to_list()
    assert got == list(range(25))
    assert sorted(number for number, _ in server.calls) == [1, 2, 3]


async def test_an_item_that_does_not_read_is_a_typed_error() -> None:
    from tallyfy_async import UnexpectedResponseError

    async def fetch(page: int, per_page: int) -> Response:
        return Response(200, {}, {"data": [{"n": 1}, {"no": 2}]})

    with pytest.raises(UnexpectedResponseError, match="does not read") as raised:
        await Paginator(fetch, lambda item: item["n"]).to_list()
    assert raised.value.data == {"no": 2}  # the item that failed, as it arrived


async def test_an_item_that_does_not_read_is_reported_as_it_arrived() -> None:
    # The task structurer takes items apart as it reads them; the error still carries
    # the item whole, decoded again from the page's bytes.
    from tallyfy_async import UnexpectedResponseError
    from tallyfy_async._serde import default_converter
    from tallyfy_async.models.tasks import Task

    bad = {"id": "t2", "title": "Review", "started_at": "not a date"}
    body = {"data": [{"id": "t1"}, bad]}

    async def fetch(page: int, per_page: int) -> Response:
        return Response(200, {}, EncodedBody(json_dumps(body), JSON, 200, "GET", "u"))

    walk = Paginator(fetch, default_converter.item_structurer(Task))
    with pytest.raises(UnexpectedResponseError, match="item 1 of the page") as raised:
        await walk.to_list()
    assert raised.value.data == bad


async def test_a_page_someone_else_holds_is_read_without_changing_it() -> None:
    from tallyfy_async._serde import default_converter
    from tallyfy_async.models.tasks import Task

    body = {"data": [{"id": "t1", "title": "A"}, {"id": "t2"}]}
    cached = Response(200, {}, body)
    before = {"data": [dict(item) for item in body["data"]]}

    async def fetch(page: int, per_page: int) -> Response:
        return cached

    for _ in range(2):  # the same response twice: still whole the second time
        tasks = await Paginator(fetch, default_converter.item_structurer(Task)).to_list()
        assert [task.id for task in tasks] == ["t1", "t2"]
    assert body == before


async def test_pages_fetched_ahead_are_decoded_only_when_the_walk_reaches_them() -> None:
    # Bodies waiting in the window stay bytes: N decoded pages would be thousands of
    # objects for the garbage collector to walk again and again.
    server = Server(total=60)
    read: list[int] = []

    async def fetch_undecoded(page: int, per_page: int) -> Response:
        decoded = await server.fetch(page, per_page)
        return Response(200, {}, EncodedBody(json_dumps(decoded.body), JSON, 200, "GET", "u"))

    def structure(item: dict[str, int]) -> int:
        read.append(item["n"])
        return item["n"]

    walk = Paginator(fetch_undecoded, structure, per_page=10, concurrency=4)
    async for page in walk.pages():
        await asyncio.sleep(0.01)  # time for every page of the window to arrive
        assert read == list(range(page.current_page * 10))
    assert server.peak > 1


async def test_over_real_http_an_unreadable_page_fetched_ahead_is_a_transport_error(
    fake: FakeTallyfy, demo: DemoOrg, client: TallyfyClient
) -> None:
    fake.inject(
        path=r"/tasks$", query={"page": "3"}, status=200, body=b'{"data": [', headers=JSON_HEADERS
    )
    with pytest.raises(TransportError, match="the 200 response is not valid JSON"):
        await client.org(demo.org_id).tasks.list(per_page=2, concurrency=3).to_list()
    fake.inject(path=r"/tasks$", query={"page": "1"}, status=200, body=b"{", headers=JSON_HEADERS)
    with pytest.raises(TransportError, match="the 200 response is not valid JSON"):
        await client.org(demo.org_id).tasks.list(per_page=2)


@pytest.mark.parametrize("concurrency", [1, 3])
async def test_a_walk_lets_go_of_a_page_before_it_reads_the_next(concurrency: int) -> None:
    # The caller holds one item at a time; the page before the one being read must be
    # gone by then (only its last item, still in the caller's hands, may live on), so
    # a long walk never holds two pages of models.
    import weakref

    class Item:
        __slots__ = ("__weakref__", "n")

        def __init__(self, n: int) -> None:
            self.n = n

    server = Server(total=50)
    made: dict[int, weakref.ref[Item]] = {}
    survivors: list[int] = []

    def structure(raw: dict[str, int]) -> Item:
        n = raw["n"]
        if n % 10 == 0 and n >= 30:  # first item of page 4 and on: look at the page before
            survivors.extend(k for k in range(n - 10, n - 1) if made[k]() is not None)
        item = Item(n)
        made[n] = weakref.ref(item)
        return item

    seen = [
        item.n
        async for item in Paginator(server.fetch, structure, per_page=10, concurrency=concurrency)
    ]
    assert seen == list(range(50))
    assert survivors == []


async def test_raw_walks_the_same_listing_as_the_dicts_tallyfy_sent(
    fake: FakeTallyfy, demo: DemoOrg, client: TallyfyClient
) -> None:
    org = client.org(demo.org_id)
    typed = await org.tasks.list(per_page=3, concurrency=2).to_list()
    listing = org.tasks.list(per_page=3, concurrency=2).raw()
    dicts = await listing.to_list()
    assert [item["id"] for item in dicts] == [task.id for task in typed]
    # As sent: dates are Tallyfy's text, not datetimes, and every key is kept.
    assert all(isinstance(item["created_at"], str) for item in dicts)
    raw_page = (await org.tasks.list(per_page=3).raw()).items
    sent = await client.request("GET", f"/organizations/{demo.org_id}/tasks",
                                params={"page": 1, "per_page": 3})  # fmt: skip
    assert raw_page == sent.data
    first = await listing
    assert first.total == len(typed) and first.per_page == 3
    walked = [item["id"] async for item in org.tasks.list(per_page=4, limit=5).raw()]
    assert walked == [task.id for task in typed[:5]]


async def test_raw_reads_of_one_record_are_the_dicts_tallyfy_sent(
    fake: FakeTallyfy, demo: DemoOrg, client: TallyfyClient
) -> None:
    org = client.org(demo.org_id)
    task = (await org.tasks.list(per_page=1))[0]
    path = f"/organizations/{demo.org_id}"
    raw_task = await org.tasks.get(task.id, raw=True)
    assert raw_task == (await client.request("GET", f"{path}/tasks/{task.id}")).data
    assert isinstance(raw_task["created_at"], str)
    assert (await org.tasks.get(task.id)).id == raw_task["id"]
    process = await org.processes.get(task.run_id, with_="tasks", raw=True)
    assert process["id"] == task.run_id and "data" in process["tasks"]
    blueprint_id = process["checklist_id"]
    blueprint = await org.blueprints.get(blueprint_id, raw=True)
    assert blueprint == (await client.request("GET", f"{path}/checklists/{blueprint_id}")).data


async def test_a_page_keeps_the_meta_beside_the_pagination(
    demo: DemoOrg, client: TallyfyClient
) -> None:
    org = client.org(demo.org_id)
    page = await org.tasks.mine(per_page=10)
    mine = await org.tasks.mine().to_list()
    now = datetime.now(UTC)
    overdue = [t for t in mine if t.deadline and t.deadline < now and not t.completed_at]
    assert overdue  # the demo has some, so the count below is not 0 by chance
    assert set(page.meta) == {"overdue_tasks", "tasks_due_soon"}
    assert page.meta["overdue_tasks"] == len(overdue)
    with pytest.raises(TypeError, match="read-only"):
        page.meta["overdue_tasks"] = 0  # type: ignore[index]
    assert (await org.tasks.list()).meta == {}  # a listing with pagination alone
