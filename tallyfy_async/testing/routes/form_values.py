"""Setting one form-field value by its value id."""

from __future__ import annotations

from typing import Any

from tallyfy_async.testing._actions.tasks import touch_run
from tallyfy_async.testing._actions.values import merge_values
from tallyfy_async.testing._context import Ctx
from tallyfy_async.testing._fields import Fields, is_blank
from tallyfy_async.testing._http import Reply, data, error, invalid_field
from tallyfy_async.testing._router import RouteTable
from tallyfy_async.testing._state import Task
from tallyfy_async.testing._validate import FieldValueError, check_value

routes = RouteTable()


@routes.put("/organizations/{org}/form-field/value", "form_fields.value")
def set_value(ctx: Ctx) -> Reply:
    """Replace a stored value. An id with no stored value is a 500, as in production (n8n #9)."""
    org = ctx.the_org()
    fields = Fields(ctx.body)
    value_id = fields.integer("id", required=True)
    fields.check()
    assert value_id is not None
    holder, field_id = org.capture_values.get(value_id, (None, ""))
    if isinstance(holder, Task):
        field = next((c for c in holder.captures() if c["id"] == field_id), None)
    elif holder is not None and holder.blueprint is not None:
        field = holder.blueprint.kickoff_fields().get(field_id)
    else:
        field = None
    if holder is None or field is None:
        raise error(500, {"message": "Server Error"})
    raw = fields.body.get("form_value")
    value: Any = None
    if not is_blank(raw):
        try:
            value = check_value(field, raw, org)
        except FieldValueError as refused:
            raise invalid_field("form_value", str(refused), specific=True) from None
    key = "taskdata" if isinstance(holder, Task) else "prerun"
    holder.update({key: merge_values(org, holder, holder.wire[key], {field_id: value})}, ctx.now)
    if isinstance(holder, Task):
        touch_run(holder, ctx.now, ctx.soon)
    return data({**field, "value_id": value_id, "field_value": value})
