"""Webhook dates: ISO, or ``d/m/Y h:i A T`` resolved without guessing."""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tallyfy_async.webhooks import AMBIGUOUS, UNAMBIGUOUS, WebhookDateError
from tallyfy_async.webhooks._dates import read_webhook_date, time_zone

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")


def human(moment: datetime, zone: zoneinfo.ZoneInfo) -> str:
    """``moment`` written as PHP's ``d/m/Y h:i A T`` writes it in ``zone``."""
    local = moment.astimezone(zone)
    return f"{local:%d/%m/%Y %I:%M %p} {local.tzname()}"


@pytest.mark.parametrize(
    "text",
    [
        "2025-10-02T14:30:00Z",
        "2025-10-02T14:30:00.000Z",
        "2025-10-02T09:30:00-05:00",
        "2025-10-02 14:30:00",
        "02/10/2025 02:30 PM UTC",
        "02/10/2025 02:30 PM GMT",
        "02/10/2025 06:30 PM +04",
        "02/10/2025 08:00 PM +0530",
        "02/10/2025 08:00 PM +05:30",
    ],
)
def test_self_describing_dates_are_read_with_or_without_a_zone(text: str) -> None:
    expected = datetime(2025, 10, 2, 14, 30, tzinfo=UTC)
    assert read_webhook_date(text, None) == expected
    assert read_webhook_date(text, CHICAGO) == expected


def test_a_date_past_the_calendar_once_in_utc_is_refused_not_raised() -> None:
    # 31/12/9999 11:59 PM in Chicago is in the year 10000 in UTC, past datetime's range.
    with pytest.raises(WebhookDateError, match="out of range once converted to UTC"):
        read_webhook_date("31/12/9999 11:59 PM CST", CHICAGO)


def test_the_organization_zone_resolves_its_own_abbreviation() -> None:
    assert read_webhook_date("02/10/2025 09:30 AM CDT", CHICAGO) == datetime(
        2025, 10, 2, 14, 30, tzinfo=UTC
    )
    assert read_webhook_date("15/01/2025 12:05 AM CST", CHICAGO) == datetime(
        2025, 1, 15, 6, 5, tzinfo=UTC
    )


def test_the_abbreviation_tells_the_repeated_hour_apart() -> None:
    # Clocks went back at 2 AM CDT on 3 November 2024: 1:30 AM happened twice.
    first = read_webhook_date("03/11/2024 01:30 AM CDT", CHICAGO)
    second = read_webhook_date("03/11/2024 01:30 AM CST", CHICAGO)
    assert second - first == timedelta(hours=1)
    assert first == datetime(2024, 11, 3, 6, 30, tzinfo=UTC)


def test_an_abbreviation_the_zone_does_not_use_then_is_refused() -> None:
    with pytest.raises(WebhookDateError, match="not what America/Chicago calls") as refused:
        read_webhook_date("02/10/2025 09:30 AM EST", CHICAGO)
    assert "CDT" in str(refused.value)  # what the zone does say
    with pytest.raises(WebhookDateError):  # CST in October: the zone says CDT
        read_webhook_date("02/10/2025 09:30 AM CST", CHICAGO)


def test_a_wall_time_skipped_by_the_clocks_is_refused() -> None:
    # Clocks went forward at 2 AM CST on 10 March 2024: 2:30 AM never happened.
    with pytest.raises(WebhookDateError, match="does not exist"):
        read_webhook_date("10/03/2024 02:30 AM CST", CHICAGO)


@pytest.mark.parametrize("abbreviation", sorted(AMBIGUOUS))
def test_an_ambiguous_abbreviation_without_a_zone_is_refused_with_its_meanings(
    abbreviation: str,
) -> None:
    with pytest.raises(WebhookDateError, match="ambiguous") as refused:
        read_webhook_date(f"02/10/2025 09:30 AM {abbreviation}", None)
    message = str(refused.value)
    assert AMBIGUOUS[abbreviation] in message
    assert "timezone=" in message


def test_an_unambiguous_abbreviation_is_read_without_a_zone() -> None:
    assert read_webhook_date("02/10/2025 10:30 AM EDT", None) == datetime(
        2025, 10, 2, 14, 30, tzinfo=UTC
    )
    assert read_webhook_date("03/10/2025 01:30 AM AEST", None) == datetime(
        2025, 10, 2, 15, 30, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "text",
    [
        "yesterday",
        "02/10/2025 13:30 PM UTC",
        "31/02/2025 09:30 AM UTC",
        "02/10/2025 09:30 UTC",
        "02/10/2025 09:30 AM XYZT",
        "2025-13-01T00:00:00Z",
    ],
)
def test_text_that_is_no_date_of_either_format_is_refused(text: str) -> None:
    with pytest.raises(WebhookDateError):
        read_webhook_date(text, None)


def test_time_zones_are_iana_names_or_tzinfo() -> None:
    assert time_zone("America/Chicago") == CHICAGO
    assert time_zone(UTC) is UTC
    with pytest.raises(ValueError, match="unknown time zone"):
        time_zone("America/Chicagoo")
    with pytest.raises(TypeError):
        time_zone(5)  # type: ignore[arg-type]


ZONES = [
    "America/Chicago",
    "America/New_York",
    "America/St_Johns",
    "America/Havana",
    "Europe/Dublin",
    "Europe/London",
    "Asia/Kolkata",
    "Asia/Shanghai",
    "Asia/Manila",
    "Asia/Dubai",
    "Australia/Lord_Howe",
    "Australia/Adelaide",
    "Pacific/Chatham",
    "UTC",
]


@settings(max_examples=400, deadline=None)
@given(
    moment=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
    ),
    zone_name=st.sampled_from(ZONES),
)
def test_every_moment_written_in_the_organization_zone_reads_back_to_the_minute(
    moment: datetime, zone_name: str
) -> None:
    zone = zoneinfo.ZoneInfo(zone_name)
    text = human(moment, zone)
    assert read_webhook_date(text, zone) == moment.replace(second=0, microsecond=0)
    try:
        without_zone = read_webhook_date(text, None)
    except WebhookDateError as refused:
        assert "ambiguous" in str(refused) or "unknown" in str(refused)
    else:  # read without the zone only when the abbreviation allows one meaning
        assert without_zone == moment.replace(second=0, microsecond=0)


def test_the_abbreviation_tables_agree_with_the_tz_database() -> None:
    """Each abbreviation of UNAMBIGUOUS means exactly its offset in every zone using it in
    2020-2030; each of AMBIGUOUS means several."""
    offsets: dict[str, set[timedelta]] = defaultdict(set)
    for name in zoneinfo.available_timezones():
        zone = zoneinfo.ZoneInfo(name)
        moment = datetime(2020, 1, 1, tzinfo=UTC)
        while moment.year < 2031:
            local = moment.astimezone(zone)
            offsets[local.tzname() or ""].add(local.utcoffset() or timedelta(0))
            moment += timedelta(days=14)
    assert len(offsets) > 40, "no tz database installed (pip install tzdata)"
    wrong = {
        abbreviation: sorted(offsets.get(abbreviation, ()))
        for abbreviation, minutes in UNAMBIGUOUS.items()
        if offsets.get(abbreviation) != {timedelta(minutes=minutes)}
    }
    assert wrong == {}
    assert all(len(offsets[abbreviation]) > 1 for abbreviation in AMBIGUOUS)
    named = {a for a in offsets if a[:1].isalpha()}
    assert named - set(UNAMBIGUOUS) - set(AMBIGUOUS) == set()  # every name is in a table


def test_a_fixed_offset_tzinfo_is_a_zone_too() -> None:
    plus_four = timezone(timedelta(hours=4), "+04")
    assert read_webhook_date("02/10/2025 06:30 PM +04", plus_four) == datetime(
        2025, 10, 2, 14, 30, tzinfo=UTC
    )
