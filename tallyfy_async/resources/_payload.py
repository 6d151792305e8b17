"""Building what a request sends: bodies and queries, checked before anything is sent.

Tallyfy silently drops body keys it does not know and answers 200 (catalogue §2),
so a typo would lose data without a word. Resource methods therefore take typed
keyword arguments only (an unknown field is a ``TypeError`` naming it), check
what they are given with the checks below (:func:`expect`, :func:`require`,
:func:`items`, ...; every error names the field), and build the body with
:func:`payload`, which leaves out what the caller did not pass. Query parameters
are checked the same way and built with :func:`query`.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Final

from tallyfy_async._serde import Converter
from tallyfy_async._urls import check_id


class _Unset(enum.Enum):
    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


#: The default of optional write arguments: "leave this field out of the body".
UNSET: Final = _Unset.UNSET

# The types of optional arguments, shared by the resources' signatures.
_Str = str | _Unset
_OptStr = str | _Unset | None
_Bool = bool | _Unset
_Int = int | _Unset
#: Tallyfy's ``with`` includes: a comma-separated string or a list of names.
_With = str | Sequence[str] | _Unset


def expect(
    field: str, value: Any, types: type | tuple[type, ...], *, nullable: bool = False
) -> None:
    """Refuse a value of the wrong type, naming the field.

    Raises:
        TypeError: ``value`` is not an instance of ``types`` (bool is not an int).
    """
    if value is UNSET or (nullable and value is None):
        return
    wanted = types if isinstance(types, tuple) else (types,)
    # bool is an int subclass; True is not a position.
    wrong_bool = isinstance(value, bool) and bool not in wanted
    if wrong_bool or not isinstance(value, wanted):
        names = " or ".join(t.__name__ for t in wanted) + (" or None" if nullable else "")
        raise TypeError(f"{field} must be {names}, got {type(value).__name__}: {value!r:.80}")


def require(field: str, value: Any, why: str = "Tallyfy requires it") -> None:
    """Refuse a missing or blank value, naming the field.

    Raises:
        ValueError: ``value`` is None, UNSET or an empty/blank string.
    """
    if value is UNSET or value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError(f"{field} is required ({why})")


def items(field: str, values: Any, item_type: type | tuple[type, ...]) -> list[Any]:
    """``values`` as a list after checking it is a list (or tuple) of ``item_type``.

    Raises:
        TypeError: naming ``field`` or ``field[i]``.
    """
    if isinstance(values, str | bytes) or not isinstance(values, Sequence):
        raise TypeError(f"{field} must be a list, got {type(values).__name__}: {values!r:.80}")
    for index, value in enumerate(values):
        expect(f"{field}[{index}]", value, item_type)
    return list(values)


def one_of(field: str, value: Any, choices: Sequence[str] | frozenset[str]) -> str:
    """The wire value of an enum member or string that must be one of ``choices``.

    Raises:
        TypeError: for a value that is not a string.
        ValueError: for a string outside ``choices``.
    """
    expect(field, value, str)
    text = value.value if isinstance(value, enum.Enum) else value
    if text not in choices:
        raise ValueError(f"{field} must be one of {', '.join(sorted(choices))}; got {text!r}")
    return str(text)


def max_length(field: str, value: Any, limit: int) -> None:
    """Refuse a string longer than Tallyfy stores.

    Raises:
        ValueError: naming ``field``.
    """
    if isinstance(value, str) and len(value) > limit:
        raise ValueError(f"{field} is {len(value)} characters long; Tallyfy takes at most {limit}")


def at_least(field: str, value: Any, minimum: int) -> None:
    """Refuse a position or count below ``minimum`` (UNSET passes).

    Raises:
        TypeError: for a value that is not an int.
        ValueError: for a value below ``minimum``.
    """
    expect(field, value, int)
    if isinstance(value, int) and value < minimum:
        raise ValueError(f"{field} must be {minimum} or more, got {value}")


def aware(field: str, value: Any, *, nullable: bool = False) -> None:
    """Refuse a value that is not an aware datetime, naming the field (UNSET passes).

    Raises:
        TypeError: not a datetime.
        ValueError: a naive datetime (its time zone would be a guess).
    """
    expect(field, value, datetime, nullable=nullable)
    if isinstance(value, datetime) and (value.tzinfo is None or value.utcoffset() is None):
        raise ValueError(
            f"{field}: naive datetime {value.isoformat()} refused, its time zone would be a "
            "guess; pass an aware datetime, e.g. datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)"
        )


def payload(converter: Converter, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON body for ``fields``: UNSET values left out, the rest converted.

    Datetimes go through the converter (aware only, UTC, the client's request
    format); enums become their values; models with ``to_wire()`` use it.
    """
    body = {}
    for name, value in fields.items():
        if value is UNSET:
            continue
        if name.endswith("_id") and isinstance(value, str | int):
            check_id(value, name)  # ids in a body are held to the same rules as in a path
        body[name] = converter.to_wire(value)
    return body


async def keep_unsent_lists(
    fields: dict[str, Any], names: Sequence[str], read_current: Callable[[], Awaitable[object]]
) -> None:
    """Fill the lists in ``names`` that ``fields`` leaves UNSET with their current values.

    Tallyfy empties a list that a PUT leaves out (catalogue §2), so leaving an argument
    out must re-send what is stored. ``read_current`` is awaited once, and only when a
    list is missing.
    """
    unsent = [name for name in names if fields[name] is UNSET]
    if unsent:
        current = await read_current()
        for name in unsent:
            fields[name] = list(getattr(current, name))


def query(*, with_: _With = UNSET, **params: Any) -> dict[str, Any]:
    """Query parameters without the UNSET ones; enums become their values.

    ``with_`` is sent as ``with``, Tallyfy's includes: a comma-separated string or a list
    of names (``with`` is a Python keyword, hence the underscore).

    Raises:
        TypeError: ``with_`` is neither a string nor a list of strings.
    """
    built = {
        key: value.value if isinstance(value, enum.Enum) else value
        for key, value in params.items()
        if value is not UNSET
    }
    if isinstance(with_, str):
        built["with"] = [part.strip() for part in with_.split(",") if part.strip()]
    elif with_ is not UNSET:
        built["with"] = items("with_", with_, str)
    return built


def ids(field: str, values: Any, item_type: type) -> list[Any] | _Unset:
    """One id or a list of ids, for a comma-separated filter (UNSET passes).

    Raises:
        TypeError: naming ``field``.
    """
    if isinstance(values, _Unset):
        return values
    if isinstance(values, item_type) and not isinstance(values, bool):
        return [values]
    return items(field, values, item_type)
