"""The checks of what a call is given, each error naming the argument.

They run before anything is sent, so a bad call fails loudly and the network never
sees it. :mod:`~tallyfy_async.resources._body` builds its field kinds from them;
form-field definitions use them directly for the parts that depend on each other.
Every check lets :data:`~tallyfy_async.UNSET` pass: a field not given is not checked.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from tallyfy_async._unset import UNSET


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
    """Refuse a position or count below ``minimum``.

    Raises:
        TypeError: for a value that is not an int.
        ValueError: for a value below ``minimum``.
    """
    expect(field, value, int)
    if isinstance(value, int) and value < minimum:
        raise ValueError(f"{field} must be {minimum} or more, got {value}")


def aware(field: str, value: Any, *, nullable: bool = False) -> None:
    """Refuse a value that is not an aware datetime, naming the field.

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


#: An address Tallyfy takes: one ``@``, a dot in the domain, nothing that could change a URL
#: path (emails name guests in paths): no whitespace, ``/``, ``\\`` or ``%``.
_EMAIL = re.compile(r"[^@\s/\\%]+@[^@\s/\\%.]+(\.[^@\s/\\%.]+)+")
#: The longest address email standards allow.
MAX_EMAIL = 254


def email(field: str, value: Any) -> str:
    """``value`` once it is found to be an email address.

    Raises:
        TypeError: for a value that is not a string.
        ValueError: for a string that is not an address.
    """
    expect(field, value, str)
    if len(value) > MAX_EMAIL or not _EMAIL.fullmatch(value):
        raise ValueError(
            f"{field} must be an email address such as jane@example.com, got {value!r:.80}"
        )
    return str(value)


def emails(field: str, values: Any) -> list[str]:
    """``values`` as a list once each is found to be an email address.

    Raises:
        TypeError, ValueError: naming ``field[i]``.
    """
    return [
        email(f"{field}[{index}]", value) for index, value in enumerate(items(field, values, str))
    ]


def int_id(field: str, value: Any, model: type[Any]) -> int:
    """An integer id, given as the id or as the ``model`` that carries it (its ``id``).

    Raises:
        TypeError: neither an int nor a ``model``, naming ``field``.
    """
    if isinstance(value, model):
        value = value.id
    expect(field, value, int)
    return int(value)


def one_subject(method: str, **arguments: tuple[str, Any]) -> tuple[str, Any]:
    """The one record given among several arguments, as (its wire type, its id).

    Each keyword names an argument of ``method`` and holds (the subject type Tallyfy
    calls it, the value given); the values not given are :data:`UNSET`. A model stands
    for its ``id``.

    Raises:
        TypeError: none or several given, naming the arguments.
    """
    given = [(kind, value) for kind, value in arguments.values() if value is not UNSET]
    if len(given) != 1:
        raise TypeError(f"{method}() takes exactly one of {' and '.join(arguments)}")
    [(kind, value)] = given
    return kind, getattr(value, "id", value)


def web_url(field: str, value: Any, *, nullable: bool = False) -> str | None:
    """An absolute ``http(s)`` URL (a webhook's), or None when ``nullable``.

    Raises:
        TypeError: not a string.
        ValueError: not an absolute http(s) URL.
    """
    expect(field, value, str, nullable=nullable)
    if value is None:
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{field} must be an absolute http(s) URL, got {value!r:.80}")
    return str(value.strip())
