"""Bulk-export every process and task of an organization to JSON Lines.

With no arguments it starts the embedded FakeTallyfy, seeds a demo organization
and exports it, so it runs anywhere with no credentials::

    python examples/export_demo.py                # demo: 2,000 processes, 20,000 tasks
    python examples/export_demo.py --processes 200 --out /tmp/export

Against the real Tallyfy, set TALLYFY_ORG, TALLYFY_CLIENT_ID, TALLYFY_CLIENT_SECRET,
TALLYFY_USERNAME and TALLYFY_PASSWORD and pass ``--live``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from tallyfy_async import PasswordGrant, TallyfyClient
from tallyfy_async.models._base import Model
from tallyfy_async.pagination import Paginator
from tallyfy_async.testing import FakeTallyfy


async def export(listing: Paginator[Any], path: Path) -> int:
    """Write every item of ``listing`` to ``path``, one JSON object a line."""
    count = 0
    with path.open("w", encoding="utf-8") as out:
        async for item in listing:
            row = item.to_dict() if isinstance(item, Model) else item
            out.write(json.dumps(row, default=str) + "\n")
            count += 1
    return count


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("export"))
    parser.add_argument("--processes", type=int, default=2_000, help="demo size")
    parser.add_argument("--tasks-per-process", type=int, default=10, help="demo size")
    parser.add_argument("--concurrency", type=int, default=8, help="pages fetched at once")
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
        started = time.perf_counter()
        processes, tasks = await asyncio.gather(
            export(org.processes.list(concurrency=args.concurrency), args.out / "processes.jsonl"),
            export(org.tasks.list(concurrency=args.concurrency), args.out / "tasks.jsonl"),
        )
        elapsed = time.perf_counter() - started
    print(
        f"exported {processes} processes and {tasks} tasks to {args.out}/ in {elapsed:.2f} s "
        f"({(processes + tasks) / elapsed:,.0f} records/s)"
    )


if __name__ == "__main__":
    asyncio.run(main())
