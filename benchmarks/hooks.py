"""The ``webhooks`` workload: deliveries a second into a webhook endpoint, side by side.

The endpoint (see :mod:`benchmarks.hook_server`) runs in its own process pinned to the
server core; this client process, on the client core, keeps N deliveries in flight over N
keep-alive connections. The client is a few lines over asyncio streams (a constant request
head, a body whose task id changes every time so the receiver sees distinct events): it
costs far less per request than an aiohttp client, so the endpoint, not the client, sets
the pace. Every delivery is the documented task-completion payload.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks.hook_server import ORG_ID
from benchmarks.jobs import Job
from benchmarks.measure import current_rss_mb, run_async

ROOT = Path(__file__).resolve().parent.parent
PAYLOAD = ROOT / "tests" / "data" / "webhook-task-payload.example.json"
#: Client ids of this workload -> the endpoint they measure.
KIND = {"hook_bare": "bare", "hook_sdk": "sdk", "hook_sdk_orjson": "sdk_orjson"}
_ID_MARK = "@@task-id@@"


def _body_parts() -> tuple[bytes, bytes]:
    """The payload split around its task id (ids are 16 digits: every body is one size)."""
    payload = json.loads(PAYLOAD.read_text(encoding="utf-8"))
    payload["this_task"]["id"] = _ID_MARK
    prefix, suffix = json.dumps(payload).encode().split(_ID_MARK.encode())
    return prefix, suffix


class Endpoint:
    """The endpoint's process: started pinned, stopped by closing its standard input."""

    def __init__(self, kind: str, core: int | None, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "benchmarks.hook_server",
                kind,
                str(-1 if core is None else core),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=ROOT,
            env=env,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            self.stop()
            raise RuntimeError(f"the {kind} endpoint did not start")
        self.port = int(json.loads(line)["port"])

    def stop(self) -> dict[str, Any]:
        """Close its input, read its final counts, reap it (kill it if it hangs)."""
        process = self.process
        final: dict[str, Any] = {}
        try:
            out, _ = process.communicate(timeout=self.timeout_s)  # closes its input first
            lines = [line for line in out.splitlines() if line.strip()]
            if lines:
                final = json.loads(lines[-1])
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
        return final


class Deliveries:
    """N keep-alive connections posting the payload, each with a new task id."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.prefix, self.suffix = _body_parts()
        length = len(self.prefix) + 16 + len(self.suffix)
        self.head = (
            f"POST /hooks HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: application/json\r\nX-Tallyfy-orgID: {ORG_ID}\r\n"
            f"Content-Length: {length}\r\n\r\n"
        ).encode() + self.prefix
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.sent = 0

    async def open(self, connections: int) -> None:
        for _ in range(connections):
            self.idle.append(await asyncio.open_connection("127.0.0.1", self.port))

    async def close(self) -> None:
        for _, writer in self.idle:
            writer.close()
            await writer.wait_closed()
        self.idle.clear()

    async def deliver(self, number: int) -> None:
        """One delivery, answered 200 (else it raises)."""
        reader, writer = self.idle.pop()
        try:
            writer.write(self.head + b"%016d" % number + self.suffix)
            head = await reader.readuntil(b"\r\n\r\n")
            at = head.lower().find(b"content-length:")
            if at >= 0:
                await reader.readexactly(int(head[at + 15 : head.index(b"\r\n", at)]))
            if head[9:12] != b"200":
                raise RuntimeError(head[:40].decode(errors="replace"))
            self.sent += 1
        finally:
            self.idle.append((reader, writer))


def run_hooks(job: Job) -> dict[str, Any]:
    """Deliveries a second into the endpoint ``job.client`` names, and its CPU per delivery."""
    sizes = job.sizes
    endpoint = Endpoint(KIND[job.client], job.server_core, sizes.job_timeout_s / 4)
    final: dict[str, Any] = {}
    try:

        async def main() -> dict[str, Any]:
            deliveries = Deliveries(endpoint.port)
            await deliveries.open(job.in_flight)
            try:
                idle = current_rss_mb()
                await deliveries.deliver(0)
                if sizes.hook_warmup_s > 0:
                    await run_async(
                        lambda n: deliveries.deliver(1_000_000_000 + n),
                        job.in_flight,
                        count=sizes.max_requests,
                        duration_s=sizes.hook_warmup_s,
                        record=False,
                    )
                window = await run_async(
                    lambda n: deliveries.deliver(2_000_000_000 + n),
                    job.in_flight,
                    count=sizes.max_requests,
                    duration_s=sizes.hook_measure_s,
                    control_url=f"http://127.0.0.1:{endpoint.port}",
                )
            finally:
                await deliveries.close()
            summary = window.summary("delivery")
            if window.server_cpu_s is not None and window.ops:
                summary["server_cpu_us_per_op"] = window.server_cpu_s / window.ops * 1e6
            return {"idle_rss_mb": idle, "window": summary, "sent": deliveries.sent}

        with asyncio.Runner() as runner:
            result = runner.run(main())
    finally:
        final = endpoint.stop()
    result["endpoint"] = final
    if final.get("kind") != "bare":
        # Nothing lost: every delivery answered 200 reached the callback.
        result["lost"] = result["sent"] - int(final.get("events", -1))
    return result
