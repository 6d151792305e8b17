"""Organizations and their activity feed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from tallyfy_async.models._base import Model, included
from tallyfy_async.models.people import MemberRole, MemberStatus


@attrs.frozen(kw_only=True)
class Organization(Model):
    """An organization (a Tallyfy tenant): its name, settings and plan.

    ``client.organizations()`` adds what the membership is to the caller: ``user_role``,
    ``user_status``, ``joined_on``, ``disabled_on``, ``last_accessed``.

    Attributes:
        id: the 32-hex id every organization route takes.
        users_count: how many members it has.
        working_days: which days deadlines may fall on, by weekday name.
        default_deadline: a new step's deadline (``{"type": "days", "value": 5}``).
    """

    id: str
    name: str | None = None
    slug: str | None = None
    description: str | None = None
    industry: str | None = None
    timezone: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    state: str | None = None
    country: str | None = None
    zipcode: str | None = None
    org_logo: str | None = None
    plan_code: str | None = None
    in_trial: bool | None = None
    users_count: int | None = None
    allow_user_invite: bool | None = None
    allow_manage_groups: bool | None = None
    working_days: dict[str, Any] = attrs.Factory(dict)
    default_deadline: dict[str, Any] | None = None
    settings: Any = None
    created_on: datetime | None = None
    last_updated: datetime | None = None
    user_role: MemberRole | None = None
    user_status: MemberStatus | None = None
    joined_on: datetime | None = None
    disabled_on: datetime | None = None
    last_accessed: datetime | None = None
    subscription: Any = included()
    billing_info: Any = included()


@attrs.frozen(kw_only=True)
class ActivityItem(Model):
    """One change in an organization's activity feed: who did what to which object.

    Tallyfy sends ``verb``, ``type``, ``source``, ``actor_type``, ``actor_id``,
    ``description`` and ``actor`` as lists (of one value, as far as anyone has seen), so
    they are tuples here, a bare value being read as a tuple of one:
    ``"completed" in item.verb``, ``item.description[0]``.

    Attributes:
        id: the item's integer id.
        verb: ``created``, ``completed``, ``archived``, ``commented``...
        type: what kind of object changed, as the feed names it (``Process``, ``Task``,
            ``Blueprint``, ``Comment``, ``User``, ``Group``...).
        auditable_type, auditable_id: the object that changed (``Run``, ``Task``,
            ``Checklist``, ``Thread``...) and its id.
        parentable_type, parentable_id: what it hangs from (a task's process, a
            comment's task), if anything.
        actor_type, actor_id: who did it (``user`` or ``guest``).
        actor: their name and email.
        description: one readable line.
        created_at: when.
    """

    id: int
    organization_id: str | None = None
    verb: tuple[str, ...] = ()
    type: tuple[str, ...] = ()
    source: tuple[str, ...] = ()
    actor_type: tuple[str, ...] = ()
    actor_id: tuple[Any, ...] = ()
    auditable_type: str | None = None
    auditable_id: Any = None
    parentable_type: str | None = None
    parentable_id: Any = None
    description: tuple[str, ...] = ()
    field: str | None = None
    old_value: Any = None
    text: Any = None
    references: Any = None
    actor: tuple[Any, ...] = ()
    undoable: bool | None = None
    origin: Any = None
    created_at: datetime | None = None
    audit: Any = included()
    parent: Any = included()
