"""What a request sends, built one field at a time: a JSON body or a query string.

Tallyfy silently drops body keys it does not know and answers 200, so a typo would
lose data without a word. A write therefore takes typed keyword arguments only (an
unknown one is Python's ``TypeError`` naming it), and states each field once with its
*kind*: how it is checked and sent. A resource keeps the kinds of its fields in one
table, shared by its create and update::

    STEP_FIELDS = {"title": Text(required=True), "top_secret": FLAG, "assignees": ListOf(int)}

    body = Body(converter)
    body.put_all(STEP_FIELDS, arguments)      # or, for one field:
    body.put("position", position, Int(minimum=1, required=True))
    await send(route, json=body.json())

:class:`Body` checks each value as its kind says (every error names the argument),
leaves out what was not given (:data:`~tallyfy_async.UNSET`), and converts what is
sent with the client's converter (aware datetimes in the request format, enums as
their values, models through ``to_wire()``).
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any, Final

import attrs

from tallyfy_async._serde import Converter
from tallyfy_async._unset import UNSET
from tallyfy_async._urls import check_id
from tallyfy_async.resources._checks import (
    at_least,
    aware,
    expect,
    items,
    max_length,
    one_of,
    require,
)


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
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return items(name, value, str)


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
#: An argument the method sends its own way, unchecked here.
APART: Final = Kind(sent=False)
#: The query of a read that takes only includes.
INCLUDES: Final = {"with_": WITH}


class Body:
    """The fields of one request, checked as they are put; see the module's docstring.

    Args:
        converter: the client's converter, for :meth:`json`.
        where: prefixes every name in errors (``"prerun[2]."``).
    """

    __slots__ = ("_converter", "_values", "_where")

    def __init__(self, converter: Converter | None = None, *, where: str = "") -> None:
        self._converter = converter
        self._where = where
        self._values: dict[str, Any] = {}

    def put(self, name: str, value: Any, kind: Kind = ANY) -> None:
        """Check ``value`` as ``kind`` and keep it; :data:`UNSET` is left out.

        Raises:
            ValueError: a required field not given, None or blank.
            TypeError, ValueError: the kind refused the value.
        """
        at = self._where + name
        if kind.required and (
            value is UNSET or value is None or (isinstance(value, str) and not value.strip())
        ):
            raise ValueError(kind.missing(at))
        if value is UNSET:
            return
        checked = kind.check(at, value)
        if kind.sent and checked is not UNSET:
            self._values[kind.wire or name] = checked

    def put_all(self, kinds: Mapping[str, Kind], arguments: Mapping[str, Any]) -> None:
        """:meth:`put` every argument with the kind ``kinds`` gives it.

        A field of ``kinds`` that is required and missing from ``arguments`` is refused
        too (a definition given as a mapping).

        Raises:
            TypeError: an argument ``kinds`` does not know, or a value refused.
            ValueError: a required field missing, or a value refused.
        """
        unknown = sorted(set(arguments) - set(kinds))
        if unknown:
            raise TypeError(
                f"{self._where.rstrip('.') or 'this write'} has unknown keys {unknown}; "
                f"it takes {', '.join(sorted(kinds))}"
            )
        for name, value in arguments.items():
            self.put(name, value, kinds[name])
        for name, kind in kinds.items():
            if kind.required and name not in arguments:
                raise ValueError(kind.missing(self._where + name))

    def __contains__(self, name: object) -> bool:
        return name in self._values

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def get(self, name: str, default: Any = None) -> Any:
        """The checked value put under ``name``, or ``default``."""
        return self._values.get(name, default)

    def __setitem__(self, name: str, value: Any) -> None:
        """Set a field the caller built and checked itself (merged owners, form values)."""
        self._values[name] = value

    def unsent(self, names: Iterable[str]) -> list[str]:
        """The ``names`` not put (yet)."""
        return [name for name in names if name not in self._values]

    async def resend(self, names: Iterable[str], read: Callable[[], Awaitable[object]]) -> None:
        """Fill the fields in ``names`` not given with their current values.

        Tallyfy empties a list a PUT leaves out, so leaving an argument out must send
        back what is stored. ``read`` (the record's current state) is awaited once,
        and only when a field is missing.
        """
        unsent = self.unsent(names)
        if unsent:
            current = await read()
            for name in unsent:
                self._values[name] = getattr(current, name)

    def values(self) -> dict[str, Any]:
        """The checked fields, not converted (for a definition nested in another body)."""
        return dict(self._values)

    def json(self) -> dict[str, Any]:
        """The JSON body: each value through the converter.

        Ids in a body are held to the rules of ids in a path: Tallyfy builds paths and
        queries from them.

        Raises:
            TypeError, ValueError: an unsafe id, or a value JSON cannot carry.
        """
        assert self._converter is not None, "Body(converter) is needed for a JSON body"
        to_wire = self._converter.to_wire
        body = {}
        for name, value in self._values.items():
            if name.endswith("_id") and isinstance(value, str | int):
                check_id(value, self._where + name)
            body[name] = to_wire(value)
        return body

    def query(self) -> dict[str, Any]:
        """Query parameters: enums as their values, lists kept (sent comma-separated)."""
        return {
            name: value.value if isinstance(value, enum.Enum) else value
            for name, value in self._values.items()
        }


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
