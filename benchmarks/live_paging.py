"""Paging over real HTTP, with the garbage collector's share by generation
(``python -m benchmarks.live_paging``).

A quick look between full runs at what section 2 of the report measures: FakeTallyfy with
100 processes of 100 tasks in its own process on uvloop (pinned to the first core when there
are two), each client in a fresh process on uvloop with orjson (pinned to the second),
repetitions interleaved. Every client walks the organization's task list one page of 100 after the
other, ``--rounds`` times, and holds each page until the next one arrives, as an
``async for page in listing.pages()`` loop does (the SDK's listing also keeps its first
page for the whole walk, as it does for its callers):

- ``typed``: ``org.tasks.list(per_page=100).pages()`` (the ``Task`` models);
- ``dicts``: the same listing's ``.raw()`` (the dicts Tallyfy sent);
- ``raw``: raw aiohttp + orjson, the same pages.

``--concurrency N`` walks N pages at a time instead: the SDK's listing with
``concurrency=N``, raw aiohttp with N workers that each drop a page once it is parsed.
One more client is for that case only:

- ``held``: the same N raw workers, each leaving the page it parsed in one slot they
  share until the next page is parsed: one page held at a time, as the caller of the SDK's
  ``async for page in listing.pages()`` holds its page while the next one is read.

It reports CPU µs per page (``time.process_time()``), what the collector took per page, and
its collections and milliseconds in all, by generation (``gc.callbacks``). ``--gc-off``
walks with the collector disabled: what is left without it.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time
from multiprocessing.connection import Connection
from typing import Any

from benchmarks.live import _loop_factory, _pin, print_medians, run_client, serving

#: 100 processes of 100 tasks; the task list shows 90 pages of 100 (the demo archives some
#: processes, and the listing leaves their tasks out).
PROCESSES, TASKS_PER_PROCESS, PER_PAGE = 100, 100, 100


def _client(conn: Connection, ids: dict[str, str], spec: dict[str, Any]) -> None:
    _pin(1)
    with asyncio.Runner(loop_factory=_loop_factory("uvloop")) as runner:
        conn.send(runner.run(_measure(ids, spec)))


async def _measure(ids: dict[str, str], spec: dict[str, Any]) -> dict[str, float]:
    import aiohttp
    import orjson

    from benchmarks.layers import sdk_client

    client = sdk_client(ids)
    org = client.org(ids["org_id"])
    try:
        token = (await client.tokens.token(ids["org_id"])).access_token
    except BaseException:
        await client.close()
        raise
    session = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0),
        headers={"Authorization": f"Bearer {token}", "X-Tallyfy-Client": "APIClient"},
    )
    url = f"{ids['base_url']}/organizations/{ids['org_id']}/tasks"

    async def walk() -> int:
        pages = 0
        if spec["client"] in ("raw", "held") and spec["concurrency"] > 1:
            return await _raw_workers(
                session, url, spec["concurrency"], hold=spec["client"] == "held"
            )
        if spec["client"] == "raw":
            number, last, page = 1, 1, None
            while number <= last:
                params = {"page": str(number), "per_page": str(PER_PAGE)}
                async with session.get(url, params=params) as resp:
                    page = orjson.loads(await resp.read())  # held until the next one
                last = page["meta"]["pagination"]["total_pages"]
                number += 1
                pages += 1
            return pages
        listing: Any = org.tasks.list(per_page=PER_PAGE, concurrency=spec["concurrency"])
        if spec["client"] == "dicts":
            listing = listing.raw()
        async for _ in listing.pages():
            pages += 1
        return pages

    collector = _Collector()
    try:
        await walk()  # warm: a token, a connection, the model's reader
        if spec["gc_off"]:
            gc.disable()
        gc.callbacks.append(collector.callback)
        cpu = time.process_time()
        pages = 0
        try:
            for _ in range(spec["rounds"]):
                pages += await walk()
            cpu = time.process_time() - cpu
        finally:
            gc.callbacks.remove(collector.callback)
            gc.enable()
    finally:
        await session.close()
        await client.close()
    out = {
        "cpu_us_per_page": cpu / pages * 1e6,
        "gc_us_per_page": sum(collector.seconds) / pages * 1e6,
    }
    for generation in range(3):
        out[f"gen{generation}_collections"] = collector.collections[generation]
        out[f"gen{generation}_ms"] = collector.seconds[generation] * 1e3
    return out


async def _raw_workers(session: Any, url: str, workers: int, *, hold: bool = False) -> int:
    """Every page of the listing, ``workers`` at a time (its size from the first page);
    with ``hold``, the last page parsed stays in a shared slot until the next one is."""
    import orjson

    async def fetch(number: int) -> dict[str, Any]:
        params = {"page": str(number), "per_page": str(PER_PAGE)}
        async with session.get(url, params=params) as resp:
            page: dict[str, Any] = orjson.loads(await resp.read())
            return page

    last = (await fetch(1))["meta"]["pagination"]["total_pages"]
    left = list(range(last, 1, -1))
    held: list[Any] = [None]

    async def worker() -> None:
        while left:
            page = await fetch(left.pop())
            if hold:
                held[0] = page
            del page

    await asyncio.gather(*(worker() for _ in range(workers)))
    return last


class _Collector:
    """Time and count garbage collections by generation (``gc.callbacks``)."""

    def __init__(self) -> None:
        self.seconds = [0.0, 0.0, 0.0]
        self.collections = [0, 0, 0]
        self._started = 0.0

    def callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            generation = info["generation"]
            self.seconds[generation] += time.perf_counter() - self._started
            self.collections[generation] += 1


def main() -> None:
    """Print one line per client: medians over the repetitions."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="raw,dicts,typed")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--gc-off", action="store_true")
    parser.add_argument("--concurrency", type=int, default=1)
    args = parser.parse_args()
    if "held" in args.clients.split(",") and args.concurrency < 2:
        parser.error("the held client walks with --concurrency 2 or more")
    with serving(PROCESSES, TASKS_PER_PROCESS) as ids:
        results: dict[str, list[dict[str, float]]] = {}
        for _ in range(args.reps):
            for client in args.clients.split(","):
                spec = {
                    "client": client,
                    "rounds": args.rounds,
                    "gc_off": args.gc_off,
                    "concurrency": args.concurrency,
                }
                results.setdefault(client, []).append(run_client(_client, ids, spec))
        for client, runs in results.items():
            print_medians(f"{client:5}", runs)


if __name__ == "__main__":
    main()
