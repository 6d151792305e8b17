"""The clients the profiling tools compare (``benchmarks.live``, ``.instructions``,
``.opcodes``) each read the same task over real HTTP, and a name no client has is refused.

A tool that asks for a client by a stale name, or a client that reads something else than
its neighbours, would make every figure those tools print meaningless.
"""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `benchmarks` is a folder of the repository, not a package
    sys.path.insert(0, str(ROOT))

from benchmarks import opcodes  # noqa: E402
from benchmarks.layers import demo_ids  # noqa: E402
from benchmarks.live import CLIENTS, open_client  # noqa: E402
from tallyfy_async.models import Task  # noqa: E402
from tallyfy_async.testing import DemoOrg, FakeTallyfy  # noqa: E402


@pytest.mark.parametrize("use_orjson", [False, True], ids=["json", "orjson"])
async def test_every_client_reads_the_same_task(
    fake: FakeTallyfy, demo: DemoOrg, use_orjson: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if use_orjson:
        # The clients' orjson branches, whether or not the `speed` extra is installed:
        # they import `orjson` when opened, and a stand-in with json's `loads` is what
        # they find (the SDK itself picked its decoder when it was imported).
        monkeypatch.setitem(sys.modules, "orjson", types.SimpleNamespace(loads=json.loads))
    task = fake.state.orgs[demo.org_id].tasks.live()[1]
    ids = demo_ids(fake, demo, task.id)
    read: dict[str, list[Any]] = {}
    for client in CLIENTS:
        op, close = await open_client(ids, client, in_flight=2, use_orjson=use_orjson)
        try:
            read[client] = [await op(), await op()]
        finally:
            await close()
    typed = read.pop("sdk")
    assert all(isinstance(model, Task) for model in typed)
    assert [(model.id, model.title) for model in typed] == [(task.id, task.wire["title"])] * 2
    # The others give the record as Tallyfy sent it, dates as their text: the very same
    # dict from each one, every time.
    records = [record for both in read.values() for record in both]
    assert all(type(record) is dict for record in records)
    assert records[0]["id"] == task.id
    assert isinstance(records[0]["created_at"], str)
    assert all(record == records[0] for record in records)


def test_the_tools_ask_for_clients_that_exist() -> None:
    assert set(opcodes.COMPARED) <= set(CLIENTS)


async def test_an_unknown_client_is_refused(fake: FakeTallyfy, demo: DemoOrg) -> None:
    ids = demo_ids(fake, demo, fake.state.orgs[demo.org_id].tasks.live()[0].id)
    expected = "no client 'json'; the clients are raw, raw_lean, raw_lean_timed, sdk_"
    with pytest.raises(ValueError, match=expected):
        await open_client(ids, "json", in_flight=1)
