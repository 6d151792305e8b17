"""Instructions per small GET, SDK and raw aiohttp, over real HTTP (``python -m
benchmarks.instructions``).

On a shared host the time a request takes swings 10-70 % between processes and between
seconds, more than a change to the client is worth. The number of instructions the client
executes does not: each client runs under valgrind's cachegrind (``--cache-sim=no``),
FakeTallyfy serves from its own process outside it, and a client reads one task ``n`` and
``3n`` times; the difference over ``2n`` is the instructions per request, start-up and
teardown cancelled out. User space only (the kernel's share, the same for both clients, is
not counted), and no cache misses: a ratio of work done, not of time. Needs ``valgrind``;
a client under it runs about 50 times slower, so the counts take minutes.

On ``--loop asyncio`` (the default) every client decodes with ``json``; on ``--loop uvloop``
with orjson. ``--clients`` picks among ``raw``, ``sdk_session`` (raw aiohttp on the SDK's
own session, sending as its transport does: what the SDK's configuration costs aiohttp),
``sdk_dict`` (the SDK's ``get(..., raw=True)``: its whole pipeline, no model) and ``sdk``;
ratios are to the first.

    python -m benchmarks.instructions --in-flight 64 --requests 500
    python -m benchmarks.instructions --loop uvloop --clients raw,sdk_session,sdk_dict,sdk
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile

from benchmarks.live import _loop_factory, open_client, parse_clients, serving


def _client(ids_file: str, count: int, which: str, in_flight: int, loop: str) -> None:
    """Run in the valgrind'ed process: ``count`` GETs of one task, ``in_flight`` at a time."""
    uvloop = loop == "uvloop"
    if not uvloop:
        sys.modules["orjson"] = None  # type: ignore[assignment]  # json on both sides
    with open(ids_file) as file:
        ids = json.load(file)

    async def main() -> None:
        op, close = await open_client(ids, which, in_flight, use_orjson=uvloop)
        await op()
        left = [count]

        async def worker() -> None:
            while left[0] > 0:
                left[0] -= 1
                await op()

        try:
            await asyncio.gather(*(worker() for _ in range(in_flight)))
        finally:
            await close()

    with asyncio.Runner(loop_factory=_loop_factory(loop)) as runner:
        runner.run(main())


def count_instructions(ids_file: str, count: int, which: str, in_flight: int, loop: str) -> int:
    """Instructions a client process executes for ``count`` requests (all of its life)."""
    command = [
        "valgrind",
        "--tool=cachegrind",
        "--cache-sim=no",
        "--cachegrind-out-file=/dev/null",
        sys.executable,
        "-m",
        "benchmarks.instructions",
        "--client",
        which,
        "--ids-file",
        ids_file,
        "--requests",
        str(count),
        "--in-flight",
        str(in_flight),
        "--loop",
        loop,
    ]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    for line in done.stderr.splitlines():
        if "I" in line and "refs:" in line:
            return int(line.split()[-1].replace(",", ""))
    raise SystemExit(f"valgrind gave no count:\n{done.stderr[-2000:]}")


def main() -> None:
    """Print instructions per request of each client, and each one's ratio to the first."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--in-flight", type=int, default=64)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio")
    parser.add_argument("--clients", default="raw,sdk")
    parser.add_argument("--client", help=argparse.SUPPRESS)
    parser.add_argument("--ids-file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    clients = parse_clients(parser, args.clients)
    if args.client:
        _client(args.ids_file, args.requests, args.client, args.in_flight, args.loop)
        return
    n = args.requests
    with serving() as ids, tempfile.TemporaryDirectory() as scratch:
        ids_file = os.path.join(scratch, "ids.json")
        with open(ids_file, "w") as file:
            json.dump(ids, file)
        per_request: dict[str, float] = {}
        for which in clients:
            low = count_instructions(ids_file, n, which, args.in_flight, args.loop)
            high = count_instructions(ids_file, 3 * n, which, args.in_flight, args.loop)
            per_request[which] = (high - low) / (2 * n)
            print(f"{which}: {per_request[which]:,.0f} instructions a request", flush=True)
    first, *others = per_request
    decoder = "json, stock loop" if args.loop == "asyncio" else "orjson, uvloop"
    for which in others:
        ratio = per_request[which] / per_request[first]
        print(f"@{args.in_flight} in flight, {decoder}: {which}/{first} {ratio:.2f}")


if __name__ == "__main__":
    main()
