"""Second reading of the refresh protocol: a store that went back in time, a save that failed
after the refresh token was spent."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import attrs
import pytest

from tallyfy_async import TallyfyClient, Token, TokenStoreError
from tallyfy_async.auth import FileTokenStore, StoredToken
from tallyfy_async.auth.cache import store_key
from tallyfy_async.stores import RedisTokenStore
from tallyfy_async.testing import DemoOrg, FakeTallyfy
from tests.fleet._workers import stored_token
from tests.redis_server import RedisServer


def connect(fake: FakeTallyfy, demo: DemoOrg, store: Any) -> TallyfyClient:
    return TallyfyClient(
        demo.credentials, base_url=fake.base_url, token_url=fake.token_url, token_store=store
    )


async def test_an_older_record_put_back_is_replaced_by_the_newer_token_a_process_holds(
    fake: FakeTallyfy, demo: DemoOrg, redis_server: RedisServer
) -> None:
    org = demo.org_id
    key = store_key(org, demo.credentials)
    store = RedisTokenStore(redis_server.url)
    async with connect(fake, demo, store) as one:
        first = await one.tokens.token(org)
        behind = await store.load_versioned(key)
        assert behind is not None and behind.version == 1
        # `one` refreshes: version 2, the first refresh token is spent.
        await one.tokens.invalidate(org, first)
        second = await one.tokens.token(org)
        assert second.refresh_token != first.refresh_token
        # Redis comes back empty, and a process that never read version 2 (its token is due
        # now) is the first to put one back: version 1.
        await asyncio.to_thread(redis_server.restart)
        now = time.time()
        due = attrs.evolve(behind.token, expires_at=now - 1, obtained_at=now - 3600)
        await store.restore(key, StoredToken(due, 1))
        # `one` meets a 401 and goes to the store: it holds version 2, newer than what is
        # stored; it must not fall back to version 1 and present its spent refresh token.
        await one.tokens.invalidate(org, second)
        third = await one.tokens.token(org)
        assert third.access_token not in (first.access_token, second.access_token)
        stored = await store.load_versioned(key)
        assert stored is not None and stored.token == third and stored.version == 3
    assert fake.counters.refresh_reuses() == 0
    assert fake.counters.grants_by_type["refresh_token"] == 2


class SaveDuringOutage(RedisTokenStore):
    """Redis goes away after the token request and before the save (once)."""

    server: RedisServer | None = None

    async def save_versioned(self, key: str, token: Token, version: int) -> StoredToken:
        server, self.server = self.server, None
        if server is not None:
            await asyncio.to_thread(server.stop)
        return await super().save_versioned(key, token, version)


async def test_a_save_that_fails_after_the_refresh_keeps_the_rotated_refresh_token(
    fake: FakeTallyfy, demo: DemoOrg, redis_server: RedisServer
) -> None:
    org = demo.org_id
    key = store_key(org, demo.credentials)
    store = SaveDuringOutage(redis_server.url, unavailable_wait=0.5)
    async with connect(fake, demo, store) as one:
        first = await one.tokens.token(org)
        await one.tokens.invalidate(org, first)
        store.server = redis_server
        with pytest.raises(TokenStoreError):
            await one.tokens.token(org)
        # The token request was made: the first refresh token is spent, and the rotated one
        # exists only in this process. Redis comes back (empty).
        await asyncio.to_thread(redis_server.start)
        fresh = await one.tokens.token(org)
        assert fresh.access_token != first.access_token
        stored = await store.load(key)
        assert stored == fresh
    assert fake.counters.refresh_reuses() == 0
    assert fake.counters.grants_by_type["refresh_token"] == 1


async def saves_over_an_older_version(store: Any) -> None:
    # A process read version 5 and refreshed; meanwhile the store lost its data and a
    # process that was behind put back version 3. The refresh must not lose to it: the
    # token it obtained holds the only live refresh token.
    await store.restore("org", StoredToken(stored_token("v3"), 3))
    saved = await store.save_versioned("org", stored_token("v6"), 5)
    assert saved == StoredToken(saved.token, 6) and saved.token.access_token == "access-v6"
    # A newer version still wins over a save based on an older one.
    late = await store.save_versioned("org", stored_token("late"), 4)
    assert late.version == 6 and late.token.access_token == "access-v6"


async def test_a_redis_save_wins_over_an_older_version_put_back(redis_server: RedisServer) -> None:
    store = RedisTokenStore(redis_server.url)
    try:
        await saves_over_an_older_version(store)
    finally:
        await store.aclose()


async def test_a_file_save_wins_over_an_older_version_put_back(tmp_path: Any) -> None:
    await saves_over_an_older_version(FileTokenStore(tmp_path / "tokens.json"))


async def test_two_clients_sharing_one_file_store_refresh_once(
    fake: FakeTallyfy, demo: DemoOrg, tmp_path: Any
) -> None:
    org = demo.org_id
    store = FileTokenStore(tmp_path / "tokens.json")
    async with connect(fake, demo, store) as one, connect(fake, demo, store) as two:
        first = await one.tokens.token(org)
        assert await two.tokens.token(org) == first
        await one.tokens.invalidate(org, first)
        await two.tokens.invalidate(org, first)
        fake.counters.reset()
        a, b = await asyncio.gather(one.tokens.token(org), two.tokens.token(org))
        assert a == b != first
    assert fake.counters.refresh_reuses() == 0
    assert sum(fake.counters.token_grants.values()) == 1


async def test_a_wait_for_the_file_lock_cancelled_does_not_keep_it(tmp_path: Any) -> None:
    path = tmp_path / "tokens.json"
    holder = FileTokenStore(path)
    waiter = FileTokenStore(path, lock_wait=30)

    async def take() -> None:
        async with waiter.lock("org"):
            pass

    async with holder.lock("org"):
        waiting = asyncio.create_task(take())
        await asyncio.sleep(0.3)  # its thread is blocked on the OS lock
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
    # The waiter's thread takes the lock once the holder lets go; nobody is waiting for it
    # any more, so it must give it back.
    await asyncio.sleep(0.3)
    later = FileTokenStore(path, lock_wait=5)
    async with later.lock("org"):
        pass
