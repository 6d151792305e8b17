"""``TallyfyClient``, the session manager, and ``OrgClient``, its per-organization view."""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Awaitable, Callable, Sequence
from functools import cached_property
from typing import Any, Literal, TypeVar, overload

import aiohttp
from yarl import URL

from tallyfy_async import _account
from tallyfy_async import _constants as C
from tallyfy_async._responses import Attempt, Response
from tallyfy_async._routes import Route
from tallyfy_async._serde import Converter, RequestDateFormat, default_converter
from tallyfy_async._transport import Transfer, Transport
from tallyfy_async._unset import UNSET, UnsetOr
from tallyfy_async._urls import (
    QueryParams,
    check_org_id,
    encode_path,
    encode_query,
    parse_base_url,
    split_path,
)
from tallyfy_async.auth.cache import CredentialsSource, TokenCache
from tallyfy_async.auth.tokens import TokenStore
from tallyfy_async.config import ConnectionLimits, RetryPolicy, Timeouts
from tallyfy_async.models.meta import ApiDescription
from tallyfy_async.models.organizations import Organization
from tallyfy_async.models.people import User
from tallyfy_async.pagination import Paginator
from tallyfy_async.rate import RateControl
from tallyfy_async.resources.applications import Applications
from tallyfy_async.resources.blueprints import Blueprints
from tallyfy_async.resources.custom_fields import CustomFields
from tallyfy_async.resources.files import Files
from tallyfy_async.resources.folders import Folders
from tallyfy_async.resources.form_fields import FormFields
from tallyfy_async.resources.groups import Groups
from tallyfy_async.resources.guests import Guests
from tallyfy_async.resources.members import Members
from tallyfy_async.resources.organizations import Activity, Details, Me
from tallyfy_async.resources.processes import Processes
from tallyfy_async.resources.search import Search
from tallyfy_async.resources.steps import Steps
from tallyfy_async.resources.tags import Tags
from tallyfy_async.resources.tasks import Tasks
from tallyfy_async.resources.watchers import Watchers

_ORG_SCOPED = re.compile(r"^/(?:organizations|applications)/([^/]+)")
#: An HTTP method as it goes on the request line: letters only (no space, CR, LF, NUL).
_METHOD = re.compile(r"[A-Za-z]+")

T = TypeVar("T")


class TallyfyClient:
    """The session manager: one aiohttp connection pool and one token cache.

    Use it as an async context manager (or call :meth:`close`)::

        async with TallyfyClient(credentials=PasswordGrant(...)) as client:
            org = client.org("3b0c...")
            async for run in org.processes.list():
                ...

    Args:
        credentials: one credentials object for every organization, a mapping
            ``{org_id: credentials}``, or an async callable ``org_id -> credentials``
            (asked once per organization, and with ``None`` for calls that name none,
            like ``/me``).
        base_url: the API root; ``https://go.tallyfy.com/api`` and
            ``https://api.tallyfy.com`` both work. Default: the ``TALLYFY_BASE_URL``
            environment variable, else ``https://go.tallyfy.com/api``.
        token_url: the OAuth token endpoint. Default: the ``TALLYFY_TOKEN_URL``
            environment variable, else ``https://go.tallyfy.com/api/oauth/token``.
        timeouts: connect, read, per-attempt total, and the deadline of one call.
        retry: the retry policy.
        max_concurrency: requests in flight at once; the rest wait first in first out.
        limits: the connection pool (sockets, DNS cache, keep-alive).
        token_store: where tokens are saved before use (memory by default).
        refresh_margin: refresh a token this many seconds before it expires
            (at most half its lifetime).
        request_dates: how datetimes are written in requests (year-month-day by default).
        allow_insecure_http: allow ``http://`` to a host that is not this machine.
        client_header: the ``X-Tallyfy-Client`` value.
        user_agent: replaces the default ``tallyfy-async/<version> ...``.
        trace_configs: aiohttp trace configs, passed to the session.
        on_attempt: called once per attempt with an :class:`Attempt`.
        adaptive_rate: pace requests per organization by Tallyfy's answers (429,
            ``Retry-After``, ``X-RateLimit-Remaining``; see :mod:`tallyfy_async.rate`).
            None (default): every request when ``rate_control`` is given, else inside bulk
            jobs only; True: every request; False: never.
        rate_control: each organization's allowance (an :class:`~tallyfy_async.rate.AdaptiveRate`
            up to ``max_concurrency`` by default; a limiter shared by a fleet, such as
            :class:`~tallyfy_async.stores.RedisRateBudget`, plugs in here and then paces every
            request).

    Raises:
        ValueError, TypeError: for a bad URL, credentials or knob (nothing is sent).
    """

    def __init__(
        self,
        credentials: CredentialsSource,
        *,
        base_url: str | URL | None = None,
        token_url: str | URL | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        max_concurrency: int = C.DEFAULT_MAX_CONCURRENCY,
        limits: ConnectionLimits | None = None,
        token_store: TokenStore | None = None,
        refresh_margin: float = C.DEFAULT_REFRESH_MARGIN,
        request_dates: RequestDateFormat = RequestDateFormat.YEAR_MONTH_DAY,
        allow_insecure_http: bool = False,
        client_header: str = C.CLIENT_HEADER_VALUE,
        user_agent: str | None = None,
        trace_configs: list[aiohttp.TraceConfig] | None = None,
        on_attempt: Callable[[Attempt], None] | None = None,
        adaptive_rate: bool | None = None,
        rate_control: RateControl | None = None,
    ) -> None:
        self.converter: Converter = (
            default_converter
            if request_dates is RequestDateFormat.YEAR_MONTH_DAY
            else Converter(request_dates)
        )
        if base_url is None:
            base_url = os.environ.get(C.BASE_URL_ENV) or C.DEFAULT_BASE_URL
        if token_url is None:
            token_url = os.environ.get(C.TOKEN_URL_ENV) or C.DEFAULT_TOKEN_URL
        self._transport = Transport(
            base_url=parse_base_url(
                base_url, what="base_url", allow_insecure_http=allow_insecure_http
            ),
            token_url=parse_base_url(
                token_url, what="token_url", allow_insecure_http=allow_insecure_http
            ),
            timeouts=timeouts or Timeouts(),
            retry=retry or RetryPolicy(),
            limits=limits or ConnectionLimits(),
            max_concurrency=max_concurrency,
            client_header=client_header,
            user_agent=user_agent,
            trace_configs=trace_configs,
            on_attempt=on_attempt,
            scalar=self.converter.unstructure,
            rate_control=rate_control,
            adaptive_rate=adaptive_rate,
        )
        #: Each organization's allowance of requests in flight (``rate_control``).
        self.rate_control: RateControl = self._transport.rate_control
        self.tokens = TokenCache(
            credentials,
            grants=self._transport,
            store=token_store,
            refresh_margin=refresh_margin,
        )
        self._transport.tokens = self.tokens
        self._orgs: dict[str, OrgClient] = {}
        self._allow_insecure_http = allow_insecure_http

    # -- lifecycle ---------------------------------------------------------------------

    async def __aenter__(self) -> TallyfyClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the connection pool; calls still in flight end with ClientClosedError.

        A token refresh in flight is let finish first, for up to 3 s
        (``TOKEN_CLOSE_GRACE``): Tallyfy may already have rotated the refresh token, and
        cancelling it before the store saved the new one would leave no usable refresh
        token behind. A token store that has ``aclose()`` is closed too
        (``RedisTokenStore`` then closes the Redis client it made from a URL, never one the
        application passed in).
        """
        await self._transport.aclose()

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._transport.closed

    def __del__(self) -> None:
        # Only warn: scheduling a close from a finaliser could run on a dead loop.
        transport = getattr(self, "_transport", None)
        if transport is not None and transport.session_open:
            warnings.warn(
                "TallyfyClient was not closed: use 'async with TallyfyClient(...)' or "
                "'await client.close()'",
                ResourceWarning,
                stacklevel=2,
            )

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<TallyfyClient {self._transport.base_url} {state}>"

    # -- views and requests ------------------------------------------------------------

    @property
    def base_url(self) -> URL:
        """The API root requests are sent to."""
        return self._transport.base_url

    def org(self, org_id: str) -> OrgClient:
        """The view of one organization: its resources share this client's pool and tokens.

        Args:
            org_id: the organization's id, 32 lowercase hexadecimal characters.

        Raises:
            ValueError: for a value that is not an organization id, or one the
                credentials do not cover (nothing is sent).
        """
        org_id = check_org_id(org_id, "org_id")
        view = self._orgs.get(org_id)
        if view is None:
            self.tokens.check_org(org_id)
            view = self._orgs[org_id] = OrgClient(self, org_id)
        return view

    async def request(
        self,
        method: str,
        path: str,
        *,
        org: str | None = None,
        params: QueryParams | None = None,
        json: Any = None,
    ) -> Response:
        """Send any request, with auth, retries and error mapping (the escape hatch).

        Args:
            method: ``GET``, ``POST``, ``PUT``, ``DELETE``...
            path: from the API root with a leading slash, as Tallyfy's documentation writes it
                (``/organizations/{org}/runs``); appended to the base URL's path.
            org: whose token to use; taken from the path when it names one.
            params: query parameters (spaces sent as ``%20``, booleans as ``true``).
            json: a JSON body; datetimes in it (aware only) are written in the
                request date format, enums as their values.

        Returns:
            The decoded :class:`Response`; ``.data`` drops the ``data`` envelope.

        Raises:
            ValueError: for an unsafe method or path, or an organization that does not match.
            APIError: (and subclasses) when Tallyfy answers with an error.
            TransportError, OutcomeUnknownError: when no usable answer arrived.
        """
        if not isinstance(method, str) or not _METHOD.fullmatch(method):
            raise ValueError(
                f"method must be an HTTP method such as 'GET' or 'POST', got {method!r:.40}"
            )
        segments = split_path(path)
        match = _ORG_SCOPED.match("/" + "/".join(segments))
        if match:
            if org is None:
                org = match.group(1)
            elif org != match.group(1):
                raise ValueError(
                    f"path {path!r} names organization {match.group(1)!r} but org={org!r}: a "
                    "token of one organization is never sent to another"
                )
        if org is not None:
            check_org_id(org, "org")
        self.tokens.check_org(org)
        url = self._url(encode_path(segments), params)
        body = None if json is None else self.converter.to_wire(json)
        return await self._transport.request(method, url, org=org, json=body)

    # -- the caller, across organizations ----------------------------------------------

    async def me(self) -> User:
        """The user the credentials act as: ``GET /me``.

        Raises:
            ValueError: credentials per organization (a mapping, ``ApplicationUser``): the
                call names no organization (use ``await client.org(org_id).me()``).
        """
        return await _account.me(self)

    def organizations(
        self, *, per_page: int = C.MAX_PER_PAGE, limit: int | None = None, concurrency: int = 1
    ) -> Paginator[Organization]:
        """The organizations the user belongs to: ``GET /me/organizations``.

        Each :class:`~tallyfy_async.models.organizations.Organization` also says the user's
        role and status there; its ``id`` is what :meth:`org` takes.

        Raises:
            ValueError: credentials per organization, as for :meth:`me`.
        """
        return _account.organizations(self, per_page=per_page, limit=limit, concurrency=concurrency)

    async def api_description(self, *, url: str | URL | None = None) -> ApiDescription:
        """Tallyfy's live description of its API (Swagger 2.0): ``GET /docs/index``.

        Tallyfy serves it on ``https://api.tallyfy.com/docs/index``, whichever of its hosts
        the client talks to; with another ``base_url`` (FakeTallyfy, a proxy) it is read from
        ``{base_url}/docs/index``. It is public: no token is sent.

        Args:
            url: read it from there instead.
        """
        where = _account.description_url(
            self.base_url, url, allow_insecure_http=self._allow_insecure_http
        )
        return await _account.api_description(self, where)

    def _url(self, path: str, params: QueryParams | None) -> URL:
        query = encode_query(params, self.converter.unstructure) if params else ""
        return self._transport.url(path, query)

    @overload
    def _call(
        self,
        route: Route,
        org: str | None,
        ids: dict[str, object],
        *,
        params: QueryParams | None = None,
        json: Any = None,
        decode: bool = True,
        transfer: Transfer | None = None,
        read: None = None,
    ) -> Awaitable[Response]: ...

    @overload
    def _call(
        self,
        route: Route,
        org: str | None,
        ids: dict[str, object],
        *,
        params: QueryParams | None = None,
        json: Any = None,
        read: Callable[[Any], T],
    ) -> Awaitable[T]: ...

    def _call(
        self,
        route: Route,
        org: str | None,
        ids: dict[str, object],
        *,
        params: QueryParams | None = None,
        json: Any = None,
        decode: bool = True,
        transfer: Transfer | None = None,
        read: Callable[[Any], Any] | None = None,
    ) -> Awaitable[Any]:
        """Send ``route`` for ``org`` (the resources' way in; None: the caller's own routes).

        A plain function returning the transport's coroutine, not a coroutine of its
        own: one frame fewer to resume on every I/O event of every request.
        ``decode=False`` leaves a 2xx body as bytes (listings fetching pages ahead);
        ``transfer`` streams a file up or down; ``read`` turns the response's data into
        the result inside the transport's coroutine (see :meth:`Transport.request`).
        """
        url = self._url(route.compile(ids, org), params)
        if read is not None:
            return self._transport.request(route.method, url, org=org, json=json, read=read)
        return self._transport.request(
            route.method, url, org=org, json=json, decode=decode, transfer=transfer
        )


class OrgClient:
    """One organization seen through a :class:`TallyfyClient` (cheap; shares its pool).

    Attributes:
        client: the client it belongs to.
        org_id: the organization's 32-hex id.
    """

    def __init__(self, client: TallyfyClient, org_id: str) -> None:
        self.client = client
        # Checked here, once: every request of its resources puts it into the path as it
        # is (Route.compile), so it is read-only.
        self._org_id = check_org_id(org_id, "org_id")

    @property
    def org_id(self) -> str:
        """The organization's 32-hex id (read-only)."""
        return self._org_id

    def __repr__(self) -> str:
        return f"<OrgClient {self.org_id}>"

    @cached_property
    def blueprints(self) -> Blueprints:
        """Blueprints (the API's ``checklists``), their kick-off fields and automations."""
        return Blueprints(self)

    @cached_property
    def steps(self) -> Steps:
        """Steps of blueprints."""
        return Steps(self, self.blueprints._record_scope)

    @cached_property
    def form_fields(self) -> FormFields:
        """Form fields (captures) of steps, and kick-off fields."""
        return FormFields(self, self.steps._record_scope)

    @cached_property
    def processes(self) -> Processes:
        """Processes (the API's ``runs``) launched from blueprints, with their tasks."""
        return Processes(self)

    @cached_property
    def tasks(self) -> Tasks:
        """Every task of the organization; one-off tasks' writes; comments on tasks."""
        return Tasks(self)

    @overload
    async def get(
        self, *, with_: UnsetOr[str | Sequence[str]] = ..., raw: Literal[False] = False
    ) -> Organization: ...

    @overload
    async def get(
        self, *, with_: UnsetOr[str | Sequence[str]] = ..., raw: Literal[True]
    ) -> dict[str, Any]: ...

    async def get(
        self, *, with_: UnsetOr[str | Sequence[str]] = UNSET, raw: bool = False
    ) -> Organization | dict[str, Any]:
        """The organization's details: ``GET /organizations/{org}``.

        Args:
            with_: includes (``subscription``, ``billing_info``).
            raw: True for the record as the dict Tallyfy sent, no model built (dates
                as their text, includes as ``{"data": ...}``): see :meth:`Paginator.raw
                <tallyfy_async.pagination.Paginator.raw>`.

        Returns:
            The :class:`Organization`; its dict with ``raw=True``.
        """
        if raw:
            return await self._details.get(with_=with_, raw=True)
        return await self._details.get(with_=with_)

    @cached_property
    def _details(self) -> Details:
        return Details(self)

    @cached_property
    def me(self) -> Me:
        """The caller as a member here: ``await org.me()``; ``await org.me.update(...)``."""
        return Me(self)

    @cached_property
    def members(self) -> Members:
        """Members (the API's ``users``): invite, update, roles, disable, remove, delete."""
        return Members(self)

    @cached_property
    def guests(self) -> Guests:
        """Guests, addressed by email."""
        return Guests(self)

    @cached_property
    def groups(self) -> Groups:
        """Groups of members and guests."""
        return Groups(self)

    @cached_property
    def activity(self) -> Activity:
        """The activity feed: ``org.activity.list(...)``."""
        return Activity(self)

    @cached_property
    def applications(self) -> Applications:
        """What a third-party application does with an application token (provisioning)."""
        return Applications(self)

    @cached_property
    def tags(self) -> Tags:
        """Tags, and attaching them to blueprints and processes."""
        return Tags(self)

    @cached_property
    def folders(self) -> Folders:
        """Folders of blueprints and of processes, and filing into them."""
        return Folders(self)

    @cached_property
    def files(self) -> Files:
        """Files: streamed uploads and downloads, metadata, deletion."""
        return Files(self)

    @cached_property
    def search(self) -> Search:
        """Search: ``await org.search("text", types=["process"])``."""
        return Search(self)

    @cached_property
    def custom_fields(self) -> CustomFields:
        """Custom-field keys, and their values on every kind of record."""
        return CustomFields(self)

    @cached_property
    def watchers(self) -> Watchers:
        """Organization-level webhook subscriptions (low confidence)."""
        return Watchers(self)

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: QueryParams | None = None,
        json: Any = None,
    ) -> Response:
        """``client.request`` with this organization's token (see there)."""
        return await self.client.request(method, path, org=self.org_id, params=params, json=json)


__all__ = ["OrgClient", "QueryParams", "TallyfyClient"]
