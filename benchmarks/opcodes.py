"""Python opcodes per request or page, function by function, SDK beside raw aiohttp, over
real HTTP (``python -m benchmarks.opcodes``).

Where :mod:`benchmarks.instructions` says how much more work the SDK does, this says where:
each client runs in this process with ``sys.settrace`` counting the opcodes every Python
function executes (C code, such as the JSON parser or uvloop, counts nothing), against
FakeTallyfy in its own process. It prints the functions whose counts differ most between
the two clients, per request or per page. The counts repeat exactly from run to run; the
tracing makes the clients about 30 times slower, so they say nothing about time.

    python -m benchmarks.opcodes --workload get --loop asyncio
    python -m benchmarks.opcodes --workload paging --loop uvloop

``get``: one small typed GET (``org.tasks.get``) against raw aiohttp (``resp.json()`` on
asyncio, orjson on uvloop), 64 in flight. ``paging``: pages of 100 tasks, 16 in flight, the
SDK's ``.raw()`` listing against 16 raw aiohttp + orjson workers. ``typed``: the same pages
as the SDK's ``Task`` models.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import sys
from collections.abc import AsyncGenerator, Awaitable, Callable
from types import FrameType
from typing import Any, cast

from benchmarks.live import _loop_factory, open_client, serving

#: Where a function lives, shortened: the package path, not the install prefix.
_PREFIXES = ("site-packages/", "/lib/python3.", "/benchmarks/", "/tallyfy_async/")

Counts = collections.Counter[tuple[str, str]]


def _where(filename: str) -> str:
    for prefix in _PREFIXES:
        at = filename.rfind(prefix)
        if at >= 0:
            return filename[at + len(prefix) :] if prefix == "site-packages/" else filename[at:]
    return filename


def _traced(counts: Counts) -> Callable[[FrameType, str, Any], Any]:
    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "call":
            frame.f_trace_opcodes = True
        elif event == "opcode":
            code = frame.f_code
            counts[(_where(code.co_filename), code.co_name)] += 1
        return tracer

    return tracer


#: The clients compared (``benchmarks.live`` makes them): the SDK, then raw aiohttp.
COMPARED = ("sdk", "raw")

#: (walk, close): ``walk`` runs the measured requests and answers how many it made.
Walk = tuple[Callable[[], Awaitable[int]], Callable[[], Awaitable[None]]]


async def _get_walk(ids: dict[str, str], client: str, uvloop: bool) -> Walk:
    op, close = await open_client(ids, client, 64, use_orjson=uvloop)
    await op()  # a token, a connection, the model's reader

    async def walk() -> int:
        left = [400]

        async def worker() -> None:
            while left[0] > 0:
                left[0] -= 1
                await op()

        await asyncio.gather(*(worker() for _ in range(64)))
        return 400

    return walk, close


async def _paging_walk(ids: dict[str, str], client: str, typed: bool) -> Walk:
    import aiohttp
    import orjson

    from benchmarks.layers import sdk_client

    pages = 40
    sdk = sdk_client(ids)
    org = sdk.org(ids["org_id"])
    token = (await sdk.tokens.token(ids["org_id"])).access_token
    session = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0),
        headers={"Authorization": f"Bearer {token}", "X-Tallyfy-Client": "APIClient"},
    )
    url = f"{ids['base_url']}/organizations/{ids['org_id']}/tasks"

    async def sdk_pages() -> None:
        listing: Any = org.tasks.list(per_page=100, limit=pages * 100, concurrency=16)
        if not typed:
            listing = listing.raw()
        seen = 0
        pages_walk = cast(AsyncGenerator[Any, None], listing.pages())
        async with contextlib.aclosing(pages_walk) as walk:
            async for _ in walk:
                seen += 1
                if seen >= pages:
                    break

    async def raw_pages() -> None:
        left = list(range(pages, 0, -1))

        async def worker() -> None:
            while left:
                params = {"page": str(left.pop()), "per_page": "100"}
                async with session.get(url, params=params) as resp:
                    orjson.loads(await resp.read())

        await asyncio.gather(*(worker() for _ in range(16)))

    one = sdk_pages if client == "sdk" else raw_pages
    await one()  # warm

    async def walk() -> int:
        await one()
        return pages

    async def close() -> None:
        await session.close()
        await sdk.close()

    return walk, close


def count(
    ids: dict[str, str], workload: str, client: str, loop: str
) -> dict[tuple[str, str], float]:
    """Opcodes per request (``get``) or page (``paging``) of each function ``client`` ran."""
    counts: Counts = collections.Counter()

    async def main() -> int:
        if workload == "get":
            walk, close = await _get_walk(ids, client, loop == "uvloop")
        else:
            walk, close = await _paging_walk(ids, client, typed=workload == "typed")
        try:
            sys.settrace(_traced(counts))
            try:
                return await walk()
            finally:
                sys.settrace(None)
        finally:
            await close()

    with asyncio.Runner(loop_factory=_loop_factory(loop)) as runner:
        done = runner.run(main())
    return {key: value / done for key, value in counts.items()}


def main() -> None:
    """Print both clients' totals, then the functions that differ most."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", choices=("get", "paging", "typed"), default="get")
    parser.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    if args.loop == "asyncio" and args.workload == "get":
        sys.modules["orjson"] = None  # type: ignore[assignment]  # json for both clients
    sizes = (20, 10) if args.workload == "get" else (50, 100)
    with serving(*sizes) as ids:
        sdk, theirs = (count(ids, args.workload, client, args.loop) for client in COMPARED)
    unit = "request" if args.workload == "get" else "page"
    print(
        f"{args.workload}, {args.loop}: opcodes a {unit}: SDK {sum(sdk.values()):,.0f}, "
        f"raw aiohttp {sum(theirs.values()):,.0f}"
    )
    print(f"{'SDK':>8} {'raw':>8} {'SDK-raw':>8}  function")
    keys = sorted(set(sdk) | set(theirs), key=lambda k: -abs(sdk.get(k, 0) - theirs.get(k, 0)))
    for key in keys[: args.top]:
        ours, other = sdk.get(key, 0.0), theirs.get(key, 0.0)
        print(f"{ours:8.1f} {other:8.1f} {ours - other:+8.1f}  {key[0]}:{key[1]}")


if __name__ == "__main__":
    main()
