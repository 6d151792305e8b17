"""The one converter between Python values and Tallyfy's wire format.

Dates are the delicate part (``docs/dates.md`` says what and why):

- Responses carry ISO 8601 UTC (``2023-05-15T14:30:00.000Z``; also ``Z`` without
  milliseconds, ``+00:00``, microseconds, and ``YYYY-MM-DD HH:MM:SS``). They become
  aware UTC ``datetime`` objects, read with ``datetime.fromisoformat`` (about twice as
  fast as ``strptime``).
- Requests take aware datetimes, converted to UTC and written
  ``YYYY-MM-DD HH:MM:SS``. A naive datetime is refused: its time zone is a guess.
  The day-first ``YYYY-DD-MM HH:MM:SS`` an older table of Tallyfy's guide gave is
  available as :attr:`RequestDateFormat.YEAR_DAY_MONTH` for tenants that expect it.

Response models keep unknown keys in their ``extra`` field, and enumerations pass
unknown values through (see :class:`OpenStrEnum`).
"""

from __future__ import annotations

import enum
import importlib
import json
import math
import types
import typing
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any, Final, TypeVar

import attrs
import cattrs

from tallyfy_async._readers import EXTRA, ModelReader, is_builder


def optional_module(name: str) -> Any:
    """``name`` imported, or None when it is not installed (the ``speed`` extra).

    Imported by name so the type checker reads the same code with or without it.
    """
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


orjson = optional_module("orjson")


T = TypeVar("T")

# --- JSON -------------------------------------------------------------------------


def json_encoding(data: bytes | bytearray) -> str:
    """The encoding of a JSON body, as ``json.detect_encoding`` says it.

    It answers UTF-8 for any body whose first two bytes are ASCII and not NUL (no BOM, no
    UTF-16 or UTF-32): said here in a few C calls, where its Python code costs a tenth of
    parsing a small task.
    """
    head = data[:2]
    if len(head) == 2 and head.isascii() and 0 not in head:
        return "utf-8"
    return json.detect_encoding(data)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


# One decoder for every call: json.loads builds a new one whenever it is given an option,
# which costs about as much as reading a small body.
_decoder = json.JSONDecoder(parse_constant=_refuse_constant)


def stdlib_json_loads(data: bytes | str) -> Any:
    """Parse JSON with ``json`` as strictly as orjson: NaN and Infinity are refused. Also
    what reads half a surrogate pair (``"\ud800"``), which orjson refuses."""
    if isinstance(data, bytes | bytearray):  # as json.loads reads bytes
        data = data.decode(json_encoding(data), "surrogatepass")
    return _decoder.decode(data)


# Both parsers refuse what is not JSON (NaN, Infinity) and raise ValueError or
# RecursionError (nesting too deep) on a body they cannot read.
if orjson is not None:
    json_loads: Callable[[bytes | str], Any] = orjson.loads
    json_dumps: Callable[[Any], bytes] = orjson.dumps

else:  # pragma: no cover
    json_loads = stdlib_json_loads

    def json_dumps(value: Any) -> bytes:
        """Serialise to compact JSON bytes."""
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


# --- dates ------------------------------------------------------------------------


class RequestDateFormat(enum.Enum):
    """How datetimes are written in requests.

    ``YEAR_MONTH_DAY`` (the default) is what Tallyfy's documentation has said since
    its 2026-03-01 correction and what its own clients send. ``YEAR_DAY_MONTH`` is the
    order an older table of its guide gave, ``2023-15-05 14:30:00`` for 15 May, for a
    tenant that still expects it. ``docs/dates.md`` gives the sources.
    """

    YEAR_MONTH_DAY = "%Y-%m-%d %H:%M:%S"
    YEAR_DAY_MONTH = "%Y-%d-%m %H:%M:%S"


def parse_datetime(value: str) -> datetime:
    """Read a response date into an aware UTC datetime.

    Raises:
        ValueError: when the text is not a date Tallyfy writes.
    """
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"not an ISO 8601 date: {value!r}") from None
    if parsed.tzinfo is None:  # `YYYY-MM-DD HH:MM:SS`: Tallyfy's timestamps are UTC
        return parsed.replace(tzinfo=UTC)
    if parsed.utcoffset():
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            raise ValueError(f"date {value!r} is out of range once converted to UTC") from None
    return parsed


def format_request_datetime(
    value: datetime, fmt: RequestDateFormat = RequestDateFormat.YEAR_MONTH_DAY
) -> str:
    """Write an aware datetime for a request, in UTC.

    Raises:
        ValueError: for a naive datetime, or one that leaves the calendar in UTC.
        TypeError: for anything but a datetime.
    """
    if not isinstance(value, datetime):
        raise TypeError(f"expected a datetime, got {type(value).__name__}: {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"naive datetime {value.isoformat()} refused: its time zone would be a guess. "
            "Pass an aware datetime, e.g. datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc) "
            "or dt.replace(tzinfo=ZoneInfo('Europe/Paris'))."
        )
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        raise ValueError(
            f"datetime {value.isoformat()} is out of range once converted to UTC"
        ) from None
    # Written by hand, not strftime: %Y does not pad years before 1000 on every platform.
    day_month = (
        (utc.day, utc.month) if fmt is RequestDateFormat.YEAR_DAY_MONTH else (utc.month, utc.day)
    )
    return (
        f"{utc.year:04d}-{day_month[0]:02d}-{day_month[1]:02d} "
        f"{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}"
    )


# --- enums ------------------------------------------------------------------------


class OpenStrEnum(enum.StrEnum):
    """A ``str`` enum that lets values it does not know pass through.

    ``TaskStatus("frozen")`` does not raise: it returns a pseudo-member whose value
    is ``"frozen"``, so a value Tallyfy adds tomorrow never breaks a read today. A known
    value in another case is that member (Tallyfy writes a member's role ``"Admin"`` in
    some answers and ``"admin"`` in others: both are ``MemberRole.ADMIN``).
    """

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
        folded = value.casefold()
        for known in cls:
            if known._value_.casefold() == folded:
                return known
        member = str.__new__(cls, value)
        member._name_ = value.upper().replace("-", "_")
        member._value_ = value
        return member


# --- the converter ----------------------------------------------------------------


#: Response timestamps a converter remembers (then it starts over).
_DATES_REMEMBERED: Final = 4096

_PASSTHROUGH: Final = frozenset({str, int, float, bool, Any, object})
_NONE = type(None)


def _is_model(cls: Any) -> bool:
    return (
        isinstance(cls, type)
        and attrs.has(cls)
        and not is_builder(cls)
        and any(a.name == EXTRA for a in attrs.fields(cls))
    )


def _without_none(tp: Any) -> tuple[Any, bool]:
    """``X | None`` -> (X, True); anything else -> (tp, False)."""
    args = typing.get_args(tp)
    if typing.get_origin(tp) in (typing.Union, types.UnionType) and _NONE in args:
        rest = tuple(a for a in args if a is not _NONE)
        return (rest[0] if len(rest) == 1 else typing.Union[rest]), True  # noqa: UP007
    return tp, False


class Converter(cattrs.Converter):
    """The SDK's converter; one instance per client (the request date format differs).

    Response models (attrs classes with an ``extra`` field) are read by a reader
    generated for their exact fields (:mod:`tallyfy_async._readers`); this class gives
    it an expression per field type: plain values pass through, dates go through
    :func:`parse_datetime` (each timestamp text once), enums through their value map,
    nested models and lists of them through their own readers, anything else through
    cattrs. Keys the model does not declare land in ``extra``; fields marked as includes
    are unwrapped from ``{"data": ...}``.
    """

    def __init__(self, request_dates: RequestDateFormat = RequestDateFormat.YEAR_MONTH_DAY):
        super().__init__(detailed_validation=False, prefer_attrib_converters=False)
        self.request_dates = request_dates
        self._building: set[type] = set()
        self._readers: dict[type, ModelReader] = {}
        self._dates: dict[str, datetime] = {}
        self.register_structure_hook(datetime, lambda v, _: parse_datetime(v))
        self.register_structure_hook(date, lambda v, _: date.fromisoformat(v[:10]))
        self.register_unstructure_hook(
            datetime, lambda v: format_request_datetime(v, self.request_dates)
        )
        self.register_unstructure_hook(date, lambda v: v.isoformat())
        self.register_structure_hook_factory(_is_model, self._make_model_hook)

    def item_structurer(self, model: type[T]) -> Callable[[Any], T]:
        """A one-argument function reading wire items as ``model``, for listings.

        For response models it takes each item apart as it reads it (the fastest way
        to find the keys the model lacks): give it only items nobody else will read.
        """
        hook = self.get_structure_hook(model)
        reader = self._readers.get(model)
        if reader is not None and hook is reader.structure:  # not replaced by the caller's own
            consume: Callable[[Any], T] = reader.consume
            return consume
        return lambda item: hook(item, model)

    def to_wire(self, value: Any) -> Any:
        """``value`` as JSON-ready data for a request body.

        Datetimes are written in the client's request format (aware only, in UTC),
        dates as ``YYYY-MM-DD``, enums as their values, objects with ``to_wire()``
        through it; mappings and sequences are converted item by item.

        Raises:
            ValueError: for a naive datetime, or a NaN or infinite float.
            TypeError: for a value JSON cannot carry.
        """
        if value is None or isinstance(value, str | int):
            return value
        if isinstance(value, float):
            # JSON has no NaN or infinity: orjson would send null without a word.
            if math.isfinite(value):
                return value
            raise ValueError(
                f"cannot send {value!r} in a request body: JSON takes finite numbers only"
            )
        if isinstance(value, enum.Enum):
            return value.value
        if isinstance(value, datetime | date):
            return self.unstructure(value)
        to_wire = getattr(value, "to_wire", None)
        if callable(to_wire):  # its values are checked like any other (a NaN statement...)
            return self.to_wire(to_wire())
        if isinstance(value, Mapping):
            return {str(k): self.to_wire(v) for k, v in value.items()}
        if isinstance(value, list | tuple | set | frozenset):
            return [self.to_wire(v) for v in value]
        raise TypeError(f"cannot send {type(value).__name__} {value!r:.60} in a request body")

    def _make_model_hook(self, cls: type) -> Callable[[Any, Any], Any]:
        self._building.add(cls)
        try:
            reader = ModelReader(cls, typing.get_type_hints(cls), self._field_expr)
        finally:
            self._building.discard(cls)
        self._readers[cls] = reader
        return reader.structure

    def _read_date(self, text: str) -> datetime:
        """``text`` as a datetime, remembered: timestamps repeat within a page (a
        process's tasks share their launch, start and update times), and a remembered
        one costs a dict lookup instead of a parse and a new object."""
        parsed = parse_datetime(text)
        if len(self._dates) >= _DATES_REMEMBERED:
            self._dates.clear()
        self._dates[text] = parsed
        return parsed

    def _field_expr(self, var: str, tp: Any, namespace: dict[str, Any], slot: str) -> str:
        """An expression structuring ``var`` (known not None) as ``tp``."""
        tp, _ = _without_none(tp)
        if tp in _PASSTHROUGH:
            return var
        origin = typing.get_origin(tp)
        args = typing.get_args(tp)
        if origin is dict and all(a in _PASSTHROUGH for a in args):
            # PHP writes an empty associative array as [], so "no answers" arrives
            # as a list where an object belongs.
            # (A type test, not `== []`: that literal would build a list per item.)
            return f"({{}} if type({var}) is list and not {var} else {var})"
        if origin is list and all(a in _PASSTHROUGH for a in args):
            return var  # JSON already gave a list of plain values
        if origin is tuple and args[1:] == (Ellipsis,) and args[0] in _PASSTHROUGH:
            # Tallyfy sends some scalars as a list of one (the activity feed's
            # "verb": ["completed"]): a tuple field reads a list or a bare value alike.
            return f"(tuple({var}) if type({var}) is list else ({var},))"
        if tp is datetime:
            namespace["dates"] = self._dates
            namespace["read_date"] = self._read_date
            return f"(dates.get({var}) or read_date({var}))"
        if isinstance(tp, type) and issubclass(tp, enum.Enum):
            namespace[slot] = tp
            namespace[slot + "_m"] = tp._value2member_map_
            return f"({slot}_m.get({var}) or {slot}({var}))"
        if _is_model(tp):
            namespace[slot] = self._model_hook(tp)
            return f"{slot}({var})"
        if origin is list and _is_model(args[0]):
            namespace[slot] = self._model_hook(args[0])
            return f"[{slot}(item) for item in {var}]"
        if origin in (typing.Union, types.UnionType):
            models = [a for a in args if _is_model(a)]
            if len(models) == 1 and all(a in _PASSTHROUGH for a in args if a is not models[0]):
                # A model, or a bare value in its place (a run's progress is sometimes
                # a bare percentage): structure objects, pass the rest through.
                namespace[slot] = self._model_hook(models[0])
                return f"({slot}({var}) if type({var}) is dict else {var})"
        namespace[slot] = self.get_structure_hook(tp)
        namespace[slot + "_t"] = tp
        return f"{slot}({var}, {slot}_t)"

    def _model_hook(self, model: type) -> Callable[[Any], Any]:
        """The structure function of ``model``, or a late-bound one while it is being built.

        Models that include each other (a process includes its tasks, a task its
        process) would otherwise recurse forever while their functions are generated.
        """
        if model in self._building:

            def late(value: Any) -> Any:
                return self.get_structure_hook(model)(value, model)

            return late
        # Generated model functions take the value alone (their second argument is optional).
        hook: Callable[[Any], Any] = self.get_structure_hook(model)  # type: ignore[assignment]
        return hook


#: The converter of clients that use the default request date format.
default_converter: Final = Converter()
