"""A Redis that is a read-only replica (a URL naming one, or a primary a failover demoted):
a misconfiguration each store reports as such, saying to use the primary, never waited out
as an outage."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as redis
from redis.exceptions import ReadOnlyError

from tallyfy_async import PersonalAccessToken, TallyfyClient, Token, TokenStoreError, webhooks
from tallyfy_async.auth import StoredToken
from tallyfy_async.stores import RedisDedupeStore, RedisRateBudget, RedisTokenStore
from tallyfy_async.testing import DemoOrg, FakeTallyfy
from tests.redis_server import RedisServer, free_port
from tests.webhooks.support import EXAMPLE_ORG, served
from tests.webhooks.test_receiver import Recorder, task_payload

READ_ONLY = "is a read-only replica"
FIX = "point the store at the primary"


async def demote(server: RedisServer) -> None:
    """Make ``server`` a replica of a primary that does not answer (as a failover leaves an
    old primary): it keeps its data and serves reads, and refuses every write."""
    admin = redis.Redis.from_url(server.url)
    try:
        await admin.execute_command("REPLICAOF", "127.0.0.1", str(free_port()))
        with pytest.raises(ReadOnlyError):
            await admin.set("probe", b"1")
    finally:
        await admin.aclose()


@pytest.fixture
async def replica(redis_server: RedisServer) -> AsyncIterator[RedisServer]:
    """The server, demoted to a read-only replica."""
    await demote(redis_server)
    yield redis_server


def token() -> Token:
    now = time.time()
    return Token(access_token="access-x", expires_at=now + 3600, obtained_at=now)


async def test_the_token_store_fails_at_once_saying_to_use_the_primary(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="tallyfy_async.stores")
    # An outage would be retried for the whole minute; a read-only replica is not retried.
    store = RedisTokenStore(redis_server.url, unavailable_wait=60)
    replica = redis_server
    saved = token()
    try:
        await store.save("org", saved)  # before the failover: refuse() has a token to mark
        await demote(replica)
        assert await store.load("org") == saved  # reads still work on a replica
        for what, attempt in (
            ("saving a token", lambda: store.save("org", token())),
            ("saving a token", lambda: store.save_versioned("org", token(), 1)),
            ("restoring a token", lambda: store.restore("org", StoredToken(token(), 3))),
            ("marking a token refused", lambda: store.refuse("org", saved)),
        ):
            with pytest.raises(TokenStoreError, match=f"while {what}: it {READ_ONLY}") as raised:
                await attempt()
            assert FIX in str(raised.value)
            assert f"127.0.0.1:{replica.port}" in str(raised.value)
            assert raised.value.__cause__ is None and raised.value.__suppress_context__
        with pytest.raises(TokenStoreError, match=f"taking the refresh lock: it {READ_ONLY}"):
            async with store.lock("org"):
                pass
        assert not [r for r in caplog.records if "unreachable" in r.getMessage()]
    finally:
        await store.aclose()


async def test_a_client_whose_token_store_is_a_replica_fails_its_call_at_once(
    fake: FakeTallyfy, demo: DemoOrg, replica: RedisServer
) -> None:
    store = RedisTokenStore(replica.url, unavailable_wait=60)
    async with TallyfyClient(
        demo.credentials, base_url=fake.base_url, token_url=fake.token_url, token_store=store
    ) as client:
        with pytest.raises(TokenStoreError, match=READ_ONLY) as raised:
            await client.org(demo.org_id).tasks.get(demo.oneoff_task_ids[0])
    assert FIX in str(raised.value)


async def test_the_rate_budget_logs_a_replica_as_an_error(
    fake: FakeTallyfy, demo: DemoOrg, replica: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="tallyfy_async.stores")
    budget = RedisRateBudget(replica.url, rate=100)
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
    assert READ_ONLY in message and FIX in message and "this process's share" in message
    assert not [r for r in caplog.records if "unreachable" in r.getMessage()]


async def test_the_dedupe_store_says_it_is_a_replica_and_the_delivery_goes_through(
    replica: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="tallyfy_async.webhooks")
    store = RedisDedupeStore(replica.url)
    recorder = Recorder()
    try:
        with pytest.raises(ReadOnlyError, match=READ_ONLY) as raised:
            await store.add("event-1", 30.0)
        assert FIX in str(raised.value)
        async with served(webhooks.handler(recorder, org_id=EXAMPLE_ORG, dedupe=store)) as hook:
            assert await hook.post(task_payload(1)) == (200, "accepted")
            await hook.receiver.join()
    finally:
        await store.aclose()
    assert len(recorder.events) == 1  # handled, not lost
    assert hook.receiver.stats.dedupe_errors == 1
    logged = [r for r in caplog.records if r.exc_info is not None]
    assert logged and READ_ONLY in str(logged[0].exc_info[1])  # type: ignore[index]
