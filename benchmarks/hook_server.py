"""A webhook endpoint in its own process, for the ``webhooks`` workload.

``python -m benchmarks.hook_server KIND CORE`` serves ``POST /hooks`` on 127.0.0.1 with one
of three handlers, on the stock asyncio loop:

- ``bare``: an aiohttp.web handler that only reads the body (the floor of any receiver);
- ``sdk``: ``tallyfy_async.webhooks.handler`` without orjson (as CI runs it): parse, check
  the organization, deduplicate, queue, answer; a callback that does nothing;
- ``sdk_orjson``: the same with orjson.

``GET /stats`` answers the process's CPU time (the ``control_url`` protocol of
``benchmarks.measure``). It prints one JSON line when it serves (``{"port": ...}``), stops
when its standard input closes, drains the receiver, and prints the final counts.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from typing import Any

#: The organization of the documented payloads the load generator sends.
ORG_ID = "org789xyz123"
KINDS = ("bare", "sdk", "sdk_orjson")


async def serve(kind: str) -> dict[str, Any]:
    """Serve until standard input closes; the final counts."""
    from aiohttp import web

    app = web.Application()
    counts: dict[str, Any] = {"kind": kind, "requests": 0, "events": 0}
    receiver = None
    if kind == "bare":

        async def bare(request: web.Request) -> web.Response:
            await request.read()
            counts["requests"] += 1
            return web.Response(text="accepted")

        app.router.add_post("/hooks", bare)
    else:
        from tallyfy_async import _serde, webhooks

        async def on_event(event: webhooks.WebhookEvent) -> None:
            counts["events"] += 1

        receiver = webhooks.handler(on_event, org_id=ORG_ID)
        receiver.install(app, "/hooks")
        counts["json"] = "orjson" if _serde.orjson is not None else "json"

    async def stats(_: web.Request) -> web.Response:
        return web.json_response({"cpu_s": time.process_time()})

    app.router.add_get("/stats", stats)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        print(json.dumps({"port": runner.addresses[0][1], "pid": os.getpid()}), flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    finally:
        await runner.cleanup()  # closes the receiver: its queue drains
    if receiver is not None:
        s = receiver.stats
        counts.update(
            requests=s.received,
            accepted=s.accepted,
            duplicates=s.duplicates,
            refused=s.refused,
            delivered=s.delivered,
            failed=s.failed,
            undelivered=s.undelivered,
        )
    return counts


def main() -> None:
    """``KIND CORE`` (CORE -1: not pinned)."""
    kind, core = sys.argv[1], int(sys.argv[2])
    if kind not in KINDS:
        raise SystemExit(f"kind must be one of {KINDS}")
    if core >= 0:
        os.sched_setaffinity(0, {core})
    if kind != "sdk_orjson":
        sys.modules["orjson"] = None  # type: ignore[assignment]  # the SDK without `speed`
    print(json.dumps(asyncio.run(serve(kind))), flush=True)


if __name__ == "__main__":
    main()
