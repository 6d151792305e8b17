"""Dates as the API writes and reads them.

Responses carry ``YYYY-MM-DDTHH:MM:SS.000Z``: UTC, always three zero milliseconds. Strings of that
shape sort in time order, so the fake compares them as strings and never parses its own output.
Requests may send ``YYYY-MM-DD HH:MM:SS``, a bare date or ISO 8601 with ``Z``, an offset or
fractions; anything else (month 15 included) is refused by the caller with a 422.

A tenant can be told to read request dates day first (``YYYY-DD-MM HH:MM:SS``, the order an
older table of Tallyfy's integration guide gave): ``fake.request_dates = YEAR_DAY_MONTH``.
ISO 8601 dates with a ``T`` are read as ISO either way.
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta

_FORMAT = "%Y-%m-%dT%H:%M:%S.000Z"

_now_second = -1
_now_text = ""
_soon_text = ""

#: How far ahead a deadline counts as "due soon" (GUESS: no source gives the window).
DUE_SOON = timedelta(hours=24)


def fmt(moment: datetime) -> str:
    """Write an aware datetime the way the API does."""
    # isoformat is faster than strftime, which matters when seeding 100,000 tasks.
    return moment.astimezone(UTC).isoformat(timespec="seconds")[:19] + ".000Z"


def now_iso() -> str:
    """The current time in the response format, formatted at most once a second."""
    if int(time.time()) != _now_second:
        _tick()
    return _now_text


def soon_iso() -> str:
    """``now_iso()`` plus :data:`DUE_SOON`: deadlines up to here are "due soon"."""
    if int(time.time()) != _now_second:
        _tick()
    return _soon_text


def _tick() -> None:
    global _now_second, _now_text, _soon_text
    second = int(time.time())
    moment = datetime.fromtimestamp(second, UTC)
    _now_text = moment.strftime(_FORMAT)
    _soon_text = (moment + DUE_SOON).strftime(_FORMAT)
    _now_second = second


def now() -> datetime:
    """The current time, aware, in UTC, without microseconds (the API keeps none)."""
    return datetime.now(UTC).replace(microsecond=0)


#: The orders a tenant may read request dates in.
YEAR_MONTH_DAY = "YYYY-MM-DD"
YEAR_DAY_MONTH = "YYYY-DD-MM"
REQUEST_DATE_ORDERS = (YEAR_MONTH_DAY, YEAR_DAY_MONTH)

#: The order of the tenant serving the current request (set for each request).
request_date_order: ContextVar[str] = ContextVar("request_date_order", default=YEAR_MONTH_DAY)


def parse_request_date(value: object, order: str | None = None) -> datetime | None:
    """Read a request date; ``None`` when it is not a date the API would accept.

    Naive values are taken as UTC (the API's request format carries no zone). ``order``
    (the current request's tenant's by default) says whether ``YYYY-xx-xx`` dates without a
    ``T`` are month first or day first.
    """
    if not isinstance(value, str) or not 10 <= len(value) <= 40 or value[4:5] != "-":
        return None
    if (order or request_date_order.get()) == YEAR_DAY_MONTH and "T" not in value:
        value = f"{value[:5]}{value[8:10]}-{value[5:7]}{value[10:]}"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC, microsecond=0)
    try:
        return moment.astimezone(UTC).replace(microsecond=0)
    except OverflowError:  # its offset moves it past the calendar's edge (0001 or 9999)
        return None


#: Minutes in each step-interval unit, by the unit's prefix ("day" when none matches).
_UNIT_MINUTES = (("minute", 1), ("hour", 60), ("week", 7 * 1440), ("month", 30 * 1440))

#: The longest step interval accepted: 5,000 years from any time the fake runs at still
#: lands inside the calendar (which ends in 9999), so a launch can always compute it.
LONGEST_INTERVAL_MINUTES = 5000 * 365 * 1440


def unit_minutes(unit: str) -> int:
    """Minutes in one ``unit`` of a step interval (minutes to months; a month is 30 days)."""
    for prefix, minutes in _UNIT_MINUTES:
        if unit.startswith(prefix):
            return minutes
    return 1440


def later(start: datetime, value: int, unit: str) -> datetime:
    """``start`` moved forward by a step-deadline interval (``unit``: minutes to months)."""
    return start + timedelta(minutes=value * unit_minutes(unit))
