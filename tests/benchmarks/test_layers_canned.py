"""The in-process layer benchmark (``benchmarks.layers``) answers every client from the
canned responses, with or without ``--evict-kb``: a canned exchange that answered
something else, or that the eviction broke, would make its figures meaningless."""

from __future__ import annotations

import sys
from pathlib import Path

import aiohttp
import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `benchmarks` is a folder of the repository, not a package
    sys.path.insert(0, str(ROOT))

from benchmarks import layers  # noqa: E402


@pytest.mark.parametrize("evict_kb", [0, 8])
async def test_canned_exchanges_answer_every_client(
    evict_kb: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    canned, ids = await layers.capture()
    # install() replaces aiohttp's exchange for the whole process: give it back afterwards.
    monkeypatch.setattr(aiohttp.ClientSession, "_request", aiohttp.ClientSession._request)
    layers.install(canned, evict_kb)

    client = layers.sdk_client(ids)
    try:
        task = await client.org(ids["org_id"]).tasks.get(ids["task_id"])
    finally:
        await client.close()
    assert task.id == ids["task_id"]

    times = await layers.one_round(ids, in_flight=4, count=40, pages=3)
    assert set(times) == {"sdk", "raw_json", "raw_orjson", "page_typed", "page_raw", "page_orjson"}
    assert all(value > 0 for value in times.values())
