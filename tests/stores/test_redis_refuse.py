"""Marking a refused token in Redis is best effort: one try, never a wait for Redis."""

from __future__ import annotations

import asyncio
import logging

import pytest

from tallyfy_async import TallyfyClient, TokenStoreError
from tallyfy_async.stores import RedisTokenStore
from tallyfy_async.testing import DemoOrg, FakeTallyfy
from tests.redis_server import RedisServer


async def test_a_401_during_an_outage_waits_for_redis_only_in_the_refresh(
    fake: FakeTallyfy,
    demo: DemoOrg,
    redis_server: RedisServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="tallyfy_async")
    org = demo.org_id
    store = RedisTokenStore(redis_server.url, unavailable_wait=0.5)
    async with TallyfyClient(
        demo.credentials, base_url=fake.base_url, token_url=fake.token_url, token_store=store
    ) as tallyfy:
        held = await tallyfy.tokens.token(org)
        await asyncio.to_thread(redis_server.stop)
        fake.revoke_token(held.access_token)
        with pytest.raises(TokenStoreError, match="taking the refresh lock"):
            await tallyfy.org(org).me()
    messages = [r.getMessage() for r in caplog.records]
    marking = [m for m in messages if "marking a token refused" in m]
    assert len(marking) == 1 and marking[0].startswith("could not mark a refused token")
    assert any("while taking the refresh lock" in m and "retrying" in m for m in messages)
