"""The typed events a webhook delivery becomes (the two payloads Tallyfy documents).

A template's webhook fires when a process is launched, when each of its tasks is
completed and when the process is completed; a step's or a task's webhook fires when that
task is completed. Launches and process completions send the process
(:class:`ProcessEvent`); task completions send the task with its process, template and
next task (:class:`TaskCompletedEvent`). Organization-wide webhooks name their events;
the ones whose payloads are not documented arrive as they came (:class:`OtherEvent`).

Top-level keys Tallyfy writes with hyphens (``process-tasks``, ``form-fields``,
``ko-form-fields``, ``guest-links``) have Python names with underscores; ``this_task``
is ``task`` and ``ClientURL`` is ``client_url``. Like every model of the SDK the events
are frozen and keep the keys they do not declare in ``extra``.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, TypeAlias

import attrs

from tallyfy_async.models._base import Model
from tallyfy_async.models.common import Progress
from tallyfy_async.models.processes import ProcessStatus
from tallyfy_async.models.tasks import TaskStatus

#: A form-field answer as Tallyfy sends it: text for text, email, radio and date fields;
#: ``{"id", "text", "value"}`` for a dropdown; a list for multiselect, table and file
#: fields; ``{"users", "guests", "groups"}`` for an assignee field.
FieldValue: TypeAlias = str | int | float | bool | list[Any] | dict[str, Any] | None

#: A user id: an integer in Tallyfy's API; some documentation examples show text.
UserId: TypeAlias = int | str


class EventKind(enum.StrEnum):
    """What happened: the names Tallyfy's organization-level webhooks give events.

    The first three are read into models (:class:`ProcessEvent`,
    :class:`TaskCompletedEvent`); the others, whose payloads Tallyfy does not document,
    arrive as :class:`OtherEvent`.
    """

    PROCESS_LAUNCHED = "process.launched"
    PROCESS_COMPLETED = "process.completed"
    TASK_COMPLETED = "task.completed"
    TASK_ASSIGNED = "task.assigned"
    TASK_COMMENT_ADDED = "task.comment_added"
    TASK_ISSUE_RAISED = "task.issue_raised"
    TASK_ISSUE_RESOLVED = "task.issue_resolved"


@attrs.frozen(kw_only=True)
class Person(Model):
    """A member named in a delivery (launcher, completer, owner)."""

    id: UserId | None = None
    email: str | None = None
    full_name: str | None = None


@attrs.frozen(kw_only=True)
class ProcessUser(Model):
    """A member the process is shared with (``users`` of a process event)."""

    user_id: UserId | None = None
    full_name: str | None = None


@attrs.frozen(kw_only=True)
class ProcessGroup(Model):
    """A group the process is shared with (``groups`` of a process event)."""

    group_id: str | None = None
    name: str | None = None


@attrs.frozen(kw_only=True)
class GuestLink(Model):
    """Where a guest finds their tasks (``guest-links``, keyed by the guest's email)."""

    link_for_guest: str | None = None


@attrs.frozen(kw_only=True)
class Capture(Model):
    """One form field of a task and its answer (keyed by the field's timeline id)."""

    alias: str | None = None
    label: str | None = None
    value: FieldValue = None


@attrs.frozen(kw_only=True)
class Asset(Model):
    """A file uploaded to the task."""

    id: str | None = None
    filename: str | None = None
    version: str | int | None = None
    public_link: str | None = None


@attrs.frozen(kw_only=True)
class EventOwners(Model):
    """Who a task is assigned to: members as objects, guests by email."""

    users: list[Person] = attrs.Factory(list)
    guests: list[str] = attrs.Factory(list)


@attrs.frozen(kw_only=True)
class EventTask(Model):
    """A task as a delivery describes it (the completed task, or the next one).

    Attributes:
        captures: its form fields and their answers, keyed by timeline id.
        completed_at, completed_by: set on the completed task.
        assets: files uploaded to the completed task.
    """

    id: str
    title: str | None = None
    alias: str | None = None
    status: TaskStatus | None = None
    summary: str | None = None
    deadline: datetime | None = None
    position: int | None = None
    completed_at: datetime | None = None
    completed_by: Person | None = None
    captures: dict[str, Capture] = attrs.Factory(dict)
    owners: EventOwners | None = None
    assets: list[Asset] = attrs.Factory(list)


@attrs.frozen(kw_only=True)
class EventTemplate(Model):
    """The blueprint the process was launched from."""

    id: str | None = None
    title: str | None = None
    alias: str | None = None
    summary: str | None = None


@attrs.frozen(kw_only=True)
class EventTag(Model):
    """A tag on the process."""

    id: str | None = None
    name: str | None = None
    color: str | None = None


@attrs.frozen(kw_only=True)
class EventProcess(Model):
    """The process a completed task belongs to.

    Attributes:
        client_url: the process in Tallyfy's web app (``ClientURL`` on the wire).
        prerun: kick-off answers keyed by kick-off field timeline id.
        process_forms: every task's form fields, keyed by step id, then timeline id.
    """

    id: str | None = None
    organization_id: str | None = None
    name: str | None = None
    summary: str | None = None
    status: ProcessStatus | None = None
    progress: Progress | float | None = None
    created_at: datetime | None = None
    client_url: str | None = None
    prerun: dict[str, FieldValue] = attrs.Factory(dict)
    process_forms: dict[str, dict[str, Capture]] = attrs.Factory(dict)
    tags: list[EventTag] = attrs.Factory(list)


@attrs.frozen(kw_only=True)
class ProcessEvent(Model):
    """A process was launched or completed: the process, as Tallyfy describes runs.

    Attributes:
        org_id: the organization, from the ``X-Tallyfy-orgID`` header.
        kind: :attr:`EventKind.PROCESS_LAUNCHED` or :attr:`EventKind.PROCESS_COMPLETED`
            (from the payload's ``event`` when it has one, else completed when
            ``completed_at`` is set).
        event: the payload's own ``event`` name (organization-level webhooks send one).
        progress: a bare percentage as Tallyfy's webhook example shows it, or
            :class:`~tallyfy_async.models.common.Progress` when an object is sent.
        prerun: kick-off answers keyed by timeline id; ``ko_form_fields`` the same keyed
            by alias.
        process_tasks: task id by task alias (``process-tasks``).
        guest_links: per guest email, their link (``guest-links``).
    """

    org_id: str
    kind: EventKind
    id: str
    event: str | None = None
    increment_id: int | None = None
    checklist_id: str | None = None
    checklist_title: str | None = None
    name: str | None = None
    summary: str | None = None
    status: ProcessStatus | None = None
    progress: Progress | float | None = None
    whole_progress: Progress | float | None = None
    started_by: UserId | None = None
    owner_id: UserId | None = None
    prerun: dict[str, FieldValue] = attrs.Factory(dict)
    prerun_status: str | None = None
    prerun_completed_at: datetime | None = None
    prerun_completed_by: UserId | None = None
    prerun_length: int | None = None
    created_at: datetime | None = None
    started_at: datetime | None = None
    last_updated: datetime | None = None
    completed_at: datetime | None = None
    collaborators: list[UserId] = attrs.Factory(list)
    late_tasks: int | None = None
    due_soon: bool | None = None
    due_date: datetime | None = None
    users: list[ProcessUser] = attrs.Factory(list)
    groups: list[ProcessGroup] = attrs.Factory(list)
    process_tasks: dict[str, str] = attrs.Factory(dict)
    ko_form_fields: dict[str, FieldValue] = attrs.Factory(dict)
    guest_links: dict[str, GuestLink] = attrs.Factory(dict)
    launcher: Person | None = None

    @property
    def dedupe_key(self) -> str:
        """The same for every delivery of this event: organization, process, status and
        the time of the launch or the completion."""
        moment = self.completed_at if self.kind is EventKind.PROCESS_COMPLETED else None
        moment = moment or self.started_at or self.created_at
        return (
            f"tallyfy:{self.org_id}:{self.kind.value}:{self.id}:{self.status or ''}:"
            f"{moment.isoformat() if moment else ''}"
        )


@attrs.frozen(kw_only=True)
class TaskCompletedEvent(Model):
    """A task was completed: the task, its process and template, and the next task.

    Attributes:
        org_id: the organization, from the ``X-Tallyfy-orgID`` header.
        kind: always :attr:`EventKind.TASK_COMPLETED`.
        task: the completed task (``this_task`` on the wire).
        launcher: who launched the process; ``completer`` who completed the task.
        process_tasks: task id by task alias (or id, for a task without one).
        form_fields: every answer of the process (its tasks and kick-off) by field alias.
        next_task: the first visible incomplete task by position; ``None`` when every
            task is done (Tallyfy sends ``[]``).
    """

    org_id: str
    kind: EventKind = EventKind.TASK_COMPLETED
    task: EventTask
    event: str | None = None
    launcher: Person | None = None
    completer: Person | None = None
    process_tasks: dict[str, str] = attrs.Factory(dict)
    form_fields: dict[str, FieldValue] = attrs.Factory(dict)
    template: EventTemplate | None = None
    process: EventProcess | None = None
    guest_links: dict[str, GuestLink] = attrs.Factory(dict)
    next_task: EventTask | None = None
    completion_digest: str = attrs.field(default="", repr=False)

    @property
    def dedupe_key(self) -> str:
        """The same for every delivery of this completion, through whichever webhook
        (the step's, the template's, the organization's): organization, task, completion
        time, and a digest of who completed it and with what answers. A task reopened and
        completed again is a new event, even within the minute a ``d/m/Y h:i A T`` date
        shows, when another member completes it or its answers changed; the same member
        with the same answers within that minute cannot be told from a second delivery."""
        moment = self.task.completed_at
        return (
            f"tallyfy:{self.org_id}:{self.kind.value}:{self.task.id}:"
            f"{moment.isoformat() if moment else ''}:{self.completion_digest}"
        )


@attrs.frozen(kw_only=True)
class OtherEvent:
    """A delivery named by an ``event`` the SDK does not read into a model
    (``task.assigned``, ``task.comment_added``, ``task.issue_raised``,
    ``task.issue_resolved``, or one Tallyfy adds later): acknowledged and delivered
    with its payload as sent, rather than refused and lost (Tallyfy never sends a
    delivery again).

    Attributes:
        org_id: the organization, from the ``X-Tallyfy-orgID`` header.
        event: the payload's ``event`` name.
        kind: that name as an :class:`EventKind`; ``None`` for a name the SDK does not know.
        payload: the decoded body, keys and values as Tallyfy sent them.
        payload_digest: a digest of the payload (the dedupe key's).
    """

    org_id: str
    event: str
    kind: EventKind | None
    payload: dict[str, Any] = attrs.field(repr=False)
    payload_digest: str = attrs.field(default="", repr=False)

    @property
    def dedupe_key(self) -> str:
        """The same for every delivery of the same payload (however its JSON was laid
        out): organization, event and a digest of the payload."""
        return f"tallyfy:{self.org_id}:{self.event}:{self.payload_digest}"


#: What :func:`~tallyfy_async.webhooks.parse` returns.
WebhookEvent: TypeAlias = ProcessEvent | TaskCompletedEvent | OtherEvent
