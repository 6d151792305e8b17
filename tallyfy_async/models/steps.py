"""Steps of blueprints: each becomes one task of every process launched from it."""

# `included()` returns an attrs field, which RUF009 cannot tell from a call.

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

import attrs

from tallyfy_async.models._base import Model, included
from tallyfy_async.models.form_fields import FormField


def wire_fields(model: Model, *names: str) -> dict[str, Any]:
    """The named fields of ``model`` that are set, for a request body.

    None means "not set" and is left out; nested models are written with ``to_wire()``.
    """
    body: dict[str, Any] = {}
    for name in names:
        value = getattr(model, name)
        if value is None:
            continue
        to_wire = getattr(value, "to_wire", None)
        body[name] = to_wire() if callable(to_wire) else value
    return body


#: The units a step's deadline and start take.
STEP_UNITS: Final = frozenset(("minutes", "hours", "days", "weeks", "months"))


@attrs.frozen(kw_only=True)
class StepDeadline(Model):
    """When a step's task is due, relative to an anchor.

    Build one to send it: ``StepDeadline(value=2, unit="days")``. Fields left as
    None are not sent; the SDK never invents an anchor.

    Attributes:
        value: how many ``unit``\\s: an int, 0 or more (required to send one).
        unit: ``minutes``, ``hours``, ``days``, ``weeks`` or ``months`` (left to
            Tallyfy when None).
        option: ``from`` (after the anchor).
        step: the anchor: ``start_run`` or a step id.
    """

    value: int | None = None
    unit: str | None = None
    option: str | None = None
    step: str | None = None

    def to_wire(self) -> dict[str, Any]:
        """The fields that are set, as a request sends them."""
        return wire_fields(self, "value", "unit", "option", "step")


@attrs.frozen(kw_only=True)
class StepStart(Model):
    """When a step's task starts, after the process starts: ``value`` ``unit``\\s.

    Attributes:
        value: how many ``unit``\\s: an int, 0 or more (required to send one).
        unit: ``minutes``, ``hours``, ``days``, ``weeks`` or ``months`` (left to
            Tallyfy when None).
    """

    value: int | None = None
    unit: str | None = None

    def to_wire(self) -> dict[str, Any]:
        """The fields that are set, as a request sends them."""
        return wire_fields(self, "value", "unit")


@attrs.frozen(kw_only=True)
class Step(Model):
    """A step of a blueprint.

    Attributes:
        id: the step's 32-hex id.
        checklist_id: the blueprint it belongs to.
        title: the step's title.
        summary: instructions (HTML); steps have no ``description``.
        step_type: the kind of task it makes (``task``, ``approval``, ...).
        position: 1-based order within the blueprint.
        assignees: member ids assigned.
        guests: guest emails assigned.
        groups: group ids assigned.
        captures: the step's form fields.
        deadline: when its task is due, if set.
        start_date: when its task starts, if set.
        assign_run_starter: whether the launcher is assigned too.
        bp_to_launch: the blueprint this step launches, as sent.
    """

    id: str
    checklist_id: str | None = None
    title: str | None = None
    alias: str | None = None
    summary: str | None = None
    step_type: str | None = None
    position: int | None = None
    allow_guest_owners: bool | None = None
    max_assignable: int | None = None
    skip_start_process: bool | None = None
    can_complete_only_assignees: bool | None = None
    everyone_must_complete: bool | None = None
    webhook: str | None = None
    start_date: StepStart | None = None
    is_soft_start_date: bool | None = None
    deadline: StepDeadline | None = None
    bp_to_launch: dict[str, Any] | None = None
    assignees: list[int] = attrs.Factory(list)
    guests: list[str] = attrs.Factory(list)
    groups: list[str] = attrs.Factory(list)
    # Sent inline; unwrapped too should a read send it as an include.
    captures: list[FormField] = included(default=attrs.Factory(list))
    prevent_guest_comment: bool | None = None
    roles: list[Any] = attrs.Factory(list)
    role_changes_every_time: bool | None = None
    assign_run_starter: bool | None = None
    top_secret: bool | None = None
    send_chromeless: bool | None = None
    tags: list[Any] = included(default=attrs.Factory(list))
    custom_fields: Any = None
    created_at: datetime | None = None
    last_updated: datetime | None = None
    archived_at: datetime | None = None
