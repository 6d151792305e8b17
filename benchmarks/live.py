"""The SDK next to raw aiohttp over real HTTP, with the garbage collector's share
(``python -m benchmarks.live``).

A quick look between full runs: FakeTallyfy in its own process on uvloop (pinned to the
first core when there are two), each client run in a fresh process (pinned to the second),
repetitions interleaved. Each run reads one task again and again with N in flight and
reports requests a second, CPU µs per request (``time.process_time()``) and what the
collector took: µs per request (``gc.callbacks``), collections per 1,000 requests and, with
``--gen0``, how many objects the young generation held when it was collected (counting them
costs time; leave it off for the CPU figures). ``--gc-threshold 7000`` shows what is left
with the collector almost never running.

On ``asyncio`` both clients decode with ``json`` (the SDK's orjson hidden, as the full
benchmark's ``sdk`` client); on ``uvloop`` both use orjson.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import multiprocessing
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from multiprocessing.connection import Connection
from typing import Any

#: Seconds a client warms up (a token, connections, the model's reader) before it is timed.
WARMUP_S = 0.3


def _pin(core: int) -> None:
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {core})


def _serve(conn: Connection, processes: int = 20, tasks_per_process: int = 10) -> None:
    """FakeTallyfy with one demo organization, pinned to the first core, until told to stop."""
    _pin(0)
    from benchmarks.layers import demo_ids
    from tallyfy_async.testing import FakeTallyfy

    async def main() -> None:
        async with FakeTallyfy(max_log=0, token_lifetime=86_400) as fake:
            demo = fake.seed_demo(
                processes=processes, tasks_per_process=tasks_per_process, oneoff_tasks=0
            )
            task_id = fake.state.orgs[demo.org_id].tasks.live()[0].id
            conn.send(demo_ids(fake, demo, task_id))
            await asyncio.get_running_loop().run_in_executor(None, conn.recv)  # until told

    import uvloop  # the server of the full benchmark runs on uvloop too

    uvloop.run(main())


def _client(conn: Connection, ids: dict[str, str], spec: dict[str, Any]) -> None:
    _pin(1)
    if spec["loop"] == "asyncio":
        sys.modules["orjson"] = None  # type: ignore[assignment]  # json for both clients
    if spec["gc_threshold"]:
        gc.set_threshold(spec["gc_threshold"])
    runner = asyncio.Runner(loop_factory=_loop_factory(spec["loop"]))
    with runner:
        conn.send(runner.run(_measure(ids, spec)))


def _loop_factory(name: str) -> Any:
    if name == "uvloop":
        import uvloop

        return uvloop.new_event_loop
    return None


#: The clients :func:`open_client` makes.
CLIENTS = ("raw", "raw_lean", "raw_lean_timed", "sdk_session", "sdk_dict", "sdk")


def parse_clients(parser: argparse.ArgumentParser, text: str) -> list[str]:
    """The comma-separated client names of ``--clients``; the parser exits on an unknown one
    (before any process starts, rather than a client process dying on it)."""
    names = text.split(",")
    unknown = set(names) - set(CLIENTS)
    if unknown:
        parser.error(f"unknown clients {sorted(unknown)}; the clients are {', '.join(CLIENTS)}")
    return names


async def open_client(
    ids: dict[str, str],
    client: str,
    in_flight: int,
    *,
    max_concurrency: int = 0,
    use_orjson: bool = False,
) -> tuple[Callable[[], Awaitable[Any]], Callable[[], Awaitable[None]]]:
    """``(op, close)``: ``op`` reads the demo task once with ``client``; ``close`` ends it.

    ``"sdk"``: ``org.tasks.get``. ``"sdk_dict"``: ``org.tasks.get(..., raw=True)``, the
    SDK's whole pipeline with the record left as the dict Tallyfy sent (no model).
    ``"raw"``: raw aiohttp decoding with ``resp.json()`` or, ``use_orjson``, orjson.
    ``"raw_lean"``: the same below ``ClientSession._request`` (:func:`_lean_op`).
    ``"raw_lean_timed"``: ``"raw_lean"`` with the total timer and the error handling a
    client sending that way would still need.
    ``"sdk_session"``: raw aiohttp on the SDK's own session, sending as
    ``Transport.request`` sends and decoding as ``"raw"`` does.
    """
    import aiohttp

    from benchmarks.layers import sdk_client

    if client not in CLIENTS:
        raise ValueError(f"no client {client!r}; the clients are {', '.join(CLIENTS)}")
    if client in ("sdk", "sdk_dict"):
        sdk = sdk_client(ids, max_concurrency=max_concurrency or max(64, in_flight))
        tasks = sdk.org(ids["org_id"]).tasks
        task_id = ids["task_id"]
        if client == "sdk_dict":

            async def read_task() -> Any:
                return await tasks.get(task_id, raw=True)
        else:

            async def read_task() -> Any:
                return await tasks.get(task_id)

        return read_task, sdk.close
    url = f"{ids['base_url']}/organizations/{ids['org_id']}/tasks/{ids['task_id']}"
    loads = None
    if use_orjson:
        import orjson

        loads = orjson.loads
    # Each op reads its body inline, as the raw client always has: a helper coroutine
    # would add a call to every request of the baseline.
    if client == "sdk_session":
        # Raw aiohttp on the SDK's own session (its default headers, connector, lazy read
        # timer and timeouts), sending as Transport.request does: the token in the
        # transport's own headers, no redirects, the attempt's timeout. What the SDK's
        # configuration costs aiohttp, apart from the SDK's own Python.
        sdk = sdk_client(ids, max_concurrency=max_concurrency or max(64, in_flight))
        org_id = ids["org_id"]
        await sdk.org(org_id).tasks.get(ids["task_id"])  # a token and the session
        transport = sdk._transport
        session = transport._open()
        assert transport.tokens is not None
        token = transport.tokens.cached(org_id)
        assert token is not None
        access = token.access_token

        async def sdk_session_op() -> Any:
            headers = transport._bearer_headers(org_id, access)
            timeout = transport._timeout
            async with session.get(
                url, headers=headers, allow_redirects=False, timeout=timeout
            ) as resp:
                if loads is not None:
                    return loads(await resp.read())["data"]
                return (await resp.json())["data"]

        return sdk_session_op, sdk.close
    form = {k: ids[k] for k in ("client_id", "client_secret", "username", "password")}
    grant = {"grant_type": "password", **form}
    async with aiohttp.ClientSession() as login, login.post(ids["token_url"], data=grant) as r:
        token_text = (await r.json())["access_token"]
    session = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0),
        headers={"Authorization": f"Bearer {token_text}", "X-Tallyfy-Client": "APIClient"},
    )
    if client in ("raw_lean", "raw_lean_timed"):
        return _lean_op(session, url, loads, timed=client == "raw_lean_timed"), session.close
    if use_orjson:

        async def op() -> Any:
            async with session.get(url) as resp:
                return orjson.loads(await resp.read())["data"]
    else:

        async def op() -> Any:
            async with session.get(url) as resp:
                return (await resp.json())["data"]

    return op, session.close


def _lean_op(
    session: Any, url: str, loads: Callable[[bytes], Any] | None, *, timed: bool = False
) -> Callable[[], Awaitable[Any]]:
    """``"raw_lean"``: aiohttp below ``ClientSession._request``, as a client could send
    through it (a ``ClientRequest``, a pooled connection from the connector, ``send``,
    ``start``): no redirects, cookies, proxies, traces, middlewares or total timer. What
    the session's request machinery costs, which raw aiohttp and the SDK both pay. An
    experiment, not a client to copy: it leans on aiohttp's undocumented internals.

    ``timed`` (``"raw_lean_timed"``): with what a client sending that way could not do
    without, as ``_request`` does it: the total timer (armed per request, covering the
    body's reading, cancelled when the connection is released), the read timeout, and the
    response and connection closed on a failure."""
    import aiohttp
    from aiohttp.client_reqrep import ClientRequest
    from aiohttp.helpers import TimeoutHandle, TimerNoop
    from yarl import URL

    target = URL(url)
    connector = session.connector
    headers = session.headers
    timeout = aiohttp.ClientTimeout(total=300 if timed else None, sock_connect=30)
    loop = asyncio.get_running_loop()

    async def lean() -> Any:
        timer = TimerNoop()
        req = ClientRequest(
            "GET", target, headers=headers, loop=loop, session=session, timer=timer, traces=[]
        )
        conn = await connector.connect(req, traces=[], timeout=timeout)
        assert conn.protocol is not None
        conn.protocol.set_response_params(timer=timer, read_until_eof=True)
        resp = await req.send(conn)
        await resp.start(conn)
        try:
            if loads is not None:
                return loads(await resp.read())["data"]
            return (await resp.json())["data"]
        finally:
            resp.release()

    async def lean_timed() -> Any:
        total = TimeoutHandle(loop, timeout.total, ceil_threshold=timeout.ceil_threshold)
        handle = total.start()
        timer = total.timer()
        try:
            with timer:
                req = ClientRequest(
                    "GET", target, headers=headers, loop=loop, session=session, timer=timer,
                    traces=[],
                )  # fmt: skip
                conn = await connector.connect(req, traces=[], timeout=timeout)
                assert conn.protocol is not None
                conn.protocol.set_response_params(
                    timer=timer, read_until_eof=True, read_timeout=timeout.sock_read
                )
                try:
                    resp = await req.send(conn)
                    try:
                        await resp.start(conn)
                    except BaseException:
                        resp.close()
                        raise
                except BaseException:
                    conn.close()
                    raise
            if handle is not None:  # the timer ends with the connection's release
                if resp.connection is not None:
                    resp.connection.add_callback(handle.cancel)
                else:
                    handle.cancel()
        except BaseException:
            total.close()
            if handle is not None:
                handle.cancel()
            raise
        try:
            if loads is not None:
                return loads(await resp.read())["data"]
            return (await resp.json())["data"]
        finally:
            resp.release()

    return lean_timed if timed else lean


async def _measure(ids: dict[str, str], spec: dict[str, Any]) -> dict[str, float]:
    in_flight = spec["in_flight"]
    op, close = await open_client(
        ids,
        spec["client"],
        in_flight,
        max_concurrency=spec["max_concurrency"],
        use_orjson=spec["loop"] == "uvloop",
    )

    async def loop_until(end: float, counter: list[int]) -> None:
        while time.monotonic() < end:
            await op()
            counter[0] += 1

    try:
        await op()
        warm = time.monotonic() + WARMUP_S
        await asyncio.gather(*(loop_until(warm, [0]) for _ in range(in_flight)))
        collector = _Collector(count_young=spec["gen0"])
        done = [0]
        end = time.monotonic() + spec["seconds"]
        gc.callbacks.append(collector.callback)
        cpu, wall = time.process_time(), time.monotonic()
        try:
            await asyncio.gather(*(loop_until(end, done) for _ in range(in_flight)))
            cpu, wall = time.process_time() - cpu, time.monotonic() - wall
        finally:
            gc.callbacks.remove(collector.callback)
    finally:
        await close()
    n = done[0]
    return {
        "req_s": n / wall,
        "cpu_us": cpu / n * 1e6,
        "gc_us": collector.seconds / n * 1e6,
        "collections_per_1000": collector.collections / n * 1000,
        "young_at_collection": statistics.median(collector.young) if collector.young else 0,
    }


class _Collector:
    """Time and count garbage collections (``gc.callbacks``)."""

    def __init__(self, *, count_young: bool) -> None:
        self.count_young = count_young
        self.seconds = 0.0
        self.collections = 0
        self.young: list[int] = []
        self._started = 0.0

    def callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            if self.count_young and info["generation"] == 0:
                self.young.append(len(gc.get_objects(0)))
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started
            self.collections += 1


def _answer(conn: Connection, process: multiprocessing.process.BaseProcess, what: str) -> Any:
    """What ``process`` sends, or a clear stop when it died first (instead of a hang)."""
    try:
        return conn.recv()
    except EOFError:
        process.join(10)
        raise SystemExit(f"{what} died before answering (exit code {process.exitcode})") from None


@contextlib.contextmanager
def serving(processes: int = 20, tasks_per_process: int = 10) -> Iterator[dict[str, str]]:
    """Run the fake in its own process; yield the ids it sends; stop it after."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    server = context.Process(
        target=_serve, args=(theirs, processes, tasks_per_process), daemon=True
    )
    server.start()
    theirs.close()  # ours alone: a server that dies ends recv() with EOFError
    try:
        yield _answer(ours, server, "the server")
    finally:
        with contextlib.suppress(OSError):  # a server already gone cannot be told
            ours.send("stop")
        ours.close()
        server.join(10)
        if server.is_alive():
            server.kill()


def run_client(
    client: Callable[[Connection, dict[str, str], dict[str, Any]], None],
    ids: dict[str, str],
    spec: dict[str, Any],
) -> dict[str, float]:
    """Run ``client`` in a fresh process for one measurement (``spec["client"]`` names it);
    return what it measured."""
    context = multiprocessing.get_context("spawn")
    mine, theirs = context.Pipe()
    process = context.Process(target=client, args=(theirs, ids, spec))
    process.start()
    theirs.close()
    try:
        measured: dict[str, float] = _answer(mine, process, f"the {spec['client']} client")
    finally:
        mine.close()
        process.join(10)
        if process.is_alive():
            process.kill()
    return measured


def print_medians(label: str, runs: list[dict[str, float]]) -> None:
    """One line: each measured value's median over ``runs``."""
    cells = ", ".join(
        f"{key} {statistics.median(run[key] for run in runs):,.1f}" for key in runs[0]
    )
    print(f"{label} (median of {len(runs)}): {cells}")


def main() -> None:
    """Print one line per loop, number in flight and client: medians over repetitions."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--in-flight", default="16,64,256")
    parser.add_argument("--loops", default="asyncio,uvloop")
    parser.add_argument("--clients", default="raw,sdk")
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--gc-threshold", type=int, default=0)
    parser.add_argument("--gen0", action="store_true", help="count the young generation")
    parser.add_argument(
        "--max-concurrency",
        type=int,
        default=0,
        help="the SDK's limit of requests in flight (default: the number in flight, at least 64)",
    )
    args = parser.parse_args()
    clients = parse_clients(parser, args.clients)
    with serving() as ids:
        results: dict[tuple[str, int, str], list[dict[str, float]]] = {}
        for _ in range(args.reps):
            for loop_name in args.loops.split(","):
                for level in (int(n) for n in args.in_flight.split(",")):
                    for client in clients:
                        spec = {
                            "loop": loop_name,
                            "in_flight": level,
                            "client": client,
                            "seconds": args.seconds,
                            "gc_threshold": args.gc_threshold,
                            "gen0": args.gen0,
                            "max_concurrency": args.max_concurrency,
                        }
                        got = run_client(_client, ids, spec)
                        results.setdefault((loop_name, level, client), []).append(got)
        for (loop_name, level, client), runs in results.items():
            print_medians(f"{loop_name:8} @{level:<5} {client:4}", runs)


if __name__ == "__main__":
    main()
