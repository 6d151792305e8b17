"""Encoding form values: kick-off values on launch (``prerun``) and task values (``taskdata``).

Both go through one validator in Tallyfy (api-v2 ``FormValuesValidator``), so one
encoder serves both here. It is where most launches used to fail: 91.8 % of the
official SDK's launch failures were required kick-off fields left out, and a ``prerun``
sent as a list always fails. So the encoder works from the field definitions and refuses,
before anything is sent and naming each field:

- a key that names no field (Tallyfy would drop it silently and answer 201);
- a required field without a value (on launch; every missing field is listed);
- a choice that is not one of the field's options (the valid ones are listed), or a value
  whose id and text name different options (never resolved silently);
- a value of the wrong type for its field.

Values may be keyed by a field's timeline id, its alias or its label (labels match
ignoring case and runs of whitespace). The result is the object Tallyfy requires: keyed by
timeline id, each value in the shape of its field type:

============== ===============================================================
text, textarea the string
email          the string (checked to look like an address)
date           ISO 8601 in UTC, ``2026-12-01T09:00:00.000Z``, from an aware datetime,
               a ``date``, or an ISO 8601 string that carries its offset
radio          the option's text
dropdown       ``{"id": 2, "text": "Green", "value": None}``
multiselect    ``[{"id": 1, "text": "Slack", "value": None, "selected": True}, ...]``
table          one cell per column in column order, from a list or a dict keyed by
               column label
assignees_form ``{"users": [int], "guests": [email], "groups": [id]}``
file           the asset objects, as given
============== ===============================================================

A choice is given as the option's text, its integer id, a :class:`FieldOption`, or a dict
with ``id`` and/or ``text``. ``None`` (or a blank value) clears a field.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from tallyfy_async.errors import FormValuesError
from tallyfy_async.models.common import Owners
from tallyfy_async.models.form_fields import FieldOption, FieldType, FormField

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
#: The buckets of an owners object (assignees), in wire order.
OWNER_BUCKETS = ("users", "guests", "groups")
_CHOICE_KEYS = frozenset(("id", "text", "value", "selected"))


class _Problem(ValueError):
    """One value does not fit its field; the text says why."""


def finite(name: str, value: object) -> None:
    """Refuse a float JSON cannot carry: the encoder would send NaN or infinity as null.

    Raises:
        ValueError: ``value`` is a NaN or infinite float.
    """
    if isinstance(value, float) and not math.isfinite(value):
        raise _Problem(f"{name} takes a finite number, got {value!r}")


def normalize(text: str) -> str:
    """Text compared ignoring case and runs of whitespace."""
    return " ".join(text.split()).casefold()


def _name(field: FormField) -> str:
    return repr(field.label) if field.label else f"field {field.id}"


def _is_blank(value: Any) -> bool:
    # Laravel trims strings and turns "" into null before its ``required`` rule runs.
    if isinstance(value, str):
        return not value.strip()
    return value is None or (isinstance(value, list | tuple | dict) and not value)


def encode_form_values(
    fields: Sequence[FormField],
    values: Mapping[Any, Any] | None,
    *,
    what: str,
    require_all: bool,
) -> dict[str, Any]:
    """Encode ``values`` for ``fields``: the object keyed by timeline id Tallyfy requires.

    Args:
        fields: the field definitions (a blueprint's kick-off fields, a task's form fields).
        values: values keyed by timeline id, alias or label.
        what: names the values in error messages (``"kickoff"``, ``"form_values"``).
        require_all: refuse when a required field has no value (launch).

    Returns:
        ``{timeline_id: encoded value}``; a blank value (``None``, ``""``, ``"  "``,
        ``[]``) is ``None``.

    Raises:
        FormValuesError: every problem found, each naming its field.
    """
    problems: list[str] = []
    encoded: dict[str, Any] = {}
    given_as: dict[str, Any] = {}
    resolve = _resolver(fields)
    for key, value in (values or {}).items():
        try:
            field = resolve(key)
        except _Problem as problem:
            problems.append(str(problem))
            continue
        if field.id in given_as:
            problems.append(
                f"{_name(field)} is given twice (as {given_as[field.id]!r} and {key!r})"
            )
            continue
        given_as[field.id] = key
        if _is_blank(value):
            encoded[field.id] = None
            continue
        try:
            encoded[field.id] = encode_value(field, value)
        except _Problem as problem:
            problems.append(f"{_name(field)}: {problem}")
    missing: list[str] = []
    if require_all:
        for field in fields:
            if field.required and encoded.get(field.id) is None:
                missing.append(field.label or field.id)
                kind = f"{field.field_type} field" if field.field_type else "field"
                problems.append(f"{_name(field)} is required ({kind}, id {field.id})")
    if problems:
        raise FormValuesError(what, problems, missing)
    return encoded


def _resolver(fields: Sequence[FormField]) -> Callable[[Any], FormField]:
    by_id = {field.id: field for field in fields}
    by_name: dict[str, list[FormField]] = {}
    for field in fields:
        for name in {field.alias, field.label} - {None, ""}:
            matches = by_name.setdefault(normalize(str(name)), [])
            if field not in matches:
                matches.append(field)

    def resolve(key: Any) -> FormField:
        if not isinstance(key, str):
            raise _Problem(
                f"key {key!r} is a {type(key).__name__}; key values by field id, alias or label"
            )
        field = by_id.get(key)
        if field is not None:
            return field
        matches = by_name.get(normalize(key), [])
        if len(matches) == 1:
            return matches[0]
        if matches:
            named = ", ".join(f"{_name(f)} (id {f.id})" for f in matches)
            raise _Problem(f"{key!r} names {len(matches)} fields: {named}; key it by id")
        known = ", ".join(_name(f) for f in fields) or "none"
        raise _Problem(f"{key!r} names no form field; the fields are: {known}")

    return resolve


def encode_value(field: FormField, value: Any) -> Any:
    """The wire value of a non-blank ``value`` for ``field``.

    Raises:
        _Problem: the value does not fit the field.
    """
    field_type = field.field_type
    if field_type in (FieldType.TEXT, FieldType.TEXTAREA):
        return _string(value, "text")
    if field_type is FieldType.EMAIL:
        text = _string(value, "an email address")
        if not _EMAIL.match(text.strip()):
            raise _Problem(f"{text!r} is not an email address")
        return text.strip()
    if field_type is FieldType.DATE:
        return encode_date(value)
    if field_type is FieldType.RADIO:
        return choose(field, value).text
    if field_type is FieldType.DROPDOWN:
        option = choose(field, value)
        return {"id": option.id, "text": option.text, "value": None}
    if field_type is FieldType.MULTISELECT:
        return _multiselect(field, value)
    if field_type is FieldType.TABLE:
        return _table(field, value)
    if field_type is FieldType.ASSIGNEES:
        return owners_wire(value, complete=True)
    if field_type is FieldType.FILE:
        return _files(value)
    # A field type this SDK does not know yet: send the value as given.
    return value


def _string(value: Any, kind: str) -> str:
    if not isinstance(value, str):
        raise _Problem(f"expected {kind} (str), got {type(value).__name__}: {value!r:.60}")
    return value


# --- dates ------------------------------------------------------------------------


def encode_date(value: Any) -> str:
    """An aware datetime, a date, or an ISO 8601 string with an offset, as ISO 8601 UTC.

    Raises:
        _Problem: for a naive datetime, a string without an offset, or another type.
    """
    if isinstance(value, datetime):
        moment = value
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise _Problem(
                f"naive datetime {value.isoformat()} refused: its time zone would be a "
                "guess; pass an aware datetime (tzinfo=timezone.utc or a ZoneInfo)"
            )
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day, tzinfo=UTC)
    elif isinstance(value, str):
        text = value.strip()
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise _Problem(f"{value!r} is not an ISO 8601 date") from None
        if moment.tzinfo is None and len(text) > 10:
            raise _Problem(
                f"{value!r} has no time zone; add 'Z' or an offset, or pass an aware datetime"
            )
        if moment.tzinfo is None:  # a bare YYYY-MM-DD
            moment = moment.replace(tzinfo=UTC)
    else:
        raise _Problem(
            f"expected an aware datetime, a date or an ISO 8601 string, got "
            f"{type(value).__name__}: {value!r:.60}"
        )
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


# --- choices ----------------------------------------------------------------------


def _describe(option: FieldOption) -> str:
    return f"option {option.id} ({option.text!r})"


def _choices(field: FormField) -> str:
    return ", ".join(f"{o.text!r} (id {o.id})" for o in field.options) or "none"


def choose(field: FormField, value: Any) -> FieldOption:
    """The one option of ``field`` that ``value`` names.

    Text matches ignoring case and runs of whitespace; a string of digits may also be an
    id. When the id and the text name different options, that is an error.

    Raises:
        _Problem: no option, or more than one, matches.
    """
    if isinstance(value, FieldOption):
        value = {"id": value.id, "text": value.text}
    if isinstance(value, Mapping):
        return _choose_mapping(field, value)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _Problem(
            f"expected an option's text or id, got {type(value).__name__}: {value!r:.60}; "
            f"the choices are: {_choices(field)}"
        )
    by_id = _by_id(field, value)
    by_text = _by_text(field, str(value))
    if len(by_text) > 1:
        raise _Problem(
            f"{value!r} matches {len(by_text)} options by text: "
            f"{', '.join(_describe(o) for o in by_text)}; pass the option's id"
        )
    if by_id is not None and by_text and by_text[0] is not by_id:
        raise _Problem(
            f"{value!r} is ambiguous: it is the id of {_describe(by_id)} and the text of "
            f"{_describe(by_text[0])}; pass {{'id': ..., 'text': ...}}"
        )
    option = by_id or (by_text[0] if by_text else None)
    if option is None:
        raise _Problem(f"{value!r} is not a choice; the choices are: {_choices(field)}")
    return option


def _by_id(field: FormField, value: int | str) -> FieldOption | None:
    if isinstance(value, str):
        if not value.strip().isdigit():
            return None
        value = int(value.strip())
    for option in field.options:
        if option.id == value:
            return option
    return None


def _by_text(field: FormField, text: str) -> list[FieldOption]:
    wanted = normalize(text)
    return [option for option in field.options if normalize(option.text) == wanted]


def _choose_mapping(field: FormField, value: Mapping[Any, Any]) -> FieldOption:
    unknown = set(value) - _CHOICE_KEYS
    if unknown:
        raise _Problem(
            f"a choice takes the keys id and text, not {', '.join(map(repr, sorted(unknown)))}"
        )
    option_id, text = value.get("id"), value.get("text")
    if option_id is None and text is None:
        raise _Problem(f"a choice needs an id or a text; the choices are: {_choices(field)}")
    if option_id is not None and (isinstance(option_id, bool) or not isinstance(option_id, int)):
        raise _Problem(f"a choice's id is an int, got {type(option_id).__name__}")
    if text is not None and not isinstance(text, str):
        raise _Problem(f"a choice's text is a str, got {type(text).__name__}")
    if option_id is None:
        return choose(field, text)
    option = _by_id(field, option_id)
    if option is None:
        raise _Problem(f"there is no option {option_id}; the choices are: {_choices(field)}")
    if text is not None and normalize(text) != normalize(option.text):
        raise _Problem(
            f"id {option_id} is {option.text!r} but the text given is {text!r}; "
            f"the choices are: {_choices(field)}"
        )
    return option


def _multiselect(field: FormField, value: Any) -> list[dict[str, Any]]:
    if isinstance(value, str | bytes | Mapping | FieldOption) or not isinstance(
        value, Sequence | set | frozenset
    ):
        raise _Problem(
            f"expected a list of choices, got {type(value).__name__}: {value!r:.60}; "
            f"the choices are: {_choices(field)}"
        )
    chosen: dict[int, FieldOption] = {}
    for item in value:
        option = choose(field, item)
        chosen.setdefault(option.id, option)
    # Without "selected": true Tallyfy stores the choice but renders it blank.
    return [
        {"id": option.id, "text": option.text, "value": None, "selected": True}
        for option in chosen.values()
    ]


# --- tables, owners, files --------------------------------------------------------


def _cell(value: Any, column: str) -> str | int | float:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _Problem(
            f"column {column!r} takes a str or a number, got {type(value).__name__}: {value!r:.40}"
        )
    finite(f"column {column!r}", value)
    return value


def _table(field: FormField, value: Any) -> list[str | int | float]:
    columns = [column.label for column in field.columns]
    listing = ", ".join(map(repr, columns)) or "none"
    if isinstance(value, Mapping):
        by_label: dict[str, Any] = {}
        for key, cell in value.items():
            matches = [
                c for c in columns if isinstance(key, str) and normalize(c) == normalize(key)
            ]
            if len(matches) != 1:
                why = "names no column" if not matches else "names several columns"
                raise _Problem(f"{key!r} {why}; the columns are: {listing}")
            if matches[0] in by_label:
                raise _Problem(f"column {matches[0]!r} is given twice")
            by_label[matches[0]] = cell
        missing = [c for c in columns if c not in by_label]
        if missing:
            raise _Problem(
                f"a table needs one cell per column; missing: {', '.join(map(repr, missing))}"
            )
        return [_cell(by_label[c], c) for c in columns]
    if isinstance(value, list | tuple):
        if len(value) != len(columns):
            raise _Problem(
                f"a table needs exactly one cell per column ({len(columns)}: {listing}), "
                f"got {len(value)}"
            )
        return [_cell(cell, column) for cell, column in zip(value, columns, strict=True)]
    raise _Problem(
        f"expected a list of cells or a dict keyed by column label, got "
        f"{type(value).__name__}; the columns are: {listing}"
    )


def owners_wire(value: Any, *, complete: bool) -> dict[str, list[Any]]:
    """``{users, guests, groups}`` from :class:`Owners` or a mapping of some buckets.

    Args:
        value: an :class:`Owners`, or a mapping with any of ``users`` (member ids),
            ``guests`` (emails) and ``groups`` (group ids).
        complete: fill the buckets the mapping leaves out with ``[]``; otherwise only the
            buckets given are returned (the caller fills the rest).

    Raises:
        _Problem: an unknown bucket or a value of the wrong type.
    """
    if isinstance(value, Owners):
        return value.to_wire()
    if not isinstance(value, Mapping):
        raise _Problem(
            f"expected Owners or a dict with users, guests and groups, got "
            f"{type(value).__name__}: {value!r:.60}"
        )
    unknown = set(value) - set(OWNER_BUCKETS)
    if unknown:
        raise _Problem(
            f"unknown bucket {', '.join(map(repr, sorted(unknown, key=str)))}; "
            "the buckets are 'users', 'guests' and 'groups'"
        )
    wire: dict[str, list[Any]] = {}
    for bucket in OWNER_BUCKETS:
        if bucket not in value:
            if complete:
                wire[bucket] = []
            continue
        items = value[bucket]
        if isinstance(items, str | bytes) or not isinstance(items, Sequence | set | frozenset):
            raise _Problem(f"{bucket} must be a list, got {type(items).__name__}: {items!r:.60}")
        wire[bucket] = [_owner(bucket, item) for item in items]
    return wire


def _owner(bucket: str, item: Any) -> Any:
    if bucket == "users":
        if isinstance(item, bool) or not isinstance(item, int):
            raise _Problem(f"users holds member ids (int), got {type(item).__name__}: {item!r}")
        return item
    if not isinstance(item, str) or not item.strip():
        raise _Problem(f"{bucket} holds strings, got {type(item).__name__}: {item!r}")
    if bucket == "guests" and not _EMAIL.match(item.strip()):
        raise _Problem(f"guests holds emails; {item!r} is not one")
    return item.strip()


def _files(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, Mapping) or not isinstance(value, list | tuple):
        raise _Problem(
            f"expected a list of uploaded asset objects, got {type(value).__name__}: {value!r:.60}"
        )
    assets = []
    for given in value:
        # An Asset model is sent whole, as Tallyfy returned it.
        asset = given.to_wire() if callable(getattr(given, "to_wire", None)) else given
        if not isinstance(asset, Mapping) or not isinstance(asset.get("id"), str):
            raise _Problem(
                f"each file is an uploaded asset object with a str 'id', got {asset!r:.60}"
            )
        assets.append(dict(asset))
    return assets


def check_owners(field: str, value: Any, *, complete: bool) -> dict[str, list[Any]]:
    """:func:`owners_wire` for a write argument: a problem becomes a TypeError naming it.

    Raises:
        TypeError: ``value`` is not owners.
    """
    try:
        return owners_wire(value, complete=complete)
    except _Problem as problem:
        raise TypeError(f"{field}: {problem}") from None
