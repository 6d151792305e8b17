"""FakeTallyfy in its own process, pinned to its own core, with a small control port.

The process seeds two demo organizations (the big one the reads use, a small one the
launches go to), serves the fake on uvloop, and answers a control port on 127.0.0.1:

- ``GET /stats``: ``cpu_s`` (its CPU time), ``token_grants``, ``launches``, ``peak_rss_mb``;
- ``POST /token-lifetime`` (``seconds``): ``expires_in`` of the tokens it issues next;
- ``POST /expire-tokens`` (``org``): expire every live token of an organization now;
- ``POST /rate-limit`` (``requests``, ``per_seconds``; ``requests=0`` lifts it): a rate limit
  per token with the exact ``Retry-After`` (windows scaled down below a second need it);
- ``GET /rate-windows``: every window of that limit so far: ``[opened, accepted, refused]``.

It stops when the orchestrator sends ``"stop"`` or goes away (the pipe closes).
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import resource
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from benchmarks.jobs import OrgLogin, Target
from benchmarks.procs import reap

if TYPE_CHECKING:
    from tallyfy_async.testing._faults import RateLimit

#: Tasks per demo process; the export organization gets as many processes as it needs.
TASKS_PER_PROCESS = 10


@dataclass(frozen=True)
class ServerSpec:
    """What the server process seeds and where it runs."""

    export_tasks: int
    core: int | None
    seed: int = 6


def processes_for(tasks: int, per_process: int = TASKS_PER_PROCESS) -> int:
    """Processes ``seed_demo`` needs for ``tasks`` live tasks (it archives process n % 10 == 8)."""
    processes = live = 0
    while live * per_process < tasks:
        if processes % 10 != 8:
            live += 1
        processes += 1
    return processes


def recording_limiter(limit: RateLimit) -> Any:
    """The fake's rate limiter, keeping every window it opens: ``[opened, accepted, refused]``."""
    from tallyfy_async.testing._faults import RateLimiter

    class Recording(RateLimiter):
        def __init__(self) -> None:
            super().__init__(limit)
            self.windows: list[list[float]] = []

        def take(self, key: str) -> tuple[int, float | None]:
            remaining, wait = super().take(key)
            if wait is None and remaining == limit.requests - 1:
                self.windows.append([time.monotonic(), 0, 0])  # the first request of a window
            if self.windows:
                self.windows[-1][1 if wait is None else 2] += 1
            return remaining, wait

    return Recording()


def server_main(spec: ServerSpec, conn: Connection) -> None:
    """The server process: pin, seed, serve until told to stop."""
    if spec.core is not None:
        os.sched_setaffinity(0, {spec.core})
    try:
        import uvloop

        loop_factory = uvloop.new_event_loop
    except ImportError:  # the `speed` extra is not installed: a slower server, still correct
        loop_factory = None
    try:
        with asyncio.Runner(loop_factory=loop_factory) as runner:
            runner.run(_serve(spec, conn))
    except BaseException as exc:
        with contextlib.suppress(OSError):
            conn.send({"error": f"{type(exc).__name__}: {exc}"})
        raise
    finally:
        conn.close()


async def _serve(spec: ServerSpec, conn: Connection) -> None:
    from aiohttp import web

    from tallyfy_async.testing import FakeTallyfy

    seeding = time.perf_counter()
    fake = FakeTallyfy(max_log=0, seed=spec.seed)
    big = fake.seed_demo(
        processes=processes_for(spec.export_tasks),
        tasks_per_process=TASKS_PER_PROCESS,
        oneoff_tasks=0,
        org_name="Bench Export",
        admin_email="export-admin@bench.test",
    )
    small = fake.seed_demo(
        processes=3,
        tasks_per_process=5,
        oneoff_tasks=0,
        org_name="Bench Launch",
        admin_email="launch-admin@bench.test",
    )
    seeding = time.perf_counter() - seeding
    live = fake.state.orgs[big.org_id].tasks.live()
    task_id = live[len(live) // 2].id

    async def stats(_: web.Request) -> web.Response:
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return web.json_response(
            {
                "cpu_s": time.process_time(),
                "token_grants": sum(fake.counters.token_grants.values()),
                "launches": fake.counters.launches(),
                "peak_rss_mb": rss,
            }
        )

    async def token_lifetime(request: web.Request) -> web.Response:
        form = await request.post()
        fake.tokens.token_lifetime = int(str(form["seconds"]))
        return web.json_response({"token_lifetime": fake.tokens.token_lifetime})

    async def expire_tokens(request: web.Request) -> web.Response:
        form = await request.post()
        return web.json_response({"expired": fake.expire_tokens(str(form["org"]))})

    async def rate_limit(request: web.Request) -> web.Response:
        from tallyfy_async.testing import RateLimit

        form = await request.post()
        requests = int(str(form["requests"]))
        if requests <= 0:
            fake.set_rate_limit(None)
        else:
            per_seconds = float(str(form["per_seconds"]))
            limit = RateLimit(requests=requests, per_seconds=per_seconds, whole_seconds=False)
            fake.limiter = recording_limiter(limit)
        return web.json_response({"requests": requests})

    async def rate_windows(_: web.Request) -> web.Response:
        return web.json_response({"windows": getattr(fake.limiter, "windows", [])})

    control_app = web.Application()
    control_app.router.add_get("/stats", stats)
    control_app.router.add_post("/token-lifetime", token_lifetime)
    control_app.router.add_post("/expire-tokens", expire_tokens)
    control_app.router.add_post("/rate-limit", rate_limit)
    control_app.router.add_get("/rate-windows", rate_windows)
    control_runner = web.AppRunner(control_app, access_log=None, handle_signals=False)
    await control_runner.setup()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_message() -> None:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            message = "stop"
        if message == "stop":
            loop.remove_reader(conn.fileno())
            stop.set()

    try:
        await fake.start()
        site = web.TCPSite(control_runner, "127.0.0.1", 0)
        await site.start()
        control_port = control_runner.addresses[0][1]
        conn.send(
            {
                "base_url": fake.base_url,
                "token_url": fake.token_url,
                "control_url": f"http://127.0.0.1:{control_port}",
                "export_org": _login(big),
                "export_total": len(live),
                "launch_org": _login(small),
                "task_id": task_id,
                "blueprint_id": small.kickoff_blueprint_id,
                "kickoff": small.kickoff_example,
                "seed_s": seeding,
                "pid": os.getpid(),
                "loop": type(asyncio.get_running_loop()).__module__.split(".")[0],
            }
        )
        loop.add_reader(conn.fileno(), on_message)
        await stop.wait()
    finally:
        await control_runner.cleanup()
        await fake.close()


def _login(demo: Any) -> dict[str, str]:
    return {
        "org_id": demo.org_id,
        "client_id": demo.client_id,
        "client_secret": demo.client_secret,
        "username": demo.admin_email,
        "password": demo.admin_password,
    }


class ServerProcess:
    """Start the server process, read its ``Target``, stop it (also on error)."""

    def __init__(self, spec: ServerSpec, context: Any, timeout_s: float = 300.0) -> None:
        self.spec = spec
        self._context = context
        self._timeout_s = timeout_s
        self._process: multiprocessing.process.BaseProcess | None = None
        self._conn: Connection | None = None
        self.info: dict[str, Any] = {}

    def start(self) -> Target:
        """Start the process and wait until it serves."""
        parent, child = self._context.Pipe()
        process = self._context.Process(
            target=server_main, args=(self.spec, child), name="bench-fake-tallyfy", daemon=True
        )
        process.start()
        child.close()
        self._process, self._conn = process, parent
        if not parent.poll(self._timeout_s):
            self.stop()
            raise RuntimeError("the fake server did not start in time")
        info: dict[str, Any] = parent.recv()
        if "error" in info:
            self.stop()
            raise RuntimeError(f"the fake server failed: {info['error']}")
        self.info = info
        return Target(
            base_url=info["base_url"],
            token_url=info["token_url"],
            control_url=info["control_url"],
            export_org=OrgLogin(**info["export_org"]),
            export_total=info["export_total"],
            launch_org=OrgLogin(**info["launch_org"]),
            task_id=info["task_id"],
            blueprint_id=info["blueprint_id"],
            kickoff=info["kickoff"],
        )

    def stop(self) -> None:
        """Ask the process to stop; terminate, then kill it if it does not."""
        process, conn = self._process, self._conn
        self._process = self._conn = None
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.send("stop")
        if process is not None:
            reap(process)
        if conn is not None:
            conn.close()
