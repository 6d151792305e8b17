"""``launch``: one process per CSV row, exactly once, with a report a rerun resumes from."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import click
import filelock

from tallyfy_async import _constants as C
from tallyfy_async import bulk
from tallyfy_async._exactly_once import FOUND_EARLIER
from tallyfy_async.bulk._report import start_file
from tallyfy_async.cli._connect import Target, connect, connection_options
from tallyfy_async.cli._csv_rows import SEPARATOR, ColumnPlan, CsvFile, CsvRow
from tallyfy_async.cli._failures import ExitCode, Failure, run
from tallyfy_async.cli._look import hex_id
from tallyfy_async.models.processes import Process


class UnreadableRow(ValueError):
    """A CSV row that could not be read; its message starts with its line number."""


def _blueprint(ctx: click.Context, param: click.Parameter, value: str) -> str:
    try:
        return hex_id(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value[:60]!r} is not a blueprint's id: {exc}") from None


@click.command(
    epilog="Columns are matched to the blueprint's kick-off fields by label or alias "
    f"(ignoring case). A cell holding several values (multiselect choices, table cells, "
    f"assignees: member ids, guest emails, group ids) separates them with '{SEPARATOR}'. "
    "Each process is launched exactly once: its key (--key-column, else a digest of the "
    "values the launch uses: the kick-off values by field and the --name columns; not the "
    "columns' order nor the columns left out; a report written by an earlier version keeps "
    "that version's keys) is recorded at the end of its name, so a "
    "launch whose answer was lost is looked up before it is sent again. A row repeating an "
    "earlier row's key fails, naming that row's line, and so does a blank --key-column "
    "value. The report (JSON Lines) records every row's outcome as the launch goes; a "
    "rerun with it skips the rows done and retries the rest."
)
@click.option("--csv", "csv_path", required=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="The rows: a header of column names, then one row per process.")  # fmt: skip
@click.option("--blueprint", "blueprint_id", required=True, callback=_blueprint,
              help="The id of the blueprint to launch.")  # fmt: skip
@click.option("--name", "name_template",
              help="Each process's name, a template over the columns: 'Purchase {request}' "
              "[default: the 'name' column].")  # fmt: skip
@click.option("--key-column",
              help="The column identifying a row across runs (an order number) [default: a "
              "digest of the row's kick-off values and --name columns].")  # fmt: skip
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              help="The report to write and resume from [default: beside the CSV, its name "
              "with .report.jsonl for its extension]; one launch at a time uses it (locking "
              "REPORT.lock).")  # fmt: skip
@click.option(
    "--ignore-unknown-columns",
    is_flag=True,
    help="Leave out columns that match no kick-off field instead of refusing.",
)
@click.option("--concurrency", type=click.IntRange(1, 256),
              default=C.DEFAULT_BULK_CONCURRENCY, show_default=True,
              help="Launches in flight at once.")  # fmt: skip
@click.option("--progress/--no-progress", default=True, show_default=True,
              help="Progress on standard error.")  # fmt: skip
@connection_options
def launch(
    target: Target,
    csv_path: Path,
    blueprint_id: str,
    name_template: str | None,
    key_column: str | None,
    report_path: Path | None,
    ignore_unknown_columns: bool,
    concurrency: int,
    progress: bool,
) -> None:
    """Launch one process of a blueprint per CSV row, kick-off values from the columns."""
    report_path = report_path or csv_path.with_suffix(".report.jsonl")
    rows = CsvFile(csv_path)
    lines: dict[str, list[int]] = {}
    launched: list[Process] = []
    found: list[Process] = []

    async def work() -> bulk.BulkReport:
        async with connect(target) as session:
            launcher = bulk.Launcher(session.org, blueprint_id)
            earlier = _earlier(report_path, {"org": session.org_id, "blueprint": blueprint_id})
            # A report without meta was written by a version that made default keys
            # another way: its rows, and their processes' names, carry those keys.
            legacy = earlier is not None and not earlier.meta
            plan = ColumnPlan.make(
                rows.header,
                await launcher.kickoff_fields(),
                name=name_template,
                key_column=key_column,
                ignore_unknown=ignore_unknown_columns,
            )
            keys = _keying(plan)
            _check_keying(earlier, keys, report_path)

            def key(row: CsvRow) -> str:
                # Every line of a key: bulk.run runs a repeated key once, the others are
                # reported as failed rows.
                its_key = plan.key(row, legacy=legacy)
                lines.setdefault(its_key, []).append(row.line)
                return its_key

            async def launch_one(row: CsvRow) -> Process:
                if row.values is None:
                    raise UnreadableRow(f"line {row.line}: {row.problem}")
                if plan.key_column is not None and not row.values[plan.key_column].strip():
                    raise UnreadableRow(
                        f"line {row.line}: no value in the key column {plan.key_column!r}"
                    )
                process = await launcher.launch(
                    name=plan.name.format_map(row.values),
                    kickoff=plan.kickoff(row.values),
                    dedupe_key=plan.key(row, legacy=legacy),
                )
                # A row an earlier run may have launched is looked up first (bulk.run has
                # the launch do it): the exactly-once layer says whether it was found.
                (found if FOUND_EARLIER.get() else launched).append(process)
                return process

            try:
                meta = {"org": session.org_id, "blueprint": blueprint_id, "keys": keys}
                start_file(report_path, meta)
                return await bulk.run(
                    rows.rows(),
                    launch_one,
                    key=key,
                    concurrency=concurrency,
                    progress=progress,
                    label="launches",
                    journal=report_path,
                    resume=earlier,
                    keep_results=False,
                )
            except OSError as exc:
                raise Failure(ExitCode.FILE, f"cannot write {report_path}: {exc}") from None

    # Two launches appending to one report would each launch every row the other has in
    # flight: the second is refused. The OS releases the lock of a process that dies.
    lock = filelock.FileLock(f"{report_path}.lock", thread_local=False)
    try:
        lock.acquire(blocking=False)
    except filelock.Timeout:
        rows.close()
        raise Failure(
            ExitCode.FILE,
            f"another launch is using {report_path}: wait for it to end, or pass --report "
            "with another file",
        ) from None
    except OSError as exc:
        rows.close()
        raise Failure(ExitCode.FILE, f"cannot write {report_path}: {exc.strerror}") from None
    try:
        report = run(work)
    finally:
        lock.release()
        rows.close()
    text, complete = describe(report, len(launched), len(found), lines, report_path)
    click.echo(text)
    if report.interrupted:
        # The rows not yet taken are in no report: only a rerun says what became of them.
        click.echo("interrupted: rerun with the same report to launch the rest", err=True)
        click.get_current_context().exit(int(ExitCode.INTERRUPTED))
    if not complete:
        click.get_current_context().exit(int(ExitCode.FAILED))


def _earlier(report_path: Path, meta: dict[str, str | None]) -> bulk.BulkReport | None:
    """The report of an earlier run, to resume from, if there is one.

    Raises:
        Failure: the report cannot be read (exit code 5), or is of a launch of another
            blueprint or organization (exit code 2): resuming from it would skip rows
            launched there, not here.
    """
    if not report_path.exists():
        return None
    try:
        report = bulk.BulkReport.load(report_path)
    except (OSError, ValueError) as exc:
        raise Failure(
            ExitCode.FILE, f"the report {report_path} cannot be read to resume from: {exc}"
        ) from None
    # A report written before reports recorded their launch has no meta: resumed as it is
    # (with that version's row keys).
    written = {name: report.meta.get(name, meta[name]) for name in meta}
    if written != meta:
        raise Failure(
            ExitCode.USAGE,
            f"the report {report_path} is of a launch of blueprint {written['blueprint']} in "
            f"organization {written['org']}, not of this one: pass --report with another "
            "file to keep it apart",
        )
    return report


def _keying(plan: ColumnPlan) -> str:
    """How this run keys its rows, as the report records it."""
    if plan.key_column is not None:
        return f"--key-column {plan.key_column!r}"
    columns = ", ".join(map(repr, sorted(plan.name_columns))) or "none"
    return f"a digest of the kick-off values and the --name columns ({columns})"


def _check_keying(earlier: bulk.BulkReport | None, keys: str, report_path: Path) -> None:
    """Refuse to resume a report whose rows were keyed another way: each row done there
    would have another key here, and be launched again.

    Raises:
        Failure: (usage) the report keyed its rows otherwise.
    """
    written = None if earlier is None else earlier.meta.get("keys")
    if written is not None and written != keys:  # reports before this record said nothing
        raise Failure(
            ExitCode.USAGE,
            f"the report {report_path} keyed its rows by {written}, this run by {keys}: "
            "every row it launched would be launched again. Rerun with the --key-column "
            "and --name it was written with, or pass --report with another file",
        )


def describe(
    report: bulk.BulkReport,
    launched: int,
    found: int,
    lines: dict[str, list[int]],
    report_path: Path,
) -> tuple[str, bool]:
    """What the launch did for the CSV's rows (the report may hold rows since removed
    from it): counts, every row that failed with its line (a row repeating an earlier
    row's key fails: it is not launched), the report; and whether every row is done."""
    outcomes = [report.outcomes[key] for key in lines if key in report.outcomes]
    status = Counter(outcome.status for outcome in outcomes)
    repeated = [(line, key, seen[0]) for key, seen in lines.items() for line in seen[1:]]
    failed = status[bulk.ItemStatus.FAILED] + len(repeated)
    text = [
        f"launched {launched:,} processes"
        + (f" (and found {found:,} an earlier run had launched)" if found else "")
        + f"; {failed:,} rows failed, "
        f"{status[bulk.ItemStatus.UNKNOWN]:,} unknown; {report.carried_over:,} done in an "
        "earlier run",
    ]
    for outcome in outcomes:
        if outcome.status is not bulk.ItemStatus.DONE:
            line = lines[str(outcome.key)][0]
            text.append(f"  line {line} ({outcome.key}): {outcome.error_type}: {outcome.message}")
    for line, key, first in sorted(repeated):
        text.append(f"  line {line} ({key}): DuplicateKey: same key as line {first}, not launched")
    text.append(
        f"{len(outcomes) + len(repeated):,} rows in {report.elapsed:.1f} s, "
        f"{report.requests:,} requests; report: {report_path} (a rerun with it launches "
        "nothing twice)"
    )
    complete = status[bulk.ItemStatus.DONE] == len(outcomes) and not repeated
    return "\n".join(text), complete
