"""Who may manage an organization's people: administrators, and standard members where the
organization allows it.

Tallyfy answers a member without the permission with 403 and Laravel's default message. Light
members manage nobody; standard members invite members when the organization's
``allow_user_invite`` is on and manage groups when ``allow_manage_groups`` is on; every other
change to members is an administrator's.
"""

from __future__ import annotations

from tallyfy_async.testing._context import Ctx
from tallyfy_async.testing._http import forbidden
from tallyfy_async.testing._state import Org


def _role(ctx: Ctx, org: Org) -> str:
    return ctx.the_user().roles.get(org.id, "")


def require_admin(ctx: Ctx, org: Org) -> None:
    """Only an administrator may go on."""
    if _role(ctx, org) != "admin":
        raise forbidden()


def require_member_with(ctx: Ctx, org: Org, setting: str) -> None:
    """An administrator, or a standard member when the organization's ``setting`` is on."""
    role = _role(ctx, org)
    if role == "admin" or (role == "standard" and org.wire.get(setting)):
        return
    raise forbidden()


def require_not_light(ctx: Ctx, org: Org) -> None:
    """Administrators and standard members (guests are theirs to manage); light members not."""
    if _role(ctx, org) not in ("admin", "standard"):
        raise forbidden()
