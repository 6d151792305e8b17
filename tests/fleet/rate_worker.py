"""One worker of a fleet sharing a rate budget in Redis (run as a process of its own).

    python -m tests.fleet.rate_worker '<json settings>'

It builds its client with a :class:`RedisRateBudget`, prints ``ready``, waits for a line on
standard input (so that a fleet starts together, once every process is up), makes
``calls`` reads of one task, ``concurrency`` at a time, and prints one JSON line: calls that
succeeded, those that failed (with why), attempts and 429s met, and the WARNINGs the budget
logged. The tests and ``benchmarks/fleet.py`` run it.

Settings: ``base_url``, ``token`` (one access token for the whole fleet, so the server counts
the fleet as one user), ``org_id``, ``task_id``, ``redis_url``, ``prefix``, ``rate``, and
optionally ``burst``, ``fleet_size``, ``recovery``, ``calls`` (100), ``concurrency`` (8),
``seconds`` (instead of ``calls``: read until this many seconds have passed since the start
line).
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
from asyncio.subprocess import PIPE
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

from tallyfy_async import Attempt, PersonalAccessToken, TallyfyClient
from tallyfy_async.stores import RedisRateBudget

#: The repository's root: the workers run there, so ``tests`` is importable.
ROOT = Path(__file__).resolve().parents[2]


class Warnings(logging.Handler):
    """Keeps the WARNINGs the budget logs."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


async def work(settings: dict[str, Any]) -> dict[str, Any]:
    warnings = Warnings()
    logging.getLogger("tallyfy_async.stores").addHandler(warnings)
    statuses: list[int | None] = []

    def on_attempt(attempt: Attempt) -> None:
        statuses.append(attempt.status)

    budget = RedisRateBudget(
        settings["redis_url"],
        rate=settings["rate"],
        burst=settings.get("burst", 1),
        prefix=settings["prefix"],
        fleet_size=settings.get("fleet_size"),
        **({"recovery": settings["recovery"]} if "recovery" in settings else {}),
    )
    ok = 0
    failed: list[str] = []
    async with TallyfyClient(
        PersonalAccessToken(settings["token"]),
        base_url=settings["base_url"],
        rate_control=budget,
        adaptive_rate=True,
        on_attempt=on_attempt,
    ) as client:
        org = client.org(settings["org_id"])
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        started = time.monotonic()
        seconds = settings.get("seconds")
        calls = iter(range(settings.get("calls", 100)))

        def more() -> bool:
            if seconds is not None:
                return time.monotonic() - started < seconds
            return next(calls, None) is not None

        async def reader() -> None:
            nonlocal ok
            while more():
                try:
                    await org.tasks.get(settings["task_id"])
                    ok += 1
                except Exception as exc:  # reported, and the test fails on it
                    failed.append(f"{type(exc).__name__}: {exc}")

        await asyncio.gather(*(reader() for _ in range(settings.get("concurrency", 8))))
        elapsed = time.monotonic() - started
    return {
        "ok": ok,
        "failed": failed,
        "attempts": len(statuses),
        "rate_limited": statuses.count(429),
        "seconds": elapsed,
        "warnings": warnings.messages,
        "budget_closed": budget.closed,
    }


async def run_fleet(
    settings: list[dict[str, Any]], during: Awaitable[object] | None = None
) -> tuple[list[dict[str, Any]], float, float]:
    """Run one worker process per settings, started together; ``during`` runs meanwhile.

    Returns each worker's result, and the monotonic times of the start line and of the
    last worker's end (every request of the fleet falls between the two).
    """
    processes: list[asyncio.subprocess.Process] = []
    try:
        for one in settings:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "tests.fleet.rate_worker", json.dumps(one),
                cwd=ROOT, stdin=PIPE, stdout=PIPE, stderr=PIPE,
            )  # fmt: skip
            processes.append(process)
        for process in processes:
            assert process.stdout is not None
            line = await asyncio.wait_for(process.stdout.readline(), 60)
            if line.strip() != b"ready":
                _, err = await process.communicate()
                raise RuntimeError(f"a worker did not start: {line!r} {err.decode()[-2000:]}")
        started = time.monotonic()
        ends = asyncio.gather(*(process.communicate(b"go\n") for process in processes))
        if during is not None:
            await during
        outputs = await ends
        ended = time.monotonic()
    finally:
        for process in processes:
            if process.returncode is None:
                process.kill()
                await process.communicate()
    results = []
    for process, (out, err) in zip(processes, outputs, strict=True):
        if process.returncode != 0:
            raise RuntimeError(f"a worker failed ({process.returncode}): {err.decode()[-2000:]}")
        results.append(json.loads(out.decode().strip().splitlines()[-1]))
    return results, started, ended


def main() -> None:
    result = asyncio.run(work(json.loads(sys.argv[1])))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
