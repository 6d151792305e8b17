"""Completing, reopening and assigning tasks; one-off tasks."""

from __future__ import annotations

from tallyfy_async.testing._state import Org, Run, State, Task, Wire, new_id
from tallyfy_async.testing._state.runs import refresh
from tallyfy_async.testing._state.tasks import task_wire


def touch_run(task: Task, now: str, soon: str) -> None:
    """Recompute the run a task belongs to after the task changed."""
    if task.run is not None:
        refresh(task.run, now, soon)


def complete(task: Task, user_id: int, now: str, soon: str, is_approved: bool | None) -> None:
    """Mark a task completed by ``user_id`` (``is_approved`` is kept for approvals only)."""
    approved = is_approved if task.wire["task_type"] == "approval" else None
    task.set_status("completed", now, completed_at=now, completer_id=user_id, is_approved=approved)
    touch_run(task, now, soon)


def reopen(task: Task, now: str, soon: str) -> None:
    """Reopen a completed task (back to in-progress, completion fields nulled)."""
    task.set_status(
        "in-progress",
        now,
        completed_at=None,
        completer_id=None,
        completer_guest=None,
        is_approved=None,
    )
    touch_run(task, now, soon)


def store_owners(state: State, org: Org, owners: Wire, now: str) -> Wire:
    """Owners as stored: guest emails not yet known become guests of the organization."""
    for email in owners["guests"]:
        state.add_guest(org, email, now)
    return owners


def create_oneoff(
    org: Org,
    starter_id: int,
    now: str,
    *,
    title: str,
    task_type: str,
    owners: Wire,
    deadline: str,
    summary: str | None = None,
    fields: Wire | None = None,
    form_fields: list[Wire] | None = None,
) -> Task:
    """A one-off task (no process)."""
    task = Task(
        org.id,
        task_wire(
            new_id(),
            org.next_increment("task"),
            title,
            now,
            owners=owners,
            deadline=deadline,
            starter_id=starter_id,
            task_type=task_type,
            **(fields or {}),
        ),
        None,
        None,
        summary,
    )
    task.form_fields = form_fields or []
    org.tasks.add(task)
    return task


def attach_to_run(task: Task, run: Run, now: str, soon: str) -> None:
    """Put a new task into an existing process (``run_id`` on create):
    it is then a process task, last by position."""
    task.run = run
    task.update(
        {
            "run_id": run.id,
            "is_oneoff_task": False,
            "checklist_id": run.wire["checklist_id"],
            "position": len(run.tasks) + 1,
            "run_status": run.wire["status"],
        }
    )
    run.tasks.append(task)
    touch_run(task, now, soon)
