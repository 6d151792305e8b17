"""Groups of members and guests (``org.groups``), assignable as one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, Literal, overload

from tallyfy_async import _constants as C
from tallyfy_async._routes import Route
from tallyfy_async._unset import UNSET, UnsetOr
from tallyfy_async.models.people import Group, User
from tallyfy_async.pagination import Paginator
from tallyfy_async.resources import _kinds as kinds
from tallyfy_async.resources._base import Resource
from tallyfy_async.resources.members import MEMBER_IDS, PEOPLE_FILTERS

LIST_GROUPS: Final = Route("GET", "/groups")
CREATE_GROUP: Final = Route("POST", "/groups")
GET_GROUP: Final = Route("GET", "/groups/{group_id}")
UPDATE_GROUP: Final = Route("PUT", "/groups/{group_id}")
DELETE_GROUP: Final = Route("DELETE", "/groups/{group_id}")

#: What a group update sends back as it is when left out: Tallyfy requires a name on every
#: update and empties the member and guest lists it is not sent.
RESENT: Final = ("name", "members", "guests")

GROUP_FIELDS: Final = {
    "name": kinds.Text(filled=True, max_len=200),
    # Tallyfy refuses null and "" ('sometimes|required|string'): a description is replaced,
    # never cleared.
    "description": kinds.Text(
        filled=True, why="Tallyfy refuses an empty or null description: replace it, or leave it"
    ),
    "members": MEMBER_IDS,
    "guests": kinds.EMAILS,
}
CREATE_FIELDS: Final = kinds.merged(GROUP_FIELDS, name=kinds.Text(required=True, max_len=200))


class Groups(Resource):
    """Groups of one organization (``org.groups``).

    Creating, changing and deleting groups is for administrators, and for standard members
    where the organization lets them manage groups.
    """

    records = "/groups/{group_id}"
    model = Group

    def list(
        self,
        *,
        q: UnsetOr[str] = UNSET,
        sort: UnsetOr[str] = UNSET,
        with_: UnsetOr[str | Sequence[str]] = UNSET,
        per_page: int = C.MAX_PER_PAGE,
        limit: int | None = None,
        concurrency: int = 1,
    ) -> Paginator[Group]:
        """List groups: ``GET /organizations/{org}/groups`` (always paged by Tallyfy).

        Args:
            q: search in names.
            sort: ``name``, ``created_at`` or ``updated_at``; ``-`` first for descending.
            with_: includes: ``users`` (members as objects), ``guests``, ``assets``.
            per_page: page size (Tallyfy caps it at 100).
            limit: stop after this many groups.
            concurrency: pages fetched at once after the first.

        Returns:
            A :class:`~tallyfy_async.pagination.Paginator` of :class:`Group`.
        """
        return self._list(LIST_GROUPS, Group, locals(), PEOPLE_FILTERS)

    @overload
    async def get(
        self,
        group_id: str | Group,
        /,
        *,
        with_: UnsetOr[str | Sequence[str]] = ...,
        raw: Literal[False] = False,
    ) -> Group: ...

    @overload
    async def get(
        self,
        group_id: str | Group,
        /,
        *,
        with_: UnsetOr[str | Sequence[str]] = ...,
        raw: Literal[True],
    ) -> dict[str, Any]: ...

    async def get(
        self,
        group_id: str | Group,
        /,
        *,
        with_: UnsetOr[str | Sequence[str]] = UNSET,
        raw: bool = False,
    ) -> Group | dict[str, Any]:
        """Read one group: ``GET /organizations/{org}/groups/{group_id}``.

        Args:
            group_id: the group's id, or the :class:`Group`.
            with_: includes.
            raw: True for the record as the dict Tallyfy sent, no model built (dates
                as their text, includes as ``{"data": ...}``): see :meth:`Paginator.raw
                <tallyfy_async.pagination.Paginator.raw>`.

        Returns:
            The :class:`Group`; its dict with ``raw=True``.

        Raises:
            NotFoundError: no such group.
        """
        query = self._includes(with_)
        if raw:
            return await self._raw_item(GET_GROUP, self._ids(group_id), params=query)
        return await self._item(GET_GROUP, Group, self._ids(group_id), params=query)

    async def create(
        self,
        *,
        name: str,
        description: UnsetOr[str] = UNSET,
        members: UnsetOr[Sequence[int | User]] = UNSET,
        guests: UnsetOr[Sequence[str]] = UNSET,
    ) -> Group:
        """Create a group: ``POST /organizations/{org}/groups`` (201).

        Args:
            name: unique in the organization, at most 200 characters.
            description: what the group is for.
            members: member ids (or members).
            guests: guest emails; an address Tallyfy does not know becomes a guest.

        Returns:
            The new :class:`Group`.

        Raises:
            TypeError, ValueError: a blank name, an address that is not one (nothing is sent).
            PermissionDeniedError: the caller may not manage groups.
            ValidationError: the name is taken, or a member id names no member (422).
        """
        body = self._body(CREATE_FIELDS, locals())
        return await self._item(CREATE_GROUP, Group, json=body.json())

    async def update(
        self,
        group_id: str | Group,
        /,
        *,
        name: UnsetOr[str] = UNSET,
        description: UnsetOr[str] = UNSET,
        members: UnsetOr[Sequence[int | User]] = UNSET,
        guests: UnsetOr[Sequence[str]] = UNSET,
    ) -> Group:
        """Change a group: ``PUT /organizations/{org}/groups/{group_id}``.

        ``members`` and ``guests`` each **replace** the group's list as a whole. Tallyfy
        empties a list the update leaves out and requires ``name`` every time, so when one of
        them is not given, the group is read first (``GET .../groups/{group_id}``) and what
        you did not give is sent as it is: leaving an argument out keeps it. (Two requests; a
        change made by someone else between them can be overwritten.)

        Args:
            group_id: the group's id, or the group.
            name: its new name.
            description: its new description (it can be replaced, not emptied).
            members: every member id of the group (or the members).
            guests: every guest email of the group.

        Returns:
            The updated :class:`Group`.

        Raises:
            TypeError, ValueError: a blank name or description, an address that is not one.
            PermissionDeniedError: the caller may not manage groups.
            NotFoundError: no such group.
            ValidationError: the name is taken, or a member id names no member (422).
        """
        body = self._body(GROUP_FIELDS, locals())
        ids = self._ids(group_id)
        if body.unsent(RESENT):
            current = await self.get(ids["group_id"])
            for field in body.unsent(RESENT):
                body[field] = getattr(current, field)
            if "description" not in body and current.description:
                body["description"] = current.description
        return await self._item(UPDATE_GROUP, Group, ids, json=body.json())

    async def delete(self, group_id: str | Group, /) -> None:
        """Delete a group for good: ``DELETE /organizations/{org}/groups/{group_id}`` (204).

        Raises:
            PermissionDeniedError: the caller may not manage groups.
            NotFoundError: no such group.
        """
        await self._send(DELETE_GROUP, self._ids(group_id))
