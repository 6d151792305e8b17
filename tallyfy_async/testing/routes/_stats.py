"""The ``with=stats`` include of members and guests, counted from the organization's records.

Tallyfy names the counts but not how it arrives at them; the rules here (which tasks are a
guest's, which steps a member created) are GUESSES that follow the names.
"""

from __future__ import annotations

from tallyfy_async.testing._state import Guest, Org, Task, User, Wire


def _latest(tasks: list[Task]) -> str | None:
    """The last ``completed_at`` of completed tasks (dates in one format sort as text)."""
    return max((task.wire["completed_at"] for task in tasks), default=None)


def member_stats(org: Org, user: User) -> Wire:
    """A member's stats: tasks they completed, processes they launched, blueprints they
    created and the steps of those blueprints."""
    blueprints = [bp for bp in org.blueprints.every() if bp.wire["created_by"] == user.id]
    steps = [step for bp in blueprints for step in bp.steps]
    return {
        "steps_created": len(steps),
        "tasks_completed": sum(t.wire["completer_id"] == user.id for t in org.tasks.every()),
        "processes_launched": sum(r.wire["started_by"] == user.id for r in org.runs.every()),
        "checklists_created": len(blueprints),
        "last_step_created_at": max((s.wire["created_at"] for s in steps), default=None),
    }


def guest_stats(org: Org, guest: Guest) -> Wire:
    """A guest's stats: the open tasks assigned to them, and those of theirs completed."""
    email = guest.email.lower()
    theirs = [
        task
        for task in org.tasks.every()
        if email in (owner.lower() for owner in task.wire["owners"]["guests"])
    ]
    done = [task for task in theirs if task.wire["status"] == "completed"]
    one_off = [task for task in done if task.run is None]
    return {
        "assigned_tasks": sum(not t.archived and t.wire["status"] != "completed" for t in theirs),
        "tasks_completed": len(done),
        "last_task_completed_at": _latest(done),
        "one_off_tasks_completed": len(one_off),
        "last_one_off_task_completed_at": _latest(one_off),
    }
