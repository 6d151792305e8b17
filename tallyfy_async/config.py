"""The client's knobs: small frozen attrs classes whose defaults live in ``_constants``."""

from __future__ import annotations

import attrs

from tallyfy_async import _constants as C


def _positive(instance: object, attribute: attrs.Attribute[float], value: float | None) -> None:
    name = f"{type(instance).__name__}.{attribute.name}"
    if value is None:
        # Every limit is enforced: None would only fail later, on every request.
        raise ValueError(
            f"{name} must be a number of seconds > 0, got None; there is no 'no limit': "
            "pass a large number of seconds instead"
        )
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")


@attrs.frozen
class Timeouts:
    """How long to wait, in seconds: each a number > 0 (there is no "no limit": None is
    refused).

    Attributes:
        connect: to open a connection.
        read: between two reads of a response.
        total: for one attempt, from sending to the last byte.
        deadline: for one call across every attempt, backoff and token refresh included.
    """

    connect: float = attrs.field(default=C.DEFAULT_CONNECT_TIMEOUT, validator=_positive)
    read: float = attrs.field(default=C.DEFAULT_READ_TIMEOUT, validator=_positive)
    total: float = attrs.field(default=C.DEFAULT_TOTAL_TIMEOUT, validator=_positive)
    deadline: float = attrs.field(default=C.DEFAULT_DEADLINE, validator=_positive)


@attrs.frozen
class RetryPolicy:
    """When and how long to retry (which failures are retried: ``tallyfy_async._retry``).

    Attributes:
        max_attempts: attempts per call, the first included (1 disables retries).
        initial_delay: backoff base; attempt n waits up to ``initial_delay * 2**(n-1)``.
        max_delay: cap on one backoff wait.
        max_retry_after: longest ``Retry-After`` honoured (on a 429 or a 503); past it a
            429 raises ``RateLimitError`` and a 503 its ``ServerError``, at once.
        budget_ratio: retries earned per first attempt (a retry budget, so a dead
            server does not multiply the load).
        budget_per_second: retries always allowed per second, whatever the traffic.
    """

    max_attempts: int = attrs.field(default=C.DEFAULT_MAX_ATTEMPTS)
    initial_delay: float = attrs.field(default=C.INITIAL_RETRY_DELAY, validator=_positive)
    max_delay: float = attrs.field(default=C.MAX_RETRY_DELAY, validator=_positive)
    max_retry_after: float = attrs.field(default=C.MAX_RETRY_AFTER, validator=_positive)
    budget_ratio: float = C.RETRY_BUDGET_RATIO
    budget_per_second: float = C.RETRY_BUDGET_PER_SECOND

    @max_attempts.validator
    def _check_attempts(self, attribute: attrs.Attribute[int], value: int) -> None:
        if value < 1:
            raise ValueError(f"RetryPolicy.max_attempts must be >= 1, got {value!r}")


@attrs.frozen
class ConnectionLimits:
    """The connection pool.

    Attributes:
        max_connections: sockets open at once (0 = as many as requests in flight;
            ``max_concurrency`` is the limit that queues, first in first out).
        dns_cache_ttl: seconds a DNS answer is reused.
        keepalive_timeout: seconds an idle socket is kept; below the usual 60 s
            server idle timeout so a socket is never reused as the server closes it.
    """

    max_connections: int = C.DEFAULT_CONNECTION_LIMIT
    dns_cache_ttl: int = C.DEFAULT_DNS_CACHE_TTL
    keepalive_timeout: float = C.DEFAULT_KEEPALIVE_TIMEOUT


__all__ = ["ConnectionLimits", "RetryPolicy", "Timeouts"]
