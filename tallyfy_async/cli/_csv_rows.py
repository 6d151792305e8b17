"""A launch's CSV: its rows with their line numbers, and the columns matched to kick-off fields.

A row that cannot be read (a value too many or too few, bytes that are not UTF-8, broken
quoting) is not fatal: it is handed on with its problem and its line number, to be
reported, while the other rows run. Only a file that cannot be read at all (missing, no
header, a header naming a column twice) stops the launch before anything is sent.
"""

from __future__ import annotations

import csv
import hashlib
import json
import string
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import attrs

from tallyfy_async._urls import HEX_ID
from tallyfy_async.cli._failures import ExitCode, Failure
from tallyfy_async.models.form_fields import FieldType, FormField
from tallyfy_async.resources._form_values import normalize

#: Several values in one cell (choices of a multiselect, cells of a table, assignees).
SEPARATOR = ";"


@attrs.frozen
class CsvRow:
    """One record of the CSV.

    Attributes:
        line: the line it starts on (the header is line 1).
        values: its cells by column, when it could be read.
        problem: why it could not be read, otherwise.
    """

    line: int
    values: dict[str, str] | None
    problem: str | None = None


class CsvFile:
    """An open CSV file: its header, then its rows, read lazily.

    Raises:
        Failure: the file cannot be opened, has no header, or names a column twice or
            not at all (exit code 5).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            # Bytes that are not UTF-8 are kept (as surrogates) so that only their row fails.
            self._file: IO[str] = open(  # noqa: SIM115
                path, newline="", encoding="utf-8-sig", errors="surrogateescape"
            )
        except OSError as exc:
            raise Failure(ExitCode.FILE, f"cannot read {path}: {exc.strerror}") from None
        self._reader = csv.reader(self._file, strict=True)
        try:
            header = next(self._reader, None)
        except (csv.Error, OSError) as exc:
            self.close()
            raise Failure(ExitCode.FILE, f"{path}: the header cannot be read: {exc}") from None
        if not header or not any(cell.strip() for cell in header):
            self.close()
            raise Failure(ExitCode.FILE, f"{path} is empty: its first line must name the columns")
        self.header = [cell.strip() for cell in header]
        problems = [name for name in self.header if not name or _not_utf8(name)]
        repeated = sorted({name for name in self.header if self.header.count(name) > 1})
        if problems or repeated:
            self.close()
            why = "a column without a name" if problems else f"columns named twice: {repeated}"
            raise Failure(ExitCode.FILE, f"{path}: the header has {why}")

    def close(self) -> None:
        """Close the file."""
        self._file.close()

    def rows(self) -> Iterator[CsvRow]:
        """Every record after the header, blank lines skipped."""
        reader, width = self._reader, len(self.header)
        while True:
            line = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield CsvRow(line, None, f"cannot be read as CSV: {exc}")
                continue
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != width:
                yield CsvRow(line, None, f"{len(cells)} values for {width} columns")
            elif any(_not_utf8(cell) for cell in cells):
                yield CsvRow(line, None, "bytes that are not UTF-8")
            else:
                yield CsvRow(line, dict(zip(self.header, cells, strict=True)))


def _not_utf8(text: str) -> bool:
    return any("\udc80" <= char <= "\udcff" for char in text)


@attrs.frozen
class ColumnPlan:
    """How the columns feed a launch: kick-off fields, the name, the key.

    Attributes:
        fields: kick-off fields by the column that gives them.
        name: the process name, a ``str.format`` template over the columns.
        key_column: the column that identifies a row across runs, if any.
        name_columns: the columns the name template uses.
    """

    fields: dict[str, FormField]
    name: str
    key_column: str | None
    name_columns: tuple[str, ...] = ()

    @classmethod
    def make(
        cls,
        header: list[str],
        kickoff: list[FormField],
        *,
        name: str | None,
        key_column: str | None,
        ignore_unknown: bool,
    ) -> ColumnPlan:
        """Match the header to the kick-off fields (by label or alias).

        Raises:
            Failure: a column named by ``name`` or ``key_column`` is missing (exit code 2),
                a column matches no field, a required field has no column, or a column is a
                file field (exit code 5).
        """
        by_name: dict[str, FormField] = {}
        for field in kickoff:
            for text in (field.alias, field.label):
                if text:
                    by_name.setdefault(normalize(text), field)
        fields = {c: by_name[normalize(c)] for c in header if normalize(c) in by_name}
        feeding: dict[str, list[str]] = {}
        for column, field in fields.items():
            feeding.setdefault(field.id, []).append(column)
        for field in kickoff:
            if len(feeding.get(field.id, [])) > 1:
                raise Failure(
                    ExitCode.FILE,
                    f"columns {feeding[field.id]} all give the kick-off field "
                    f"{field.label or field.id!r}: keep one of them",
                )
        if name is None:
            named = [c for c in header if normalize(c) in ("name", "process name")]
            if not named:
                raise Failure(
                    ExitCode.USAGE,
                    "say how to name each process: --name 'Purchase {request}' (a template "
                    "over the columns) or a 'name' column",
                )
            name = "{" + named[0] + "}"
        used = _template_columns(name)
        for column in [*sorted(used), *([key_column] if key_column else [])]:
            if column not in header:
                raise Failure(ExitCode.USAGE, f"no column {column!r}; the columns: {header}")
        unknown = [c for c in header if c not in fields and c not in used and c != key_column]
        if unknown and not ignore_unknown:
            labels = ", ".join(repr(f.label) for f in kickoff) or "none"
            raise Failure(
                ExitCode.FILE,
                f"columns that match no kick-off field: {unknown} (the fields: {labels}); "
                "rename them, or pass --ignore-unknown-columns",
            )
        given = {field.id for field in fields.values()}
        missing = [f.label or f.id for f in kickoff if f.required and f.id not in given]
        if missing:
            raise Failure(ExitCode.FILE, f"the blueprint requires {missing}, which no column gives")
        files = [c for c, f in fields.items() if f.field_type is FieldType.FILE]
        if files:
            raise Failure(ExitCode.FILE, f"file fields cannot come from a CSV: {files}")
        return cls(fields, name, key_column, tuple(sorted(used)))

    def key(self, row: CsvRow, *, legacy: bool = False) -> str:
        """A row's key across runs: its key column, else a digest of the values the launch
        uses (its kick-off values by field, its name template's columns), so that the key
        holds while those values do, whatever the columns' order or the other columns; an
        unreadable row, or one with a blank key column, is keyed by its line.

        ``legacy``: the digest is :func:`legacy_digest`, to resume a report written by a
        version whose default keys were made that way."""
        if row.values is None:
            return f"line {row.line}"
        if self.key_column is not None:
            return row.values[self.key_column].strip() or f"line {row.line}"
        if legacy:
            return legacy_digest(row.values)
        used = {f"field {field.id}": row.values[column] for column, field in self.given(row.values)}
        used.update({f"column {column}": row.values[column] for column in self.name_columns})
        text = json.dumps(sorted(used.items()), ensure_ascii=False)
        digest = hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()
        return f"row-{digest[:12]}"

    def given(self, values: dict[str, str]) -> list[tuple[str, FormField]]:
        """The columns a row gives a kick-off value in, with their fields: a blank cell gives
        none (so the key and what is launched agree on which values a row has)."""
        return [(column, field) for column, field in self.fields.items() if values[column].strip()]

    def kickoff(self, values: dict[str, str]) -> dict[str, Any]:
        """A row's kick-off values by field id (blank cells left out)."""
        return {field.id: _value(field, values[column]) for column, field in self.given(values)}


def legacy_digest(values: dict[str, str]) -> str:
    """The default key of reports written before reports began with a ``meta`` record: a
    digest of every cell in the header's order. Used only to resume such a report, whose
    rows (and the ``[key]`` ending their processes' names) carry it."""
    digest = hashlib.sha256("\x1f".join(values.values()).encode()).hexdigest()
    return f"row-{digest[:12]}"


def _template_columns(name: str) -> set[str]:
    """The columns a --name template uses.

    Raises:
        Failure: the template is malformed, or has a field that is not a column's name
            (exit code 2).
    """
    how = "--name takes a template over the columns, such as 'Purchase {request}'"
    try:
        parts = list(string.Formatter().parse(name))
    except ValueError as exc:
        raise Failure(ExitCode.USAGE, f"--name {name!r} is malformed ({exc}); {how}") from None
    used: set[str] = set()
    for _, column, _, _ in parts:
        if column is None:
            continue
        if not column or column.isdigit() or "." in column or "[" in column:
            raise Failure(
                ExitCode.USAGE,
                f"--name {name!r} has the field {{{column}}}, which names no column; {how} "
                "(a column name inside braces, without '.' or '[')",
            )
        used.add(column)
    return used


def _value(field: FormField, text: str) -> Any:
    """A cell as its field takes it: several values split on ``;`` where a field holds
    several, assignees as member ids, guest emails and group ids."""
    if field.field_type is FieldType.MULTISELECT:
        # A spreadsheet's trailing separator ("Slack; Email;") chooses nothing more.
        return [part for part in (p.strip() for p in text.split(SEPARATOR)) if part]
    if field.field_type is FieldType.TABLE:  # cells by position: an empty one stays
        return [part.strip() for part in text.split(SEPARATOR)]
    if field.field_type is FieldType.ASSIGNEES:
        owners: dict[str, list[Any]] = {"users": [], "guests": [], "groups": []}
        for part in filter(None, (p.strip() for p in text.split(SEPARATOR))):
            if part.isdigit():
                owners["users"].append(int(part))
            elif HEX_ID.fullmatch(part):
                owners["groups"].append(part)
            else:
                owners["guests"].append(part)
        return owners
    return text
