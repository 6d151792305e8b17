"""``python -m tallyfy_async.testing``: run the fake as a standalone server until Ctrl-C.

It prints the base URL, the credentials and two ready ``curl`` lines, then serves.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import shlex
import signal
import sys
from collections.abc import Callable, Sequence

from tallyfy_async.testing import FakeTallyfy


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tallyfy_async.testing",
        description="Serve an in-memory fake of the Tallyfy REST API.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (0: any free port)")
    parser.add_argument(
        "--seed-demo", action="store_true", help="load the demo organization with processes"
    )
    parser.add_argument("--processes", type=int, default=20, help="demo processes (default 20)")
    parser.add_argument(
        "--tasks-per-process", type=int, default=5, help="demo tasks per process (default 5)"
    )
    parser.add_argument(
        "--token-lifetime", type=int, default=3600, help="password-grant expires_in, seconds"
    )
    parser.add_argument("--seed", type=int, default=None, help="random seed for faults")
    parser.add_argument(
        "--max-log", type=int, default=10_000, help="requests kept in the in-memory log"
    )
    return parser


async def _serve(args: argparse.Namespace) -> None:
    fake = FakeTallyfy(
        host=args.host,
        port=args.port,
        token_lifetime=args.token_lifetime,
        seed=args.seed,
        max_log=args.max_log,
    )
    if args.seed_demo:
        demo = fake.seed_demo(processes=args.processes, tasks_per_process=args.tasks_per_process)
        org_id, email, password = demo.org_id, demo.admin_email, demo.admin_password
        client_id, client_secret = demo.client_id, demo.client_secret
    else:
        org_id = fake.add_organization("Acme")
        email, password = "admin@acme.test", "password"
        fake.add_member(org_id, email=email, password=password, role="admin")
        client_id, client_secret = fake.add_client([org_id])
    await fake.start()
    try:
        print(_banner(fake, org_id, client_id, client_secret, email, password), flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):  # Windows: Ctrl-C still interrupts
                loop.add_signal_handler(signum, stop.set)
        await stop.wait()
    finally:
        await fake.close()


def _banner(
    fake: FakeTallyfy, org_id: str, client_id: str, client_secret: str, email: str, password: str
) -> str:
    q = shlex.quote
    token = (
        f"curl -s -X POST {fake.token_url} -d grant_type=password -d client_id={q(client_id)} "
        f"-d client_secret={q(client_secret)} -d username={q(email)} -d password={q(password)}"
    )
    extract = "python3 -c 'import json,sys; print(json.load(sys.stdin)[\"access_token\"])'"
    runs = (
        f'curl -s {fake.base_url}/organizations/{org_id}/runs -H "Authorization: Bearer $TOKEN" '
        '-H "X-Tallyfy-Client: APIClient" -H "Accept: application/json"'
    )
    return "\n".join(
        (
            "Tallyfy fake server is running (Ctrl-C to stop)",
            f"  base URL:      {fake.base_url}",
            f"  token URL:     {fake.token_url}",
            f"  org id:        {org_id}",
            f"  client_id:     {client_id}",
            f"  client_secret: {client_secret}",
            f"  username:      {email}",
            f"  password:      {password}",
            "",
            "Get a token:",
            f"  TOKEN=$({token} | {extract})",
            "List processes:",
            f"  {runs}",
        )
    )


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    # uvloop (the "speed" extra) roughly halves the server's CPU per request.
    try:
        factory: Callable[[], asyncio.AbstractEventLoop] = importlib.import_module(
            "uvloop"
        ).new_event_loop
    except ImportError:
        return None
    return factory


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``tallyfy-fake`` and ``python -m tallyfy_async.testing``."""
    args = _parser().parse_args(argv)
    with (
        contextlib.suppress(KeyboardInterrupt),
        asyncio.Runner(loop_factory=_loop_factory()) as runner,
    ):
        runner.run(_serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
