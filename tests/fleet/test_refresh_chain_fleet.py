"""A fleet whose processes serve different organizations with one RefreshToken, through a
real Redis: they refresh one chain between them and never present a spent refresh token."""

from __future__ import annotations

import asyncio

from tallyfy_async.testing import FakeTallyfy
from tests.fleet._workers import Worker, first_refresh_token, worker_config
from tests.redis_server import RedisServer

LIFETIME = 3


async def test_processes_of_two_organizations_refresh_one_chain(
    redis_server: RedisServer,
) -> None:
    async with FakeTallyfy(seed=16, token_lifetime=LIFETIME) as fake:
        demo = fake.seed_demo(processes=1, tasks_per_process=1)
        other = fake.add_organization("Second")
        fake.add_member(other, email=demo.admin_email, password=demo.admin_password, role="admin")
        config = worker_config(
            fake,
            demo,
            await first_refresh_token(fake, demo),
            redis_url=redis_server.url,
            lock_timeout=5.0,
            refresh_margin=1.0,
            concurrency=3,
        )
        workers = []
        try:
            for org_id in (demo.org_id, other, demo.org_id, other):
                workers.append(await Worker.start({**config, "org_id": org_id}))
            for worker in workers:
                await worker.expect("READY")
            await asyncio.sleep(3 * LIFETIME)  # a few refreshes
            counts = [await worker.finish() for worker in workers]
        finally:
            for worker in workers:
                await worker.close()
    assert all(set(c) == {"ok"} and c["ok"] > 0 for c in counts), counts
    assert fake.counters.refresh_reuses() == 0
    assert set(fake.counters.grants_by_type) == {"refresh_token"}
    assert fake.counters.grants_by_type["refresh_token"] >= 3
