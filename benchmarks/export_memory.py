"""Memory of ``tallyfy-async export``: flat however large the organization.

FakeTallyfy serves an organization of 100,000 tasks (10,000 processes of 10 tasks) from a
process of its own (``tallyfy-async serve-fake``), so its data is not counted. Each export
is a fresh ``tallyfy-async export`` process, run as a user runs it (credentials from the
environment); its peak resident memory is the kernel's own account of it (``ru_maxrss`` of
the finished child, from ``os.wait4``). Two reference rows frame the figure: ``whoami`` (the
tool's footprint: Python, the SDK, one request) and a control that holds every task in
memory (``org.tasks.list().to_list()``), so the meter is seen to see a growing process.

Run it::

    python -m benchmarks.export_memory                  # 100,000 tasks
    python -m benchmarks.export_memory --processes 500  # quicker

It prints a Markdown table (the one in ``BENCHMARKS.md``, "Export: memory of the
command-line tool").
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

#: The bound of the tool's peak resident memory for 100,000 tasks, MB.
LIMIT_MB = 150
TOOL = [sys.executable, "-m", "tallyfy_async"]
CONTROL = """
import asyncio, os
from tallyfy_async import PasswordGrant, TallyfyClient
async def main():
    credentials = PasswordGrant(
        client_id=os.environ["TALLYFY_CLIENT_ID"],
        client_secret=os.environ["TALLYFY_CLIENT_SECRET"],
        username=os.environ["TALLYFY_USERNAME"],
        password=os.environ["TALLYFY_PASSWORD"],
    )
    async with TallyfyClient(credentials) as client:
        tasks = await client.org(os.environ["TALLYFY_ORG_ID"]).tasks.list(archived=True).to_list()
        print(len(tasks))
asyncio.run(main())
"""


def serve(processes: int, tasks_per_process: int) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    """Start the fake in its own process; returns it and its login."""
    server = subprocess.Popen(
        [*TOOL, "serve-fake", "--port", "0", "--json", "--max-log", "0",
         "--processes", str(processes), "--tasks-per-process", str(tasks_per_process),
         "--oneoff-tasks", "0"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert server.stdout is not None
    line = server.stdout.readline()
    if not line:
        server.wait(timeout=10)
        raise RuntimeError("the fake exited before printing its login")
    return server, json.loads(line)


def measure(command: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run ``command`` to its end: its peak resident memory (MB), seconds and output."""
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    assert child.stdout is not None and child.stderr is not None
    out, err = child.stdout.read().decode(), child.stderr.read().decode()
    child.stdout.close()
    child.stderr.close()
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"{command} failed ({child.returncode}):\n{out}\n{err}")
    return {"peak_mb": usage.ru_maxrss / 1024, "seconds": seconds, "out": out}


def run(processes: int = 10_000, tasks_per_process: int = 10) -> list[dict[str, Any]]:
    """Every row of the table, measured against one fake."""
    server, login = serve(processes, tasks_per_process)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TALLYFY_")}
    env.update(
        TALLYFY_BASE_URL=login["base_url"], TALLYFY_TOKEN_URL=login["token_url"],
        TALLYFY_ORG_ID=login["org_id"], TALLYFY_CLIENT_ID=login["client_id"],
        TALLYFY_CLIENT_SECRET=login["client_secret"], TALLYFY_USERNAME=login["username"],
        TALLYFY_PASSWORD=login["password"],
    )  # fmt: skip
    tasks = processes * tasks_per_process
    rows = []
    try:
        with tempfile.TemporaryDirectory() as folder:
            whoami = measure([*TOOL, "whoami"], env)
            rows.append({"step": "`whoami` (the tool's footprint)", **whoami, "records": 1})
            for suffix in ("jsonl", "sqlite"):
                out = Path(folder) / f"export.{suffix}"
                done = measure([*TOOL, "export", "--out", str(out), "--no-progress"], env)
                records = int(done["out"].split(" records in ")[0].split("\n")[-1].replace(",", ""))
                rows.append(
                    {"step": f"`export --out export.{suffix}`", **done, "records": records,
                     "file_mb": out.stat().st_size / 1e6}
                )  # fmt: skip
            control = measure([sys.executable, "-c", CONTROL], env)
            rows.append(
                {"step": "control: every task held in memory (`tasks.list().to_list()`)",
                 **control, "records": int(control["out"])}
            )  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=30)
        if server.stdout is not None:
            server.stdout.close()
    for row in rows:
        row["tasks"] = tasks
        row.pop("out")
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    """The rows as the Markdown table of ``BENCHMARKS.md``."""
    tasks = rows[0]["tasks"]
    lines = [
        f"| step ({tasks:,} tasks) | peak RSS, MB | under {LIMIT_MB} MB | records | seconds "
        "| records/s | file, MB |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        control = row["step"].startswith(("control", "`whoami`"))
        verdict = "n/a" if control else ("yes" if row["peak_mb"] < LIMIT_MB else "**no**")
        file_mb = f"{row['file_mb']:.0f}" if "file_mb" in row else ""
        rate = f"{row['records'] / row['seconds']:,.0f}" if row["records"] > 1 else ""
        lines.append(
            f"| {row['step']} | {row['peak_mb']:.1f} | {verdict} | {row['records']:,} | "
            f"{row['seconds']:.1f} | {rate} | {file_mb} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--processes", type=int, default=10_000)
    parser.add_argument("--tasks-per-process", type=int, default=10)
    args = parser.parse_args()
    print(table(run(args.processes, args.tasks_per_process)))


if __name__ == "__main__":
    main()
