"""The retry decisions, called directly (no network)."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tallyfy_async import RetryPolicy, Timeouts
from tallyfy_async._retry import (
    Failure,
    RetryBudget,
    backoff_delay,
    is_idempotent,
    may_retry,
    parse_retry_after,
    retry_after,
)


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "HEAD", "OPTIONS", "get"])
def test_idempotent_methods_retry_everything(method: str) -> None:
    assert is_idempotent(method)
    for failure in Failure:
        assert may_retry(method, failure)


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_writes_retry_only_what_was_not_applied(method: str) -> None:
    assert not is_idempotent(method)
    assert may_retry(method, Failure.RATE_LIMITED)  # declined, so not applied
    assert may_retry(method, Failure.NOT_SENT)  # the connection never opened
    assert not may_retry(method, Failure.DROPPED)  # may have been applied
    assert not may_retry(method, Failure.SERVER_ERROR)


@given(retry=st.integers(min_value=1, max_value=40), seed=st.integers())
def test_backoff_is_full_jitter_under_the_cap(retry: int, seed: int) -> None:
    policy = RetryPolicy(initial_delay=0.5, max_delay=8.0)
    delay = backoff_delay(policy, retry, random.Random(seed))
    assert 0.0 <= delay <= min(8.0, 0.5 * 2 ** (retry - 1))


def test_backoff_grows_then_stops_at_the_cap() -> None:
    policy = RetryPolicy(initial_delay=0.5, max_delay=8.0)
    ceilings = [
        max(backoff_delay(policy, n, random.Random(s)) for s in range(300)) for n in (1, 3, 9)
    ]
    assert ceilings[0] <= 0.5 < ceilings[1] <= 2.0 < ceilings[2] <= 8.0


def test_retry_after_in_seconds() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(" 2.5 ") == 2.5
    assert parse_retry_after("-30") == 0.0


def test_retry_after_as_http_date() -> None:
    now = time.time()
    later = format_datetime(datetime.fromtimestamp(now, UTC) + timedelta(seconds=90), usegmt=True)
    assert parse_retry_after(later, now=now) == pytest.approx(90, abs=1.5)
    earlier = format_datetime(datetime.fromtimestamp(now, UTC) - timedelta(hours=1), usegmt=True)
    assert parse_retry_after(earlier, now=now) == 0.0


def test_a_retry_after_date_counts_from_the_responses_date() -> None:
    server = datetime.now(UTC) - timedelta(hours=1)  # a server clock an hour behind ours
    at = format_datetime(server + timedelta(seconds=90), usegmt=True)
    assert retry_after({"Date": format_datetime(server, usegmt=True), "Retry-After": at}) == 90
    # No Date, or one that does not read: counted from this machine's clock.
    assert retry_after({"Retry-After": at}) == 0.0
    assert retry_after({"Date": "yesterday", "Retry-After": at}) == 0.0
    # Seconds need no clock; nothing to read is None.
    assert retry_after({"Date": "yesterday", "Retry-After": "7"}) == 7.0
    assert retry_after({"Date": format_datetime(server, usegmt=True)}) is None
    assert retry_after(None) is None


def test_retry_after_in_asctime_form_is_gmt() -> None:
    # RFC 9110's third HTTP-date form carries no zone: it is GMT like the others.
    now = time.time()
    later = time.strftime("%a %b %e %H:%M:%S %Y", time.gmtime(now + 90))
    assert parse_retry_after(later, now=now) == pytest.approx(90, abs=1.5)


@pytest.mark.parametrize(
    "value", [None, "", "soon", "Mon, 99 Foo 2020", "nan", "inf", "-inf", "1e400"]
)
def test_unreadable_retry_after_is_none(value: str | None) -> None:
    assert parse_retry_after(value) is None


def test_retry_budget_stops_a_storm_and_refills_with_traffic() -> None:
    budget = RetryBudget(ratio=0.5, per_second=0.0, burst=3)
    assert [budget.try_spend() for _ in range(4)] == [True, True, True, False]
    budget.on_first_attempt()
    budget.on_first_attempt()
    assert budget.try_spend() is True
    assert budget.try_spend() is False


def test_retry_policy_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError, match="max_delay"):
        RetryPolicy(max_delay=-1)


@pytest.mark.parametrize(
    ("knobs", "field"),
    [
        (Timeouts, "connect"),
        (Timeouts, "read"),
        (Timeouts, "total"),
        (Timeouts, "deadline"),
        (RetryPolicy, "max_retry_after"),
    ],
)
def test_none_for_a_limit_is_refused_when_made_not_on_every_request(
    knobs: type[Timeouts | RetryPolicy], field: str
) -> None:
    with pytest.raises(
        ValueError, match=rf"{knobs.__name__}\.{field} must be a number .* got None"
    ):
        knobs(**{field: None})
