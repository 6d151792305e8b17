"""Members of an organization, and the caller's own profile in it.

Three ways out, as Tallyfy has them: *disable* keeps the membership and stops the member from
signing in (``enable`` undoes it); *remove* takes the member out of the organization, handing
their open tasks to another member when asked; *delete* erases a disabled member for good.
"""

from __future__ import annotations

import secrets

from tallyfy_async.testing._context import Ctx
from tallyfy_async.testing._fields import EMAIL, Fields, text_id
from tallyfy_async.testing._http import Reply, data, empty, error, invalid_field, not_found
from tallyfy_async.testing._pagination import paginate
from tallyfy_async.testing._router import RouteTable
from tallyfy_async.testing._state import Org, User, Wire
from tallyfy_async.testing._state.people import ROLES
from tallyfy_async.testing.routes._common import LISTING, sort_by, wrap
from tallyfy_async.testing.routes._permissions import require_admin, require_member_with
from tallyfy_async.testing.routes._stats import member_stats

routes = RouteTable()

#: GET /users answers everyone by default.
USERS_PER_PAGE = 9999
_USER = "/organizations/{org}/users/{user_id}"
_DATE_FORMATS = ("mm/dd/yyyy", "dd/mm/yyyy")


def _member(ctx: Ctx) -> User:
    raw = ctx.params["user_id"]
    user = ctx.the_org().members.get(text_id(raw) or 0)
    if user is None:
        raise not_found()
    return user


def _changeable(ctx: Ctx, org: Org) -> User:
    """The member of the path, once the caller is found to be an administrator; the default
    administrator is refused with 400, as Tallyfy refuses it."""
    require_admin(ctx, org)
    user = _member(ctx)
    if user.id == org.default_admin_id:
        raise error(400, {"message": "Cannot modify the default administrator."})
    return user


def _show(ctx: Ctx, org: Org, user: User) -> Wire:
    shown = user.member_wire(org.id, org.default_admin_id)
    if "groups" in ctx.includes:
        shown["groups"] = wrap([g.wire for g in org.groups if user.id in g.wire["members"]])
    if "stats" in ctx.includes:
        shown["stats"] = wrap(member_stats(org, user))
    return shown


@routes.get("/organizations/{org}/users", "users.list", query=LISTING)
def list_users(ctx: Ctx) -> Reply:
    """Members with full profiles (``q`` searches names and emails)."""
    org = ctx.the_org()
    members = list(org.members.values())
    q = ctx.query.get("q", "").lower()
    if q:
        members = [u for u in members if q in u.email.lower() or q in u.full_name.lower()]
    ordered = sort_by(ctx, members, ("first_name", "last_name", "email", "created_at"))
    return paginate(ctx, ordered, lambda user: _show(ctx, org, user), per_page=USERS_PER_PAGE)


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


@routes.get(_USER, "users.get", query=("with",))
def get_user(ctx: Ctx) -> Reply:
    """One member."""
    return data(_show(ctx, ctx.the_org(), _member(ctx)))


@routes.post("/organizations/{org}/users/invite", "users.invite")
def invite(ctx: Ctx) -> Reply:
    """Invite a member: 200 (not 201) with the user, ``status: invited``.

    Administrators invite; standard members too when the organization allows it.
    """
    org = ctx.the_org()
    require_member_with(ctx, org, "allow_user_invite")
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
    user.change_membership(org.id, status="invited", invited_by=ctx.the_user().id, approved_at=None)
    return data(_show(ctx, org, user))


def _profile(ctx: Ctx, org: Org, user: User) -> Reply:
    """Update a profile: first_name, last_name and timezone on every PUT."""
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
        values["date_format"] = fields.choice("date_format", _DATE_FORMATS)
    if fields.has("country_id"):
        values["country_id"] = fields.integer("country_id")
    fields.check()
    values["full_name"] = f"{values['first_name']} {values['last_name']}"
    values["last_updated"] = ctx.now
    user.wire.update(values)
    return data(_show(ctx, org, user))


@routes.put(_USER, "users.update")
def update_user(ctx: Ctx) -> Reply:
    """Update a member's profile (administrators): first_name, last_name and timezone on
    every PUT."""
    org = ctx.the_org()
    require_admin(ctx, org)
    return _profile(ctx, org, _member(ctx))


@routes.put("/organizations/{org}/me", "organizations.me.update")
def update_me(ctx: Ctx) -> Reply:
    """Update one's own profile: the same fields as a member's."""
    return _profile(ctx, ctx.the_org(), ctx.the_user())


@routes.put(f"{_USER}/role", "users.role")
def change_role(ctx: Ctx) -> Reply:
    """Change a member's role (administrators; not the default administrator's)."""
    org = ctx.the_org()
    user = _changeable(ctx, org)
    fields = Fields(ctx.body)
    role = fields.choice("role", ROLES, required=True)
    fields.check()
    assert role is not None
    user.roles[org.id] = role
    return data(_show(ctx, org, user))


def _reassign(org: Org, leaving: int, heir: int | None) -> None:
    """Hand ``leaving``'s open tasks to ``heir``, or just take them off them."""
    for task in org.tasks:
        owners = task.wire["owners"]
        if leaving not in owners["users"] or task.done:
            continue
        users = [user for user in owners["users"] if user != leaving]
        if heir is not None and heir not in users:
            users.append(heir)
        task.update({"owners": {**owners, "users": users}})


@routes.delete(_USER, "users.remove", query=("with_reassignment", "to"))
def remove_user(ctx: Ctx) -> Reply:
    """Take a member out of the organization (administrators).

    With ``with_reassignment=true&to={user_id}`` their open tasks go to that member;
    otherwise they are taken off them. The default administrator is refused (400).
    """
    org = ctx.the_org()
    user = _changeable(ctx, org)
    heir: int | None = None
    if ctx.flag("with_reassignment"):
        heir = text_id(ctx.query.get("to"))
        if heir is None or heir == user.id or heir not in org.members:
            raise invalid_field("to", "The selected to is invalid.")
    _reassign(org, user.id, heir)
    role = user.roles.pop(org.id)
    user.memberships.pop(org.id, None)
    del org.members[user.id]
    org.wire["users_count"] = len(org.members)
    keys = ("id", "email", "first_name", "last_name")
    return data({**{key: user.wire[key] for key in keys}, "role": role, "status": "disabled"})


@routes.delete(f"{_USER}/disable", "users.disable", status=204)
def disable_user(ctx: Ctx) -> Reply:
    """Disable a member (administrators): they stay in the organization but cannot act in it."""
    org = ctx.the_org()
    user = _changeable(ctx, org)
    user.change_membership(
        org.id, status="disabled", disabled_at=ctx.now, disabled_by=ctx.the_user().id
    )
    return empty(204)


@routes.put(f"{_USER}/enable", "users.enable", status=204)
def enable_user(ctx: Ctx) -> Reply:
    """Enable a disabled member again (administrators)."""
    org = ctx.the_org()
    user = _changeable(ctx, org)
    user.change_membership(
        org.id,
        status="active",
        disabled_at=None,
        disabled_by=None,
        reactivated_at=ctx.now,
        reactivated_by=ctx.the_user().id,
    )
    return empty(204)


@routes.put(f"{_USER}/approve", "users.approve", status=204)
def approve_user(ctx: Ctx) -> Reply:
    """Approve a pending or invited member (administrators); an active one stays as it is."""
    org = ctx.the_org()
    user = _changeable(ctx, org)
    if user.status_in(org.id) == "disabled":
        raise invalid_field("user_id", "A disabled member cannot be approved.", specific=True)
    if user.status_in(org.id) != "active":
        user.change_membership(org.id, status="active", approved_at=ctx.now)
    return empty(204)


@routes.delete(f"{_USER}/delete", "users.delete", status=204)
def delete_user(ctx: Ctx) -> Reply:
    """Delete a disabled member for good (administrators); an active one is refused (422).

    A user left in no organization is erased with their tokens.
    """
    org = ctx.the_org()
    user = _changeable(ctx, org)
    if not user.disabled_in(org.id):
        raise invalid_field(
            "user_id", "Only a disabled member can be deleted: disable them first.", specific=True
        )
    _reassign(org, user.id, None)
    del user.roles[org.id]
    del user.memberships[org.id]
    del org.members[user.id]
    org.wire["users_count"] = len(org.members)
    if not user.roles:
        state = ctx.fake.state
        del state.users[user.id]
        del state.users_by_email[user.email.lower()]
    return empty(204)
