"""What each suspect of the SDK's cost per request costs, on both loops.

``python -m benchmarks.suspects`` (about a minute).

In one process, with the canned responses of :mod:`benchmarks.layers` (no network): the
per-request timers (building a ``ClientTimeout``, ``loop.time()``, a timer armed and
cancelled as aiohttp's read timeout is on every response), the FIFO limiter (free, and
with 1,024 callers queued on 16 slots), the token lookup, the converter's work per
response, coroutine depth, parsing, the URL, and the whole transport and resource layers
over raw aiohttp. CPU µs per operation, the minimum of 7 rounds (the least disturbed).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from benchmarks import layers
from tallyfy_async._limiter import FifoLimiter
from tallyfy_async._serde import json_loads
from tallyfy_async.models.tasks import Task
from tallyfy_async.resources.tasks import GET_TASK

N = 20_000
ROUNDS = 7


def sync_cost(fn: Callable[[], object], n: int = N) -> float:
    """CPU µs per call of ``fn``."""
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.process_time()
        for _ in range(n):
            fn()
        best = min(best, (time.process_time() - started) / n * 1e6)
    return best


async def async_cost(op: Callable[[], Awaitable[Any]], n: int = N, in_flight: int = 16) -> float:
    """CPU µs per call of ``op``, ``in_flight`` callers at a time."""
    best = float("inf")
    left = [0]

    async def worker() -> None:
        while left[0] > 0:
            left[0] -= 1
            await op()

    for _ in range(ROUNDS):
        left[0] = n

        started = time.process_time()
        await asyncio.gather(*(worker() for _ in range(in_flight)))
        best = min(best, (time.process_time() - started) / n * 1e6)
    return best


async def measure(canned: layers.Canned, ids: dict[str, str]) -> dict[str, float]:
    """Every suspect's cost on the running loop."""
    out: dict[str, float] = {}
    loop = asyncio.get_running_loop()
    out["loop.time(), one call"] = sync_cost(loop.time)
    out["a ClientTimeout built"] = sync_cost(
        lambda: aiohttp.ClientTimeout(total=60, sock_connect=5, sock_read=30)
    )

    def timer() -> None:
        loop.call_later(30, lambda: None).cancel()

    out["a timer armed and cancelled (call_later + cancel)"] = sync_cost(timer)

    async def bare() -> None:
        await asyncio.sleep(0)

    free = asyncio.Semaphore(64)

    async def limited() -> None:
        async with free:
            await asyncio.sleep(0)

    out["asyncio.Semaphore, a free slot (the limiter before)"] = await async_cost(
        limited
    ) - await async_cost(bare)

    def through(limiter: FifoLimiter) -> Callable[[], Awaitable[None]]:
        """One turn of the loop holding a slot of ``limiter``, as the transport takes it."""

        async def op() -> None:
            if not limiter.try_acquire():
                await limiter.acquire()
            try:
                await asyncio.sleep(0)
            finally:
                limiter.release()

        return op

    out["FifoLimiter, a free slot (the limiter now)"] = await async_cost(
        through(FifoLimiter(64))
    ) - await async_cost(bare)
    out["FifoLimiter, 1,024 callers on 16 slots"] = await async_cost(
        through(FifoLimiter(16)), in_flight=1024
    ) - await async_cost(bare, in_flight=1024)

    async def depth(frames: int) -> None:
        if frames:
            await depth(frames - 1)
        else:
            await asyncio.sleep(0)

    async def shallow() -> None:
        await depth(0)

    async def deep() -> None:
        await depth(4)

    out["4 coroutine frames more, per request"] = await async_cost(deep) - await async_cost(shallow)
    client = layers.sdk_client(ids)
    session = aiohttp.ClientSession()
    try:
        org = client.org(ids["org_id"])
        task_id = ids["task_id"]
        await org.tasks.get(task_id)
        tokens = client._transport.tokens
        assert tokens is not None

        async def token() -> None:
            await tokens.token(org.org_id)

        out["token lookup (await tokens.token(org), before)"] = await async_cost(token, in_flight=1)
        out["token lookup (tokens.cached(org), now)"] = sync_cost(lambda: tokens.cached(org.org_id))
        body = canned["task"][2]
        data = json_loads(body)["data"]
        hook = client.converter.get_structure_hook(Task)
        out["converter: a Task from its dict"] = sync_cost(lambda: hook(data, Task))
        out["JSON: the task body, json_loads (orjson when installed)"] = sync_cost(
            lambda: json_loads(body)
        )
        out["JSON: the task body, json.loads"] = sync_cost(lambda: json.loads(body))

        def url() -> object:
            return client._url(GET_TASK.compile({"org": org.org_id, "task_id": task_id}), None)

        out["URL: route, ids checked, yarl URL"] = sync_cost(url)
        target = url()

        async def raw() -> object:
            async with session.get(target) as resp:
                return json_loads(await resp.read())

        raw_cost = await async_cost(raw)

        async def transport() -> None:
            await client._transport.request("GET", target, org=org.org_id)  # type: ignore[arg-type]

        async def typed() -> None:
            await org.tasks.get(task_id)

        out["raw aiohttp + json_loads, per request (the base)"] = raw_cost
        out["transport.request, over the base"] = await async_cost(transport) - raw_cost
        out["org.tasks.get (typed), over the base"] = await async_cost(typed) - raw_cost
    finally:
        await session.close()
        await client.close()
    return out


def main() -> None:
    """Print a Markdown table: each suspect's cost on asyncio and on uvloop."""
    import uvloop

    canned, ids = asyncio.run(layers.capture())
    layers.install(canned)
    with asyncio.Runner() as runner:
        stock = runner.run(measure(canned, ids))
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        fast = runner.run(measure(canned, ids))
    print("| suspect | asyncio µs | uvloop µs |")
    print("|---|---|---|")
    for name, value in stock.items():
        print(f"| {name} | {value:.2f} | {fast[name]:.2f} |")


if __name__ == "__main__":
    main()
