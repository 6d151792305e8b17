"""Launching, archiving, restoring and deleting processes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tallyfy_async.testing._actions.values import merge_values
from tallyfy_async.testing._dates import fmt, later
from tallyfy_async.testing._state import Blueprint, Org, Run, Task, User, Wire, new_id
from tallyfy_async.testing._state.runs import refresh, run_wire
from tallyfy_async.testing._state.tasks import TASK_TYPES, task_wire


def launch(
    org: Org,
    blueprint: Blueprint,
    launcher: User,
    now: str,
    soon: str,
    *,
    name: str | None = None,
    prerun: dict[str, Any] | None = None,
    overrides: dict[str, Wire] | None = None,
    fields: Wire | None = None,
) -> Run:
    """Launch ``blueprint``: one run, one task per step, deadlines and owners resolved.

    ``prerun`` holds checked kick-off values; ``overrides`` the checked ``tasks`` of the launch
    body, keyed by step id. Owners come from the override, else the step's assignees, else the
    launcher when the step assigns the run starter.
    """
    run_id = new_id()
    wire = run_wire(
        run_id,
        org.next_increment("run"),
        name or f"{blueprint.wire['title']} - {now[:10]}",
        blueprint,
        launcher.id,
        now,
        **(fields or {}),
    )
    run = Run(org.id, wire, blueprint)
    if blueprint.wire["prerun"]:
        values = merge_values(org, run, {}, prerun or {})
        wire.update(
            prerun=values,
            prerun_status="complete",
            prerun_completed_at=now,
            prerun_completed_by=launcher.id,
            prerun_length=len(values),
        )
    start = datetime.fromisoformat(now)
    default = org.wire["default_deadline"]
    default_deadline = fmt(later(start, int(default["value"]), str(default["type"])))
    first = org.next_increment("task", len(blueprint.steps))
    overrides = overrides or {}
    for offset, step in enumerate(blueprint.steps):
        step_fields = step.wire
        override = overrides.get(step.id, {})
        deadline = override.get("deadline")
        if deadline is None and step_fields["deadline"]:
            rule = step_fields["deadline"]
            deadline = fmt(
                later(start, int(rule.get("value") or 0), str(rule.get("unit") or "days"))
            )
        owners = override.get("owners") or {
            "users": step_fields["assignees"],
            "guests": step_fields["guests"],
            "groups": step_fields["groups"],
        }
        if (
            not (owners["users"] or owners["guests"] or owners["groups"])
            and step_fields["assign_run_starter"]
        ):
            owners = {"users": [launcher.id], "guests": [], "groups": []}
        step_type = step_fields["step_type"]
        task = Task(
            org.id,
            task_wire(
                new_id(),
                first + offset,
                step_fields["title"],
                now,
                owners=owners,
                deadline=deadline or default_deadline,
                starter_id=launcher.id,
                run_id=run_id,
                checklist_id=blueprint.id,
                step_id=step.id,
                alias=step_fields["alias"],
                position=override.get("position") or step_fields["position"],
                task_type=step_type if step_type in TASK_TYPES else "task",
                run_status="active",
                everyone_must_complete=step_fields["everyone_must_complete"],
                can_complete_only_assignees=step_fields["can_complete_only_assignees"],
                max_assignable=override.get("max_assignable", step_fields["max_assignable"]),
                webhook=step_fields["webhook"],
                prevent_guest_comment=step_fields["prevent_guest_comment"],
                is_soft_start_date=step_fields["is_soft_start_date"],
                top_secret=step_fields["top_secret"],
                # A task starts with its step's custom-field values.
                custom_fields=dict(step_fields.get("custom_fields") or {}),
            ),
            run,
            step,
            step_fields["summary"],
        )
        run.tasks.append(task)
    run.tasks.sort(key=lambda task: task.wire["position"])
    org.tasks.add_many(run.tasks)
    org.runs.add(run)
    blueprint.update({"started_processes": blueprint.wire["started_processes"] + 1})
    refresh(run, now, soon)
    return run


def archive_run(org: Org, run: Run, now: str) -> None:
    """Archive a process and, with it, its tasks (the archive cascades)."""
    if run.wire["status"] != "archived":
        run.status_before_archive = run.wire["status"]
    run.update({"status": "archived", "archived_at": now}, now)
    for task in run.tasks:
        task.update({"archived_at": now, "run_status": "archived"}, now)
    org.runs.reindex()
    org.tasks.reindex()


def activate_run(org: Org, run: Run, now: str, soon: str) -> None:
    """Restore an archived process to the status it had."""
    run.update({"status": run.status_before_archive, "archived_at": None}, now)
    for task in run.tasks:
        task.update({"archived_at": None}, now)
    org.runs.reindex()
    org.tasks.reindex()
    refresh(run, now, soon)


def delete_run(org: Org, run: Run) -> None:
    """Forget a process and its tasks."""
    for task in run.tasks:
        org.tasks.remove(task.id)
    org.runs.remove(run.id)
