"""The workloads, one function each, run inside a client process.

Each returns a JSON-ready dict: the measured window's summary plus what the report needs
(peak memory, which calls were made, which JSON library and event loop were in use).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import sys
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, cast

from benchmarks.jobs import SDK_CLIENTS, UVLOOP_CLIENTS, WIDE_CLIENTS, Job, OrgLogin
from benchmarks.measure import (
    Window,
    control,
    current_rss_mb,
    fetch_token,
    peak_rss_mb,
    run_async,
    run_threads,
    timed,
    timed_async,
)

if TYPE_CHECKING:  # the clients import aiohttp, the SDK or tallyfy: only inside a run
    from benchmarks.client_official import OfficialClient
    from benchmarks.client_raw import RawClient
    from benchmarks.client_sdk import SdkClient

#: Pages walked at most, whatever a server says (the loops stay bounded).
MAX_PAGES = 100_000


def run_job(job: Job) -> dict[str, Any]:
    """Run one job in this process and describe what it measured."""
    runner = WORKLOADS[job.workload]
    result: dict[str, Any] = {
        "workload": job.workload,
        "client": job.client,
        "in_flight": job.in_flight,
        "rep": job.rep,
        "core": job.core,
        "loop": "uvloop" if job.client in UVLOOP_CLIENTS else "asyncio",
    }
    result.update(runner(job))
    result["peak_rss_mb"] = peak_rss_mb()
    return result


def _run(job: Job, main: Callable[[], Coroutine[Any, Any, dict[str, Any]]]) -> dict[str, Any]:
    """Run ``main()`` on the event loop this client uses."""
    if job.client in UVLOOP_CLIENTS:
        import uvloop

        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            return runner.run(main())
    with asyncio.Runner() as runner:
        return runner.run(main())


def _sdk_info() -> dict[str, Any]:
    from benchmarks.client_sdk import json_library

    return {"json": json_library(), "orjson_imported": "orjson" in sys.modules}


def _with_client(
    job: Job,
    login: OrgLogin,
    *,
    sdk: Callable[[SdkClient], Awaitable[dict[str, Any]]],
    raw: Callable[[RawClient], Awaitable[dict[str, Any]]],
    official: Callable[[list[OfficialClient]], dict[str, Any]],
    official_clients: int | None = None,
    max_concurrency: int | None = None,
) -> dict[str, Any]:
    """Open the client ``job.client`` names, measure with it, close it; the measured dict.

    ``sdk`` and ``raw`` run on the client's event loop with an ``SdkClient`` (its
    ``max_concurrency`` as given, None for the SDK's default) or a ``RawClient`` (its token
    fetched before the loop starts); ``official`` runs in this thread with
    ``official_clients`` ``OfficialClient`` instances (one per thread; by default
    ``min(in_flight, official_threads)``). The SDK's and the official SDK's results also
    name the calls made, the SDK's its JSON library and ``max_concurrency``.
    """
    target = job.target
    if job.client in SDK_CLIENTS:
        from benchmarks.client_sdk import CALLS, SdkClient

        async def main() -> dict[str, Any]:
            client = SdkClient(target, login, max_concurrency=max_concurrency)
            try:
                result = await sdk(client)
            finally:
                await client.close()
            return {
                **result,
                "calls": CALLS[job.workload],
                "max_concurrency": client.max_concurrency,
                **_sdk_info(),
            }

        return _run(job, main)
    if job.client in ("raw_json", "raw_orjson_uvloop"):
        from benchmarks.client_raw import RawClient

        token = fetch_token(target.token_url, login)

        async def main_raw() -> dict[str, Any]:
            client = RawClient(target, login, token, use_orjson=job.client == "raw_orjson_uvloop")
            try:
                return await raw(client)
            finally:
                await client.close()

        return _run(job, main_raw)
    if job.client == "official":
        from benchmarks.client_official import CALLS as OFFICIAL_CALLS
        from benchmarks.client_official import OfficialClient

        token = fetch_token(target.token_url, login)
        if official_clients is None:
            official_clients = min(job.in_flight, job.sizes.official_threads)
        clients = [OfficialClient(target, login, token) for _ in range(official_clients)]
        try:
            result = official(clients)
        finally:
            for client in clients:
                client.close()
        return {**result, "calls": OFFICIAL_CALLS[job.workload]}
    raise ValueError(f"no client {job.client!r} for {job.workload}")


# --- 1. small typed GETs --------------------------------------------------------------


def small_get(job: Job) -> dict[str, Any]:
    """One task, read again and again with ``job.in_flight`` requests in flight."""
    sizes, target = job.sizes, job.target

    async def measure_async(client: SdkClient | RawClient) -> dict[str, Any]:
        idle = current_rss_mb()
        op = client.get_task
        await op(0)  # a token and a connection before anything is timed
        if sizes.warmup_s > 0:
            await run_async(op, job.in_flight, count=sizes.max_requests, duration_s=sizes.warmup_s)
        window = await run_async(
            op,
            job.in_flight,
            count=sizes.max_requests,
            duration_s=sizes.measure_s,
            control_url=target.control_url,
        )
        return {"idle_rss_mb": idle, "window": window.summary()}

    def measure_official(clients: list[OfficialClient]) -> dict[str, Any]:
        for client in clients:
            client.get_task()
        idle = current_rss_mb()
        ops = [client.get_task for client in clients]
        if sizes.warmup_s > 0:
            run_threads(ops, count=sizes.max_requests, duration_s=sizes.warmup_s)
        window = run_threads(
            ops,
            count=sizes.max_requests,
            duration_s=sizes.measure_s,
            control_url=target.control_url,
        )
        return {"idle_rss_mb": idle, "window": window.summary(), "threads": len(clients)}

    return _with_client(
        job,
        target.export_org,
        sdk=measure_async,
        raw=measure_async,
        official=measure_official,
        # As a user runs it: beyond its default limit, callers queue in the SDK; the
        # `_wide` clients put every caller's request on the wire, as the raw clients do.
        max_concurrency=job.in_flight if job.client in WIDE_CLIENTS else None,
    )


# --- 2. paging ------------------------------------------------------------------------


def paging(job: Job) -> dict[str, Any]:
    """``sizes.pages`` pages of ``sizes.per_page`` tasks, typed (dicts for the raw clients)."""
    sizes, target = job.sizes, job.target
    pages, per_page = sizes.pages, sizes.per_page
    warm_pages = min(3, pages)

    raw_dicts = job.client == "sdk_raw_speed"

    async def measure_sdk(sdk: SdkClient) -> dict[str, Any]:
        warm = sdk.tasks(per_page=per_page, limit=warm_pages * per_page, concurrency=1)
        async for _ in (warm.raw() if raw_dicts else warm).pages():
            pass
        idle = current_rss_mb()
        typed = sdk.tasks(per_page=per_page, limit=pages * per_page, concurrency=job.in_flight)
        listing: Any = typed.raw() if raw_dicts else typed
        seen = {"items": 0}

        async def walk() -> int:
            # Stop after `pages` pages ourselves: with concurrency > 1, pages()
            # does not stop at `limit` (see the report's notes).
            count = 0
            pages_walk = cast(AsyncGenerator[Any, None], listing.pages())
            async with contextlib.aclosing(pages_walk) as walk_pages:
                async for page in walk_pages:
                    count += 1
                    seen["items"] += len(page.items)
                    if count >= pages:
                        break
            return count

        window = await timed_async(walk, target.control_url)
        return {"idle_rss_mb": idle, "window": window.summary("page"), "items": seen["items"]}

    async def measure_raw(raw: RawClient) -> dict[str, Any]:
        seen = {"items": 0}

        async def one(index: int) -> None:
            body = await raw.page(index + 1, per_page)
            seen["items"] += len(body["data"])

        await run_async(one, 1, count=warm_pages)
        seen["items"] = 0
        idle = current_rss_mb()
        window = await run_async(one, job.in_flight, count=pages, control_url=target.control_url)
        return {"idle_rss_mb": idle, "window": window.summary("page"), "items": seen["items"]}

    def measure_official(clients: list[OfficialClient]) -> dict[str, Any]:
        threads = len(clients)
        counted = [0] * threads

        def op_for(number: int) -> Callable[[int], object]:
            client = clients[number]

            def op(index: int) -> None:
                counted[number] += len(client.page(index + 1, per_page).data)

            return op

        for number in range(threads):
            op_for(number)(0)
        counted = [0] * threads
        idle = current_rss_mb()
        window = run_threads(
            [op_for(n) for n in range(threads)], count=pages, control_url=target.control_url
        )
        return {
            "idle_rss_mb": idle,
            "window": window.summary("page"),
            "items": sum(counted),
            "threads": threads,
        }

    return _with_client(
        job, target.export_org, sdk=measure_sdk, raw=measure_raw, official=measure_official
    )


# --- 3. bulk export -------------------------------------------------------------------


def export(job: Job) -> dict[str, Any]:
    """Every task of the export organization, as fast as the client walks them."""
    sizes, target = job.sizes, job.target
    per_page = 100 if sizes.per_page >= 100 else sizes.per_page
    concurrency = sizes.export_concurrency

    async def measure_sdk(sdk: SdkClient) -> dict[str, Any]:
        await sdk.get_task()  # the token, outside the measurement
        idle = current_rss_mb()

        async def walk() -> int:
            count = 0
            listing = sdk.tasks(per_page=per_page, limit=None, concurrency=concurrency)
            async for _task in listing:
                count += 1
            return count

        window = await timed_async(walk, target.control_url)
        return {"idle_rss_mb": idle, "window": window.summary("task"), "concurrency": concurrency}

    async def measure_raw(raw: RawClient) -> dict[str, Any]:
        await raw.get_task()
        idle = current_rss_mb()

        async def walk() -> int:
            first = await raw.page(1, per_page)
            total_pages = min(int(first["meta"]["pagination"]["total_pages"]), MAX_PAGES)
            seen = [len(first["data"])]

            async def one(index: int) -> None:
                body = await raw.page(index + 2, per_page)
                seen[0] += len(body["data"])  # after the await: no lost update

            window = await run_async(one, concurrency, count=total_pages - 1, record=False)
            if window.errors:
                raise RuntimeError(window.first_error)
            return seen[0]

        window = await timed_async(walk, target.control_url)
        return {"idle_rss_mb": idle, "window": window.summary("task"), "concurrency": concurrency}

    def measure_official(clients: list[OfficialClient]) -> dict[str, Any]:
        (client,) = clients
        client.get_task()
        idle = current_rss_mb()

        def walk() -> int:
            count, number, total_pages = 0, 0, 1
            while number < min(total_pages, MAX_PAGES):
                number += 1
                page = client.page(number, per_page)
                count += len(page.data)
                total_pages = page.meta.total_pages if page.meta else number
            return count

        window = timed(walk, target.control_url)
        return {"idle_rss_mb": idle, "window": window.summary("task"), "concurrency": 1}

    return _with_client(
        job,
        target.export_org,
        sdk=measure_sdk,
        raw=measure_raw,
        official=measure_official,
        official_clients=1,  # it has no concurrent paginator: pages one after the other
    )


# --- 4. token storm -------------------------------------------------------------------


def token_storm(job: Job) -> dict[str, Any]:
    """``storm_calls`` concurrent calls when the token expires, by the clock and on the server.

    Three bursts of the same size on one client: with a fresh token (the baseline), right
    after the token passed its refresh point (the client refreshes before sending), and
    right after the server expired it (every call meets a 401 and is replayed).
    """
    if job.client not in ("sdk", "sdk_speed"):
        raise ValueError("the token storm measures the SDK's token cache only")
    from benchmarks.client_sdk import SdkClient
    from tallyfy_async._transport import Attempt

    sizes, target = job.sizes, job.target
    login = target.export_org
    lifetime = max(1, int(sizes.storm_token_lifetime))
    token_url = target.token_url
    attempts: list[tuple[str, int | None]] = []

    def on_attempt(attempt: Attempt) -> None:
        attempts.append((attempt.url, attempt.status))

    async def burst(sdk: SdkClient) -> dict[str, Any]:
        before = len(attempts)
        grants0 = control(target.control_url, "/stats")["token_grants"]
        clock = time.perf_counter
        latencies: list[float] = []
        errors: list[str] = []

        async def call() -> None:
            t0 = clock()
            try:
                await sdk.get_task()
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}"[:200])
                return
            latencies.append(clock() - t0)

        window = Window()
        meter = window.start_cores()
        started = clock()
        cpu0 = time.process_time()
        await asyncio.gather(*(call() for _ in range(sizes.storm_calls)))
        window.wall_s = clock() - started
        window.cpu_s = time.process_time() - cpu0
        window.stop_cores(meter)
        window.ops, window.errors, window.latencies_s = len(latencies), len(errors), latencies
        window.first_error = errors[0] if errors else None
        mine = attempts[before:]
        out = window.summary("call")
        out["token_requests"] = sum(1 for url, _ in mine if url == token_url)
        out["server_token_grants"] = control(target.control_url, "/stats")["token_grants"] - grants0
        out["replays_401"] = sum(1 for url, status in mine if status == 401)
        out["attempts"] = len(mine)
        return out

    async def main() -> dict[str, Any]:
        sdk = SdkClient(target, login, on_attempt=on_attempt)
        try:
            await sdk.get_task()  # the first token: lifetime seconds, refresh due at half
            due = time.monotonic() + lifetime / 2 + 0.05
            baseline = await burst(sdk)
            baseline["finished_before_refresh_due"] = time.monotonic() < due
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            clock_expiry = await burst(sdk)
            expired = control(target.control_url, "/expire-tokens", org=login.org_id)["expired"]
            server_expiry = await burst(sdk)
            server_expiry["tokens_expired_on_server"] = expired
        finally:
            await sdk.close()
        return {
            "calls": f"{sizes.storm_calls} x org.tasks.get(task_id) at once",
            "token_lifetime_s": lifetime,
            "phases": {
                "fresh_token": baseline,
                "clock_expiry": clock_expiry,
                "server_expiry": server_expiry,
            },
            **_sdk_info(),
        }

    control(target.control_url, "/token-lifetime", seconds=lifetime)
    try:
        return _run(job, main)
    finally:
        control(target.control_url, "/token-lifetime", seconds=3600)


# --- 5. launches ----------------------------------------------------------------------


def launch(job: Job) -> dict[str, Any]:
    """``sizes.launches`` processes with kick-off values, ``job.in_flight`` at a time."""
    sizes, target = job.sizes, job.target
    warm = min(job.in_flight, 8)

    def applied(before: dict[str, Any]) -> int:
        return int(control(target.control_url, "/stats")["launches"] - before["launches"])

    async def measure_async(client: SdkClient | RawClient) -> dict[str, Any]:
        await run_async(client.launch, job.in_flight, count=warm)
        idle = current_rss_mb()
        before = control(target.control_url, "/stats")
        window = await run_async(
            client.launch, job.in_flight, count=sizes.launches, control_url=target.control_url
        )
        return {
            "idle_rss_mb": idle,
            "window": window.summary("launch"),
            "applied_on_server": applied(before),
        }

    async def measure_sdk(sdk: SdkClient) -> dict[str, Any]:
        await sdk.prepare_launch()
        return await measure_async(sdk)

    def measure_official(clients: list[OfficialClient]) -> dict[str, Any]:
        threads = len(clients)
        run_threads([c.launch for c in clients], count=threads)
        idle = current_rss_mb()
        before = control(target.control_url, "/stats")
        window = run_threads(
            [c.launch for c in clients], count=sizes.launches, control_url=target.control_url
        )
        return {
            "idle_rss_mb": idle,
            "window": window.summary("launch"),
            "applied_on_server": applied(before),
            "threads": threads,
        }

    return _with_client(
        job,
        target.launch_org,
        sdk=measure_sdk,
        raw=measure_async,
        official=measure_official,
    )


# --- 6. bulk jobs ---------------------------------------------------------------------


def bulk_jobs(job: Job) -> dict[str, Any]:
    """A job held to a rate limit, and an organization export counted in requests.

    The rate: the server limits each token to ``rate_limit`` requests per window (Tallyfy's
    600 a minute, the minute scaled down to ``rate_window_s``) and records every window;
    ``bulk.run`` reads one task ``rate_limit * rate_windows`` times. The achieved rate is
    taken over the windows that ended (from the first window's opening to the last's), so a
    burst in the last window does not flatter it. The export walks the whole export
    organization with ``bulk.export`` and counts its requests against the pages the
    listings have.
    """
    if job.client not in ("sdk", "sdk_speed"):
        raise ValueError("the bulk jobs measure the SDK's bulk helpers only")
    from benchmarks.client_sdk import CALLS, SdkClient
    from tallyfy_async import bulk

    sizes, target = job.sizes, job.target
    limit, window = sizes.rate_limit, sizes.rate_window_s

    async def paced(sdk: SdkClient) -> dict[str, Any]:
        await sdk.get_task()  # the token and a connection, before the limit
        calls = limit * sizes.rate_windows
        control(target.control_url, "/rate-limit", requests=limit, per_seconds=window)
        try:
            started = time.perf_counter()
            report = await bulk.run(range(calls), sdk.get_task)
            wall = time.perf_counter() - started
            windows = control(target.control_url, "/rate-windows")["windows"]
        finally:
            control(target.control_url, "/rate-limit", requests=0)
        opened = [w[0] for w in windows]
        accepted = [int(w[1]) for w in windows]
        refused = [int(w[2]) for w in windows]
        span = opened[-1] - opened[0] if len(opened) > 1 else math.nan
        achieved = sum(accepted[:-1]) / span if span > 0 else math.nan
        allowed = limit / window
        answered = sum(accepted) + sum(refused)
        later = sum(accepted[1:]) + sum(refused[1:])
        return {
            "calls": calls,
            "done": report.counts["done"],
            "wall_s": wall,
            "windows": len(windows),
            "allowed_per_s": allowed,
            "achieved_per_s": achieved,
            "share_pct": achieved / allowed * 100,
            "overall_per_s": calls / wall,
            "requests": report.requests,
            "server_requests": answered,
            "refused": sum(refused),
            "refused_pct": sum(refused) / answered * 100,
            "refused_after_first_pct": sum(refused[1:]) / later * 100 if later else math.nan,
            "allowance": report.allowances.get(target.export_org.org_id),
        }

    async def export(sdk: SdkClient) -> dict[str, Any]:
        await sdk.get_task()
        walk = bulk.export(sdk.org)
        records = 0
        started = time.perf_counter()
        async for _record in walk:
            records += 1
        wall = time.perf_counter() - started
        counts = dict(walk.counts)
        # One task listing per process (what a client without the organization-wide
        # listing does): the process pages, then a page of tasks for each process.
        per_process = (
            math.ceil(counts.get("blueprint", 0) / 100)
            + math.ceil(counts.get("process", 0) / 100)
            + counts.get("process", 0)
        )
        return {
            "records": records,
            "counts": counts,
            "requests": walk.requests,
            "minimum": walk.minimum_requests,
            "ratio": walk.requests / walk.minimum_requests,
            "per_process_listings": per_process,
            "wall_s": wall,
            "records_per_s": records / wall,
            "rate_limited": walk.rate_limited,
        }

    async def main() -> dict[str, Any]:
        sdk = SdkClient(target, target.export_org)
        try:
            rate = await paced(sdk)
        finally:
            await sdk.close()
        sdk = SdkClient(target, target.export_org)
        try:
            walked = await export(sdk)
        finally:
            await sdk.close()
        return {"rate": rate, "export": walked, "calls": CALLS["bulk"], **_sdk_info()}

    return _run(job, main)


def decode(job: Job) -> dict[str, Any]:
    """Bytes to objects, per task, for every decoder (see :mod:`benchmarks.decoding`)."""
    from benchmarks.decoding import run_decoding

    return run_decoding(job)


def webhooks(job: Job) -> dict[str, Any]:
    """Deliveries a second into a webhook endpoint (see :mod:`benchmarks.hooks`)."""
    from benchmarks.hooks import run_hooks

    return run_hooks(job)


WORKLOADS: dict[str, Callable[[Job], dict[str, Any]]] = {
    "small_get": small_get,
    "paging": paging,
    "export": export,
    "token_storm": token_storm,
    "launch": launch,
    "bulk": bulk_jobs,
    "decode": decode,
    "webhooks": webhooks,
}
