"""Export writers: records as rows into JSON Lines or SQLite, renamed into place when done.

An export goes item -> row -> file. The first step is :data:`RowMaker`, one small function:
:func:`model_row` (a typed model's ``to_json_dict()``), or :class:`WireRows` (the same row
read straight from the dict Tallyfy sent, for ``bulk.export(raw=True)``: no model is
built, which the command-line export uses). The writers know only rows: plain dicts of
JSON-ready values (text, numbers, booleans, None, lists and dicts of them, dates as
ISO 8601 text).

A file is written under a temporary name in its own directory and renamed to its final
name only once complete (:func:`atomic_path`): an interrupted export leaves the previous
file, if any, as it was, and no half-written one under the final name.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, Final, Protocol

import attrs

from tallyfy_async._readers import EXTRA
from tallyfy_async._rows import row_reader
from tallyfy_async._serde import Converter, json_dumps
from tallyfy_async.bulk._export import Kind
from tallyfy_async.models import Blueprint, Process, Task

#: A record as the writers take it: JSON-ready values by field name.
Row = dict[str, Any]
#: Turns an exported item of a kind into a :data:`Row`: the one step between the export and
#: a writer.
RowMaker = Callable[[Kind, Any], Row]
#: The key naming a record's kind in a JSON Lines line.
KIND_KEY: Final = "kind"
#: SQLite: each kind's table and the model whose fields are its columns.
TABLES: Final[dict[Kind, tuple[str, type[Any]]]] = {
    "blueprint": ("blueprints", Blueprint),
    "process": ("processes", Process),
    "task": ("tasks", Task),
}
#: Rows sent to SQLite at a time.
SQLITE_BATCH: Final = 500
FORMATS: Final = ("jsonl", "sqlite")
_SUFFIXES: Final = {".jsonl": "jsonl", ".ndjson": "jsonl", ".sqlite": "sqlite", ".db": "sqlite",
                    ".sqlite3": "sqlite"}  # fmt: skip


def model_row(kind: Kind, item: Any) -> Row:
    """A typed model as a row: ``to_json_dict()`` (dates in ISO 8601 with their UTC offset,
    enums as values, keys the model does not declare merged in)."""
    row: Row = item.to_json_dict()
    return row


class WireRows:
    """Rows read straight from the dicts Tallyfy sent (``bulk.export(raw=True)``): the
    row :func:`model_row` gives for the model the converter would build, without building
    it (:func:`tallyfy_async._rows.row_reader`). Each dict is taken apart as it is read."""

    def __init__(self, converter: Converter) -> None:
        self._readers = {kind: row_reader(converter, model) for kind, (_, model) in TABLES.items()}

    def __call__(self, kind: Kind, item: Any) -> Row:
        """The row of one exported record of ``kind``."""
        return self._readers[kind](item)


def format_of(path: Path, given: str | None) -> str | None:
    """The format ``given``, else the one the file's extension names (None: unknown)."""
    return given or _SUFFIXES.get(path.suffix.lower())


class Writer(Protocol):
    """Takes rows of one export, kind by kind, and finishes the file."""

    def write(self, kind: Kind, row: Row) -> None:
        """Add one record."""

    def close(self) -> None:
        """Finish the file (everything written reaches the disk)."""


class JsonLinesWriter:
    """One JSON object a line: ``{"kind": "task", "id": ..., ...}``."""

    def __init__(self, path: Path) -> None:
        self._file: IO[bytes] = open(path, "wb", buffering=1 << 20)  # noqa: SIM115

    def write(self, kind: Kind, row: Row) -> None:
        """Add one record as a line."""
        self._file.write(json_dumps({KIND_KEY: kind, **row}) + b"\n")

    def close(self) -> None:
        """Flush and sync the file."""
        with self._file:
            self._file.flush()
            os.fsync(self._file.fileno())


def _column_type(field: attrs.Attribute[Any]) -> str:
    text = str(field.type).replace(" | None", "")
    if "[" in text or text.startswith(("list", "dict", "Any")):
        return "TEXT"  # JSON
    if "|" in text:
        # Values of several types (a run's progress: an object, or a bare percentage; a
        # user id: a number, or text): no affinity, so that each keeps its own type
        # where TEXT would turn 42.5 into '42.5'.
        return ""
    if "bool" in text or text.startswith("int"):
        return "INTEGER"
    return "REAL" if text.startswith("float") else "TEXT"


def _cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json_dumps(value).decode()
    if isinstance(value, bool):
        return int(value)
    return value


class SqliteWriter:
    """A table per kind (``blueprints``, ``processes``, ``tasks``): a column per field of
    its model (nested values as JSON text, booleans as 0/1, dates as ISO 8601 text), and an
    ``extra`` column holding, as JSON, the keys the model does not declare."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path)
        # The file is renamed into place only once complete: no journal is needed.
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute("PRAGMA synchronous = OFF")
        self._columns: dict[Kind, list[str]] = {}
        self._known: dict[Kind, frozenset[str]] = {}
        self._inserts: dict[Kind, str] = {}
        self._batches: dict[Kind, list[list[Any]]] = {}
        for kind, (table, model) in TABLES.items():
            fields = [f for f in attrs.fields(model) if f.name != EXTRA]
            names = [f.name for f in fields]
            definitions = [
                f'"{f.name}" {_column_type(f)}' + (" PRIMARY KEY" if f.name == "id" else "")
                for f in fields
            ]
            self._db.execute(f'CREATE TABLE "{table}" ({", ".join(definitions)}, "{EXTRA}" TEXT)')
            quoted = ", ".join(f'"{name}"' for name in [*names, EXTRA])
            marks = ", ".join("?" * (len(names) + 1))
            self._inserts[kind] = f'INSERT OR REPLACE INTO "{table}" ({quoted}) VALUES ({marks})'
            self._columns[kind] = names
            self._known[kind] = frozenset(names)
            self._batches[kind] = []

    def write(self, kind: Kind, row: Row) -> None:
        """Add one record (sent to SQLite in batches)."""
        names = self._columns[kind]
        values = [_cell(row.get(name)) for name in names]
        known = self._known[kind]
        extra = {key: value for key, value in row.items() if key not in known}
        values.append(json_dumps(extra).decode() if extra else None)
        batch = self._batches[kind]
        batch.append(values)
        if len(batch) >= SQLITE_BATCH:
            self._flush(kind)

    def _flush(self, kind: Kind) -> None:
        batch = self._batches[kind]
        if batch:
            self._db.executemany(self._inserts[kind], batch)
            batch.clear()

    def close(self) -> None:
        """Write what is left, commit and close the database."""
        try:
            for kind in self._batches:
                self._flush(kind)
            self._db.commit()
        finally:
            self._db.close()


def open_writer(path: Path, file_format: str) -> Writer:
    """A writer of ``file_format`` (``jsonl`` or ``sqlite``) to ``path``."""
    return JsonLinesWriter(path) if file_format == "jsonl" else SqliteWriter(path)


@contextlib.contextmanager
def atomic_path(final: Path) -> Iterator[Path]:
    """A temporary path beside ``final``, renamed to it when the block ends without an
    error, and removed when it raises (or is interrupted)."""
    temporary = final.with_name(f".{final.name}.{os.getpid()}.partial")
    temporary.unlink(missing_ok=True)
    try:
        yield temporary
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    os.replace(temporary, final)
