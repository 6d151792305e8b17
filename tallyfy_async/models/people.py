"""The people of an organization: members (the API's users), guests and groups.

Members and guests have integer ids; a guest is addressed by email. A group has a 32-hex id
and lists its members' ids and its guests' emails.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from tallyfy_async._serde import OpenStrEnum
from tallyfy_async.models._base import Model, included, sensitive


class MemberRole(OpenStrEnum):
    """A member's role in an organization.

    Light members see and complete their own tasks; standard members also build and launch;
    administrators manage the organization and its people.
    """

    ADMIN = "admin"
    STANDARD = "standard"
    LIGHT = "light"


class MemberStatus(OpenStrEnum):
    """Where a member stands in an organization (``status``)."""

    ACTIVE = "active"
    INVITED = "invited"
    DISABLED = "disabled"


@attrs.frozen(kw_only=True)
class User(Model):
    """A Tallyfy user: the person, as ``GET /me`` shows them.

    Attributes:
        id: the user's integer id.
        email: the address they sign in with.
        full_name: first and last name.
        timezone: an IANA time zone (``Europe/Paris``).
        date_format: ``mm/dd/yyyy`` or ``dd/mm/yyyy``.
        status: :class:`MemberStatus`.
    """

    id: int
    email: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    full_name: str | None = None
    profile_pic: str | None = None
    locale: str | None = None
    timezone: str | None = None
    date_format: str | None = None
    phone: str | None = None
    job_title: str | None = None
    job_description: str | None = None
    team: str | None = None
    country_id: int | None = None
    active: bool | None = None
    is_suspended: bool | None = None
    support_user: bool | None = None
    status: MemberStatus | None = None
    created_at: datetime | None = None
    last_updated: datetime | None = None
    last_login_at: datetime | None = None
    last_accessed_at: datetime | None = None
    activated_at: datetime | None = None


@attrs.frozen(kw_only=True)
class Member(User):
    """A user as a member of one organization (the API's ``users``).

    Attributes:
        role: :class:`MemberRole` in this organization.
        is_default_admin: the administrator Tallyfy refuses to disable, demote or remove.
        invited_by, approved_at, disabled_at, disabled_by, reactivated_at,
            reactivated_by: how the membership came and went.
        groups: the member's groups (``with_="groups"``).
        stats: tasks completed, processes launched... (``with_="stats"``).
    """

    role: MemberRole | None = None
    is_default_admin: bool | None = None
    invited_by: int | None = None
    approved_at: datetime | None = None
    disabled_at: datetime | None = None
    disabled_by: int | None = None
    reactivated_at: datetime | None = None
    reactivated_by: int | None = None
    groups: list[Group] | None = included()
    stats: dict[str, Any] | None = included()


@attrs.frozen(kw_only=True)
class GuestDetails(Model):
    """What Tallyfy keeps about a guest beyond their name (``Guest.details``).

    Attributes:
        status: ``active`` or ``disabled``.
        phone_1, phone_2: phone numbers (Tallyfy has no ``phone`` for guests).
        associated_members: ids of the members the guest works with (the one field a
            guest update changes).
        external_date_creation: when the guest was created in an external system.
    """

    status: str | None = None
    phone_1: str | None = None
    phone_2: str | None = None
    timezone: str | None = None
    company_name: str | None = None
    company_url: str | None = None
    contact_url: str | None = None
    image_url: str | None = None
    opportunity_name: str | None = None
    opportunity_url: str | None = None
    external_sync_source: str | None = None
    external_date_creation: datetime | None = None
    associated_members: list[int] = attrs.Factory(list)
    cadence_days: Any = None
    last_accessed_at: datetime | None = None
    disabled_at: datetime | None = None
    disabled_by: int | None = None
    reactivated_at: datetime | None = None
    reactivated_by: int | None = None


@attrs.frozen(kw_only=True)
class Guest(Model):
    """Someone outside the organization who is given tasks: addressed by email.

    Attributes:
        id: the guest's integer id.
        email: the address that names the guest in every guest route.
        link: the guest's own page of tasks (a forever link).
        details: :class:`GuestDetails`.
        stats: tasks assigned and completed (``with_="stats"``).
    """

    id: int
    email: str
    first_name: str | None = None
    last_name: str | None = None
    link: str | None = sensitive()
    last_accessed_at: datetime | None = None
    last_known_ip: str | None = None
    last_known_country: str | None = None
    created_at: datetime | None = None
    deleted_at: datetime | None = None
    details: GuestDetails | None = None
    stats: dict[str, Any] | None = included()


@attrs.frozen(kw_only=True)
class Group(Model):
    """A group of members and guests, assignable as one.

    Attributes:
        id: the group's 32-hex id.
        members: member ids.
        guests: guest emails (guest objects with ``with_="guests"``).
        users: the members as objects (``with_="users"``).
    """

    id: str
    name: str | None = None
    description: str | None = None
    logo: str | None = None
    members: list[int] = attrs.Factory(list)
    guests: list[Any] = included(default=attrs.Factory(list))
    created_at: datetime | None = None
    last_updated: datetime | None = None
    deleted_at: datetime | None = None
    users: list[Member] | None = included()
    assets: list[dict[str, Any]] | None = included()
