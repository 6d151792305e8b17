"""Run one job in a fresh process pinned to the client core; always reap it.

With the ``spawn`` start method (the default) a client process imports only what its
client needs, so its peak memory is its own and the ``sdk`` client can hide orjson before
the SDK is first imported. ``fork`` is for the smoke test, where speed matters more.
"""

from __future__ import annotations

import os
import sys
import traceback
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from benchmarks.jobs import NO_ORJSON_CLIENTS, Job


def cores() -> tuple[int | None, int | None]:
    """(server core, client core): the first two cores this process may use, if two."""
    try:
        allowed = sorted(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return None, None
    if len(allowed) < 2:
        return None, None
    return allowed[0], allowed[1]


def child_main(job: Job, conn: Connection) -> None:
    """A client process: pin, set up the client's flavour, run the job, send the result."""
    try:
        if job.core is not None:
            os.sched_setaffinity(0, {job.core})
        from benchmarks import measure

        measure.CORES[0] = (job.core, job.server_core)
        if job.client in NO_ORJSON_CLIENTS:
            # The SDK without its `speed` extra: make `import orjson` fail as if absent.
            sys.modules["orjson"] = None  # type: ignore[assignment]
        from benchmarks.workloads import run_job

        result = run_job(job)
        conn.send(("ok", result))
    except BaseException:
        conn.send(("error", traceback.format_exc()))
    finally:
        conn.close()


class JobFailed(RuntimeError):
    """A client process crashed, raised or ran past its timeout."""


def run_in_process(job: Job, context: Any) -> dict[str, Any]:
    """Run ``job`` in a new process and return its result.

    Raises:
        JobFailed: with the child's traceback, or why it produced none.
    """
    parent, child = context.Pipe(duplex=False)
    process = context.Process(target=child_main, args=(job, child), name=job.label, daemon=True)
    process.start()
    child.close()
    try:
        if not parent.poll(job.sizes.job_timeout_s):
            raise JobFailed(f"{job.label}: no result after {job.sizes.job_timeout_s:.0f} s")
        try:
            status, payload = parent.recv()
        except EOFError:
            process.join(5)
            raise JobFailed(f"{job.label}: the process exited with {process.exitcode}") from None
        if status != "ok":
            raise JobFailed(f"{job.label} failed:\n{payload}")
        result: dict[str, Any] = payload
        return result
    finally:
        parent.close()
        reap(process)


def reap(process: BaseProcess) -> None:
    """Wait for ``process`` to end (10 s), then terminate it, then kill it (5 s each)."""
    process.join(10)
    if process.is_alive():
        process.terminate()
        process.join(5)
    if process.is_alive():
        process.kill()
        process.join(5)
