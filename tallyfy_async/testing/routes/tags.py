"""Tags and tag associations."""

from __future__ import annotations

import re

from tallyfy_async.testing._context import Ctx
from tallyfy_async.testing._fields import Fields, text_id
from tallyfy_async.testing._http import Reply, data, empty, invalid_field, not_found
from tallyfy_async.testing._pagination import paginate
from tallyfy_async.testing._router import RouteTable
from tallyfy_async.testing._state import Blueprint, Org, Record, Run, Wire, new_id
from tallyfy_async.testing._state.org import AUTO_GENERATED, tag_association, tag_wire
from tallyfy_async.testing.routes._common import sort_by, wrap

routes = RouteTable()

COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _tag(ctx: Ctx) -> Record:
    tag = ctx.the_org().tags.get(ctx.params["tag_id"])
    if tag is None:
        raise not_found()
    return tag


def _statistics(org: Org, tag: Record) -> Wire:
    def tagged(subjects: list[Blueprint] | list[Run]) -> int:
        return sum(1 for s in subjects if any(a["tag_id"] == tag.id for a in s.tags))

    return {
        "active_template": tagged(org.blueprints.live()),
        "archived_template": tagged(org.blueprints.archived()),
        "active_process": tagged(org.runs.live()),
        "archived_process": tagged(org.runs.archived()),
    }


def _show(ctx: Ctx, tag: Record) -> Wire:
    if "statistics" not in ctx.includes:
        return tag.wire
    return {**tag.wire, "statistics": wrap(_statistics(ctx.the_org(), tag))}


def _body(fields: Fields, org: Org, tag: Record | None) -> Wire:
    values: Wire = {}
    title = fields.string("title", required=True, max_len=30)
    if title is not None and any(t.wire["title"] == title and t is not tag for t in org.tags):
        fields.fail("title", "The title has already been taken.")
    values["title"] = title
    if fields.has("color"):
        color = fields.string("color")
        if color is not None and not COLOR.match(color):
            fields.fail("color", "The color must be 7 characters.")
        values["color"] = color
    fields.check()
    if title is not None:
        values["auto_generated"] = bool(AUTO_GENERATED.match(title))
    return values


@routes.get(
    "/organizations/{org}/tags", "tags.list", query=("page", "per_page", "q", "all", "sort", "with")
)
def list_tags(ctx: Ctx) -> Reply:
    """Tags, always paginated; auto-generated ones only with the literal ``all=true``."""
    tags = ctx.the_org().tags.every()
    if ctx.query.get("all") != "true":
        tags = [t for t in tags if not t.wire["auto_generated"]]
    q = ctx.query.get("q", "").lower()
    if q:
        tags = [t for t in tags if q in t.wire["title"].lower()]
    ordered = sort_by(ctx, tags, ("title", "created_at"))
    return paginate(ctx, ordered, lambda tag: _show(ctx, tag), unpaginated=False)


@routes.get("/organizations/{org}/tags/{tag_id}", "tags.get", query=("with",))
def get_tag(ctx: Ctx) -> Reply:
    """One tag (``with=statistics`` counts what it is attached to)."""
    return data(_show(ctx, _tag(ctx)))


@routes.post("/organizations/{org}/tags", "tags.create", status=201)
def create_tag(ctx: Ctx) -> Reply:
    """Create a tag (201): title unique, at most 30 characters; color ``#rrggbb``."""
    org = ctx.the_org()
    values = _body(Fields(ctx.body), org, None)
    tag = Record(org.id, {**tag_wire(new_id(), values["title"], "#3b82f6", ctx.now), **values})
    org.tags.add(tag)
    return data(tag.wire, 201)


@routes.put("/organizations/{org}/tags/{tag_id}", "tags.update")
def update_tag(ctx: Ctx) -> Reply:
    """Update a tag (``title`` every time)."""
    org = ctx.the_org()
    tag = _tag(ctx)
    tag.update(_body(Fields(ctx.body), org, tag))
    return data(tag.wire)


@routes.delete("/organizations/{org}/tags/{tag_id}", "tags.delete", status=204)
def delete_tag(ctx: Ctx) -> Reply:
    """Delete a tag: 204, even when it does not exist."""
    ctx.the_org().tags.remove(ctx.params["tag_id"])
    return empty(204)


@routes.post("/organizations/{org}/checklists/tags", "tags.attach")
def attach(ctx: Ctx) -> Reply:
    """Attach a tag to a blueprint or a process (200 with the association).

    Only live subjects can be tagged: an archived blueprint or process is 422 "Subject not
    found". A tag the subject already has is not attached twice: the answer is the existing
    association.
    """
    org = ctx.the_org()
    fields = Fields(ctx.body)
    subject_id = fields.string("subject_id", required=True)
    subject_type = fields.choice("subject_type", ("Checklist", "Run"), required=True)
    tag_id = fields.string("tag_id", required=True)
    fields.choice("tag_type", ("private", "public"))
    tag = org.tags.get(tag_id) if tag_id else None
    if tag_id is not None and tag is None:
        fields.fail("tag_id", "The selected tag id is invalid.")
    fields.check()
    assert tag is not None and subject_id is not None
    subject: Blueprint | Run | None = (
        org.blueprints.get(subject_id) if subject_type == "Checklist" else org.runs.get(subject_id)
    )
    if subject is None or subject.archived:
        raise invalid_field("subject_id", "Subject not found", specific=True)
    assert subject_type is not None
    for existing in subject.tags:
        if existing["tag_id"] == tag.id:
            return data(existing)
    association = tag_association(
        ctx.fake.state.association_id(), tag, subject.id, subject_type, ctx.now
    )
    subject.tags.append(association)
    return data(association)


@routes.delete("/organizations/{org}/checklists/tags/{association_id}", "tags.detach", status=204)
def detach(ctx: Ctx) -> Reply:
    """Detach a tag by the integer association id (the server int-casts the segment)."""
    raw = ctx.params["association_id"]
    association_id = text_id(raw) or 0
    org = ctx.the_org()
    subjects: list[Blueprint | Run] = [*org.blueprints, *org.runs]
    for subject in subjects:
        kept = [a for a in subject.tags if a["id"] != association_id]
        if len(kept) != len(subject.tags):
            subject.tags[:] = kept
            return empty(204)
    raise not_found()
