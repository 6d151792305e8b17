"""One rate budget per organization, shared by every process of a fleet through Redis.

See :class:`RedisRateBudget`; the algorithm (GCRA with reservations, a fleet-wide
``Retry-After`` hold, AIMD on 429s) is in :mod:`tallyfy_async.stores._gcra`.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import time
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from tallyfy_async import _constants as C
from tallyfy_async._retry import retry_after, until
from tallyfy_async.rate import AdaptiveGate
from tallyfy_async.stores import _gcra
from tallyfy_async.stores._redis import (
    CREDENTIALS_HINT,
    RedisConnection,
    credential_errors,
    read_only_errors,
    redis_errors,
)

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)

#: asyncio may wake a sleeper this early (its clock's resolution, and rounding to µs).
_CLOCK_SLACK = 1e-3


class RedisRateBudget:
    """A :class:`~tallyfy_async.rate.RateControl` whose rate is shared by a fleet in Redis.

    Every process of the fleet makes one with the same ``rate`` and Redis, and passes it to
    its client; together they send at most ``rate`` requests a second per organization
    (plus ``burst`` after a quiet spell)::

        from tallyfy_async.stores import RedisRateBudget

        budget = RedisRateBudget("redis://redis.internal:6379/0", rate=9.5)
        async with TallyfyClient(credentials, rate_control=budget):
            ...

    Every request of the client that names an organization goes through the budget
    (``client.me()`` and ``client.organizations()`` do not; ``adaptive_rate=False`` turns it
    off). The client closes the budget when it closes.

    How it works (details in :mod:`tallyfy_async.stores._gcra`):

    - **The shared budget**: GCRA, as redis-cell implements it, run atomically by a Lua script
      against the Redis server's clock. Each request reserves its slot and learns how long to
      wait: one round trip per request (a request more than 30 s back in the queue asks
      again when it nears the front; one whose slot comes after its deadline fails at once,
      unsent). A request that learns of a ``Retry-After`` hold while it sleeps towards a
      slot inside it asks again.
    - **429s**: each process keeps its own :class:`~tallyfy_async.rate.AdaptiveGate` (its
      allowance of requests in flight), and a 429 also reaches Redis: its ``Retry-After``
      holds the whole fleet, and the fleet's rate halves (growing back by a tenth of
      ``rate`` each second once the hold ends), so N processes learn the limit once.
    - **Redis unreachable** (down, restarting, a network split): the process paces itself
      with the same algorithm in memory at its share of the rate, ``rate / fleet_size``
      (by default the number of processes that took a slot of that organization in the
      last 10 s, as last seen in Redis), logs one WARNING, tries Redis again every second
      and says when it is back. No call fails for it. A Redis that comes back empty starts
      a fresh budget. A Redis that refuses the credentials (a wrong or missing password) is
      paced the same way, since no call fails for the budget, but logged as an ERROR: it
      needs fixing. So is a read-only replica (a URL naming a replica, or a server a
      failover made one).

    Args:
        redis: a URL (``redis://:password@host:6379/0``), or a ``redis.asyncio.Redis`` the
            application already has (a Sentinel's ``master_for(...)`` client too); only a
            client made from a URL is closed by :meth:`aclose`.
        rate: requests a second per organization for the whole fleet (Tallyfy allows 600 a
            minute per user by default: 10 a second, less a margin).
        burst: requests that may go at once after a quiet spell (1: none; over any ``t``
            seconds the fleet sends at most ``burst + rate * t``). A larger burst lets a quiet
            fleet start at once, and spends part of the server's window doing so.
        prefix: in front of every key (``<prefix>{<org_id>}`` and ``...:fleet``; the braces
            keep an organization's keys in one slot of a Redis Cluster).
        ceiling: the most requests in flight one process's :class:`AdaptiveGate` allows
            (the client's ``max_concurrency`` by default).
        fleet_size: processes sharing the budget, for their share while Redis is unreachable
            (None: as seen in Redis).
        decrease, recovery, floor: the AIMD of the shared rate: a 429 multiplies it by
            ``decrease``, it grows back by ``recovery * rate`` a second, and stays above
            ``floor * rate``.

    Raises:
        ImportError: redis-py is missing (``pip install "tallyfy-async[redis]"``).
        ValueError, TypeError: a setting out of range, or ``redis`` of the wrong kind.
    """

    def __init__(
        self,
        redis: str | Redis,
        *,
        rate: float,
        burst: int = 1,
        prefix: str = "tallyfy:rate:",
        ceiling: int = C.DEFAULT_MAX_CONCURRENCY,
        fleet_size: int | None = None,
        decrease: float = C.FLEET_RATE_DECREASE,
        recovery: float = C.FLEET_RATE_RECOVERY,
        floor: float = C.FLEET_RATE_FLOOR,
    ) -> None:
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not rate > 0:
            raise ValueError(f"rate must be a positive number of requests a second, got {rate!r}")
        if not math.isfinite(rate):
            raise ValueError(f"rate must be finite, got {rate!r}")
        if isinstance(burst, bool) or not isinstance(burst, int) or burst < 1:
            raise ValueError(f"burst must be a whole number >= 1, got {burst!r}")
        if isinstance(ceiling, bool) or not isinstance(ceiling, int) or ceiling < 1:
            raise ValueError(f"ceiling must be a whole number >= 1, got {ceiling!r}")
        if fleet_size is not None and (not isinstance(fleet_size, int) or fleet_size < 1):
            raise ValueError(f"fleet_size must be a whole number >= 1 or None, got {fleet_size!r}")
        if not 0 < decrease < 1 or not recovery > 0 or not 0 < floor <= 1:
            raise ValueError(
                "decrease must be between 0 and 1, recovery positive, floor in (0, 1]; got "
                f"decrease={decrease!r}, recovery={recovery!r}, floor={floor!r}"
            )
        self._redis = RedisConnection(redis, prefix=prefix, what="RedisRateBudget")
        self.params = _gcra.Params(
            float(rate), burst, float(decrease), float(recovery), float(floor)
        )
        self.ceiling = ceiling
        self.fleet_size = fleet_size
        self._script = self._redis.client.register_script(_gcra.SCRIPT)
        self._errors = redis_errors()
        self._credentials = credential_errors()
        self._read_only = read_only_errors()
        self._gates: dict[str, FleetGate] = {}
        #: This process in the fleet's sorted set of members.
        self._member = f"{os.getpid()}:{uuid.uuid4().hex[:8]}"
        #: Monotonic time Redis is tried again at; 0: it is believed up.
        self._down_until = 0.0
        self._outage_logged = False
        self._pending: set[asyncio.Task[None]] = set()
        self.closed = False

    # -- RateControl -------------------------------------------------------------------

    def gate(self, org_id: str) -> FleetGate:
        """The gate of ``org_id``, created on first use."""
        gate = self._gates.get(org_id)
        if gate is None:
            gate = self._gates[org_id] = FleetGate(self, org_id)
            # Until Redis says how many processes use this organization (not before the
            # outage ends, if it is down now), assume the largest fleet seen for any other.
            gate.members_seen = max((g.members_seen for g in self._gates.values()), default=1)
        return gate

    def allowances(self) -> dict[str, int]:
        """Each organization's allowance of requests in flight in this process."""
        return {org_id: gate.allowance for org_id, gate in self._gates.items()}

    @property
    def redis_down(self) -> bool:
        """Whether the last try found Redis unreachable (the local share is in use)."""
        return self._down_until > 0

    async def aclose(self) -> None:
        """Stop the reports of 429s still on their way, and close a client made from a URL."""
        self.closed = True
        pending = list(self._pending)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        await self._redis.aclose()

    def __repr__(self) -> str:
        p = self.params
        return f"<RedisRateBudget {p.rate:g}/s burst {p.burst} at {self._redis!r}>"

    # -- talking to Redis --------------------------------------------------------------

    def _keys(self, org_id: str) -> list[str]:
        base = self._redis.key("{", org_id, "}")
        return [base, base + ":fleet"]

    def _may_try(self) -> bool:
        """Whether to ask Redis: always while it answers; once it is down, one caller a
        second (the others keep to the local share meanwhile, rather than each waiting for
        a Redis that may not answer)."""
        if self._down_until == 0:
            return True
        clock = time.monotonic()
        if clock < self._down_until:
            return False
        self._down_until = clock + C.REDIS_RETRY_INTERVAL
        return True

    def _went_down(self, exc: BaseException, gate: FleetGate) -> None:
        self._down_until = time.monotonic() + C.REDIS_RETRY_INTERVAL
        if self._outage_logged:
            return
        self._outage_logged = True
        if isinstance(exc, self._credentials):
            # A misconfiguration rather than an outage, and a costly one: with no fleet seen
            # in Redis, each process of the fleet paces alone at the whole rate.
            log.error(
                "Redis %s refused the rate budget's credentials (%s: the password is wrong or "
                "missing); %s. Until then each organization's rate falls back to this "
                "process's share (%.4g/s for %s), and a fleet may send that much from each "
                "process",
                self._redis.where,
                type(exc).__name__,
                CREDENTIALS_HINT,
                self._share(gate).rate,
                gate.org_id,
            )
        elif isinstance(exc, self._read_only):
            # As costly, and waiting does not help: the client stays on the replica.
            log.error(
                "%s. Until then each organization's rate falls back to this process's share "
                "(%.4g/s for %s), and a fleet may send that much from each process",
                self._redis.read_only_message("sharing the rate budget"),
                self._share(gate).rate,
                gate.org_id,
            )
        else:
            log.warning(
                "Redis %s is unreachable (%s); each organization's rate falls back to this "
                "process's share (%.4g/s for %s) until it answers",
                self._redis.where,
                type(exc).__name__,
                self._share(gate).rate,
                gate.org_id,
            )

    def _came_back(self) -> None:
        if self._down_until:
            self._down_until = 0.0
            self._outage_logged = False
            log.info("Redis %s answers again; the fleet's rate budget is shared", self._redis.where)

    def _share(self, gate: FleetGate) -> _gcra.Params:
        """This process's part of ``gate``'s budget while Redis is unreachable."""
        fleet = max(1, self.fleet_size or gate.members_seen)
        p = self.params
        return attrs.evolve(p, rate=p.rate / fleet, burst=max(1, p.burst // fleet))

    async def _reserve(self, gate: FleetGate, max_wait: float) -> tuple[bool, float, int, float]:
        if self._may_try():
            # Each organization has its own fleet set: join each once a second (a timer
            # shared by all would join one arbitrary organization's set a second).
            member = ""
            clock = time.monotonic()
            if clock >= gate.member_due:
                member = self._member
                gate.member_due = clock + 1.0
            args = [
                *_gcra.script_args(self.params, "reserve"),
                repr(max_wait),
                member,
                repr(C.FLEET_MEMBER_WINDOW),
            ]
            try:
                reply: Any = await self._script(keys=self._keys(gate.org_id), args=args)
            except self._errors as exc:
                gate.member_due = 0.0
                self._went_down(exc, gate)
            else:
                self._came_back()
                reserved, wait, epoch, members, held = reply
                if int(members) > 0:
                    gate.members_seen = int(members)
                return bool(int(reserved)), float(wait), int(epoch), float(held)
        reserved, wait, epoch, held = _gcra.reserve(
            self._share(gate), gate.local_state, _gcra.now(), max_wait
        )
        return reserved, wait, -epoch - 1, held  # negative epoch: a slot of the local budget

    def _refused(self, gate: FleetGate, epoch: int, headers: Mapping[str, str] | None) -> float:
        """Hold and slow the fleet after a 429; returns the hold, seconds."""
        wait = retry_after(headers)
        if wait is None:
            wait = C.RATE_PAUSE_WITHOUT_RETRY_AFTER
        wait = min(wait, C.MAX_RATE_PAUSE)
        if self.closed:
            return wait
        if epoch < 0:  # the slot came from the local budget, Redis being away
            _gcra.refuse(self._share(gate), gate.local_state, _gcra.now(), wait, -epoch - 1)
            return wait
        task = asyncio.get_running_loop().create_task(self._report(gate, epoch, wait))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)
        return wait

    async def _report(self, gate: FleetGate, epoch: int, wait: float) -> None:
        """Hold and slow the fleet (in Redis; in memory while it is away)."""
        if self._may_try():
            args = [*_gcra.script_args(self.params, "refuse"), repr(wait), str(epoch)]
            try:
                lowered, rate, _ = await self._script(keys=self._keys(gate.org_id), args=args)
            except self._errors as exc:
                self._went_down(exc, gate)
            else:
                self._came_back()
                if int(lowered):
                    log.info(
                        "organization %s: 429 for the fleet, its rate is now %.4g/s, held %.2f s",
                        gate.org_id,
                        float(rate),
                        wait,
                    )
                return
        state = gate.local_state
        _gcra.refuse(self._share(gate), state, _gcra.now(), wait, state.epoch)


class FleetGate:
    """One organization's gate: this process's :class:`AdaptiveGate`, then a slot of the
    fleet's budget (see :class:`RedisRateBudget`)."""

    def __init__(self, budget: RedisRateBudget, org_id: str) -> None:
        self.org_id = org_id
        self._budget = budget
        self.local = AdaptiveGate(org_id, budget.ceiling)
        #: The budget in memory, used while Redis is unreachable.
        self.local_state = _gcra.State()
        #: Monotonic time this process next records itself in the organization's fleet set.
        self.member_due = 0.0
        #: Processes that took a slot of this organization lately, as last seen in Redis:
        #: this process's share of the rate while Redis is unreachable is ``rate`` over it.
        self.members_seen = 1
        #: Event loop time until which a 429's ``Retry-After`` holds the organization, as
        #: far as this process has learned (from Redis's replies and its own 429s).
        self.held_until = 0.0

    @property
    def allowance(self) -> int:
        """Requests this process may have in flight for the organization now."""
        return self.local.allowance

    @property
    def in_flight(self) -> int:
        """Requests this process has in flight for the organization now."""
        return self.local.in_flight

    async def acquire(self, deadline: float) -> tuple[int, int]:
        """A place in this process's allowance, then a slot of the fleet's rate.

        Raises:
            TimeoutError: no slot before ``deadline`` (event loop time; nothing was sent).
        """
        ticket = await self.local.acquire(deadline)
        try:
            async with until(deadline):
                epoch = await self._slot(deadline)
        except BaseException:
            self.local.release(ticket, None, None)
            raise
        return ticket, epoch

    async def _slot(self, deadline: float) -> int:
        loop = asyncio.get_running_loop()
        while True:
            max_wait = min(C.FLEET_RESERVE_AHEAD, max(0.0, deadline - loop.time()))
            reserved, wait, epoch, held = await self._budget._reserve(self, max_wait)
            answered = loop.time()
            self.held_until = max(self.held_until, answered + held)
            if not reserved:
                if wait > deadline - answered:
                    # The slot comes after the deadline: fail now, as the deadline would
                    # (asking again until then would only run the script in a loop).
                    raise TimeoutError
                # Far back in the queue: ask again when the slot is within reach.
                await asyncio.sleep(max(wait - C.FLEET_RESERVE_AHEAD, 0.001))
                continue
            if wait > 0:
                await asyncio.sleep(wait)
            # A hold learned meanwhile (a 429 of the fleet) covers this slot: ask again.
            if self.held_until <= loop.time() + _CLOCK_SLACK:
                return epoch

    def release(
        self, ticket: object, status: int | None, headers: Mapping[str, str] | None
    ) -> None:
        """Give the place back; a 429 also holds and slows the whole fleet."""
        assert isinstance(ticket, tuple)
        local_ticket, epoch = ticket
        self.local.release(local_ticket, status, headers)
        if status == 429:
            wait = self._budget._refused(self, epoch, headers)
            self.held_until = max(self.held_until, asyncio.get_running_loop().time() + wait)

    def __repr__(self) -> str:
        return f"<FleetGate {self.org_id}: {self.local!r}>"
