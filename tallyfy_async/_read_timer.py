"""aiohttp's read timeout (``sock_read``) without a timer per chunk.

aiohttp's response protocol cancels its read timer and arms a new one on every chunk it
receives and at every request it sends: two ``call_later`` and two ``cancel`` per small GET,
each cancelled handle left in the loop's heap until the loop purges it. Measured live
(py-spy, ``benchmarks/NOTES.md``) that was about 30 µs of a small GET's 370 on the stock
loop, the largest cost the SDK added over raw aiohttp, and more objects for the garbage
collector at hundreds in flight. aiohttp knows it (aio-libs/aiohttp#8613, "timer handle
churn").

:class:`LazyReadTimer` keeps the same rule (an attempt fails when no byte arrived for
``sock_read`` seconds) with the timer re-armed lazily: progress only moves a deadline, the
one armed timer checks it when it fires and re-arms itself for what is left. A busy
keep-alive connection then arms about one timer per ``sock_read`` seconds instead of two per
request.

It replaces aiohttp's protocol class through the connector's factory, a private detail:
:func:`install` checks that the detail is as expected and otherwise leaves aiohttp's own
behaviour in place (``tests/test_read_timer.py`` fails if a new aiohttp changes it).
"""

from __future__ import annotations

import functools
import logging
from typing import Any

import aiohttp
from aiohttp.client_proto import ResponseHandler

log = logging.getLogger("tallyfy_async.http")

#: What this module overrides or calls of aiohttp's protocol: methods, then the instance
#: attributes its ``__init__`` sets.
_METHODS = ("_reschedule_timeout", "_drop_timeout", "_on_read_timeout", "start_timeout")
_ATTRIBUTES = ("_read_timeout", "_read_timeout_handle", "_loop")

#: Seconds a timer may run early on any loop (a millisecond: uvloop's clock).
_CLOCK_TICK = 0.001


class LazyReadTimer(ResponseHandler):
    """aiohttp's response protocol with a lazily re-armed read timer."""

    #: Loop time past which the lack of a byte is a read timeout; None: not timing.
    _read_deadline: float | None = None
    #: Loop time the armed timer (``_read_timeout_handle``) fires at. Kept here rather
    #: than asked of the handle: uvloop's handle for a delay under a millisecond has no
    #: ``when()``, and a method call per chunk costs more than the attribute.
    _armed_for: float = 0.0

    def _reschedule_timeout(self) -> None:
        # Called by aiohttp when a request is sent and when a chunk arrives.
        timeout = self._read_timeout
        if not timeout:
            self._read_deadline = None
            return
        deadline = self._loop.time() + timeout
        self._read_deadline = deadline
        handle = self._read_timeout_handle
        if handle is not None:
            if self._armed_for <= deadline:
                return  # armed in time: it re-arms itself for what is left
            handle.cancel()  # armed too late: the read timeout was shortened
        self._arm(deadline)

    def _arm(self, deadline: float) -> None:
        self._armed_for = deadline
        self._read_timeout_handle = self._loop.call_at(deadline, self._read_timer_fired)

    def _drop_timeout(self) -> None:
        # Called when a response ends: stop timing; the armed timer finds nothing to do.
        self._read_deadline = None

    def _read_timer_fired(self) -> None:
        self._read_timeout_handle = None
        deadline = self._read_deadline
        if deadline is None:
            return
        # A loop may run a timer up to a clock tick early (uvloop counts milliseconds):
        # within a tick of the deadline it is the deadline, rather than a re-arm that
        # would spin until the clock moves.
        if deadline - self._loop.time() <= _CLOCK_TICK:
            self._on_read_timeout()
        else:  # bytes arrived since it was armed: wait for what is left
            self._arm(deadline)

    def connection_lost(self, exc: BaseException | None) -> None:
        # The one place the timer is cancelled for good, so a closed connection is not
        # kept alive by its timer.
        try:
            super().connection_lost(exc)
        finally:
            self._read_deadline = None
            handle = self._read_timeout_handle
            if handle is not None:
                handle.cancel()
                self._read_timeout_handle = None


def install(connector: aiohttp.BaseConnector) -> bool:
    """Make ``connector`` open its connections with :class:`LazyReadTimer`.

    Returns:
        Whether it did: False (aiohttp's own protocol kept, logged at DEBUG) when this
        aiohttp does not build its protocols the way this module expects.
    """
    factory: Any = getattr(connector, "_factory", None)
    if not (
        isinstance(factory, functools.partial)
        and factory.func is ResponseHandler
        and _fits(factory())
    ):
        log.debug("aiohttp %s: its own read timer is kept", aiohttp.__version__)
        return False
    connector._factory = functools.partial(  # type: ignore[assignment]
        LazyReadTimer, *factory.args, **factory.keywords
    )
    return True


def _fits(protocol: object) -> bool:
    """Whether a protocol aiohttp built (never connected) has what this module relies on."""
    return all(callable(getattr(protocol, name, None)) for name in _METHODS) and all(
        hasattr(protocol, name) for name in _ATTRIBUTES
    )
