"""Export every process and every task of an organization, archived ones included, to JSON Lines.

It writes two files into the output directory (``./export`` by default): ``processes.jsonl``
and ``tasks.jsonl``, one JSON object a line, and says how many records and bytes went into
each. Long exports print a progress line every few seconds.

With no arguments it starts the embedded FakeTallyfy, seeds a demo organization and exports
it, so it runs anywhere with no credentials::

    python examples/export_demo.py          # demo: 2,000 processes (200 archived) and
                                            # 20,010 tasks: about 35 MB in ./export
    python examples/export_demo.py --processes 200 --out /tmp/export

Against the real Tallyfy, set TALLYFY_ORG, TALLYFY_CLIENT_ID, TALLYFY_CLIENT_SECRET,
TALLYFY_USERNAME and TALLYFY_PASSWORD and pass ``--live``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from contextlib import AsyncExitStack
from pathlib import Path

import attrs

from tallyfy_async import Paginator, PasswordGrant, TallyfyClient
from tallyfy_async.models import Model
from tallyfy_async.testing import FakeTallyfy


@attrs.define
class Tally:
    """What one file received so far."""

    path: Path
    records: int = 0
    archived: int = 0


async def export(listing: Paginator[Model], tally: Tally) -> None:
    """Write every item of ``listing`` to ``tally.path``, one JSON object a line."""
    with tally.path.open("w", encoding="utf-8") as out:
        async for item in listing:
            out.write(item.to_json() + "\n")
            tally.records += 1
            if getattr(item, "archived_at", None) is not None:
                tally.archived += 1


async def report_progress(tallies: list[Tally], every: float, started: float) -> None:
    """Print a progress line every ``every`` seconds until cancelled."""
    while True:
        await asyncio.sleep(every)
        done = sum(t.records for t in tallies)
        so_far = ", ".join(f"{t.records:,} {t.path.stem}" for t in tallies)
        rate = done / (time.perf_counter() - started)
        print(f"  ... {so_far} so far ({rate:,.0f} records/s)", flush=True)


def describe(tally: Tally) -> str:
    size = tally.path.stat().st_size
    return (
        f"  {tally.path}: {tally.records:,} {tally.path.stem} "
        f"({tally.archived:,} archived), {size / 1e6:,.1f} MB"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("export"), help="output directory")
    parser.add_argument("--processes", type=int, default=2_000, help="demo size")
    parser.add_argument("--tasks-per-process", type=int, default=10, help="demo size")
    parser.add_argument("--concurrency", type=int, default=8, help="pages fetched at once")
    parser.add_argument(
        "--progress-every", type=float, default=2.0, help="seconds between progress lines"
    )
    parser.add_argument("--live", action="store_true", help="export the real organization")
    args = parser.parse_args()

    async with AsyncExitStack() as stack:
        if args.live:
            org_id = os.environ["TALLYFY_ORG"]
            credentials = PasswordGrant(
                client_id=os.environ["TALLYFY_CLIENT_ID"],
                client_secret=os.environ["TALLYFY_CLIENT_SECRET"],
                username=os.environ["TALLYFY_USERNAME"],
                password=os.environ["TALLYFY_PASSWORD"],
            )
            client = await stack.enter_async_context(TallyfyClient(credentials))
        else:
            fake = await stack.enter_async_context(FakeTallyfy())
            demo = fake.seed_demo(
                processes=args.processes, tasks_per_process=args.tasks_per_process
            )
            org_id, credentials = demo.org_id, demo.credentials
            print(f"FakeTallyfy at {fake.base_url}, demo organization {org_id}")
            client = await stack.enter_async_context(
                TallyfyClient(credentials, base_url=fake.base_url, token_url=fake.token_url)
            )
        org = client.org(org_id)
        args.out.mkdir(parents=True, exist_ok=True)
        processes = Tally(args.out / "processes.jsonl")
        tasks = Tally(args.out / "tasks.jsonl")
        print(f"exporting every process and task, archived ones included, to {args.out}/")
        started = time.perf_counter()
        progress = asyncio.create_task(
            report_progress([processes, tasks], args.progress_every, started)
        )
        try:
            await asyncio.gather(
                export(org.processes.list(archived=True, concurrency=args.concurrency), processes),
                export(org.tasks.list(archived=True, concurrency=args.concurrency), tasks),
            )
        finally:
            progress.cancel()
        elapsed = time.perf_counter() - started
    total = processes.records + tasks.records
    print(f"exported {total:,} records in {elapsed:.2f} s ({total / elapsed:,.0f} records/s):")
    print(describe(processes))
    print(describe(tasks))


if __name__ == "__main__":
    asyncio.run(main())
