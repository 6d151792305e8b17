"""The one converter between Python values and Tallyfy's wire format.

Dates are the delicate part (``DESIGN.md``, Decisions > Dates):

- Responses carry ISO 8601 UTC (``2023-05-15T14:30:00.000Z``; also ``Z`` without
  milliseconds, ``+00:00``, microseconds, and ``YYYY-MM-DD HH:MM:SS``). They become
  aware UTC ``datetime`` objects, read with ``datetime.fromisoformat`` (2.4x faster
  than ``strptime``, ``perf/anchors.md``).
- Requests take aware datetimes, converted to UTC and written
  ``YYYY-MM-DD HH:MM:SS``. A naive datetime is refused: its time zone is a guess.
  The seed guide's day-first ``YYYY-DD-MM HH:MM:SS`` is available as
  :attr:`RequestDateFormat.YEAR_DAY_MONTH` for tenants that expect it.

Response models keep unknown keys in their ``extra`` field, and enumerations pass
unknown values through (see :class:`OpenStrEnum`).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, Final

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn

try:  # the `speed` extra
    import orjson
except ImportError:  # pragma: no cover - exercised when orjson is absent
    orjson = None  # type: ignore[assignment]


# --- JSON -------------------------------------------------------------------------

if orjson is not None:
    json_loads: Callable[[bytes | str], Any] = orjson.loads

    def json_dumps(value: Any) -> bytes:
        """Serialise to compact JSON bytes."""
        return orjson.dumps(value)

else:  # pragma: no cover
    json_loads = json.loads

    def json_dumps(value: Any) -> bytes:
        """Serialise to compact JSON bytes."""
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


# --- dates ------------------------------------------------------------------------


class RequestDateFormat(enum.Enum):
    """How datetimes are written in requests.

    ``YEAR_MONTH_DAY`` (the default) is what Tallyfy's documentation has said since
    its 2026-03-01 correction and what its own clients send (``api/integrators.md``
    §2.4). ``YEAR_DAY_MONTH`` is the seed guide's older table, ``2023-15-05 14:30:00``
    for 15 May, for a tenant that still expects it.
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
        return parsed.astimezone(UTC)
    return parsed


def format_request_datetime(
    value: datetime, fmt: RequestDateFormat = RequestDateFormat.YEAR_MONTH_DAY
) -> str:
    """Write an aware datetime for a request, in UTC.

    Raises:
        ValueError: for a naive datetime.
    """
    if not isinstance(value, datetime):
        raise TypeError(f"expected a datetime, got {type(value).__name__}: {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"naive datetime {value.isoformat()} refused: its time zone would be a guess. "
            "Pass an aware datetime, e.g. datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc) "
            "or dt.replace(tzinfo=ZoneInfo('Europe/Paris'))."
        )
    return value.astimezone(UTC).strftime(fmt.value)


# --- enums ------------------------------------------------------------------------


class OpenStrEnum(enum.StrEnum):
    """A ``str`` enum that lets values it does not know pass through.

    ``TaskStatus("frozen")`` does not raise: it returns a pseudo-member whose value
    is ``"frozen"``, so a value Tallyfy adds tomorrow never breaks a read today.
    """

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value.upper().replace("-", "_")
        member._value_ = value
        return member


# --- the converter ----------------------------------------------------------------

EXTRA: Final = "extra"


def _has_extra(cls: type) -> bool:
    return attrs.has(cls) and any(a.name == EXTRA for a in attrs.fields(cls))


class Converter(cattrs.Converter):
    """The SDK's converter; one instance per client (the request date format differs).

    Structuring a response model keeps the keys the model does not declare in its
    ``extra`` field; keys listed in a model's ``__wire_names__`` are renamed.
    """

    def __init__(self, request_dates: RequestDateFormat = RequestDateFormat.YEAR_MONTH_DAY):
        super().__init__(detailed_validation=False, prefer_attrib_converters=False)
        self.request_dates = request_dates
        self.register_structure_hook(datetime, lambda v, _: parse_datetime(v))
        self.register_structure_hook(date, lambda v, _: date.fromisoformat(v[:10]))
        self.register_unstructure_hook(
            datetime, lambda v: format_request_datetime(v, self.request_dates)
        )
        self.register_unstructure_hook(date, lambda v: v.isoformat())
        # Plain values pass through: the wire already has the right Python type, and
        # a call per field would cost more than the whole parse (perf/anchors.md).
        for passthrough in (str, int, float, bool):
            self.register_structure_hook(passthrough, lambda v, _: v)
        self.register_structure_hook_factory(_has_extra, self._make_extra_hook)

    def _make_extra_hook(self, cls: type) -> Callable[[Any, Any], Any]:
        declared: Callable[[Any, Any], Any] = make_dict_structure_fn(
            cls, self, _cattrs_forbid_extra_keys=False
        )
        known = frozenset(a.name for a in attrs.fields(cls))

        def structure(value: Any, _: Any) -> Any:
            if not isinstance(value, dict):
                raise TypeError(f"expected a JSON object for {cls.__name__}, got {value!r:.80}")
            obj = declared(value, cls)
            extra = {k: v for k, v in value.items() if k not in known}
            if extra:
                object.__setattr__(obj, EXTRA, extra)
            return obj

        return structure


#: The converter of clients that use the default request date format.
default_converter: Final = Converter()
