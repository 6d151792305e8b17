"""The aiohttp.web receiver: answer Tallyfy at once, run callbacks from a bounded queue.

Tallyfy sends each delivery once and never again, whatever the answer, so the receiver
acknowledges a delivery as soon as it is parsed and queued, and from then on keeps hold of
the event: a callback that raises leaves it in :attr:`WebhookReceiver.failed`, and closing
hands back whatever was not delivered. The queue is bounded; when it is full a delivery
waits for room instead of being refused (a refusal would lose it).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import sys
import time
import traceback
import warnings
from collections import deque
from collections.abc import Awaitable, Callable, Collection, Iterable
from typing import Final

import attrs
from aiohttp import web

from tallyfy_async._constants import (
    WEBHOOK_CONCURRENCY,
    WEBHOOK_DEDUPE_TTL,
    WEBHOOK_DRAIN_TIMEOUT,
    WEBHOOK_MAX_BODY_BYTES,
    WEBHOOK_MAX_FAILED,
    WEBHOOK_MAX_REJECTED,
    WEBHOOK_MAX_REJECTED_BYTES,
    WEBHOOK_QUEUE_SIZE,
)
from tallyfy_async.webhooks._dedupe import DedupeStore, MemoryDedupeStore
from tallyfy_async.webhooks._errors import (
    WebhookError,
    WebhookOrganizationError,
    WebhookPayloadError,
    WebhookTooLargeError,
)
from tallyfy_async.webhooks._events import WebhookEvent
from tallyfy_async.webhooks._parse import Organizations, TimeZones, check_size, read_event

log = logging.getLogger("tallyfy_async.webhooks")

#: What the receiver calls with each event.
EventCallback = Callable[[WebhookEvent], Awaitable[object]]

_READ_CHUNK: Final = 64 * 1024


@attrs.frozen(kw_only=True)
class FailedEvent:
    """An event whose callback raised; :meth:`WebhookReceiver.replay` runs it again.

    Attributes:
        event: the event.
        error: what the callback raised (its traceback is in ``traceback``, not kept on
            the exception, so a kept failure does not keep the callback's frames alive).
        traceback: the formatted traceback.
        failed_at: when, seconds since the epoch.
    """

    event: WebhookEvent
    error: Exception
    traceback: str = attrs.field(repr=False)
    failed_at: float


@attrs.frozen(kw_only=True)
class RejectedDelivery:
    """A delivery from an accepted organization refused as unreadable (400), with its body,
    so it can be read again once the cause is fixed (a missing ``timezone=``, say).

    Attributes:
        org_id: the organization of its ``X-Tallyfy-orgID`` header.
        body: the body as received; only its first ``max_rejected_bytes`` bytes when it
            is longer than that (``truncated``).
        size: the length of the body as received, bytes (by default ``len(body)``).
        truncated: whether ``body`` is cut short (by default not).
        error: why it was refused.
        received_at: when, seconds since the epoch.
    """

    org_id: str
    body: bytes = attrs.field(repr=False)
    # Defaults keep one made by hand (an application's own tests) as it was written.
    size: int = attrs.field(default=attrs.Factory(lambda self: len(self.body), takes_self=True))
    truncated: bool = False
    error: WebhookError
    received_at: float


@attrs.frozen(kw_only=True)
class ReceiverStats:
    """Counts since the receiver was made.

    Attributes:
        received: deliveries that reached the receiver.
        accepted: new events queued (duplicates not included).
        duplicates: deliveries dropped as already seen.
        refused: deliveries answered 4xx or 503.
        delivered: callbacks that returned.
        failed: callbacks that raised (replays included).
        queued: events waiting for a callback now.
        waiting: deliveries waiting for room in the full queue now (not yet answered).
        running: callbacks running now.
        undelivered: events handed back by :meth:`WebhookReceiver.close`.
        dedupe_errors: deliveries let through because the dedupe store raised.
    """

    received: int
    accepted: int
    duplicates: int
    refused: int
    delivered: int
    failed: int
    queued: int
    waiting: int
    running: int
    undelivered: int
    dedupe_errors: int


class WebhookReceiver:
    """An aiohttp.web handler for Tallyfy's webhooks (``webhooks.handler(...)`` builds one).

    A delivery is checked (organization header, size, JSON, shape, dates), deduplicated,
    queued and answered 200; a malformed one is answered 400, a wrong or missing
    organization 403, a body over the limit 413, a delivery after :meth:`close` 503.
    Callbacks run from the queue, at most ``concurrency`` at a time.

    Lifecycle: :meth:`install` adds the route and closes the receiver when the
    application is cleaned up (after the server stopped taking requests and the requests
    in flight finished); or use ``async with`` or :meth:`close`. Workers run only while
    there is work, so an idle receiver holds no task.

    Args:
        on_event: ``async def on_event(event)``, called once per new event
            (:class:`ProcessEvent`, :class:`TaskCompletedEvent` or :class:`OtherEvent`).
        org_id: the organization whose deliveries are accepted, or a collection of them.
        timezone: the organization's IANA time zone, or a mapping of organization id to
            time zone (see :func:`parse`).
        dedupe: where deliveries are remembered (default: a :class:`MemoryDedupeStore`;
            give several receivers one shared store).
        dedupe_ttl: how long a delivery is remembered, seconds (default a day).
        max_body_size: bodies over this many bytes are refused with 413 (default 4 MiB).
        queue_size: events waiting for a callback at most; past it deliveries wait.
        concurrency: callbacks running at once.
        max_failed: failed events kept at most (``None``: no limit); past it the oldest
            is dropped and logged at ERROR.
        max_rejected: unreadable deliveries kept, with their bodies.
        max_rejected_bytes: bytes of those bodies kept at most, all together (default
            16 MiB): past it the oldest are dropped, and a longer body is kept cut short.
        drain_timeout: how long :meth:`close` waits for the queue, seconds.

    Raises:
        ValueError, TypeError: for a bad argument (before anything is received).
    """

    def __init__(
        self,
        on_event: EventCallback,
        *,
        org_id: str | Collection[str],
        timezone: TimeZones = None,
        dedupe: DedupeStore | None = None,
        dedupe_ttl: float = WEBHOOK_DEDUPE_TTL,
        max_body_size: int = WEBHOOK_MAX_BODY_BYTES,
        queue_size: int = WEBHOOK_QUEUE_SIZE,
        concurrency: int = WEBHOOK_CONCURRENCY,
        max_failed: int | None = WEBHOOK_MAX_FAILED,
        max_rejected: int = WEBHOOK_MAX_REJECTED,
        max_rejected_bytes: int = WEBHOOK_MAX_REJECTED_BYTES,
        drain_timeout: float = WEBHOOK_DRAIN_TIMEOUT,
    ) -> None:
        if not _is_async(on_event):
            # A plain function would run, then fail on the await: every event would end
            # in failed, and a replay would run its side effects again.
            raise TypeError(
                f"on_event must be an async function (async def on_event(event): ...), got "
                f"{on_event!r:.60}; to use a plain function, call it from one"
            )
        for name, value, least in (
            ("max_body_size", max_body_size, 1),
            ("queue_size", queue_size, 1),
            ("concurrency", concurrency, 1),
            ("max_rejected_bytes", max_rejected_bytes, 0),
        ):
            if not isinstance(value, int) or isinstance(value, bool) or value < least:
                wanted = "a positive integer" if least == 1 else "an integer >= 0"
                raise ValueError(f"{name} must be {wanted}, got {value!r:.60}")
        if dedupe_ttl <= 0 or drain_timeout < 0:
            raise ValueError("dedupe_ttl must be positive and drain_timeout not negative")
        if dedupe is not None and not isinstance(dedupe, DedupeStore):
            raise TypeError("dedupe must have an async add(key, ttl) -> bool method")
        self.on_event = on_event
        _mark_coroutine_function(self)
        self.organizations = Organizations(org_id, timezone)
        self.dedupe: DedupeStore = dedupe if dedupe is not None else MemoryDedupeStore()
        self._memory_dedupe = self.dedupe if type(self.dedupe) is MemoryDedupeStore else None
        self.dedupe_ttl = float(dedupe_ttl)
        self.max_body_size = max_body_size
        self.queue_size = queue_size
        self.concurrency = concurrency
        self.max_failed = max_failed
        self.drain_timeout = drain_timeout
        #: Events whose callback raised, oldest first (see :meth:`replay`).
        self.failed: deque[FailedEvent] = deque()
        #: Unreadable deliveries from accepted organizations, with their bodies.
        self.rejected: deque[RejectedDelivery] = deque(maxlen=max_rejected)
        self.max_rejected_bytes = max_rejected_bytes
        #: Events not delivered when the receiver closed (also returned by :meth:`close`).
        self.undelivered: list[WebhookEvent] = []
        self._pending: deque[WebhookEvent] = deque()
        #: Deliveries waiting for room in the full queue, oldest first.
        self._room: deque[asyncio.Future[None]] = deque()
        #: Places promised to deliveries woken from ``_room`` that have not taken them yet.
        self._promised = 0
        #: Deliveries inside :meth:`_admit_when_room` (waiting, or woken and not yet back).
        self._waiting = 0
        self._workers: set[asyncio.Task[None]] = set()
        self._idle: asyncio.Event | None = None
        self._closing = False
        self._closed = False
        self._counts = dict.fromkeys(
            (
                "received",
                "accepted",
                "duplicates",
                "refused",
                "delivered",
                "failed",
                "dedupe_errors",
            ),
            0,
        )

    # ------------------------------------------------------------------ aiohttp

    async def __call__(self, request: web.Request) -> web.StreamResponse:
        """Handle one delivery (the aiohttp.web handler)."""
        counts = self._counts
        counts["received"] += 1
        if self._closed:
            counts["refused"] += 1
            log.error(
                "Tallyfy webhook refused with 503: the receiver is closed (Tallyfy will not "
                "send it again); close the receiver only after the server stopped"
            )
            return web.Response(status=503, text="receiver closed")
        try:
            org_id = self.organizations.check(request.headers)
        except WebhookOrganizationError as refused:
            return self._refuse(refused)
        body = b""
        try:
            body = await self._read(request)
            event = read_event(body, org_id, self.organizations.zone(org_id))
        except WebhookError as refused:
            if not isinstance(refused, WebhookOrganizationError | WebhookTooLargeError):
                self._keep_rejected(org_id, body, refused)
            response = self._refuse(refused)
            if request.content.exception() is not None:
                response.force_close()  # the body's stream broke: do not reuse the connection
            return response
        memory = self._memory_dedupe
        if memory is not None:  # the default store: nothing to await
            new = memory.add_now(event.dedupe_key, self.dedupe_ttl)
        else:
            try:
                new = await self._first_sight(event.dedupe_key)
            except asyncio.CancelledError:  # the server is stopping: keep the event
                self.undelivered.append(event)
                raise
        if not new:
            counts["duplicates"] += 1
            return web.Response(text="duplicate")
        counts["accepted"] += 1
        if not self._enqueue(event):
            await self._admit_when_room(event)
        return web.Response(text="accepted")

    def install(self, app: web.Application, path: str = "/hooks/tallyfy") -> None:
        """Route ``POST path`` to this receiver and close it when ``app`` is cleaned up.

        aiohttp cleans an application up after its server stopped accepting requests and
        the requests in flight finished: every event they queued is then drained (for up
        to ``drain_timeout`` seconds) or handed back in :attr:`undelivered`.
        """
        app.router.add_post(path, self)
        app.on_cleanup.append(self._on_cleanup)

    async def _on_cleanup(self, _: web.Application) -> None:
        await self.close()

    async def _read(self, request: web.Request) -> bytes:
        """The body, refused past ``max_body_size`` before more than that is read."""
        limit = self.max_body_size
        length = request.content_length
        if length is not None:
            check_size(length, limit)
        try:
            if length is not None and "Content-Encoding" not in request.headers:
                try:
                    return await request.content.readexactly(length)
                except asyncio.IncompleteReadError as short:
                    raise WebhookPayloadError(
                        f"webhook refused: the body ended after {len(short.partial)} of the "
                        f"{length} bytes announced"
                    ) from None
            # No length, or a compressed body (aiohttp inflates it): count while reading,
            # so a small body that inflates to gigabytes is stopped at the limit.
            chunks: list[bytes] = []
            size = 0
            while chunk := await request.content.read(_READ_CHUNK):
                size += len(chunk)
                check_size(size, limit)
                chunks.append(chunk)
            return b"".join(chunks)
        except web.RequestPayloadError:
            # A body that does not inflate as its Content-Encoding says, or a broken
            # chunked body: the sender's fault (400), not the receiver's (500). Marked
            # read to the end, or aiohttp reads it again after the answer and logs the
            # error as unhandled; the answer closes the connection (see __call__).
            request.content.feed_eof()
            raise WebhookPayloadError(
                "webhook refused: the body could not be read or decoded (Content-Encoding "
                f"{request.headers.get('Content-Encoding', 'none')!r:.40})"
            ) from None

    def _keep_rejected(self, org_id: str, body: bytes, refused: WebhookError) -> None:
        """Keep an unreadable delivery, within ``max_rejected_bytes`` of bodies in all:
        anyone who knows the organization id can send them."""
        budget = self.max_rejected_bytes
        rejected = self.rejected
        rejected.append(
            RejectedDelivery(
                org_id=org_id,
                body=body[:budget],
                size=len(body),
                truncated=len(body) > budget,
                error=refused,
                received_at=time.time(),
            )
        )
        # Summed each time rather than tracked: the application may empty the deque.
        kept = sum(len(r.body) for r in rejected)
        while kept > budget:
            kept -= len(rejected.popleft().body)

    def _refuse(self, refused: WebhookError) -> web.Response:
        self._counts["refused"] += 1
        # Cut short as well as the messages themselves: the log must never carry a body.
        log.warning("Tallyfy webhook refused with %d: %.500s", refused.status, refused)
        return web.Response(status=refused.status, text=refused.reason)

    async def _first_sight(self, key: str) -> bool:
        """Whether ``key`` is new in a store of the application's; a failing store lets
        the delivery through (a duplicate is better than a lost event)."""
        try:
            return bool(await self.dedupe.add(key, self.dedupe_ttl))
        except Exception:
            self._counts["dedupe_errors"] += 1
            log.warning("webhook dedupe store failed; delivering %s anyway", key, exc_info=True)
            return True

    # ------------------------------------------------------------------ the queue

    def _enqueue(self, event: WebhookEvent) -> bool:
        """Queue ``event`` if there is room (and nobody waits for it); False otherwise."""
        if self._closed:  # hand it back
            self.undelivered.append(event)
            return True
        if self._room or len(self._pending) + self._promised >= self.queue_size:
            return False
        self._push(event)
        return True

    def _push(self, event: WebhookEvent) -> None:
        """Queue ``event`` in its place, with a worker to take it: the workers running may
        all be about to leave (a place passed on by a cancelled delivery wakes the next
        one after the worker that freed it has gone)."""
        self._pending.append(event)
        idle = self._idle
        if idle is None:
            idle = self._idle = asyncio.Event()
        elif idle.is_set():
            idle.clear()
        if len(self._workers) < self.concurrency:
            self._workers.add(asyncio.get_running_loop().create_task(self._work()))

    async def _admit_when_room(self, event: WebhookEvent) -> None:
        """Wait (in arrival order) until the queue has room for ``event``; never drop it."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._room.append(waiter)
        self._waiting += 1
        try:
            await waiter
        except asyncio.CancelledError:
            # The request was cancelled (server shutdown) while waiting for room.
            if waiter in self._room:
                self._room.remove(waiter)
            elif not self._closed:
                self._promised -= 1
                self._make_room()  # pass the place on
            self.undelivered.append(event)
            raise
        finally:
            self._waiting -= 1
        if self._closed:  # woken by close(): hand it back
            self.undelivered.append(event)
            return
        self._promised -= 1
        self._push(event)

    def _make_room(self) -> None:
        """A place in the queue freed: promise it to the oldest waiting delivery."""
        room = self._room
        while room:
            waiter = room.popleft()
            if not waiter.done():
                self._promised += 1
                waiter.set_result(None)
                return

    async def _work(self) -> None:
        pending = self._pending
        try:
            while pending or await _one_more_look(pending):
                event = pending.popleft()
                if self._room:
                    self._make_room()
                try:
                    await self.on_event(event)
                except asyncio.CancelledError:
                    self.undelivered.append(event)
                    raise
                except Exception as exc:
                    self._failure(event, exc)
                else:
                    self._counts["delivered"] += 1
        finally:
            # Leave the worker set now, not in a done callback: a delivery queued after
            # this line must see one worker fewer and start another.
            current = asyncio.current_task()
            if current is not None:
                self._workers.discard(current)
            if not self._workers and not pending and self._idle is not None:
                self._idle.set()

    def _failure(self, event: WebhookEvent, exc: Exception) -> None:
        self._counts["failed"] += 1
        log.warning(
            "webhook callback raised on %s; the event is kept in receiver.failed",
            event.dedupe_key,
            exc_info=exc,
        )
        text = "".join(traceback.format_exception(exc))
        exc.__traceback__ = None
        self.failed.append(
            FailedEvent(event=event, error=exc, traceback=text, failed_at=time.time())
        )
        if self.max_failed is not None and len(self.failed) > self.max_failed:
            dropped = self.failed.popleft()
            log.error(
                "webhook: more than %d failed events kept; dropped the oldest (%s)",
                self.max_failed,
                dropped.event.dedupe_key,
            )

    # ------------------------------------------------------------------ for the application

    async def replay(self, events: Iterable[WebhookEvent]) -> int:
        """Queue ``events`` again (no duplicate check); returns how many.

        Raises:
            RuntimeError: when the receiver is closed.
        """
        self._check_open()
        count = 0
        for event in events:
            if not self._enqueue(event):
                await self._admit_when_room(event)
            count += 1
        return count

    async def replay_failed(self) -> int:
        """Queue every event of :attr:`failed` again, oldest first; returns how many.

        Each event leaves :attr:`failed` as it is queued: when the call is cancelled
        (while waiting for room in a full queue), the events not queued stay there.

        Raises:
            RuntimeError: when the receiver is closed (:attr:`failed` is left as it is).
        """
        self._check_open()
        count = 0
        for failure in list(self.failed):
            if not self._take_failed(failure):
                continue  # dropped past max_failed, or taken by the application meanwhile
            if not self._enqueue(failure.event):
                try:
                    await self._admit_when_room(failure.event)
                except asyncio.CancelledError:
                    # Cancelled, not closed: the event goes back to failed, not undelivered.
                    undelivered = self.undelivered
                    if not self._closed and undelivered and undelivered[-1] is failure.event:
                        undelivered.pop()
                        self.failed.appendleft(failure)
                    raise
            count += 1
        return count

    def _check_open(self) -> None:
        if self._closed or self._closing:
            raise RuntimeError("the webhook receiver is closed; replay into a new one")

    def _take_failed(self, failure: FailedEvent) -> bool:
        """Remove ``failure`` (this very one) from :attr:`failed`; False if it is gone."""
        failed = self.failed
        if failed and failed[0] is failure:  # the usual case: replayed oldest first
            failed.popleft()
            return True
        for index, kept in enumerate(failed):
            if kept is failure:
                del failed[index]
                return True
        return False

    @property
    def stats(self) -> ReceiverStats:
        """The counts so far."""
        queued = len(self._pending)
        return ReceiverStats(
            **self._counts,
            queued=queued,
            waiting=self._waiting,
            running=len(self._workers),
            undelivered=len(self.undelivered),
        )

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has finished."""
        return self._closed

    async def join(self) -> None:
        """Wait until every queued event has been through its callback."""
        while self._pending or self._workers or self._waiting:
            assert self._idle is not None
            await self._idle.wait()
            await asyncio.sleep(0)

    async def close(
        self, *, drain: bool = True, drain_timeout: float | None = None
    ) -> list[WebhookEvent]:
        """Stop: deliver what is queued (``drain``, up to ``drain_timeout`` seconds, by default
        the receiver's), then cancel the callbacks still running and hand back every
        event not delivered. Idempotent.

        Returns:
            The events not delivered (also kept in :attr:`undelivered`): queued ones, those
            whose callback was cancelled, those still waiting for room.
        """
        if self._closed:
            return list(self.undelivered)
        self._closing = True
        if drain:
            try:
                await asyncio.wait_for(
                    self.join(), self.drain_timeout if drain_timeout is None else drain_timeout
                )
            except TimeoutError:
                log.warning("webhook receiver: the queue did not drain in time")
        self._closed = True
        workers = list(self._workers)
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        self._workers.clear()  # a worker cancelled before it started never left the set
        while self._pending:
            self.undelivered.append(self._pending.popleft())
        for waiter in self._room:  # the deliveries waiting for room hand their events back
            if not waiter.done():
                waiter.set_result(None)
        self._room.clear()
        for _ in range(100):
            if not self._waiting:
                break
            await asyncio.sleep(0)
        if self.undelivered:
            log.error(
                "webhook receiver closed with %d event(s) not delivered: they are in "
                "receiver.undelivered (and returned by close())",
                len(self.undelivered),
            )
        return list(self.undelivered)

    async def __aenter__(self) -> WebhookReceiver:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def __del__(self) -> None:
        pending = getattr(self, "_pending", None)  # absent when __init__ refused its arguments
        if pending:
            # Acknowledged events die with the receiver: say so where it will be seen.
            log.error(
                "webhook receiver garbage-collected with %d queued event(s) never delivered "
                "(they are lost): install() it on the application, or close() it",
                len(pending),
            )
        if pending or getattr(self, "_workers", None):
            warnings.warn(
                f"webhook receiver garbage-collected with {len(pending or ())} queued "
                "event(s) and running callbacks: install() it or close() it",
                ResourceWarning,
                stacklevel=1,
            )

    def __repr__(self) -> str:
        s = self.stats
        return (
            f"<WebhookReceiver orgs={len(self.organizations.expected)} accepted={s.accepted} "
            f"duplicates={s.duplicates} delivered={s.delivered} failed={s.failed} "
            f"queued={s.queued}{' closed' if self._closed else ''}>"
        )


async def _one_more_look(pending: deque[WebhookEvent]) -> bool:
    """Whether work arrived after one turn of the event loop: under load the next delivery
    is usually parsed in that turn, and a worker kept costs less than a task started."""
    await asyncio.sleep(0)
    return bool(pending)


def _is_async(on_event: object) -> bool:
    """Whether calling ``on_event`` gives a coroutine: an ``async def`` function, a
    ``functools.partial`` of one, or an object with an ``async def __call__``."""
    if inspect.iscoroutinefunction(on_event):
        return True
    return callable(on_event) and inspect.iscoroutinefunction(type(on_event).__call__)


def _mark_coroutine_function(receiver: WebhookReceiver) -> None:
    """Let aiohttp route the receiver itself: it wraps (with a DeprecationWarning) any
    handler that is not a coroutine function, and an object with an async ``__call__``
    is not one unless marked."""
    if sys.version_info >= (3, 12):
        inspect.markcoroutinefunction(receiver)  # type: ignore[arg-type]
    else:  # what asyncio.iscoroutinefunction looks for before 3.12
        receiver._is_coroutine = asyncio.coroutines._is_coroutine  # type: ignore[attr-defined]


#: ``webhooks.handler(on_event, org_id=...)``: the name the SDK's design gives
#: :class:`WebhookReceiver`'s constructor.
handler = WebhookReceiver
