"""The organization's activity feed: one item per change a member made over HTTP.

The request pipeline calls :func:`record` after every write that was applied; the route's name
says what changed (:data:`EVENTS`). An item names what changed (``auditable_type`` and
``auditable_id``), what it hangs from (``parentable_*``: a task's process, a step's blueprint, a
comment's task), who did it and when, in the shape ``GET /organizations/{org}/activity-feeds``
answers. Data a test seeds directly, without HTTP, makes no activity. The newest
:data:`MAX_ITEMS` items of each organization are kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

from tallyfy_async.testing._fields import text_id
from tallyfy_async.testing._json import loads
from tallyfy_async.testing._state import Org, User, Wire

if TYPE_CHECKING:
    from tallyfy_async.testing._context import Ctx
    from tallyfy_async.testing._http import Reply


@attrs.frozen
class Event:
    """What a route's applied write does, as the feed tells it.

    Attributes:
        type: the feed's ``type`` (``Process``, ``Task``, ``Comment``...).
        verb: ``created``, ``completed``, ``archived``...
        auditable: the model that changed (``Run``, ``Task``, ``Thread``...).
        id_param: the path parameter naming it; None: the answer's ``data.id`` does.
    """

    type: str
    verb: str
    auditable: str
    id_param: str | None = None


def _kind(type_: str, auditable: str, param: str | None) -> Any:
    """Events on one kind of object: ``on("created", answer=True)`` takes the changed
    object's id from the answer, otherwise from the path parameter ``param``."""

    def on(verb: str, *, answer: bool = False) -> Event:
        return Event(type_, verb, auditable, None if answer else param)

    return on


_run = _kind("Process", "Run", "run_id")
_task = _kind("Task", "Task", "task_id")
_comment = _kind("Comment", "Thread", None)
_blueprint = _kind("Blueprint", "Checklist", "checklist_id")
_step = _kind("Step", "Step", "step_id")
_member = _kind("User", "User", "user_id")
_guest = _kind("User", "Guest", "email")
_group = _kind("Group", "Group", "group_id")
_tag = _kind("Tag", "Tag", "tag_id")

#: Route name -> what its applied write does.
EVENTS: dict[str, Event] = {
    "runs.launch": _run("created", answer=True),
    "runs.update": _run("updated"),
    "runs.archive": _run("archived"),
    "runs.activate": _run("unarchived"),
    "runs.delete": _run("deleted"),
    "runs.tasks.complete": _task("completed", answer=True),
    "runs.tasks.reopen": _task("re-opened"),
    "runs.tasks.update": _task("updated"),
    "tasks.create": _task("created", answer=True),
    "tasks.update": _task("updated"),
    "tasks.complete": _task("completed", answer=True),
    "tasks.reopen": _task("re-opened"),
    "tasks.archive": _task("archived"),
    "tasks.restore": _task("unarchived"),
    "tasks.delete": _task("deleted"),
    **{f"{on}.comment": _comment("commented") for on in ("tasks", "runs", "blueprints")},
    **{f"{on}.problem": _comment("issue-reported") for on in ("tasks", "runs", "blueprints")},
    **{f"{on}.resolve": _comment("issue-resolved") for on in ("tasks", "runs", "blueprints")},
    "blueprints.create": _blueprint("created", answer=True),
    "blueprints.clone": _blueprint("created", answer=True),
    "blueprints.update": _blueprint("updated"),
    "blueprints.archive": _blueprint("archived"),
    "blueprints.restore": _blueprint("unarchived"),
    "blueprints.delete": _blueprint("deleted"),
    "steps.create": _step("created", answer=True),
    "steps.clone": _step("created", answer=True),
    "steps.update": _step("updated"),
    "steps.reorder": _step("re-ordered"),
    "steps.delete": _step("deleted"),
    "users.invite": _member("invited", answer=True),
    "users.update": _member("updated"),
    "users.role": _member("updated"),
    "users.remove": _member("deleted"),
    "users.disable": _member("disabled"),
    "users.enable": _member("enabled"),
    "users.approve": _member("updated"),
    "users.delete": _member("deleted"),
    "organizations.me.update": _member("updated", answer=True),
    "guests.create": _guest("created", answer=True),
    "guests.update": _guest("updated", answer=True),
    "guests.remove": _guest("deleted", answer=True),
    "guests.disable": _guest("disabled"),
    "guests.enable": _guest("enabled"),
    "groups.create": _group("created", answer=True),
    "groups.update": _group("updated"),
    "groups.delete": _group("deleted"),
    "tags.create": _tag("created", answer=True),
    "tags.update": _tag("updated"),
    "tags.delete": _tag("deleted"),
}

#: Items kept per organization (older ones are dropped in batches of a tenth).
MAX_ITEMS = 10_000

#: ``entity_type`` of the feed's filter -> the model it names.
ENTITY_TYPES = {
    "checklist": "Checklist",
    "run": "Run",
    "step": "Step",
    "task": "Task",
    "thread": "Thread",
}


def record(ctx: Ctx, route_name: str, reply: Reply) -> None:
    """Add the item a route's applied write makes, if the route makes one."""
    event = EVENTS.get(route_name)
    org, user = ctx.org, ctx.user
    if event is None or org is None or user is None:
        return
    # Only an event whose object the path does not name reads the answer (the fake is
    # benchmarked: a decode per write would show).
    answered = _answered(reply) if event.id_param is None else {}
    if event.id_param is None:
        auditable_id = answered.get("id")
    else:
        auditable_id = _path_id(ctx, org, event.id_param)
    parent = _parent(ctx, event, answered)
    title = answered.get("name") or answered.get("title") or answered.get("email") or ""
    what = f"{event.type.lower()} {title}".strip()
    org.activity.append(
        {
            "id": ctx.fake.state.activity_id(),
            "organization_id": org.id,
            # Tallyfy sends these scalars as lists of one, and the actor as a list of one.
            "verb": [event.verb],
            "source": ["Member"],
            "actor_type": ["user"],
            "actor_id": [user.id],
            "auditable_type": event.auditable,
            "auditable_id": auditable_id,
            "parentable_type": parent[0],
            "parentable_id": parent[1],
            "type": [event.type],
            "description": [f"{user.full_name} {event.verb} {what}"],
            "field": None,
            "old_value": None,
            "created_at": ctx.now,
            "text": None,
            "references": [],
            "actor": [_actor(user)],
            "undoable": False,
            "origin": None,
        }
    )
    if len(org.activity) > MAX_ITEMS + MAX_ITEMS // 10:
        del org.activity[: len(org.activity) - MAX_ITEMS]


def _path_id(ctx: Ctx, org: Org, param: str) -> Any:
    """The changed object's id from the path: people by their integer id."""
    value = ctx.params[param]
    if param == "user_id":
        return text_id(value)
    if param == "email":
        guest = org.guests.get(value.lower())
        return guest.id if guest is not None else None
    return value


def _answered(reply: Reply) -> Wire:
    """The object the answer carries in ``data``, or an empty dict."""
    if not reply.body or reply.content_type is None or "json" not in reply.content_type:
        return {}
    body = loads(reply.body)
    item = body.get("data") if isinstance(body, dict) else None
    return item if isinstance(item, dict) else {}


def _parent(ctx: Ctx, event: Event, answered: Wire) -> tuple[str | None, str | None]:
    """What the changed object hangs from: a comment's task, process or blueprint; a task's
    process; a step's blueprint."""
    params = ctx.params
    if event.auditable == "Thread" and "task_id" in params:
        return "Task", params["task_id"]
    for key, model in (("run_id", "Run"), ("checklist_id", "Checklist")):
        value = params.get(key) or answered.get(key)
        if value and model != event.auditable:
            return model, value
    return None, None


def _actor(user: User) -> Wire:
    wire = user.wire
    return {
        "id": user.id,
        "email": user.email,
        "username": wire["username"],
        "first_name": wire["first_name"],
        "last_name": wire["last_name"],
        "full_name": wire["full_name"],
        "profile_pic": wire["profile_pic"],
    }


def matches(item: Wire, entity_type: str, entity_id: str) -> bool:
    """Whether an item is about the entity (``run``, ``task``...) or hangs from it."""
    model = ENTITY_TYPES.get(entity_type)
    return (item["auditable_type"] == model and str(item["auditable_id"]) == entity_id) or (
        item["parentable_type"] == model and str(item["parentable_id"]) == entity_id
    )
