"""``FakeTallyfy``: the aiohttp server, its request pipeline and the handles tests use."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from tallyfy_async.testing._activity import record as record_activity
from tallyfy_async.testing._auth import Tokens
from tallyfy_async.testing._body import read_body
from tallyfy_async.testing._builders import DataHelpers
from tallyfy_async.testing._context import Ctx
from tallyfy_async.testing._describe import describe
from tallyfy_async.testing._faults import Drop, Fault, Faults, RateLimit, RateLimiter
from tallyfy_async.testing._http import (
    APP_FORBIDDEN,
    DISABLED_MEMBER,
    HTML,
    JSON,
    NOT_FOUND_HTML,
    SERVER_ERROR,
    ApiError,
    Reply,
    endpoint_not_found,
    error,
    forbidden,
    not_found,
    unauthenticated,
)
from tallyfy_async.testing._json import dumps
from tallyfy_async.testing._log import Counters, LoggedRequest
from tallyfy_async.testing._router import Route, Router
from tallyfy_async.testing._state import State
from tallyfy_async.testing._webhooks import WebhookSender
from tallyfy_async.testing.routes import all_routes

logger = logging.getLogger("tallyfy_async.testing")


def _read_query(raw: str) -> dict[str, str]:
    """A query string's parameters as Tallyfy reads them: each name and value
    percent-decoded, ``+`` kept as a plus (Tallyfy does not read it as a space, so
    ``q=Client+Onboarding`` searches for the plus), the last of a repeated name kept (as PHP
    reads ``page=1&page=3``: page 3)."""
    query: dict[str, str] = {}
    for pair in raw.split("&"):
        if pair:
            name, _, value = pair.partition("=")
            query[unquote(name)] = unquote(value)
    return query


class FakeTallyfy(DataHelpers):
    """An in-memory Tallyfy API on a real aiohttp server bound to 127.0.0.1.

    ``async with FakeTallyfy() as fake:`` starts it on a free port; ``fake.base_url`` is the
    API root (``http://127.0.0.1:PORT/api``; the same routes answer without ``/api`` too) and
    ``fake.token_url`` the OAuth token endpoint. Populate it with ``seed_demo()`` or the
    ``add_*`` helpers, before or after starting; break it on purpose with ``inject()`` and
    ``set_rate_limit()``; inspect what clients did with ``log`` and ``counters``.

    Parameters
    ----------
    host, port:
        Where to listen (``port=0``: any free port).
    token_lifetime:
        ``expires_in`` of password-grant and refreshed tokens, seconds. The sources disagree
        (1 hour or 6 months); 3600 is the integration guide's value.
    client_credentials_lifetime:
        ``expires_in`` of client-credentials tokens (604800 as documented).
    rate_limit:
        A per-token :class:`RateLimit`, or ``None`` for none.
    seed:
        Seed of the generator behind ``probability=`` faults (and demo data).
    max_log:
        Keep about this many requests in ``log`` (the oldest are dropped, in batches of a
        tenth); ``0`` logs nothing.
    shutdown_timeout:
        Seconds ``close()`` waits for requests in flight.
    max_body_size:
        Bytes a request body may have once decompressed; a larger one is refused with 413.
    max_upload_size:
        Bytes an uploaded file may have (Tallyfy's 100 MiB); a larger one is refused with
        413 and nothing is stored.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token_lifetime: int = 3600,
        client_credentials_lifetime: int = 604_800,
        rate_limit: RateLimit | None = None,
        seed: int | None = None,
        max_log: int = 100_000,
        shutdown_timeout: float = 0.25,
        max_body_size: int = 200 * 1024 * 1024,
        max_upload_size: int = 100 * 1024 * 1024,
    ) -> None:
        self.state = State()
        self.tokens = Tokens(self.state, token_lifetime, client_credentials_lifetime)
        self.counters = Counters()
        self.log: list[LoggedRequest] = []
        #: Every exception the fake did not expect, in a route or in its own pipeline (each
        #: answered 500 and logged): a test can assert this stays empty.
        self.server_errors: list[BaseException] = []
        self.seed = seed
        self.random = random.Random(seed)
        self.faults = Faults(self.random)
        self.limiter = RateLimiter(rate_limit)
        #: Webhook deliveries: settings (``deliver_twice``, ``set_date_format``), the
        #: record of what was sent (``deliveries``) and ``await fake.webhooks.wait()``.
        self.webhooks = WebhookSender._of(self.state)
        self.max_log = max_log
        self._host = host
        self._port = port
        self._shutdown_timeout = shutdown_timeout
        self._max_body_size = max_body_size
        self.max_upload_size = max_upload_size
        self._router = Router(all_routes())
        self._description: bytes | None = None
        #: Who is signed in to Tallyfy in "the browser" of ``/oauth/authorize``, and whether
        #: they approve the application (see :meth:`sign_in_browser`).
        self.browser_session: tuple[int, bool] | None = None
        self._runner: web.AppRunner | None = None
        self._bound_port: int | None = None

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> FakeTallyfy:
        """Start listening; returns ``self``."""
        if self._runner is not None:
            return self
        app = web.Application(client_max_size=self._max_body_size)
        # Every path, newlines included ("." would stop at one, and aiohttp answer in text).
        app.router.add_route("*", r"/{tail:[\s\S]*}", self._serve)
        runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=self._shutdown_timeout
        )
        await runner.setup()
        try:
            site = web.TCPSite(runner, self._host, self._port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._bound_port = int(runner.addresses[0][1])
        self.webhooks._start()
        return self

    async def close(self) -> None:
        """Stop listening and close every connection (idempotent)."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        await self.webhooks._close()

    async def __aenter__(self) -> FakeTallyfy:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def port(self) -> int:
        """The port the server listens on."""
        if self._bound_port is None:
            raise RuntimeError("FakeTallyfy is not started: use `async with FakeTallyfy()`")
        return self._bound_port

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://{self._host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The API base: ``http://127.0.0.1:PORT/api``."""
        return f"{self.root_url}/api"

    @property
    def token_url(self) -> str:
        """The OAuth token endpoint: ``http://127.0.0.1:PORT/api/oauth/token``."""
        return f"{self.root_url}/api/oauth/token"

    @property
    def authorize_url(self) -> str:
        """The browser sign-in page: ``http://127.0.0.1:PORT/oauth/authorize``."""
        return f"{self.root_url}/oauth/authorize"

    # ------------------------------------------------------------------ pipeline

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        """The last resort around the pipeline: whatever goes wrong, the client gets JSON.

        An exception escaping :meth:`_handle` is a bug of the fake: it is logged, kept in
        ``server_errors`` and in the request log, and answered ``500 {"message": "Server
        Error"}`` as Laravel answers its own.
        """
        try:
            return await self._handle(request)
        except Exception as exc:
            arrived = time.monotonic()
            logger.exception("FakeTallyfy failed on %s %s", request.method, request.path)
            self.server_errors.append(exc)
            ctx = Ctx(request, self, {}, _read_query(request.rel_url.raw_query_string), None)
            self._record(ctx, None, 500, False, arrived, None)
            return web.Response(status=500, body=SERVER_ERROR, content_type=JSON)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        arrived = time.monotonic()
        method = request.method
        path = request.path
        segments = request.rel_url.raw_path.split("/")[1:]
        route_path = path
        if segments and segments[0] == "api":
            segments = segments[1:]
            route_path = path[4:] or "/"
        while segments and not segments[-1]:
            segments.pop()
        segments = [unquote(seg) if "%" in seg else seg for seg in segments]
        match = self._router.match(method, segments)
        route = match[0] if isinstance(match, tuple) else None
        body = await read_body(request)
        ctx = Ctx(
            request,
            self,
            match[1] if isinstance(match, tuple) else {},
            _read_query(request.rel_url.raw_query_string),
            body.value,
        )
        ctx.files = body.files

        fault = self.faults.pick(route_path, method, ctx.query) if self.faults.items else None
        reply: Reply | None = None
        applied = False
        if fault is not None:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.drop == "before":
                return self._drop(request, ctx, route, arrived, applied=False, kind="drop-before")
            reply = fault._reply()
        fault_kind = _fault_kind(fault) if fault is not None else None
        if reply is None:
            reply = self._answer(ctx, match, body.error)
            applied = route is not None and route.write and 200 <= reply.status < 300
            if applied:
                assert route is not None
                record_activity(ctx, route.name, reply)
            if fault is not None and fault.drop == "after":
                return self._drop(request, ctx, route, arrived, applied=applied, kind="drop-after")
        if reply.status >= 400:  # one comparison on the way of a success, as before
            reply = _refusal(request, reply)
        self._record(ctx, route, reply.status, applied, arrived, fault_kind)
        if fault is not None and fault.truncate:
            return await _truncated(request, reply)
        return web.Response(status=reply.status, body=reply.body, headers=self._headers(reply))

    def _answer(
        self,
        ctx: Ctx,
        match: tuple[Route, dict[str, str]] | list[str] | None,
        body_error: ApiError | None,
    ) -> Reply:
        """The route's reply, or the refusal that comes first: unknown path (404), wrong
        method (405), rate limit (429), authentication (401/403), unreadable body (400/413)."""
        try:
            if match is None:
                raise endpoint_not_found()
            if isinstance(match, list):
                allowed = ", ".join(match)
                raise error(
                    405,
                    {
                        "message": f"The {ctx.request.method} method is not supported for this "
                        f"route. Supported methods: {allowed}."
                    },
                    {"Allow": allowed},
                )
            route = match[0]
            if route.auth != "none":
                limited = self._rate_limit(ctx)
                if limited is not None:
                    return limited
                self._authenticate(ctx, route)
            if body_error is not None:
                raise body_error
            reply = route.handler(ctx)
        except ApiError as refused:
            reply = refused.reply
        except Exception as exc:  # an answer must still go out; the test sees server_errors
            logger.exception("FakeTallyfy route failed")
            self.server_errors.append(exc)
            reply = Reply(500, SERVER_ERROR)
        if self.limiter.limit is not None and ctx.rate_remaining is not None:
            # Laravel's throttle middleware labels every answer it lets through.
            headers = reply.headers or {}
            headers["X-RateLimit-Limit"] = str(self.limiter.limit.requests)
            headers["X-RateLimit-Remaining"] = str(ctx.rate_remaining)
            reply.headers = headers
        return reply

    def _rate_limit(self, ctx: Ctx) -> Reply | None:
        if self.limiter.limit is None:
            return None
        key = ctx.request.headers.get("Authorization") or f"ip:{ctx.request.remote}"
        remaining, wait = self.limiter.take(key)
        if wait is not None:
            return self.limiter.refusal(wait)
        ctx.rate_remaining = remaining
        return None

    def _authenticate(self, ctx: Ctx, route: Route) -> None:
        """Check the headers and token; bind the user and organization to ``ctx``.

        A user who is not a member of the path's organization gets 403 with Laravel's default
        message: the organization exists, the caller may not see into it (tokens are tied
        to organizations; no source shows the body, so this is a GUESS). An organization
        that does not exist is 404 RESOURCE_NOT_FOUND.
        """
        headers = ctx.request.headers
        if not headers.get("X-Tallyfy-Client", "").strip():
            raise unauthenticated()
        authorization = headers.get("Authorization", "")
        value = authorization[7:]
        if (
            not authorization.startswith("Bearer ")
            or not value
            or value != value.strip()
            or " " in value
        ):
            raise unauthenticated()
        token = self.tokens.find(value)
        if token is None:
            raise unauthenticated()
        ctx.token = token
        org_id = ctx.params.get("org")
        if org_id is not None:
            ctx.org = self.state.orgs.get(org_id)
        if route.auth == "app":
            if token.kind != "client_credentials":
                raise forbidden(APP_FORBIDDEN)
            return
        if token.kind == "client_credentials":
            # Application tokens carry no user; user routes refuse them.
            raise unauthenticated()
        ctx.user = self.tokens.user_of(token)
        if ctx.user is None:
            raise unauthenticated()
        if org_id is not None:
            if ctx.org is None:
                raise not_found()
            if org_id not in self.tokens.orgs_of(token):
                raise forbidden()
            if ctx.user.memberships and ctx.user.disabled_in(org_id):
                raise forbidden(DISABLED_MEMBER)

    def _headers(self, reply: Reply) -> dict[str, str]:
        headers = reply.headers or {}
        if reply.content_type is not None:
            headers["Content-Type"] = reply.content_type
        return headers

    def _drop(
        self,
        request: web.Request,
        ctx: Ctx,
        route: Route | None,
        arrived: float,
        *,
        applied: bool,
        kind: str,
    ) -> web.StreamResponse:
        """Close the connection without answering (aiohttp's write then fails quietly)."""
        self._record(ctx, route, None, applied, arrived, kind)
        if request.transport is not None:
            request.transport.close()
        return web.Response()

    def _record(
        self,
        ctx: Ctx,
        route: Route | None,
        status: int | None,
        applied: bool,
        arrived: float,
        fault: str | None,
    ) -> None:
        org_id = ctx.params.get("org")
        if applied and route is not None:
            self.counters.writes_applied[route.name] += 1
            if org_id is not None:
                self.counters.writes_by_org[(route.name, org_id)] += 1
        if not self.max_log:
            return
        request = ctx.request
        self.log.append(
            LoggedRequest(
                method=request.method,
                path=request.path,
                route=route.name if route is not None else None,
                query=ctx.query,
                raw_query=request.rel_url.raw_query_string,
                headers=dict(request.headers),
                body=ctx.body,
                status=status,
                org_id=org_id,
                user_id=ctx.user.id if ctx.user is not None else None,
                applied=applied,
                time=arrived,
                fault=fault,
                raw_path=request.rel_url.raw_path,
            )
        )
        # Trim in batches: deleting one entry from the front of a long list on every
        # request would cost more than the request.
        if len(self.log) > self.max_log + max(self.max_log // 10, 1):
            del self.log[: len(self.log) - self.max_log]

    # ------------------------------------------------------------------ test handles

    def api_description(self) -> dict[str, Any]:
        """The Swagger 2.0 description of every route, as ``GET /docs/index`` serves it.

        Built from the router: each operation's path and query parameters, the status of its
        successful answer and the error statuses it can give, with the JSON error shape.
        """
        return describe(self._router.names.values())

    def api_description_json(self) -> bytes:
        """:meth:`api_description` encoded once (the routes never change)."""
        if self._description is None:
            self._description = dumps(self.api_description())
        return self._description

    def reset_log(self) -> None:
        """Forget logged requests and zero the counters."""
        self.log.clear()
        self.counters.reset()

    def inject(
        self,
        route: str | None = None,
        *,
        path: str | None = None,
        method: str | None = None,
        query: Mapping[str, str] | None = None,
        times: int | None = None,
        probability: float | None = None,
        status: int | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        retry_after: float | str | None = None,
        delay: float | None = None,
        drop: Drop | None = None,
        truncate: bool = False,
        html: bool = False,
    ) -> Fault:
        """Inject a fault; see :class:`Fault` for what each argument does.

        ``route`` (or its alias ``path``) is a regular expression searched in the path without
        ``/api`` (``r"/runs$"``); faults are tried in the order they were injected.
        Returns the fault: ``fault.remove()`` stops it, ``fault.hits`` counts its victims.
        """
        if route is not None and path is not None:
            raise ValueError("give route or path, not both")
        return self.faults.add(
            Fault(
                route=route if route is not None else path,
                method=method,
                query=dict(query) if query else None,
                times=times,
                probability=probability,
                status=status,
                body=body,
                headers=dict(headers) if headers else None,
                retry_after=retry_after,
                delay=delay,
                drop=drop,
                truncate=truncate,
                html=html,
            )
        )

    def clear_faults(self) -> None:
        """Remove every injected fault."""
        self.faults.clear()

    def set_rate_limit(
        self,
        limit: RateLimit | None = None,
        *,
        requests: int | None = None,
        per_seconds: float = 60.0,
        retry_after: float | None = None,
        whole_seconds: bool = True,
    ) -> None:
        """Limit requests per token (no ``limit`` and no ``requests``: no limit).

        See :class:`RateLimit` for the arguments.
        """
        if limit is None and requests is not None:
            limit = RateLimit(
                requests=requests,
                per_seconds=per_seconds,
                retry_after=retry_after,
                whole_seconds=whole_seconds,
            )
        self.limiter = RateLimiter(limit)

    def revoke_token(self, access_token: str) -> None:
        """Revoke one access token (and the refresh token issued with it)."""
        self.tokens.revoke(access_token)

    def expire_token(self, access_token: str) -> None:
        """Make one access token expired."""
        self.tokens.expire(access_token)

    def expire_tokens(self, org_id: str | None = None) -> int:
        """Expire every live access token, or those usable in one organization; returns how many."""
        return self.tokens.expire_all(org_id)

    def revoke_tokens(self, org_id: str | None = None) -> int:
        """Revoke every live access token, or those usable in one organization; returns how many."""
        return self.tokens.revoke_all(org_id)

    def issued_tokens(self) -> list[str]:
        """Every access and refresh token issued so far (to check none leaks into logs)."""
        return [*self.tokens.access, *self.tokens.refresh]

    def add_personal_access_token(self, user_id: int) -> str:
        """A personal access token for a user: it never expires, only revocation ends it."""
        self._user(user_id)
        return self.tokens.issue(
            "personal", client_id=None, user_id=user_id, lifetime=None
        ).access_token

    def sign_in_browser(self, user_id: int | None, *, consent: bool = True) -> None:
        """Sign a member in to "the browser" that visits ``/oauth/authorize`` (``None`` signs
        them out); ``consent=False`` makes them refuse the application (``access_denied``)."""
        if user_id is not None:
            self._user(user_id)
        self.browser_session = None if user_id is None else (user_id, consent)

    def issue_token(self, user_id: int, *, lifetime: int | None = None) -> str:
        """An access token for a user without a trip to ``/oauth/token`` (not counted)."""
        self._user(user_id)
        life = self.tokens.token_lifetime if lifetime is None else lifetime
        return self.tokens.issue(
            "password", client_id=None, user_id=user_id, lifetime=life
        ).access_token


def _refusal(request: web.Request, reply: Reply) -> Reply:
    """An error ``reply`` as it goes out."""
    if reply.status == 404 and "json" not in request.headers.get("Accept", ""):
        # Production answers a 404 with its HTML page unless JSON is asked for.
        reply = Reply(404, NOT_FOUND_HTML, HTML)
    if request.content.exception() is not None:
        # The body's stream broke (see _body._unreadable): whatever the refusal, the client
        # must not reuse the connection, which the server closes after this answer.
        headers = {**(reply.headers or {}), "Connection": "close"}
        reply = Reply(reply.status, reply.body, reply.content_type, headers)
    return reply


async def _truncated(request: web.Request, reply: Reply) -> web.StreamResponse:
    """Announce the whole body, write half of it, then close the connection."""
    response = web.StreamResponse(status=reply.status, headers=reply.headers or {})
    if reply.content_type is not None:
        response.headers["Content-Type"] = reply.content_type
    response.content_length = len(reply.body) + 64
    await response.prepare(request)
    await response.write(reply.body[: len(reply.body) // 2])
    if request.transport is not None:
        request.transport.close()
    return response


def _fault_kind(fault: Fault) -> str:
    if fault.truncate:
        return "truncate"
    if fault.html:
        return "html"
    if fault.status is not None:
        return "status"
    return "delay"
