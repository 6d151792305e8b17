"""Processes (API: runs) and the fields they derive from their tasks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tallyfy_async.testing._state.records import Record, Wire

if TYPE_CHECKING:
    from tallyfy_async.testing._state.blueprints import Blueprint
    from tallyfy_async.testing._state.tasks import Task

RUN_STATUSES = ("active", "complete", "problem", "archived")


class Run(Record):
    """A launched process and its tasks (in position order)."""

    __slots__ = ("blueprint", "status_before_archive", "tags", "tasks", "threads", "value_ids")

    def __init__(self, org_id: str, wire: Wire, blueprint: Blueprint | None) -> None:
        super().__init__(org_id, wire)
        self.blueprint = blueprint
        self.tasks: list[Task] = []
        self.tags: list[Wire] = []
        self.threads: list[Any] = []
        self.status_before_archive = "active"
        #: Integer id of each stored kick-off value, by field id (``form-field/value``).
        self.value_ids: dict[str, int] = {}

    def task(self, task_id: str) -> Task | None:
        """One of the run's tasks."""
        for task in self.tasks:
            if task.id == task_id:
                return task
        return None

    def next_task(self) -> Task | None:
        """The first task not done, by position (the webhook payload's ``next_task``)."""
        for task in self.tasks:
            if not task.done:
                return task
        return None


def run_wire(
    run_id: str,
    increment_id: int,
    name: str,
    blueprint: Blueprint | None,
    launcher_id: int,
    now: str,
    **fields: Any,
) -> Wire:
    """A new run's fields; derived fields come from ``refresh``."""
    wire: Wire = {
        "id": run_id,
        "increment_id": increment_id,
        "checklist_id": blueprint.id if blueprint else None,
        "checklist_title": blueprint.wire["title"] if blueprint else None,
        "name": name,
        "summary": None,
        "status": "active",
        "has_open_issue": False,
        # An object, as the SDK, the list docs and PPC show it; some docs show a bare number.
        "progress": {"complete": 0, "total": 0, "percent": 0},
        "whole_progress": {"complete": 0, "total": 0, "percent": 0},
        "started_by": launcher_id,
        "owner_id": launcher_id,
        "prerun": {},
        "prerun_status": None,
        "prerun_completed_at": None,
        "prerun_completed_by": None,
        "prerun_length": 0,
        "starred": False,
        "created_at": now,
        "started_at": now,
        "last_updated": now,
        "completed_at": None,
        "archived_at": None,
        "due_date": None,
        "max_task_deadline": None,
        "due_date_passed": False,
        "due_soon": False,
        "late_tasks": 0,
        "collaborators": [],
        "assign_someone_else": False,
        "type": blueprint.wire["type"] if blueprint else "procedure",
        "is_public": False,
        "users": [],
        "groups": [],
        "parent_id": None,
        "can_add_oot": False,
        # A process starts with its blueprint's custom-field values.
        "custom_fields": dict(blueprint.wire.get("custom_fields") or {}) if blueprint else {},
    }
    wire.update(fields)
    return wire


def refresh(run: Run, now: str, soon: str) -> None:
    """Recompute what a run derives from its tasks and threads.

    Time-dependent flags (``late_tasks``, ``due_soon``, ``due_date_passed``) are as of the last
    change to the run, not of each read: reads serve cached JSON.
    """
    total = len(run.tasks)
    complete = late = 0
    due_soon = problem = False
    users: set[int] = set()
    max_deadline: str | None = None
    for task in run.tasks:
        wire = task.wire
        deadline = wire["deadline"]
        users.update(wire["owners"]["users"])
        if wire["problem"]:
            problem = True
        if deadline is not None and (max_deadline is None or deadline > max_deadline):
            max_deadline = deadline
        if task.done:
            complete += 1
        elif deadline is not None:
            if deadline < now:
                late += 1
            elif deadline <= soon:
                due_soon = True
    problem = problem or any(thread.open_problem for thread in run.threads)
    percent = round(complete * 100 / total, 2) if total else 0
    progress = {"complete": complete, "total": total, "percent": percent}
    wire = run.wire
    status = wire["status"]
    completed_at = wire["completed_at"]
    if status != "archived":
        if total and complete == total:
            status = "complete"
            completed_at = completed_at or now
        else:
            status = "problem" if problem else "active"
            completed_at = None
    changed = status != wire["status"]
    run.update(
        {
            "status": status,
            "completed_at": completed_at,
            "has_open_issue": problem,
            "progress": progress,
            "whole_progress": progress,
            "due_date": max_deadline,
            "max_task_deadline": max_deadline,
            "due_date_passed": max_deadline is not None
            and max_deadline < now
            and status != "complete",
            "due_soon": due_soon,
            "late_tasks": late,
            "collaborators": sorted(users),
        }
    )
    if changed:
        for task in run.tasks:
            task.update({"run_status": status})
