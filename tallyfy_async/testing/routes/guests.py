"""Guests of an organization, addressed by email (percent-encoded in the path)."""

from __future__ import annotations

from tallyfy_async.testing._context import Ctx
from tallyfy_async.testing._fields import EMAIL, Fields
from tallyfy_async.testing._http import Reply, data, empty, invalid_field, not_found
from tallyfy_async.testing._pagination import paginate
from tallyfy_async.testing._router import RouteTable
from tallyfy_async.testing._state import Guest, Wire
from tallyfy_async.testing.routes._common import LISTING, sort_by
from tallyfy_async.testing.routes._permissions import require_not_light
from tallyfy_async.testing.routes._stats import guest_stats

routes = RouteTable()

#: GET /guests answers 999 guests a page by default.
GUESTS_PER_PAGE = 999
_DETAILS = {
    "phone_1": 20,
    "phone_2": 20,
    "company_name": 200,
    "company_url": None,
    "contact_url": None,
    "image_url": None,
    "opportunity_url": None,
    "opportunity_name": None,
    "timezone": None,
    "external_sync_source": None,
    "status": None,
}
_GUEST = "/organizations/{org}/guests/{email}"


def _guest(ctx: Ctx) -> Guest:
    guest = ctx.the_org().guests.get(ctx.params["email"].lower())
    if guest is None:
        raise not_found()
    return guest


def _show(ctx: Ctx, guest: Guest) -> Wire:
    """The guest, with ``stats`` (bare, not wrapped) when asked for."""
    if "stats" in ctx.includes:
        return {**guest.wire, "stats": guest_stats(ctx.the_org(), guest)}
    return guest.wire


@routes.get("/organizations/{org}/guests", "guests.list", query=LISTING)
def list_guests(ctx: Ctx) -> Reply:
    """Guests (``q`` searches emails)."""
    guests = list(ctx.the_org().guests.values())
    q = ctx.query.get("q", "").lower()
    if q:
        guests = [g for g in guests if q in g.email.lower()]
    ordered = sort_by(ctx, guests, ("email", "first_name", "last_name", "created_at"))
    return paginate(ctx, ordered, lambda guest: _show(ctx, guest), per_page=GUESTS_PER_PAGE)


@routes.get("/organizations/{org}/guests-list", "guests.list_minimal")
def list_guests_minimal(ctx: Ctx) -> Reply:
    """Guests with a few fields, never paginated."""
    keys = ("id", "email", "first_name", "last_name")
    return data([{key: g.wire[key] for key in keys} for g in ctx.the_org().guests.values()])


@routes.post("/organizations/{org}/guests", "guests.create", status=201)
def create_guest(ctx: Ctx) -> Reply:
    """Create a guest (201); an email that belongs to a member is refused.

    ``phone`` is not read (the fields are ``phone_1`` and ``phone_2``): it is dropped.
    """
    org = ctx.the_org()
    require_not_light(ctx, org)
    fields = Fields(ctx.body)
    email = fields.string("email", required=True)
    first_name = fields.string("first_name", max_len=200) or ""
    last_name = fields.string("last_name", max_len=200) or ""
    details = {
        key: fields.string(key, max_len=limit) for key, limit in _DETAILS.items() if fields.has(key)
    }
    if fields.has("external_date_creation"):
        details["external_date_creation"] = fields.date("external_date_creation")
    if email is not None and not EMAIL.match(email):
        fields.fail("email", "The email must be a valid email address.")
    elif email is not None and any(u.email.lower() == email.lower() for u in org.members.values()):
        fields.fail("email", "The email belongs to a member of this organization.")
    fields.check()
    assert email is not None
    guest = ctx.fake.state.add_guest(org, email, ctx.now, first_name, last_name)
    guest.wire["details"] = {**guest.wire["details"], **details}
    return data(guest.wire, 201)


@routes.get(_GUEST, "guests.get", query=("with",))
def get_guest(ctx: Ctx) -> Reply:
    """One guest by URL-encoded email."""
    return data(_show(ctx, _guest(ctx)))


@routes.put(_GUEST, "guests.update", status=201)
def update_guest(ctx: Ctx) -> Reply:
    """Only ``associated_members`` is stored; profile fields are dropped.

    The body must repeat the guest's ``email`` (``required|exists``). Answers 201, as the docs
    say (odd, but documented).
    """
    org = ctx.the_org()
    require_not_light(ctx, org)
    guest = _guest(ctx)
    fields = Fields(ctx.body)
    email = fields.string("email", required=True)
    if email is not None and email.lower() not in org.guests:
        fields.fail("email", "The selected email is invalid.")
    members = (
        fields.known("associated_members", org.members, integers=True)
        if fields.has("associated_members")
        else None
    )
    fields.check()
    if members is not None:
        guest.wire["details"] = {**guest.wire["details"], "associated_members": members}
    return data(guest.wire, 201)


@routes.delete(_GUEST, "guests.remove")
def remove_guest(ctx: Ctx) -> Reply:
    """Remove a guest (200 with the guest); an unknown email is a 422 (exists rule)."""
    org = ctx.the_org()
    require_not_light(ctx, org)
    guest = org.guests.get(ctx.params["email"].lower())
    if guest is None:
        raise invalid_field("email", "The selected email is invalid.")
    del org.guests[guest.email.lower()]
    guest.wire["deleted_at"] = ctx.now
    return data(guest.wire)


def _change_details(ctx: Ctx, **changes: object) -> Reply:
    """Change a guest's details (the caller must not be a light member); 204."""
    require_not_light(ctx, ctx.the_org())
    guest = _guest(ctx)
    guest.wire["details"] = {**guest.wire["details"], **changes}
    return empty(204)


@routes.delete(f"{_GUEST}/disable", "guests.disable", status=204)
def disable_guest(ctx: Ctx) -> Reply:
    """Disable a guest: they keep their tasks but cannot open them."""
    user = ctx.the_user().id
    return _change_details(ctx, status="disabled", disabled_at=ctx.now, disabled_by=user)


@routes.put(f"{_GUEST}/enable", "guests.enable", status=204)
def enable_guest(ctx: Ctx) -> Reply:
    """Enable a disabled guest again."""
    user = ctx.the_user().id
    return _change_details(
        ctx,
        status="active",
        disabled_at=None,
        disabled_by=None,
        reactivated_at=ctx.now,
        reactivated_by=user,
    )
