"""Listings: one paginator type, awaitable for the first page, async-iterable for all.

The walk follows the server's ``meta.pagination.total_pages`` (re-read on every
page), never our own arithmetic: the server may cap ``per_page`` below what was
asked. ``links: []`` means no links. A page that cannot be read raises; fewer items than the
``total`` page 1 promised raises :class:`PaginationError`. Items the page before already gave
are left out (a listing that grows ahead of the walk shifts the pages after it; see
:class:`Paginator`).

With ``concurrency=N`` the pages after the first are fetched N at a time once
page 1 has told the total; items still come out in page order, and at most N
pages are held in memory.

``listing.raw()`` walks the same listing without models: each item is the dict
Tallyfy sent (dates as its text, unknown keys and ``{"data": ...}`` includes as they
arrived), at the speed of parsing the JSON alone.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator, Mapping
from itertools import repeat
from operator import attrgetter
from typing import Any, Generic, TypeVar

import attrs

from tallyfy_async import _constants as C
from tallyfy_async import notebook
from tallyfy_async._progress import ProgressArg, ProgressView
from tallyfy_async._readonly import EMPTY, read_only
from tallyfy_async._responses import EncodedBody, Response, data_of, meta_of
from tallyfy_async._tables import html_table
from tallyfy_async.errors import PaginationError, UnexpectedResponseError
from tallyfy_async.notebook import DataFrame

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Fetch one page: (page number, per_page) -> the response, its body decoded or not
#: (``Response.decoded()`` is applied before reading).
FetchPage = Callable[[int, int], Awaitable[Response]]

#: Pages walked at most, whatever the server says (a guard against a looping server).
MAX_PAGES = 1_000_000


@attrs.frozen
class Page(Generic[T]):
    """One page of a listing.

    Attributes:
        items: the page's items, typed.
        total: items across all pages (as the server counted them).
        per_page: the page size the server used (it may cap what was asked).
        current_page: this page's number, 1-based.
        total_pages: how many pages the listing has.
        meta: the response's ``meta`` besides the pagination, read-only (for the tasks
            of a member: ``overdue_tasks`` and ``tasks_due_soon``); empty when none.
        model: the items' model (None for a page of plain dicts): the columns of
            :meth:`to_pandas` when the page is empty.
    """

    items: list[T]
    total: int
    per_page: int
    current_page: int
    total_pages: int
    meta: Mapping[str, Any] = EMPTY
    model: type[Any] | None = attrs.field(default=None, eq=False, repr=False)

    @property
    def count(self) -> int:
        """Items on this page."""
        return len(self.items)

    @property
    def has_next(self) -> bool:
        """Whether a later page exists."""
        return self.current_page < self.total_pages

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> T:
        return self.items[index]

    def __repr__(self) -> str:
        kind = type(self.items[0]).__name__ if self.items else "items"
        return (
            f"<Page {self.current_page}/{self.total_pages}: {len(self.items)} {kind} "
            f"of {self.total}>"
        )

    def _repr_html_(self) -> str:
        """The page as one HTML table, a row per item (Jupyter shows it)."""
        return html_table(self.items, caption=repr(self)[1:-1])

    def to_dicts(self) -> list[dict[str, Any]]:
        """The page's items as plain dicts (``to_dict()`` of each model)."""
        return notebook.to_dicts(self.items)

    def to_pandas(self) -> DataFrame:
        """The page's items as a ``pandas.DataFrame`` with timezone-aware datetime
        columns (:func:`tallyfy_async.notebook.to_pandas`; the ``pandas`` extra). A page
        of :meth:`Paginator.raw` holds the dicts Tallyfy sent: its dates stay text. An
        empty page gives its model's columns."""
        return notebook.to_pandas(self.items, model=self.model)


def read_page(
    response: Response,
    structure: Callable[[Any], T] | None,
    asked: int,
    model: type[Any] | None = None,
) -> Page[T]:
    """Turn a list response into a :class:`Page` (an unpaginated list is one page).

    ``structure`` may take each item apart (``Converter.item_structurer``). It gets the
    items themselves when the body arrived undecoded (``decode=False``: decoded here,
    nobody else holds it), copies of them otherwise. ``None`` keeps the decoded items
    as they are (:meth:`Paginator.raw`). ``model`` is what ``structure`` builds, kept on
    the page for its empty table.

    Raises:
        PaginationError: when the body is not a list envelope.
        UnexpectedResponseError: when an item does not read as the model.
        TransportError: when an undecoded body is not valid JSON.
    """
    body = response.body
    owned = isinstance(body, EncodedBody)
    if owned:  # what response.decoded() would hold, without a Response made per page
        body = body.decode()
    data = data_of(body)
    if not isinstance(data, list):
        raise PaginationError(
            f"expected a list in the response's data, got {type(data).__name__}: {data!r:.120}"
        )
    items: list[Any]
    if structure is None:
        items = data if owned else list(data)
    elif owned:
        items = _take_items(data, structure, response)
    else:
        items = _read_items(data, structure)
    meta = meta_of(body)
    pagination = meta.get("pagination")
    others = read_only({key: value for key, value in meta.items() if key != "pagination"})
    if not isinstance(pagination, dict):
        return Page(items, len(items), max(asked, len(items)), 1, 1, others, model)
    return Page(
        items=items,
        total=_int(pagination, "total", len(items)),
        per_page=_int(pagination, "per_page", asked),
        current_page=_int(pagination, "current_page", 1),
        total_pages=_total_pages(pagination),
        meta=others,
        model=model,
    )


# Both loops have one handler for the page, not a wrapper call per item: this is the hot
# path of a walk, and the errors they catch are what a structure function raises on a
# misshapen item.
_UNREADABLE = (KeyError, TypeError, ValueError, AttributeError)


def _take_items(data: list[Any], structure: Callable[[Any], T], response: Response) -> list[T]:
    """The items of a page decoded here, each taken out of ``data`` as it is read.

    Its dicts are freed one by one while the models are built. Read in place, a page
    would hold its dicts and its models at once: enough new objects to start a garbage
    collection on almost every page, which walks them all.
    """
    items: list[T] = []
    append = items.append
    data.reverse()
    take = data.pop
    try:
        while data:
            append(structure(take()))
    except _UNREADABLE as exc:
        # `structure` may have taken the item apart: decode it again, as it arrived.
        received = response.decoded().data[len(items)]
        raise _unreadable(len(items), exc, received) from exc
    return items


def _read_items(data: list[Any], structure: Callable[[Any], T]) -> list[T]:
    """The items of a page someone else may hold: ``structure`` reads copies."""
    items: list[T] = []
    append = items.append
    try:
        for item in data:
            append(structure(item.copy() if type(item) is dict else item))
    except _UNREADABLE as exc:
        raise _unreadable(len(items), exc, data[len(items)]) from exc
    return items


def _unreadable(index: int, exc: Exception, item: Any) -> UnexpectedResponseError:
    return UnexpectedResponseError(f"item {index} of the page does not read: {exc}", item)


def _int(pagination: dict[str, Any], key: str, default: int) -> int:
    value = pagination.get(key)
    if type(value) is int:  # as Tallyfy sends them
        return value
    if isinstance(value, bool) or not isinstance(value, int | str):
        return default
    try:
        return int(value)
    except ValueError:
        return default


def _total_pages(pagination: dict[str, Any]) -> int:
    pages = _int(pagination, "total_pages", -1)
    if pages >= 0:
        return pages
    # No total_pages: one more page exactly when links.next says so ([] = no links).
    links = pagination.get("links")
    has_next = isinstance(links, dict) and bool(links.get("next"))
    current = _int(pagination, "current_page", 1)
    return current + 1 if has_next else current


def _short(message: str, first: tuple[int, int], latest: tuple[int, int]) -> PaginationError:
    """The error of a walk that got fewer items than page 1 promised, saying why when a
    later page shows the listing shrank (its items changed while it was walked)."""
    (total, pages), (now_total, now_pages) = first, latest
    if now_total < total or now_pages < pages:
        message += (
            f". The listing changed while it was walked: it had {total} items in {pages} "
            f"pages, now {now_total} in {now_pages}, so later items moved to pages already "
            "read. Items leave a filtered listing when they change, also through this "
            "code's own writes (completing the tasks of a status='active' listing). To "
            "change the items listed, read them all first (items = await "
            "listing.to_list()), then act on the list"
        )
    return PaginationError(message)


def _out_of_step(number: int, total: int, before: int, concurrency: int) -> PaginationError:
    """The error of a concurrent walk whose page says the listing holds fewer items than the
    page before it said. Fetched at once, the pages may have been served on either side of
    a change: this one before items were created ahead of it (which the page before saw),
    or after some were deleted; either way items may have moved onto a page read on the
    other side of the change, and been missed."""
    return PaginationError(
        f"page {number} says the listing holds {total} items, the page before it said "
        f"{before}: the listing changed while it was walked {concurrency} pages at a time, "
        "and pages served on either side of the change may have missed items. Walk it "
        "again, or with concurrency=1, which follows a listing that grows"
    )


_ID = attrgetter("id")


def _ids(items: list[Any]) -> set[Any] | None:
    """The ids of a page's items, for the next page to compare with (None: they have none).

    Built with C-level calls over the page, no Python call per item: this runs on every page
    of a walk."""
    if not items:
        return set()
    try:
        if type(items[0]) is dict:  # a page of raw()
            ids = set(map(dict.get, items, repeat("id")))
        else:
            ids = set(map(_ID, items))
    except (AttributeError, TypeError):  # items without an id, or with one not hashable
        return None
    ids.discard(None)
    return ids


def _id(item: Any) -> Any:
    return item.get("id") if type(item) is dict else getattr(item, "id", None)


class _Repeats:
    """Takes out of each page of a walk the items the page before it already gave.

    Offset pagination shifts a listing that grows ahead of the walk: the next page then
    starts with the last items of the one before. Only the previous page's ids are kept,
    so a walk holds a page of ids, not every id it yielded."""

    __slots__ = ("_ids", "dropped", "total")

    def __init__(self, first: Page[Any]) -> None:
        self._ids = _ids(first.items)
        self.total = first.total  # what the page before said the listing holds
        self.dropped = 0  # listing positions that gave nothing new, for the limit

    def new_items(self, number: int, page: Page[T]) -> Page[T] | None:
        """``page`` without the items the page before gave; None when none is left."""
        before, self._ids = self._ids, _ids(page.items)
        grew, self.total = page.total - self.total, page.total
        if grew > page.per_page:
            # Items may have moved by more than a page, past the one whose ids are kept:
            # nothing is lost (growth only pushes items onto later pages), but one read on
            # an earlier page may come again. Not an error, as the growth may be behind the
            # walk (new items last) and repeat nothing.
            log.warning(
                "page %d: the listing grew by %d items since page %d was read, more than a "
                "page (%d), so items already yielded may come again in this walk; walk it "
                "again, or drop repeats by id, if each item must come once",
                number,
                grew,
                number - 1,
                page.per_page,
            )
        if not before or not self._ids or before.isdisjoint(self._ids):
            return page
        items = [item for item in page.items if _id(item) not in before]
        self.dropped += len(page.items) - len(items)
        return attrs.evolve(page, items=items) if items else None


def _check_count(name: str, value: object, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}: {value!r:.40}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")


class Paginator(Generic[T]):
    """A listing: ``await`` it for the first :class:`Page`, ``async for`` it for every item.

    :meth:`raw` gives the same listing with every item the dict Tallyfy sent.

    A listing that changes while it is walked (records created, edited or deleted meanwhile,
    also by the code walking it) moves items across pages, as Tallyfy pages by position:

    * It shrinks: items move to pages already read. A walk that gets fewer items than page 1
      promised raises :class:`~tallyfy_async.errors.PaginationError`, saying so.
    * It grows ahead of the walk (a new item sorts before the current page): the later items
      move onto later pages. The walk follows them there, up to the most pages any page
      reports, so none of the items present throughout is lost; items new since page 1 may or
      may not come. A page then repeats the last items of the one before: a page yields no
      item whose ``id`` (attribute, or key of a :meth:`raw` dict) the page before it had, and
      skips a page with nothing new.
    * With ``concurrency`` above 1 the pages are served at about the same time, some before
      a change and some after: a page that says the listing holds fewer items than the page
      before it said was served on the other side of a change from it, and items may have
      been missed between them. The walk raises
      :class:`~tallyfy_async.errors.PaginationError` rather than go on.
    * It grows by more than a page between two page reads: an item may move past the page
      before, so repeats can no longer all be told apart from the ids of one page. The walk
      goes on, logging a WARNING on the ``tallyfy_async.pagination`` logger; nothing is
      lost, but an item may come twice.

    To act on the items of a listing your code changes, read them all first (``items =
    await listing.to_list()``), then act on the list.

    Args:
        fetch: fetches one page.
        structure: turns one wire item into a model (None: items stay the decoded dicts).
        per_page: page size asked (the server caps it at 100).
        limit: stop after this many items.
        concurrency: pages fetched at once after the first.
        model: the items' model: the columns of :meth:`to_pandas` when there is no item.
    """

    def __init__(
        self,
        fetch: FetchPage,
        structure: Callable[[Any], T] | None,
        *,
        per_page: int = C.MAX_PER_PAGE,
        limit: int | None = None,
        concurrency: int = 1,
        model: type[Any] | None = None,
    ) -> None:
        _check_count("per_page", per_page, 1)
        if limit is not None:
            _check_count("limit", limit, 0)
        _check_count("concurrency", concurrency, 1)
        self._fetch = fetch
        self._structure = structure
        self.per_page = min(per_page, C.MAX_PER_PAGE)
        self.limit = limit
        self.concurrency = concurrency
        self._model = model
        # Page 1 as `await listing` fetched it, kept for the walk that follows only: a
        # later walk reading it again would mix an old page 1 with fresh later pages.
        self._first: Page[T] | None = None
        # The latest page 1 read, for __repr__ alone.
        self._seen: Page[T] | None = None

    def __repr__(self) -> str:
        options = "" if self.limit is None else f" limit={self.limit}"
        if self.concurrency != 1:
            options += f" concurrency={self.concurrency}"
        first = self._seen
        if first is None:
            return f"<Paginator per_page={self.per_page}{options}, not fetched yet>"
        kind = type(first.items[0]).__name__ if first.items else "items"
        return (
            f"<Paginator {first.total} {kind} in {first.total_pages} pages of "
            f"{first.per_page}{options}>"
        )

    def raw(self) -> Paginator[dict[str, Any]]:
        """The same listing (same query, ``per_page``, ``limit`` and ``concurrency``), each
        item the dict Tallyfy sent: no model is built, so dates stay the text Tallyfy
        wrote (``"2026-03-01T09:00:00.000Z"``), includes stay ``{"data": ...}`` and every
        key is kept. For work that needs no model (a file, a DataFrame) at the speed of
        parsing the JSON alone. Pages are fetched as for the typed listing.

        ``await listing.raw()`` is the first page, ``async for item in listing.raw()``
        every item, ``await listing.raw().to_list()`` all of them.
        """
        return Paginator(
            self._fetch,
            None,
            per_page=self.per_page,
            limit=self.limit,
            concurrency=self.concurrency,
        )

    async def _page(self, number: int) -> Page[T]:
        return self._read(number, await self._fetch(number, self.per_page))

    def _read(self, number: int, response: Response) -> Page[T]:
        page = read_page(response, self._structure, self.per_page, self._model)
        if number > 1 and not page.items and number < page.total_pages:
            # An empty page before the last one: the listing is broken (or claims
            # pages it does not have); walking on could go on forever.
            raise PaginationError(
                f"page {number} of {page.total_pages} came back empty; the listing cannot "
                "be walked to its end"
            )
        return page

    async def first_page(self) -> Page[T]:
        """The first page: fetched, then kept for the next walk (:meth:`pages`, ``async
        for``, :meth:`to_list`), which starts from it instead of asking again. Each
        later walk, and ``await`` after a walk, fetches page 1 afresh."""
        if self._first is None:
            self._first = self._seen = await self._page(1)
        return self._first

    async def _take_first_page(self) -> Page[T]:
        """Page 1 for a walk: the one ``await`` fetched if no walk used it yet, else a
        fresh one."""
        first = await self.first_page()
        self._first = None
        return first

    def __await__(self) -> Generator[Any, None, Page[T]]:
        return self.first_page().__await__()

    async def pages(self) -> AsyncIterator[Page[T]]:
        """Every page in order, ending early once ``limit`` items were yielded.

        Each walk reads the listing afresh, except that it starts from the first page
        an ``await`` just fetched (:meth:`first_page`).

        Raises:
            PaginationError: a walk that ends with fewer items than page 1's ``total``
                (and than ``limit``): the listing shrank while walked, and items moved
                onto pages already read (see above); a short walk is never passed off as
                the whole listing.
        """
        promised: tuple[int, int] | None = None  # page 1's total and total_pages
        latest = (0, 0)
        got = 0
        async for page in self._walk_pages():
            latest = (page.total, page.total_pages)
            if promised is None:
                promised = latest
            elif not page.items and promised[0] > got:
                raise _short(
                    f"page {page.current_page} of {page.total_pages} came back empty after "
                    f"{got} of {promised[0]} items",
                    promised,
                    latest,
                )
            got += len(page.items)
            yield page
            del page  # the caller keeps what it wants
        if promised is not None and got < promised[0] and not self._reached_limit(got):
            raise _short(
                f"the listing promised {promised[0]} items (meta.pagination.total) but only "
                f"{got} arrived; refusing to return a short list",
                promised,
                latest,
            )

    async def _walk_pages(self) -> AsyncIterator[Page[T]]:
        """The pages of :meth:`pages`, before its count is checked."""
        first = await self._take_first_page()
        yield first
        if first.total_pages <= 1 or self._reached_limit(first.per_page):
            return
        repeats = _Repeats(first)
        if self.concurrency == 1:
            number, total_pages = 1, min(first.total_pages, MAX_PAGES)
            while number < total_pages:
                number += 1
                sent = await self._page(number)
                total_pages = min(sent.total_pages, MAX_PAGES)  # re-read: the server decides
                # A repeat fills a place on the page without giving an item: the limit is
                # reached one listing position later.
                page = repeats.new_items(number, sent)
                reached = self._reached_limit(number * sent.per_page - repeats.dropped)
                del sent
                if page is not None:
                    yield page
                # Let go of a page before reading the next: once the caller is done with
                # it, its objects are freed before the next page's are made.
                del page
                if reached:
                    return
        else:
            async for page in self._concurrent_pages(first, repeats):
                yield page
                del page

    def _reached_limit(self, items_so_far: int) -> bool:
        return self.limit is not None and items_so_far >= self.limit

    async def _concurrent_pages(self, first: Page[T], repeats: _Repeats) -> AsyncIterator[Page[T]]:
        # The window reaches the largest total_pages any page reported, not page 1's
        # alone: a listing that grew while walked has more pages than page 1 knew of
        # (the sequential walk re-reads it on every page too).
        reported = first.total_pages
        last = asked = 1  # the last page to fetch; the last page asked for
        page: Page[T] | None = None  # the page to yield next, its repeats taken out
        # The window holds responses, not pages: their bodies stay bytes until the walk
        # reaches them (the fetch asks for them undecoded). N decoded pages waiting would
        # be thousands of objects for the garbage collector to walk again and again.
        window: deque[tuple[int, asyncio.Future[Response]]] = deque()
        try:
            while True:
                last = max(last, min(reported, MAX_PAGES))
                end = last
                if self.limit is not None:  # no page past the one that reaches the limit
                    positions = self.limit + repeats.dropped  # see pages()
                    end = min(end, -(-positions // max(first.per_page, 1)))
                while len(window) < self.concurrency and asked < end:
                    asked += 1
                    window.append((asked, asyncio.ensure_future(self._fetch(asked, self.per_page))))
                if page is not None:
                    yield page
                    page = None  # see pages(): let go of it before the next is read
                if not window:
                    return
                number, fetching = window.popleft()
                sent = self._read(number, await fetching)
                if sent.total < repeats.total:
                    raise _out_of_step(number, sent.total, repeats.total, self.concurrency)
                reported = sent.total_pages
                page = repeats.new_items(number, sent)
                del sent
        finally:
            for _, fetching in window:
                fetching.cancel()
            await asyncio.gather(*(fetching for _, fetching in window), return_exceptions=True)

    async def __aiter__(self) -> AsyncIterator[T]:
        # pages() checks that the walk is whole; here only the limit is kept to.
        yielded = 0
        async for page in self.pages():
            for item in page.items:
                if self.limit is not None and yielded >= self.limit:
                    return
                yielded += 1
                yield item
            del page  # see pages(): the caller keeps what it wants

    async def to_list(self, *, progress: ProgressArg = False) -> list[T]:
        """Every item of every page (up to ``limit``), in order.

        Args:
            progress: True for a progress bar (tqdm, the ``progress`` extra) on a terminal
                and a plain line every few seconds otherwise; a callable receives a
                :class:`~tallyfy_async.bulk.Progress` twice a second; False for nothing.
        """
        if progress is False:
            return [item async for item in self]
        items: list[T] = []
        async with ProgressView(progress, label="items") as view:
            first = await self.first_page()
            view.total = first.total if self.limit is None else min(first.total, self.limit)
            async for item in self:
                items.append(item)
                view.advance(done=1)
        return items

    async def to_dicts(self, *, progress: ProgressArg = False) -> list[dict[str, Any]]:
        """Every item (up to ``limit``) as a plain dict: :meth:`to_list`, then each
        model's ``to_dict()``."""
        return notebook.to_dicts(await self.to_list(progress=progress))

    async def to_pandas(self, *, progress: ProgressArg = False) -> DataFrame:
        """Every item (up to ``limit``) as a ``pandas.DataFrame`` with timezone-aware
        datetime columns (:func:`tallyfy_async.notebook.to_pandas`; the ``pandas`` extra).
        An empty listing gives the model's columns, typed the same.

        On :meth:`raw` the items are the dicts Tallyfy sent: dates stay text columns, and
        an empty listing gives a frame without columns.
        """
        return notebook.to_pandas(await self.to_list(progress=progress), model=self._model)


__all__ = ["FetchPage", "Page", "Paginator", "ProgressArg", "read_page"]
