"""RedisRateBudget's share while Redis is unreachable: the fleet it counts, the clock it uses.

Several budgets in one process stand in for the processes of a fleet (each has its own
member id in Redis), against a real ``redis-server``.
"""

from __future__ import annotations

import asyncio
import logging
import time

import pytest
import redis.asyncio as redis

from tallyfy_async.stores import RedisRateBudget
from tests.redis_server import RedisServer

ORGS = [f"org{n:02d}" for n in range(20)]


async def take_a_slot_of_each(budgets: list[RedisRateBudget]) -> None:
    for budget in budgets:
        for org in ORGS:
            gate = budget.gate(org)
            ticket = await gate.acquire(float("inf"))
            gate.release(ticket, 200, {})


async def test_each_process_counts_the_fleet_of_every_organization_and_takes_its_share(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="tallyfy_async.stores")
    budgets = [RedisRateBudget(redis_server.url, rate=20) for _ in range(4)]
    admin = redis.Redis.from_url(redis_server.url)
    try:
        await take_a_slot_of_each(budgets)  # the first budgets joined before the last ones
        await asyncio.sleep(1.05)  # a process joins an organization's fleet once a second
        await admin.config_resetstat()
        await take_a_slot_of_each(budgets)
        stats = await admin.info("commandstats")
        # Joining each organization's fleet costs no round trip of its own.
        scripts = sum(
            stats.get(f"cmdstat_{name}", {}).get("calls", 0) for name in ("eval", "evalsha")
        )
        assert scripts == len(budgets) * len(ORGS)
        for org in ORGS:
            assert await admin.zcard(f"tallyfy:rate:{{{org}}}:fleet") == 4, org
        await asyncio.to_thread(redis_server.stop)
        for budget in budgets:
            for org in [*ORGS, "first-used-in-the-outage"]:
                gate = budget.gate(org)
                ticket = await gate.acquire(float("inf"))
                gate.release(ticket, 200, {})
                assert budget.redis_down
                assert budget._share(gate).rate == 5.0, (budget, org)
    finally:
        await admin.aclose()
        for budget in budgets:
            await budget.aclose()
    warnings = [r.getMessage() for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(warnings) == 4 and all("(5/s for org00)" in w for w in warnings), warnings


async def test_a_wall_clock_stepped_back_during_an_outage_fails_no_call(
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    await asyncio.to_thread(redis_server.stop)  # nothing listens on its port now
    budget = RedisRateBudget(redis_server.url, rate=10, fleet_size=1)
    gate = budget.gate("org1")
    loop = asyncio.get_running_loop()
    try:
        for _ in range(3):
            ticket = await gate.acquire(loop.time() + 5)
            gate.release(ticket, 200, {})
        assert budget.redis_down
        wall = time.time
        monkeypatch.setattr(time, "time", lambda: wall() - 3600)  # an NTP step, a VM restore
        for _ in range(3):
            ticket = await gate.acquire(loop.time() + 60)
            gate.release(ticket, 200, {})
    finally:
        await budget.aclose()
