"""FileTokenStore shared by the processes of one machine: a file lock and versioned saves."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from tallyfy_async import TokenStoreError
from tallyfy_async.auth import FileTokenStore, StoredToken, VersionedTokenStore
from tallyfy_async.testing import DemoOrg, FakeTallyfy
from tests.fleet._workers import (
    Worker,
    first_refresh_token,
    stored_token,
    worker_config,
    worker_store_key,
)


async def test_two_processes_refresh_once_between_them(
    fake: FakeTallyfy, demo: DemoOrg, tmp_path: Path
) -> None:
    path = tmp_path / "tokens.json"
    config = worker_config(
        fake,
        demo,
        await first_refresh_token(fake, demo),
        token_file=str(path),
        refresh_margin=60.0,
        once=True,
    )
    gate = FileTokenStore(path)
    workers: list[Worker] = []
    try:
        # Both reach the lock while this process holds it, then go through it in turn.
        async with gate.lock(worker_store_key(config)):
            workers = [await Worker.start(config) for _ in range(2)]
            for worker in workers:
                await worker.expect("CALLING")
            answers = [asyncio.create_task(worker.line()) for worker in workers]
            done, _ = await asyncio.wait(answers, timeout=1.0)
            assert not done  # both wait for the lock
        fingerprints = {await answer for answer in answers}
    finally:
        for worker in workers:
            await worker.close()
    # One refresh token presented once, one token shared by both.
    assert len(fingerprints) == 1
    assert fake.counters.grants_by_type == {"refresh_token": 1}
    assert fake.counters.refresh_reuses() == 0
    stored = await gate.load(worker_store_key(config))
    assert stored is not None and stored.fingerprint() in fingerprints


async def test_saves_are_versioned_and_refusals_compared(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "tokens.json")
    assert isinstance(store, VersionedTokenStore)
    assert (await store.save_versioned("org", stored_token("a"), 0)).version == 1
    assert (await store.save_versioned("org", stored_token("b"), 1)).version == 2
    late = await store.save_versioned("org", stored_token("c"), 1)
    assert late.version == 2 and late.token.access_token == "access-b"
    assert await store.refuse("org", stored_token("a")) is False
    assert await store.refuse("org", stored_token("b")) is True
    restored = await store.restore("org", StoredToken(stored_token("old"), 1))
    assert restored.token.access_token == "access-b" and restored.refused
    # Another process reading the file sees the same.
    again = await FileTokenStore(tmp_path / "tokens.json").load_versioned("org")
    assert again == restored


async def test_a_file_written_before_versions_reads_as_version_zero(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text(json.dumps({"org": stored_token("a").to_json()}))
    store = FileTokenStore(path)
    record = await store.load_versioned("org")
    assert record is not None and record.version == 0 and not record.refused
    assert record.token.access_token == "access-a"
    assert (await store.save_versioned("org", stored_token("b"), 0)).version == 1


async def test_waiting_for_the_lock_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    holder = FileTokenStore(path)
    impatient = FileTokenStore(path, lock_wait=0.2)
    async with holder.lock("org"):
        with pytest.raises(TokenStoreError, match="stayed held by another process"):
            async with impatient.lock("org"):
                pass
    async with impatient.lock("org"):
        pass  # free again once released


def test_lock_wait_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="lock_wait must be positive"):
        FileTokenStore(tmp_path / "t.json", lock_wait=0)
