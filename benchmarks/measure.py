"""Measuring inside a client process: drivers that keep N operations in flight, clocks, memory.

Every loop here is bounded twice: by a count and by a deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import resource
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from benchmarks.jobs import OrgLogin
from benchmarks.stats import percentile


def core_jiffies(cores: tuple[int | None, ...]) -> list[tuple[int, int]]:
    """(busy, total) clock ticks of each core so far, from ``/proc/stat`` ((0, 0) if unknown)."""
    wanted = {f"cpu{core}": index for index, core in enumerate(cores) if core is not None}
    out = [(0, 0)] * len(cores)
    try:
        with open("/proc/stat") as stat:
            for line in stat:
                name, _, rest = line.partition(" ")
                if name in wanted:
                    ticks = [int(v) for v in rest.split()]
                    idle = ticks[3] + ticks[4]  # idle + iowait
                    out[wanted[name]] = (sum(ticks[:8]) - idle, sum(ticks[:8]))
    except OSError:
        pass
    return out


class CoreMeter:
    """How busy the client's and the server's cores were over a window, all processes."""

    def __init__(self, cores: tuple[int | None, int | None]) -> None:
        self.cores = cores
        self.start = core_jiffies(cores)

    def busy_pct(self) -> list[float | None]:
        """Busy share of each core since the meter was made (None if unknown)."""
        out: list[float | None] = []
        for (b0, t0), (b1, t1) in zip(self.start, core_jiffies(self.cores), strict=True):
            out.append((b1 - b0) / (t1 - t0) * 100 if t1 > t0 else None)
        return out


#: The cores of this run (client, server), set by the client process at start.
CORES: list[tuple[int | None, int | None]] = [(None, None)]


@dataclass
class Window:
    """What one measured window saw."""

    ops: int = 0
    errors: int = 0
    wall_s: float = 0.0
    cpu_s: float = 0.0
    latencies_s: list[float] = field(default_factory=list)
    server_cpu_s: float | None = None
    first_error: str | None = None
    #: Busy share of the client's and the server's core over the window (every process).
    core_busy_pct: list[float | None] = field(default_factory=lambda: [None, None])

    def start_cores(self) -> CoreMeter:
        """Start metering the cores (call where the window starts)."""
        return CoreMeter(CORES[0])

    def stop_cores(self, meter: CoreMeter) -> None:
        """Read the cores' busy share (call where the window ends)."""
        self.core_busy_pct = meter.busy_pct()

    def summary(self, unit: str = "request") -> dict[str, Any]:
        """The numbers the report shows, all per second, µs or ms."""
        lat = sorted(self.latencies_s)
        out: dict[str, Any] = {
            "unit": unit,
            "ops": self.ops,
            "errors": self.errors,
            "wall_s": self.wall_s,
            "cpu_s": self.cpu_s,
            "ops_per_s": self.ops / self.wall_s if self.wall_s > 0 else 0.0,
            "cpu_us_per_op": self.cpu_s / self.ops * 1e6 if self.ops else 0.0,
            "client_cpu_pct": self.cpu_s / self.wall_s * 100 if self.wall_s > 0 else 0.0,
        }
        if lat:
            out.update(
                p50_ms=percentile(lat, 50) * 1e3,
                p99_ms=percentile(lat, 99) * 1e3,
                p999_ms=percentile(lat, 99.9) * 1e3,
                max_ms=lat[-1] * 1e3,
            )
        if self.server_cpu_s is not None and self.wall_s > 0:
            out["server_cpu_pct"] = self.server_cpu_s / self.wall_s * 100
        client_busy, server_busy = self.core_busy_pct
        if client_busy is not None and self.wall_s > 0:
            # What other processes took of the client's core while we measured.
            out["foreign_client_core_pct"] = max(0.0, client_busy - out["client_cpu_pct"])
        if server_busy is not None and "server_cpu_pct" in out:
            out["foreign_server_core_pct"] = max(0.0, server_busy - out["server_cpu_pct"])
        if self.first_error:
            out["first_error"] = self.first_error
        return out


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    """Resident memory of this process now."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 2**20


# --- the fake's control port and token endpoint (blocking, outside measured windows) ---


def control(control_url: str, path: str, **params: Any) -> dict[str, Any]:
    """Call the benchmark server's control port (GET without params, POST with)."""
    url = f"{control_url}{path}"
    data = None
    if params:
        data = urllib.parse.urlencode(params).encode()
    with urllib.request.urlopen(url, data=data, timeout=30) as resp:
        result: dict[str, Any] = json.loads(resp.read())
    return result


def server_cpu(control_url: str) -> float:
    """CPU seconds the server process has used so far."""
    return float(control(control_url, "/stats")["cpu_s"])


def fetch_token(token_url: str, login: OrgLogin) -> str:
    """A password-grant access token (for the raw and official clients)."""
    form = urllib.parse.urlencode(
        {
            "grant_type": "password",
            "client_id": login.client_id,
            "client_secret": login.client_secret,
            "username": login.username,
            "password": login.password,
        }
    ).encode()
    request = urllib.request.Request(
        token_url, data=form, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    with urllib.request.urlopen(request, timeout=30) as resp:
        token = json.loads(resp.read())["access_token"]
    return str(token)


# --- drivers -----------------------------------------------------------------------

AsyncOp = Callable[[int], Awaitable[object]]
SyncOp = Callable[[int], object]


async def run_async(
    op: AsyncOp,
    in_flight: int,
    *,
    count: int,
    duration_s: float | None = None,
    control_url: str | None = None,
    record: bool = True,
) -> Window:
    """Keep ``in_flight`` calls of ``op(i)`` running until ``count`` calls or the deadline.

    Each worker starts its next call as soon as its last one ends (a closed loop), so
    ``in_flight`` calls are outstanding at every moment but the last.
    """
    window = Window()
    counter = iter(range(count))
    latencies = window.latencies_s
    clock = time.perf_counter
    server0 = server_cpu(control_url) if control_url else None
    meter = window.start_cores()
    started = clock()
    deadline = started + duration_s if duration_s is not None else float("inf")
    cpu0 = time.process_time()

    async def worker() -> None:
        for index in counter:  # shared: the workers share out the indices
            if clock() >= deadline:
                return
            t0 = clock()
            try:
                await op(index)
            except Exception as exc:
                window.errors += 1
                if window.first_error is None:
                    window.first_error = f"{type(exc).__name__}: {exc}"[:300]
                continue
            if record:
                latencies.append(clock() - t0)
            window.ops += 1

    await asyncio.gather(*(worker() for _ in range(in_flight)))
    window.cpu_s = time.process_time() - cpu0
    window.wall_s = clock() - started
    window.stop_cores(meter)
    if control_url is not None and server0 is not None:
        window.server_cpu_s = server_cpu(control_url) - server0
    return window


def run_threads(
    ops: Sequence[SyncOp],
    *,
    count: int,
    duration_s: float | None = None,
    control_url: str | None = None,
) -> Window:
    """``run_async`` for a blocking client: one thread per op (each with its own session)."""
    window = Window()
    lock = threading.Lock()
    counter = iter(range(count))
    threads = len(ops)
    gate = threading.Barrier(threads + 1)
    per_thread: list[list[float]] = [[] for _ in range(threads)]
    clock = time.perf_counter
    times: dict[str, float] = {}

    def next_index() -> int | None:
        with lock:
            return next(counter, None)

    def worker(number: int) -> None:
        op = ops[number]
        mine = per_thread[number]
        gate.wait()
        deadline = times["deadline"]
        while (index := next_index()) is not None:
            if clock() >= deadline:
                return
            t0 = clock()
            try:
                op(index)
            except Exception as exc:
                with lock:
                    window.errors += 1
                    if window.first_error is None:
                        window.first_error = f"{type(exc).__name__}: {exc}"[:300]
                continue
            mine.append(clock() - t0)

    pool = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(threads)]
    for thread in pool:
        thread.start()
    server0 = server_cpu(control_url) if control_url else None
    meter = window.start_cores()
    started = clock()
    times["deadline"] = started + duration_s if duration_s is not None else float("inf")
    cpu0 = time.process_time()
    gate.wait()
    for thread in pool:
        thread.join()
    window.cpu_s = time.process_time() - cpu0
    window.wall_s = clock() - started
    window.stop_cores(meter)
    if control_url is not None and server0 is not None:
        window.server_cpu_s = server_cpu(control_url) - server0
    for mine in per_thread:
        window.latencies_s.extend(mine)
    window.ops = len(window.latencies_s)
    return window


@contextlib.contextmanager
def _timing(control_url: str | None) -> Iterator[Window]:
    """Clock the ``with`` body: wall, this process's CPU, both cores, the server's CPU."""
    window = Window()
    server0 = server_cpu(control_url) if control_url else None
    meter = window.start_cores()
    started = time.perf_counter()
    cpu0 = time.process_time()
    yield window
    window.cpu_s = time.process_time() - cpu0
    window.wall_s = time.perf_counter() - started
    window.stop_cores(meter)
    if control_url is not None and server0 is not None:
        window.server_cpu_s = server_cpu(control_url) - server0


def timed(body: Callable[[], int], control_url: str | None = None) -> Window:
    """Time one blocking ``body()`` that returns how many operations it did."""
    with _timing(control_url) as window:
        window.ops = body()
    return window


async def timed_async(body: Callable[[], Awaitable[int]], control_url: str | None = None) -> Window:
    """Time one ``await body()`` that returns how many operations it did."""
    with _timing(control_url) as window:
        window.ops = await body()
    return window
