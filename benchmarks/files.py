"""Memory while files move: a large upload and download stay flat.

The SDK streams files in chunks, so moving a 200 MB file should add a few megabytes of
resident memory, not 200. This measures it: FakeTallyfy serves in a process of its own (so
its copy of the file is not counted) and holds the file the downloads read; each step runs
in a fresh client process (an upload from a path, from an async iterator, a download to a
path, as chunks), which samples its own resident set (``VmRSS``) every 5 ms from a thread.
Each row reports the peak above the resident set just before the step, once the client had
made one request. The last
row is a control: reading the whole download into one ``bytes`` must show the file's size,
or the meter would not be seeing anything.

Run it::

    python -m benchmarks.files                 # 200 MB
    python -m benchmarks.files --size-mb 20    # quicker

It prints a Markdown table (the one in ``BENCHMARKS.md``, "Files: memory while moving").
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import multiprocessing
import os
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

MB = 1024 * 1024
#: Sizes a step may add, in MB, to count as flat (the issue's bound).
FLAT_MB = 20
BLOCK = bytes(range(256)) * 4096  # 1 MiB


# --- the server process ---------------------------------------------------------------------


def server_main(size: int, conn: Connection) -> None:
    """FakeTallyfy taking files of ``size`` bytes; sends what the client needs, then serves
    until told to stop."""
    asyncio.run(_serve(size, conn))


async def _serve(size: int, conn: Connection) -> None:
    from tallyfy_async.testing import FakeTallyfy

    async with FakeTallyfy(
        max_log=0, max_body_size=size + 16 * MB, max_upload_size=size + MB
    ) as fake:
        demo = fake.seed_demo(processes=1, tasks_per_process=1, oneoff_tasks=1)
        token = fake.add_personal_access_token(demo.admin_id)
        task_id = demo.oneoff_task_ids[0]
        # The file the download steps read, stored here: no client step depends on another.
        asset = fake.add_file(
            demo.org_id, BLOCK * (size // MB), filename="big.zip", subject_type="Task",
            subject_id=task_id,
        )  # fmt: skip
        conn.send((fake.base_url, token, demo.org_id, task_id, asset))
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, conn.recv)  # "stop", or the pipe closes


# --- the client process ---------------------------------------------------------------------


class Meter:
    """Samples this process's resident set from a thread (the event loop may be busy)."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def rss() -> int:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        raise RuntimeError("no VmRSS in /proc/self/status")

    def _run(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, self.rss())

    def __enter__(self) -> Meter:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()


async def _blocks(size: int) -> AsyncIterator[bytes]:
    for _ in range(size // MB):
        yield BLOCK


def client_main(spec: dict[str, Any], step: str, conn: Connection) -> None:
    """Run one step in this fresh process and send back its row."""
    try:
        conn.send(("ok", asyncio.run(_step(spec, step))))
    except BaseException as exc:  # the orchestrator shows it
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


async def _step(spec: dict[str, Any], step: str) -> dict[str, Any]:
    from tallyfy_async import PersonalAccessToken, TallyfyClient

    size, asset = spec["size"], spec["asset"]
    async with TallyfyClient(
        PersonalAccessToken(spec["token"]), base_url=spec["base_url"], allow_insecure_http=True
    ) as client:
        org = client.org(spec["org_id"])
        upload = {"subject_type": "Task", "subject_id": spec["task_id"], "uploaded_from": "f"}

        async def from_path() -> None:
            await org.files.upload(content=spec["path"], max_size=None, **upload)

        async def from_iterator() -> None:
            await org.files.upload(
                content=_blocks(size), filename="streamed.zip", max_size=None, **upload
            )

        async def to_path() -> None:
            await org.files.download(asset, to=Path(spec["folder"]) / "copy.zip", max_size=None)

        async def as_chunks() -> None:
            received = 0
            async with org.files.open(asset, max_size=None) as file:
                async for chunk in file:
                    received += len(chunk)
            assert received == size, received

        async def whole() -> None:
            async with org.files.open(asset, max_size=None) as file:
                data = await file.read()
            assert len(data) == size

        steps: dict[str, Callable[[], Awaitable[None]]] = {
            STEPS[0]: from_path,
            STEPS[1]: from_iterator,
            STEPS[2]: to_path,
            STEPS[3]: as_chunks,
            STEPS[4]: whole,
        }
        await org.files.get(asset)  # connection, token and code paths warm
        gc.collect()
        before = Meter.rss()
        with Meter() as meter:
            started = time.perf_counter()
            await steps[step]()
            seconds = time.perf_counter() - started
    return {
        "step": step,
        "before_mb": before / MB,
        "peak_mb": max(meter.peak, before) / MB,
        "extra_mb": max(meter.peak - before, 0) / MB,
        "seconds": seconds,
        "mb_per_s": size / MB / seconds,
    }


STEPS = (
    "upload from a path",
    "upload from an async iterator",
    "download to a path (temporary file, renamed)",
    "download as chunks (`org.files.open`)",
    "control: download read whole into memory (`await file.read()`)",
)


# --- the orchestrator -----------------------------------------------------------------------


def _run_client(context: Any, spec: dict[str, Any], step: str) -> dict[str, Any]:
    """One step in a fresh client process; its row."""
    client_end, client_conn = context.Pipe()
    client = context.Process(target=client_main, args=(spec, step, client_conn), daemon=True)
    client.start()
    try:
        if not client_end.poll(600):
            raise RuntimeError(f"{step}: the client did not finish within 10 minutes")
        status, result = client_end.recv()
    finally:
        client.join(10)
        if client.is_alive():
            client.kill()
    if status != "ok":
        raise RuntimeError(f"{step}: the client failed: {result}")
    row: dict[str, Any] = result
    return row


def measure(size_mb: int) -> list[dict[str, Any]]:
    """Start the server, run each step in a fresh client process, stop it; one row a step."""
    context = multiprocessing.get_context("spawn")
    size = size_mb * MB
    with tempfile.TemporaryDirectory(prefix="tallyfy-files-") as folder:
        path = Path(folder) / "big.zip"
        with path.open("wb") as out:
            for _ in range(size_mb):
                out.write(BLOCK)
        server_end, server_conn = context.Pipe()
        server = context.Process(target=server_main, args=(size, server_conn), daemon=True)
        server.start()
        try:
            if not server_end.poll(60):
                raise RuntimeError("the fake did not start")
            base_url, token, org_id, task_id, asset = server_end.recv()
            spec = {
                "size": size,
                "folder": folder,
                "path": str(path),
                "base_url": base_url,
                "token": token,
                "org_id": org_id,
                "task_id": task_id,
                "asset": asset,
            }
            return [_run_client(context, spec, step) for step in STEPS]
        finally:
            server_end.send("stop")
            server.join(10)
            if server.is_alive():
                server.kill()


def table(rows: list[dict[str, Any]], size_mb: int) -> str:
    """The rows as a Markdown table, with the flat-memory verdict of each step."""
    lines = [
        f"| step ({size_mb} MB file) | RSS before, MB | peak, MB | extra, MB | "
        f"under {FLAT_MB} MB extra | seconds | MB/s |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        control = row["step"].startswith("control")
        verdict = "n/a (control)" if control else ("yes" if row["extra_mb"] < FLAT_MB else "**NO**")
        lines.append(
            f"| {row['step']} | {row['before_mb']:.1f} | {row['peak_mb']:.1f} | "
            f"{row['extra_mb']:.1f} | {verdict} | {row['seconds']:.2f} | {row['mb_per_s']:.0f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.files [--size-mb N]``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mb", type=int, default=200, help="file size (default 200)")
    args = parser.parse_args(argv)
    rows = measure(args.size_mb)
    print(table(rows, args.size_mb))
    print(
        f"\n{sys.version.split()[0]}, {os.cpu_count()} cores; "
        f"command: python -m benchmarks.files --size-mb {args.size_mb}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
