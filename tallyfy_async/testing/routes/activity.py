"""The organization's activity feed (what :mod:`~tallyfy_async.testing._activity` records)."""

from __future__ import annotations

from datetime import date
from typing import Any

from tallyfy_async.testing._activity import ENTITY_TYPES, matches
from tallyfy_async.testing._context import Ctx
from tallyfy_async.testing._fields import Fields, attribute
from tallyfy_async.testing._http import Reply, invalid
from tallyfy_async.testing._pagination import paginate
from tallyfy_async.testing._router import RouteTable
from tallyfy_async.testing._state import Wire

routes = RouteTable()

#: The feed answers 20 items a page by default.
ACTIVITY_PER_PAGE = 20
#: Filters compared with one field of an item, as text.
_EQUAL = ("type", "verb", "actor_type", "actor_id", "source", "field")
_QUERY = (
    "page", "per_page", "sort", "entity_type", "entity_id", *_EQUAL, "actor_email",
    "created_after", "created_before", "search",
)  # fmt: skip


def _filters(ctx: Ctx) -> dict[str, str]:
    """The filters given, an empty one being no filter (Laravel reads ``?type=`` as null)."""
    return {key: value for key, value in ctx.query.items() if value != ""}


def _check(query: dict[str, str]) -> None:
    """422 for filters the feed refuses: an unknown entity type, a search of 1 or over 100
    characters, a day that is not ``YYYY-MM-DD``."""
    fields = Fields(query)
    entity_type = query.get("entity_type")
    if entity_type is not None and entity_type not in ENTITY_TYPES:
        fields.fail("entity_type", "The selected entity type is invalid.")
    if entity_type is not None and not query.get("entity_id"):
        fields.fail("entity_id", "The entity id field is required when entity type is present.")
    search = query.get("search")
    if search is not None and not 2 <= len(search) <= 100:
        fields.fail("search", "The search must be between 2 and 100 characters.")
    for key in ("created_after", "created_before"):
        day = query.get(key)
        if day is not None and not _is_day(day):
            fields.fail(key, f"The {attribute(key)} does not match the format Y-m-d.")
    if fields.errors:
        raise invalid(fields.errors)


def _is_day(text: str) -> bool:
    try:
        return len(text) == 10 and date.fromisoformat(text) is not None
    except ValueError:
        return False


def _keep(item: Wire, query: dict[str, str]) -> bool:
    for key in _EQUAL:
        wanted = query.get(key)
        if wanted is not None and wanted.lower() not in [
            str(v).lower() for v in _listed(item[key])
        ]:
            return False
    email = query.get("actor_email")
    if email is not None and email.lower() not in [a["email"].lower() for a in item["actor"]]:
        return False
    entity_type = query.get("entity_type")
    if entity_type is not None and not matches(item, entity_type, query["entity_id"]):
        return False
    day = item["created_at"][:10]
    if "created_after" in query and day < query["created_after"]:
        return False
    if "created_before" in query and day > query["created_before"]:
        return False
    search = query.get("search", "").lower()
    return not search or any(search in line.lower() for line in item["description"])


def _listed(value: Any) -> list[Any]:
    """A field the feed sends as a list of one (``verb``), or a plain one (``field``)."""
    return value if isinstance(value, list) else [value]


@routes.get(
    "/organizations/{org}/activity-feeds", "organizations.activity", query=_QUERY, checks_query=True
)
def activity_feed(ctx: Ctx) -> Reply:
    """The organization's activity, newest first (``sort=created_at`` for oldest first).

    Filters: ``entity_type`` (checklist, run, step, task, thread) with ``entity_id`` (what it
    is about, or hangs from), ``type``, ``verb``, ``actor_type``, ``actor_id``,
    ``actor_email``, ``source``, ``field``, ``created_after`` and ``created_before`` (days,
    both included), ``search`` (2 to 100 characters, in the description).
    """
    query = _filters(ctx)
    _check(query)
    items = [item for item in ctx.the_org().activity if _keep(item, query)]
    if query.get("sort") != "created_at":
        items.reverse()
    return paginate(ctx, items, lambda item: item, per_page=ACTIVITY_PER_PAGE, unpaginated=False)
