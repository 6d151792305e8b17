"""The adaptive rate: each organization's allowance of requests in flight.

Tallyfy throttles each user in a fixed window (Laravel's throttle middleware: every answer
carries ``X-RateLimit-Limit`` and ``X-RateLimit-Remaining``; once the window is spent it
answers 429 with ``Retry-After`` until the window ends). A job that sends as fast as it can
spends a window in a burst and then meets a 429 on every request until it resets. An
organization's :class:`AdaptiveGate` keeps that from happening:

- **AIMD.** A 429 halves the organization's allowance of requests in flight (never below
  one); every allowance's worth of answers that were not 429 adds one back, up to the
  ceiling (additive increase, multiplicative decrease). The requests already on the wire
  when a 429 arrives were sent under the old allowance: their 429s do not halve it again.
- **Retry-After.** A 429 holds every request of the organization until then, not only the
  one that was refused (without the header: one second, doubling while 429s follow), for a
  minute at most: then one request asks again (a date is read by the server's ``Date``).
- **X-RateLimit-Remaining.** What the window still allows, minus what was sent since: when
  nothing is left, new requests wait for those in flight; with none in flight one request
  goes ahead alone and learns whether the window reset (an answer) or how long until it
  does (a 429 and its ``Retry-After``). A spent window therefore costs one 429, not one per
  request.

The gates sit in front of the client's own first-in-first-out limit (``max_concurrency``),
so two jobs on one client share one organization's allowance. They act on requests made
inside a bulk job (:func:`tallyfy_async.bulk.run`), or on every request with
``TallyfyClient(adaptive_rate=True)`` or a ``rate_control`` passed to the client;
``adaptive_rate=False`` turns them off.

:class:`RateControl` is the small protocol the transport talks to: a limiter shared by a
fleet of workers (a budget kept in Redis, say) implements it and is passed as
``TallyfyClient(rate_control=...)``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Mapping
from typing import Protocol, runtime_checkable

from tallyfy_async import _constants as C
from tallyfy_async._retry import retry_after, until

log = logging.getLogger(__name__)


@runtime_checkable
class OrgGate(Protocol):
    """One organization's allowance, as the transport uses it (one per organization)."""

    @property
    def allowance(self) -> int:
        """Requests this organization may have in flight now."""

    @property
    def in_flight(self) -> int:
        """Requests this organization has in flight now."""

    async def acquire(self, deadline: float) -> object:
        """Wait for a place, first in first out; return a ticket for :meth:`release`.

        Raises:
            TimeoutError: no place before ``deadline`` (event loop time, ``inf`` for none;
                nothing was sent).
        """

    def release(
        self, ticket: object, status: int | None, headers: Mapping[str, str] | None
    ) -> None:
        """Give the place back with what the request met.

        Args:
            ticket: what :meth:`acquire` returned.
            status: the answer's status; None when no answer arrived.
            headers: the answer's headers (``Retry-After``, ``X-RateLimit-Remaining``).
        """


@runtime_checkable
class RateControl(Protocol):
    """Hands out the gate of each organization (the transport's only view of the rate)."""

    def gate(self, org_id: str) -> OrgGate:
        """The gate of ``org_id`` (the same object every time)."""


class AdaptiveRate:
    """The default :class:`RateControl`: an :class:`AdaptiveGate` per organization, in memory.

    Args:
        ceiling: the most requests in flight an organization is ever allowed (the client
            passes its ``max_concurrency``).
        initial: the allowance an organization starts with (``ceiling`` by default).
    """

    def __init__(self, ceiling: int = C.DEFAULT_MAX_CONCURRENCY, initial: int | None = None):
        if ceiling < 1:
            raise ValueError(f"ceiling must be >= 1, got {ceiling!r}")
        if initial is not None and not 1 <= initial <= ceiling:
            raise ValueError(f"initial must be between 1 and ceiling ({ceiling}), got {initial!r}")
        self.ceiling = ceiling
        self.initial = ceiling if initial is None else initial
        self._gates: dict[str, AdaptiveGate] = {}

    def gate(self, org_id: str) -> AdaptiveGate:
        """The gate of ``org_id``, created on first use."""
        gate = self._gates.get(org_id)
        if gate is None:
            gate = self._gates[org_id] = AdaptiveGate(org_id, self.ceiling, self.initial)
        return gate

    def allowances(self) -> dict[str, int]:
        """Each organization's allowance now, for logs and dashboards."""
        return {org_id: gate.allowance for org_id, gate in self._gates.items()}

    def __repr__(self) -> str:
        return f"<AdaptiveRate ceiling={self.ceiling} {self.allowances()}>"


class AdaptiveGate:
    """One organization's allowance of requests in flight (see the module docstring).

    Attributes:
        org_id: the organization.
        ceiling: the largest allowance.
        requests: answers (and failed attempts) seen so far.
        rate_limited: 429s seen so far.
    """

    def __init__(self, org_id: str, ceiling: int, initial: int | None = None) -> None:
        self.org_id = org_id
        self.ceiling = ceiling
        self._allowance = ceiling if initial is None else initial
        #: Answers since the allowance last changed: at ``allowance`` of them it grows by one.
        self._credit = 0
        self._in_flight = 0
        self._waiters: deque[asyncio.Future[int]] = deque()
        #: No request starts before this (loop time), set by Retry-After.
        self._resume_at = 0.0
        self._timer: asyncio.Handle | None = None
        #: When the timer fires (uvloop hands out a plain Handle, without ``when()``, for
        #: a time that has come).
        self._timer_at = 0.0
        #: Requests the server's window still allows, less those sent since; None: unknown.
        self._budget: int | None = None
        #: Ticket of the answer the budget was read from (older answers are stale).
        self._budget_ticket = 0
        #: Tickets issued (the sequence number of the last request let through).
        self._sent = 0
        #: 429s of requests sent up to this ticket do not halve the allowance again.
        self._halved_upto = 0
        self._refusals_in_a_row = 0
        self.requests = 0
        self.rate_limited = 0

    def __repr__(self) -> str:
        return (
            f"<AdaptiveGate {self.org_id}: allowance {self.allowance}/{self.ceiling}, "
            f"{self._in_flight} in flight, {len(self._waiters)} waiting>"
        )

    @property
    def allowance(self) -> int:
        """Requests the organization may have in flight now."""
        return self._allowance

    @property
    def in_flight(self) -> int:
        """Requests in flight now."""
        return self._in_flight

    @property
    def waiting(self) -> int:
        """Requests waiting for a place."""
        return len(self._waiters)

    def _may_start(self, now: float) -> bool:
        if self._in_flight >= self._allowance or now < self._resume_at:
            return False
        budget = self._budget
        # A spent window: one request alone finds out whether it has reset.
        return budget is None or budget > 0 or self._in_flight == 0

    def _start(self) -> int:
        self._in_flight += 1
        self._sent += 1
        if self._budget is not None:
            self._budget -= 1
        return self._sent

    async def acquire(self, deadline: float) -> int:
        """Wait for a place, first in first out; return the request's ticket.

        Raises:
            TimeoutError: no place before ``deadline`` (event loop time).
        """
        loop = asyncio.get_running_loop()
        if not self._waiters and self._may_start(loop.time()):
            return self._start()
        waiter: asyncio.Future[int] = loop.create_future()
        self._waiters.append(waiter)
        try:
            self._wake()  # a pause may have ended since the check above; else arms its timer
            async with until(deadline):
                return await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                # A place was handed over as this caller left: give it back.
                self._in_flight -= 1
                if self._budget is not None:
                    self._budget += 1
                self._wake()
            else:
                waiter.cancel()
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)
            raise

    def release(
        self, ticket: object, status: int | None, headers: Mapping[str, str] | None
    ) -> None:
        """Give a place back and learn from the answer (see the module docstring)."""
        assert isinstance(ticket, int)
        self._in_flight -= 1
        self.requests += 1
        if status == 429:
            self._refused(ticket, headers)
        elif status is not None:
            self._answered(ticket, status, headers)
        self._wake()

    def _refused(self, ticket: int, headers: Mapping[str, str] | None) -> None:
        self.rate_limited += 1
        self._refusals_in_a_row += 1
        loop = asyncio.get_running_loop()
        wait = retry_after(headers)
        if wait is None:
            wait = C.RATE_PAUSE_WITHOUT_RETRY_AFTER * 2 ** (self._refusals_in_a_row - 1)
        # A longer hold (a quota's day) would stop every call of the organization for as
        # long; after the cap one request asks again, as the fleet's budget does.
        wait = min(wait, C.MAX_RATE_PAUSE)
        self._resume_at = max(self._resume_at, loop.time() + wait)
        # When the pause ends, one request goes first: its answer says whether the window
        # did reset, and how much it allows, before the others follow.
        self._budget = 0
        self._budget_ticket = self._sent
        if ticket > self._halved_upto:
            before = self._allowance
            self._allowance = max(1, self._allowance // 2)
            self._credit = 0
            self._halved_upto = self._sent
            log.info(
                "organization %s: 429, allowance %d -> %d, pausing %.2f s",
                self.org_id,
                before,
                self.allowance,
                wait,
            )

    def _answered(self, ticket: int, status: int, headers: Mapping[str, str] | None) -> None:
        self._refusals_in_a_row = 0
        if status < 500 and self._allowance < self.ceiling:
            self._credit += 1
            if self._credit >= self._allowance:
                self._allowance += 1
                self._credit = 0
        if ticket <= self._budget_ticket:
            return  # sent before the answer the budget was read from: stale
        self._budget_ticket = ticket
        try:
            left = int(headers["X-RateLimit-Remaining"]) if headers is not None else None
        except (KeyError, ValueError):
            left = None
        # What the window allowed when the server counted this request, less what may have
        # been counted since: every request let through after it, and (the server need not
        # count in the order requests were sent) every one still in flight. Erring low costs
        # one request alone near the window's end, which reads the exact figure.
        # Without the header the window is unknown and only the allowance applies.
        if left is None:
            self._budget = None
        else:
            self._budget = left - (self._sent - ticket) - self._in_flight

    def _wake(self) -> None:
        waiters = self._waiters
        if not waiters:
            return
        loop = asyncio.get_running_loop()
        now = loop.time()
        while waiters and self._may_start(now):
            waiter = waiters.popleft()
            if not waiter.done():
                waiter.set_result(self._start())
        self._arm(loop, now)

    def _arm(self, loop: asyncio.AbstractEventLoop, now: float) -> None:
        """Wake the waiters when a pause ends (nothing else would).

        ``now`` is the time the waiters were last tried at: a pause that ended after it
        still gets its timer, which then fires at once.
        """
        if not self._waiters or self._resume_at <= now:
            return
        timer = self._timer
        if timer is not None:
            if self._timer_at >= self._resume_at:
                return
            timer.cancel()
        self._timer_at = self._resume_at
        self._timer = loop.call_at(self._resume_at, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        self._wake()


__all__ = ["AdaptiveGate", "AdaptiveRate", "OrgGate", "RateControl"]
