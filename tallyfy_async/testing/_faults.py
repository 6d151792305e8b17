"""Faults a test injects on purpose, and the per-token rate limit."""

from __future__ import annotations

import math
import random
import re
import time
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, Literal

import attrs

from tallyfy_async.testing._http import HTML, JSON, NOT_FOUND_HTML, Reply
from tallyfy_async.testing._json import dumps

Drop = Literal["before", "after"]

TOO_MANY_ATTEMPTS = {"message": "Too Many Attempts.", "code": "RATE_LIMIT_EXCEEDED"}


@attrs.frozen
class RateLimit:
    """At most ``requests`` per ``per_seconds`` for each access token (fixed window).

    A refused request answers 429 with ``Retry-After`` (``retry_after`` when given, otherwise
    the seconds left in the window), ``X-RateLimit-Limit`` and ``X-RateLimit-Remaining: 0``.
    ``Retry-After`` is in whole seconds, rounded up, as Laravel sends it; ``whole_seconds=False``
    sends the exact fraction instead, for tests that scale the window down below a second.
    """

    requests: int = attrs.field(validator=attrs.validators.ge(1))
    per_seconds: float = attrs.field(default=60.0, validator=attrs.validators.gt(0))
    retry_after: float | None = None
    whole_seconds: bool = True


class RateLimiter:
    """Counts requests per key (the Authorization header, or the peer address)."""

    def __init__(self, limit: RateLimit | None) -> None:
        self.limit = limit
        self._windows: dict[str, list[float]] = {}

    def take(self, key: str) -> tuple[int, float | None]:
        """Count one request: returns (remaining, seconds to wait if refused, else None)."""
        limit = self.limit
        assert limit is not None
        now = time.monotonic()
        window = self._windows.get(key)
        if window is None or now - window[0] >= limit.per_seconds:
            window = self._windows[key] = [now, 0.0]
        if window[1] >= limit.requests:
            wait = limit.retry_after
            if wait is None:
                wait = max(limit.per_seconds - (now - window[0]), 0.0)
            return 0, wait
        window[1] += 1
        return limit.requests - int(window[1]), None

    def refusal(self, wait: float) -> Reply:
        """The 429 Laravel's throttle middleware sends."""
        assert self.limit is not None
        return Reply(
            429,
            dumps(TOO_MANY_ATTEMPTS),
            JSON,
            {
                "Retry-After": _seconds(wait, whole=self.limit.whole_seconds),
                "X-RateLimit-Limit": str(self.limit.requests),
                "X-RateLimit-Remaining": "0",
            },
        )


def _seconds(wait: float, *, whole: bool) -> str:
    """``Retry-After`` for a wait, rounded up: never earlier than the window's end."""
    if whole:
        return str(math.ceil(wait))
    return f"{math.ceil(wait * 1000) / 1000:.3f}"


@attrs.define(kw_only=True, eq=False)
class Fault:
    """An injected fault; returned by ``FakeTallyfy.inject`` and removable with ``remove()``.

    Matching: ``route`` is a regular expression searched in the request path without its
    ``/api`` prefix; ``method`` an HTTP method (any when ``None``); ``query`` parameters the
    request must carry with these values; ``times`` limits the fault to the first N matching
    requests; ``probability`` fires it on that share of matching requests (drawn from the
    fake's seeded generator).

    Actions: ``status`` answers with that status (``body`` JSON value, or ``str``/``bytes`` sent
    raw; ``headers``; ``retry_after`` seconds or an HTTP-date for ``Retry-After``); ``html``
    answers with an HTML error page (production's own page for a 404, a proxy's otherwise);
    ``delay`` waits before answering; ``drop="before"`` closes the connection without touching
    the state; ``drop="after"`` applies the request, then closes without answering;
    ``truncate`` sends a ``Content-Length`` larger than the body it writes.
    """

    route: str | None = None
    method: str | None = None
    query: dict[str, str] | None = None
    times: int | None = None
    probability: float | None = None
    status: int | None = None
    body: Any = None
    headers: dict[str, str] | None = None
    retry_after: float | str | None = None
    delay: float | None = None
    drop: Drop | None = None
    truncate: bool = False
    html: bool = False
    #: Requests the fault acted on so far.
    hits: int = 0
    active: bool = True
    _pattern: re.Pattern[str] | None = attrs.field(default=None, init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if self.drop not in (None, "before", "after"):
            raise ValueError(f"drop must be 'before' or 'after', got {self.drop!r}")
        if self.drop is not None and (self.status is not None or self.html or self.truncate):
            raise ValueError("a dropped connection sends no status, page or body")
        if self.probability is not None and not 0 <= self.probability <= 1:
            raise ValueError("probability must be between 0 and 1")
        if self.times is not None and self.times < 1:
            raise ValueError("times must be at least 1")
        if self.html and self.status is None:
            self.status = 502
        self._pattern = re.compile(self.route) if self.route is not None else None
        if self.method is not None:
            self.method = self.method.upper()

    def remove(self) -> None:
        """Stop the fault from acting on further requests."""
        self.active = False

    def matches(self, path: str, method: str, query: Mapping[str, str]) -> bool:
        """Whether the request is one this fault is about (before ``times``/``probability``)."""
        if not self.active:
            return False
        if self.method is not None and self.method != method:
            return False
        if self.query and any(query.get(key) != value for key, value in self.query.items()):
            return False
        return self._pattern is None or self._pattern.search(path) is not None

    def _reply(self) -> Reply | None:
        """The answer the fault makes instead of the route's, if it makes one."""
        if self.status is None:
            return None
        headers = dict(self.headers or {})
        if self.retry_after is not None:
            retry_after = self.retry_after
            if not isinstance(retry_after, str):
                retry_after = str(math.ceil(retry_after))
            headers["Retry-After"] = retry_after
        if self.status in (204, 304):
            return Reply(self.status, b"", None, headers)
        if self.html and self.status == 404:
            return Reply(404, NOT_FOUND_HTML, HTML, headers)
        if self.html:
            phrase = _phrase(self.status)
            page = (
                f"<html>\r\n<head><title>{self.status} {phrase}</title></head>\r\n<body>\r\n"
                f"<center><h1>{self.status} {phrase}</h1></center>\r\n"
                "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
            )
            return Reply(self.status, page.encode(), HTML, headers)
        body = self.body
        if body is None:
            body = _default_body(self.status)
        if isinstance(body, str):
            body = body.encode()
        if isinstance(body, bytes):
            content_type = None if "Content-Type" in headers else "text/plain; charset=utf-8"
            return Reply(self.status, body, content_type, headers)
        return Reply(self.status, dumps(body), JSON, headers)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _default_body(status: int) -> dict[str, Any]:
    if status == 429:
        return dict(TOO_MANY_ATTEMPTS)
    if status == 503:
        return {"message": "Service Unavailable"}
    if status >= 500:
        return {"message": "Server Error"}
    return {"message": _phrase(status)}


class Faults:
    """The injected faults, in the order they were added (the first that fires wins)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.items: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        """Register a fault."""
        self.items.append(fault)
        return fault

    def clear(self) -> None:
        """Remove every fault."""
        for fault in self.items:
            fault.remove()
        self.items.clear()

    def pick(self, path: str, method: str, query: Mapping[str, str]) -> Fault | None:
        """The fault that acts on this request, counting it as a hit."""
        for fault in self.items:
            if not fault.matches(path, method, query):
                continue
            if fault.probability is not None and self.rng.random() >= fault.probability:
                continue
            fault.hits += 1
            if fault.times is not None and fault.hits >= fault.times:
                fault.active = False
            return fault
        return None
