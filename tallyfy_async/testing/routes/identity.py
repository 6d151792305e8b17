"""The caller and their organizations."""

from __future__ import annotations

from tallyfy_async.testing._context import Ctx
from tallyfy_async.testing._http import Reply, data
from tallyfy_async.testing._pagination import paginate
from tallyfy_async.testing._router import RouteTable
from tallyfy_async.testing._state import Org, Wire

routes = RouteTable()


@routes.get("/me", "me.get")
def me(ctx: Ctx) -> Reply:
    """The user the token acts as."""
    return data(ctx.the_user().wire)


@routes.get("/me/organizations", "me.organizations", query=("page", "per_page"))
def my_organizations(ctx: Ctx) -> Reply:
    """The user's organizations, with their membership details."""
    user = ctx.the_user()
    token = ctx.token
    allowed = ctx.fake.tokens.orgs_of(token) if token else frozenset()
    orgs = [ctx.fake.state.orgs[org_id] for org_id in user.roles if org_id in allowed]

    def render(org: Org) -> Wire:
        membership = user.memberships.get(org.id, {})
        return {
            **org.wire,
            "user_status": user.status_in(org.id),
            "joined_on": user.wire["created_at"],
            "disabled_on": membership.get("disabled_at"),
            "last_accessed": ctx.now,
            "user_role": user.roles[org.id],
        }

    return paginate(ctx, orgs, render)


@routes.get("/organizations/{org}", "organizations.get")
def organization(ctx: Ctx) -> Reply:
    """One organization."""
    return data(ctx.the_org().wire)


@routes.get("/organizations/{org}/me", "organizations.me")
def member_me(ctx: Ctx) -> Reply:
    """The caller as a member of this organization (role included)."""
    org = ctx.the_org()
    return data(ctx.the_user().member_wire(org.id, org.default_admin_id))
