"""A route table and a segment trie to match paths against it.

One aiohttp catch-all route hands every request to the fake, which matches it here: the trie
walks one dict lookup per path segment, where aiohttp's dispatcher would try the regular
expressions of a hundred dynamic routes in turn.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

import attrs

if TYPE_CHECKING:
    from tallyfy_async.testing._context import Ctx
    from tallyfy_async.testing._http import Reply

#: "user": a user's token; "app": a client-credentials token; "none": no authentication.
Auth = Literal["user", "app", "none"]
Handler = Callable[["Ctx"], "Reply"]


@attrs.frozen
class Route:
    """One method and path pattern (``/organizations/{org}/runs``) and its handler."""

    method: str
    path: str
    name: str
    handler: Handler
    auth: Auth
    #: Whether a 2xx answer means the state changed.
    write: bool
    params: tuple[str, ...]
    #: The status of a successful answer, and whether it has a body (204 never has).
    status: int = 200
    empty: bool = False
    #: The query parameters the handler reads (for the API description).
    query: tuple[str, ...] = ()
    #: A read that checks its query and may refuse it with 422 (writes all may).
    checks_query: bool = False
    #: What a successful answer is, when it is not JSON (a file's bytes).
    produces: str | None = None
    #: The fields of a multipart form body, the file part first (uploads).
    form: tuple[str, ...] = ()


class RouteTable:
    """Routes declared by one module with decorators."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def route(
        self,
        method: str,
        path: str,
        name: str,
        *,
        auth: Auth = "user",
        write: bool | None = None,
        status: int = 200,
        empty: bool = False,
        query: tuple[str, ...] = (),
        checks_query: bool = False,
        produces: str | None = None,
        form: tuple[str, ...] = (),
    ) -> Callable[[Handler], Handler]:
        """Declare a route; ``write`` defaults to ``method != "GET"``, ``status`` is the
        status of its successful answer (``empty``: without a body), ``query`` the
        parameters it reads, ``checks_query`` whether a bad one is refused (422),
        ``produces`` its answer's type when it is not JSON and ``form`` the fields of its
        multipart body (the file part first)."""

        def register(handler: Handler) -> Handler:
            params = tuple(seg[1:-1] for seg in path.strip("/").split("/") if seg.startswith("{"))
            self.routes.append(
                Route(
                    method,
                    path,
                    name,
                    handler,
                    auth,
                    method != "GET" if write is None else write,
                    params,
                    status,
                    empty or status == 204,
                    query,
                    checks_query,
                    produces,
                    form,
                )
            )
            return handler

        return register

    def get(self, path: str, name: str, **options: Any) -> Callable[[Handler], Handler]:
        """Declare a GET route."""
        return self.route("GET", path, name, **options)

    def post(self, path: str, name: str, **options: Any) -> Callable[[Handler], Handler]:
        """Declare a POST route."""
        return self.route("POST", path, name, **options)

    def put(self, path: str, name: str, **options: Any) -> Callable[[Handler], Handler]:
        """Declare a PUT route."""
        return self.route("PUT", path, name, **options)

    def patch(self, path: str, name: str, **options: Any) -> Callable[[Handler], Handler]:
        """Declare a PATCH route."""
        return self.route("PATCH", path, name, **options)

    def delete(self, path: str, name: str, **options: Any) -> Callable[[Handler], Handler]:
        """Declare a DELETE route."""
        return self.route("DELETE", path, name, **options)


class _Node:
    __slots__ = ("param", "routes", "static")

    def __init__(self) -> None:
        self.static: dict[str, _Node] = {}
        self.param: _Node | None = None
        self.routes: dict[str, Route] = {}


class Router:
    """Matches a method and path segments to a route."""

    def __init__(self, routes: list[Route]) -> None:
        self._root = _Node()
        self.names: dict[str, Route] = {}
        for route in routes:
            if route.name in self.names:
                raise ValueError(f"two routes are named {route.name!r}")
            self.names[route.name] = route
            node = self._root
            for seg in route.path.strip("/").split("/"):
                if seg.startswith("{"):
                    if node.param is None:
                        node.param = _Node()
                    node = node.param
                else:
                    node = node.static.setdefault(seg, _Node())
            if route.method in node.routes:
                raise ValueError(f"{route.method} {route.path} is declared twice")
            node.routes[route.method] = route

    def match(
        self, method: str, segments: list[str]
    ) -> tuple[Route, dict[str, str]] | list[str] | None:
        """The route and its path parameters; the allowed methods when only the method is
        wrong (405); ``None`` when no pattern matches the path (404)."""
        if method == "HEAD":
            method = "GET"  # Laravel answers HEAD wherever it answers GET
        values: list[str] = []
        node = self._walk(self._root, segments, 0, values, method)
        if node is not None:
            route = node.routes[method]
            return route, dict(zip(route.params, values, strict=True))
        node = self._walk(self._root, segments, 0, [], None)
        if node is not None:
            return sorted(node.routes)
        return None

    def _walk(
        self, node: _Node, segments: list[str], index: int, values: list[str], method: str | None
    ) -> _Node | None:
        if index == len(segments):
            if method is None:
                return node if node.routes else None
            return node if method in node.routes else None
        segment = segments[index]
        child = node.static.get(segment)
        if child is not None:
            found = self._walk(child, segments, index + 1, values, method)
            if found is not None:
                return found
        if node.param is not None and segment:
            values.append(segment)
            found = self._walk(node.param, segments, index + 1, values, method)
            if found is not None:
                return found
            values.pop()
        return None
