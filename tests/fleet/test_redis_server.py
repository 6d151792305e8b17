"""The test Redis itself: it answers, and a restart comes back empty on the same port."""

from __future__ import annotations

import redis.asyncio as redis

from tests.redis_server import RedisServer


async def test_the_server_answers_and_a_restart_comes_back_empty(
    redis_server: RedisServer,
) -> None:
    client = redis.Redis.from_url(redis_server.url)
    try:
        await client.set("k", "v")
        assert await client.get("k") == b"v"
    finally:
        await client.aclose()
    redis_server.restart()
    client = redis.Redis.from_url(redis_server.url)
    try:
        # The same port, nothing kept: the case the stores must survive.
        assert await client.get("k") is None
    finally:
        await client.aclose()
