"""The case no store can recover: a process killed after presenting the refresh token and
before saving the rotated one. The rotated token is lost with it; what the fleet does next
depends on the credentials."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from tallyfy_async import AuthenticationError, PasswordGrant, RefreshToken, TallyfyClient, Token
from tallyfy_async.stores import RedisTokenStore
from tallyfy_async.testing import DemoOrg, FakeTallyfy
from tests.fleet._workers import Worker, first_refresh_token, worker_config, worker_store_key
from tests.redis_server import RedisServer


async def kill_mid_refresh(
    fake: FakeTallyfy, demo: DemoOrg, redis_server: RedisServer, **extra: Any
) -> str:
    """A worker presents the stored refresh token and dies before saving; returns it."""
    spent = await first_refresh_token(fake, demo)
    config = worker_config(
        fake,
        demo,
        spent,
        redis_url=redis_server.url,
        lock_timeout=1.0,
        refresh_margin=60.0,
        concurrency=1,
        die_on_save=True,
        **extra,
    )
    store = RedisTokenStore(redis_server.url)
    try:
        now = time.time()
        due = Token(
            access_token="due", expires_at=now - 1, obtained_at=now - 3600, refresh_token=spent
        )
        await store.save_versioned(worker_store_key(config), due, 0)
    finally:
        await store.aclose()
    worker = await Worker.start(config)
    try:
        assert await asyncio.wait_for(worker.process.wait(), 60) == 3
    finally:
        await worker.close()
    assert sum(fake.counters.refresh_presentations.values()) == 1
    return spent


async def test_with_a_refresh_token_only_the_fleet_is_told_to_authorize_again(
    fake: FakeTallyfy, demo: DemoOrg, redis_server: RedisServer
) -> None:
    spent = await kill_mid_refresh(fake, demo, redis_server)
    credentials = RefreshToken(
        client_id=demo.client_id, client_secret=demo.client_secret, refresh_token=spent
    )
    async with TallyfyClient(
        credentials,
        base_url=fake.base_url,
        token_url=fake.token_url,
        token_store=RedisTokenStore(redis_server.url, lock_timeout=1.0),
    ) as tallyfy:
        with pytest.raises(AuthenticationError) as raised:
            await tallyfy.request("GET", f"/organizations/{demo.org_id}/me")
    assert raised.value.hint is not None and "get a new refresh token" in raised.value.hint
    assert spent not in str(raised.value)
    # Only the dead worker's refresh was granted; the spent token was refused.
    assert fake.counters.grants_by_type == {"refresh_token": 1}
    assert fake.counters.refresh_reuses() == 1


async def test_with_a_password_grant_the_fleet_falls_back_to_a_fresh_grant(
    fake: FakeTallyfy, demo: DemoOrg, redis_server: RedisServer
) -> None:
    await kill_mid_refresh(
        fake, demo, redis_server, username=demo.admin_email, password=demo.admin_password
    )
    credentials = demo.credentials
    assert isinstance(credentials, PasswordGrant)
    async with TallyfyClient(
        credentials,
        base_url=fake.base_url,
        token_url=fake.token_url,
        token_store=RedisTokenStore(redis_server.url, lock_timeout=1.0),
    ) as tallyfy:
        await tallyfy.request("GET", f"/organizations/{demo.org_id}/me")
    # The dead worker's refresh was granted, then lost; the next one is a password grant.
    assert fake.counters.grants_by_type == {"refresh_token": 1, "password": 1}
