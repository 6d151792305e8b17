"""The organization itself: its details, the caller's own profile in it, its activity feed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Final, Literal, overload

from tallyfy_async import _constants as C
from tallyfy_async._routes import Route
from tallyfy_async._unset import UNSET, UnsetOr
from tallyfy_async.models.organizations import ActivityItem, Organization
from tallyfy_async.models.people import Member
from tallyfy_async.pagination import Paginator
from tallyfy_async.resources import _kinds as kinds
from tallyfy_async.resources._base import Resource
from tallyfy_async.resources.members import PROFILE_FIELDS, PROFILE_REQUIRED

GET_ORGANIZATION: Final = Route("GET", "")
GET_ME: Final = Route("GET", "/me")
UPDATE_ME: Final = Route("PUT", "/me")
LIST_ACTIVITY: Final = Route("GET", "/activity-feeds")

#: What the feed's ``entity_type`` names.
EntityType = Literal["checklist", "run", "step", "task", "thread"]

ACTIVITY_FILTERS: Final = {
    "entity_type": kinds.Choice(choices=frozenset(("checklist", "run", "step", "task", "thread"))),
    "entity_id": kinds.Text(filled=True),
    "type": kinds.TEXT,
    "verb": kinds.TEXT,
    "actor_type": kinds.Choice(choices=frozenset(("user", "guest"))),
    "actor_id": kinds.INT,
    "actor_email": kinds.TEXT,
    "source": kinds.TEXT,
    "field": kinds.TEXT,
    "created_after": kinds.DAY,
    "created_before": kinds.DAY,
    "search": kinds.Text(filled=True, max_len=100),
    "sort": kinds.TEXT,
}


class Details(Resource):
    """The organization's own record (``await org.get()``)."""

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
        """Read the organization: ``GET /organizations/{org}``.

        Args:
            with_: includes (``subscription``, ``billing_info``).
            raw: True for the record as the dict Tallyfy sent, no model built (dates
                as their text, includes as ``{"data": ...}``): see :meth:`Paginator.raw
                <tallyfy_async.pagination.Paginator.raw>`.

        Returns:
            The :class:`Organization`; its dict with ``raw=True``.
        """
        query = self._includes(with_)
        if raw:
            return await self._raw_item(GET_ORGANIZATION, params=query)
        return await self._item(GET_ORGANIZATION, Organization, params=query)


class Me(Resource):
    """The caller as a member of this organization: ``await org.me()`` reads it,
    ``await org.me.update(...)`` changes it."""

    async def __call__(self) -> Member:
        """Read one's own profile here, role included: ``GET /organizations/{org}/me``."""
        return await self._item(GET_ME, Member)

    async def update(
        self,
        *,
        first_name: UnsetOr[str] = UNSET,
        last_name: UnsetOr[str] = UNSET,
        timezone: UnsetOr[str] = UNSET,
        phone: UnsetOr[str | None] = UNSET,
        job_title: UnsetOr[str | None] = UNSET,
        job_description: UnsetOr[str | None] = UNSET,
        team: UnsetOr[str | None] = UNSET,
        country_id: UnsetOr[int | None] = UNSET,
        date_format: UnsetOr[str] = UNSET,
    ) -> Member:
        """Change one's own profile: ``PUT /organizations/{org}/me``.

        Any member may. As for a member's profile, Tallyfy requires ``first_name``,
        ``last_name`` and ``timezone`` every time: those left out are read first (``GET
        /organizations/{org}/me``) and sent as they are.

        Args:
            (each): as :meth:`Members.update <tallyfy_async.resources.members.Members.update>`
                takes it.

        Returns:
            The updated :class:`Member`.

        Raises:
            TypeError, ValueError: an unknown argument, a blank name, a value too long.
        """
        body = self._body(PROFILE_FIELDS, locals())
        await body.resend(PROFILE_REQUIRED, self, required=True)
        return await self._item(UPDATE_ME, Member, json=body.json())


class Activity(Resource):
    """The organization's activity feed (``org.activity``): who changed what, and when."""

    def list(
        self,
        *,
        entity_type: UnsetOr[EntityType] = UNSET,
        entity_id: UnsetOr[str] = UNSET,
        type: UnsetOr[str] = UNSET,
        verb: UnsetOr[str] = UNSET,
        actor_type: UnsetOr[Literal["user", "guest"]] = UNSET,
        actor_id: UnsetOr[int] = UNSET,
        actor_email: UnsetOr[str] = UNSET,
        source: UnsetOr[str] = UNSET,
        field: UnsetOr[str] = UNSET,
        created_after: UnsetOr[date] = UNSET,
        created_before: UnsetOr[date] = UNSET,
        search: UnsetOr[str] = UNSET,
        sort: UnsetOr[str] = UNSET,
        per_page: int = C.MAX_PER_PAGE,
        limit: int | None = None,
        concurrency: int = 1,
    ) -> Paginator[ActivityItem]:
        """List what happened, newest first: ``GET /organizations/{org}/activity-feeds``.

        ``entity_type="run", entity_id=process.id`` gives one process's history: the process
        itself and what hangs from it (its tasks, its comments).

        Args:
            entity_type: ``checklist``, ``run``, ``step``, ``task`` or ``thread``; with
                ``entity_id``, the object whose history to list.
            entity_id: that object's id.
            type: what changed (``Process``, ``Task``, ``Blueprint``, ``Comment``, ``User``...).
            verb: ``created``, ``completed``, ``archived``...
            actor_type: ``user`` or ``guest``.
            actor_id, actor_email: who did it.
            source: ``Member``, ``Guest`` or ``Webhook``.
            field: the field a change was about.
            created_after, created_before: days (both included).
            search: text in the items, 2 to 100 characters.
            sort: ``-created_at`` (newest first, Tallyfy's default) or ``created_at``.
            per_page: page size (Tallyfy caps it at 100).
            limit: stop after this many items.
            concurrency: pages fetched at once after the first.

        Returns:
            A :class:`~tallyfy_async.pagination.Paginator` of :class:`ActivityItem`.

        Raises:
            TypeError, ValueError: an unknown entity type, an entity type without its id, a
                search too short or too long, a datetime where a day belongs (nothing is
                sent).
        """
        if (entity_type is UNSET) != (entity_id is UNSET):
            raise ValueError(
                "entity_type and entity_id go together: entity_type='run', entity_id=process.id"
            )
        if search is not UNSET and isinstance(search, str) and len(search.strip()) < 2:
            raise ValueError(f"search must be 2 to 100 characters, got {search!r}")
        return self._list(LIST_ACTIVITY, ActivityItem, locals(), ACTIVITY_FILTERS)
