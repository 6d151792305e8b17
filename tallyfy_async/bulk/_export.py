"""``bulk.export``: every blueprint, process and task of an organization, streamed.

Three organization-wide listings, 100 a page, archived records included (unless told
otherwise): blueprints (with
their steps, as an include), processes, and tasks (process tasks and one-off tasks alike).
No request per process or per blueprint: an export of N records takes about N / 100
requests, the fewest the routes allow, and reports its count next to that minimum. Records
stream out page by page through a small buffer, so an organization of millions of tasks is
never held in memory; a writer (JSON Lines, SQLite) consumes them as they come.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections import Counter
from collections.abc import AsyncGenerator, Sequence
from typing import TYPE_CHECKING, Any, Literal

import attrs

from tallyfy_async import _constants as C
from tallyfy_async._job import CURRENT_JOB, JobMeter
from tallyfy_async._progress import ProgressArg, ProgressView, check_progress
from tallyfy_async.models.blueprints import Blueprint
from tallyfy_async.models.processes import Process
from tallyfy_async.models.tasks import Task
from tallyfy_async.pagination import Page, Paginator

if TYPE_CHECKING:
    from tallyfy_async.client import OrgClient

Kind = Literal["blueprint", "process", "task"]
KINDS: tuple[Kind, ...] = ("blueprint", "process", "task")


@attrs.frozen
class ExportRecord:
    """One exported record.

    Attributes:
        kind: ``"blueprint"``, ``"process"`` or ``"task"``.
        item: the typed model (``to_dict()`` gives its fields); with ``raw=True``, the
            dict Tallyfy sent (see :meth:`Paginator.raw
            <tallyfy_async.pagination.Paginator.raw>`).
    """

    kind: Kind
    item: Blueprint | Process | Task | dict[str, Any]


class OrganizationExport:
    """An organization's blueprints, processes and tasks as one async stream
    (``bulk.export(org)``): blueprints first, then processes, then tasks.

    Iterate it once (``async for record in export``); afterwards :attr:`requests`,
    :attr:`minimum_requests` and :attr:`counts` say what it took. ``async with`` (or
    :meth:`aclose`) stops it early and lets go of its connections.

    Args:
        org: the organization.
        kinds: what to export, in this order (all three by default).
        archived: include archived records (the default).
        blueprint_includes: includes of the blueprint listing (their steps by default).
        concurrency: pages fetched ahead in each listing.
        progress: True, False or a callable, as for ``bulk.run``.
        adaptive_rate: pace the requests by Tallyfy's answers (see ``tallyfy_async.rate``).
        raw: yield each record as the dict Tallyfy sent, no model built (for work that
            needs none, such as writing a file).

    Attributes:
        requests: API requests sent (retries included, token requests not).
        rate_limited: of them, answered 429.
        minimum_requests: the fewest requests the listings allow: each listing's page count
            at 100 a page (known once its first page arrived).
        counts: records exported per kind.
    """

    def __init__(
        self,
        org: OrgClient,
        *,
        kinds: Sequence[Kind] = KINDS,
        archived: bool = True,
        blueprint_includes: Sequence[str] = ("steps",),
        concurrency: int = C.EXPORT_CONCURRENCY,
        progress: ProgressArg = False,
        adaptive_rate: bool = True,
        raw: bool = False,
    ) -> None:
        unknown = [kind for kind in kinds if kind not in KINDS]
        if unknown or not kinds:
            raise ValueError(f"kinds must be some of {KINDS}, got {list(kinds)!r}")
        check_progress(progress)
        self.org = org
        self.kinds = tuple(kinds)
        self.archived = archived
        self.blueprint_includes = list(blueprint_includes)
        self.concurrency = concurrency
        self.raw = raw
        self._progress = progress
        self._meter = JobMeter(adaptive=adaptive_rate)
        self.minimum_requests = 0
        self.counts: Counter[str] = Counter()
        self._stream: AsyncGenerator[ExportRecord, None] | None = None

    def __repr__(self) -> str:
        return (
            f"<OrganizationExport {self.org.org_id}: {dict(self.counts)}, "
            f"{self.requests} requests (minimum {self.minimum_requests})>"
        )

    @property
    def requests(self) -> int:
        """API requests sent so far."""
        return self._meter.requests

    @property
    def rate_limited(self) -> int:
        """Requests answered 429 so far."""
        return self._meter.rate_limited

    def __aiter__(self) -> AsyncGenerator[ExportRecord, None]:
        if self._stream is not None:
            raise RuntimeError("an OrganizationExport streams once; create another to export again")
        self._stream = self._records()
        return self._stream

    async def aclose(self) -> None:
        """Stop the export (the pages being fetched are cancelled)."""
        if self._stream is not None:
            await self._stream.aclose()

    async def __aenter__(self) -> OrganizationExport:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def _listing(self, kind: Kind) -> Paginator[Any]:
        listing = self._typed_listing(kind)
        return listing.raw() if self.raw else listing

    def _typed_listing(self, kind: Kind) -> Paginator[Any]:
        paging: dict[str, Any] = {"per_page": C.MAX_PER_PAGE, "concurrency": self.concurrency}
        if self.archived:
            paging["archived"] = True
        if kind == "blueprint":
            if self.blueprint_includes:
                paging["with_"] = self.blueprint_includes
            return self.org.blueprints.list(**paging)
        if kind == "process":
            return self.org.processes.list(**paging)
        return self.org.tasks.list(**paging)

    async def _records(self) -> AsyncGenerator[ExportRecord, None]:
        view = ProgressView(self._progress, label="records", allowance=self._meter.allowance)
        # The walk runs in its own task, under this export's meter, a few pages ahead of
        # the consumer: None in the queue means it ended (its error, if any, is raised).
        queue: asyncio.Queue[list[ExportRecord] | None] = asyncio.Queue(
            maxsize=max(1, C.EXPORT_BUFFER // C.MAX_PER_PAGE)
        )
        context = contextvars.copy_context()
        context.run(CURRENT_JOB.set, self._meter)
        walk = asyncio.get_running_loop().create_task(self._walk(queue, view), context=context)
        try:
            async with view:
                while (batch := await queue.get()) is not None:
                    for record in batch:
                        yield record
                await walk
        finally:
            walk.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await walk

    async def _walk(
        self, queue: asyncio.Queue[list[ExportRecord] | None], view: ProgressView
    ) -> None:
        try:
            listings = [(kind, self._listing(kind)) for kind in self.kinds]
            firsts: list[Page[Any]] = await asyncio.gather(
                *(listing.first_page() for _, listing in listings)
            )
            self.minimum_requests = sum(max(1, first.total_pages) for first in firsts)
            view.total = sum(first.total for first in firsts)
            del firsts
            for kind, listing in listings:
                async for page in listing.pages():
                    await queue.put([ExportRecord(kind, item) for item in page.items])
                    self.counts[kind] += len(page.items)
                    view.advance(done=len(page.items))
        finally:
            current = asyncio.current_task()
            if current is None or not current.cancelling():
                await queue.put(None)


#: ``bulk.export(org, ...)``: every blueprint, process (archived too) and task of ``org``,
#: as an async stream (see :class:`OrganizationExport`).
export = OrganizationExport
