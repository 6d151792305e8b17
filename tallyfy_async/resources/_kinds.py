"""The kinds of fields: how each field a request sends is checked and named on the wire.

A write or a listing keeps the kinds of its fields in one table, next to its routes::

    from tallyfy_async.resources import _kinds as kinds

    STEP_FIELDS = {
        "title": kinds.Text(required=True),
        "assignees": kinds.ListOf(item=int),
        **kinds.flags("top_secret", "everyone_must_complete"),
    }

:class:`~tallyfy_async.resources._body.Body` puts each argument through its kind.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from functools import partial
from typing import Any, Final

import attrs

from tallyfy_async.resources._checks import (
    at_least,
    aware,
    email,
    emails,
    expect,
    items,
    max_length,
    one_of,
    require,
    web_url,
)
from tallyfy_async.resources._form_values import check_owners


@attrs.frozen(kw_only=True)
class Kind:
    """How one field is checked and named on the wire; the base passes any value.

    Attributes:
        required: the field must be given, and not as None or blank text.
        why: the reason a missing required field gives.
        wire: the field's name on the wire, when it is not the argument's.
        sent: False for an argument the method checks here but sends its own way
            (kick-off values, encoded against the fields they fill).
    """

    required: bool = False
    why: str = "Tallyfy requires it"
    wire: str | None = None
    sent: bool = True

    def check(self, name: str, value: Any) -> Any:
        """``value`` as it is sent, once checked (``name`` is for error messages).

        Raises:
            TypeError, ValueError: naming ``name``.
        """
        return value

    def missing(self, name: str) -> str:
        """What an error says when a required field is not given."""
        return f"{name} is required ({self.why})"


@attrs.frozen(kw_only=True)
class Text(Kind):
    """A string, at most ``max_len`` characters; None clears it when ``nullable``.

    ``filled``: a value given must hold text (blank and None are refused).
    """

    max_len: int | None = None
    nullable: bool = False
    filled: bool = False

    def check(self, name: str, value: Any) -> Any:
        if self.filled:
            require(name, value, self.why)
        expect(name, value, str, nullable=self.nullable)
        if self.max_len is not None:
            max_length(name, value, self.max_len)
        return value


@attrs.frozen(kw_only=True)
class Flag(Kind):
    """True or False."""

    def check(self, name: str, value: Any) -> Any:
        expect(name, value, bool)
        return value

    def missing(self, name: str) -> str:
        return f"{name} must be given (True or False): {self.why}"


@attrs.frozen(kw_only=True)
class Int(Kind):
    """An int (never a bool), ``minimum`` or more when one is set."""

    minimum: int | None = None

    def check(self, name: str, value: Any) -> Any:
        if self.minimum is None:
            expect(name, value, int)
        else:
            at_least(name, value, self.minimum)
        return value


@attrs.frozen(kw_only=True)
class Choice(Kind):
    """One of ``choices``, given as the string or an enum member; sent as the string."""

    choices: frozenset[str]

    def check(self, name: str, value: Any) -> Any:
        return one_of(name, value, self.choices)


@attrs.frozen(kw_only=True)
class AwareDate(Kind):
    """An aware datetime (a naive one is refused: its time zone would be a guess)."""

    nullable: bool = False

    def check(self, name: str, value: Any) -> Any:
        aware(name, value, nullable=self.nullable)
        return value


@attrs.frozen(kw_only=True)
class Instance(Kind):
    """An instance of ``types`` (a model such as ``StepDeadline``, a ``Mapping``...)."""

    types: type | tuple[type, ...]
    nullable: bool = False

    def check(self, name: str, value: Any) -> Any:
        expect(name, value, self.types, nullable=self.nullable)
        return value


@attrs.frozen(kw_only=True)
class ListOf(Kind):
    """A list (or tuple) of ``item`` values, such as member ids; sent as a list."""

    item: type | tuple[type, ...]

    def check(self, name: str, value: Any) -> Any:
        return items(name, value, self.item)


@attrs.frozen(kw_only=True)
class OneOrMany(Kind):
    """One value or a list of them, for a filter Tallyfy reads comma-separated."""

    item: type

    def check(self, name: str, value: Any) -> Any:
        if isinstance(value, self.item) and not isinstance(value, bool):
            return [value]
        return items(name, value, self.item)


@attrs.frozen(kw_only=True)
class Day(Kind):
    """A ``datetime.date`` sent as ``YYYY-MM-DD`` (a datetime is refused: which day?)."""

    def check(self, name: str, value: Any) -> Any:
        if isinstance(value, datetime) or not isinstance(value, date):
            raise TypeError(
                f"{name} must be a date (datetime.date, not a datetime: the day depends on the "
                f"time zone), got {type(value).__name__}: {value!r:.60}"
            )
        return value.isoformat()


@attrs.frozen(kw_only=True)
class Days(Day):
    """One day, or a ``(first, last)`` pair sent as ``first:last``."""

    def check(self, name: str, value: Any) -> Any:
        if not isinstance(value, tuple):
            return super().check(name, value)
        if len(value) != 2:
            raise TypeError(f"{name} takes a date or a (first, last) pair, got {value!r:.60}")
        return f"{super().check(name + '[0]', value[0])}:{super().check(name + '[1]', value[1])}"


@attrs.frozen(kw_only=True)
class Archived(Kind):
    """``True`` to include archived records, ``"only"`` for only them."""

    def check(self, name: str, value: Any) -> Any:
        if value != "only":
            expect(name, value, bool)
        return value


@attrs.frozen(kw_only=True)
class Includes(Kind):
    """Tallyfy's ``with`` includes: a comma-separated string or a list of names."""

    def check(self, name: str, value: Any) -> Any:
        # Includes are names joined by commas, whether given as one text or as a list.
        given = [value] if isinstance(value, str) else items(name, value, str)
        names = [part.strip() for text in given for part in text.split(",") if part.strip()]
        return names or None  # no includes: nothing to ask for (None is left out)


@attrs.frozen(kw_only=True)
class Owners(Kind):
    """An owners object (:class:`~tallyfy_async.models.common.Owners` or a mapping of
    ``users``, ``guests``, ``groups``), sent with all three buckets when ``complete``;
    otherwise only the buckets given are kept (the caller fills the others)."""

    complete: bool = True

    def check(self, name: str, value: Any) -> Any:
        return check_owners(name, value, complete=self.complete)


@attrs.frozen(kw_only=True)
class Checked(Kind):
    """A value checked by ``function(name, value)``, which returns what is sent."""

    function: Callable[[str, Any], Any]

    def check(self, name: str, value: Any) -> Any:
        return self.function(name, value)


ANY: Final = Kind()
TEXT: Final = Text()
TEXT_OR_NONE: Final = Text(nullable=True)
FLAG: Final = Flag()
INT: Final = Int()
AWARE_DATE: Final = AwareDate()
DAY: Final = Day()
ARCHIVED: Final = Archived()
#: ``with_`` (``with`` is a Python keyword), sent as ``with``.
WITH: Final = Includes(wire="with")
#: An email address, and a list of them.
EMAIL: Final = Checked(function=email)
EMAILS: Final = Checked(function=emails)
#: A webhook URL Tallyfy posts to: absolute http(s), the check ``set_webhook`` makes;
#: None clears it.
WEBHOOK: Final = Checked(function=partial(web_url, nullable=True))
#: An argument the method sends its own way, unchecked here.
APART: Final = Kind(sent=False)
#: The query of a read that takes only includes.
INCLUDES: Final = {"with_": WITH}


def merged(*tables: Mapping[str, Kind], **kinds: Kind) -> dict[str, Kind]:
    """One field table from several, later ones winning (a create's required fields)."""
    table: dict[str, Kind] = {}
    for each in tables:
        table.update(each)
    table.update(kinds)
    return table


def flags(*names: str) -> dict[str, Kind]:
    """A table of flags, for the many booleans a record has."""
    return dict.fromkeys(names, FLAG)


def texts(*names: str, kind: Kind = TEXT_OR_NONE) -> dict[str, Kind]:
    """A table of text fields (None clears them by default)."""
    return dict.fromkeys(names, kind)
