"""Fixtures shared by the whole suite: a FakeTallyfy, its demo organization, a client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from tallyfy_async import TallyfyClient
from tallyfy_async.testing import DemoOrg, FakeTallyfy
from tests.redis_server import (
    RedisServer,
    missing_redis_message,
    redis_binary,
    redis_required,
)


@pytest.fixture
async def fake() -> AsyncIterator[FakeTallyfy]:
    """A running FakeTallyfy, closed after the test."""
    async with FakeTallyfy(seed=1234) as server:
        yield server


@pytest.fixture
def demo(fake: FakeTallyfy) -> DemoOrg:
    """A small demo organization in the fake."""
    return fake.seed_demo(processes=4, tasks_per_process=3)


@pytest.fixture
async def client(fake: FakeTallyfy, demo: DemoOrg) -> AsyncIterator[TallyfyClient]:
    """A client for the demo organization's administrator."""
    async with TallyfyClient(
        demo.credentials, base_url=fake.base_url, token_url=fake.token_url
    ) as tallyfy:
        yield tallyfy


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A fresh ``redis-server`` on a free loopback port, stopped after the test.

    Skips when the binary is missing, unless ``TALLYFY_REQUIRE_REDIS=1`` (set by ``.ci/run``)
    makes that a failure.
    """
    binary = redis_binary()
    if binary is None:
        if redis_required():
            pytest.fail(missing_redis_message())
        pytest.skip(missing_redis_message())
    server = RedisServer(binary)
    server.start()
    try:
        yield server
    finally:
        server.close()
