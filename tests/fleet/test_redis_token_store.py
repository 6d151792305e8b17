"""RedisTokenStore over a real Redis: versions, refusals, restores, the lock, closing."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from typing import Any

import pytest
import redis.asyncio as redis

from tallyfy_async import TallyfyClient, Token, TokenStoreError
from tallyfy_async.auth import StoredToken, VersionedTokenStore
from tallyfy_async.auth.cache import store_key
from tallyfy_async.stores import RedisTokenStore
from tallyfy_async.testing import DemoOrg, FakeTallyfy
from tests.fleet._workers import Worker, first_refresh_token, worker_config, worker_store_key
from tests.redis_server import RedisServer, free_port


def token(name: str, *, refresh: bool = True, life: float = 3600) -> Token:
    now = time.time()
    return Token(
        access_token=f"access-{name}",
        expires_at=now + life,
        obtained_at=now,
        refresh_token=f"refresh-{name}" if refresh else None,
    )


def connect(fake: FakeTallyfy, demo: DemoOrg, store: Any, **kwargs: Any) -> TallyfyClient:
    return TallyfyClient(
        demo.credentials,
        base_url=fake.base_url,
        token_url=fake.token_url,
        token_store=store,
        **kwargs,
    )


async def test_saves_are_checked_against_the_version_they_were_based_on(
    redis_server: RedisServer,
) -> None:
    store = RedisTokenStore(redis_server.url)
    try:
        assert isinstance(store, VersionedTokenStore)
        assert await store.load_versioned("org") is None
        first = await store.save_versioned("org", token("a"), 0)
        assert first == StoredToken(token("a").__class__(**first.token.to_json()), 1)
        second = await store.save_versioned("org", token("b"), 1)
        assert second.version == 2
        # A save based on version 1 comes too late: it loses, and says what won.
        late = await store.save_versioned("org", token("c"), 1)
        assert late.version == 2 and late.token.access_token == "access-b"
        assert (await store.load("org")) == second.token
        # A plain save (stores without versions) still replaces and raises the version.
        await store.save("org", token("d"))
        stored = await store.load_versioned("org")
        assert stored is not None and stored.version == 3
    finally:
        await store.aclose()


async def test_a_restore_never_puts_back_an_older_version(redis_server: RedisServer) -> None:
    store = RedisTokenStore(redis_server.url)
    try:
        # Empty (Redis came back without its data): the record a process holds goes back.
        held = StoredToken(token("v5"), 5)
        assert await store.restore("org", held) == held
        # Another process holding an older one cannot overwrite it...
        older = await store.restore("org", StoredToken(token("v4"), 4))
        assert older.token.access_token == "access-v5"
        # ...and a newer one wins.
        newer = await store.restore("org", StoredToken(token("v6"), 6, refused=True))
        assert newer.version == 6 and newer.refused
        # A save based on the restored version goes on from there.
        saved = await store.save_versioned("org", token("v7"), 6)
        assert saved.version == 7 and not saved.refused
    finally:
        await store.aclose()


async def test_a_refusal_marks_only_the_token_still_stored(redis_server: RedisServer) -> None:
    store = RedisTokenStore(redis_server.url)
    try:
        assert await store.refuse("org", token("a")) is False  # nothing stored
        await store.save_versioned("org", token("a"), 0)
        await store.save_versioned("org", token("b"), 1)
        # A 401 on the older token never throws away the newer one.
        assert await store.refuse("org", token("a")) is False
        stored = await store.load_versioned("org")
        assert stored is not None and not stored.refused
        assert await store.refuse("org", token("b")) is True
        stored = await store.load_versioned("org")
        assert stored is not None and stored.refused
        assert stored.token.refresh_token == "refresh-b"  # still the way to the next one
    finally:
        await store.aclose()


async def test_tokens_live_until_their_refresh_token_or_their_expiry(
    redis_server: RedisServer,
) -> None:
    store = RedisTokenStore(redis_server.url, prefix="t:", refresh_token_ttl=1000)
    client = redis.Redis.from_url(redis_server.url)
    try:
        await store.save("with-refresh", token("a", life=10))
        await store.save("without", token("b", refresh=False, life=10))
        # The refresh token outlives the access token: kept for refresh_token_ttl.
        assert 10_000 < await client.pttl("t:token:with-refresh") <= 1_000_000
        # Without one, the record goes a minute after the token expires.
        assert 0 < await client.pttl("t:token:without") <= 70_000
    finally:
        await client.aclose()
        await store.aclose()


async def test_no_secret_in_the_repr_or_the_errors(redis_server: RedisServer) -> None:
    store = RedisTokenStore(f"redis://:hunter2@127.0.0.1:{free_port()}/0", unavailable_wait=0.3)
    try:
        assert "hunter2" not in repr(store)
        assert "127.0.0.1" in repr(store)
        with pytest.raises(TokenStoreError, match="unreachable") as raised:
            await store.save("org", token("secret-value"))
        assert "hunter2" not in str(raised.value)
        assert "secret-value" not in str(raised.value)
    finally:
        await store.aclose()


@pytest.mark.parametrize("value", [0, -1, float("inf")], ids=["zero", "negative", "infinite"])
def test_bounds_must_be_positive_seconds(value: float) -> None:
    with pytest.raises(ValueError, match="lock_timeout must be positive seconds"):
        RedisTokenStore("redis://127.0.0.1:1/0", lock_timeout=value)


def test_a_url_that_is_not_redis_is_refused_without_its_password() -> None:
    with pytest.raises(ValueError, match="redis://") as raised:
        RedisTokenStore("http://:hunter2@example.com/")
    assert "hunter2" not in str(raised.value)


def test_the_package_imports_without_redis_and_the_store_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in [m for m in sys.modules if m == "redis" or m.startswith("redis.")]:
        monkeypatch.setitem(sys.modules, name, None)
    for name in [m for m in sys.modules if m.startswith("tallyfy_async.stores")]:
        monkeypatch.delitem(sys.modules, name)
    import tallyfy_async.stores as stores

    with pytest.raises(ImportError, match=r'pip install "tallyfy-async\[redis\]"'):
        stores.RedisTokenStore("redis://127.0.0.1:6379/0")


async def connections(server: RedisServer) -> int:
    client = redis.Redis.from_url(server.url)
    try:
        return len(await client.client_list()) - 1  # not this one
    finally:
        await client.aclose()


async def test_the_client_closes_the_store_it_was_given_a_url_for(
    fake: FakeTallyfy, demo: DemoOrg, redis_server: RedisServer
) -> None:
    async with connect(fake, demo, RedisTokenStore(redis_server.url)) as tallyfy:
        await tallyfy.request("GET", f"/organizations/{demo.org_id}/me")
        assert await connections(redis_server) >= 1
    assert await connections(redis_server) == 0


async def test_an_application_client_is_left_open(
    fake: FakeTallyfy, demo: DemoOrg, redis_server: RedisServer
) -> None:
    mine = redis.Redis.from_url(redis_server.url)
    try:
        store = RedisTokenStore(mine, prefix="app:")
        assert "127.0.0.1" in repr(store)
        async with connect(fake, demo, store) as tallyfy:
            await tallyfy.request("GET", f"/organizations/{demo.org_id}/me")
        # Still the application's: it works after the SDK client closed.
        assert await mine.exists(f"app:token:{store_key(demo.org_id, demo.credentials)}") == 1
    finally:
        await mine.aclose()


class LateSaver(RedisTokenStore):
    """A store where another process saves a newer token while this one refreshes (its
    lock expired meanwhile)."""

    newer: Token | None = None

    async def save_versioned(self, key: str, token: Token, version: int) -> StoredToken:
        if self.newer is not None:
            await self.save(key, self.newer)
        return await super().save_versioned(key, token, version)


async def test_a_refresh_finished_after_its_lock_expired_adopts_the_newer_token(
    fake: FakeTallyfy, demo: DemoOrg, redis_server: RedisServer
) -> None:
    store = LateSaver(redis_server.url)
    async with connect(fake, demo, store) as tallyfy:
        first = await tallyfy.tokens.token(demo.org_id)
        fake.tokens.expire(first.access_token)
        await tallyfy.tokens.invalidate(demo.org_id, first)
        store.newer = newer = token("from-another-process")
        adopted = await tallyfy.tokens.token(demo.org_id)
        assert adopted.access_token == newer.access_token
        stored = await store.load(store_key(demo.org_id, demo.credentials))
        assert stored is not None and stored.access_token == newer.access_token


async def test_a_401_is_shared_with_the_fleet_but_never_discards_a_newer_token(
    fake: FakeTallyfy, demo: DemoOrg, redis_server: RedisServer
) -> None:
    async with (
        connect(fake, demo, RedisTokenStore(redis_server.url)) as one,
        connect(fake, demo, RedisTokenStore(redis_server.url)) as two,
    ):
        first = await one.tokens.token(demo.org_id)
        assert (await two.tokens.token(demo.org_id)).access_token == first.access_token
        fake.counters.reset()
        # `one` is refused: the mark reaches the store, `two` will not adopt it again.
        fake.tokens.revoke(first.access_token)
        await one.request("GET", f"/organizations/{demo.org_id}/me")
        second = await one.tokens.token(demo.org_id)
        assert second.access_token != first.access_token
        # `two` meets the 401 with the old token later: it adopts `one`'s new token and
        # the new token is not marked.
        await two.request("GET", f"/organizations/{demo.org_id}/me")
        assert (await two.tokens.token(demo.org_id)).access_token == second.access_token
        await two.tokens.invalidate(demo.org_id, first)
        key = store_key(demo.org_id, demo.credentials)
        stored = await two.tokens.store.load_versioned(key)  # type: ignore[attr-defined]
        assert stored is not None and stored.token == second and not stored.refused
        assert sum(fake.counters.token_grants.values()) == 1


async def test_a_refused_mark_reaches_a_process_started_later(
    fake: FakeTallyfy, demo: DemoOrg, redis_server: RedisServer
) -> None:
    async with connect(fake, demo, RedisTokenStore(redis_server.url)) as one:
        first = await one.tokens.token(demo.org_id)
        await one.tokens.invalidate(demo.org_id, first)
        async with connect(fake, demo, RedisTokenStore(redis_server.url)) as later:
            # It does not send the refused token: it refreshes with its refresh token.
            fresh = await later.tokens.token(demo.org_id)
        assert fresh.access_token != first.access_token
        assert fake.counters.grants_by_type["refresh_token"] == 1
        assert fake.counters.refresh_reuses() == 0


async def test_a_short_outage_fails_no_call_and_an_empty_redis_is_filled_again(
    fake: FakeTallyfy, demo: DemoOrg, redis_server: RedisServer
) -> None:
    org = demo.org_id
    async with connect(fake, demo, RedisTokenStore(redis_server.url)) as tallyfy:
        held = await tallyfy.tokens.token(org)
        await asyncio.to_thread(redis_server.stop)
        # A token still valid is used without Redis.
        await tallyfy.request("GET", f"/organizations/{org}/me")
        # A refresh during the outage waits for Redis (within its bound) and then runs.
        fake.tokens.expire(held.access_token)
        call = asyncio.create_task(tallyfy.request("GET", f"/organizations/{org}/me"))
        await asyncio.sleep(1.5)
        assert not call.done()  # waiting for Redis, not failed
        await asyncio.to_thread(redis_server.start)
        await call  # came back empty: the held token was put back, then refreshed once
        key = store_key(org, demo.credentials)
        stored = await tallyfy.tokens.store.load(key)
        current = await tallyfy.tokens.token(org)
        assert stored == current != held
    assert fake.counters.refresh_reuses() == 0
    assert fake.counters.grants_by_type["refresh_token"] == 1


async def test_an_empty_redis_is_filled_again_from_what_a_process_holds(
    fake: FakeTallyfy, demo: DemoOrg, redis_server: RedisServer
) -> None:
    org = demo.org_id
    async with connect(fake, demo, RedisTokenStore(redis_server.url)) as one:
        held = await one.tokens.token(org)
        await asyncio.to_thread(redis_server.restart)
        # `one` is refused once (the 401 sends it to the store): it puts its token back
        # before deciding, so the rotated refresh token is saved, never lost.
        fake.tokens.expire(held.access_token)
        await one.request("GET", f"/organizations/{org}/me")
        async with connect(fake, demo, RedisTokenStore(redis_server.url)) as two:
            assert (await two.tokens.token(org)) == await one.tokens.token(org)
    assert fake.counters.refresh_reuses() == 0


async def test_a_frozen_holder_delays_the_others_only_until_its_lock_expires(
    fake: FakeTallyfy, demo: DemoOrg, redis_server: RedisServer
) -> None:
    lock_timeout = 3.0
    config = worker_config(
        fake,
        demo,
        await first_refresh_token(fake, demo),
        redis_url=redis_server.url,
        lock_timeout=lock_timeout,
        refresh_margin=60.0,
        concurrency=1,
    )
    holder = await Worker.start(config)
    store = RedisTokenStore(redis_server.url, lock_wait=30)
    admin = redis.Redis.from_url(redis_server.url)
    lock_key = f"tallyfy:lock:{worker_store_key(config)}"
    try:
        await holder.expect("READY")
        holder.send("stall")
        await holder.expect("STALLED")
        # Alive, the holder renews its lock: another process cannot take it.
        await asyncio.sleep(2 * lock_timeout)
        impatient = RedisTokenStore(redis_server.url, lock_wait=0.2)
        try:
            with pytest.raises(TokenStoreError, match="stayed held by another process"):
                async with impatient.lock(worker_store_key(config)):
                    pass
        finally:
            await impatient.aclose()
        holder.process.send_signal(signal.SIGSTOP)
        # Frozen, it renews nothing: its lock expires within lock_timeout...
        assert 0 < await admin.pttl(lock_key) <= lock_timeout * 1000
        # ...and the next process takes it while the holder is still frozen.
        async with store.lock(worker_store_key(config)):
            assert holder.process.returncode is None
            owner = await admin.get(lock_key)
        holder.process.send_signal(signal.SIGCONT)
        assert owner is not None
    finally:
        await holder.close()
        await admin.aclose()
        await store.aclose()
