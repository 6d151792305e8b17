"""Form fields (captures) of a step.

There is no GET of a single capture: the router answers 405 for it, as the API does.
"""

from __future__ import annotations

from tallyfy_async.testing._actions.blueprints import add_capture, place_capture, remove_capture
from tallyfy_async.testing._context import Ctx
from tallyfy_async.testing._fields import Fields
from tallyfy_async.testing._http import Reply, data, empty, invalid, not_found
from tallyfy_async.testing._router import RouteTable
from tallyfy_async.testing._state import Step, Wire
from tallyfy_async.testing._state.blueprints import field_wire
from tallyfy_async.testing._validate import capture_definition
from tallyfy_async.testing.routes._common import blueprint_of, step_of

routes = RouteTable()

_STEP = "/organizations/{org}/checklists/{checklist_id}/steps/{step_id}"


def _step(ctx: Ctx) -> Step:
    return step_of(ctx, blueprint_of(ctx, archived=False))


def _capture(ctx: Ctx, step: Step) -> Wire:
    capture = step.capture(ctx.params["capture_id"])
    if capture is None:
        raise not_found()
    return capture


def _definition(ctx: Ctx) -> Wire:
    errors: dict[str, list[str]] = {}
    definition = capture_definition(ctx.body, "", errors)
    if definition is None:
        raise invalid(errors)
    return definition


@routes.post(f"{_STEP}/captures", "captures.create", status=201)
def create_capture(ctx: Ctx) -> Reply:
    """Add a form field to a step (201): label, field_type and required are required."""
    step = _step(ctx)
    capture = add_capture(step, _definition(ctx), ctx.now)
    return data(step.capture(capture["id"]), 201)


@routes.put(f"{_STEP}/captures", "captures.reorder")
def reorder_capture(ctx: Ctx) -> Reply:
    """Move ONE form field to ``position`` within its step."""
    step = _step(ctx)
    fields = Fields(ctx.body)
    capture_id = fields.string("capture_id", required=True)
    position = fields.integer("position", required=True, minimum=1)
    capture = step.capture(capture_id) if capture_id else None
    if capture_id is not None and capture is None:
        fields.fail("capture_id", "The selected capture id is invalid.")
    fields.check()
    assert capture is not None
    place_capture(step, capture, position, ctx.now)
    return data(step.capture(capture["id"]))


@routes.put(f"{_STEP}/captures/{{capture_id}}", "captures.update")
def update_capture(ctx: Ctx) -> Reply:
    """Replace a form field's definition (the full field is sent)."""
    step = _step(ctx)
    old = _capture(ctx, step)
    definition = _definition(ctx)
    capture = field_wire(old["id"], "step_id", step.id, definition, old["position"], ctx.now)
    capture["created_at"] = old["created_at"]
    capture["alias"] = old["alias"]
    capture["custom_fields"] = old.get("custom_fields") or {}
    place_capture(step, capture, definition.get("position", old["position"]), ctx.now)
    return data(step.capture(capture["id"]))


@routes.delete(f"{_STEP}/captures/{{capture_id}}", "captures.delete", status=204)
def delete_capture(ctx: Ctx) -> Reply:
    """Delete a form field."""
    step = _step(ctx)
    remove_capture(step, _capture(ctx, step)["id"], ctx.now)
    return empty(204)


@routes.put(f"{_STEP}/captures/{{capture_id}}/move-out", "captures.move")
def move_capture(ctx: Ctx) -> Reply:
    """Move a form field to another step of the same blueprint."""
    blueprint = blueprint_of(ctx, archived=False)
    step = step_of(ctx, blueprint)
    capture = _capture(ctx, step)
    fields = Fields(ctx.body)
    target_id = fields.string("target_step_id", required=True)
    position = fields.integer("position", minimum=1)
    target = blueprint.step(target_id) if target_id else None
    if target_id is not None and target is None:
        fields.fail("target_step_id", "The selected target step id is invalid.")
    fields.check()
    assert target is not None
    remove_capture(step, capture["id"], ctx.now)
    place_capture(target, {**capture, "step_id": target.id}, position, ctx.now)
    return data(target.capture(capture["id"]))
