"""Blueprints (API: checklists)."""

from __future__ import annotations

from typing import Any

from tallyfy_async.testing._actions.blueprints import clone_blueprint, create_blueprint, set_kickoff
from tallyfy_async.testing._context import Ctx
from tallyfy_async.testing._fields import Fields
from tallyfy_async.testing._http import Reply, data, empty, invalid_field, json_reply, not_found
from tallyfy_async.testing._pagination import paginate
from tallyfy_async.testing._router import RouteTable
from tallyfy_async.testing._state import Org, Wire
from tallyfy_async.testing._state.blueprints import BLUEPRINT_TYPES
from tallyfy_async.testing._validate import capture_definition
from tallyfy_async.testing.routes._common import (
    LISTING,
    blueprint_dict,
    blueprint_of,
    blueprint_renderer,
    csv,
    sort_by,
)

routes = RouteTable()

#: Optional string fields of POST/PUT checklists and their length limits.
_STRINGS: dict[str, int | None] = {
    "summary": 2000,
    "webhook": None,
    "explanation_video": None,
    "guidance": None,
    "icon": None,
    "public_cover": None,
    "default_process_name_format": None,
    "alias": None,
    "kickoff_title": None,
    "kickoff_description": None,
    "default_folder": None,
}
_BOOLEANS = (
    "starred",
    "is_public",
    "is_featured",
    "is_public_kickoff",
    "auto_naming",
    "dual_version_enabled",
    "folderize_process",
    "tag_process",
    "allow_launcher_change_name",
    "can_add_oot",
    "is_pinned",
    "folder_changeable_by_launcher",
)


def _body(ctx: Ctx, org: Org, *, creating: bool) -> tuple[Wire, list[Wire] | None]:
    """Check a POST/PUT checklists body: (values to store, kick-off definitions)."""
    fields = Fields(ctx.body)
    values: Wire = {}
    title = fields.string("title", required=True, max_len=250)
    values["title"] = title
    kind = fields.choice("type", BLUEPRINT_TYPES, required=creating)
    if kind is not None:
        values["type"] = kind
    for key, limit in _STRINGS.items():
        if fields.has(key):
            values[key] = fields.string(key, max_len=limit)
    for key in _BOOLEANS:
        if fields.has(key):
            values[key] = bool(fields.boolean(key))
    if fields.has("owner_id"):
        owner = fields.integer("owner_id")
        if owner is not None and owner not in org.members:
            fields.fail("owner_id", "The selected owner id is invalid.")
        values["owner_id"] = owner
    if fields.has("folder_id"):
        folder_id = fields.string("folder_id")
        if folder_id is not None and org.folders.get(folder_id) is None:
            fields.fail("folder_id", "The selected folder id is invalid.")
        values["folder_id"] = folder_id
    # users/groups absent => cleared, on create and on every PUT.
    values["users"] = fields.known("users", org.members, integers=True)
    values["groups"] = fields.known("groups", org.groups.by_id)
    kickoff: list[Wire] | None = None
    items = fields.array("prerun")
    if items is not None:
        kickoff = []
        for index, item in enumerate(items):
            definition = capture_definition(item, f"prerun.{index}.", fields.errors)
            if definition is not None:
                if isinstance(item, dict) and isinstance(item.get("id"), str):
                    definition["id"] = item["id"]
                kickoff.append(definition)
    fields.check()
    return values, kickoff


@routes.get(
    "/organizations/{org}/checklists",
    "blueprints.list",
    query=(*LISTING, "archived", "folder", "owner_id", "starred", "type"),
)
def list_blueprints(ctx: Ctx) -> Reply:
    """Blueprints, archived ones only with ``archived=only|true``."""
    org = ctx.the_org()
    items = org.blueprints.scope(ctx.query.get("archived"))
    q = ctx.query.get("q", "").lower()
    kind = ctx.query.get("type")
    starred = ctx.flag("starred")
    folders = csv(ctx.query.get("folder"))
    owner = ctx.query.get("owner_id")
    if q or kind or starred is not None or folders or owner:
        items = [
            bp
            for bp in items
            if (not q or q in bp.wire["title"].lower())
            and (not kind or bp.wire["type"] == kind)
            and (starred is None or bp.wire["starred"] == starred)
            and (not folders or bp.wire["folder_id"] in folders)
            and (not owner or str(bp.wire["owner_id"]) == owner)
        ]
    ordered = sort_by(ctx, items, ("title", "created_at", "last_updated", "started_processes"))
    return paginate(ctx, ordered, blueprint_renderer(ctx))


@routes.get("/organizations/{org}/checklists/{checklist_id}", "blueprints.get", query=("with",))
def get_blueprint(ctx: Ctx) -> Reply:
    """One blueprint; archived ones answer 404 here."""
    blueprint = blueprint_of(ctx, archived=False)
    return data(blueprint_dict(ctx, blueprint, ctx.includes))


@routes.post("/organizations/{org}/checklists", "blueprints.create", status=201)
def create(ctx: Ctx) -> Reply:
    """Create a blueprint (201); ``prerun`` defines the kick-off fields."""
    org = ctx.the_org()
    values, kickoff = _body(ctx, org, creating=True)
    title = values.pop("title")
    owner = values.pop("owner_id", None) or ctx.the_user().id
    values["created_by"] = values["last_updated_by"] = ctx.the_user().id
    blueprint = create_blueprint(
        org, owner, ctx.now, title=title, fields=values, kickoff=kickoff or []
    )
    return data(blueprint_dict(ctx, blueprint, ctx.includes), 201)


@routes.put("/organizations/{org}/checklists/{checklist_id}", "blueprints.update")
def update(ctx: Ctx) -> Reply:
    """Update: ``title`` on every PUT, users/groups replaced, ``prerun`` replaces the fields."""
    org = ctx.the_org()
    blueprint = blueprint_of(ctx, archived=False)
    values, kickoff = _body(ctx, org, creating=False)
    values["last_updated_by"] = ctx.the_user().id
    blueprint.update(values, ctx.now)
    if kickoff is not None:
        set_kickoff(blueprint, kickoff, ctx.now)
    return data(blueprint_dict(ctx, blueprint, ctx.includes))


@routes.delete("/organizations/{org}/checklists/{checklist_id}", "blueprints.archive")
def archive(ctx: Ctx) -> Reply:
    """Archive; the body is a bare message, not enveloped."""
    blueprint = blueprint_of(ctx, archived=False)
    blueprint.update({"archived_at": ctx.now, "status": "archived"}, ctx.now)
    ctx.the_org().blueprints.reindex()
    return json_reply(
        {
            "message": "The Template was deleted, and references were also deleted from:",
            "deleted_references": [],
        }
    )


@routes.put("/organizations/{org}/checklists/{checklist_id}/restore", "blueprints.restore")
def restore(ctx: Ctx) -> Reply:
    """Un-archive."""
    blueprint = blueprint_of(ctx)
    blueprint.update({"archived_at": None, "status": "active"}, ctx.now)
    ctx.the_org().blueprints.reindex()
    return data(blueprint_dict(ctx, blueprint, ctx.includes))


@routes.delete("/organizations/{org}/checklists/{checklist_id}/delete", "blueprints.delete")
def delete(ctx: Ctx) -> Reply:
    """Permanently delete an archived blueprint (422 while it is live, as for processes)."""
    blueprint = blueprint_of(ctx)
    if not blueprint.archived:
        raise invalid_field(
            "checklist_id", "Only an archived template can be deleted permanently.", specific=True
        )
    ctx.the_org().blueprints.remove(blueprint.id)
    return json_reply(
        {"message": "The Template was permanently deleted.", "deleted_references": []}
    )


@routes.post("/organizations/{org}/checklists/{checklist_id}/clone", "blueprints.clone")
def clone(ctx: Ctx) -> Reply:
    """Duplicate (the SDK sends a form body, the CLI JSON: both are read)."""
    blueprint = blueprint_of(ctx, archived=False)
    fields = Fields(ctx.body)
    title = fields.string("title", max_len=250) or f"{blueprint.wire['title']} - Copy"
    fields.string("tenant")
    fields.check()
    copy = clone_blueprint(ctx.the_org(), blueprint, ctx.the_user().id, title, ctx.now)
    return data(blueprint_dict(ctx, copy, ctx.includes))


@routes.get("/organizations/{org}/checklists/{checklist_id}/form-fields", "blueprints.form_fields")
def form_fields(ctx: Ctx) -> Reply:
    """Step captures and kick-off fields of a blueprint."""
    blueprint = blueprint_of(ctx, archived=False)
    captures: list[Any] = [c for step in blueprint.steps for c in step.captures()]
    return data(
        {
            "id": blueprint.id,
            "title": blueprint.wire["title"],
            "form_fields": captures,
            "ko_form_fields": blueprint.wire["prerun"],
        }
    )


@routes.delete(
    "/organizations/{org}/checklists/{checklist_id}/preruns/{prerun_id}",
    "blueprints.kickoff.delete",
    status=204,
)
def delete_kickoff_field(ctx: Ctx) -> Reply:
    """Delete one kick-off field (there is no POST: the template's prerun array creates them)."""
    blueprint = blueprint_of(ctx, archived=False)
    fields = [f for f in blueprint.wire["prerun"] if f["id"] != ctx.params["prerun_id"]]
    if len(fields) == len(blueprint.wire["prerun"]):
        raise not_found()
    blueprint.update({"prerun": fields}, ctx.now)
    return empty(204)


@routes.put(
    "/organizations/{org}/checklists/{checklist_id}/publish", "blueprints.publish", status=204
)
def publish(ctx: Ctx) -> Reply:
    """Publish a blueprint (no body; the fake's blueprints are always published)."""
    blueprint = blueprint_of(ctx, archived=False)
    blueprint.update({"is_published_state": True, "status": "active"}, ctx.now)
    return empty(204)
