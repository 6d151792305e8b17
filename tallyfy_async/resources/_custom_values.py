"""Custom-field values typed by their key's field type, both ways.

A value is checked against its key before anything is sent, and read back as a Python
value of that type:

=========================== =============================== ===========================
field type                  what a write takes              what a read gives
=========================== =============================== ===========================
text, textarea              str                             str
email                       str that looks like an address  str
url                         an absolute http(s) URL (str)   str
number                      int or float (not bool)         int or float
boolean                     bool                            bool
date                        aware datetime, or a date       aware datetime (UTC)
radio, dropdown             one of the key's options (str)  str
multiselect                 a list of the key's options     list of str
table                       rows: lists of one cell per     list of rows
                            column, or dicts by column name
=========================== =============================== ===========================

A key this SDK does not know the type of takes any JSON value, as given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from tallyfy_async._serde import parse_datetime
from tallyfy_async.models.custom_fields import CustomFieldKey, CustomFieldType
from tallyfy_async.resources._checks import aware, email, expect, web_url
from tallyfy_async.resources._form_values import encode_date, finite


class StaleKey(ValueError):
    """A value names an option the key (as last read) does not have: the key may have
    changed since, so it is read again before the value is refused."""


def encode(key: CustomFieldKey, value: Any) -> Any:
    """The wire value of ``value`` for ``key``.

    Raises:
        TypeError: a value of the wrong type for the key's field type.
        ValueError: a value of the right type that the key does not take.
        StaleKey: a choice the key's options do not list.
    """
    name = f"custom field {key.key!r} ({key.field_type})"
    kind = key.field_type
    if kind in (CustomFieldType.TEXT, CustomFieldType.TEXTAREA):
        expect(name, value, str)
        return value
    if kind is CustomFieldType.EMAIL:
        return email(name, value)
    if kind is CustomFieldType.URL:
        return web_url(name, value)
    if kind is CustomFieldType.NUMBER:
        expect(name, value, (int, float))
        finite(name, value)
        return value
    if kind is CustomFieldType.BOOLEAN:
        expect(name, value, bool)
        return value
    if kind is CustomFieldType.DATE:
        return _date(name, value)
    if kind in (CustomFieldType.RADIO, CustomFieldType.DROPDOWN):
        return _choice(name, key, value)
    if kind is CustomFieldType.MULTISELECT:
        if isinstance(value, str) or not isinstance(value, Sequence):
            raise TypeError(f"{name} takes a list of options, got {type(value).__name__}")
        return [_choice(f"{name}[{index}]", key, each) for index, each in enumerate(value)]
    if kind is CustomFieldType.TABLE:
        return _table(name, key, value)
    return value  # a type this SDK does not know yet: sent as given


def _date(name: str, value: Any) -> str:
    if isinstance(value, datetime):
        aware(name, value)
    elif not isinstance(value, date):
        raise TypeError(
            f"{name} takes an aware datetime (or a date), got {type(value).__name__}: {value!r:.60}"
        )
    return encode_date(value)


def _choice(name: str, key: CustomFieldKey, value: Any) -> str:
    expect(name, value, str)
    choices = key.choices
    if choices and value not in choices:
        raise StaleKey(f"{name} takes one of {', '.join(map(repr, choices))}; got {value!r}")
    return str(value)


def _table(name: str, key: CustomFieldKey, value: Any) -> list[list[Any]]:
    if isinstance(value, str | Mapping) or not isinstance(value, Sequence):
        raise TypeError(f"{name} takes a list of rows, got {type(value).__name__}")
    columns = key.column_names
    rows = []
    for index, row in enumerate(value):
        at = f"{name}[{index}]"
        if isinstance(row, Mapping):
            unknown = sorted(set(row) - set(columns))
            if unknown:
                raise ValueError(f"{at} names columns the key does not have: {unknown}")
            row = [row.get(column) for column in columns]
        elif isinstance(row, str) or not isinstance(row, Sequence):
            raise TypeError(f"{at} is a row: a list of cells or a dict by column name")
        elif columns and len(row) != len(columns):
            raise ValueError(f"{at} has {len(row)} cells; the key has {len(columns)} columns")
        for place, cell in enumerate(row):
            cell_name = f"{at} column {columns[place]!r}" if columns else f"{at} cell {place}"
            expect(cell_name, cell, (str, int, float), nullable=True)
            finite(cell_name, cell)
        rows.append(list(row))
    return rows


def decode(key: CustomFieldKey | None, value: Any) -> Any:
    """A value as Tallyfy sent it, read as its key's field type (as sent when it does
    not read as one, or when the key is unknown)."""
    if key is None or value is None:
        return value
    kind = key.field_type
    try:
        if kind is CustomFieldType.DATE and isinstance(value, str):
            return parse_datetime(value)
        if kind is CustomFieldType.NUMBER and isinstance(value, str):
            number = float(value)
            return int(number) if number.is_integer() and "." not in value else number
        if kind is CustomFieldType.BOOLEAN and value in (0, 1, "0", "1", "true", "false"):
            return value in (1, "1", "true")
    except ValueError:
        return value
    return value
