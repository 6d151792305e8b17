"""Webhook dates: ISO 8601, or ``d/m/Y h:i A T`` in the organization's time zone.

An organization chooses, in its settings, how dates are written in webhook payloads:
ISO 8601 in UTC (the default, ``2025-10-02T14:30:00Z``) or PHP's ``d/m/Y h:i A T``
(``02/10/2025 02:30 PM CDT``): a wall-clock time in the organization's time zone,
to the minute, followed by the zone's abbreviation.

An abbreviation alone does not always say which offset it means: ``CST`` is US Central
time (-06:00), Cuba (-05:00) and China (+08:00); ``IST`` is India, Israel and Ireland;
``PST`` is the US Pacific coast and the Philippines. A wrong guess shifts the time by
hours without any sign, so nothing is guessed:

1. A numeric offset (``+04``, ``-0330``; PHP writes these for zones without a name) and
   ``UTC``/``GMT`` say exactly what they mean and are always read.
2. Given the organization's IANA time zone (``timezone="America/Chicago"``, as shown in
   its settings), the abbreviation must be the one that zone uses at that wall-clock time.
   This also settles the hour that happens twice when clocks go back (``01:30 AM CDT``
   and ``01:30 AM CST`` are an hour apart). A different abbreviation is refused: it
   means the time zone given is not the organization's.
3. Without a time zone, only abbreviations that mean one offset in every zone of the tz
   database that uses them are read (:data:`UNAMBIGUOUS`); the others are refused with
   the meanings they could have.

Refusals raise :class:`~tallyfy_async.webhooks.WebhookDateError`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tallyfy_async._serde import parse_datetime
from tallyfy_async.webhooks._errors import WebhookDateError

#: Abbreviations meaning a single UTC offset (minutes) in every zone of the tz database
#: that used them in 2020-2030, as PHP's ``T`` and Python's ``tzname()`` write them.
#: A test checks this table against the installed tz database.
UNAMBIGUOUS: Final[dict[str, int]] = {
    "ACDT": 630,
    "ACST": 570,
    "ADT": -180,
    "AEDT": 660,
    "AEST": 600,
    "AKDT": -480,
    "AKST": -540,
    "AST": -240,
    "AWST": 480,
    "BST": 60,
    "CAT": 120,
    "CEST": 120,
    "CET": 60,
    "ChST": 600,
    "EAT": 180,
    "EDT": -240,
    "EEST": 180,
    "EET": 120,
    "EST": -300,
    "GMT": 0,
    "HDT": -540,
    "HKT": 480,
    "HST": -600,
    "IDT": 180,
    "JST": 540,
    "KST": 540,
    "MDT": -360,
    "MEST": 120,
    "MET": 60,
    "MSK": 180,
    "MST": -420,
    "NDT": -150,
    "NST": -210,
    "NZDT": 780,
    "NZST": 720,
    "PDT": -420,
    "PKT": 300,
    "SAST": 120,
    "SST": -660,
    "UTC": 0,
    "WAT": 60,
    "WEST": 60,
    "WET": 0,
    "WIB": 420,
    "WIT": 540,
    "WITA": 480,
}

#: Abbreviations the tz database gives several offsets, and what each may mean.
AMBIGUOUS: Final[dict[str, str]] = {
    "CST": "US Central (-06:00), Cuba (-05:00) or China (+08:00)",
    "CDT": "US Central (-05:00) or Cuba (-04:00)",
    "IST": "India (+05:30), Israel (+02:00) or Ireland (+01:00)",
    "PST": "US Pacific (-08:00) or the Philippines (+08:00)",
}

#: Names that are the same offset whatever the organization's zone.
_ZERO: Final = frozenset({"UTC", "GMT", "Z", "UT"})

_HUMAN: Final = re.compile(
    r"(\d{1,2})/(\d{1,2})/(\d{4}) (\d{1,2}):(\d{2})(?::(\d{2}))? ?([AaPp][Mm]) "
    r"([A-Za-z]{1,6}|[+-]\d{2}(?::?\d{2})?)"
)

_HINT: Final = (
    "pass the organization's time zone as timezone= (its IANA name, e.g. "
    "'America/Chicago', as in Tallyfy's organization settings)"
)


def time_zone(value: str | tzinfo) -> tzinfo:
    """A time zone from an IANA name (or a ``tzinfo``, returned as is).

    Raises:
        ValueError: for a name the tz database does not know.
        TypeError: for anything but a string or a ``tzinfo``.
    """
    if isinstance(value, tzinfo):
        return value
    if not isinstance(value, str):
        raise TypeError(f"a time zone is an IANA name or a tzinfo, got {type(value).__name__}")
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {value!r}: give an IANA name such as 'America/Chicago' "
            "(install the tzdata package where the system has no tz database)"
        ) from None


def read_webhook_date(text: str, zone: tzinfo | None) -> datetime:
    """Read a webhook date into an aware UTC datetime (see the module's docstring).

    Args:
        text: the date as the payload has it.
        zone: the organization's time zone, when known.

    Raises:
        WebhookDateError: when the text is no date of either format, or its abbreviation
            cannot be resolved without guessing.
    """
    if not isinstance(text, str):
        raise WebhookDateError(f"{text!r:.60}", "a date must be a string")
    if len(text) >= 10 and text[4:5] == "-":
        try:
            return parse_datetime(text)
        except ValueError as exc:
            # Not str(exc): it repeats the text, which may be megabytes long.
            far = "out of range" in str(exc)
            reason = "out of range once converted to UTC" if far else "not an ISO 8601 date"
            raise WebhookDateError(text, reason) from None
    match = _HUMAN.fullmatch(text.strip())
    if match is None:
        raise WebhookDateError(
            text, "not a date in either webhook format (ISO 8601, or d/m/Y h:i A T)"
        )
    day, month, year, hour, minute, second, half, abbreviation = match.groups()
    if not 1 <= int(hour) <= 12:
        raise WebhookDateError(text, f"hour {hour} is not an hour of a 12-hour clock")
    hours = int(hour) % 12 + (12 if half.upper() == "PM" else 0)
    try:
        local = datetime(int(year), int(month), int(day), hours, int(minute), int(second or 0))
    except ValueError as exc:
        raise WebhookDateError(text, f"no such day or time ({exc})") from None
    offset = _fixed_offset(abbreviation)
    if offset is not None:
        return _to_utc(text, local, offset)
    if zone is not None:
        return _in_zone(text, local, abbreviation, zone)
    minutes = UNAMBIGUOUS.get(abbreviation, UNAMBIGUOUS.get(abbreviation.upper()))
    if minutes is not None:
        return _to_utc(text, local, timedelta(minutes=minutes))
    if abbreviation.upper() in AMBIGUOUS:
        raise WebhookDateError(
            text,
            f"{abbreviation} is ambiguous: it may be {AMBIGUOUS[abbreviation.upper()]}; {_HINT}",
        )
    raise WebhookDateError(text, f"unknown time zone abbreviation {abbreviation!r}; {_HINT}")


def _fixed_offset(abbreviation: str) -> timedelta | None:
    """The offset of a numeric abbreviation or of UTC/GMT; None for a zone's name."""
    if abbreviation.upper() in _ZERO:
        return timedelta(0)
    if abbreviation[0] not in "+-":
        return None
    digits = abbreviation[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + int(digits[2:] or 0)
    return timedelta(minutes=-minutes if abbreviation[0] == "-" else minutes)


def _to_utc(text: str, local: datetime, offset: timedelta) -> datetime:
    try:
        return (local - offset).replace(tzinfo=UTC)
    except OverflowError:
        raise WebhookDateError(text, "out of range once converted to UTC") from None


def _in_zone(text: str, local: datetime, abbreviation: str, zone: tzinfo) -> datetime:
    """``local`` in ``zone``, provided the zone calls that moment ``abbreviation``."""
    name = getattr(zone, "key", None) or str(zone)
    found: set[datetime] = set()
    used: set[str] = set()
    for fold in (0, 1):
        aware = local.replace(tzinfo=zone, fold=fold)
        used.add(aware.tzname() or "?")
        if aware.tzname() != abbreviation:
            continue
        try:
            utc = aware.astimezone(UTC)
        except OverflowError:  # 31/12/9999 11:59 PM west of UTC: past datetime's range
            raise WebhookDateError(text, "out of range once converted to UTC") from None
        if utc.astimezone(zone).replace(tzinfo=None) == local:  # not a skipped wall time
            found.add(utc)
    if len(found) == 1:
        return found.pop()
    shown = f"{local:%d/%m/%Y %I:%M %p}"
    if found:
        raise WebhookDateError(text, f"{shown} happens twice in {name}, both as {abbreviation}")
    if abbreviation in used:
        raise WebhookDateError(
            text, f"{shown} does not exist in {name} (skipped when the clocks changed)"
        )
    raise WebhookDateError(
        text,
        f"{abbreviation} is not what {name} calls {shown} (it says "
        f"{' or '.join(sorted(used))}); the time zone given is not the organization's",
    )
