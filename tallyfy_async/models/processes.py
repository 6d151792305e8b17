"""Processes (the API's runs) launched from blueprints."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

# A module import, not a name import: a process includes its tasks and a task its
# process; the annotations are resolved only when the first process is read.
import tallyfy_async.models.tasks as _tasks
from tallyfy_async._serde import OpenStrEnum
from tallyfy_async.models._base import Model, included
from tallyfy_async.models.blueprints import BlueprintType
from tallyfy_async.models.common import Progress
from tallyfy_async.models.form_fields import FormField
from tallyfy_async.models.tags import TagAssociation


class ProcessStatus(OpenStrEnum):
    """``status`` of a process (and the list filter of the same name).

    ``problem`` and ``issue`` both mean an open issue (the ``problem`` filter returns
    both); ``in-progress`` appears in webhook payloads.
    """

    ACTIVE = "active"
    COMPLETE = "complete"
    PROBLEM = "problem"
    ISSUE = "issue"
    IMPROVEMENT = "improvement"
    ARCHIVED = "archived"
    DELAYED = "delayed"
    STARRED = "starred"
    IN_PROGRESS = "in-progress"


@attrs.frozen(kw_only=True)
class Process(Model):
    """A process launched from a blueprint (the API's run object).

    Attributes:
        id: the process's 32-hex id.
        checklist_id: the blueprint it was launched from (``checklist_title`` its title).
        name: the process name.
        status: :class:`ProcessStatus`.
        progress: tasks complete of total, and the percentage (a bare percentage
            when Tallyfy sends only a number, as some of its examples show).
        whole_progress: the same, counting hidden tasks too.
        started_by: the member who launched it.
        prerun: kick-off answers keyed by kick-off field timeline id.
        prerun_status: ``complete`` once the kick-off form was submitted.
        type: the blueprint's :class:`~tallyfy_async.models.blueprints.BlueprintType`.
        archived_at: set while the process is archived.
        checklist: the blueprint (``with_="checklist"``), as Tallyfy sends it.
        tasks: its tasks (``with_="tasks"``).
        next_task: the next task(s) to do (``with_="next_task"``).
        tags: tag associations (``with_="tags"``).
        form_fields: task form fields (``with_="form_fields"``).
        ko_form_fields: kick-off fields (``with_="ko_form_fields"``).
    """

    id: str
    increment_id: int | None = None
    checklist_id: str | None = None
    checklist_title: str | None = None
    name: str | None = None
    summary: str | None = None
    status: ProcessStatus | None = None
    has_open_issue: bool | None = None
    # Some documentation examples show a bare number here; the API sends the object.
    progress: Progress | float | None = None
    whole_progress: Progress | float | None = None
    started_by: int | None = None
    owner_id: int | None = None
    prerun: dict[str, Any] = attrs.Factory(dict)
    prerun_status: str | None = None
    prerun_completed_at: datetime | None = None
    prerun_completed_by: int | None = None
    prerun_length: int | None = None
    starred: bool | None = None
    created_at: datetime | None = None
    started_at: datetime | None = None
    last_updated: datetime | None = None
    completed_at: datetime | None = None
    archived_at: datetime | None = None
    due_date: datetime | None = None
    max_task_deadline: datetime | None = None
    due_date_passed: bool | None = None
    due_soon: bool | None = None
    late_tasks: int | None = None
    collaborators: list[int] = attrs.Factory(list)
    assign_someone_else: bool | None = None
    type: BlueprintType | None = None
    is_public: bool | None = None
    users: list[int] = attrs.Factory(list)
    groups: list[str] = attrs.Factory(list)
    parent_id: str | None = None
    can_add_oot: bool | None = None
    custom_fields: Any = None
    checklist: dict[str, Any] | None = included()
    tasks: list[_tasks.Task] | None = included()
    next_task: list[_tasks.Task] | None = included()
    tags: list[TagAssociation] | None = included()
    form_fields: list[FormField] | None = included()
    ko_form_fields: list[FormField] | None = included()
    folders: list[dict[str, Any]] | None = included()
    assets: list[dict[str, Any]] | None = included()
    stages: Any = included()
    permissions: Any = included()
    tasks_meta: Any = included()


@attrs.frozen(kw_only=True)
class ProcessFormFields(Model):
    """Every form field of a process, with its answer in ``field_value``.

    What ``GET /organizations/{org}/runs/{run_id}/form-fields`` answers.

    Attributes:
        id: the process's id.
        form_fields: the task form fields (each with its ``task_id`` in ``extra``).
        ko_form_fields: the kick-off fields.
    """

    id: str | None = None
    name: str | None = None
    form_fields: list[FormField] = attrs.Factory(list)
    ko_form_fields: list[FormField] = attrs.Factory(list)
