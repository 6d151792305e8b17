"""Groups."""

from __future__ import annotations

from tallyfy_async.testing._context import Ctx
from tallyfy_async.testing._fields import Fields
from tallyfy_async.testing._http import Reply, data, empty, not_found
from tallyfy_async.testing._pagination import paginate
from tallyfy_async.testing._router import RouteTable
from tallyfy_async.testing._state import Org, Record, Wire, new_id
from tallyfy_async.testing._state.org import group_wire
from tallyfy_async.testing.routes._common import sort_by, wrap
from tallyfy_async.testing.routes._permissions import require_member_with

#: The organization setting that lets standard members manage groups.
MANAGE_GROUPS = "allow_manage_groups"

routes = RouteTable()


def _group(ctx: Ctx) -> Record:
    group = ctx.the_org().groups.get(ctx.params["group_id"])
    if group is None:
        raise not_found()
    return group


def _body(fields: Fields, org: Org, group: Record | None) -> Wire:
    """name (required, unique), description (absent or a string), members, guests.

    ``members`` and ``guests`` are read as ``$data['members'] ?? []``: an update that leaves
    one out empties it, as a step update empties its absent assignee buckets.
    """
    values: Wire = {}
    name = fields.string("name", required=True, max_len=200)
    if name is not None and any(
        g.wire["name"].lower() == name.lower() and g is not group for g in org.groups
    ):
        fields.fail("name", "The name has already been taken.")
    values["name"] = name
    if fields.has("description"):
        # 'sometimes|required|string': null and "" are refused .
        values["description"] = fields.string("description", required=True)
    values["members"] = fields.known("members", org.members, integers=True)
    values["guests"] = fields.emails("guests")
    fields.check()
    return values


def _show(ctx: Ctx, group: Record) -> Wire:
    """A group with the includes asked for: ``users`` and ``guests`` as objects, ``assets``."""
    includes = ctx.includes
    if not includes:
        return group.wire
    org = ctx.the_org()
    shown = dict(group.wire)
    if "users" in includes:
        members = (org.members.get(user_id) for user_id in group.wire["members"])
        shown["users"] = wrap(
            [user.member_wire(org.id, org.default_admin_id) for user in members if user]
        )
    if "guests" in includes:
        guests = (org.guests.get(email.lower()) for email in group.wire["guests"])
        shown["guests"] = wrap([guest.wire for guest in guests if guest])
    if "assets" in includes:
        shown["assets"] = wrap([])
    return shown


@routes.get(
    "/organizations/{org}/groups",
    "groups.list",
    query=("page", "per_page", "q", "sort", "sort_by", "with"),
)
def list_groups(ctx: Ctx) -> Reply:
    """Groups, always paginated (``without_pagination`` is ignored)."""
    groups = ctx.the_org().groups.every()
    q = ctx.query.get("q", "").lower()
    if q:
        groups = [g for g in groups if q in g.wire["name"].lower()]
    # Tallyfy sorts groups by updated_at, the time a group record calls last_updated.
    ordered = sort_by(
        ctx, groups, {"name": "name", "created_at": "created_at", "updated_at": "last_updated"}
    )
    return paginate(ctx, ordered, lambda group: _show(ctx, group), unpaginated=False)


@routes.get("/organizations/{org}/groups/{group_id}", "groups.get", query=("with",))
def get_group(ctx: Ctx) -> Reply:
    """One group."""
    return data(_show(ctx, _group(ctx)))


@routes.post("/organizations/{org}/groups", "groups.create", status=201)
def create_group(ctx: Ctx) -> Reply:
    """Create a group (201): administrators, and standard members where the organization lets
    them manage groups."""
    org = ctx.the_org()
    require_member_with(ctx, org, MANAGE_GROUPS)
    values = _body(Fields(ctx.body), org, None)
    wire = group_wire(new_id(), values.pop("name"), [], [], ctx.now)
    wire.update(values)
    group = Record(org.id, wire)
    org.groups.add(group)
    for email in wire["guests"]:
        ctx.fake.state.add_guest(org, email, ctx.now)
    return data(group.wire, 201)


@routes.put("/organizations/{org}/groups/{group_id}", "groups.update", status=201)
def update_group(ctx: Ctx) -> Reply:
    """Update a group: ``name`` every time; ``members`` and ``guests`` replace what the group
    had, and one left out is emptied.

    Answers 201: the docs say 201, odd as it is, and a
    client that accepts any 2xx is right either way.
    """
    org = ctx.the_org()
    require_member_with(ctx, org, MANAGE_GROUPS)
    group = _group(ctx)
    values = _body(Fields(ctx.body), org, group)
    group.update(values, ctx.now)
    for email in values["guests"]:
        ctx.fake.state.add_guest(org, email, ctx.now)
    return data(group.wire, 201)


@routes.delete("/organizations/{org}/groups/{group_id}", "groups.delete", status=204)
def delete_group(ctx: Ctx) -> Reply:
    """Delete a group (204)."""
    org = ctx.the_org()
    require_member_with(ctx, org, MANAGE_GROUPS)
    org.groups.remove(_group(ctx).id)
    return empty(204)
