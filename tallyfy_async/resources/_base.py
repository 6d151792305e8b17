"""What every resource client shares: the one way from a route to a typed result."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from tallyfy_async import _constants as C
from tallyfy_async._routes import Route
from tallyfy_async._transport import Response
from tallyfy_async._urls import QueryParams
from tallyfy_async.errors import UnexpectedResponseError
from tallyfy_async.pagination import Paginator

if TYPE_CHECKING:
    from tallyfy_async.client import OrgClient

T = TypeVar("T")


def structure_or_raise(hook: Callable[[Any, Any], T], data: Any, model: type[T]) -> T:
    """``data`` as a ``model``, or an :class:`UnexpectedResponseError` saying why not."""
    try:
        return hook(data, model)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise UnexpectedResponseError(
            f"Tallyfy's answer does not read as a {model.__name__}: {exc}", data
        ) from exc


class Resource:
    """Base of the resource clients; holds the organization view it serves."""

    def __init__(self, org: OrgClient) -> None:
        self._org = org

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._org.org_id}>"

    def _send(
        self,
        route: Route,
        ids: dict[str, object] | None = None,
        *,
        params: QueryParams | None = None,
        json: Any = None,
        decode: bool = True,
    ) -> Awaitable[Response]:
        # Returns the transport's coroutine rather than awaiting it: a frame fewer.
        return self._org.client._call(
            route, self._org.org_id, ids or {}, params=params, json=json, decode=decode
        )

    def _structure(self, data: Any, model: type[T]) -> T:
        return structure_or_raise(self._org.client.converter.get_structure_hook(model), data, model)

    async def _item(
        self,
        route: Route,
        model: type[T],
        ids: dict[str, object] | None = None,
        *,
        params: QueryParams | None = None,
        json: Any = None,
    ) -> T:
        response = await self._send(route, ids, params=params, json=json)
        return self._structure(response.data, model)

    def _list(
        self,
        route: Route,
        model: type[T],
        ids: dict[str, object] | None = None,
        *,
        params: QueryParams | None = None,
        per_page: int = C.MAX_PER_PAGE,
        limit: int | None = None,
        concurrency: int = 1,
    ) -> Paginator[T]:
        converter = self._org.client.converter
        base = dict(params or {})

        def fetch(page: int, size: int) -> Awaitable[Response]:
            # Undecoded: the paginator decodes each page when the walk reaches it.
            query = {**base, "page": page, "per_page": size}
            return self._send(route, ids, params=query, decode=False)

        return Paginator(
            fetch,
            converter.item_structurer(model),
            per_page=per_page,
            limit=limit,
            concurrency=concurrency,
        )
