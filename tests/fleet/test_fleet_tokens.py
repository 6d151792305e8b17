"""The fleet: 8 worker processes share one organization's tokens through a real Redis.

Tokens live 4 s and are refreshed 1 s before expiry; every refresh token is single-use
(FakeTallyfy rotates them as Passport does, and revokes the access token issued with one
when it is spent). The workers use ``RefreshToken`` credentials, the least forgiving kind:
a refresh token presented twice is refused with no other grant to fall back to, so it
would surface as an AuthenticationError. Mid-run, one worker takes the refresh lock and is
killed while holding it, and Redis is restarted empty.
"""

from __future__ import annotations

import asyncio
import itertools
import json

import redis.asyncio as redis

from tallyfy_async.testing import FakeTallyfy
from tests.fleet._workers import (
    Worker,
    first_refresh_token,
    token_grant_times,
    worker_config,
    worker_store_key,
)
from tests.redis_server import RedisServer

WORKERS = 8
LIFETIME = 4
MARGIN = 1.0
LOCK_TIMEOUT = 5.0


async def test_eight_processes_share_one_token_through_a_kill_and_a_redis_restart(
    redis_server: RedisServer,
) -> None:
    async with FakeTallyfy(seed=15, token_lifetime=LIFETIME) as fake:
        demo = fake.seed_demo(processes=1, tasks_per_process=1)
        config = worker_config(
            fake,
            demo,
            await first_refresh_token(fake, demo),
            redis_url=redis_server.url,
            lock_timeout=LOCK_TIMEOUT,
            refresh_margin=MARGIN,
            concurrency=3,
        )
        loop = asyncio.get_running_loop()
        workers = [await Worker.start(config) for _ in range(WORKERS)]
        try:
            for worker in workers:
                await worker.expect("READY")
            started = loop.time()
            await asyncio.sleep(5)

            # A worker takes the refresh lock and dies holding it.
            stalled = workers.pop()
            stalled.send("stall")
            await stalled.expect("STALLED")
            await asyncio.sleep(1)
            stalled.kill()
            killed_at = loop.time()
            await stalled.close()
            await asyncio.sleep(6)

            # Redis goes away for 2 s and comes back empty.
            restarted_at = loop.time()
            await asyncio.to_thread(redis_server.restart, 2.0)
            await asyncio.sleep(8)
            counts = [await worker.finish() for worker in workers]
            ended = loop.time()
        finally:
            for worker in workers:
                await worker.close()

        # Every call of every surviving worker succeeded.
        assert all(set(c) == {"ok"} for c in counts), counts
        assert all(c["ok"] > 0 for c in counts)
        assert fake.server_errors == []
        # No refresh token was ever presented twice, and no other grant was needed.
        assert fake.counters.refresh_reuses() == 0
        assert set(fake.counters.grants_by_type) == {"refresh_token"}
        # One refresh per expiry, not one per worker: a token is refreshed only once it is
        # due (LIFETIME - MARGIN after it was issued), so two grants are never closer than
        # that; a slower machine only spreads them further apart.
        grants = token_grant_times(fake)
        gaps = [later - earlier for earlier, later in itertools.pairwise(grants)]
        assert min(gaps) > LIFETIME - MARGIN - 0.5, gaps
        assert len(grants) <= (ended - started) / (LIFETIME - MARGIN) + 2
        # The fleet carried on after the dead holder's lock expired, and after the restart.
        assert any(t > killed_at for t in grants)
        assert any(t > restarted_at + 2 for t in grants)

        # Nothing lost: Redis holds the newest token again, whose refresh token is unspent.
        client = redis.Redis.from_url(redis_server.url)
        try:
            stored = await client.hgetall(f"tallyfy:token:{worker_store_key(config)}")
        finally:
            await client.aclose()
        token = json.loads(stored[b"token"])
        assert fake.tokens.refresh[token["refresh_token"]].used is False
        assert fake.tokens.find(token["access_token"]) is not None
