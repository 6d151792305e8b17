"""Run the benchmarks: ``python -m benchmarks`` (or ``python benchmarks/run.py``).

Starts FakeTallyfy in its own process on one core, runs every client of every workload in
its own process on the other core, repetitions interleaved (A B C A B C ...), and writes
the report (``BENCHMARKS.md``) and the raw results (JSON).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import json
import math
import multiprocessing
import os
import platform
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # `python benchmarks/run.py`: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.config import PROFILES, Sizes
from benchmarks.jobs import WIDE_CLIENTS, Job, Target
from benchmarks.measure import CoreMeter
from benchmarks.procs import JobFailed, cores, run_in_process
from benchmarks.report import render
from benchmarks.server import ServerProcess, ServerSpec

ROOT = Path(__file__).resolve().parent.parent
#: Imported before forking, with ``--start-method fork``.
PRELOAD = (
    "benchmarks.workloads",
    "benchmarks.client_sdk",
    "benchmarks.client_raw",
    "benchmarks.client_official",
    "benchmarks.decoding",
    "benchmarks.hooks",
    "tallyfy_async.testing",
    "uvloop",
)
ALL_WORKLOADS = (
    "small_get",
    "paging",
    "export",
    "token_storm",
    "launch",
    "bulk",
    "decode",
    "webhooks",
)
COMPARED = ("sdk", "sdk_speed", "raw_json", "raw_orjson_uvloop", "official")
#: Paging also runs the SDK's listings as plain dicts (``Paginator.raw()``).
PAGING_CLIENTS = ("sdk", "sdk_speed", "sdk_raw_speed", "raw_json", "raw_orjson_uvloop", "official")
#: The webhook endpoints, measured side by side (see benchmarks/hooks.py).
HOOK_CLIENTS = ("hook_bare", "hook_sdk", "hook_sdk_orjson")
PACKAGES = (
    "tallyfy-async",
    "aiohttp",
    "attrs",
    "cattrs",
    "yarl",
    "multidict",
    "orjson",
    "uvloop",
    "msgspec",
    "tallyfy",
    "requests",
    "urllib3",
)


#: What each client needs beyond the SDK's own dependencies.
NEEDS: dict[str, tuple[str, ...]] = {
    "sdk_speed": ("orjson", "uvloop"),
    "sdk_raw_speed": ("orjson", "uvloop"),
    "sdk_speed_wide": ("orjson", "uvloop"),
    "raw_orjson_uvloop": ("orjson", "uvloop"),
    "official": ("tallyfy",),
    "decode": (),
    "hook_sdk_orjson": ("orjson",),
}


def missing(client: str) -> list[str]:
    """The packages a client needs that are not installed (install the `bench` extra)."""
    return [name for name in NEEDS.get(client, ()) if importlib.util.find_spec(name) is None]


def plan(
    sizes: Sizes,
    workloads: Sequence[str],
    target: Target,
    core: int | None,
    server_core: int | None = None,
) -> list[list[Job]]:
    """The jobs, in groups; within a group the repetitions interleave the clients."""
    groups: list[list[Job]] = []

    def group(workload: str, clients: Sequence[str], reps: int, in_flight: int = 1) -> None:
        clients = [client for client in clients if not missing(client)]
        jobs = [
            Job(
                workload,
                client,
                target,
                sizes,
                rep,
                in_flight=in_flight,
                core=core,
                server_core=server_core,
            )
            for rep in range(reps)
            for client in clients
        ]
        groups.append(jobs)

    for workload in workloads:
        if workload == "small_get":
            for level in sizes.in_flight:
                key = level >= 16  # the levels the targets judge
                clients = (*COMPARED, *WIDE_CLIENTS) if level > sizes.wide_above else COMPARED
                group(workload, clients, sizes.reps_key if key else sizes.reps, level)
        elif workload == "paging":
            for level in sizes.paging_in_flight:
                group(workload, PAGING_CLIENTS, sizes.reps_key, level)
        elif workload == "export":
            group(workload, COMPARED, sizes.reps, sizes.export_concurrency)
        elif workload == "token_storm":
            group(workload, ("sdk",), sizes.reps)
        elif workload == "launch":
            group(workload, COMPARED, sizes.reps, sizes.launch_in_flight)
        elif workload == "bulk":
            group(workload, ("sdk", "sdk_speed"), sizes.reps)
        elif workload == "decode":
            group(workload, ("decode",), 1)
        elif workload == "webhooks":
            group(workload, HOOK_CLIENTS, sizes.reps_key, sizes.hook_in_flight)
        else:
            raise ValueError(f"unknown workload {workload!r}; known: {', '.join(ALL_WORKLOADS)}")
    return groups


def machine() -> dict[str, Any]:
    """The machine, the interpreter and the versions of everything measured."""
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory = "?"
    try:
        with open("/proc/meminfo") as info:
            memory = f"{int(info.readline().split()[1]) / 2**20:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = "not installed"
    commit = _git("rev-parse", "--short", "HEAD")
    dirty = _git("status", "--porcelain", "--", "tallyfy_async") not in ("", "?")
    return {
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": memory,
        "versions": versions,
        "commit": commit + (" (tallyfy_async/ has uncommitted changes)" if dirty else ""),
    }


def _git(*args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return "?"
    return done.stdout.strip() if done.returncode == 0 else "?"


def run(
    sizes: Sizes,
    workloads: Sequence[str],
    *,
    start_method: str = "spawn",
    progress: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Run the plan and return everything measured (the server is always stopped)."""
    context = multiprocessing.get_context(start_method)
    if start_method == "fork":
        # Forked children inherit these: no imports per run (the smoke test's speed). The
        # `sdk` client then sees orjson too; each run records the JSON library it used.
        for module in PRELOAD:
            with contextlib.suppress(ImportError):  # an optional package is missing
                importlib.import_module(module)
    server_core, client_core = cores()
    affinity = os.sched_getaffinity(0) if server_core is not None else None
    if server_core is not None:
        # The orchestrator sleeps while a job runs; keep it off the client's core.
        os.sched_setaffinity(0, {server_core})
    started = time.time()
    server = ServerProcess(ServerSpec(export_tasks=sizes.export_tasks, core=server_core), context)
    results: list[dict[str, Any]] = []
    failures: list[str] = []
    target: Target | None = None
    try:
        target = server.start()
        progress(
            f"FakeTallyfy serving {target.export_total:,} tasks at {target.base_url} "
            f"(seeded in {server.info['seed_s']:.1f} s, core {server_core}); clients on core "
            f"{client_core}"
        )
        groups = plan(sizes, workloads, target, client_core, server_core)
        total = sum(len(g) for g in groups)
        done = 0
        for jobs in groups:
            # Each group gets its own share of repeats: a noisy start cannot starve the rest.
            budget = [math.ceil(len(jobs) * sizes.foreign_retry_budget)]
            for job in jobs:
                done += 1
                try:
                    result = run_measured(
                        job, context, (client_core, server_core), progress, budget
                    )
                except JobFailed as failed:
                    failures.append(str(failed))
                    results.append({**_identity(job), "error": str(failed)})
                    progress(f"[{done}/{total}] {job.label}: FAILED")
                    continue
                results.append(result)
                progress(f"[{done}/{total}] {job.label}: {_brief(result)}")
    finally:
        server.stop()
        if affinity is not None:
            os.sched_setaffinity(0, affinity)
    # Every client the plan can run (a name twice is one key).
    clients = (*COMPARED, *WIDE_CLIENTS, *PAGING_CLIENTS, *HOOK_CLIENTS, "decode")
    skipped = {c: missing(c) for c in clients if missing(c)}
    return {
        "profile": sizes.name,
        "sizes": asdict(sizes),
        "workloads": list(workloads),
        "start_method": start_method,
        "cores": {"server": server_core, "client": client_core},
        "server": {k: v for k, v in server.info.items() if k in ("seed_s", "base_url", "loop")},
        "export_total": target.export_total if target is not None else None,
        "started": time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(started)),
        "duration_s": time.time() - started,
        "machine": machine(),
        "results": results,
        "failures": failures,
        "skipped_clients": skipped,
    }


def wait_for_quiet(cores: tuple[int | None, int | None], sizes: Sizes) -> float:
    """Wait (at most ``sizes.quiet_wait_s``) until other processes leave both cores alone.

    Returns the busiest core's load in the last sample, percent.
    """
    busiest = 0.0
    deadline = time.monotonic() + sizes.quiet_wait_s
    while time.monotonic() < deadline:
        meter = CoreMeter(cores)
        time.sleep(0.3)
        busiest = max((b for b in meter.busy_pct() if b is not None), default=0.0)
        if busiest < sizes.foreign_limit_pct:
            break
    return busiest


def disturbance(result: dict[str, Any]) -> float:
    """The most that other processes took of either core during the run's measured windows."""
    windows = [result["window"]] if "window" in result else list(result.get("phases", {}).values())
    worst = 0.0
    for window in windows:
        if window.get("wall_s", 0.0) < 0.5:
            continue  # /proc/stat counts in 10 ms ticks: too coarse for a short window
        for key in ("foreign_client_core_pct", "foreign_server_core_pct"):
            worst = max(worst, float(window.get(key, 0.0)))
    return worst


def run_measured(
    job: Job,
    context: Any,
    cores_: tuple[int | None, int | None],
    progress: Callable[[str], None],
    budget: list[int],
) -> dict[str, Any]:
    """Run a job; repeat it while other processes disturb it, within ``budget[0]`` repeats."""
    best: dict[str, Any] | None = None
    for attempt in range(job.sizes.foreign_retries + 1):
        if attempt:
            budget[0] -= 1
        before = wait_for_quiet(cores_, job.sizes) if job.sizes.quiet_wait_s > 0 else 0.0
        result = run_in_process(job, context)
        result["foreign_load_before_pct"] = before
        result["repeats_for_foreign_load"] = attempt
        worst = disturbance(result)
        if best is None or worst < disturbance(best):
            best = result
        last = attempt == job.sizes.foreign_retries or budget[0] <= 0
        if worst <= job.sizes.foreign_limit_pct or last:
            break
        progress(f"    {job.label}: other processes took {worst:.0f} % of a core; repeating")
    assert best is not None
    return best


def _identity(job: Job) -> dict[str, Any]:
    return {
        "workload": job.workload,
        "client": job.client,
        "in_flight": job.in_flight,
        "rep": job.rep,
    }


def _brief(result: dict[str, Any]) -> str:
    window = result.get("window")
    if window:
        return (
            f"{window['ops_per_s']:,.0f} {window['unit']}/s, "
            f"{window['cpu_us_per_op']:,.0f} µs CPU/{window['unit']}, "
            f"peak {result['peak_rss_mb']:.0f} MB"
            + (f", {window['errors']} errors" if window["errors"] else "")
        )
    if "phases" in result:
        phases = result["phases"]
        return ", ".join(
            f"{name}: {phase['token_requests']} token req, p99 {phase.get('p99_ms', 0):.0f} ms"
            for name, phase in phases.items()
        )
    if "decoders" in result:
        return f"{len(result['decoders'])} decoders"
    if "rate" in result and "export" in result:
        rate, export = result["rate"], result["export"]
        return (
            f"{rate['share_pct']:.1f} % of the allowed rate, {rate['refused_pct']:.2f} % 429; "
            f"export {export['requests']:,} requests for a minimum of {export['minimum']:,}"
        )
    return "done"


def main(argv: Sequence[str] | None = None) -> int:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--profile", choices=sorted(PROFILES), default="full")
    parser.add_argument(
        "--workloads",
        default=",".join(ALL_WORKLOADS),
        help=f"comma-separated subset of {','.join(ALL_WORKLOADS)}",
    )
    parser.add_argument("--reps", type=int, help="repetitions (overrides the profile)")
    parser.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md", help="the report")
    parser.add_argument(
        "--json", type=Path, default=ROOT / "benchmarks" / "results.json", help="raw results"
    )
    parser.add_argument("--start-method", choices=("spawn", "fork"), default="spawn")
    parser.add_argument(
        "--render-only",
        action="store_true",
        help="rewrite the report from the JSON results (after editing benchmarks/NOTES.md)",
    )
    args = parser.parse_args(argv)
    notes = ROOT / "benchmarks" / "NOTES.md"
    if args.render_only:
        data = json.loads(args.json.read_text())
        args.out.write_text(render(data, notes.read_text() if notes.exists() else None))
        print(f"wrote {args.out} from {args.json}")
        return 0
    # A `kill` must still stop the server and the client processes (the `finally` blocks).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sizes = PROFILES[args.profile]
    if args.reps is not None:
        sizes = replace(sizes, reps=args.reps, reps_key=args.reps)
    workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    data = run(sizes, workloads, start_method=args.start_method)
    given = list(sys.argv[1:] if argv is None else argv)
    data["command"] = shlex.join(["python", "-m", "benchmarks", *given])
    args.out.write_text(render(data, notes.read_text() if notes.exists() else None))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(data, indent=1, default=str))
    print(f"wrote {args.out} and {args.json} in {data['duration_s']:.0f} s")
    if data["failures"]:
        print(f"{len(data['failures'])} job(s) failed:", file=sys.stderr)
        for failure in data["failures"]:
            print(failure, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
