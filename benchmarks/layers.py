"""The client's own cost per request, with the network taken out (``python -m benchmarks.layers``).

aiohttp's ``ClientSession._request`` is replaced by a function that hands back canned
responses (bodies FakeTallyfy answered, captured once): what is left is exactly what each
client does around the HTTP exchange (building the URL, headers, the limiter, the token,
timers, reading and decoding the body, the models), measured in one process with
``time.process_time()``, so the figures repeat on a busy machine. Each canned response
yields to the event loop once, as a real one does, so N callers really interleave.

It measures, at each number in flight and on both loops, µs of CPU per request for:
``sdk`` (``org.tasks.get``, typed), ``raw_json`` (``resp.json()``), ``raw_orjson``
(``orjson.loads(await resp.read())``), and per page of 100 tasks for the typed listing, the
``.raw()`` listing and raw orjson. Rounds are interleaved; the minimum of the rounds is
printed (the least disturbed). The SDK uses orjson when it is installed.

``--evict-kb N`` overwrites an N KB buffer before and after each canned exchange yields,
as the kernel's network path and the other requests' work do to the caches in a real
exchange: the clients' own code then runs as cold as it does live. The copies cost every
client the same; compare differences between clients, not the totals.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from multidict import CIMultiDictProxy

from tallyfy_async import TallyfyClient
from tallyfy_async.testing import DemoOrg, FakeTallyfy

#: Canned responses by kind: (status, headers, body).
Canned = dict[str, tuple[int, CIMultiDictProxy[str], bytes]]


class CannedResponse:
    """What the clients read of an ``aiohttp.ClientResponse``."""

    def __init__(self, status: int, headers: CIMultiDictProxy[str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self._body = body
        self.content_length = len(body)
        self.content_type = "application/json"
        self.charset = "utf-8"

    async def __aenter__(self) -> CannedResponse:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.release()

    def release(self) -> None:
        """Nothing to give back."""

    async def wait_for_close(self) -> None:
        """Nothing to wait for."""

    async def read(self) -> bytes:
        """The body."""
        return self._body

    async def json(self) -> Any:
        """The body through ``json.loads``, as aiohttp does."""
        return json.loads(self._body.decode(self.charset))


async def capture() -> tuple[Canned, dict[str, str]]:
    """Bodies FakeTallyfy answers for a token, one task and a page of 100 tasks."""
    async with FakeTallyfy(max_log=0) as fake:
        demo = fake.seed_demo(processes=20, tasks_per_process=10, oneoff_tasks=0)
        task_id = fake.state.orgs[demo.org_id].tasks.live()[0].id
        canned: Canned = {}
        async with aiohttp.ClientSession() as session:
            form = {
                "grant_type": "password",
                "client_id": demo.client_id,
                "client_secret": demo.client_secret,
                "username": demo.admin_email,
                "password": demo.admin_password,
            }
            async with session.post(fake.token_url, data=form) as resp:
                body = await resp.read()
                canned["token"] = (resp.status, resp.headers, body)
            token = json.loads(body)["access_token"]
            headers = {"Authorization": f"Bearer {token}", "X-Tallyfy-Client": "APIClient"}
            org = f"{fake.base_url}/organizations/{demo.org_id}"
            async with session.get(f"{org}/tasks/{task_id}", headers=headers) as resp:
                canned["task"] = (resp.status, resp.headers, await resp.read())
            params = {"page": "1", "per_page": "100"}
            async with session.get(f"{org}/tasks", headers=headers, params=params) as resp:
                canned["page"] = (resp.status, resp.headers, await resp.read())
        ids = demo_ids(fake, demo, task_id)
    return canned, ids


def demo_ids(fake: FakeTallyfy, demo: DemoOrg, task_id: str) -> dict[str, str]:
    """What a client needs to read ``task_id`` of ``demo`` as its administrator."""
    return {
        "base_url": fake.base_url,
        "token_url": fake.token_url,
        "org_id": demo.org_id,
        "task_id": task_id,
        "client_id": demo.client_id,
        "client_secret": demo.client_secret,
        "username": demo.admin_email,
        "password": demo.admin_password,
    }


def install(canned: Canned, evict_kb: int = 0) -> None:
    """Replace the HTTP exchange of every ``ClientSession`` by the canned responses;
    ``evict_kb`` > 0 overwrites that much memory around each one (``--evict-kb``)."""
    scratch = bytearray(evict_kb * 1024)
    fill = bytes(range(256)) * (evict_kb * 4)

    async def request(self: aiohttp.ClientSession, method: str, url: Any, **kw: Any) -> Any:
        text = str(url)
        paged = "per_page" in text or kw.get("params")
        kind = "token" if "oauth" in text else "page" if paged else "task"
        status, headers, body = canned[kind]
        if evict_kb:
            scratch[:] = fill
        await asyncio.sleep(0)  # a real exchange gives the loop away at least once
        if evict_kb:
            scratch[:] = fill
        return CannedResponse(status, headers, body)

    aiohttp.ClientSession._request = request  # type: ignore[assignment,method-assign]


async def _closed_loop(op: Callable[[], Awaitable[Any]], in_flight: int, count: int) -> float:
    """CPU µs per call of ``op``, ``count`` calls with ``in_flight`` at a time."""
    left = [count]

    async def worker() -> None:
        while left[0] > 0:
            left[0] -= 1
            await op()

    started = time.process_time()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    return (time.process_time() - started) / count * 1e6


def sdk_client(ids: dict[str, str], **options: Any) -> TallyfyClient:
    """A client of the captured organization's administrator (what :func:`capture` saw)."""
    from tallyfy_async import PasswordGrant

    return TallyfyClient(
        PasswordGrant(
            client_id=ids["client_id"],
            client_secret=ids["client_secret"],
            username=ids["username"],
            password=ids["password"],
        ),
        base_url=ids["base_url"],
        token_url=ids["token_url"],
        **options,
    )


async def one_round(
    ids: dict[str, str], in_flight: int, count: int, pages: int
) -> dict[str, float]:
    """One interleaved round of every client: µs of CPU per request (or per page)."""
    from tallyfy_async._serde import orjson

    out: dict[str, float] = {}
    client = sdk_client(ids, max_concurrency=max(64, in_flight))
    raw = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0),
        headers={"Authorization": "Bearer x", "X-Tallyfy-Client": "APIClient"},
    )
    org = client.org(ids["org_id"])
    task_url = f"{ids['base_url']}/organizations/{ids['org_id']}/tasks/{ids['task_id']}"
    page_url = f"{ids['base_url']}/organizations/{ids['org_id']}/tasks"
    loads = orjson.loads if orjson is not None else json.loads

    async def sdk_get() -> Any:
        return await org.tasks.get(ids["task_id"])

    async def raw_json_get() -> Any:
        async with raw.get(task_url) as resp:
            return (await resp.json())["data"]

    async def raw_orjson_get() -> Any:
        async with raw.get(task_url) as resp:
            return loads(await resp.read())["data"]

    async def raw_page() -> Any:
        async with raw.get(page_url, params={"page": "1", "per_page": "100"}) as resp:
            return loads(await resp.read())["data"]

    try:
        await sdk_get()
        for name, op in (
            ("sdk", sdk_get),
            ("raw_json", raw_json_get),
            ("raw_orjson", raw_orjson_get),
        ):
            out[name] = await _closed_loop(op, in_flight, count)
        if pages:
            listing = org.tasks.list(per_page=100)

            async def typed_page() -> Any:
                return await listing._page(1)

            raw_listing = listing.raw()

            async def dict_page() -> Any:
                return await raw_listing._page(1)

            for name, op in (
                ("page_typed", typed_page),
                ("page_raw", dict_page),
                ("page_orjson", raw_page),
            ):
                out[name] = await _closed_loop(op, 1, pages)
    finally:
        await client.close()
        await raw.close()
    return out


def main() -> None:
    """Print µs of CPU per request of each client, at each number in flight, on each loop."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--in-flight", default="16,256,1024")
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--evict-kb", type=int, default=0, help="cold caches (see above)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--loops", default="asyncio,uvloop")
    args = parser.parse_args()
    canned, ids = asyncio.run(capture())
    install(canned, args.evict_kb)
    levels = [int(n) for n in args.in_flight.split(",")]
    best: dict[tuple[str, int], dict[str, float]] = {}
    for _ in range(args.rounds):
        for loop_name in args.loops.split(","):
            factory = None
            if loop_name == "uvloop":
                import uvloop

                factory = uvloop.new_event_loop
            for level in levels:
                with asyncio.Runner(loop_factory=factory) as runner:
                    pages = args.pages if level == levels[0] else 0
                    got = runner.run(one_round(ids, level, args.count, pages))
                mine = best.setdefault((loop_name, level), {})
                for key, value in got.items():
                    mine[key] = min(value, mine.get(key, float("inf")))
    for (loop_name, level), values in best.items():
        cells = ", ".join(f"{k} {v:.1f}" for k, v in values.items())
        ratio = values["sdk"] / values["raw_json"]
        print(
            f"{loop_name:8} @{level:<5} µs/req (min of {args.rounds}): {cells}; "
            f"sdk/raw_json {ratio:.2f}"
        )


if __name__ == "__main__":
    main()
