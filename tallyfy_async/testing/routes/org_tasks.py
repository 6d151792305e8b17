"""Organization-wide task lists and one-off tasks."""

from __future__ import annotations

from tallyfy_async.testing._actions.tasks import attach_to_run, create_oneoff, reopen, store_owners
from tallyfy_async.testing._context import Ctx
from tallyfy_async.testing._fields import Fields, text_id
from tallyfy_async.testing._http import Reply, data, empty, invalid_field, not_found
from tallyfy_async.testing._pagination import paginate
from tallyfy_async.testing._router import RouteTable
from tallyfy_async.testing._state import Task, Wire, new_id
from tallyfy_async.testing._state.blueprints import field_wire
from tallyfy_async.testing._state.tasks import TASK_TYPES
from tallyfy_async.testing._validate import capture_definition, owners_in
from tallyfy_async.testing.routes._common import TASK_QUERY, task_dict, task_of, task_renderer
from tallyfy_async.testing.routes._task_query import filter_tasks, sort_tasks, user_meta
from tallyfy_async.testing.routes.tasks import (
    apply_task_update,
    complete_checked,
    refuse_if_completed,
    task_id_of,
)

routes = RouteTable()


def _oneoff(ctx: Ctx) -> Task:
    task = task_of(ctx)
    if task.run is not None:
        raise invalid_field(
            "task_id", "This task belongs to a process; use its process routes.", specific=True
        )
    return task


@routes.get("/organizations/{org}/tasks", "tasks.list", query=(*TASK_QUERY, "archived"))
def list_org_tasks(ctx: Ctx) -> Reply:
    """Every task of the organization (one-off and process), oldest first by default."""
    org = ctx.the_org()
    items = sort_tasks(ctx, filter_tasks(ctx, org.tasks.scope(ctx.query.get("archived"))))
    return paginate(ctx, items, task_renderer(ctx.includes))


def _user_tasks(ctx: Ctx, user_id: int) -> Reply:
    org = ctx.the_org()
    mine = [task for task in org.tasks.live() if user_id in task.wire["owners"]["users"]]
    # /me/tasks answers active tasks when no status is asked for.
    items = sort_tasks(ctx, filter_tasks(ctx, mine, default_status="active"))
    return paginate(
        ctx,
        items,
        task_renderer(ctx.includes),
        extra_meta=user_meta(mine, ctx.now, ctx.soon),
    )


@routes.get("/organizations/{org}/me/tasks", "me.tasks", query=TASK_QUERY)
def my_tasks(ctx: Ctx) -> Reply:
    """Tasks assigned to the caller, with ``overdue_tasks``/``tasks_due_soon`` in ``meta``."""
    return _user_tasks(ctx, ctx.the_user().id)


@routes.get("/organizations/{org}/users/{user_id}/tasks", "users.tasks", query=TASK_QUERY)
def user_tasks(ctx: Ctx) -> Reply:
    """Tasks assigned to one member."""
    raw = ctx.params["user_id"]
    user_id = text_id(raw)
    if user_id is None or user_id not in ctx.the_org().members:
        raise not_found()
    return _user_tasks(ctx, user_id)


@routes.get("/organizations/{org}/guests/{guest_id}/tasks", "guests.tasks", query=TASK_QUERY)
def guest_tasks(ctx: Ctx) -> Reply:
    """Tasks assigned to a guest, by the integer id of the guest's link."""
    org = ctx.the_org()
    raw = ctx.params["guest_id"]
    guest = org.guest_by_id(text_id(raw) or 0)
    if guest is None:
        raise not_found()
    email = guest.email.lower()
    theirs = [
        task
        for task in org.tasks.live()
        if email in (owner.lower() for owner in task.wire["owners"]["guests"])
    ]
    items = sort_tasks(ctx, filter_tasks(ctx, theirs))
    return paginate(ctx, items, task_renderer(ctx.includes))


@routes.post("/organizations/{org}/tasks", "tasks.create", status=201)
def create_task(ctx: Ctx) -> Reply:
    """Create a one-off task (201): title, task_type, owners and deadline are required."""
    org = ctx.the_org()
    fields = Fields(ctx.body)
    title = fields.string("title", required=True, max_len=600)
    task_type = fields.choice("task_type", TASK_TYPES, required=True)
    owners = owners_in(fields, "owners", org, required=True)
    deadline = fields.date("deadline", required=True)
    summary = fields.string("summary") or fields.string("description")
    values: Wire = {}
    started_at = fields.date("started_at")
    if started_at is not None:
        values["started_at"] = started_at
    if fields.has("max_assignable"):
        values["max_assignable"] = fields.integer("max_assignable", minimum=0) or 0
    for key in (
        "prevent_guest_comment",
        "everyone_must_complete",
        "can_complete_only_assignees",
        "is_soft_start_date",
        "top_secret",
    ):
        if fields.has(key):
            values[key] = bool(fields.boolean(key))
    if fields.has("webhook"):
        values["webhook"] = fields.string("webhook")
    status = fields.choice("status", ("not-started", "in-progress"))
    definitions = fields.array("form_fields") or []
    form_fields: list[Wire] = []
    for index, item in enumerate(definitions):
        definition = capture_definition(item, f"form_fields.{index}.", fields.errors)
        if definition is not None:
            form_fields.append(
                field_wire(new_id(), "step_id", None, definition, index + 1, ctx.now)
            )
    run = None
    run_id = fields.string("run_id")
    if run_id is not None:
        run = org.runs.get(run_id)
        if run is None:
            fields.fail("run_id", "The selected run id is invalid.")
    fields.known("tags", org.tags.by_id)
    fields.check()
    assert title is not None and task_type is not None and deadline is not None
    assert owners is not None
    task = create_oneoff(
        org,
        ctx.the_user().id,
        ctx.now,
        title=title,
        task_type=task_type,
        owners=store_owners(ctx.fake.state, org, owners, ctx.now),
        deadline=deadline,
        summary=summary,
        fields=values,
        form_fields=form_fields,
    )
    if status is not None:
        task.set_status(status, ctx.now)
    if run is not None:
        attach_to_run(task, run, ctx.now, ctx.soon)
    return data(task_dict(task, ctx.includes, single=True), 201)


@routes.get("/organizations/{org}/tasks/{task_id}", "tasks.get", query=("with",))
def get_task(ctx: Ctx) -> Reply:
    """Any task by id (one-off or process task)."""
    return data(task_dict(task_of(ctx), ctx.includes, single=True))


@routes.put("/organizations/{org}/tasks/{task_id}", "tasks.update")
def update_task(ctx: Ctx) -> Reply:
    """Update a task: title, deadline and owners on every call."""
    task = task_of(ctx)
    refuse_if_completed(task)
    apply_task_update(ctx, ctx.the_org(), task, Fields(ctx.body), oneoff=True)
    return data(task_dict(task, ctx.includes, single=True))


@routes.delete("/organizations/{org}/tasks/{task_id}", "tasks.archive", status=204)
def archive_task(ctx: Ctx) -> Reply:
    """Archive a one-off task (204)."""
    task = _oneoff(ctx)
    task.update({"archived_at": ctx.now}, ctx.now)
    ctx.the_org().tasks.reindex()
    return empty(204)


@routes.delete("/organizations/{org}/tasks/{task_id}/delete", "tasks.delete", status=204)
def delete_task(ctx: Ctx) -> Reply:
    """Permanently delete a one-off task (204)."""
    task = _oneoff(ctx)
    ctx.the_org().tasks.remove(task.id)
    return empty(204)


@routes.put("/organizations/{org}/tasks/{task_id}/restore", "tasks.restore")
def restore_task(ctx: Ctx) -> Reply:
    """Restore an archived one-off task."""
    task = _oneoff(ctx)
    task.update({"archived_at": None}, ctx.now)
    ctx.the_org().tasks.reindex()
    return data(task_dict(task, ctx.includes, single=True))


@routes.post("/organizations/{org}/completed-tasks", "tasks.complete")
def complete_oneoff(ctx: Ctx) -> Reply:
    """Complete a one-off task (its ``run_id`` must be null)."""
    fields = Fields(ctx.body)
    task_id = task_id_of(ctx, fields)
    task = ctx.the_org().tasks.get(task_id or "")
    if task is None or task.archived:
        raise invalid_field("task_id", "The selected task id is invalid.")
    if task.run is not None:
        raise invalid_field(
            "task_id",
            "This task belongs to a process; complete it through its process.",
            specific=True,
        )
    complete_checked(ctx, task, fields)
    return data(task_dict(task, ctx.includes, single=True))


@routes.delete("/organizations/{org}/completed-tasks/{task_id}", "tasks.reopen")
def reopen_oneoff(ctx: Ctx) -> Reply:
    """Reopen a completed one-off task."""
    task = _oneoff(ctx)
    if task.wire["status"] != "completed":
        raise invalid_field("task_id", "This task is not completed.", specific=True)
    reopen(task, ctx.now, ctx.soon)
    return data(task_dict(task, ctx.includes, single=True))
