"""Building write bodies: strict, checked before anything is sent.

Tallyfy silently drops body keys it does not know and answers 200 (catalogue §2),
so a typo would lose data without a word. Resource methods therefore take typed
keyword arguments only (an unknown field is a ``TypeError`` naming it), check
the types of what they are given with :func:`expect`, and build the body with
:func:`payload`, which leaves out what the caller did not pass.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Final

from tallyfy_async._serde import Converter


class _Unset(enum.Enum):
    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


#: The default of optional write arguments: "leave this field out of the body".
UNSET: Final = _Unset.UNSET


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


def payload(converter: Converter, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON body for ``fields``: UNSET values left out, the rest converted.

    Datetimes go through the converter (aware only, UTC, the client's request
    format); enums become their values; models with ``to_wire()`` use it.
    """
    return {name: _wire(converter, value) for name, value in fields.items() if value is not UNSET}


def _wire(converter: Converter, value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return converter.unstructure(value)
    to_wire = getattr(value, "to_wire", None)
    if callable(to_wire):
        return to_wire()
    if isinstance(value, Mapping):
        return {str(k): _wire(converter, v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_wire(converter, v) for v in value]
    raise TypeError(f"cannot send {type(value).__name__} {value!r:.60} in a request body")
