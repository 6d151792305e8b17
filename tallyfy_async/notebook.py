"""Listings as tables, for notebooks: ``table(models)``, ``to_dicts()``, ``to_pandas()``.

In Jupyter a model shows as a table of its fields, and a ``Page`` or a :class:`Table` as
one table with a row per model (at most 100 rows and 20 columns drawn, secrets masked).
For the data itself, whole::

    page = await org.processes.list(status="active")
    page                                   # one HTML table in Jupyter
    frame = page.to_pandas()               # a DataFrame (the ``pandas`` extra)
    frame = await org.tasks.list().to_pandas()   # every page of a listing
    table(await org.processes.list().to_list())  # any list of models as one table

``to_pandas()`` gives one column per field (nested models as dicts, keys Tallyfy sent
that the model does not declare after them) and timezone-aware columns (``datetime64``
with UTC) for the models' datetimes; an empty listing's has its model's columns. pandas
is an optional extra (``pip install "tallyfy-async[pandas]"``); nothing else here needs it.
"""

from __future__ import annotations

import contextlib
import importlib
import shutil
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Generic, TypeAlias, TypeVar, overload

import attrs

from tallyfy_async._readers import EXTRA
from tallyfy_async._tables import datetime_columns, html_table, int_columns, text_table

T = TypeVar("T")

#: A ``pandas.DataFrame``. Typed loosely: pandas is optional and ships no type hints of
#: its own (they are the separate ``pandas-stubs``).
DataFrame: TypeAlias = Any


def to_dicts(rows: Iterable[Any]) -> list[dict[str, Any]]:
    """Each row as a plain dict: a model's ``to_dict()`` (every field, nested models as
    dicts, ``extra`` keys merged in), a dict as a copy."""
    return [row.to_dict() if hasattr(row, "to_dict") else dict(row) for row in rows]


def to_pandas(rows: Iterable[Any], *, model: type[Any] | None = None) -> DataFrame:
    """Rows as a ``pandas.DataFrame``: a column per field in the models' order, then the
    ``extra`` keys; datetime fields as timezone-aware UTC columns.

    Args:
        rows: models (or dicts).
        model: the rows' model, whose fields are the columns when there are no rows (so
            code that picks columns works on an empty listing too).

    Raises:
        ImportError: pandas is not installed (the ``pandas`` extra).
    """
    try:
        pandas: Any = importlib.import_module("pandas")
    except ImportError as exc:
        raise ImportError('to_pandas() needs pandas: pip install "tallyfy-async[pandas]"') from exc
    rows = list(rows)
    kinds = list({type(row): None for row in rows}) or ([] if model is None else [model])
    order: dict[str, None] = {}
    for kind in kinds:
        if attrs.has(kind):
            order.update((f.name, None) for f in attrs.fields(kind) if f.name != EXTRA)
    records = to_dicts(rows)
    for record in records:
        order.update(dict.fromkeys(record))
    frame: DataFrame = pandas.DataFrame.from_records(records, columns=list(order))
    for name in datetime_columns(kinds):
        frame[name] = pandas.to_datetime(frame[name], utc=True)
    for name in int_columns(kinds):
        # Ids and counts stay whole where some rows have none (pandas would make them
        # floats: 10001.0); a column pandas cannot hold as Int64 (a value that is not a
        # whole number, or past 64 bits) is left as pandas made it.
        with contextlib.suppress(TypeError, ValueError, OverflowError):
            frame[name] = frame[name].astype("Int64")
    return frame


class Table(Sequence[T], Generic[T]):
    """Models (or dicts) as one table: HTML in Jupyter, aligned text in a console, and
    the data whole through :meth:`to_dicts` and :meth:`to_pandas`.

    Args:
        rows: the models.
        columns: the columns to show (all fields set in some row by default: the id, the
            name or title, the status, then the rest in the models' order).
        caption: the line above the table (the row count and kind by default).
    """

    def __init__(
        self,
        rows: Iterable[T],
        *,
        columns: Sequence[str] | None = None,
        caption: str | None = None,
    ) -> None:
        #: The rows' model when ``rows`` is a :class:`~tallyfy_async.pagination.Page`: the
        #: columns of :meth:`to_pandas` when there is no row.
        self.model: type[Any] | None = getattr(rows, "model", None)
        self.rows: list[T] = list(rows)
        self.columns = list(columns) if columns is not None else None
        kinds = sorted({type(row).__name__ for row in self.rows})
        self.caption = caption or f"{len(self.rows):,} {', '.join(kinds) or 'rows'}"

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> Table[T]: ...
    def __getitem__(self, index: int | slice) -> T | Table[T]:
        if isinstance(index, slice):
            part = Table(self.rows[index], columns=self.columns)
            part.model = self.model
            return part
        return self.rows[index]

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[T]:
        return iter(self.rows)

    def __repr__(self) -> str:
        width = shutil.get_terminal_size((120, 24)).columns
        return f"{self.caption}\n{text_table(self.rows, chosen=self.columns, width=width)}"

    def _repr_html_(self) -> str:
        return html_table(self.rows, caption=self.caption, chosen=self.columns)

    def to_dicts(self) -> list[dict[str, Any]]:
        """Every row as a plain dict (see :func:`to_dicts`)."""
        return to_dicts(self.rows)

    def to_pandas(self) -> DataFrame:
        """Every row in a ``pandas.DataFrame`` (see :func:`to_pandas`); a table of an
        empty page has its model's columns."""
        return to_pandas(self.rows, model=self.model)


def table(
    rows: Iterable[T], *, columns: Sequence[str] | None = None, caption: str | None = None
) -> Table[T]:
    """Models (a ``Page``, a list, any iterable) as one :class:`Table`."""
    return Table(rows, columns=columns, caption=caption)


__all__ = ["DataFrame", "Table", "table", "to_dicts", "to_pandas"]
