"""Where a command connects: credentials, the organization, the API root, or ``--fake``.

Secrets are read from the environment, a file (``-`` for standard input) or a hidden
prompt, never from a command-line value: the arguments of a process are visible to every
user of the machine (``ps``), its environment is not. Nothing read here is printed.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, TypeVar

import attrs
import click

from tallyfy_async import _constants as C
from tallyfy_async._urls import check_org_id
from tallyfy_async.auth.credentials import PasswordGrant, PersonalAccessToken
from tallyfy_async.cli._failures import ExitCode, Failure
from tallyfy_async.client import OrgClient, TallyfyClient
from tallyfy_async.errors import NotFoundError, PermissionDeniedError
from tallyfy_async.testing import FakeTallyfy

F = TypeVar("F", bound=Callable[..., Any])

#: Environment variables the tool reads (besides TALLYFY_BASE_URL and TALLYFY_TOKEN_URL).
ACCESS_TOKEN_ENV = "TALLYFY_ACCESS_TOKEN"
CLIENT_ID_ENV = "TALLYFY_CLIENT_ID"
CLIENT_SECRET_ENV = "TALLYFY_CLIENT_SECRET"
USERNAME_ENV = "TALLYFY_USERNAME"
PASSWORD_ENV = "TALLYFY_PASSWORD"
ORG_ENV = "TALLYFY_ORG_ID"
#: The size of the demo organization ``--fake`` serves, unless told otherwise.
FAKE_PROCESSES = 1_000
FAKE_TASKS_PER_PROCESS = 5


@attrs.frozen(kw_only=True)
class Target:
    """Where to connect, as the options said (secrets are read later, only when needed)."""

    fake: bool
    fake_processes: int
    fake_tasks: int
    org_id: str | None
    base_url: str | None
    token_url: str | None
    client_id: str | None
    username: str | None
    access_token_file: Path | None
    client_secret_file: Path | None
    password_file: Path | None


def _org_id(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return check_org_id(value, "--org")
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def connection_options(command: F) -> F:
    """The options of every command that talks to Tallyfy, gathered into ``target``."""
    options = [
        click.option(
            "--fake",
            is_flag=True,
            help="Run against an embedded FakeTallyfy seeded with a demo organization: "
            "no credentials, no network. Its ids are new on every run, so an id from one "
            "run names nothing in the next: to get or launch by id, run serve-fake and "
            "point --base-url and --token-url at it.",
        ),
        click.option(
            "--fake-processes",
            type=click.IntRange(0),
            default=FAKE_PROCESSES,
            show_default=True,
            help="Processes of the --fake demo organization.",
        ),
        click.option(
            "--fake-tasks",
            type=click.IntRange(1),
            default=FAKE_TASKS_PER_PROCESS,
            show_default=True,
            help="Tasks per process of the --fake demo organization.",
        ),
        click.option(
            "--org",
            "org_id",
            envvar=ORG_ENV,
            callback=_org_id,
            help=f"Organization id (32 hex characters) [env {ORG_ENV}]; optional when the "
            "user belongs to one organization.",
        ),
        click.option(
            "--base-url",
            envvar=C.BASE_URL_ENV,
            help=f"API root [env {C.BASE_URL_ENV}; default {C.DEFAULT_BASE_URL}].",
        ),
        click.option(
            "--token-url",
            envvar=C.TOKEN_URL_ENV,
            help=f"OAuth token endpoint [env {C.TOKEN_URL_ENV}; default {C.DEFAULT_TOKEN_URL}].",
        ),
        click.option(
            "--client-id", envvar=CLIENT_ID_ENV, help=f"OAuth client id [env {CLIENT_ID_ENV}]."
        ),
        click.option(
            "--username",
            envvar=USERNAME_ENV,
            help=f"Email the application signs in as [env {USERNAME_ENV}].",
        ),
        click.option(
            "--access-token-file",
            type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
            help=f"File holding a personal access token ('-': standard input) "
            f"[or env {ACCESS_TOKEN_ENV}].",
        ),
        click.option(
            "--client-secret-file",
            type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
            help=f"File holding the client secret [or env {CLIENT_SECRET_ENV}].",
        ),
        click.option(
            "--password-file",
            type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
            help=f"File holding the password [or env {PASSWORD_ENV}; or a hidden prompt].",
        ),
    ]

    @functools.wraps(command)
    def gathered(**kwargs: Any) -> Any:
        names = [f.name for f in attrs.fields(Target)]
        target = Target(**{name: kwargs.pop(name) for name in names})
        return command(target=target, **kwargs)

    for option in reversed(options):
        gathered = option(gathered)
    return gathered  # type: ignore[return-value]


def _secret(env: str, file: Path | None) -> str | None:
    """A secret from its file (``-``: standard input) or its environment variable."""
    if file is not None:
        try:
            text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
        except OSError as exc:
            raise Failure(ExitCode.FILE, f"cannot read {file}: {exc.strerror}") from None
        return text.strip() or None
    return os.environ.get(env) or None


def credentials(target: Target) -> PersonalAccessToken | PasswordGrant:
    """The credentials the options and environment give.

    Raises:
        Failure: none given, or some of a password grant missing (exit code 3).
    """
    token = _secret(ACCESS_TOKEN_ENV, target.access_token_file)
    if token is not None:
        return PersonalAccessToken(token)
    client_secret = _secret(CLIENT_SECRET_ENV, target.client_secret_file)
    password = _secret(PASSWORD_ENV, target.password_file)
    given = {
        "client id": target.client_id,
        "client secret": client_secret,
        "username": target.username,
    }
    if not any(given.values()) and password is None:
        raise Failure(
            ExitCode.CREDENTIALS,
            f"no credentials: set {ACCESS_TOKEN_ENV} (a personal access token), or "
            f"{CLIENT_ID_ENV}, {CLIENT_SECRET_ENV}, {USERNAME_ENV} and {PASSWORD_ENV}; "
            "or run against the demo organization with --fake",
        )
    if password is None and target.username and sys.stdin.isatty():
        password = click.prompt(f"Password for {target.username}", hide_input=True)
    given["password"] = password
    missing = [name for name, value in given.items() if not value]
    if missing:
        raise Failure(
            ExitCode.CREDENTIALS,
            f"a password grant needs a client id, a client secret, a username and a "
            f"password; missing: {', '.join(missing)}",
        )
    client_id = str(target.client_id)
    if not client_id.isdigit():
        raise Failure(
            ExitCode.CREDENTIALS,
            f"the client id must be the numeric id Tallyfy support issued, got {client_id!r}",
        )
    return PasswordGrant(
        client_id=client_id,
        client_secret=str(client_secret),
        username=str(target.username),
        password=str(password),
    )


@attrs.define
class Session:
    """An open client, and the organization a command works in (when it needs one)."""

    client: TallyfyClient
    org_id: str | None
    fake: FakeTallyfy | None = None

    @property
    def org(self) -> OrgClient:
        """The organization's view (``--org``, the only one, or the demo's)."""
        assert self.org_id is not None
        return self.client.org(self.org_id)


@contextlib.asynccontextmanager
async def connect(target: Target, *, org: bool = True) -> AsyncIterator[Session]:
    """A signed-in client, and the organization when ``org``; closed on the way out.

    Raises:
        Failure: no credentials, an unknown organization or several to choose from.
    """
    async with contextlib.AsyncExitStack() as stack:
        fake: FakeTallyfy | None = None
        org_id = target.org_id
        if target.fake:
            fake = await stack.enter_async_context(FakeTallyfy())
            # The demo takes the organization id asked for (--org or TALLYFY_ORG_ID, which a
            # user's environment may well set), so that the command works in it.
            demo = fake.seed_demo(
                processes=target.fake_processes,
                tasks_per_process=target.fake_tasks,
                org_id=org_id,
            )
            client = TallyfyClient(
                demo.credentials, base_url=fake.base_url, token_url=fake.token_url
            )
            org_id = demo.org_id
        else:
            try:
                client = TallyfyClient(
                    credentials(target), base_url=target.base_url, token_url=target.token_url
                )
            except ValueError as exc:  # a URL of the wrong shape
                raise Failure(ExitCode.USAGE, str(exc)) from None
        await stack.enter_async_context(client)
        if org and org_id is None:
            org_id = await _only_organization(client)
        try:
            yield Session(client, org_id if org else None, fake)
        except (NotFoundError, PermissionDeniedError):
            if org and org_id is not None:
                await _check_member(client, org_id)
            raise


async def _only_organization(client: TallyfyClient) -> str:
    organizations = await client.organizations().to_list()
    if len(organizations) == 1:
        return organizations[0].id
    raise Failure(
        ExitCode.USAGE,
        f"say which organization with --org or {ORG_ENV}: the user belongs to "
        f"{len(organizations)} (tallyfy-async orgs lists them)",
    )


async def _check_member(client: TallyfyClient, org_id: str) -> None:
    """Raise the unknown-organization failure when the user is not in ``org_id``."""
    organizations = await client.organizations().to_list()
    if org_id not in {organization.id for organization in organizations}:
        raise Failure(
            ExitCode.NOT_FOUND,
            f"unknown organization {org_id}: the user belongs to {len(organizations)} "
            "other organization(s) (tallyfy-async orgs lists them)",
        )
