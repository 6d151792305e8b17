"""Members of an organization."""

from __future__ import annotations

import secrets

from tallyfy_async.testing._context import Ctx
from tallyfy_async.testing._fields import EMAIL, Fields, text_id
from tallyfy_async.testing._http import Reply, data, error, not_found
from tallyfy_async.testing._pagination import paginate
from tallyfy_async.testing._router import RouteTable
from tallyfy_async.testing._state import Org, User, Wire
from tallyfy_async.testing._state.people import ROLES
from tallyfy_async.testing.routes._common import LISTING, wrap

routes = RouteTable()

#: GET /users answers everyone by default.
USERS_PER_PAGE = 9999


def _member(ctx: Ctx) -> User:
    raw = ctx.params["user_id"]
    user = ctx.the_org().members.get(text_id(raw) or 0)
    if user is None:
        raise not_found()
    return user


def _show(ctx: Ctx, org: Org, user: User) -> Wire:
    shown = user.member_wire(org.id, org.default_admin_id)
    if "groups" in ctx.includes:
        shown["groups"] = wrap([g.wire for g in org.groups if user.id in g.wire["members"]])
    return shown


@routes.get("/organizations/{org}/users", "users.list", query=LISTING)
def list_users(ctx: Ctx) -> Reply:
    """Members with full profiles (``q`` searches names and emails)."""
    org = ctx.the_org()
    members = list(org.members.values())
    q = ctx.query.get("q", "").lower()
    if q:
        members = [u for u in members if q in u.email.lower() or q in u.full_name.lower()]
    return paginate(ctx, members, lambda user: _show(ctx, org, user), per_page=USERS_PER_PAGE)


@routes.get("/organizations/{org}/users-list", "users.list_minimal")
def list_users_minimal(ctx: Ctx) -> Reply:
    """Members with a few fields, never paginated (no ``meta``)."""
    org = ctx.the_org()
    keys = ("id", "email", "first_name", "last_name", "full_name", "profile_pic")
    items = [
        {**{key: user.wire[key] for key in keys}, "role": user.roles[org.id]}
        for user in org.members.values()
    ]
    return data(items)


@routes.get("/organizations/{org}/users/{user_id}", "users.get")
def get_user(ctx: Ctx) -> Reply:
    """One member."""
    return data(_show(ctx, ctx.the_org(), _member(ctx)))


@routes.post("/organizations/{org}/users/invite", "users.invite")
def invite(ctx: Ctx) -> Reply:
    """Invite a member: 200 (not 201) with the user, ``status: invited``."""
    org = ctx.the_org()
    fields = Fields(ctx.body)
    email = fields.string("email", required=True)
    first_name = fields.string("first_name", required=True, max_len=32)
    last_name = fields.string("last_name", required=True, max_len=32)
    role = fields.choice("role", ROLES, required=True)
    fields.string("message", required=True, max_len=5000)
    if email is not None and not EMAIL.match(email):
        fields.fail("email", "The email must be a valid email address.")
    elif email is not None and any(u.email.lower() == email.lower() for u in org.members.values()):
        fields.fail("email", "The email has already been taken.")
    fields.check()
    assert email and first_name and last_name and role
    state = ctx.fake.state
    user = state.add_user(email, secrets.token_urlsafe(12), first_name, last_name, ctx.now)
    state.add_member(org, user, role)
    return data({**_show(ctx, org, user), "status": "invited"})


@routes.put("/organizations/{org}/users/{user_id}", "users.update")
def update_user(ctx: Ctx) -> Reply:
    """Update a profile: first_name, last_name and timezone on every PUT."""
    org = ctx.the_org()
    user = _member(ctx)
    fields = Fields(ctx.body)
    values: Wire = {
        "first_name": fields.string("first_name", required=True, max_len=32),
        "last_name": fields.string("last_name", required=True, max_len=32),
        "timezone": fields.string("timezone", required=True),
    }
    for key, limit in (
        ("phone", 20),
        ("job_title", None),
        ("job_description", None),
        ("team", None),
    ):
        if fields.has(key):
            values[key] = fields.string(key, max_len=limit)
    if fields.has("date_format"):
        values["date_format"] = fields.choice("date_format", ("mm/dd/yyyy", "dd/mm/yyyy"))
    if fields.has("country_id"):
        values["country_id"] = fields.integer("country_id")
    fields.check()
    values["full_name"] = f"{values['first_name']} {values['last_name']}"
    values["last_updated"] = ctx.now
    user.wire.update(values)
    return data(_show(ctx, org, user))


@routes.put("/organizations/{org}/users/{user_id}/role", "users.role")
def change_role(ctx: Ctx) -> Reply:
    """Change a member's role."""
    org = ctx.the_org()
    user = _member(ctx)
    fields = Fields(ctx.body)
    role = fields.choice("role", ROLES, required=True)
    fields.check()
    assert role is not None
    user.roles[org.id] = role
    return data(_show(ctx, org, user))


@routes.delete("/organizations/{org}/users/{user_id}", "users.remove")
def remove_user(ctx: Ctx) -> Reply:
    """Remove a member (400 for the default administrator)."""
    org = ctx.the_org()
    user = _member(ctx)
    if user.id == org.default_admin_id:
        raise error(400, {"message": "Cannot modify the default administrator."})
    role = user.roles.pop(org.id)
    del org.members[user.id]
    org.wire["users_count"] = len(org.members)
    keys = ("id", "email", "first_name", "last_name")
    return data({**{key: user.wire[key] for key in keys}, "role": role, "status": "disabled"})
