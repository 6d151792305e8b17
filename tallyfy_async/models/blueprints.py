"""Blueprints (the API's ``checklists``, the docs' templates) and their automations."""

# `included()` returns an attrs field, which RUF009 cannot tell from a call.

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from tallyfy_async._serde import OpenStrEnum
from tallyfy_async.models._base import Model, included
from tallyfy_async.models.common import Owners
from tallyfy_async.models.form_fields import FormField
from tallyfy_async.models.steps import Step, StepDeadline, wire_fields
from tallyfy_async.models.tags import TagAssociation


class BlueprintType(OpenStrEnum):
    """``type`` of a blueprint."""

    PROCEDURE = "procedure"
    FORM = "form"
    DOCUMENT = "document"


@attrs.frozen(kw_only=True)
class AutomationCondition(Model):
    """The "if" of an automation: something about a step or a form field.

    Build one to send it::

        AutomationCondition(conditionable_id=step.id, conditionable_type="Step",
                            operation="completed")

    Attributes:
        id: set by Tallyfy.
        conditionable_id: the step, capture or kick-off field the condition reads.
        conditionable_type: ``Step``, ``Capture`` or ``Prerun``.
        operation: ``completed``, ``started``, ``contains``, ``not_contains``,
            ``equals``, ``not_equals``, ``is_empty``, ``is_not_empty``, ...
        statement: the value compared against.
        logic: ``and`` / ``or`` with the previous condition.
        position: 1-based order.
        column_contains_name: for table fields, the column compared.
    """

    id: str | None = None
    conditionable_id: str | None = None
    conditionable_type: str | None = None
    operation: str | None = None
    statement: Any = None
    logic: str | None = None
    position: int | None = None
    column_contains_name: Any = None

    def to_wire(self) -> dict[str, Any]:
        """The fields that are set, as a request sends them."""
        return wire_fields(
            self,
            "id",
            "conditionable_id",
            "conditionable_type",
            "operation",
            "statement",
            "logic",
            "position",
            "column_contains_name",
        )


@attrs.frozen(kw_only=True)
class AutomationAction(Model):
    """The "then" of an automation.

    Build one to send it::

        AutomationAction(action_type="visibility", action_verb="show",
                         target_step_id=step.id)

    Attributes:
        id: set by Tallyfy.
        action_type: ``visibility`` (confirmed), ``deadline``, ``assignment``, ...
        action_verb: ``show`` or ``hide`` for visibility.
        target_step_id: the step acted on.
        position: 1-based order.
        actionable_id: what the action acts on, when not a step.
        actionable_type: its type.
        deadline: the new deadline (``value`` and ``unit``), for deadline actions.
        assignees: the new assignees, for assignment actions (all three buckets are sent).
    """

    id: str | None = None
    action_type: str | None = None
    action_verb: str | None = None
    target_step_id: str | None = None
    position: int | None = None
    actionable_id: str | None = None
    actionable_type: str | None = None
    deadline: StepDeadline | None = None
    assignees: Owners | None = None

    def to_wire(self) -> dict[str, Any]:
        """The fields that are set, as a request sends them."""
        return wire_fields(
            self,
            "id",
            "action_type",
            "action_verb",
            "target_step_id",
            "position",
            "actionable_id",
            "actionable_type",
            "deadline",
            "assignees",
        )


@attrs.frozen(kw_only=True)
class Automation(Model):
    """An if-then rule of a blueprint (``automated_actions``).

    There is no route to read one: they arrive inline in ``Blueprint.automated_actions``.

    Attributes:
        id: the rule's id.
        automated_alias: its name.
        condition_logic: ``AND`` or ``OR`` across the conditions.
        conditions: the "if" part.
        then_actions: the "then" part.
    """

    id: str
    automated_alias: str | None = None
    condition_logic: str | None = None
    conditions: list[AutomationCondition] = attrs.Factory(list)
    then_actions: list[AutomationAction] = attrs.Factory(list)
    created_at: datetime | None = None
    last_updated: datetime | None = None
    archived_at: datetime | None = None


@attrs.frozen(kw_only=True)
class Blueprint(Model):
    """A blueprint (the API's template object).

    ``prerun`` (kick-off fields) and ``automated_actions`` always arrive inline;
    ``steps``, ``tags``, ``linked_tasks`` and ``folder`` only when asked for with
    ``with_=[...]`` (None otherwise, so "not asked" and "none" differ).

    Attributes:
        id: the blueprint's 32-hex id.
        title: its title.
        type: procedure, form or document.
        prerun: kick-off fields; their ``id`` keys a launch's ``kickoff`` values.
        automated_actions: the blueprint's automations.
        steps: its steps, with ``with_=["steps"]``.
        tags: :class:`~tallyfy_async.models.tags.TagAssociation` objects, with ``with_=["tags"]``.
        users: member ids the blueprint is shared with.
        groups: group ids it is shared with.
        status: e.g. ``active``; ``archived_at`` tells archived blueprints apart.
    """

    id: str
    increment_id: int | None = None
    title: str | None = None
    summary: str | None = None
    type: BlueprintType | None = None
    status: str | None = None
    starred: bool | None = None
    webhook: str | None = None
    explanation_video: str | None = None
    guidance: str | None = None
    icon: str | None = None
    alias: str | None = None
    folder_id: str | None = None
    prerun: list[FormField] = attrs.Factory(list)
    automated_actions: list[Automation] = attrs.Factory(list)
    steps: list[Step] | None = included()
    tags: list[TagAssociation] | None = included()
    linked_tasks: list[dict[str, Any]] | None = included()
    folder: dict[str, Any] | None = included()
    created_by: int | None = None
    owner_id: int | None = None
    last_updated_by: int | None = None
    started_processes: int | None = None
    steps_count: int | None = None
    kickoff_title: str | None = None
    kickoff_description: str | None = None
    is_public: bool | None = None
    is_featured: bool | None = None
    is_public_kickoff: bool | None = None
    is_published_state: bool | None = None
    is_pinned: bool | None = None
    public_cover: str | None = None
    users: list[int] = attrs.Factory(list)
    groups: list[str] = attrs.Factory(list)
    industry_tags: list[Any] = attrs.Factory(list)
    topic_tags: list[Any] = attrs.Factory(list)
    default_process_name_format: str | None = None
    dual_version_enabled: bool | None = None
    auto_naming: bool | None = None
    folderize_process: bool | None = None
    tag_process: bool | None = None
    allow_launcher_change_name: bool | None = None
    ko_form_blueprint_id: str | None = None
    default_folder: str | None = None
    folder_changeable_by_launcher: bool | None = None
    can_add_oot: bool | None = None
    kickoff_sharing_user_id: int | None = None
    custom_fields: Any = None
    created_at: datetime | None = None
    last_updated: datetime | None = None
    archived_at: datetime | None = None


@attrs.frozen(kw_only=True)
class BlueprintFormFields(Model):
    """Every form field of a blueprint (``GET .../checklists/{id}/form-fields``).

    Attributes:
        id: the blueprint's id.
        title: its title.
        form_fields: the steps' form fields.
        ko_form_fields: the kick-off fields.
    """

    id: str
    title: str | None = None
    form_fields: list[FormField] = attrs.Factory(list)
    ko_form_fields: list[FormField] = attrs.Factory(list)


@attrs.frozen(kw_only=True)
class DeletedReference(Model):
    """Something that embedded the archived blueprint and lost that embed.

    Attributes:
        type: ``Blueprint`` or ``Step``.
        title: its title.
        id: its id.
    """

    type: str | None = None
    title: str | None = None
    id: str | None = None


@attrs.frozen(kw_only=True)
class DeletedBlueprint(Model):
    """Tallyfy's answer to archiving or deleting a blueprint (a bare body, no ``data``).

    Attributes:
        message: e.g. "The Template was deleted, and references were also deleted from:".
        deleted_references: the blueprints and steps whose embeds of it were removed.
    """

    message: str | None = None
    deleted_references: list[DeletedReference] = attrs.Factory(list)
