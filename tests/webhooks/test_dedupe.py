"""The dedupe store: remember a key for a while, forget the oldest past a bound."""

from __future__ import annotations

import pytest

from tallyfy_async.webhooks import DedupeStore, MemoryDedupeStore


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_key_is_new_once_then_a_duplicate_until_it_expires() -> None:
    clock = Clock()
    store = MemoryDedupeStore(clock=clock)

    assert await store.add("k", 60) is True
    assert await store.add("k", 60) is False
    clock.now += 59.9
    assert await store.add("k", 60) is False
    clock.now += 0.2
    assert await store.add("k", 60) is True  # expired: seen afresh
    assert await store.add("k", 60) is False


async def test_expired_keys_are_forgotten_so_memory_stays_bounded_in_time() -> None:
    clock = Clock()
    store = MemoryDedupeStore(clock=clock)
    for index in range(100):
        await store.add(f"old-{index}", 10)
    clock.now += 11

    await store.add("new", 10)

    assert len(store) == 1
    assert store.evicted == 0


async def test_past_max_keys_the_oldest_is_forgotten_and_counted() -> None:
    store = MemoryDedupeStore(max_keys=3)
    for key in "abcd":
        assert await store.add(key, 60)

    assert len(store) == 3
    assert store.evicted == 1
    assert await store.add("a", 60) is True  # forgotten: no longer recognised
    assert await store.add("d", 60) is False


def test_the_memory_store_fits_the_protocol_and_checks_its_bound() -> None:
    assert isinstance(MemoryDedupeStore(), DedupeStore)
    with pytest.raises(ValueError):
        MemoryDedupeStore(max_keys=0)
