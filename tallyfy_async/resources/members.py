"""Members of an organization (``org.members``; the API's ``users``).

Three ways to part with a member, from the gentlest:

- :meth:`Members.disable`: they stay a member, with their tasks, but cannot sign in to the
  organization; :meth:`Members.enable` lets them back.
- :meth:`Members.remove`: they leave the organization; their open tasks go to another member
  (``reassign_to=``) or lose them as an assignee. They can be invited again.
- :meth:`Members.delete`: a *disabled* member is erased for good.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, Literal, overload

from tallyfy_async import _constants as C
from tallyfy_async._routes import Route
from tallyfy_async._unset import UNSET, UnsetOr
from tallyfy_async.models.people import Member, MemberRole, User
from tallyfy_async.pagination import Paginator
from tallyfy_async.resources import _kinds as kinds
from tallyfy_async.resources._base import Resource
from tallyfy_async.resources._body import Body
from tallyfy_async.resources._checks import email, int_id, items

LIST_MEMBERS: Final = Route("GET", "/users")
LIST_MEMBERS_MINIMAL: Final = Route("GET", "/users-list")
GET_MEMBER: Final = Route("GET", "/users/{user_id}")
INVITE_MEMBER: Final = Route("POST", "/users/invite")
UPDATE_MEMBER: Final = Route("PUT", "/users/{user_id}")
SET_ROLE: Final = Route("PUT", "/users/{user_id}/role")
REMOVE_MEMBER: Final = Route("DELETE", "/users/{user_id}")
DISABLE_MEMBER: Final = Route("DELETE", "/users/{user_id}/disable")
ENABLE_MEMBER: Final = Route("PUT", "/users/{user_id}/enable")
APPROVE_MEMBER: Final = Route("PUT", "/users/{user_id}/approve")
DELETE_MEMBER: Final = Route("DELETE", "/users/{user_id}/delete")

NAME_MAX: Final = 32
#: What ``role`` takes.
ROLE: Final = kinds.Choice(choices=frozenset(role.value for role in MemberRole), required=True)
#: Tallyfy requires these on every profile update: left out, they are sent as they are.
PROFILE_REQUIRED: Final = ("first_name", "last_name", "timezone")

#: The fields of a profile update (a member's, or one's own).
PROFILE_FIELDS: Final = {
    "first_name": kinds.Text(filled=True, max_len=NAME_MAX),
    "last_name": kinds.Text(filled=True, max_len=NAME_MAX),
    "timezone": kinds.Text(filled=True),
    "phone": kinds.Text(max_len=20, nullable=True),
    **kinds.texts("job_title", "job_description", "team"),
    "country_id": kinds.Instance(types=int, nullable=True),
    "date_format": kinds.Choice(choices=frozenset(("mm/dd/yyyy", "dd/mm/yyyy"))),
}
INVITE_FIELDS: Final = {
    "email": kinds.Checked(function=email, required=True),
    "first_name": kinds.Text(required=True, max_len=NAME_MAX),
    "last_name": kinds.Text(required=True, max_len=NAME_MAX),
    "role": ROLE,
    "message": kinds.Text(required=True, max_len=5000),
}
#: The filters of the people listings (members, guests, groups): a search, a sort, includes.
PEOPLE_FILTERS: Final = {"q": kinds.TEXT, "sort": kinds.TEXT, "with_": kinds.WITH}


def member_ids(name: str, values: Any) -> list[int]:
    """Member ids, each given as the id or as the member (a :class:`User` or :class:`Member`).

    Raises:
        TypeError: naming ``name`` or ``name[i]`` and what it takes.
    """
    # bool is listed so that the item check below, not items(), says what True is not.
    listed = items(name, values, (bool, object))
    ids = []
    for index, value in enumerate(listed):
        try:
            ids.append(int_id(f"{name}[{index}]", value, User))
        except TypeError:
            raise TypeError(
                f"{name}[{index}] must be a member id (an int) or a Member, "
                f"got {type(value).__name__}: {value!r:.80}"
            ) from None
    return ids


#: A list of members, sent as their ids.
MEMBER_IDS: Final = kinds.Checked(function=member_ids)


class Members(Resource):
    """Members of one organization (``org.members``).

    A member is addressed by their integer id; a :class:`Member` (or the :class:`User`
    ``client.me()`` returns) stands for it. The module's docstring says how disabling,
    removing and deleting differ.
    """

    records = "/users/{user_id}"
    model = User

    def _member_ids(self, user_id: int | User) -> dict[str, Any]:
        """The path ids of one member, once ``user_id`` is found to be an int, a string
        of digits (an id read from a CSV file or the environment: the same member) or a
        member. An id of another type would be sent and come back as a 404.

        Raises:
            TypeError: ``user_id`` is none of these.
        """
        if isinstance(user_id, str) and user_id.isascii() and user_id.isdigit():
            return self._ids(int(user_id))
        return self._ids(int_id("user_id", user_id, User))

    def list(
        self,
        *,
        q: UnsetOr[str] = UNSET,
        sort: UnsetOr[str] = UNSET,
        with_: UnsetOr[str | Sequence[str]] = UNSET,
        per_page: int = C.MAX_PER_PAGE,
        limit: int | None = None,
        concurrency: int = 1,
    ) -> Paginator[Member]:
        """List members with their full profiles: ``GET /organizations/{org}/users``.

        Args:
            q: search in names and emails.
            sort: a field, ``-field`` for descending (``first_name``, ``created_at``...).
            with_: includes: ``groups``, ``stats``, ``organizations``, ``preferences``...
            per_page: page size (Tallyfy caps it at 100).
            limit: stop after this many members.
            concurrency: pages fetched at once after the first.

        Returns:
            A :class:`~tallyfy_async.pagination.Paginator` of :class:`Member`.
        """
        return self._list(LIST_MEMBERS, Member, locals(), PEOPLE_FILTERS)

    def list_minimal(self, *, limit: int | None = None) -> Paginator[Member]:
        """Every member with a few fields (id, names, email, role) in one answer:
        ``GET /organizations/{org}/users-list`` (Tallyfy does not page it).

        Args:
            limit: stop after this many members.

        Returns:
            A :class:`~tallyfy_async.pagination.Paginator` of one page of :class:`Member`.
        """
        return self._list(
            LIST_MEMBERS_MINIMAL, Member, {**locals(), "per_page": C.MAX_PER_PAGE, "concurrency": 1}
        )

    @overload
    async def get(
        self,
        user_id: int | User,
        /,
        *,
        with_: UnsetOr[str | Sequence[str]] = ...,
        raw: Literal[False] = False,
    ) -> Member: ...

    @overload
    async def get(
        self,
        user_id: int | User,
        /,
        *,
        with_: UnsetOr[str | Sequence[str]] = ...,
        raw: Literal[True],
    ) -> dict[str, Any]: ...

    async def get(
        self,
        user_id: int | User,
        /,
        *,
        with_: UnsetOr[str | Sequence[str]] = UNSET,
        raw: bool = False,
    ) -> Member | dict[str, Any]:
        """Read one member: ``GET /organizations/{org}/users/{user_id}``.

        Args:
            user_id: the member's id, or the member.
            with_: includes, as :meth:`list` takes them.
            raw: True for the record as the dict Tallyfy sent, no model built (dates
                as their text, includes as ``{"data": ...}``): see :meth:`Paginator.raw
                <tallyfy_async.pagination.Paginator.raw>`.

        Returns:
            The :class:`Member`; its dict with ``raw=True``.

        Raises:
            NotFoundError: no such member in this organization.
        """
        query = self._includes(with_)
        if raw:
            return await self._raw_item(GET_MEMBER, self._member_ids(user_id), params=query)
        return await self._item(GET_MEMBER, Member, self._member_ids(user_id), params=query)

    async def invite(
        self,
        *,
        email: str,
        first_name: str,
        last_name: str,
        role: MemberRole | str,
        message: UnsetOr[str] = UNSET,
    ) -> Member:
        """Invite someone to the organization: ``POST /organizations/{org}/users/invite``.

        Tallyfy emails them ``message`` with a link to join; until they do, the member's
        ``status`` is ``invited``. Administrators may invite, and standard members where the
        organization allows it.

        Args:
            email: their address.
            first_name, last_name: at most 32 characters each.
            role: :class:`MemberRole` (``admin``, ``standard`` or ``light``).
            message: the invitation's text, at most 5,000 characters (Tallyfy requires one:
                a short greeting is sent when it is not given).

        Returns:
            The invited :class:`Member`.

        Raises:
            TypeError, ValueError: an address that is not one, an unknown role, a name too
                long (nothing is sent).
            PermissionDeniedError: the caller may not invite members.
            ValidationError: the address already belongs to a member (422).
        """
        if message is UNSET:
            message = C.DEFAULT_INVITE_MESSAGE
        body = self._body(INVITE_FIELDS, locals())
        return await self._item(INVITE_MEMBER, Member, json=body.json())

    async def update(
        self,
        user_id: int | User,
        /,
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
        """Change a member's profile: ``PUT /organizations/{org}/users/{user_id}``
        (administrators).

        Tallyfy requires ``first_name``, ``last_name`` and ``timezone`` on every update: those
        you leave out are read from the member first (``GET .../users/{user_id}``) and sent as
        they are.

        Args:
            user_id: the member's id, or the member.
            first_name, last_name: at most 32 characters each.
            timezone: an IANA time zone (``Europe/Paris``).
            phone: at most 20 characters; None clears it.
            job_title, job_description, team: None clears them.
            country_id: Tallyfy's id of the member's country.
            date_format: ``mm/dd/yyyy`` or ``dd/mm/yyyy``.

        Returns:
            The updated :class:`Member`.

        Raises:
            TypeError, ValueError: an unknown argument, a blank name, a value too long.
            PermissionDeniedError: the caller is not an administrator.
            NotFoundError: no such member.
        """
        body = self._body(PROFILE_FIELDS, locals())
        ids = self._member_ids(user_id)
        await body.resend(PROFILE_REQUIRED, lambda: self.get(ids["user_id"]), required=True)
        return await self._item(UPDATE_MEMBER, Member, ids, json=body.json())

    async def set_role(self, user_id: int | User, /, *, role: MemberRole | str) -> Member:
        """Change a member's role: ``PUT /organizations/{org}/users/{user_id}/role``.

        Args:
            user_id: the member's id, or the member.
            role: :class:`MemberRole` (``admin``, ``standard`` or ``light``).

        Returns:
            The :class:`Member` with their new role.

        Raises:
            ValueError: an unknown role (nothing is sent).
            PermissionDeniedError: the caller is not an administrator.
            APIError: 400 for the organization's default administrator.
        """
        body = Body(self._converter)
        body.put("role", role, ROLE)
        return await self._item(SET_ROLE, Member, self._member_ids(user_id), json=body.json())

    async def remove(
        self, user_id: int | User, /, *, reassign_to: UnsetOr[int | User] = UNSET
    ) -> Member:
        """Take a member out of the organization: ``DELETE /organizations/{org}/users/{id}``.

        Unlike :meth:`disable`, the member leaves: they no longer appear among the members
        and cannot act in the organization; they can be invited again. Unlike
        :meth:`delete`, nothing is erased. Their open tasks go to ``reassign_to``
        (``?with_reassignment=true&to=...``), or lose them as an assignee when it is not
        given.

        Args:
            user_id: the member's id, or the member.
            reassign_to: the member (or id) who takes over their open tasks.

        Returns:
            What Tallyfy says of the member as they leave (``status`` ``disabled``).

        Raises:
            PermissionDeniedError: the caller is not an administrator.
            APIError: 400 for the default administrator (and bot users).
            ValidationError: ``reassign_to`` is not a member (422).
        """
        query: dict[str, Any] = {}
        if reassign_to is not UNSET:
            query = {"with_reassignment": True, "to": int_id("reassign_to", reassign_to, User)}
        return await self._item(REMOVE_MEMBER, Member, self._member_ids(user_id), params=query)

    async def disable(self, user_id: int | User, /) -> None:
        """Disable a member: ``DELETE /organizations/{org}/users/{user_id}/disable``.

        They stay a member, keep their tasks, and cannot sign in to the organization until
        :meth:`enable`. A disabled member is the only kind :meth:`delete` erases.

        Raises:
            PermissionDeniedError: the caller is not an administrator.
            APIError: 400 for the default administrator.
        """
        await self._send(DISABLE_MEMBER, self._member_ids(user_id))

    async def enable(self, user_id: int | User, /) -> None:
        """Let a disabled member back in: ``PUT /organizations/{org}/users/{user_id}/enable``.

        Raises:
            PermissionDeniedError: the caller is not an administrator.
        """
        await self._send(ENABLE_MEMBER, self._member_ids(user_id))

    async def approve(self, user_id: int | User, /) -> None:
        """Approve a member waiting for approval: ``PUT .../users/{user_id}/approve``.

        Raises:
            PermissionDeniedError: the caller is not an administrator.
        """
        await self._send(APPROVE_MEMBER, self._member_ids(user_id))

    async def delete(self, user_id: int | User, /) -> None:
        """Erase a disabled member for good: ``DELETE .../users/{user_id}/delete``.

        Only a member :meth:`disable` disabled can be deleted; to let someone go without
        erasing them, :meth:`remove` them. This cannot be undone.

        Raises:
            PermissionDeniedError: the caller is not an administrator.
            ValidationError: the member is not disabled (422).
        """
        await self._send(DELETE_MEMBER, self._member_ids(user_id))
