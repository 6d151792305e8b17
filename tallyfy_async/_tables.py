"""Models as tables: the columns to show, each cell as short text, HTML and aligned text.

One renderer serves Jupyter (``_repr_html_`` of a model, a ``Page`` or a
:class:`~tallyfy_async.notebook.Table`) and the command-line tool's listings in a
terminal, so both show the same columns and the same cells. What is shown is bounded
(cells, columns and rows are cut, saying so) and never holds a secret: a field marked
:func:`~tallyfy_async.models._base.sensitive`, and any text under a key that names a
secret (``access_token``, ``client_secret``, ``password``...), is masked.

Full data, never cut nor masked, comes from ``to_dict()``, ``to_dicts()`` and
``to_pandas()``.
"""

from __future__ import annotations

import enum
import functools
import html
import json
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, time
from typing import Any, Final

import attrs

from tallyfy_async._readers import EXTRA
from tallyfy_async.models._base import NAMING, SENSITIVE, STATE, Model

#: Longest text of a cell in a table, and of a value in a model's own table.
CELL_LIMIT: Final = 60
VALUE_LIMIT: Final = 200
#: Rows and columns an HTML table shows at most (the rest is counted, not drawn).
MAX_HTML_ROWS: Final = 100
MAX_HTML_COLUMNS: Final = 20
#: Fields a model's own HTML table shows at most.
MAX_MODEL_FIELDS: Final = 80
MASK: Final = "••••••"
#: Words of a key whose text is a secret.
_SECRET_WORDS = frozenset(
    ("token", "secret", "password", "passwd", "apikey", "authorization", "credentials")
)
_WORD = re.compile(r"[a-z0-9]+")
#: One small style block per table: cells read left to right, top-aligned.
_STYLE = (
    "<style>.tallyfy-table td,.tallyfy-table th"
    "{text-align:left;vertical-align:top;white-space:nowrap}</style>"
)


def is_secret(name: str, value: Any, field: attrs.Attribute[Any] | None = None) -> bool:
    """Whether ``value`` under ``name`` must be masked: a sensitive field, or text under a
    key naming a secret (``top_secret``, a flag, is not one: only text is masked) or named
    as a sensitive field of a model is (a dict of ``to_dicts()`` or ``raw()`` keeps a
    guest's ``link`` but not its field's mark)."""
    if field is not None and field.metadata.get(SENSITIVE):
        return value is not None
    if not isinstance(value, str):
        return False
    words = set(_WORD.findall(name.lower().replace("api_key", "apikey")))
    return bool(words & _SECRET_WORDS) or name.lower() == "link_for_guest" or name in _sensitive()


@functools.cache
def _sensitive() -> frozenset[str]:
    """The names of the models' sensitive fields (read once every model is defined)."""
    names: set[str] = set()
    kinds: list[type[Any]] = [Model]
    while kinds:
        kind = kinds.pop()
        kinds.extend(kind.__subclasses__())
        if attrs.has(kind):
            names.update(f.name for f in attrs.fields(kind) if f.metadata.get(SENSITIVE))
    return frozenset(names)


def shorten(text: str, limit: int) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def cell(value: Any, limit: int = CELL_LIMIT) -> str:
    """A value as short text: dates in ISO 8601, enums as their value, a model as its
    one-line repr, a list as its items, a dict as compact JSON."""
    if value is None:
        return ""
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date | time):
        return value.isoformat()
    if attrs.has(type(value)):
        return shorten(repr(value), limit)
    if isinstance(value, list | tuple | set | frozenset):
        parts = []
        length = 0
        for item in value:
            text = cell(item, limit)
            parts.append(text)
            length += len(text) + 2
            if length > limit:
                break
        return shorten(", ".join(parts), limit)
    if isinstance(value, dict):
        text = json.dumps(_plain(value), ensure_ascii=False, separators=(",", ":"), default=str)
        return shorten(text, limit)
    return shorten(str(value), limit)


def _plain(value: Any) -> Any:
    """A dict's values made JSON-ready for display, secrets masked."""
    if isinstance(value, dict):
        return {str(k): MASK if is_secret(str(k), v) else _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def _fields(row: Any) -> dict[str, attrs.Attribute[Any]]:
    if not attrs.has(type(row)):
        return {}
    return {f.name: f for f in attrs.fields(type(row)) if f.name != EXTRA}


def value_of(row: Any, name: str) -> Any:
    """The value of column ``name`` in ``row`` (a model's field or ``extra`` key, or a
    dict's key), masked when it is a secret."""
    fields = _fields(row)
    if name in fields:
        value = getattr(row, name)
        field: attrs.Attribute[Any] | None = fields[name]
    elif isinstance(row, dict):
        value, field = row.get(name), None
    else:
        value, field = getattr(row, EXTRA, {}).get(name), None
    return MASK if is_secret(name, value, field) else value


def _empty(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, list | dict) and not value)


def columns(rows: Sequence[Any]) -> list[str]:
    """The columns worth showing for ``rows``: the id, what a person calls a row, its
    state, then every other field that is set in at least one row, in the models' order
    (a dict's keys: every row's, in the order first seen, as dicts differ in keys)."""
    names: dict[str, None] = {}
    kinds: set[type[Any]] = set()
    for row in rows:
        if isinstance(row, dict):
            names.update(dict.fromkeys(row))
        elif type(row) not in kinds:  # a model's fields: the same in every row of its kind
            kinds.add(type(row))
            names.update(dict.fromkeys(_fields(row)))
    filled = [n for n in names if any(not _empty(value_of(r, n)) for r in rows)]
    first = [n for n in ("id",) if n in filled]
    for group in (NAMING, STATE):
        chosen = next((n for n in group if n in filled), None)
        if chosen is not None:
            first.append(chosen)
    return first + [n for n in filled if n not in first]


def int_columns(kinds: Iterable[type[Any]]) -> list[str]:
    """Fields of these models whose values are whole numbers (``int``, or ``int | None``:
    for a nullable integer column rather than floats where a value is missing)."""
    return _fields_typed(kinds, lambda typed: typed.replace(" | None", "") == "int")


def datetime_columns(kinds: Iterable[type[Any]]) -> list[str]:
    """Fields of these models whose values are datetimes (for typed table columns)."""
    return _fields_typed(kinds, lambda typed: "datetime" in typed)


def _fields_typed(kinds: Iterable[type[Any]], test: Callable[[str], bool]) -> list[str]:
    """The fields of these models (each name once, in order) whose type, as written, passes
    ``test``."""
    found: dict[str, None] = {}
    for kind in kinds:
        if attrs.has(kind):
            for field in attrs.fields(kind):
                if test(str(field.type)):
                    found[field.name] = None
    return list(found)


# -- HTML ------------------------------------------------------------------------------


def _td(value: Any, limit: int, tag: str = "td") -> str:
    text = cell(value, limit)
    return f"<{tag}>{html.escape(text)}</{tag}>"


def html_table(rows: Sequence[Any], *, caption: str, chosen: Sequence[str] | None = None) -> str:
    """Rows as one HTML table: a header of columns, at most :data:`MAX_HTML_ROWS` rows
    and :data:`MAX_HTML_COLUMNS` columns (a note counts what was left out)."""
    names = list(chosen) if chosen is not None else columns(rows)
    notes = []
    if len(names) > MAX_HTML_COLUMNS:
        notes.append(f"{len(names) - MAX_HTML_COLUMNS} more columns")
        names = names[:MAX_HTML_COLUMNS]
    shown = rows[:MAX_HTML_ROWS]
    if len(rows) > len(shown):
        notes.append(f"{len(rows) - len(shown):,} more rows")
    head = "".join(f"<th>{html.escape(n)}</th>" for n in names)
    body = "".join(
        "<tr>" + "".join(_td(value_of(row, n), CELL_LIMIT) for n in names) + "</tr>"
        for row in shown
    )
    note = ""
    if notes:
        left_out = html.escape(" and ".join(notes))
        note = f"<p><small>… {left_out}: to_pandas() has them all</small></p>"
    return (
        f"<div>{_STYLE}<p><b>{html.escape(caption)}</b></p>"
        f'<table class="tallyfy-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table>{note}</div>"
    )


def model_items(model: Any) -> list[tuple[str, Any]]:
    """The fields a model has set, then its ``extra`` keys, as (name, value), masked."""
    items = [(n, value_of(model, n)) for n in _fields(model)]
    items += [(f"extra.{k}", value_of(model, k)) for k in getattr(model, EXTRA, {})]
    return [(n, v) for n, v in items if not _empty(v)]


def html_model(model: Any) -> str:
    """One model as a two-column table (field, value) of the fields it has set."""
    items = model_items(model)
    left_out = len(items) - MAX_MODEL_FIELDS
    rows = "".join(
        f"<tr>{_td(n, VALUE_LIMIT, 'th')}{_td(v, VALUE_LIMIT)}</tr>"
        for n, v in items[:MAX_MODEL_FIELDS]
    )
    note = f"<p><small>… {left_out} more fields</small></p>" if left_out > 0 else ""
    caption = html.escape(shorten(repr(model), VALUE_LIMIT))
    return (
        f'<div>{_STYLE}<p><b>{caption}</b></p><table class="tallyfy-table">'
        f"<tbody>{rows}</tbody></table>{note}</div>"
    )


# -- text ------------------------------------------------------------------------------


def text_table(
    rows: Sequence[Any],
    *,
    chosen: Sequence[str] | None = None,
    width: int,
    more: str = "to_dicts() has them all",
) -> str:
    """Rows as aligned text columns fitting ``width`` characters; columns that do not fit
    are left out, and the last line says which and where to find them (``more``)."""
    names = list(chosen) if chosen is not None else columns(rows)
    grid = [[cell(value_of(row, n)) for n in names] for row in rows]
    kept: list[int] = []
    used = 0
    for index, name in enumerate(names):
        size = max([len(name), *(len(line[index]) for line in grid)])
        if kept and used + 2 + size > width:
            continue
        kept.append(index)
        used += size + (2 if used else 0)
    sizes = {i: max([len(names[i]), *(len(line[i]) for line in grid)]) for i in kept}

    def line(cells: list[str]) -> str:
        return "  ".join(cells[i].ljust(sizes[i]) for i in kept).rstrip()

    lines = [line(names), line(["-" * sizes.get(i, 0) for i in range(len(names))])]
    lines += [line(cells) for cells in grid]
    dropped = [names[i] for i in range(len(names)) if i not in kept]
    if dropped:
        lines.append(f"({len(dropped)} more columns: {', '.join(dropped)}; {more})")
    return "\n".join(lines)


def text_model(model: Any) -> str:
    """One model as aligned ``field  value`` lines of the fields it has set."""
    items = model_items(model)
    size = max((len(name) for name, _ in items), default=0)
    return "\n".join(f"{name.ljust(size)}  {cell(value, VALUE_LIMIT)}" for name, value in items)
