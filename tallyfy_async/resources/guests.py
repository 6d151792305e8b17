"""Guests of an organization (``org.guests``): people outside it who are given tasks.

A guest is addressed by email, percent-encoded in the path (``jane%40example.com``). Tallyfy
drops the fields it does not read without a word and answers 201, so the fields it ignores
are refused here before anything is sent: a guest has ``phone_1`` and ``phone_2``, not
``phone``, and an update changes only ``associated_members``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, Final, Literal, TypeVar, cast, overload

from tallyfy_async import _constants as C
from tallyfy_async._routes import Route
from tallyfy_async._unset import UNSET, UnsetOr
from tallyfy_async.models.people import Guest, User
from tallyfy_async.pagination import Paginator
from tallyfy_async.resources import _kinds as kinds
from tallyfy_async.resources._base import Resource
from tallyfy_async.resources._body import Body
from tallyfy_async.resources._checks import email as check_email
from tallyfy_async.resources.members import MEMBER_IDS, PEOPLE_FILTERS

LIST_GUESTS: Final = Route("GET", "/guests")
LIST_GUESTS_MINIMAL: Final = Route("GET", "/guests-list")
CREATE_GUEST: Final = Route("POST", "/guests")
GET_GUEST: Final = Route("GET", "/guests/{email}")
UPDATE_GUEST: Final = Route("PUT", "/guests/{email}")
DELETE_GUEST: Final = Route("DELETE", "/guests/{email}")
DISABLE_GUEST: Final = Route("DELETE", "/guests/{email}/disable")
ENABLE_GUEST: Final = Route("PUT", "/guests/{email}/enable")

REQUIRED_EMAIL: Final = kinds.Checked(function=check_email, required=True)
#: What a guest is created with (``email`` aside: it also names the guest in paths).
GUEST_FIELDS: Final = {
    **dict.fromkeys(("first_name", "last_name", "company_name"), kinds.Text(max_len=200)),
    **dict.fromkeys(("phone_1", "phone_2"), kinds.Text(max_len=20)),
    **kinds.texts(
        "company_url",
        "contact_url",
        "image_url",
        "opportunity_url",
        "opportunity_name",
        "timezone",
        "status",
        "external_sync_source",
        kind=kinds.TEXT,
    ),
    "external_date_creation": kinds.AWARE_DATE,
}

M = TypeVar("M", bound=Callable[..., Awaitable[Any]])


def _refusing(otherwise: str, **why: str) -> Callable[[M], M]:
    """Refuse, with the reason (``why[name]``, else ``otherwise``), a keyword argument the
    method does not take.

    Tallyfy drops a guest field it does not read without a word and answers 201 all the
    same: Python's own "unexpected keyword argument" would be right, but would not say why
    the field is missing nor what to use instead.
    """

    def decorate(method: M) -> M:
        takes = frozenset(inspect.signature(method).parameters)

        @functools.wraps(method)
        async def checked(*args: Any, **kwargs: Any) -> Any:
            unknown = sorted(kwargs.keys() - takes)
            if unknown:
                reasons = "; ".join(f"{name}: {why.get(name, otherwise)}" for name in unknown)
                raise TypeError(
                    f"{method.__qualname__}() does not take {', '.join(unknown)}, which Tallyfy "
                    f"would drop without a word ({reasons})"
                )
            return await method(*args, **kwargs)

        return cast(M, checked)

    return decorate


def guest_email(value: str | Guest) -> str:
    """The email naming a guest: the :class:`Guest`'s, or ``value`` once checked.

    Raises:
        TypeError, ValueError: for a value that is not an email address.
    """
    if isinstance(value, Guest):
        return value.email
    return check_email("email", value)


class Guests(Resource):
    """Guests of one organization (``org.guests``), addressed by email.

    Every method acting on one guest takes the email or the :class:`Guest`.
    """

    records = "/guests/{email}"
    model = Guest

    def list(
        self,
        *,
        q: UnsetOr[str] = UNSET,
        sort: UnsetOr[str] = UNSET,
        with_: UnsetOr[str | Sequence[str]] = UNSET,
        per_page: int = C.MAX_PER_PAGE,
        limit: int | None = None,
        concurrency: int = 1,
    ) -> Paginator[Guest]:
        """List guests: ``GET /organizations/{org}/guests``.

        Args:
            q: search in emails.
            sort: a field, ``-field`` for descending (``created_at`` by default).
            with_: includes (``stats``).
            per_page: page size (Tallyfy caps it at 100).
            limit: stop after this many guests.
            concurrency: pages fetched at once after the first.

        Returns:
            A :class:`~tallyfy_async.pagination.Paginator` of :class:`Guest`.
        """
        return self._list(LIST_GUESTS, Guest, locals(), PEOPLE_FILTERS)

    def list_minimal(self, *, limit: int | None = None) -> Paginator[Guest]:
        """Every guest with a few fields (id, email, names) in one answer:
        ``GET /organizations/{org}/guests-list`` (Tallyfy does not page it).

        Returns:
            A :class:`~tallyfy_async.pagination.Paginator` of one page of :class:`Guest`.
        """
        return self._list(
            LIST_GUESTS_MINIMAL, Guest, {**locals(), "per_page": C.MAX_PER_PAGE, "concurrency": 1}
        )

    @overload
    async def get(
        self,
        email: str | Guest,
        /,
        *,
        with_: UnsetOr[str | Sequence[str]] = ...,
        raw: Literal[False] = False,
    ) -> Guest: ...

    @overload
    async def get(
        self,
        email: str | Guest,
        /,
        *,
        with_: UnsetOr[str | Sequence[str]] = ...,
        raw: Literal[True],
    ) -> dict[str, Any]: ...

    async def get(
        self,
        email: str | Guest,
        /,
        *,
        with_: UnsetOr[str | Sequence[str]] = UNSET,
        raw: bool = False,
    ) -> Guest | dict[str, Any]:
        """Read one guest: ``GET /organizations/{org}/guests/{email}``.

        Args:
            email: the guest's email, or the guest.
            with_: includes (``stats``).
            raw: True for the record as the dict Tallyfy sent, no model built (dates
                as their text, includes as ``{"data": ...}``): see :meth:`Paginator.raw
                <tallyfy_async.pagination.Paginator.raw>`.

        Returns:
            The :class:`Guest`; its dict with ``raw=True``.

        Raises:
            ValueError: ``email`` is not an email address (nothing is sent).
            NotFoundError: no such guest.
        """
        query = self._includes(with_)
        ids = self._ids(guest_email(email))
        if raw:
            return await self._raw_item(GET_GUEST, ids, params=query)
        return await self._item(GET_GUEST, Guest, ids, params=query)

    @_refusing(
        "Tallyfy does not read it on a new guest",
        phone="a guest has no 'phone': pass phone_1 (and phone_2)",
    )
    async def create(
        self,
        *,
        email: str,
        first_name: UnsetOr[str] = UNSET,
        last_name: UnsetOr[str] = UNSET,
        phone_1: UnsetOr[str] = UNSET,
        phone_2: UnsetOr[str] = UNSET,
        company_name: UnsetOr[str] = UNSET,
        company_url: UnsetOr[str] = UNSET,
        contact_url: UnsetOr[str] = UNSET,
        image_url: UnsetOr[str] = UNSET,
        opportunity_url: UnsetOr[str] = UNSET,
        opportunity_name: UnsetOr[str] = UNSET,
        timezone: UnsetOr[str] = UNSET,
        status: UnsetOr[str] = UNSET,
        external_sync_source: UnsetOr[str] = UNSET,
        external_date_creation: UnsetOr[datetime] = UNSET,
    ) -> Guest:
        """Add a guest: ``POST /organizations/{org}/guests`` (201).

        A guest Tallyfy already knows from another organization is attached to this one.

        Args:
            email: the guest's address; it names the guest from now on.
            first_name, last_name, company_name: at most 200 characters each.
            phone_1, phone_2: at most 20 characters each (a guest has no ``phone``).
            company_url, contact_url, image_url, opportunity_url, opportunity_name,
                timezone, status: as Tallyfy shows them on the guest.
            external_sync_source: the system the guest comes from (``salesforce``).
            external_date_creation: when that system created them (aware).

        Returns:
            The new :class:`Guest`.

        Raises:
            TypeError: a field Tallyfy would drop (``phone``), or a value of the wrong type.
            ValueError: an address that is not one, a value too long (nothing is sent).
            PermissionDeniedError: the caller may not add guests (a light member).
            ValidationError: the address belongs to a member (422).
        """
        body = self._body(GUEST_FIELDS, locals())
        body.put("email", email, REQUIRED_EMAIL)
        return await self._item(CREATE_GUEST, Guest, json=body.json())

    @_refusing(
        "Tallyfy changes only associated_members on a guest; the rest of a guest's profile is "
        "set when the guest is created"
    )
    async def update(
        self,
        email: str | Guest,
        /,
        *,
        associated_members: Sequence[int | User],
    ) -> Guest:
        """Set the members a guest works with: ``PUT /organizations/{org}/guests/{email}``.

        ``associated_members`` is the one field Tallyfy changes on a guest: it drops any other
        (first name, phone...) and answers 201 all the same, so they are refused here. The
        list replaces the one the guest had.

        Args:
            email: the guest's email, or the guest.
            associated_members: member ids (or members); ``[]`` empties the list.

        Returns:
            The updated :class:`Guest`.

        Raises:
            TypeError: a field Tallyfy would drop, or a value of the wrong type.
            ValueError: ``email`` is not an email address (nothing is sent).
            ValidationError: a member id that names no member (422).
        """
        address = guest_email(email)
        body = Body(self._converter)
        body.put("email", address, REQUIRED_EMAIL)
        body.put("associated_members", associated_members, MEMBER_IDS)
        return await self._item(UPDATE_GUEST, Guest, self._ids(address), json=body.json())

    async def delete(self, email: str | Guest, /) -> Guest:
        """Remove a guest from the organization: ``DELETE .../guests/{email}``.

        They are taken off their tasks here, and erased when no other organization knows them.

        Returns:
            The guest as they were.

        Raises:
            ValidationError: no such guest (Tallyfy answers 422 here, not 404).
        """
        return await self._item(DELETE_GUEST, Guest, self._ids(guest_email(email)))

    async def disable(self, email: str | Guest, /) -> None:
        """Disable a guest: ``DELETE .../guests/{email}/disable``; they keep their tasks but
        cannot open them until :meth:`enable`.

        Raises:
            NotFoundError: no such guest.
        """
        await self._send(DISABLE_GUEST, self._ids(guest_email(email)))

    async def enable(self, email: str | Guest, /) -> None:
        """Enable a disabled guest again: ``PUT .../guests/{email}/enable``.

        Raises:
            NotFoundError: no such guest.
        """
        await self._send(ENABLE_GUEST, self._ids(guest_email(email)))
