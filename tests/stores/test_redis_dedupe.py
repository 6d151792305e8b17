"""RedisDedupeStore: receivers sharing one Redis handle each delivery once."""

from __future__ import annotations

import asyncio

import redis.asyncio as redis

from tallyfy_async import webhooks
from tallyfy_async.stores import RedisDedupeStore
from tallyfy_async.webhooks import DedupeStore, TaskCompletedEvent
from tests.redis_server import RedisServer
from tests.webhooks.support import EXAMPLE_ORG, served
from tests.webhooks.test_receiver import Recorder, task_payload


async def test_two_receivers_sharing_redis_handle_each_delivery_once(
    redis_server: RedisServer,
) -> None:
    first, second = Recorder(), Recorder()
    stores = [RedisDedupeStore(redis_server.url), RedisDedupeStore(redis_server.url)]
    assert all(isinstance(store, DedupeStore) for store in stores)
    try:
        async with (
            served(webhooks.handler(first, org_id=EXAMPLE_ORG, dedupe=stores[0])) as a,
            served(webhooks.handler(second, org_id=EXAMPLE_ORG, dedupe=stores[1])) as b,
        ):
            # Every event reaches both receivers at once, and some of them twice more.
            posts = []
            for number in range(40):
                posts += [a.post(task_payload(number)), b.post(task_payload(number))]
                if number % 4 == 0:
                    posts += [b.post(task_payload(number)), a.post(task_payload(number))]
            answers = await asyncio.gather(*posts)
            # Which receiver wins a race is up to the machine; one event each sees first,
            # then the other: both do part of the work whatever the races gave.
            for number, (one, other) in ((40, (b, a)), (41, (a, b))):
                answers += [await one.post(task_payload(number))]
                answers += [await other.post(task_payload(number))]
            await a.receiver.join()
            await b.receiver.join()
    finally:
        for store in stores:
            await store.aclose()

    assert {status for status, _ in answers} == {200}
    assert sorted(text for _, text in answers).count("accepted") == 42
    handled = [e.task.id for e in first.events + second.events if isinstance(e, TaskCompletedEvent)]
    assert sorted(handled) == [f"task-{number:05d}" for number in range(42)]
    by_first = [e.task.id for e in first.events if isinstance(e, TaskCompletedEvent)]
    by_second = [e.task.id for e in second.events if isinstance(e, TaskCompletedEvent)]
    assert "task-00041" in by_first and "task-00040" in by_second  # each saw one first
    stats = a.receiver.stats, b.receiver.stats
    assert sum(s.duplicates for s in stats) == 80 + 20 - 40 + 2
    assert sum(s.dedupe_errors for s in stats) == 0


async def test_keys_carry_the_prefix_and_expire_with_the_ttl(redis_server: RedisServer) -> None:
    client = redis.Redis.from_url(redis_server.url)
    store = RedisDedupeStore(client, prefix="hooks:")
    try:
        assert await store.add("event-1", 30.0) is True
        assert await store.add("event-1", 30.0) is False
        assert await store.add("event-2", 0.0004) is True  # rounded up to a millisecond
        ttl = await client.pttl("hooks:event-1")
        assert 0 < ttl <= 30_000
        assert await client.exists("event-1") == 0
        await store.aclose()
        assert await client.ping()  # the application's client stays open
    finally:
        await client.aclose()


async def test_an_unreachable_redis_lets_deliveries_through_counted(
    redis_server: RedisServer,
) -> None:
    recorder = Recorder()
    store = RedisDedupeStore(redis_server.url)
    redis_server.stop()
    try:
        async with served(webhooks.handler(recorder, org_id=EXAMPLE_ORG, dedupe=store)) as hook:
            assert await hook.post(task_payload(1)) == (200, "accepted")
            await hook.receiver.join()
    finally:
        await store.aclose()
    assert len(recorder.events) == 1  # handled, not lost
    assert hook.receiver.stats.dedupe_errors == 1


def test_the_repr_shows_where_but_never_the_password() -> None:
    store = RedisDedupeStore("redis://worker:s3cret@127.0.0.1:6390/2?password=other")
    text = repr(store)
    assert "127.0.0.1:6390/2" in text and "tallyfy:webhook:" in text
    assert "s3cret" not in text and "other" not in text
