"""Worker processes sharing one RedisRateBudget, over real HTTP against FakeTallyfy.

Each worker is a process of its own (``tests/fleet/rate_worker.py``); they share one access
token, so the fake counts the fleet as one user, and one Redis. No time is asserted: the
bounds are upper bounds that hold however slow the machine is (a slow machine only
stretches the window they are taken over).
"""

from __future__ import annotations

import asyncio
from typing import Any

import redis.asyncio as redis

from tallyfy_async.testing import DemoOrg, FakeTallyfy
from tests.fleet.rate_worker import run_fleet
from tests.redis_server import RedisServer


def fleet(
    fake: FakeTallyfy, demo: DemoOrg, redis_server: RedisServer, workers: int, **settings: Any
) -> list[dict[str, Any]]:
    one = {
        "base_url": fake.base_url,
        "token": fake.add_personal_access_token(demo.admin_id),
        "org_id": demo.org_id,
        "task_id": demo.oneoff_task_ids[0],
        "redis_url": redis_server.url,
        "prefix": "fleet:",
        **settings,
    }
    return [one] * workers


def task_reads(fake: FakeTallyfy, demo: DemoOrg) -> list[int | None]:
    """The status of every read of the task the workers read, in arrival order."""
    path = f"/organizations/{demo.org_id}/tasks/{demo.oneoff_task_ids[0]}"
    return [entry.status for entry in fake.log if entry.path.endswith(path)]


def succeeded(results: list[dict[str, Any]], calls: int) -> None:
    for result in results:
        assert result["failed"] == []
        assert result["ok"] == calls
        assert result["budget_closed"]  # the client closed it


async def test_a_fleet_stays_within_its_shared_rate(
    fake: FakeTallyfy, demo: DemoOrg, redis_server: RedisServer
) -> None:
    rate, burst, calls = 40.0, 4, 40
    settings = fleet(fake, demo, redis_server, 4, rate=rate, burst=burst, calls=calls)

    results, started, ended = await run_fleet(settings)

    succeeded(results, calls)
    reads = task_reads(fake, demo)
    assert reads.count(200) == len(reads) == 4 * calls
    # GCRA: in any span of t seconds at most burst + rate * t slots, and every slot of this
    # run lies between the start line and the last worker's end.
    assert len(reads) <= burst + rate * (ended - started)
    client = redis.Redis.from_url(redis_server.url)
    try:
        assert await client.zcard(f"fleet:{{{demo.org_id}}}:fleet") == 4  # all took part
    finally:
        await client.aclose()
    assert all(result["warnings"] == [] for result in results)


async def test_429s_hold_and_slow_the_whole_fleet(
    fake: FakeTallyfy, demo: DemoOrg, redis_server: RedisServer
) -> None:
    # The budget is four times what the server allows: the fleet must learn the limit.
    fake.set_rate_limit(requests=10, per_seconds=1.0, whole_seconds=False)
    calls = 15
    settings = fleet(fake, demo, redis_server, 4, rate=40.0, burst=4, calls=calls)

    results, _, _ = await run_fleet(settings)

    succeeded(results, calls)
    reads = task_reads(fake, demo)
    assert reads.count(200) == 4 * calls
    refused = reads.count(429)
    assert refused >= 1
    # Without a shared hold each process would learn alone; the whole fleet's 429s stay a
    # modest share of its requests.
    assert refused <= 0.35 * len(reads), (refused, len(reads))
    assert sum(result["rate_limited"] for result in results) == refused
    client = redis.Redis.from_url(redis_server.url)
    try:
        state = await client.hgetall(f"fleet:{{{demo.org_id}}}")
    finally:
        await client.aclose()
    assert int(state[b"epoch"]) >= 1  # the shared rate was lowered
    assert float(state[b"low"]) < 40.0


async def test_a_redis_outage_of_a_few_seconds_fails_no_call(
    fake: FakeTallyfy, demo: DemoOrg, redis_server: RedisServer
) -> None:
    rate, burst, calls, workers = 40.0, 4, 60, 4
    settings = fleet(fake, demo, redis_server, workers, rate=rate, burst=burst, calls=calls)

    async def outage() -> None:
        for _ in range(3000):  # until the fleet is well under way (a bounded wait)
            if len(task_reads(fake, demo)) >= 100:
                break
            await asyncio.sleep(0.01)
        await asyncio.to_thread(redis_server.stop)
        await asyncio.sleep(2.0)
        await asyncio.to_thread(redis_server.start)  # empty, on the same port

    results, started, ended = await run_fleet(settings, during=outage())

    succeeded(results, calls)
    reads = task_reads(fake, demo)
    assert reads.count(200) == len(reads) == workers * calls
    for result in results:  # each worker noticed once, and said so once
        assert len(result["warnings"]) == 1, result["warnings"]
        assert "unreachable" in result["warnings"][0]
        assert redis_server.url.split("//")[1] in result["warnings"][0]
    # Meanwhile each paced itself at a quarter of the rate (four took part lately). The
    # bound allows a burst before, during (one per worker) and after (Redis came back
    # empty), and the second a worker may still pace alone after Redis is back.
    assert len(reads) <= 3 * burst + workers + rate * (ended - started + 1.0)
