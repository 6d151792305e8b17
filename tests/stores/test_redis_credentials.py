"""A Redis that refuses the stores' credentials: a misconfiguration, never waited out as an
outage, and never shown with the password."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as redis

from tallyfy_async import PersonalAccessToken, TallyfyClient, Token, TokenStoreError
from tallyfy_async.stores import RedisRateBudget, RedisTokenStore
from tallyfy_async.testing import DemoOrg, FakeTallyfy
from tests.redis_server import RedisServer

PASSWORD = "right-pw"


@pytest.fixture
async def guarded(redis_server: RedisServer) -> AsyncIterator[RedisServer]:
    """The server, asking for a password from now on."""
    admin = redis.Redis.from_url(redis_server.url)
    try:
        await admin.config_set("requirepass", PASSWORD)
    finally:
        await admin.aclose()
    yield redis_server


def wrong_urls(server: RedisServer) -> list[str]:
    return [
        f"redis://:hunter2@127.0.0.1:{server.port}/0",  # a wrong password
        server.url,  # none at all
    ]


def token() -> Token:
    now = time.time()
    return Token(access_token="access-x", expires_at=now + 3600, obtained_at=now)


@pytest.mark.parametrize("which", [0, 1], ids=["wrong-password", "no-password"])
async def test_the_token_store_fails_at_once_saying_how_to_fix_the_password(
    guarded: RedisServer, which: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="tallyfy_async.stores")
    # An outage would be retried for the whole minute; refused credentials are not retried.
    store = RedisTokenStore(wrong_urls(guarded)[which], unavailable_wait=60)
    try:
        for attempt in (
            lambda: store.load("org"),
            lambda: store.save("org", token()),
            lambda: store.refuse("org", token()),
        ):
            with pytest.raises(TokenStoreError, match="refused the store's credentials") as raised:
                await attempt()
            assert "percent-encoded" in str(raised.value)
            assert "hunter2" not in str(raised.value)
        with pytest.raises(TokenStoreError, match="while taking the refresh lock"):
            async with store.lock("org"):
                pass
        assert not [r for r in caplog.records if "unreachable" in r.getMessage()]
    finally:
        await store.aclose()


async def test_a_client_whose_token_store_is_refused_fails_its_call_at_once(
    fake: FakeTallyfy, demo: DemoOrg, guarded: RedisServer
) -> None:
    store = RedisTokenStore(wrong_urls(guarded)[0], unavailable_wait=60)
    async with TallyfyClient(
        demo.credentials, base_url=fake.base_url, token_url=fake.token_url, token_store=store
    ) as client:
        with pytest.raises(TokenStoreError, match="refused the store's credentials") as raised:
            await client.org(demo.org_id).tasks.get(demo.oneoff_task_ids[0])
    assert "hunter2" not in str(raised.value)


async def test_the_rate_budget_logs_refused_credentials_as_an_error(
    fake: FakeTallyfy, demo: DemoOrg, guarded: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="tallyfy_async.stores")
    budget = RedisRateBudget(wrong_urls(guarded)[0], rate=100)
    token_ = fake.add_personal_access_token(demo.admin_id)
    async with TallyfyClient(
        PersonalAccessToken(token_), base_url=fake.base_url, rate_control=budget
    ) as client:
        # No call fails for the budget: it paces alone, and says why loudly.
        await client.org(demo.org_id).tasks.get(demo.oneoff_task_ids[0])
        assert budget.redis_down
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    message = errors[0].getMessage()
    assert "refused the rate budget's credentials" in message and "percent-encoded" in message
    assert "hunter2" not in message
    assert not [r for r in caplog.records if "unreachable" in r.getMessage()]
