"""List answers: ``{"data": [...], "meta": {"pagination": {...}}}``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import unquote

from tallyfy_async.testing._context import Ctx
from tallyfy_async.testing._fields import text_id
from tallyfy_async.testing._http import Reply
from tallyfy_async.testing._json import dumps

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 10

T = TypeVar("T")


def _positive(text: str | None) -> int | None:
    value = text_id(text)
    return value if value else None


def paginate(
    ctx: Ctx,
    items: Sequence[T],
    render: Callable[[T], Any],
    *,
    per_page: int = DEFAULT_PER_PAGE,
    unpaginated: bool = True,
    extra_meta: dict[str, Any] | None = None,
) -> Reply:
    """One page of ``items``, each shown as ``render`` returns it, in one ``dumps`` call.

    ``per_page`` is the route's default; a requested size is capped at 100. With
    ``unpaginated`` (most routes) ``without_pagination=true`` returns every item without
    ``meta``; steps, groups and tags ignore it.
    """
    if unpaginated and ctx.flag("without_pagination"):
        return Reply(200, dumps({"data": list(map(render, items))}))
    body = page_of(ctx, items, render, per_page=per_page)
    if extra_meta:
        body["meta"] = {**extra_meta, **body["meta"]}
    return Reply(200, dumps(body))


def page_of(
    ctx: Ctx, items: Sequence[T], render: Callable[[T], Any], *, per_page: int = DEFAULT_PER_PAGE
) -> dict[str, Any]:
    """``{"data": [...], "meta": {"pagination": {...}}}`` of the page ``ctx`` asks for."""
    # A requested size is capped; a route's own default (9999 for users) is not.
    requested = _positive(ctx.query.get("per_page"))
    size = min(requested, MAX_PER_PAGE) if requested else per_page
    page = _positive(ctx.query.get("page")) or 1
    total = len(items)
    # Laravel's LengthAwarePaginator never reports fewer than one page.
    total_pages = max((total + size - 1) // size, 1)
    chosen = items[(page - 1) * size : page * size]
    links: dict[str, str] = {}
    if page > 1:
        links["previous"] = _link(ctx, page - 1)
    if page < total_pages:
        links["next"] = _link(ctx, page + 1)
    pagination: dict[str, Any] = {
        "total": total,
        "count": len(chosen),
        "per_page": size,
        "current_page": page,
        "total_pages": total_pages,
        # PHP encodes an empty links array as [].
        "links": links or [],
    }
    return {"data": list(map(render, chosen)), "meta": {"pagination": pagination}}


def _link(ctx: Ctx, page: int) -> str:
    """The same URL with another ``page``; every other parameter kept as the client wrote it.

    A repeated ``page`` becomes one, where the first was: left in, the last would be read.
    """
    url = ctx.request.rel_url
    parts: list[str] = []
    placed = False
    for part in url.raw_query_string.split("&"):
        if unquote(part.partition("=")[0]) == "page":
            if not placed:
                parts.append(f"page={page}")
                placed = True
        elif part:
            parts.append(part)
    if not placed:
        parts.append(f"page={page}")
    return f"{ctx.request.scheme}://{ctx.request.host}{url.raw_path}?{'&'.join(parts)}"
