"""The request pipeline: the one way every request reaches Tallyfy.

headers -> token -> FIFO concurrency limit -> aiohttp -> decode -> retry or map the
error -> the caller's ``read`` (a typed read's model, made inside the same coroutine).
Resources never touch aiohttp; this module never knows a resource. Inside a bulk job (or
with ``adaptive_rate=True``) each attempt first waits for a place in its organization's
adaptive allowance (``rate``), which learns from the answer.
"""

from __future__ import annotations

import asyncio
import logging
import math
import platform
import random
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, NoReturn, TypeVar, overload
from urllib.parse import quote, quote_plus, urlencode

import aiohttp
import attrs
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from tallyfy_async import _constants as C
from tallyfy_async import _read_timer
from tallyfy_async._error_map import api_error, scrub
from tallyfy_async._job import CURRENT_JOB, JobMeter
from tallyfy_async._limiter import FifoLimiter
from tallyfy_async._responses import Attempt, EncodedBody, Response, data_of, decode_body
from tallyfy_async._retry import (
    IDEMPOTENT_METHODS,
    RETRYABLE_STATUSES,
    Failure,
    RetryBudget,
    backoff_delay,
    may_retry,
    retry_after,
    until,
)
from tallyfy_async._serde import json_dumps
from tallyfy_async._urls import build_url, path_segment
from tallyfy_async._version import __version__
from tallyfy_async.auth.cache import TokenCache
from tallyfy_async.auth.refusals import grant_refusal
from tallyfy_async.auth.tokens import Token
from tallyfy_async.config import ConnectionLimits, RetryPolicy, Timeouts
from tallyfy_async.errors import (
    APIError,
    ClientClosedError,
    OutcomeUnknownError,
    TallyfyError,
    TransportError,
)
from tallyfy_async.rate import AdaptiveRate, OrgGate, RateControl

#: Every attempt at DEBUG, every retry and replay at INFO, a retry refused by the retry
#: budget at WARNING.
log = logging.getLogger("tallyfy_async.http")

_PLATFORM = f"Python {platform.python_version()}; aiohttp {aiohttp.__version__}"
USER_AGENT = f"tallyfy-async/{__version__} ({_PLATFORM})"

T = TypeVar("T")

#: Form fields of the token endpoint that hold secrets.
_FORM_SECRETS = ("password", "client_secret", "refresh_token")


@attrs.frozen
class Transfer:
    """A file moving through the pipeline (``Transport.request(transfer=...)``).

    A transfer may take longer than any one call: it has no deadline and no total
    timeout, only the connect timeout and the read timeout (which ends a stalled one).

    Attributes:
        body: what an upload streams (an aiohttp payload such as a multipart writer,
            which sets its own Content-Type). It cannot be sent twice: the call makes
            one attempt, with no retry and no 401 replay.
        consume: reads a download's 2xx body as it arrives (into a file, a queue);
            what it returns becomes the response's ``body``. Other statuses are read
            and mapped as usual.
    """

    body: Any = None
    consume: Callable[[aiohttp.ClientResponse], Awaitable[Any]] | None = None


@attrs.define
class _Call:
    """The state of one call across its attempts."""

    method: str
    target: URL
    org: str | None
    resendable: bool
    deadline: float
    #: 1 for a body that cannot be sent twice (a streamed upload): no retry, no replay.
    max_attempts: int
    attempt: int = 0
    #: Secrets this call sent (form secrets, each attempt's token): no error repeats them,
    #: even when the server echoes them back.
    secrets: tuple[str, ...] = ()
    #: The bulk job the call belongs to (its attempts are counted there).
    job: JobMeter | None = None

    @property
    def url(self) -> str:
        """The URL as text (for logs, errors and ``on_attempt``; made only when needed)."""
        return str(self.target)

    @property
    def retry_method(self) -> str:
        # Token grants are POSTs that may be resent: judge them as a PUT would be.
        return "PUT" if self.resendable else "POST"


class _AttemptFailed(Exception):
    def __init__(self, failure: Failure | None, cause: BaseException, message: str) -> None:
        self.failure = failure  # None: not retryable at all (an unreadable body)
        self.cause = cause
        self.message = message


class Transport:
    """Owns the aiohttp session and sends every request.

    Created by :class:`~tallyfy_async.TallyfyClient`; the session is opened lazily
    inside the running event loop and bound to it.
    """

    def __init__(
        self,
        *,
        base_url: URL,
        token_url: URL,
        timeouts: Timeouts,
        retry: RetryPolicy,
        limits: ConnectionLimits,
        max_concurrency: int,
        client_header: str,
        user_agent: str | None,
        trace_configs: list[aiohttp.TraceConfig] | None,
        on_attempt: Callable[[Attempt], None] | None,
        scalar: Callable[[Any], Any],
        rate_control: RateControl | None = None,
        adaptive_rate: bool | None = None,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError(f"max_concurrency must be >= 1, got {max_concurrency!r}")
        self.base_url = base_url
        self._base_text = str(base_url).rstrip("/")
        self.token_url = token_url
        self.timeouts = timeouts
        self.retry = retry
        self.limits = limits
        self.max_concurrency = max_concurrency
        self.on_attempt = on_attempt
        self.scalar = scalar
        self.tokens: TokenCache | None = None  # wired by the client
        #: Each organization's adaptive allowance (see ``rate``).
        self.rate_control = rate_control or AdaptiveRate(ceiling=max_concurrency)
        # A rate control the application passes (a fleet's budget, say) is meant for every
        # request; the default one only paces bulk jobs unless asked to do more.
        self._rate_always = adaptive_rate is True or (
            adaptive_rate is None and rate_control is not None
        )
        self._rate_in_jobs = adaptive_rate is None
        self._trace_configs = trace_configs
        self._headers = {
            "Accept": "application/json",
            "X-Tallyfy-Client": client_header,
            "User-Agent": user_agent or USER_AGENT,
        }
        self._session: aiohttp.ClientSession | None = None
        #: Per organization: its last token and the headers sending it (``_bearer_headers``).
        self._bearers: dict[str | None, tuple[str, CIMultiDictProxy[str]]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._limiter: FifoLimiter | None = None
        #: Done once the client closes: wakes the calls waiting to retry.
        self._closing: asyncio.Future[None] | None = None
        self._timeout = aiohttp.ClientTimeout(
            total=timeouts.total, sock_connect=timeouts.connect, sock_read=timeouts.read
        )
        self._budget = RetryBudget(ratio=retry.budget_ratio, per_second=retry.budget_per_second)
        self._rng = random.Random()
        self.closed = False

    # -- lifecycle -----------------------------------------------------------------

    def _open(self) -> aiohttp.ClientSession:
        if self.closed:
            raise ClientClosedError(
                "this TallyfyClient is closed; create a new one (or use it inside 'async with')"
            )
        loop = asyncio.get_running_loop()
        if self._session is not None:
            if loop is not self._loop:
                self._check_loop(loop)
            return self._session
        self._loop = loop
        self._limiter = FifoLimiter(self.max_concurrency)
        self._closing = loop.create_future()
        connector = aiohttp.TCPConnector(
            limit=self.limits.max_connections,
            limit_per_host=0,
            ttl_dns_cache=self.limits.dns_cache_ttl,
            keepalive_timeout=self.limits.keepalive_timeout,
        )
        _read_timer.install(connector)
        self._session = aiohttp.ClientSession(
            connector=connector,
            headers=self._headers,
            cookie_jar=aiohttp.DummyCookieJar(),
            trace_configs=self._trace_configs,
            timeout=self._timeout,
        )
        return self._session

    def _check_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._loop is not None and loop is not self._loop:
            raise RuntimeError(
                "this TallyfyClient belongs to another event loop: aiohttp sessions "
                "cannot cross loops. Create one client per event loop."
            )

    @property
    def session_open(self) -> bool:
        """Whether an aiohttp session exists and is not closed."""
        return self._session is not None and not self._session.closed

    async def aclose(self) -> None:
        """Close the session; calls in flight (sent, queued, waiting for a token or to
        retry) end with ClientClosedError, except a write that may have reached Tallyfy
        (OutcomeUnknownError: it may have been applied).

        Raises:
            RuntimeError: from another event loop than the one the session belongs to
                (the client is left as it was, to be closed from its own loop).
        """
        self._check_loop(asyncio.get_running_loop())
        first = not self.closed
        self.closed = True
        if self._closing is not None and not self._closing.done():
            self._closing.set_result(None)
        try:
            if self.tokens is not None:
                await self.tokens.aclose()  # and its store
        finally:
            # Even when the close is cancelled while a token refresh finishes: what it
            # leaves open here would stay open.
            # A rate control with connections of its own (a budget in Redis) closes with
            # us, once however often the client is closed.
            close_rate = getattr(self.rate_control, "aclose", None)
            if first and close_rate is not None:
                await close_rate()
            if self._session is not None:
                await self._session.close()

    # -- building requests ----------------------------------------------------------

    def url(self, path: str, query: str = "") -> URL:
        """The API URL of an encoded path (``Route.compile``) and an encoded query string."""
        return build_url(self._base_text, path, query)

    # -- the pipeline -----------------------------------------------------------------

    @overload
    async def request(
        self,
        method: str,
        url: URL,
        *,
        org: str | None,
        json: Any = None,
        form: Mapping[str, str] | None = None,
        bearer: str | None = None,
        authenticate: bool = True,
        idempotent: bool | None = None,
        decode: bool = True,
        transfer: Transfer | None = None,
        read: None = None,
    ) -> Response: ...

    @overload
    async def request(
        self,
        method: str,
        url: URL,
        *,
        org: str | None,
        json: Any = None,
        read: Callable[[Any], T],
    ) -> T: ...

    async def request(
        self,
        method: str,
        url: URL,
        *,
        org: str | None,
        json: Any = None,
        form: Mapping[str, str] | None = None,
        bearer: str | None = None,
        authenticate: bool = True,
        idempotent: bool | None = None,
        decode: bool = True,
        transfer: Transfer | None = None,
        read: Callable[[Any], Any] | None = None,
    ) -> Any:
        """Send one call, with its retries; return the response (or what ``read`` makes
        of it) or raise.

        Args:
            method: HTTP method.
            url: full URL, query included.
            org: whose token to use.
            json: a JSON body.
            form: a form body (the token endpoint).
            bearer: use this token instead of the organization's (application tokens).
            authenticate: False for the token endpoint.
            idempotent: override the method's idempotency (token grants may be resent).
            decode: False to leave a 2xx body undecoded, an :class:`EncodedBody`
                (``Response.decoded()`` reads it). Error bodies are always decoded. A 2xx
                body that is not JSON then raises when it is decoded, not here: the
                attempt is reported to ``on_attempt`` as answered with its status.
            transfer: a file upload or download (see :class:`Transfer`).
            read: turns the 2xx response's data (its ``data`` envelope removed) into
                the call's result (a typed read's model) inside this coroutine, with no
                :class:`Response` made, so the caller needs no coroutine of its own to
                await it: one level fewer to resume on every I/O event. What it raises
                reaches the caller as it is; it is never retried.
        """
        method = method.upper()
        session = self._open()
        loop = self._loop
        assert loop is not None
        headers: dict[str, str] = {}
        data: Any = None
        if json is not None:
            data = json_dumps(json)
            headers["Content-Type"] = "application/json"
        elif form is not None:
            data = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif transfer is not None:
            data = transfer.body
        # `method` is upper-case already: the set itself, not is_idempotent's call.
        resendable = method in IDEMPOTENT_METHODS if idempotent is None else idempotent
        started = loop.time()
        deadline = started + self.timeouts.deadline if transfer is None else math.inf
        attempts = 1 if transfer is not None and transfer.body is not None else None
        self._budget.on_first_attempt()
        call = _Call(method, url, org, resendable, deadline, attempts or self.retry.max_attempts)
        if form:
            call.secrets = _form_secrets(form)
        limiter: FifoLimiter | None = None
        gate: OrgGate | None = None
        if authenticate and bearer is None:
            # Requests that obtain tokens skip the limit: the calls holding its slots may
            # be the very ones waiting for that token.
            limiter = self._limiter
            # Inside a bulk job: counted there, and paced per organization when asked.
            call.job = job = CURRENT_JOB.get()
            if org is not None and (
                self._rate_always or (job is not None and job.adaptive and self._rate_in_jobs)
            ):
                gate = self._gate(org, job)
        replayed = False
        # One coroutine holds the retry loop and the exchange, rather than a coroutine per
        # attempt: every level of coroutines is resumed on every I/O event of every request
        # (benchmarks/NOTES.md). The parts that never wait are the plain methods below.
        while True:
            call.attempt += 1
            token: Token | None = None
            try:
                ticket = None if gate is None else await self._gate_ticket(gate, call)
                answered: tuple[int, CIMultiDictProxy[str]] | None = None
                try:
                    # What is left of the deadline once the rate allowance let us through.
                    now = started if gate is None else loop.time()
                    timeout = self._attempt_timeout(call, transfer, now)
                    if limiter is not None and not limiter.try_acquire():
                        # Awaited here, not in a helper coroutine: hundreds of callers may
                        # queue, each holding its coroutines until its turn.
                        try:
                            await limiter.acquire(call.deadline)
                        except TimeoutError as exc:
                            raise self._no_slot(exc) from exc
                        timeout = self._slot_timeout(limiter, call, transfer)
                    try:
                        if self.closed:
                            raise _AttemptFailed(
                                Failure.NOT_SENT, ClientClosedError(), "the client was closed"
                            )
                        sent = bearer
                        if limiter is not None:
                            tokens = self.tokens
                            assert tokens is not None
                            # Read once a slot is free, so a call that queued while its
                            # organization's token was replaced sends the new one instead
                            # of meeting a 401.
                            token = tokens.cached(org)
                            if token is None:
                                token = await self._wait_for_token(tokens, call)
                                # What the wait left of the deadline bounds the attempt.
                                timeout = self._attempt_timeout(call, transfer, loop.time())
                            sent = token.access_token
                        sending: Mapping[str, str] = headers
                        if sent is not None:
                            if data is None:
                                sending = self._bearer_headers(org, sent)
                            else:
                                headers["Authorization"] = f"Bearer {sent}"
                            if sent not in call.secrets:  # kept out of every error of the call
                                call.secrets = (*call.secrets, sent)
                        try:
                            # Awaited rather than entered: no context-manager coroutines, and
                            # the connection is given back in the finally below, as
                            # ``async with`` would.
                            resp = await session.request(
                                method,
                                url,
                                data=data,
                                headers=sending,
                                allow_redirects=False,
                                timeout=timeout,
                            )
                            try:
                                status = resp.status
                                if transfer is not None and transfer.consume and status < 300:
                                    body = await transfer.consume(resp)
                                else:
                                    length = resp.content_length
                                    if (
                                        length is not None
                                        and length <= C.MAX_RESPONSE_BYTES
                                        and "Content-Encoding" not in resp.headers
                                    ):
                                        raw = await resp.read()  # no coroutine more
                                    else:
                                        raw = await self._read(resp)
                                    body = self._decode(resp, raw, call, decode)
                                answered = status, resp.headers
                            finally:
                                # As ``async with`` would: give the connection back, then wait
                                # for a request body still on its way out (returns at once when
                                # none is).
                                resp.release()
                                await resp.wait_for_close()
                        except (TimeoutError, aiohttp.ClientError, RuntimeError) as exc:
                            raise self._exchange_failed(exc, timeout) from exc
                    finally:
                        if limiter is not None:
                            limiter.release()
                finally:
                    if gate is not None:
                        gate.release(ticket, *(answered or (None, None)))
            except _AttemptFailed as failed:
                self._report(call, None, started, failed.cause)
                delay = self._retry_after_failure(call, failed, loop.time())
                outcome = scrub(failed.message, call.secrets)
            else:
                status, resp_headers = answered
                self._report(call, status, started, None)
                if status < 300:
                    if read is not None:
                        return read(data_of(body))
                    return Response(status, resp_headers, body)
                if status == 401 and token is not None and self._may_replay(org):
                    # Discard only the token that failed, whether or not this call may
                    # replay: a refused token is never sent again by any call.
                    assert self.tokens is not None
                    await self.tokens.invalidate(org, token)
                    # Replay once, even when retries are off: a 401 was not applied, so the
                    # replay is not a retry. A one-shot transfer body cannot be sent again.
                    if not replayed and attempts is None:
                        log.info(
                            "%s %s -> 401: the token was refused; replaying once with a new one",
                            call.method,
                            call.url,
                        )
                        replayed = True
                        call.attempt -= 1
                        started = loop.time()
                        continue
                delay = self._retry_after_status(call, status, resp_headers, body, loop.time())
                outcome = str(status)
            # Retries cost time the caller did not ask for: say so where logs are kept.
            log.info(
                "%s %s -> %s; retry %d of %d in %.2f s",
                call.method,
                call.url,
                outcome,
                call.attempt,
                call.max_attempts - 1,
                delay,
            )
            await self._backoff(call, delay)
            started = loop.time()

    async def _backoff(self, call: _Call, delay: float) -> None:
        """Wait ``delay`` seconds before retrying, or until the client closes: then end
        the call at once rather than after a Retry-After of up to two minutes."""
        assert self._closing is not None
        # asyncio.wait, not the future itself: a caller cancelled while it waits must not
        # cancel the future every other waiter shares.
        await asyncio.wait((self._closing,), timeout=delay)
        if self.closed:
            # What the retry would have raised on finding the client closed: no write
            # waits to be retried after an attempt that may have been applied (only an
            # unsent or declined one is retried), so none is an OutcomeUnknownError.
            raise ClientClosedError(
                f"{call.method} {call.url}: the client was closed while the call waited to retry"
            )

    def _bearer_headers(self, org: str | None, token: str) -> CIMultiDictProxy[str]:
        """The headers of a request without a body that sends ``token``: one read-only
        multidict per organization, made again when its token changes. aiohttp merges
        a multidict for a third of what converting a dict of headers costs it, on every
        request (benchmarks/NOTES.md)."""
        held = self._bearers.get(org)
        if held is not None and held[0] == token:
            return held[1]
        made = CIMultiDictProxy(CIMultiDict(Authorization=f"Bearer {token}"))
        self._bearers[org] = (token, made)
        return made

    def _gate(self, org: str, job: JobMeter | None) -> OrgGate:
        gate = self.rate_control.gate(org)
        if job is not None:
            job.gates[org] = gate
        return gate

    @staticmethod
    async def _gate_ticket(gate: OrgGate, call: _Call) -> object:
        """A place in the organization's rate allowance (which learns from the answer)."""
        try:
            return await gate.acquire(call.deadline)
        except TimeoutError as exc:
            raise _AttemptFailed(
                Failure.NOT_SENT,
                exc,
                "the call's deadline passed while it waited for the organization's rate allowance",
            ) from exc

    async def _wait_for_token(self, tokens: TokenCache, call: _Call) -> Token:
        """The organization's token, obtained no later than the call's deadline. A caller
        that gives up leaves the refresh running for the others (``TokenCache.token``
        shields it)."""
        try:
            async with until(call.deadline) as limit:
                return await tokens.token(call.org)
        except TimeoutError as exc:
            if not limit.expired():  # raised by the refresh itself: not ours to judge
                raise
            raise _AttemptFailed(
                Failure.NOT_SENT,
                exc,
                f"the call's deadline (Timeouts.deadline={self.timeouts.deadline:g} s) passed "
                "while it waited for a token; raise Timeouts.deadline for a token endpoint "
                "this slow",
            ) from exc

    def _no_slot(self, exc: TimeoutError) -> _AttemptFailed:
        """A call whose deadline passed while it queued for a ``max_concurrency`` slot."""
        return _AttemptFailed(
            Failure.NOT_SENT,
            exc,
            "the call's deadline passed while it waited for a free slot "
            f"(max_concurrency={self.max_concurrency})",
        )

    def _slot_timeout(
        self, limiter: FifoLimiter, call: _Call, transfer: Transfer | None
    ) -> aiohttp.ClientTimeout:
        """The timeout of an attempt that waited for its slot: cut to what the wait left
        of the call's deadline."""
        try:
            assert self._loop is not None
            return self._attempt_timeout(call, transfer, self._loop.time())
        except BaseException:
            limiter.release()  # the caller's finally only covers a slot it got back from us
            raise

    def _attempt_timeout(
        self, call: _Call, transfer: Transfer | None, now: float
    ) -> aiohttp.ClientTimeout:
        """The attempt's aiohttp timeout: the client's, cut to what is left of the call's
        deadline; a transfer's has no total."""
        remaining = call.deadline - now
        if remaining <= 0:  # always before sending: a write that fails here was not sent
            raise _AttemptFailed(Failure.NOT_SENT, TimeoutError(), "the call's deadline passed")
        if transfer is not None:
            return aiohttp.ClientTimeout(
                sock_connect=self.timeouts.connect, sock_read=self.timeouts.read
            )
        if remaining < self.timeouts.total:
            return aiohttp.ClientTimeout(
                total=remaining, sock_connect=self.timeouts.connect, sock_read=self.timeouts.read
            )
        return self._timeout

    def _exchange_failed(
        self, exc: BaseException, timeout: aiohttp.ClientTimeout
    ) -> _AttemptFailed:
        """What an exchange that raised ``exc`` (under ``timeout``) means for the call
        (retry or not), or ``exc`` raised again when it is not the exchange's to judge."""
        if isinstance(exc, aiohttp.ClientResponseError):
            _drop_request_headers(exc)
        if isinstance(exc, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError):
            return _AttemptFailed(Failure.NOT_SENT, exc, f"could not connect ({exc})")
        if isinstance(exc, TimeoutError):
            return _AttemptFailed(Failure.DROPPED, exc, self._timed_out(exc, timeout))
        if isinstance(exc, aiohttp.ClientError):
            what = f"connection failed ({type(exc).__name__}: {exc})"
            return _AttemptFailed(Failure.DROPPED, exc, what)
        if self.closed:  # aiohttp's RuntimeError "Session is closed"
            return _AttemptFailed(None, exc, "the client was closed")
        raise exc

    def _timed_out(self, exc: TimeoutError, timeout: aiohttp.ClientTimeout) -> str:
        """Which limit ran out, with its value and the setting that raises it."""
        limits = self.timeouts
        if isinstance(exc, aiohttp.SocketTimeoutError):  # aiohttp's sock_read
            return (
                f"timed out: no data from the server for Timeouts.read={limits.read:g} s; "
                "raise Timeouts.read for a server this slow"
            )
        if timeout is not self._timeout and timeout.total is not None:
            # _attempt_timeout cut the attempt to what remained of the call's deadline.
            return (
                f"timed out: the call's deadline (Timeouts.deadline={limits.deadline:g} s) "
                "ran out; raise Timeouts.deadline for calls this slow"
            )
        if timeout.total is not None:
            return (
                f"timed out: the attempt took longer than Timeouts.total={limits.total:g} s; "
                "raise Timeouts.total (and Timeouts.deadline, which bounds every attempt) "
                "for answers this slow"
            )
        return f"timed out ({type(exc).__name__}: {exc})"

    def _may_replay(self, org: str | None) -> bool:
        return self.tokens is not None and self.tokens.renewable(org)

    def _retry_after_failure(self, call: _Call, failed: _AttemptFailed, now: float) -> float:
        """The wait before retrying a call whose attempt got no response, or raise."""
        closed = self.closed
        if (
            not closed
            and failed.failure is not None
            and may_retry(call.retry_method, failed.failure)
        ):
            delay = backoff_delay(self.retry, call.attempt, self._rng)
            if self._may_retry_now(call, delay, now):
                return delay
        message = scrub(failed.message, call.secrets)
        cause: BaseException | None = failed.cause
        if message != failed.message:
            cause = None  # its text repeats what the server echoed: keep the scrubbed one
        if closed:
            message = "the client was closed while the request was in flight"
        # Closed or not, a write that may have reached Tallyfy may have been applied: the
        # caller (bulk, create_once) must check before sending it again.
        if failed.failure is not Failure.NOT_SENT and not call.resendable:
            raise OutcomeUnknownError(message, method=call.method, url=call.url) from cause
        if closed:
            raise ClientClosedError(f"{call.method} {call.url}: {message}") from cause
        raise TransportError(message, method=call.method, url=call.url) from cause

    def _retry_after_status(
        self, call: _Call, status: int, headers: Mapping[str, str], body: Any, now: float
    ) -> float:
        """The wait before retrying a call answered with an error status, or raise."""
        if status == 429:
            wait = retry_after(headers)
            if wait is None or wait <= self.retry.max_retry_after:
                delay = wait if wait is not None else backoff_delay(self.retry, call.attempt)
                # A 429 was declined, not applied: it costs no retry budget.
                if call.attempt < call.max_attempts and now + delay < call.deadline:
                    return delay
            self._raise(call, status, headers, body, retry_after=wait)
        if status in RETRYABLE_STATUSES:
            if not call.resendable:
                raise OutcomeUnknownError(
                    f"the server answered {status}", method=call.method, url=call.url, status=status
                )
            # A 503 that says when to come back (maintenance) is asked again then, not
            # sooner; one asking for longer than we wait is not retried. Only a 503: a
            # proxy's Retry-After on a 502 or 504 says nothing about Tallyfy.
            wait = retry_after(headers) if status == 503 else None
            if wait is None:
                delay = backoff_delay(self.retry, call.attempt, self._rng)
            elif wait <= self.retry.max_retry_after:
                delay = wait
            else:
                log.info(
                    "%s %s -> 503: not retried: the server asks to wait %.0f s, longer "
                    "than RetryPolicy.max_retry_after (%.0f s)",
                    call.method,
                    call.url,
                    wait,
                    self.retry.max_retry_after,
                )
                self._raise(call, status, headers, body)
            if self._may_retry_now(call, delay, now):
                return delay
        self._raise(call, status, headers, body)

    def _may_retry_now(self, call: _Call, delay: float, now: float) -> bool:
        if call.attempt >= call.max_attempts or now + delay >= call.deadline:
            return False
        if self._budget.try_spend():
            return True
        log.warning(
            "%s %s: not retried: the retry budget is spent (many calls failed and were "
            "retried lately); the call fails now instead of adding load",
            call.method,
            call.url,
        )
        return False

    @staticmethod
    async def _read(resp: aiohttp.ClientResponse) -> bytes:
        length = resp.content_length
        if length is not None and length > C.MAX_RESPONSE_BYTES:
            raise _AttemptFailed(
                None,
                ValueError(length),
                f"refused a {length}-byte response (over {C.MAX_RESPONSE_BYTES} bytes)",
            )
        if length is not None and not resp.headers.get("Content-Encoding"):
            return await resp.read()
        # No length, or the length of a compressed body: count what aiohttp inflates
        # (a 64 KB gzip body can inflate to gigabytes).
        chunks = []
        size = 0
        async for chunk in resp.content.iter_chunked(1 << 16):
            size += len(chunk)
            if size > C.MAX_RESPONSE_BYTES:
                raise _AttemptFailed(
                    None, ValueError(size), f"response over {C.MAX_RESPONSE_BYTES} bytes"
                )
            chunks.append(chunk)
        return b"".join(chunks)

    @staticmethod
    def _decode(resp: aiohttp.ClientResponse, raw: bytes, call: _Call, decode: bool) -> Any:
        # The Content-Type header as it came (decode_body reads it): aiohttp's
        # content_type and charset properties parse it, a tenth of a small GET's reading.
        content_type = resp.headers.get("Content-Type", "")
        if not decode and resp.status < 300:
            return EncodedBody(raw, content_type, resp.status, call.method, call.target)
        try:
            return decode_body(resp.status, content_type, raw)
        except (ValueError, RecursionError) as exc:
            raise _AttemptFailed(
                None, exc, f"the {resp.status} response is not valid JSON"
            ) from exc

    def _report(
        self, call: _Call, status: int | None, started: float, error: BaseException | None
    ) -> None:
        """Count the attempt that began at ``started`` (loop time) in the call's bulk job,
        log it at DEBUG and give it to ``on_attempt``."""
        if call.job is not None:
            call.job.count(status)
        if self.on_attempt is None and not log.isEnabledFor(logging.DEBUG):
            return
        assert self._loop is not None
        elapsed = self._loop.time() - started
        if log.isEnabledFor(logging.DEBUG):
            outcome = status if status is not None else type(error).__name__
            log.debug(
                "%s %s -> %s in %.1f ms (attempt %d)",
                call.method,
                call.url,
                outcome,
                elapsed * 1e3,
                call.attempt,
            )
        if self.on_attempt is not None:
            self.on_attempt(Attempt(call.method, call.url, call.attempt, status, elapsed, error))

    def _raise(
        self,
        call: _Call,
        status: int,
        headers: Mapping[str, str],
        body: Any,
        retry_after: float | None = None,
    ) -> NoReturn:
        raise api_error(
            call.method,
            call.url,
            status,
            headers,
            body,
            auth_hint=self.tokens.refused_hint(call.org) if self.tokens is not None else None,
            retry_after=retry_after,
            secrets=call.secrets,
        )

    # -- the token endpoint (GrantClient) ------------------------------------------

    async def token_request(self, form: Mapping[str, str]) -> dict[str, Any]:
        """POST a form to the token endpoint; a token grant may be resent safely.

        Raises:
            AuthenticationError: the endpoint refused the credentials; ``code`` is the
                OAuth ``error`` (``invalid_grant``, ``invalid_client``...).
        """
        try:
            response = await self.request(
                "POST", self.token_url, org=None, form=form, authenticate=False, idempotent=True
            )
        except APIError as refused:
            raise grant_refusal(refused) from None
        return _oauth_body(response, "the token endpoint")

    async def application_user_token(self, org: str, email: str, app_token: str) -> dict[str, Any]:
        """Mint a member token: ``POST /applications/{org}/users/{email}/token``."""
        org_id, user = path_segment(org, "org"), path_segment(email, "email")
        url = self.url(f"applications/{org_id}/users/{user}/token")
        response = await self.request("POST", url, org=org, bearer=app_token, idempotent=True)
        return _oauth_body(response, "the application user token route")


#: What an aiohttp error keeps of the request headers once they are dropped.
_NO_HEADERS: CIMultiDictProxy[str] = CIMultiDictProxy(CIMultiDict())


def _drop_request_headers(exc: aiohttp.ClientResponseError) -> None:
    """Empty the request headers an aiohttp error carries (its ``request_info``, shown in
    its repr): they hold the bearer token, and the error becomes our errors' cause, the
    ``Attempt.error`` of ``on_attempt`` and part of every traceback. Changed in place, so
    no reference to the error (a ``__context__``, an ``_AttemptFailed``) still holds them."""
    info: Any = exc.request_info
    if hasattr(info, "_replace"):  # a NamedTuple since aiohttp 3.11
        exc.request_info = info._replace(headers=_NO_HEADERS)
    else:  # an attrs class before
        exc.request_info = attrs.evolve(info, headers=_NO_HEADERS)
    exc.args = (exc.request_info, exc.history)


def _form_secrets(form: Mapping[str, str]) -> tuple[str, ...]:
    """The secrets of a token form, as sent and as a server or proxy may echo them:
    URL-encoded as the form body carried them (quote_plus) or as a URL would (quote).
    Longest first, so no shorter form breaks up a longer one before it is scrubbed."""
    forms = {
        encoded
        for key in _FORM_SECRETS
        if (value := form.get(key))
        for encoded in (value, quote_plus(value), quote(value, safe=""))
    }
    return tuple(sorted(forms, key=len, reverse=True))


def _oauth_body(response: Response, where: str) -> dict[str, Any]:
    body = response.body
    if isinstance(body, dict) and isinstance(body.get("data"), dict):
        body = body["data"]
    if not isinstance(body, dict) or not body.get("access_token"):
        raise TallyfyError(f"{where} answered {response.status} without an access_token")
    return body


__all__ = [
    "Attempt",
    "EncodedBody",
    "Response",
    "Transfer",
    "Transport",
    "api_error",
    "decode_body",
]
