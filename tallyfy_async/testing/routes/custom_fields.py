"""Custom fields: the keys administrators define, and the values of every kind of record.

Values are checked against their key's field type. A replace (PUT) sets every value of a
record at once: an organization key it leaves out is cleared, a required one must be there
(422), an unknown key or a system key is refused (422), system values are kept. A single
write (PATCH) and a single delete exist on processes, tasks, members, guests, folders and
tags only; a system key refuses both (403). Processes and tasks start with the values of
their blueprint and step.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from tallyfy_async.testing._context import Ctx
from tallyfy_async.testing._fields import EMAIL, Fields, text_id
from tallyfy_async.testing._http import (
    Reply,
    data,
    empty,
    forbidden,
    invalid,
    invalid_field,
    not_found,
)
from tallyfy_async.testing._pagination import paginate
from tallyfy_async.testing._router import RouteTable
from tallyfy_async.testing._state import Org, Record, Wire, new_id
from tallyfy_async.testing._state.org import custom_key_wire
from tallyfy_async.testing.routes._common import blueprint_of, run_of, step_of, task_of

routes = RouteTable()

APPLIES_TO = (
    "process", "task", "member", "guest", "folder", "tag", "template", "step", "capture", "prerun"
)  # fmt: skip
FIELD_TYPES = ("text", "textarea", "number", "boolean", "date", "email", "url", "radio",
               "dropdown", "multiselect", "table")  # fmt: skip
CHOICES = ("radio", "dropdown", "multiselect")
KEY_NAME = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
URL = re.compile(r"^https?://[^\s/]+\.[^\s]*$|^https?://[^\s/]+$")


def _admin(ctx: Ctx, org: Org) -> None:
    if ctx.the_user().roles.get(org.id) != "admin":
        raise forbidden("Only administrators can manage custom field keys.")


# ---------------------------------------------------------------- keys


def _key(ctx: Ctx) -> Record:
    key = ctx.the_org().custom_field_keys.get(ctx.params["key_id"])
    if key is None:
        raise not_found()
    return key


def _texts(values: list[Any]) -> list[str]:
    return [
        str(v.get("text", v.get("label", ""))) if isinstance(v, dict) else str(v) for v in values
    ]


@routes.get(
    "/organizations/{org}/custom-field-keys",
    "custom_fields.keys.list",
    query=(
        "applies_to",
        "key_type",
        "field_type",
        "is_required",
        "is_active",
        "q",
        "sort_by",
        "sort_direction",
        "page",
        "per_page",
    ),
)
def list_keys(ctx: Ctx) -> Reply:
    """Custom-field keys, filtered by kind of record, type and settings."""
    keys = ctx.the_org().custom_field_keys.every()
    for name in ("applies_to", "key_type", "field_type"):
        wanted = ctx.query.get(name)
        if wanted:
            keys = [key for key in keys if key.wire[name] == wanted]
    for name in ("is_required", "is_active"):
        flag = ctx.flag(name)
        if flag is not None:
            keys = [key for key in keys if key.wire[name] is flag]
    q = ctx.query.get("q", "").lower()
    if q:
        keys = [key for key in keys if q in key.wire["key"].lower()]
    field = ctx.query.get("sort_by")
    if field in ("key", "created_at", "field_type", "applies_to"):
        keys.sort(
            key=lambda k: str(k.wire[field]), reverse=ctx.query.get("sort_direction") == "desc"
        )
    return paginate(ctx, keys, lambda key: key.wire)


@routes.post("/organizations/{org}/custom-field-keys", "custom_fields.keys.create")
def create_key(ctx: Ctx) -> Reply:
    """Define a key (administrators only); options for choice types, columns for tables."""
    org = ctx.the_org()
    _admin(ctx, org)
    fields = Fields(ctx.body)
    name = fields.string("key", required=True, max_len=64)
    if name is not None and not KEY_NAME.match(name):
        fields.fail("key", "The key may only contain letters, numbers, dashes and underscores.")
    applies_to = fields.choice("applies_to", APPLIES_TO, required=True)
    field_type = fields.choice("field_type", FIELD_TYPES, required=True)
    is_required = fields.boolean("is_required")
    is_active = fields.boolean("is_active")
    options = fields.array("options")
    columns = fields.array("columns")
    if field_type in CHOICES and not options:
        fields.fail("options", "The options field is required for choice types.")
    if field_type == "table" and not columns:
        fields.fail("columns", "The columns field is required for tables.")
    taken = any(
        k.wire["key"] == name and k.wire["applies_to"] == applies_to for k in org.custom_field_keys
    )
    if taken:
        fields.fail("key", "The key has already been taken.")
    fields.check()
    wire = custom_key_wire(
        new_id(),
        {
            "key": name,
            "applies_to": applies_to,
            "field_type": field_type,
            "is_required": bool(is_required),
            "is_active": True if is_active is None else is_active,
            "options": options if field_type in CHOICES else [],
            "columns": columns if field_type == "table" else [],
        },
        ctx.now,
    )
    org.custom_field_keys.add(Record(org.id, wire))
    return data(wire, 201)


@routes.put("/organizations/{org}/custom-field-keys/{key_id}", "custom_fields.keys.update")
def update_key(ctx: Ctx) -> Reply:
    """Change a key's ``is_required`` and ``is_active`` (the rest never changes)."""
    org = ctx.the_org()
    _admin(ctx, org)
    key = _key(ctx)
    fields = Fields(ctx.body)
    values = {}
    for name in ("is_required", "is_active"):
        flag = fields.boolean(name)
        if flag is not None:
            values[name] = flag
    fields.check()
    key.update(values, ctx.now)
    return data(key.wire)


@routes.delete(
    "/organizations/{org}/custom-field-keys/{key_id}", "custom_fields.keys.delete", status=204
)
def delete_key(ctx: Ctx) -> Reply:
    """Delete a key (administrators only)."""
    org = ctx.the_org()
    _admin(ctx, org)
    org.custom_field_keys.remove(_key(ctx).id)
    return empty(204)


# ---------------------------------------------------------------- values


def _value(key: Wire, value: Any, at: str, fields: Fields) -> Any:
    """``value`` as stored for ``key``, or a failure recorded on ``fields``."""
    kind = key["field_type"]
    wrong = f"The {key['key']} field must be a valid {kind}."
    if kind in ("text", "textarea", "email", "url", "radio", "dropdown"):
        if (
            not isinstance(value, str)
            or (kind == "email" and not EMAIL.match(value))
            or (kind == "url" and not URL.match(value))
        ):
            fields.fail(at, wrong)
        elif kind in CHOICES and value not in _texts(key["options"]):
            fields.fail(at, f"The selected {key['key']} is invalid.")
        return value
    if kind == "number":
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            fields.fail(at, f"The {key['key']} field must be a number.")
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            fields.fail(at, f"The {key['key']} field must be true or false.")
        return value
    if kind == "date":
        moment = Fields({"v": value}).date("v") if isinstance(value, str) else None
        if moment is None:
            fields.fail(at, f"The {key['key']} is not a valid date.")
        return moment
    if kind == "multiselect":
        options = _texts(key["options"])
        if not isinstance(value, list) or any(item not in options for item in value):
            fields.fail(at, f"The selected {key['key']} is invalid.")
        return value
    if kind == "table":
        width = len(key["columns"])
        if not isinstance(value, list) or any(
            not isinstance(row, list) or len(row) != width for row in value
        ):
            fields.fail(at, "Number of columns does not match required columns")
        return value
    return value


class Holder:
    """Where one record keeps its values, and the keys that apply to it."""

    def __init__(self, org: Org, kind: str, values: Wire, store: Callable[[Wire], None]) -> None:
        self.kind = kind
        self.values = values
        self.store = store
        self.keys = {
            k.wire["key"]: k.wire for k in org.custom_field_keys if k.wire["applies_to"] == kind
        }


def _in_wire(org: Org, kind: str, record: Record, now: str) -> Holder:
    return Holder(
        org, kind, record.wire.get("custom_fields") or {},
        lambda values: record.update({"custom_fields": values}, now),
    )  # fmt: skip


def _in_list(org: Org, kind: str, owner: Record, list_key: str, item_id: str, now: str) -> Holder:
    """Values of a field kept in a list of its owner's wire (captures, kick-off fields)."""
    items = owner.wire[list_key]
    item = next((each for each in items if each["id"] == item_id), None)
    if item is None:
        raise not_found()

    def store(values: Wire) -> None:
        replaced = [{**each, "custom_fields": values} if each is item else each for each in items]
        owner.update({list_key: replaced}, now)

    return Holder(org, kind, item.get("custom_fields") or {}, store)


def _aside(org: Org, kind: str, record_id: str) -> Holder:
    """Values of members and guests, whose payloads do not carry them."""
    slot = (kind, record_id)
    return Holder(
        org, kind, org.custom_values.get(slot, {}), lambda v: org.custom_values.__setitem__(slot, v)
    )


def _member(ctx: Ctx, org: Org, *, write: bool) -> Holder:
    user_id = text_id(ctx.params["user_id"])
    if user_id is None or user_id not in org.members:
        raise not_found()
    caller = ctx.the_user()
    if write and caller.id != user_id and caller.roles.get(org.id) != "admin":
        raise forbidden()
    return _aside(org, "member", str(user_id))


def _guest(ctx: Ctx, org: Org, *, write: bool) -> Holder:
    code = ctx.params["guest_code"]
    number = text_id(code)
    guest = org.guest_by_id(number) if number is not None else org.guests.get(code.lower())
    if guest is None:
        raise not_found()
    if write and ctx.the_user().roles.get(org.id) != "admin":
        raise forbidden()
    return _aside(org, "guest", str(guest.id))


def _task(ctx: Ctx, org: Org, *, write: bool) -> Holder:
    task = task_of(ctx, run_of(ctx))
    caller = ctx.the_user()
    if (
        write
        and caller.roles.get(org.id) != "admin"
        and caller.id not in task.wire["owners"]["users"]
    ):
        raise forbidden()
    return _in_wire(org, "task", task, ctx.now)


def _collection(name: str, param: str, kind: str) -> Callable[..., Holder]:
    def locate(ctx: Ctx, org: Org, *, write: bool) -> Holder:
        record = getattr(org, name).get(ctx.params[param])
        if record is None:
            raise not_found()
        return _in_wire(org, kind, record, ctx.now)

    return locate


def _capture(ctx: Ctx, org: Org, *, write: bool) -> Holder:
    step = step_of(ctx, blueprint_of(ctx))
    return _in_list(org, "capture", step, "captures", ctx.params["capture_id"], ctx.now)


def _prerun(ctx: Ctx, org: Org, *, write: bool) -> Holder:
    blueprint = blueprint_of(ctx)
    return _in_list(org, "prerun", blueprint, "prerun", ctx.params["prerun_id"], ctx.now)


ROOT = "/organizations/{org}"
#: Each kind of record: its path, how to find its values, and whether it takes one-value writes.
KINDS: dict[str, tuple[str, Callable[..., Holder], bool]] = {
    "process": (
        "/runs/{run_id}",
        lambda ctx, org, write: _in_wire(org, "process", run_of(ctx), ctx.now),
        True,
    ),
    "task": ("/runs/{run_id}/tasks/{task_id}", _task, True),
    "member": ("/users/{user_id}", _member, True),
    "guest": ("/guests/{guest_code}", _guest, True),
    "folder": ("/folders/{folder_id}", _collection("folders", "folder_id", "folder"), True),
    "tag": ("/tags/{tag_id}", _collection("tags", "tag_id", "tag"), True),
    "template": (
        "/checklists/{checklist_id}",
        lambda ctx, org, write: _in_wire(org, "template", blueprint_of(ctx), ctx.now),
        False,
    ),
    "step": (
        "/checklists/{checklist_id}/steps/{step_id}",
        lambda ctx, org, write: _in_wire(org, "step", step_of(ctx, blueprint_of(ctx)), ctx.now),
        False,
    ),
    "capture": (
        "/checklists/{checklist_id}/steps/{step_id}/captures/{capture_id}",
        _capture,
        False,
    ),
    "prerun": ("/checklists/{checklist_id}/preruns/{prerun_id}", _prerun, False),
}


def _read(locate: Callable[..., Holder]) -> Callable[[Ctx], Reply]:
    def handler(ctx: Ctx) -> Reply:
        return data(locate(ctx, ctx.the_org(), write=False).values)

    return handler


def _replace(locate: Callable[..., Holder]) -> Callable[[Ctx], Reply]:
    def handler(ctx: Ctx) -> Reply:
        holder = locate(ctx, ctx.the_org(), write=True)
        fields = Fields(ctx.body)
        given = fields.body.get("custom_fields")
        if not isinstance(given, dict):
            fields.fail("custom_fields", "The custom fields field must be an object.")
            given = {}
        kept = {  # system values are Tallyfy's: a replace keeps them
            name: value
            for name, value in holder.values.items()
            if holder.keys.get(name, {}).get("key_type") == "system"
        }
        stored: Wire = {}
        for name, value in given.items():
            key = holder.keys.get(name)
            at = f"custom_fields.{name}"
            if key is None:
                fields.fail(at, f"The custom field {name} does not exist.")
            elif key["key_type"] == "system":
                fields.fail(at, f"The custom field {name} is managed by Tallyfy.")
            elif value is not None:
                stored[name] = _value(key, value, at, fields)
        for name, key in holder.keys.items():
            required = key["is_required"] and key["is_active"] and key["key_type"] != "system"
            if required and stored.get(name) is None:
                fields.fail(f"custom_fields.{name}", f"The {name} field is required.")
        if fields.errors:
            raise invalid(fields.errors, next(iter(fields.errors.values()))[0])
        holder.store({**kept, **stored})
        return data({**kept, **stored})

    return handler


def _one(ctx: Ctx, holder: Holder) -> Wire:
    key = holder.keys.get(ctx.params["key"])
    if key is None:
        raise not_found()
    if key["key_type"] == "system":
        raise forbidden(f"The custom field {key['key']} is managed by Tallyfy.")
    return key


def _set(locate: Callable[..., Holder]) -> Callable[[Ctx], Reply]:
    def handler(ctx: Ctx) -> Reply:
        holder = locate(ctx, ctx.the_org(), write=True)
        key = _one(ctx, holder)
        fields = Fields(ctx.body)
        if not fields.has("value") or ctx.body.get("value") is None:
            raise invalid_field("value", "The value field is required.")
        value = _value(key, ctx.body["value"], "value", fields)
        fields.check()
        values = {**holder.values, key["key"]: value}
        holder.store(values)
        return data(values)

    return handler


def _remove(locate: Callable[..., Holder]) -> Callable[[Ctx], Reply]:
    def handler(ctx: Ctx) -> Reply:
        holder = locate(ctx, ctx.the_org(), write=True)
        key = _one(ctx, holder)
        holder.store({k: v for k, v in holder.values.items() if k != key["key"]})
        return empty(204)

    return handler


def _register() -> None:
    for kind, (path, locate, one_value) in KINDS.items():
        where = ROOT + path + "/custom-fields"
        name = f"custom_fields.{kind}"
        handlers = [
            ("GET", where, "get", _read(locate), f"Read the custom-field values of a {kind}."),
            ("PUT", where, "replace", _replace(locate),
             f"Replace every custom-field value of a {kind} (keys left out are cleared)."),
        ]  # fmt: skip
        if one_value:
            handlers += [
                ("PATCH", where + "/{key}", "set", _set(locate),
                 f"Set one custom-field value of a {kind}."),
                ("DELETE", where + "/{key}", "remove", _remove(locate),
                 f"Remove one custom-field value of a {kind} (a system key is 403)."),
            ]  # fmt: skip
        for method, route_path, verb, handler, doc in handlers:
            handler.__doc__ = doc
            status = 204 if method == "DELETE" else 200
            routes.route(method, route_path, f"{name}.{verb}", status=status)(handler)


_register()
