"""``python -m tallyfy_async.testing``: run the fake as a standalone server until Ctrl-C.

It prints the base URL, the credentials and two ready ``curl`` lines, then serves. Every
value a script in another language needs can be pinned with a flag (port, organization id,
client id and secret, administrator email and password), so the script need not read the
banner. ``--json`` prints them as one JSON object instead.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import json
import shlex
import signal
import sys
from collections.abc import Callable, Sequence

import attrs

from tallyfy_async.testing import FakeTallyfy
from tallyfy_async.testing._dates import REQUEST_DATE_ORDERS, YEAR_MONTH_DAY


@attrs.frozen
class _Login:
    """What a client needs to reach the fake's organization."""

    base_url: str
    token_url: str
    org_id: str
    client_id: str
    client_secret: str
    username: str
    password: str
    #: The demo's blueprints by title (empty without ``--seed-demo``).
    blueprints: dict[str, str] = attrs.Factory(dict)


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
        "--oneoff-tasks", type=int, default=10, help="demo one-off tasks (default 10)"
    )
    parser.add_argument("--org-id", help="the organization's id (32 hex; default: random)")
    parser.add_argument("--org-name", default=None, help="the organization's name")
    parser.add_argument("--client-id", help="the OAuth client id (numeric; default: 101)")
    parser.add_argument("--client-secret", help="the OAuth client secret (default: random)")
    parser.add_argument(
        "--admin-email", default="admin@acme.test", help="the administrator's email"
    )
    parser.add_argument(
        "--admin-password", default="demo-password", help="the administrator's password"
    )
    parser.add_argument(
        "--request-dates",
        choices=REQUEST_DATE_ORDERS,
        default=YEAR_MONTH_DAY,
        help="how request dates are read (YYYY-DD-MM: day first, as an older guide said)",
    )
    parser.add_argument(
        "--token-lifetime", type=int, default=3600, help="password-grant expires_in, seconds"
    )
    parser.add_argument("--seed", type=int, default=None, help="random seed for faults")
    parser.add_argument(
        "--max-log", type=int, default=10_000, help="requests kept in the in-memory log"
    )
    parser.add_argument(
        "--json", action="store_true", help="print the login as one JSON line, not a banner"
    )
    return parser


def _populate(fake: FakeTallyfy, args: argparse.Namespace) -> tuple[str, str, str, dict[str, str]]:
    """Seed the fake as the flags say; returns the org id, client id and secret, and the
    demo's blueprint ids by title."""
    if args.client_id is not None and not args.client_id.isdigit():
        raise SystemExit("--client-id must be numeric, as Tallyfy's client ids are")
    if args.seed_demo:
        demo = fake.seed_demo(
            processes=args.processes,
            tasks_per_process=args.tasks_per_process,
            oneoff_tasks=args.oneoff_tasks,
            org_name=args.org_name or "Acme Demo",
            org_id=args.org_id,
            admin_email=args.admin_email,
            admin_password=args.admin_password,
            client_id=args.client_id,
            client_secret=args.client_secret,
        )
        blueprints = {}
        for blueprint_id in demo.blueprint_ids:
            stored = fake.snapshot(demo.org_id, "blueprints", blueprint_id)
            assert stored is not None
            blueprints[stored["title"]] = blueprint_id
        return demo.org_id, demo.client_id, demo.client_secret, blueprints
    org_id = fake.add_organization(args.org_name or "Acme", org_id=args.org_id)
    fake.add_member(org_id, email=args.admin_email, password=args.admin_password, role="admin")
    client_id, client_secret = fake.add_client(
        [org_id], client_id=args.client_id, client_secret=args.client_secret
    )
    return org_id, client_id, client_secret, {}


async def _serve(args: argparse.Namespace) -> None:
    fake = FakeTallyfy(
        host=args.host,
        port=args.port,
        token_lifetime=args.token_lifetime,
        seed=args.seed,
        max_log=args.max_log,
    )
    fake.request_dates = args.request_dates
    org_id, client_id, client_secret, blueprints = _populate(fake, args)
    await fake.start()
    try:
        login = _Login(
            fake.base_url,
            fake.token_url,
            org_id,
            client_id,
            client_secret,
            args.admin_email,
            args.admin_password,
            blueprints,
        )
        print(json.dumps(attrs.asdict(login)) if args.json else _banner(login), flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):  # Windows: Ctrl-C still interrupts
                loop.add_signal_handler(signum, stop.set)
        await stop.wait()
    finally:
        await fake.close()


def _banner(login: _Login) -> str:
    q = shlex.quote
    token = (
        f"curl -s -X POST {login.token_url} -d grant_type=password "
        f"-d client_id={q(login.client_id)} -d client_secret={q(login.client_secret)} "
        f"-d username={q(login.username)} -d password={q(login.password)}"
    )
    extract = "python3 -c 'import json,sys; print(json.load(sys.stdin)[\"access_token\"])'"
    runs = (
        f"curl -s {login.base_url}/organizations/{login.org_id}/runs "
        '-H "Authorization: Bearer $TOKEN" '
        '-H "X-Tallyfy-Client: APIClient" -H "Accept: application/json"'
    )
    return "\n".join(
        (
            "Tallyfy fake server is running (Ctrl-C to stop)",
            f"  base URL:      {login.base_url}",
            f"  token URL:     {login.token_url}",
            f"  org id:        {login.org_id}",
            f"  client_id:     {login.client_id}",
            f"  client_secret: {login.client_secret}",
            f"  username:      {login.username}",
            f"  password:      {login.password}",
            *(f"  blueprint:     {bp_id}  {title}" for title, bp_id in login.blueprints.items()),
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
