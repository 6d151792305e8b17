"""``bulk.run``: an async function over many items, bounded, reported, resumable."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, AsyncIterable, Awaitable, Callable, Iterable, Sized
from typing import Generic, TypeVar

from tallyfy_async import _constants as C
from tallyfy_async._exactly_once import LOOKUP_FIRST
from tallyfy_async._job import CURRENT_JOB, JobMeter
from tallyfy_async._progress import ProgressArg, ProgressView, check_progress
from tallyfy_async.bulk._report import (
    BulkReport,
    ItemOutcome,
    ItemStatus,
    Journal,
    Key,
    PathArg,
    describe_result,
)
from tallyfy_async.errors import OutcomeUnknownError

log = logging.getLogger("tallyfy_async.bulk")

T = TypeVar("T")
R = TypeVar("R")


async def run(
    items: Iterable[T] | AsyncIterable[T],
    fn: Callable[[T], Awaitable[R]],
    *,
    key: Callable[[T], Key] | None = None,
    concurrency: int = C.DEFAULT_BULK_CONCURRENCY,
    progress: ProgressArg = False,
    total: int | None = None,
    label: str = "items",
    resume: BulkReport | PathArg | None = None,
    journal: PathArg | None = None,
    stop_on_error: bool = False,
    adaptive_rate: bool = True,
    keep_results: bool = True,
    requests_per_item: int | None = None,
    grace: float = C.BULK_CANCEL_GRACE,
) -> BulkReport:
    """Run ``fn`` over every item, ``concurrency`` at a time, and report each outcome.

    Items are taken lazily, one as a place frees up: a generator over a million rows is
    never held in memory. The job never stops at an error unless ``stop_on_error`` says so:
    an item that raises ``OutcomeUnknownError`` is *unknown*, any other exception *failed*,
    and the report says which, with the error.

    A rerun given the earlier report (``resume=``) skips the items it shows done and runs
    the rest; an item that failed or was unknown is run with exactly-once creates looking
    their dedupe key up *before* the first send (``processes.launch(dedupe_key=...)``,
    ``tasks.create(dedupe_key=...)``), so what an earlier run created is found, not made
    twice. With ``journal=`` every item's start and outcome are appended to a file as the
    job goes: a job killed outright can be resumed from it.

    Cancelling the job (Ctrl-C under ``asyncio.run``, or ``task.cancel()``) stops taking
    items, gives those in flight ``grace`` seconds to finish (a second cancellation cuts
    the wait short), reports the rest unknown, and returns the report (``interrupted``
    set) instead of raising ``CancelledError``.

    Requests the job's items make go through each organization's adaptive allowance
    (:mod:`tallyfy_async.rate`) unless ``adaptive_rate=False`` or the client was built
    with ``adaptive_rate=False``; the report counts them.

    Args:
        items: an iterable or async iterable of items.
        fn: an async function of one item.
        key: the item's key, a str or int that identifies it across runs (a row id). By
            default the item's position: right only while the input keeps its order.
        concurrency: items in flight at once.
        progress: True for a progress bar (tqdm, the ``progress`` extra) on a terminal and
            a plain line every few seconds otherwise; a callable receives a
            :class:`~tallyfy_async.bulk.Progress` twice a second; False for nothing.
        total: how many items there are, for the progress (``len(items)`` when it has one).
        label: what the progress calls the items ("launches").
        resume: an earlier :class:`BulkReport`, or the path of a saved report or journal.
        journal: a file to append every item's start and outcome to (JSON Lines).
        stop_on_error: stop taking items at the first failed or unknown one.
        adaptive_rate: pace the job's requests by Tallyfy's answers, per organization.
        keep_results: keep what ``fn`` returned in the report (False for huge jobs).
        requests_per_item: the fewest requests one item needs, if known: the report then
            gives the job's minimum next to its request count. Helpers that know their
            minimum (:class:`~tallyfy_async.bulk.Launcher`) declare it themselves.
        grace: seconds items in flight may take to finish after a cancellation.

    Returns:
        The :class:`BulkReport`.

    Raises:
        TypeError, ValueError: a bad argument (nothing is run).
        Exception: what iterating ``items`` or calling ``key`` raised; the items already in
            flight finish first (and are in the journal).
    """
    if not callable(fn):
        raise TypeError(f"fn must be an async function of one item, got {type(fn).__name__}")
    if key is not None and not callable(key):
        raise TypeError(f"key must be a function of one item, got {type(key).__name__}")
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise ValueError(f"concurrency must be an int >= 1, got {concurrency!r}")
    if grace < 0:
        raise ValueError(f"grace must be >= 0 seconds, got {grace!r}")
    if requests_per_item is not None and requests_per_item < 0:
        raise ValueError(f"requests_per_item must be >= 0, got {requests_per_item!r}")
    check_progress(progress)
    if not isinstance(items, AsyncIterable | Iterable):
        raise TypeError(f"items must be an iterable or async iterable, got {type(items).__name__}")
    if isinstance(resume, BulkReport) or resume is None:
        previous = resume
    else:
        previous = BulkReport.load(resume)
    if total is None and isinstance(items, Sized):
        total = len(items)
    job = _Job(
        fn,
        key=key,
        concurrency=concurrency,
        previous=previous,
        stop_on_error=stop_on_error,
        keep_results=keep_results,
        grace=grace,
        meter=JobMeter(adaptive=adaptive_rate),
    )
    view = ProgressView(progress, label=label, total=total, allowance=job.meter.allowance)
    writer = Journal(journal) if journal is not None else None
    return await job.run(items, view, writer, requests_per_item)


class _Job(Generic[T, R]):
    """One run of ``bulk.run``: takes items, runs them, records their outcomes."""

    def __init__(
        self,
        fn: Callable[[T], Awaitable[R]],
        *,
        key: Callable[[T], Key] | None,
        concurrency: int,
        previous: BulkReport | None,
        stop_on_error: bool,
        keep_results: bool,
        grace: float,
        meter: JobMeter,
    ) -> None:
        self.fn = fn
        self.key = key
        self.concurrency = concurrency
        self.previous = previous.outcomes if previous is not None else {}
        self.stop_on_error = stop_on_error
        self.keep_results = keep_results
        self.grace = grace
        self.meter = meter
        self.report = BulkReport(outcomes=dict(self.previous))
        self.stopping = False
        self.view: ProgressView | None = None
        self.journal: Journal | None = None
        self.seen: set[Key] = set()

    async def run(
        self,
        items: Iterable[T] | AsyncIterable[T],
        view: ProgressView,
        journal: Journal | None,
        requests_per_item: int | None,
    ) -> BulkReport:
        self.view, self.journal = view, journal
        loop = asyncio.get_running_loop()
        started = loop.time()
        token = CURRENT_JOB.set(self.meter)
        report = self.report
        try:
            async with view:
                await self._take(items)
        finally:
            CURRENT_JOB.reset(token)
            report.elapsed = loop.time() - started
            report.requests = self.meter.requests
            report.rate_limited = self.meter.rate_limited
            minimum = self.meter.minimum
            if requests_per_item is not None:
                minimum += requests_per_item * report.processed
            report.minimum_requests = minimum if minimum or requests_per_item is not None else None
            report.allowances = {org: gate.allowance for org, gate in self.meter.gates.items()}
            if journal is not None:
                journal.close(report)
        return report

    async def _take(self, items: Iterable[T] | AsyncIterable[T]) -> None:
        places = asyncio.Semaphore(self.concurrency)
        pending: set[asyncio.Task[None]] = set()

        def finished(task: asyncio.Task[None]) -> None:
            pending.discard(task)
            places.release()

        try:
            async with contextlib.aclosing(_numbered(items)) as numbered:
                async for index, item in numbered:
                    item_key = self._key_of(item, index)
                    retry = self._plan(item_key)
                    if retry is None:
                        continue
                    await places.acquire()
                    if self.stopping:
                        places.release()
                        break
                    if self.journal is not None:
                        self.journal.started(item_key)
                    task = asyncio.create_task(self._one(item_key, item, retry))
                    pending.add(task)
                    task.add_done_callback(finished)
            while pending:
                await asyncio.wait(set(pending))
        except asyncio.CancelledError:
            self.report.interrupted = True
            await self._drain(pending)
            current = asyncio.current_task()
            if current is not None:
                current.uncancel()
        except BaseException:
            self.stopping = True
            await self._drain(pending)
            raise

    def _key_of(self, item: T, index: int) -> Key:
        if self.key is None:
            return index
        item_key = self.key(item)
        if isinstance(item_key, bool) or not isinstance(item_key, str | int):
            raise TypeError(
                f"key returned {type(item_key).__name__} for item {index}; it must return a "
                "str or an int (it is written to the report file)"
            )
        return item_key

    def _plan(self, item_key: Key) -> bool | None:
        """None: skip the item; otherwise whether it is a retry of an earlier run's."""
        if item_key in self.seen:
            self.report.duplicate_keys += 1
            log.warning("key %r appears more than once in the items; running it once", item_key)
            return None
        self.seen.add(item_key)
        earlier = self.previous.get(item_key)
        if earlier is not None and earlier.status is ItemStatus.DONE:
            self.report.carried_over += 1
            assert self.view is not None
            if self.view.total is not None:
                self.view.total -= 1
            return None
        return earlier is not None

    async def _one(self, item_key: Key, item: T, retry: bool) -> None:
        if retry:
            LOOKUP_FIRST.set(True)  # this item's task has its own context
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            result = await self.fn(item)
        except OutcomeUnknownError as exc:
            self._record(
                ItemOutcome.of_error(item_key, ItemStatus.UNKNOWN, exc, loop.time() - started)
            )
        except asyncio.CancelledError:
            self._record(
                ItemOutcome(
                    item_key,
                    ItemStatus.UNKNOWN,
                    error_type="CancelledError",
                    message="cancelled while in flight (it may have been applied)",
                    seconds=loop.time() - started,
                )
            )
            raise
        except Exception as exc:
            self._record(
                ItemOutcome.of_error(item_key, ItemStatus.FAILED, exc, loop.time() - started)
            )
        else:
            self._record(
                ItemOutcome(
                    item_key,
                    ItemStatus.DONE,
                    result=result if self.keep_results else describe_result(result),
                    seconds=loop.time() - started,
                )
            )

    def _record(self, outcome: ItemOutcome) -> None:
        report = self.report
        report.outcomes.pop(outcome.key, None)
        report.outcomes[outcome.key] = outcome
        report.processed += 1
        status = outcome.status
        assert self.view is not None
        self.view.advance(
            done=status is ItemStatus.DONE,
            failed=status is ItemStatus.FAILED,
            unknown=status is ItemStatus.UNKNOWN,
        )
        if self.journal is not None:
            self.journal.finished(outcome)
        if status is not ItemStatus.DONE and self.stop_on_error and not self.stopping:
            self.stopping = True
            report.stopped_on_error = True

    async def _drain(self, pending: set[asyncio.Task[None]]) -> None:
        """Let the items in flight finish within the grace period, then cancel the rest."""
        self.stopping = True
        still = set(pending)
        if still:
            try:
                _, still = await asyncio.wait(still, timeout=self.grace)
            except asyncio.CancelledError:
                self._uncancel()  # a second Ctrl-C: stop waiting, report them unknown
        for task in still:
            task.cancel()
        while still:
            try:
                _, still = await asyncio.wait(still)
            except asyncio.CancelledError:
                self._uncancel()

    def _uncancel(self) -> None:
        current = asyncio.current_task()
        if current is not None:
            current.uncancel()


async def _numbered(items: Iterable[T] | AsyncIterable[T]) -> AsyncGenerator[tuple[int, T], None]:
    index = 0
    if isinstance(items, AsyncIterable):
        async for item in items:
            yield index, item
            index += 1
    else:
        for item in items:
            yield index, item
            index += 1
