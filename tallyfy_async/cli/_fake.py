"""``serve-fake``: FakeTallyfy as a standalone server, with a demo organization, until Ctrl-C.

It prints the base URL, the login and ready lines for this tool and for ``curl``, then
serves. Every value a script in another language needs can be pinned with an option
(port, organization id, client id and secret, administrator email and password), so the
script need not read the banner; ``--json`` prints them as one JSON line instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import shlex
import signal

import attrs
import click

from tallyfy_async._urls import check_org_id
from tallyfy_async.cli._connect import (
    CLIENT_ID_ENV,
    ORG_ENV,
    PASSWORD_ENV,
    USERNAME_ENV,
)
from tallyfy_async.cli._failures import ExitCode, Failure, run
from tallyfy_async.testing import FakeTallyfy
from tallyfy_async.testing._dates import REQUEST_DATE_ORDERS, YEAR_MONTH_DAY


@attrs.frozen
class Login:
    """What a client needs to reach the fake's organization."""

    base_url: str
    token_url: str
    org_id: str
    client_id: str
    client_secret: str
    username: str
    password: str
    #: The demo's blueprints by title (empty with ``--no-demo``).
    blueprints: dict[str, str] = attrs.Factory(dict)


@attrs.frozen(kw_only=True)
class Seeding:
    """How to fill the fake, as the options say."""

    demo: bool
    processes: int
    tasks_per_process: int
    oneoff_tasks: int
    org_id: str | None
    org_name: str | None
    client_id: str | None
    client_secret: str | None
    admin_email: str
    admin_password: str


def populate(fake: FakeTallyfy, seeding: Seeding) -> tuple[str, str, str, dict[str, str]]:
    """Seed ``fake``; returns the org id, client id and secret, and the demo's blueprint
    ids by title."""
    if seeding.demo:
        demo = fake.seed_demo(
            processes=seeding.processes,
            tasks_per_process=seeding.tasks_per_process,
            oneoff_tasks=seeding.oneoff_tasks,
            org_name=seeding.org_name or "Acme Demo",
            org_id=seeding.org_id,
            admin_email=seeding.admin_email,
            admin_password=seeding.admin_password,
            client_id=seeding.client_id,
            client_secret=seeding.client_secret,
        )
        blueprints = {}
        for blueprint_id in demo.blueprint_ids:
            stored = fake.snapshot(demo.org_id, "blueprints", blueprint_id)
            assert stored is not None
            blueprints[stored["title"]] = blueprint_id
        return demo.org_id, demo.client_id, demo.client_secret, blueprints
    org_id = fake.add_organization(seeding.org_name or "Acme", org_id=seeding.org_id)
    fake.add_member(
        org_id, email=seeding.admin_email, password=seeding.admin_password, role="admin"
    )
    client_id, client_secret = fake.add_client(
        [org_id], client_id=seeding.client_id, client_secret=seeding.client_secret
    )
    return org_id, client_id, client_secret, {}


def _numeric(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not value.isdigit():
        raise click.BadParameter("must be numeric, as Tallyfy's client ids are")
    return value


def _org_id(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return check_org_id(value, "it")
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _not_empty(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if not value:
        raise click.BadParameter("must not be empty: the password grant needs one")
    return value


def cannot_listen(host: str, port: int, error: OSError) -> Failure:
    """The failure of a server that cannot listen on ``host``:``port`` (exit code 5: a
    resource of this machine, as a file, could not be used)."""
    if error.errno == errno.EADDRINUSE:
        return Failure(
            ExitCode.FILE,
            f"port {port} on {host} is in use: stop what uses it, or choose another port "
            "with --port (--port 0: any free port)",
        )
    return Failure(
        ExitCode.FILE,
        f"cannot listen on {host} port {port}: {error.strerror or error}; --host must be an "
        "address of this machine (127.0.0.1, or 0.0.0.0 for all), --port a port it may "
        "use (--port 0: any free port)",
    )


@click.command(name="serve-fake")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True,
              help="Port (0: any free port).")  # fmt: skip
@click.option("--demo/--no-demo", default=True, show_default=True,
              help="Seed the demo organization (members, blueprints, processes, tasks), "
              "or an empty one with its administrator.")  # fmt: skip
@click.option("--processes", type=click.IntRange(0), default=20, show_default=True,
              help="Demo processes.")  # fmt: skip
@click.option("--tasks-per-process", type=click.IntRange(1), default=5, show_default=True,
              help="Demo tasks per process.")  # fmt: skip
@click.option("--oneoff-tasks", type=click.IntRange(0), default=10, show_default=True,
              help="Demo one-off tasks.")  # fmt: skip
@click.option("--org-id", callback=_org_id,
              help="The organization's id (32 hex; default: random).")  # fmt: skip
@click.option("--org-name", help="The organization's name.")
@click.option("--client-id", callback=_numeric, help="The OAuth client id (numeric; default 101).")
@click.option("--client-secret", help="The OAuth client secret (default: random).")
@click.option("--admin-email", default="admin@acme.test", show_default=True,
              help="The administrator's email.")  # fmt: skip
@click.option("--admin-password", default="demo-password", show_default=True,
              callback=_not_empty, help="The administrator's password.")  # fmt: skip
@click.option("--request-dates", type=click.Choice(REQUEST_DATE_ORDERS),
              default=YEAR_MONTH_DAY, show_default=True,
              help="How request dates are read (YYYY-DD-MM: day first, as an older guide "
              "said).")  # fmt: skip
@click.option("--token-lifetime", type=click.IntRange(1), default=3600, show_default=True,
              help="expires_in of the tokens it issues, seconds.")  # fmt: skip
@click.option("--seed", type=int, help="Random seed of injected faults.")
@click.option("--max-log", type=click.IntRange(0), default=10_000, show_default=True,
              help="Requests kept in the in-memory log.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True,
              help="Print the login as one JSON line instead of the banner.")  # fmt: skip
def serve_fake(
    host: str,
    port: int,
    request_dates: str,
    token_lifetime: int,
    seed: int | None,
    max_log: int,
    as_json: bool,
    **seeding: object,
) -> None:
    """Serve FakeTallyfy, an in-memory Tallyfy API, with a demo organization until Ctrl-C.

    Point this tool (or any client) at it with the lines it prints; GET /docs/index on
    it describes every route it serves.
    """
    options = Seeding(**seeding)  # type: ignore[arg-type]

    async def serve() -> None:
        fake = FakeTallyfy(
            host=host, port=port, token_lifetime=token_lifetime, seed=seed, max_log=max_log
        )
        fake.request_dates = request_dates
        org_id, client_id, client_secret, blueprints = populate(fake, options)
        try:
            await fake.start()
        except OSError as exc:
            raise cannot_listen(host, port, exc) from None
        try:
            login = Login(
                fake.base_url, fake.token_url, org_id, client_id, client_secret,
                options.admin_email, options.admin_password, blueprints,
            )  # fmt: skip
            click.echo(json.dumps(attrs.asdict(login)) if as_json else banner(login))
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError):  # Windows: Ctrl-C still works
                    loop.add_signal_handler(signum, stop.set)
            await stop.wait()
        finally:
            await fake.close()

    run(serve)


def banner(login: Login) -> str:
    """What the fake prints when it starts: its login, and how to use it."""
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
    environment = (
        f"export TALLYFY_BASE_URL={q(login.base_url)} TALLYFY_TOKEN_URL={q(login.token_url)} "
        f"{ORG_ENV}={login.org_id} {CLIENT_ID_ENV}={q(login.client_id)} "
        f"TALLYFY_CLIENT_SECRET={q(login.client_secret)} {USERNAME_ENV}={q(login.username)} "
        f"{PASSWORD_ENV}={q(login.password)}"
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
            "Point tallyfy-async at it (then: tallyfy-async list processes):",
            f"  {environment}",
            "Get a token:",
            f"  TOKEN=$({token} | {extract})",
            "List processes:",
            f"  {runs}",
        )
    )
