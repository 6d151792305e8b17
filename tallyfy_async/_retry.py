"""Retry decisions as small functions a test can call without a network.

The rules:

- 429 is retried on every method: a declined request was not applied.
- 500/502/503/504, timeouts and dropped connections are retried on idempotent
  methods only; a POST that may have reached the server is never sent twice.
- A connection that never opened is retried on any method: nothing was sent.
- Backoff is exponential with full jitter and a cap; ``Retry-After`` wins.
"""

from __future__ import annotations

import asyncio
import datetime
import email.utils
import enum
import math
import random
import time
from collections.abc import Mapping

import attrs

from tallyfy_async import _constants as C
from tallyfy_async.config import RetryPolicy

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})


class Failure(enum.Enum):
    """What went wrong with one attempt, as far as retrying is concerned."""

    NOT_SENT = "the connection never opened"
    DROPPED = "the connection dropped or timed out after the request was sent"
    RATE_LIMITED = "429 Too Many Requests"
    SERVER_ERROR = "5xx"


def until(deadline: float) -> asyncio.Timeout:
    """``asyncio.timeout_at`` for a call's deadline in loop time, ``inf`` meaning none (a
    file transfer has no deadline, and some loops cannot schedule an infinite time)."""
    return asyncio.timeout_at(deadline if math.isfinite(deadline) else None)


def is_idempotent(method: str) -> bool:
    """Whether sending ``method`` twice has the effect of sending it once."""
    return method.upper() in IDEMPOTENT_METHODS


def may_retry(method: str, failure: Failure) -> bool:
    """Whether a request that failed this way may be sent again."""
    if failure in (Failure.NOT_SENT, Failure.RATE_LIMITED):
        return True
    return is_idempotent(method)


def backoff_delay(policy: RetryPolicy, retry: int, rng: random.Random | None = None) -> float:
    """Full-jitter exponential backoff before retry number ``retry`` (1-based)."""
    ceiling = min(policy.max_delay, policy.initial_delay * 2 ** (retry - 1))
    return (rng or random).uniform(0.0, ceiling)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date).

    Returns None when the header is absent or unreadable (not a finite number, not a
    date); a negative value or a date in the past means 0.
    """
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        # nan and inf ("inf", "1e400") are no wait anyone meant: unreadable.
        return max(0.0, seconds) if math.isfinite(seconds) else None
    when = _http_date(value)
    if when is None:
        return None
    return max(0.0, when - (time.time() if now is None else now))


def retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds to wait from a response's ``Retry-After`` (None: it has none, or not one
    that reads).

    An HTTP-date is counted from the response's own ``Date`` (the server's clock, as RFC
    9110 says), not from this machine's: a clock minutes off would otherwise stretch the
    wait or retry at once into the same refusal. Without a readable ``Date``, from ours.
    """
    value = headers.get("Retry-After") if headers else None
    if value is None:
        return None
    date = headers.get("Date") if headers else None
    return parse_retry_after(value, now=None if date is None else _http_date(date))


def _http_date(text: str) -> float | None:
    """An HTTP-date as a timestamp; None when it does not read as one."""
    try:
        when = email.utils.parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # asctime form, no zone: an HTTP-date is GMT by definition
        when = when.replace(tzinfo=datetime.UTC)
    return when.timestamp()


@attrs.define
class RetryBudget:
    """A token bucket of retries shared by one client.

    Every first attempt deposits ``ratio`` tokens and time deposits
    ``per_second``; a retry takes one. When the server is down, callers stop
    retrying once the bucket is empty instead of multiplying the load.
    """

    ratio: float = C.RETRY_BUDGET_RATIO
    per_second: float = C.RETRY_BUDGET_PER_SECOND
    burst: float = C.RETRY_BUDGET_BURST
    _tokens: float = attrs.field(init=False)
    _stamp: float = attrs.field(init=False, factory=time.monotonic)

    def __attrs_post_init__(self) -> None:
        self._tokens = self.burst

    def _refill(self) -> None:
        now = time.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.per_second)
        self._stamp = now

    def on_first_attempt(self) -> None:
        """Record a first attempt (it earns ``ratio`` retries)."""
        self._tokens = min(self.burst, self._tokens + self.ratio)

    def try_spend(self) -> bool:
        """Take one retry from the budget; False when it is exhausted."""
        self._refill()
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False
