"""The refresh lock when Redis stalls longer than the socket timeout while it is taken."""

from __future__ import annotations

import asyncio

import redis.asyncio as redis

from tallyfy_async.stores import RedisTokenStore
from tests.redis_server import RedisServer

# Keeps the server busy for 1.5 s, as DEBUG SLEEP would (disabled by default since Redis 7).
_STALL = """
local start = redis.call('TIME')
while true do
  local now = redis.call('TIME')
  if (now[1] - start[1]) * 1000000 + (now[2] - start[2]) > 1500000 then return 0 end
end
"""


async def test_a_lock_taken_by_a_timed_out_try_is_the_takers_own(
    redis_server: RedisServer,
) -> None:
    # The first SET outlives the store's 1 s socket timeout but is applied once the stall
    # ends: the key then holds this store's token, its own lock rather than another
    # holder's to wait out (lock_wait is shorter than the expiry: waiting would fail).
    store = RedisTokenStore(redis_server.url, lock_timeout=20, lock_wait=5)
    admin = redis.Redis.from_url(redis_server.url)
    try:
        await store.load("org")  # connected before the stall
        stall = asyncio.create_task(admin.eval(_STALL, 0))
        await asyncio.sleep(0.1)
        async with store.lock("org"):
            assert await admin.get("tallyfy:lock:org") is not None
        # Released: nothing is left behind for the next refresh to wait for.
        assert await admin.exists("tallyfy:lock:org") == 0
        await stall
    finally:
        await admin.aclose()
        await store.aclose()
