"""Steps of a blueprint."""

from __future__ import annotations

from tallyfy_async.testing._actions.blueprints import add_step, copy_step
from tallyfy_async.testing._context import Ctx
from tallyfy_async.testing._dates import LONGEST_INTERVAL_MINUTES, unit_minutes
from tallyfy_async.testing._fields import Fields, is_int
from tallyfy_async.testing._http import Reply, data, empty, invalid_field
from tallyfy_async.testing._pagination import paginate
from tallyfy_async.testing._router import RouteTable
from tallyfy_async.testing._state import Blueprint, Org, Wire
from tallyfy_async.testing._state.tasks import TASK_TYPES
from tallyfy_async.testing.routes._common import blueprint_of, step_of, wire_of

routes = RouteTable()

_UNITS = ("minutes", "hours", "days", "weeks", "months")
_BOOLEANS = (
    "allow_guest_owners",
    "skip_start_process",
    "can_complete_only_assignees",
    "everyone_must_complete",
    "prevent_guest_comment",
    "is_soft_start_date",
    "role_changes_every_time",
    "assign_run_starter",
    "top_secret",
    "send_chromeless",
)


def _interval(fields: Fields, key: str, *, anchored: bool) -> Wire | None:
    """``deadline {value, unit, option, step}`` or ``start_date {value, unit}``; null clears."""
    raw = fields.obj(key)
    if raw is None:
        return None
    value = raw.get("value")
    if not is_int(value) or value < 0:
        fields.fail(f"{key}.value", f"The {key}.value must be an integer.")
    unit = raw.get("unit", "days")
    if unit not in _UNITS:
        fields.fail(f"{key}.unit", f"The selected {key}.unit is invalid.")
    elif is_int(value) and value * unit_minutes(unit) > LONGEST_INTERVAL_MINUTES:
        # Refused here so every later launch can compute the deadline (a date past 9999
        # would fail each launch of the blueprint instead).
        limit = LONGEST_INTERVAL_MINUTES // unit_minutes(unit)
        fields.fail(f"{key}.value", f"The {key}.value may not be greater than {limit}.")
    interval: Wire = {"value": value, "unit": unit}
    if anchored:
        interval["option"] = raw.get("option", "from")
        interval["step"] = raw.get("step", "start_run")
    return interval


def _step_body(fields: Fields, org: Org) -> Wire:
    """Every step field but ``title`` and the assignee buckets, when sent."""
    values: Wire = {}
    for key in ("summary", "webhook"):
        if fields.has(key):
            values[key] = fields.string(key)
    if fields.has("step_type"):
        values["step_type"] = fields.choice("step_type", TASK_TYPES) or "task"
    if fields.has("max_assignable"):
        values["max_assignable"] = fields.integer("max_assignable", minimum=0) or 0
    for key in _BOOLEANS:
        if fields.has(key):
            values[key] = bool(fields.boolean(key))
    if fields.has("deadline"):
        values["deadline"] = _interval(fields, "deadline", anchored=True)
    if fields.has("start_date"):
        values["start_date"] = _interval(fields, "start_date", anchored=False)
    if fields.has("tags"):
        values["tags"] = fields.known("tags", org.tags.by_id)
    return values


def _buckets(fields: Fields, org: Org) -> Wire:
    """assignees/guests/groups: every PUT replaces all three, a bucket not sent is emptied
    (api-v2 ``StepBuilder::build`` reads ``$data['groups'] ?? []``)."""
    return {
        "assignees": fields.known("assignees", org.members, integers=True),
        "guests": fields.emails("guests"),
        "groups": fields.known("groups", org.groups.by_id),
    }


def _live_blueprint(ctx: Ctx) -> Blueprint:
    return blueprint_of(ctx, archived=False)


@routes.get(
    "/organizations/{org}/checklists/{checklist_id}/steps", "steps.list", query=("page", "per_page")
)
def list_steps(ctx: Ctx) -> Reply:
    """Steps by position; always paginated (``without_pagination`` is ignored)."""
    blueprint = _live_blueprint(ctx)
    return paginate(ctx, blueprint.steps, wire_of, unpaginated=False)


@routes.post("/organizations/{org}/checklists/{checklist_id}/steps", "steps.create", status=201)
def create_step(ctx: Ctx) -> Reply:
    """Append a step (201); ``position``, ``alias`` and ``roles`` are dropped."""
    org = ctx.the_org()
    blueprint = _live_blueprint(ctx)
    fields = Fields(ctx.body)
    title = fields.string("title", required=True, max_len=600)
    values = _step_body(fields, org)
    values.update(_buckets(fields, org))
    fields.check()
    assert title is not None
    step = add_step(blueprint, ctx.now, title, values)
    return data(step.wire, 201)


@routes.get("/organizations/{org}/checklists/{checklist_id}/steps/{step_id}", "steps.get")
def get_step(ctx: Ctx) -> Reply:
    """One step, its form fields inline."""
    return data(step_of(ctx, _live_blueprint(ctx)).wire)


@routes.put("/organizations/{org}/checklists/{checklist_id}/steps/{step_id}", "steps.update")
def update_step(ctx: Ctx) -> Reply:
    """Update: ``title`` required; the three assignee buckets replaced on every PUT."""
    org = ctx.the_org()
    blueprint = _live_blueprint(ctx)
    step = step_of(ctx, blueprint)
    fields = Fields(ctx.body)
    title = fields.string("title", required=True, max_len=600)
    values = _step_body(fields, org)
    values.update(_buckets(fields, org))
    fields.check()
    values["title"] = title
    step.update(values, ctx.now)
    blueprint.update({}, ctx.now)
    return data(step.wire)


@routes.delete(
    "/organizations/{org}/checklists/{checklist_id}/steps/{step_id}", "steps.delete", status=204
)
def delete_step(ctx: Ctx) -> Reply:
    """Delete a step, unless an automation refers to it (422)."""
    blueprint = _live_blueprint(ctx)
    step = step_of(ctx, blueprint)
    for rule in blueprint.wire["automated_actions"]:
        conditions = {c.get("conditionable_id") for c in rule["conditions"]}
        targets = {a.get("target_step_id") for a in rule["then_actions"]}
        if step.id in conditions or step.id in targets:
            raise invalid_field(
                "step_id",
                "Cannot delete this step because there are rules dependent on it.",
                specific=True,
            )
    blueprint.steps.remove(step)
    blueprint.renumber(ctx.now)
    return empty(204)


@routes.post("/organizations/{org}/checklists/{checklist_id}/steps/{step_id}/clone", "steps.clone")
def clone_step(ctx: Ctx) -> Reply:
    """Copy a step (and its form fields) to the end of the blueprint."""
    blueprint = _live_blueprint(ctx)
    copy = copy_step(blueprint, step_of(ctx, blueprint), ctx.now)
    return data(copy.wire)


@routes.put(
    "/organizations/{org}/checklists/{checklist_id}/steps/{step_id}/reorder", "steps.reorder"
)
def reorder_step(ctx: Ctx) -> Reply:
    """Move a step to ``position`` (1-based); the others shift."""
    blueprint = _live_blueprint(ctx)
    step = step_of(ctx, blueprint)
    fields = Fields(ctx.body)
    position = fields.integer("position", required=True, minimum=1)
    fields.check()
    assert position is not None
    blueprint.steps.remove(step)
    blueprint.steps.insert(min(position, len(blueprint.steps) + 1) - 1, step)
    blueprint.renumber(ctx.now)
    return data(step.wire)
