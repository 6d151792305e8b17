"""Tasks: the tasks of processes, and one-off tasks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

# A module import, not a name import: Process includes tasks and a task includes its
# process, and the annotations below are resolved only when the first task is read.
import tallyfy_async.models.processes as _processes
from tallyfy_async._serde import OpenStrEnum
from tallyfy_async.models._base import Model, included
from tallyfy_async.models.comments import Comment
from tallyfy_async.models.common import Owners
from tallyfy_async.models.form_fields import FormField


class TaskStatus(OpenStrEnum):
    """``status`` of a task (``active`` appears in documentation examples)."""

    NOT_STARTED = "not-started"
    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"
    AUTO_SKIPPED = "auto-skipped"
    SKIPPED = "skipped"
    ACTIVE = "active"


class TaskType(OpenStrEnum):
    """``task_type`` of a task."""

    TASK = "task"
    APPROVAL = "approval"
    EXPIRING = "expiring"
    EMAIL = "email"
    EXPIRING_EMAIL = "expiring_email"


@attrs.frozen(kw_only=True)
class Task(Model):
    """A task of a process, or a one-off task (``run_id`` is ``None``).

    Attributes:
        id: the task's 32-hex id.
        run_id: the process it belongs to; ``None`` for a one-off task.
        step_id: the blueprint step it was made from.
        owners: who it is assigned to (:class:`~tallyfy_async.models.common.Owners`).
        status: :class:`TaskStatus`; ``status_label`` is the display text.
        task_type: :class:`TaskType`.
        taskdata: form-field answers keyed by the field's timeline id.
        deadline: when it is due (aware, UTC).
        summary: the instructions; sent on single reads and with ``with_="summary"``.
        tasks_changed_by_rules: on completion and reopening, what automations changed.
        step: the step (``with_="step"``), as Tallyfy sends it.
        run: the process (``with_="run"``).
        threads: comments (``with_="threads"``; ``with_="comments"`` fills ``comments``).
        form_fields: the form fields with their answers in ``field_value``
            (``with_="form_fields"``).
        custom_fields: the task's custom-field values, as Tallyfy sends them (typed ones
            come from ``org.custom_fields.tasks``).
        tags: tag associations (``with_="tags"``).
    """

    id: str
    increment_id: int | None = None
    title: str | None = None
    original_title: str | None = None
    summary: str | None = None
    original_summary: str | None = None
    run_id: str | None = None
    checklist_id: str | None = None
    step_id: str | None = None
    linked_step_id: str | None = None
    alias: str | None = None
    taskdata: dict[str, Any] = attrs.Factory(dict)
    owners: Owners | None = None
    is_completable: bool | None = None
    status: TaskStatus | None = None
    status_label: str | None = None
    task_type: TaskType | None = None
    is_approved: bool | None = None
    position: int | None = None
    blueprint_position: int | None = None
    started_at: datetime | None = None
    deadline: datetime | None = None
    created_at: datetime | None = None
    last_updated: datetime | None = None
    archived_at: datetime | None = None
    completed_at: datetime | None = None
    starter_id: int | None = None
    completer_id: int | None = None
    completer_guest: Any = None
    completer_guest_id: int | None = None
    is_oneoff_task: bool | None = None
    everyone_must_complete: bool | None = None
    completion_progress: Any = None
    has_deadline_dependent_child_tasks: bool | None = None
    can_complete_only_assignees: bool | None = None
    max_assignable: int | None = None
    webhook: str | None = None
    prevent_guest_comment: bool | None = None
    stage_id: str | None = None
    problem: bool | None = None
    is_soft_start_date: bool | None = None
    send_chromeless: bool | None = None
    run_status: str | None = None
    top_secret: bool | None = None
    tasks_changed_by_rules: Any = None
    custom_fields: Any = None
    step: dict[str, Any] | None = included()
    run: _processes.Process | None = included()
    threads: list[Comment] | None = included()
    comments: list[Comment] | None = included()
    form_fields: list[FormField] | None = included()
    tags: list[dict[str, Any]] | None = included()
    folders: list[dict[str, Any]] | None = included()
    assets: list[dict[str, Any]] | None = included()
    activities: list[dict[str, Any]] | None = included()
    issues: list[dict[str, Any]] | None = included()
    threads_count: Any = included()
