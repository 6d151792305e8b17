"""Tasks of a process."""

from __future__ import annotations

from tallyfy_async.testing._actions.tasks import complete, reopen, store_owners, touch_run
from tallyfy_async.testing._actions.values import merge_values
from tallyfy_async.testing._context import Ctx
from tallyfy_async.testing._fields import HEX_ID, Fields
from tallyfy_async.testing._http import Reply, data, invalid_field, invalid_first
from tallyfy_async.testing._pagination import paginate
from tallyfy_async.testing._router import RouteTable
from tallyfy_async.testing._state import Org, Task, Wire
from tallyfy_async.testing._state.tasks import TASK_TYPES
from tallyfy_async.testing._validate import form_values, missing_required, owners_in
from tallyfy_async.testing.routes._common import (
    TASK_QUERY,
    run_of,
    task_dict,
    task_of,
    task_renderer,
)
from tallyfy_async.testing.routes._task_query import filter_tasks, sort_tasks

routes = RouteTable()


def refuse_if_completed(task: Task) -> None:
    """Completed tasks cannot be edited."""
    if task.wire["status"] == "completed":
        raise invalid_field("task_id", "A completed task cannot be updated.", specific=True)


def apply_task_update(ctx: Ctx, org: Org, task: Task, fields: Fields, *, oneoff: bool) -> None:
    """Check and apply the fields of PUT .../tasks/{id} (process and one-off alike).

    Every field is optional except, for one-off tasks, ``title``, ``deadline`` and ``owners``
    (required on every PUT). Owners: sent => every bucket replaced, a bucket not
    sent emptied; not sent => kept.
    """
    values: Wire = {}
    title = fields.string("title", required=oneoff, max_len=600)
    if title is not None:
        values["title"] = title
    deadline = fields.date("deadline", required=oneoff)
    if deadline is not None:
        values["deadline"] = deadline
    started_at = fields.date("started_at")
    if started_at is not None:
        values["started_at"] = started_at
    owners = owners_in(fields, "owners", org, required=oneoff)
    summary = fields.string("summary") if fields.has("summary") else None
    for key in ("position", "max_assignable"):
        if fields.has(key):
            values[key] = fields.integer(key, minimum=0)
    task_type = fields.choice("task_type", TASK_TYPES)
    if task_type is not None:
        values["task_type"] = task_type
    for key in ("top_secret", "prevent_guest_comment", "everyone_must_complete"):
        if fields.has(key):
            values[key] = bool(fields.boolean(key))
    if fields.has("webhook"):
        values["webhook"] = fields.string("webhook")
    status = fields.choice("status", ("not-started", "in-progress"))
    fields.check()
    captures = {capture["id"]: capture for capture in task.captures()}
    if fields.has("taskdata"):
        clean = form_values(
            captures, fields.body["taskdata"], key="taskdata", org=org, require=False
        )
        values["taskdata"] = merge_values(org, task, task.wire["taskdata"], clean)
    if owners is not None:
        values["owners"] = store_owners(ctx.fake.state, org, owners, ctx.now)
    if fields.has("summary"):
        task.summary = summary
    if status is not None:
        task.set_status(status, ctx.now)
    task.update(values, ctx.now)
    touch_run(task, ctx.now, ctx.soon)


def complete_checked(ctx: Ctx, task: Task, fields: Fields) -> None:
    """Complete ``task`` unless it is done, has an open issue or a required field is empty.

    An approval needs the decision: without ``is_approved`` Tallyfy answers 422 "The is
    approved field is required" rather than guessing one.
    """
    is_approved = fields.boolean("is_approved", required=task.wire["task_type"] == "approval")
    override = fields.integer("override_user")
    if override is not None and override not in ctx.the_org().members:
        fields.fail("override_user", "The selected override user is invalid.")
    decision = fields.errors.get("is_approved")
    fields.check(decision[0] if decision else None)
    if task.wire["status"] == "completed":
        raise invalid_field("task_id", "This task has already been completed.", specific=True)
    if task.wire["problem"]:
        raise invalid_field(
            "task_id", "This task has an unresolved issue and cannot be completed.", specific=True
        )
    missing = missing_required(task.captures(), task.wire["taskdata"], "taskdata")
    if missing:
        raise invalid_first(missing)
    run_was_complete = task.run is not None and task.run.wire["status"] == "complete"
    complete(task, override or ctx.the_user().id, ctx.now, ctx.soon, is_approved)
    ctx.fake.webhooks._on_completion(ctx.the_org(), task, run_was_complete=run_was_complete)


def task_id_of(ctx: Ctx, fields: Fields) -> str | None:
    """The body's ``task_id`` (required, 32-hex)."""
    task_id = fields.string("task_id", required=True)
    if task_id is not None and not HEX_ID.match(task_id):
        fields.fail("task_id", "The selected task id is invalid.")
    fields.check()
    return task_id


@routes.get("/organizations/{org}/runs/{run_id}/tasks", "runs.tasks.list", query=TASK_QUERY)
def list_tasks(ctx: Ctx) -> Reply:
    """A process's tasks, by position unless sorted otherwise."""
    run = run_of(ctx)
    items = sort_tasks(ctx, filter_tasks(ctx, run.tasks))
    return paginate(ctx, items, task_renderer(ctx.includes))


@routes.get("/organizations/{org}/runs/{run_id}/tasks/{task_id}", "runs.tasks.get", query=("with",))
def get_task(ctx: Ctx) -> Reply:
    """One task of a process."""
    task = task_of(ctx, run_of(ctx))
    return data(task_dict(task, ctx.includes, single=True))


@routes.put("/organizations/{org}/runs/{run_id}/tasks/{task_id}", "runs.tasks.update")
def update_task(ctx: Ctx) -> Reply:
    """Partial update of a process task; ``taskdata`` keyed by capture id."""
    task = task_of(ctx, run_of(ctx))
    refuse_if_completed(task)
    apply_task_update(ctx, ctx.the_org(), task, Fields(ctx.body), oneoff=False)
    return data(task_dict(task, ctx.includes, single=True))


@routes.post("/organizations/{org}/runs/{run_id}/completed-tasks", "runs.tasks.complete")
def complete_task(ctx: Ctx) -> Reply:
    """Complete a process task (200)."""
    run = run_of(ctx)
    fields = Fields(ctx.body)
    task_id = task_id_of(ctx, fields)
    task = run.task(task_id or "")
    if task is None:
        raise invalid_field("task_id", "The selected task id is invalid.")
    complete_checked(ctx, task, fields)
    return data({**task_dict(task, ctx.includes, single=True), "tasks_changed_by_rules": []})


@routes.delete("/organizations/{org}/runs/{run_id}/completed-tasks/{task_id}", "runs.tasks.reopen")
def reopen_task(ctx: Ctx) -> Reply:
    """Reopen a completed process task (200).

    DELETE, as every current source has it; only the 2021 Power Platform swagger says POST.
    """
    task = task_of(ctx, run_of(ctx))
    if task.wire["status"] != "completed":
        raise invalid_field("task_id", "This task is not completed.", specific=True)
    reopen(task, ctx.now, ctx.soon)
    return data({**task_dict(task, ctx.includes, single=True), "tasks_changed_by_rules": []})
