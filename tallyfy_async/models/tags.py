"""Tags, and the associations that attach them to blueprints and processes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from tallyfy_async._serde import OpenStrEnum
from tallyfy_async.models._base import Model, included


class TagSubject(OpenStrEnum):
    """What a tag is attached to: ``Checklist`` (a blueprint) or ``Run`` (a process).

    Tallyfy compares these case-sensitively.
    """

    BLUEPRINT = "Checklist"
    PROCESS = "Run"


class TagType(OpenStrEnum):
    """``tag_type`` of an attachment: which table Tallyfy validates the tag against."""

    PRIVATE = "private"
    PUBLIC = "public"


@attrs.frozen(kw_only=True)
class TagStatistics(Model):
    """How many blueprints and processes carry a tag (``with_="statistics"``).

    Attributes:
        active_template: live blueprints tagged.
        archived_template: archived blueprints tagged.
        active_process: live processes tagged.
        archived_process: archived processes tagged.
    """

    active_template: int | None = None
    archived_template: int | None = None
    active_process: int | None = None
    archived_process: int | None = None


@attrs.frozen(kw_only=True)
class Tag(Model):
    """A tag of the organization.

    Attributes:
        id: the tag's 32-hex id.
        title: at most 30 characters, unique in the organization.
        color: ``#rrggbb``.
        auto_generated: Tallyfy's own tags (titles starting ``from:``, ``task:`` or
            ``step:``), hidden from listings unless asked for.
        statistics: what it is attached to (``with_="statistics"``).
        custom_fields: the tag's custom-field values, as Tallyfy sends them (typed ones
            come from ``org.custom_fields.tags.get``).
    """

    id: str
    title: str | None = None
    color: str | None = None
    type: str | None = None
    auto_generated: bool | None = None
    statistics: TagStatistics | None = included()
    custom_fields: dict[str, Any] | None = None
    created_at: datetime | None = None
    deleted_at: datetime | None = None


@attrs.frozen(kw_only=True)
class TagAssociation(Model):
    """A tag attached to a blueprint or a process.

    Its integer ``id`` is what :meth:`Tags.detach
    <tallyfy_async.resources.tags.Tags.detach>` takes; a blueprint's or a process's
    ``tags`` (``with_="tags"``) lists them.

    Attributes:
        id: the association's integer id.
        tag_id: the tag's id.
        subject_id: the blueprint's or process's id.
        subject_type: :class:`TagSubject`.
        title: the tag's title.
        color: the tag's color.
    """

    id: int
    tag_id: str | None = None
    subject_id: str | None = None
    subject_type: TagSubject | None = None
    title: str | None = None
    color: str | None = None
    created_at: datetime | None = None


__all__ = ["Tag", "TagAssociation", "TagStatistics", "TagSubject", "TagType"]
