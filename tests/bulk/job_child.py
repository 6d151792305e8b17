"""A bulk launch job in a process of its own, for the tests that kill it or press Ctrl-C.

``python -m tests.bulk.job_child CONFIG_JSON``: launches ``rows`` processes with dedupe
keys ``row-N``, journalled to ``journal`` (resumed from it when it exists), and prints the
report's counts as one JSON line when the job returns.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from tallyfy_async import PasswordGrant, TallyfyClient, bulk
from tallyfy_async.models.processes import Process


async def main(config: dict[str, Any], resume: bool) -> None:
    journal = Path(config["journal"])
    async with TallyfyClient(
        PasswordGrant(**config["credentials"]),
        base_url=config["base_url"],
        token_url=config["token_url"],
    ) as client:
        launcher = bulk.Launcher(client.org(config["org_id"]), config["blueprint_id"])

        async def launch_one(n: int) -> Process:
            return await launcher.launch(
                name=f"Row {n}", kickoff=config["kickoff"], dedupe_key=f"row-{n}"
            )

        report = await bulk.run(
            range(config["rows"]),
            launch_one,
            key=lambda n: f"row-{n}",
            concurrency=config["concurrency"],
            journal=journal,
            resume=journal if resume else None,
        )
    print(json.dumps({"interrupted": report.interrupted, "counts": report.counts}), flush=True)


if __name__ == "__main__":
    settings = json.loads(sys.argv[1])
    asyncio.run(main(settings, resume=Path(settings["journal"]).exists()))
