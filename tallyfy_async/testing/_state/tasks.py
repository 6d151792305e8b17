"""Tasks: process tasks (one per step of a launched blueprint) and one-off tasks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tallyfy_async.testing._state.records import Record, Wire

if TYPE_CHECKING:
    from tallyfy_async.testing._state.blueprints import Step
    from tallyfy_async.testing._state.runs import Run

TASK_TYPES = ("task", "approval", "expiring", "email", "expiring_email")
STATUS_LABELS = {
    "not-started": "Not Started",
    "in-progress": "In Progress",
    "completed": "Completed",
    "auto-skipped": "Auto Skipped",
    "skipped": "Skipped",
}
DONE = frozenset(("completed", "auto-skipped", "skipped"))
NO_OWNERS: Wire = {"users": [], "guests": [], "groups": []}


class Task(Record):
    """A task; ``run`` and ``step`` are ``None`` for one-off tasks."""

    __slots__ = ("form_fields", "run", "step", "summary", "threads", "value_ids")

    def __init__(
        self, org_id: str, wire: Wire, run: Run | None, step: Step | None, summary: str | None
    ) -> None:
        super().__init__(org_id, wire)
        self.run = run
        self.step = step
        #: Not part of list items: the API sends it on single reads or ``with=summary``.
        self.summary = summary
        #: Form fields of a one-off task (process tasks use their step's captures).
        self.form_fields: list[Wire] = []
        self.threads: list[Any] = []
        #: Integer id of each stored form-field value, by field id (``form-field/value``).
        self.value_ids: dict[str, int] = {}

    @property
    def done(self) -> bool:
        """Completed or skipped."""
        return self.wire["status"] in DONE

    def captures(self) -> list[Wire]:
        """The form fields this task collects."""
        if self.step is not None:
            return self.step.captures()
        return self.form_fields

    def set_status(self, status: str, now: str | None, **fields: Any) -> None:
        """Change status (and its label) together with any other fields."""
        self.update({"status": status, "status_label": STATUS_LABELS[status], **fields}, now)


def task_wire(
    task_id: str,
    increment_id: int,
    title: str,
    now: str,
    *,
    owners: Wire,
    deadline: str | None,
    starter_id: int,
    run_id: str | None = None,
    checklist_id: str | None = None,
    step_id: str | None = None,
    alias: str | None = None,
    position: int = 1,
    status: str = "not-started",
    task_type: str = "task",
    started_at: str | None = None,
    run_status: str | None = None,
    **fields: Any,
) -> Wire:
    """A new task's fields; ``fields`` override."""
    wire: Wire = {
        "id": task_id,
        "increment_id": increment_id,
        "title": title,
        "original_title": title,
        "run_id": run_id,
        "checklist_id": checklist_id,
        "step_id": step_id,
        "linked_step_id": None,
        "alias": alias,
        "taskdata": {},
        # users are integer ids, as most reads and PPC show them.
        "owners": owners,
        "is_completable": True,
        "status": status,
        "status_label": STATUS_LABELS[status],
        "task_type": task_type,
        "is_approved": None,
        "position": position,
        "started_at": started_at or now,
        "deadline": deadline,
        "created_at": now,
        "last_updated": now,
        "archived_at": None,
        "completed_at": None,
        "starter_id": starter_id,
        "completer_id": None,
        "completer_guest": None,
        "is_oneoff_task": run_id is None,
        "everyone_must_complete": False,
        "can_complete_only_assignees": False,
        "has_deadline_dependent_child_tasks": False,
        "max_assignable": 0,
        "webhook": None,
        "prevent_guest_comment": False,
        "problem": False,
        "blueprint_position": position if step_id else None,
        "is_soft_start_date": False,
        "send_chromeless": False,
        "run_status": run_status,
        "top_secret": False,
        "stage_id": None,
        "custom_fields": {},
    }
    if fields:
        wire.update(fields)
    return wire
