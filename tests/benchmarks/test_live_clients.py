"""The clients the profiling tools compare (``benchmarks.live``, ``.instructions``,
``.opcodes``) each read the same task over real HTTP, and refuse a name they do not know.

A tool that asks for a client by a stale name, or a client that reads something else than
its neighbours, would make every figure those tools print meaningless.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `benchmarks` is a folder of the repository, not a package
    sys.path.insert(0, str(ROOT))

from benchmarks.layers import demo_ids  # noqa: E402
from benchmarks.live import CLIENTS, open_client  # noqa: E402
from tallyfy_async.models import Task  # noqa: E402
from tallyfy_async.testing import DemoOrg, FakeTallyfy  # noqa: E402


@pytest.mark.parametrize("client", CLIENTS)
async def test_each_client_reads_the_task(fake: FakeTallyfy, demo: DemoOrg, client: str) -> None:
    task = fake.state.orgs[demo.org_id].tasks.live()[1]
    title = task.wire["title"]
    op, close = await open_client(demo_ids(fake, demo, task.id), client, in_flight=2)
    try:
        first, second = await op(), await op()
    finally:
        await close()
    if client == "sdk":
        assert isinstance(first, Task)
        assert (first.id, first.title) == (task.id, title)
    else:  # the record as Tallyfy sent it: the same dict from every dict client
        assert type(first) is dict
        assert (first["id"], first["title"]) == (task.id, title)
        assert isinstance(first["created_at"], str)  # dates left as their text
    assert second == first


async def test_an_unknown_client_is_refused(fake: FakeTallyfy, demo: DemoOrg) -> None:
    ids = demo_ids(fake, demo, fake.state.orgs[demo.org_id].tasks.live()[0].id)
    with pytest.raises(ValueError, match="no client 'json'; the clients are raw, sdk_session"):
        await open_client(ids, "json", in_flight=1)
