"""Search (``org.search``): one typed block of results per type of record."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from tallyfy_async import _constants as C
from tallyfy_async._routes import Route
from tallyfy_async._transport import Response
from tallyfy_async.models.search import (
    BlueprintHit,
    CaptureHit,
    ProcessHit,
    SearchBlock,
    SearchResults,
    SearchType,
    SnippetHit,
    StepHit,
    TaskHit,
)
from tallyfy_async.pagination import Paginator, read_page
from tallyfy_async.resources import _kinds as kinds
from tallyfy_async.resources._base import Resource
from tallyfy_async.resources._body import Body
from tallyfy_async.resources._checks import at_least

SEARCH: Final = Route("GET", "/search")

#: The model of one hit of each type.
HITS: Final[dict[SearchType, type[Any]]] = {
    SearchType.BLUEPRINT: BlueprintHit,
    SearchType.PROCESS: ProcessHit,
    SearchType.TASK: TaskHit,
    SearchType.SNIPPET: SnippetHit,
    SearchType.CAPTURE: CaptureHit,
    SearchType.STEP: StepHit,
}
TYPE: Final = kinds.Choice(choices=frozenset(member.value for member in SearchType))


def _types(name: str, value: Any) -> list[str]:
    """The types asked for, checked and without repeats; one type may be given alone."""
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, Iterable) or not values:
        raise TypeError(f"{name} must name one type or more: {', '.join(sorted(TYPE.choices))}")
    checked = [TYPE.check(f"{name}[{index}]", each) for index, each in enumerate(values)]
    return list(dict.fromkeys(checked))


SEARCH_QUERY: Final = {
    "q": kinds.Text(required=True, filled=True, wire="search"),
    "types": kinds.Checked(function=_types, wire="on"),
}


class Search(Resource):
    """Search one organization: ``await org.search("onboarding", types=["process"])``.

    Each type asked for comes back as its own :class:`SearchBlock` (its first page, with
    its own total); :meth:`list` walks every page of one type. Task hits do not say
    their process: read the task for its ``run_id``.
    """

    async def __call__(
        self,
        q: str,
        /,
        *,
        types: SearchType | str | Iterable[SearchType | str] = tuple(SearchType),
        per_page: int = 20,
    ) -> SearchResults:
        """Search: ``GET /organizations/{org}/search?search=...&on=...``.

        One request asks for every type; each comes back as its own block, with its
        own first page and total.

        Args:
            q: the text to look for.
            types: one :class:`SearchType` or several (every type by default).
            per_page: hits per type on the first page; above 100 (Tallyfy's cap) asks
                for 100, as listings do.

        Returns:
            :class:`SearchResults`: a :class:`SearchBlock` for each type asked for.

        Raises:
            TypeError, ValueError: a blank query, an unknown type or a per_page below 1
                (nothing is sent).
        """
        query = self._search_query(q, types)
        at_least("per_page", per_page, 1)
        per_page = min(per_page, C.MAX_PER_PAGE)  # as Paginator asks: Tallyfy caps it
        response = await self._send(SEARCH, params={**query, "page": 1, "per_page": per_page})
        blocks: dict[str, SearchBlock[Any]] = {}
        for on in query["on"]:
            kind = SearchType(on)
            structure = self._converter.item_structurer(HITS[kind])
            page = read_page(_block(response, on), structure, per_page, HITS[kind])
            blocks[on] = SearchBlock(kind, page)
        return SearchResults(query=q, **blocks)

    def list(
        self,
        *,
        q: str,
        type: SearchType | str,
        per_page: int = C.MAX_PER_PAGE,
        limit: int | None = None,
        concurrency: int = 1,
    ) -> Paginator[Any]:
        """Every hit of one type: ``GET .../search?search=...&on=<type>``, page by page.

        Args:
            q: the text to look for.
            type: the :class:`SearchType`.
            per_page: page size (Tallyfy caps it at 100).
            limit: stop after this many hits.
            concurrency: pages fetched at once after the first.

        Returns:
            A :class:`~tallyfy_async.pagination.Paginator` of the type's hit model
            (:class:`ProcessHit` for ``process``...).

        Raises:
            TypeError, ValueError: a blank query or an unknown type (nothing is sent).
        """
        if not isinstance(type, str):  # SearchType is a str too
            raise TypeError(
                f"search.list walks the hits of one type, got {type!r:.80}: call it once per "
                "type, or org.search(q, types=[...]) for the first page of several"
            )
        query = self._search_query(q, type)
        [on] = query["on"]
        model = HITS[SearchType(on)]

        async def fetch(page: int, size: int) -> Response:
            response = await self._send(SEARCH, params={**query, "page": page, "per_page": size})
            return _block(response, on)

        return Paginator(
            fetch,
            self._converter.item_structurer(model),
            per_page=per_page,
            limit=limit,
            concurrency=concurrency,
            model=model,
        )

    def _search_query(self, q: str, types: Any) -> dict[str, Any]:
        body = Body(self._converter)
        body.put_all(SEARCH_QUERY, {"q": q, "types": types})
        return body.query()


def _block(response: Response, on: str) -> Response:
    """One type's block of a search answer, as a list response of its own."""
    answer = response.data if isinstance(response.data, dict) else {}
    block = answer.get(on)
    if not isinstance(block, dict):  # no hit of this type: Tallyfy may leave it out
        block = {"data": [], "meta": {"pagination": {"total": 0, "total_pages": 0}}}
    return Response(response.status, response.headers, block)


__all__ = ["Search"]
