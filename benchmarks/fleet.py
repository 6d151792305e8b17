"""A fleet sharing one rate budget in Redis: its rate against the budget, and its 429s.

FakeTallyfy runs in a process of its own (``benchmarks/server.py``) and limits each access
token to ``R`` requests per 1-second window (exact ``Retry-After``), recording every window.
A fleet of 1, 4 and 8 worker processes (``tests/fleet/rate_worker.py``), sharing one access
token (so the server counts them as one user) and one :class:`RedisRateBudget` of ``R``
requests a second in a ``redis-server`` of its own, reads one task, 16 at a time per
process, for a fixed time. Repetitions are interleaved (1, 4, 8, 1, 4, 8, ...).

For each run: the fleet's rate over the windows that ended (first opening to last opening,
as section 6 of ``BENCHMARKS.md`` takes it) against ``R``, the share of requests the server
answered 429, and Redis commands (the budget's scripts) per request sent. The table gives
the median over the repetitions with the range.

Run it::

    python -m benchmarks.fleet                    # R = 200/s, 6 s runs, 3 repetitions
    python -m benchmarks.fleet --rate 100 --reps 5

It needs ``redis-server`` (Debian: ``apt-get install -y redis-server``) and the ``redis``
extra. It prints a Markdown table (the one in ``BENCHMARKS.md``, "A fleet sharing one rate
budget").
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import sys
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.server import ServerProcess, ServerSpec  # noqa: E402
from tests.fleet.rate_worker import run_fleet  # noqa: E402
from tests.redis_server import RedisServer, missing_redis_message, redis_binary  # noqa: E402

FLEETS = (1, 4, 8)
#: Requests in flight per worker process.
CONCURRENCY = 16


async def token(target: Any) -> str:
    """One access token for the whole fleet (a password grant)."""
    login = target.export_org
    form = {
        "grant_type": "password",
        "client_id": login.client_id,
        "client_secret": login.client_secret,
        "username": login.username,
        "password": login.password,
    }
    async with (
        aiohttp.ClientSession() as session,
        session.post(target.token_url, data=form) as response,
    ):
        response.raise_for_status()
        return str((await response.json())["access_token"])


async def control(session: aiohttp.ClientSession, target: Any, path: str, **form: Any) -> Any:
    """A call to the fake's control port (POST with a form, GET without)."""
    url = target.control_url + path
    request = session.post(url, data=form) if form else session.get(url)
    async with request as response:
        response.raise_for_status()
        return await response.json()


async def redis_calls(url: str) -> int:
    """Scripts Redis has run so far (EVALSHA and EVAL)."""
    import redis.asyncio as redis

    client = redis.Redis.from_url(url)
    try:
        stats = await client.info("commandstats")
    finally:
        await client.aclose()
    return sum(
        int(stats.get(f"cmdstat_{name}", {}).get("calls", 0)) for name in ("evalsha", "eval")
    )


async def one_run(
    target: Any, fleet_token: str, redis_url: str, workers: int, rate: float, limit: int,
    seconds: float, label: str, recovery: float | None = None,
) -> dict[str, Any]:  # fmt: skip
    """One fleet of ``workers`` processes for ``seconds``; its figures."""
    settings = {
        "base_url": target.base_url,
        "token": fleet_token,
        "org_id": target.export_org.org_id,
        "task_id": target.task_id,
        "redis_url": redis_url,
        "prefix": f"bench:{label}:",
        "rate": rate,
        "seconds": seconds,
        "concurrency": CONCURRENCY,
    }
    if recovery is not None:
        settings["recovery"] = recovery
    async with aiohttp.ClientSession() as session:
        await control(session, target, "/rate-limit", requests=limit, per_seconds=1.0)
        calls_before = await redis_calls(redis_url)
        results, _, _ = await run_fleet([settings] * workers)
        calls = await redis_calls(redis_url) - calls_before
        windows = (await control(session, target, "/rate-windows"))["windows"]
        await control(session, target, "/rate-limit", requests=0)
    failed = [message for result in results for message in result["failed"]]
    accepted = sum(int(w[1]) for w in windows)
    refused = sum(int(w[2]) for w in windows)
    ended = windows[:-1]
    span = windows[-1][0] - windows[0][0] if len(windows) > 1 else 0.0
    achieved = sum(int(w[1]) for w in ended) / span if span > 0 else float("nan")
    return {
        "workers": workers,
        "rate": rate,
        "limit": limit,
        "recovery": recovery,
        "achieved": achieved,
        "of_budget": achieved / rate,
        "share_429": refused / max(1, accepted + refused),
        "requests": accepted + refused,
        "redis_per_request": calls / max(1, accepted + refused),
        "windows": len(windows),
        "failed": len(failed),
        "fell_back": sum(len(result["warnings"]) for result in results),
    }


async def run_all(
    rate: float = 200.0,
    seconds: float = 6.0,
    reps: int = 3,
    fleets: tuple[int, ...] = FLEETS,
    limit: int | None = None,
    redis_url: str | None = None,
    recovery: float | None = None,
) -> list[dict[str, Any]]:
    """Every run, repetitions interleaved; the server allows ``limit`` a second (``rate``).

    ``redis_url``: a Redis to use (by default a ``redis-server`` of its own is started);
    ``recovery``: the budget's setting (its default when None).
    """
    limit = int(rate) if limit is None else limit
    redis_server = None
    if redis_url is None:
        binary = redis_binary()
        if binary is None:
            raise SystemExit(missing_redis_message())
        redis_server = RedisServer(binary)
        redis_server.start()
        redis_url = redis_server.url
    server = ServerProcess(
        ServerSpec(export_tasks=100, core=None), multiprocessing.get_context("spawn")
    )
    try:
        target = server.start()
        fleet_token = await token(target)
        rows = []
        for rep in range(reps):
            for workers in fleets:
                row = await one_run(
                    target, fleet_token, redis_url, workers, rate, limit, seconds,
                    f"{workers}-{rep}", recovery,
                )  # fmt: skip
                row["rep"] = rep
                rows.append(row)
                print(
                    f"  {workers} process(es), rep {rep + 1}: {row['achieved']:.1f}/s "
                    f"({row['of_budget']:.1%} of {rate:g}), 429s {row['share_429']:.2%}",
                    file=sys.stderr,
                )
        return rows
    finally:
        server.stop()
        if redis_server is not None:
            redis_server.close()


def _median_range(values: list[float], fmt: str) -> str:
    low, mid, high = (
        format(value, fmt) for value in (min(values), statistics.median(values), max(values))
    )
    return f"{mid} ({low}-{high})"


def table(rows: list[dict[str, Any]]) -> str:
    """The runs as the Markdown table of ``BENCHMARKS.md``: one line per fleet size."""
    rate, limit = rows[0]["rate"], rows[0]["limit"]
    lines = [
        f"| processes | fleet rate, req/s (budget {rate:g}, server {limit}) | of the budget "
        "| answered 429 "
        "| Redis scripts per request | failed calls | runs |",
        "|---|---|---|---|---|---|---|",
    ]
    for workers in sorted({row["workers"] for row in rows}):
        mine = [row for row in rows if row["workers"] == workers]
        lines.append(
            f"| {workers} | {_median_range([r['achieved'] for r in mine], '.1f')} "
            f"| {_median_range([100 * r['of_budget'] for r in mine], '.1f')} % "
            f"| {_median_range([100 * r['share_429'] for r in mine], '.2f')} % "
            f"| {_median_range([r['redis_per_request'] for r in mine], '.2f')} "
            f"| {sum(r['failed'] for r in mine)} | {len(mine)} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=200.0, help="the budget R, requests/s")
    parser.add_argument(
        "--limit", type=int, help="the server's limit per 1-second window (default: the rate)"
    )
    parser.add_argument(
        "--recovery", type=float, help="the budget's recovery, share of the rate a second"
    )
    parser.add_argument("--seconds", type=float, default=6.0, help="length of each run")
    parser.add_argument("--reps", type=int, default=3, help="repetitions of each fleet")
    parser.add_argument(
        "--fleets", default=",".join(map(str, FLEETS)), help="fleet sizes, comma-separated"
    )
    args = parser.parse_args()
    fleets = tuple(int(size) for size in args.fleets.split(","))
    rows = asyncio.run(
        run_all(args.rate, args.seconds, args.reps, fleets, args.limit, recovery=args.recovery)
    )
    print(table(rows))


if __name__ == "__main__":
    main()
