"""Folders and folder objects."""

from __future__ import annotations

from tallyfy_async.testing._context import Ctx
from tallyfy_async.testing._fields import Fields, text_id
from tallyfy_async.testing._http import Reply, data, empty, not_found
from tallyfy_async.testing._pagination import paginate
from tallyfy_async.testing._router import RouteTable
from tallyfy_async.testing._state import Org, Record, Wire, new_id
from tallyfy_async.testing._state.org import folder_wire
from tallyfy_async.testing.routes._common import wrap

routes = RouteTable()

FOLDER_TYPES = ("checklist", "run")


def _folder(ctx: Ctx) -> Record:
    folder = ctx.the_org().folders.get(ctx.params["folder_id"])
    if folder is None:
        raise not_found()
    return folder


def _show(ctx: Ctx, org: Org, folder: Record) -> Wire:
    if "children" not in ctx.includes:
        return folder.wire
    children = [f.wire for f in org.folders if f.wire["parent_id"] == folder.id]
    return {**folder.wire, "children": wrap(children)}


@routes.get(
    "/organizations/{org}/folders",
    "folders.list",
    query=("page", "per_page", "pagination", "folder_type", "q", "sort", "with"),
)
def list_folders(ctx: Ctx) -> Reply:
    """Folders; ``pagination=false`` answers every folder without ``meta``."""
    org = ctx.the_org()
    folders = org.folders.every()
    kind = ctx.query.get("folder_type")
    q = ctx.query.get("q", "").lower()
    if kind or q:
        folders = [
            f
            for f in folders
            if (not kind or f.wire["folder_type"] == kind) and q in f.wire["name"].lower()
        ]
    if ctx.query.get("sort") == "position":
        folders.sort(key=lambda f: f.wire["position"])
    if ctx.query.get("pagination") == "false":
        return data([_show(ctx, org, f) for f in folders])
    return paginate(ctx, folders, lambda f: _show(ctx, org, f))


@routes.get("/organizations/{org}/folders/{folder_id}", "folders.get")
def get_folder(ctx: Ctx) -> Reply:
    """One folder."""
    return data(_show(ctx, ctx.the_org(), _folder(ctx)))


def _parent(fields: Fields, org: Org) -> str | None:
    parent_id = fields.string("parent_id")
    if parent_id is not None and org.folders.get(parent_id) is None:
        fields.fail("parent_id", "The selected parent id is invalid.")
    return parent_id


@routes.post("/organizations/{org}/folders", "folders.create")
def create_folder(ctx: Ctx) -> Reply:
    """Create a folder: name (at most 32), folder_type checklist (default) or run."""
    org = ctx.the_org()
    fields = Fields(ctx.body)
    name = fields.string("name", required=True, max_len=32)
    kind = fields.choice("folder_type", FOLDER_TYPES) or "checklist"
    parent_id = _parent(fields, org)
    fields.check()
    assert name is not None
    wire = folder_wire(new_id(), name, kind, len(org.folders) + 1, ctx.now)
    wire["parent_id"] = parent_id
    folder = Record(org.id, wire)
    org.folders.add(folder)
    return data(folder.wire)


@routes.put("/organizations/{org}/folders/{folder_id}", "folders.update")
def update_folder(ctx: Ctx) -> Reply:
    """Rename or move a folder (``name`` every time; ``folder_type`` cannot change)."""
    org = ctx.the_org()
    folder = _folder(ctx)
    fields = Fields(ctx.body)
    values: Wire = {"name": fields.string("name", required=True, max_len=32)}
    if fields.has("parent_id"):
        values["parent_id"] = _parent(fields, org)
    fields.check()
    folder.update(values)
    return data(folder.wire)


@routes.delete("/organizations/{org}/folders/{folder_id}", "folders.delete", status=204)
def delete_folder(ctx: Ctx) -> Reply:
    """Delete a folder."""
    ctx.the_org().folders.remove(_folder(ctx).id)
    return empty(204)


@routes.post("/organizations/{org}/folders/add-object", "folders.add_object")
def add_object(ctx: Ctx) -> Reply:
    """File a process or a task into a folder (templates are filed with PUT checklists)."""
    org = ctx.the_org()
    fields = Fields(ctx.body)
    folder_id = fields.string("folder_id", required=True)
    subject_id = fields.string("subject_id", required=True)
    subject_type = fields.choice("subject_type", ("Run", "Task"), required=True)
    folder = org.folders.get(folder_id) if folder_id else None
    if folder_id is not None and folder is None:
        fields.fail("folder_id", "The selected folder id is invalid.")
    subjects = org.runs if subject_type == "Run" else org.tasks
    if subject_id is not None and subject_type and subjects.get(subject_id) is None:
        fields.fail("subject_id", "The selected subject id is invalid.")
    fields.check()
    assert folder is not None
    folder.update({"total": folder.wire["total"] + 1})
    relation_id = ctx.fake.state.association_id()
    relation: Wire = {
        "id": relation_id,
        "folder_id": folder.id,
        "subject_id": subject_id,
        "subject_type": subject_type,
        "created_at": ctx.now,
    }
    org.folder_objects[relation_id] = relation
    return data(relation)


@routes.delete(
    "/organizations/{org}/folders-objects/{folder_object_id}", "folders.remove_object", status=204
)
def remove_object(ctx: Ctx) -> Reply:
    """Take an object out of its folder (numeric relation id, int-cast by the server)."""
    raw = ctx.params["folder_object_id"]
    relation = ctx.the_org().folder_objects.pop(text_id(raw) or 0, None)
    if relation is None:
        raise not_found()
    folder = ctx.the_org().folders.get(relation["folder_id"])
    if folder is not None:
        folder.update({"total": max(folder.wire["total"] - 1, 0)})
    return empty(204)
