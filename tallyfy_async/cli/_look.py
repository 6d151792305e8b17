"""Quick looks: ``orgs``, ``whoami``, ``get KIND ID`` and ``list KIND [NAME=VALUE...]``."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from datetime import date
from typing import Any

import attrs
import click

from tallyfy_async._readers import EXTRA
from tallyfy_async._urls import HEX_ID
from tallyfy_async.cli._connect import Target, connect, connection_options
from tallyfy_async.cli._failures import ExitCode, Failure, run
from tallyfy_async.cli._output import format_option, show
from tallyfy_async.client import OrgClient
from tallyfy_async.models import Blueprint, Folder, Group, Guest, Member, Process, Tag, Task

#: Records shown by ``list`` unless ``--limit`` says otherwise.
LIST_LIMIT = 50


def hex_id(text: str) -> str:
    """A blueprint's, process's, task's, group's, tag's or folder's id: Tallyfy writes
    these as 32 hexadecimal characters, so any other text would only meet a 404."""
    if HEX_ID.fullmatch(text.lower()):  # upper case too: the API may take it
        return text
    problem = "not all hexadecimal" if len(text) == 32 else f"{len(text)} characters"
    raise ValueError(
        "its ids are 32 hexadecimal characters (0-9, a-f), as in "
        f"'3b0c5f2e8d7a4c1b9e6f0a2d4c8b7e13'; this one is {problem}"
    )


def _number_id(text: str) -> int:
    """A member's id: a whole number."""
    try:
        return int(text)
    except ValueError:
        raise ValueError("its ids are whole numbers, as in '10245'") from None


@attrs.frozen
class Kind:
    """A kind of record the quick looks read: its resource, its model (whose fields are
    the columns ``list --columns`` may name), and what its ids look like (``id_type``
    reads one, raising ValueError that says what was expected)."""

    resource: Callable[[OrgClient], Any]
    model: type[Any]
    id_type: Callable[[str], Any] = str


KINDS: dict[str, Kind] = {
    "blueprints": Kind(lambda org: org.blueprints, Blueprint, hex_id),
    "processes": Kind(lambda org: org.processes, Process, hex_id),
    "tasks": Kind(lambda org: org.tasks, Task, hex_id),
    "members": Kind(lambda org: org.members, Member, _number_id),
    "guests": Kind(lambda org: org.guests, Guest),  # an email, checked by the SDK
    "groups": Kind(lambda org: org.groups, Group, hex_id),
    "tags": Kind(lambda org: org.tags, Tag, hex_id),
    "folders": Kind(lambda org: org.folders, Folder, hex_id),
}
#: A kind may also be named in the singular.
_SINGULAR = {name.removesuffix("es" if name == "processes" else "s"): name for name in KINDS}


def _kind(ctx: click.Context, param: click.Parameter, value: str) -> str:
    name = _SINGULAR.get(value.lower(), value.lower())
    if name not in KINDS:
        raise click.BadParameter(f"{value!r} is not one of: {', '.join(KINDS)}")
    return name


kind_argument = click.argument("kind", callback=_kind, metavar="KIND")
_KINDS_HELP = f"KIND is one of {', '.join(KINDS)} (or the singular)."


@click.command()
@connection_options
@format_option
def orgs(target: Target, as_json: bool | None) -> None:
    """List the organizations the user belongs to (id, name, role)."""

    async def work() -> list[Any]:
        async with connect(target, org=False) as session:
            return await session.client.organizations().to_list()

    show(run(work), as_json=as_json, columns=["id", "name", "user_role"])


@click.command()
@connection_options
@format_option
def whoami(target: Target, as_json: bool | None) -> None:
    """Show the user the credentials sign in as."""

    async def work() -> Any:
        async with connect(target, org=False) as session:
            return await session.client.me()

    show(run(work), as_json=as_json)


@click.command(epilog=_KINDS_HELP)
@kind_argument
@click.argument("record_id", metavar="ID")
@connection_options
@format_option
def get(target: Target, kind: str, record_id: str, as_json: bool | None) -> None:
    """Show one record: its every field."""
    try:
        parsed = KINDS[kind].id_type(record_id)
    except ValueError as exc:
        raise click.BadParameter(
            f"{record_id[:60]!r} is not an id of {kind}: {exc}", param_hint="ID"
        ) from None

    async def work() -> Any:
        async with connect(target) as session:
            resource = KINDS[kind].resource(session.org)
            try:
                return await resource.get(parsed)
            except ValueError as exc:  # an id of the wrong shape, refused before sending
                raise Failure(ExitCode.USAGE, str(exc)) from None

    show(run(work), as_json=as_json)


@click.command(
    name="list",
    epilog=f"{_KINDS_HELP} A filter is any option of the SDK's listing of that kind, "
    "written NAME=VALUE: status=active, archived=true, q=onboarding, owners=42,43. "
    "An unknown name is refused with the list of those the kind takes.",
)
@kind_argument
@click.argument("filters", nargs=-1, metavar="[NAME=VALUE]...")
@click.option(
    "--limit",
    type=click.IntRange(0),
    default=LIST_LIMIT,
    show_default=True,
    help="Records at most (0: every one).",
)
@click.option("--columns", help="Columns of the table, comma-separated (default: the set ones).")
@connection_options
@format_option
def list_(
    target: Target,
    kind: str,
    filters: tuple[str, ...],
    limit: int,
    columns: str | None,
    as_json: bool | None,
) -> None:
    """List records of one kind, filtered."""

    async def work() -> tuple[list[Any], int]:
        async with connect(target) as session:
            listing = KINDS[kind].resource(session.org).list
            options = parse_filters(listing, filters)
            try:
                paginator = listing(**options, limit=limit or None)
                first = await paginator  # kept: the walk starts from it
            except (TypeError, ValueError) as exc:  # a filter value refused before sending
                raise Failure(ExitCode.USAGE, str(exc)) from None
            return await paginator.to_list(), first.total

    items, total = run(work)
    chosen = None if as_json else chosen_columns(columns, kind, items)  # JSON has every key
    show(items, as_json=as_json, columns=chosen)
    if len(items) < total:
        click.echo(f"{len(items):,} of {total:,} {kind} (--limit 0 shows every one)", err=True)


def chosen_columns(text: str | None, kind: str, rows: list[Any]) -> list[str] | None:
    """The columns ``--columns`` names (None: the default ones).

    A column is a field of the kind's model or a key Tallyfy sent that the model does
    not know (kept in ``extra``), so a name is only known to be wrong once rows are
    read: one that is neither is refused rather than shown as an empty column. Without
    rows there is nothing to show and nothing to judge by: no name is refused.

    Raises:
        Failure: (usage) a name that is no column of ``kind``.
    """
    names = [name.strip() for name in (text or "").split(",") if name.strip()]
    if not names:
        return None
    fields = [f.name for f in attrs.fields(KINDS[kind].model) if f.name != EXTRA]
    sent = {key for row in rows for key in getattr(row, EXTRA, None) or {}}
    unknown = [name for name in names if name not in fields and name not in sent]
    if unknown and rows:
        raise Failure(
            ExitCode.USAGE,
            f"--columns: no column {', '.join(map(repr, unknown))} in {kind}; "
            f"the columns: {', '.join(fields)}",
        )
    return names


def parse_filters(listing: Callable[..., Any], filters: tuple[str, ...]) -> dict[str, Any]:
    """``NAME=VALUE`` words as keyword arguments of ``listing``, each value read as its
    parameter's type says (a bool, an int, a date, a comma-separated list).

    Raises:
        click.BadParameter: a word without ``=``, or a name the listing does not take.
    """
    parameters = {
        name.removesuffix("_"): parameter
        for name, parameter in inspect.signature(listing).parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY
        and name not in ("per_page", "limit", "concurrency")
    }
    options: dict[str, Any] = {}
    for word in filters:
        name, equals, text = word.partition("=")
        parameter = parameters.get(name.strip())
        if not equals or parameter is None:
            raise click.BadParameter(
                f"{word!r}: filters are NAME=VALUE with NAME one of {', '.join(parameters)}",
                param_hint="NAME=VALUE",
            )
        options[parameter.name] = _value(str(parameter.annotation), text.strip())
    return options


def _value(annotation: str, text: str) -> Any:
    if "Sequence" in annotation and "," in text:
        return [_scalar(annotation, part.strip()) for part in text.split(",")]
    return _scalar(annotation, text)


def _scalar(annotation: str, text: str) -> Any:
    lowered = text.lower()
    if "bool" in annotation and lowered in ("true", "false", "yes", "no"):
        return lowered in ("true", "yes")
    if re.search(r"\bint\b", annotation) and re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.search(r"\bdate\b", annotation):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    return text
