"""``export``: every blueprint, process and task of an organization into one file."""

from __future__ import annotations

import re
import sqlite3
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
import click

from tallyfy_async import _constants as C
from tallyfy_async import bulk
from tallyfy_async.cli._connect import Target, connect, connection_options
from tallyfy_async.cli._failures import ExitCode, Failure, run
from tallyfy_async.cli._writers import (
    FORMATS,
    Row,
    RowMaker,
    WireRows,
    atomic_path,
    format_of,
    model_row,
    open_writer,
)

#: Fields that say when a record last changed; the latest one set counts.
CHANGE_FIELDS = ("last_updated", "archived_at", "completed_at", "created_at")
_AGO = re.compile(r"^(\d+)\s*([dhm])$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def parse_since(text: str) -> datetime:
    """``--since``: an ISO 8601 date (midnight UTC) or datetime with its offset, or a
    duration back from now (``7d``, ``12h``, ``30m``).

    Raises:
        click.BadParameter: anything else, or a datetime without an offset.
    """
    ago = _AGO.match(text.strip().lower())
    if ago:
        now, unit = datetime.now(UTC), _UNITS[ago[2]]
        try:
            return now - timedelta(**{unit: int(ago[1])})
        except OverflowError:  # before the year 1, or past what timedelta holds
            # The dates start at 0001-01-01: say how far back a duration can reach.
            furthest = (now - datetime.min.replace(tzinfo=UTC)) // timedelta(**{unit: 1})
            raise click.BadParameter(
                f"{text!r} reaches back before the year 1: a duration can be at most "
                f"{furthest}{ago[2]} ({unit})"
            ) from None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not a date (2026-03-01), a datetime with its offset "
            "(2026-03-01T09:00:00Z) or a duration (7d, 12h, 30m)"
        ) from None
    if moment.tzinfo is None:
        if len(text.strip()) > 10:
            raise click.BadParameter(
                f"{text!r} has no time zone: add Z or an offset (+02:00), so that the "
                "time is not a guess"
            )
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def changed_since(row: Row, since: datetime) -> bool:
    """Whether the record changed at or after ``since`` (by its latest date; a record
    with no date at all is kept, as nothing says it did not change)."""
    latest: datetime | None = None
    for name in CHANGE_FIELDS:
        text = row.get(name)
        if isinstance(text, str) and text:
            moment = datetime.fromisoformat(text)
            if latest is None or moment > latest:
                latest = moment
    return latest is None or latest >= since


@attrs.define
class Written:
    """What an export wrote."""

    counts: Counter[str] = attrs.Factory(Counter)
    archived: Counter[str] = attrs.Factory(Counter)
    left_out: int = 0
    requests: int = 0
    minimum_requests: int = 0
    seconds: float = 0.0


async def write_export(
    export: bulk.OrganizationExport,
    path: Path,
    file_format: str,
    *,
    since: datetime | None = None,
    to_row: RowMaker = model_row,
) -> Written:
    """Stream ``export`` into ``path``, each item made a row by ``to_row``, the file
    renamed into place once complete."""
    written = Written()
    started = time.perf_counter()
    # ``async with export``: a write that fails stops the export here, while the client is
    # open, instead of leaving its pages to be cancelled by the garbage collector later.
    with atomic_path(path) as temporary:
        writer = open_writer(temporary, file_format)
        try:
            async with export:
                async for record in export:
                    row = to_row(record.kind, record.item)
                    if since is not None and not changed_since(row, since):
                        written.left_out += 1
                        continue
                    writer.write(record.kind, row)
                    written.counts[record.kind] += 1
                    if row.get("archived_at"):
                        written.archived[record.kind] += 1
        finally:
            writer.close()
    written.seconds = time.perf_counter() - started
    written.requests, written.minimum_requests = export.requests, export.minimum_requests
    return written


def summary(written: Written, path: Path, file_format: str) -> str:
    """What the export did, and how fast: the lines it prints."""
    plural = {"blueprint": "blueprints", "process": "processes", "task": "tasks"}
    parts = []
    for kind, name in plural.items():
        part = f"{written.counts[kind]:,} {name}"
        if written.archived[kind]:
            part += f" ({written.archived[kind]:,} archived)"
        parts.append(part)
    total = sum(written.counts.values())
    rate = total / written.seconds if written.seconds > 0 else 0.0
    size = path.stat().st_size / 1e6
    kind = "SQLite" if file_format == "sqlite" else "JSON Lines"
    lines = [
        f"exported {', '.join(parts)} to {path} ({kind}, {size:,.1f} MB)",
        f"{total:,} records in {written.seconds:.1f} s ({rate:,.0f} records/s), "
        f"{written.requests:,} requests (minimum {written.minimum_requests:,})",
    ]
    if written.left_out:
        lines.append(f"{written.left_out:,} records unchanged since --since left out")
    return "\n".join(lines)


@click.command(
    epilog="Tallyfy's listings cannot filter by change time: with --since the export still "
    "reads every record (the same requests) and writes those changed since then. Records "
    "stream through a small buffer, so memory stays flat however large the organization."
)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The file to write (.jsonl or .sqlite; replaced once the export is "
              "complete).")  # fmt: skip
@click.option("--format", "file_format", type=click.Choice(FORMATS),
              help="jsonl or sqlite [default: by the file's extension].")  # fmt: skip
@click.option("--archived/--no-archived", default=True, show_default=True,
              help="Include archived blueprints, processes and tasks.")  # fmt: skip
@click.option("--since", help="Only records changed since: 2026-03-01, 2026-03-01T09:00Z, "
              "or 7d, 12h, 30m back from now.")  # fmt: skip
@click.option("--concurrency", type=click.IntRange(1, 32), default=C.EXPORT_CONCURRENCY,
              show_default=True, help="Pages fetched ahead in each listing.")  # fmt: skip
@click.option("--progress/--no-progress", default=True, show_default=True,
              help="A progress bar on a terminal (tqdm), a line every few seconds "
              "otherwise, on standard error.")  # fmt: skip
@connection_options
def export(
    target: Target,
    out: Path,
    file_format: str | None,
    archived: bool,
    since: str | None,
    concurrency: int,
    progress: bool,
) -> None:
    """Export every blueprint, process and task of an organization to JSON Lines or
    SQLite.

    JSON Lines: one object a line, with its "kind" (blueprint, process, task), dates in
    ISO 8601 UTC. SQLite: a table per kind (blueprints, processes, tasks), a column per
    field, nested values as JSON text, keys Tallyfy sent that the SDK does not know in an
    "extra" column.
    """
    chosen = format_of(out, file_format)
    if chosen is None:
        raise click.BadParameter(
            f"cannot tell the format of {out.name!r}: name it .jsonl or .sqlite, or pass "
            "--format", param_hint="--out"
        )  # fmt: skip
    moment = parse_since(since) if since is not None else None

    async def work() -> Written:
        async with connect(target) as session:
            if session.fake is not None:
                click.echo(
                    f"FakeTallyfy (--fake): demo organization {session.org_id}, "
                    f"{target.fake_processes:,} processes of {target.fake_tasks} tasks",
                    err=True,
                )
            # Nothing here needs the models: the rows are read from the dicts as they came.
            job = bulk.export(
                session.org,
                archived=archived,
                concurrency=concurrency,
                progress=progress,
                raw=True,
            )
            rows = WireRows(session.org.client.converter)
            try:
                return await write_export(job, out, chosen, since=moment, to_row=rows)
            except (OSError, sqlite3.Error) as exc:
                raise Failure(ExitCode.FILE, f"cannot write {out}: {exc}") from None

    written = run(work)
    click.echo(summary(written, out, chosen))
