"""Members, guests and OAuth clients.

People have integer ids. A member is one global user who may belong to several
organizations, with a role in each; a guest belongs to one organization and is addressed by email.
"""

from __future__ import annotations

from tallyfy_async.testing._state.records import Wire

ROLES = ("admin", "standard", "light")
_NO_CHANGES: Wire = {}


class User:
    """A Tallyfy user (member) and the organizations they belong to."""

    __slots__ = ("email", "id", "memberships", "password", "roles", "wire")

    def __init__(self, user_id: int, email: str, password: str, wire: Wire) -> None:
        self.id = user_id
        self.email = email
        self.password = password
        self.wire = wire
        #: organization id -> role, in the order the user joined them.
        self.roles: dict[str, str] = {}
        #: organization id -> the fields of the membership that differ from the user's own
        #: (``status``: ``invited`` or ``disabled``, who disabled or approved them, when).
        self.memberships: dict[str, Wire] = {}

    def member_wire(self, org_id: str, default_admin_id: int | None) -> Wire:
        """The user as a member of one organization (role and membership status included)."""
        role = self.roles.get(org_id, "standard")
        return {
            **self.wire,
            **self.memberships.get(org_id, _NO_CHANGES),
            "role": role,
            "is_default_admin": self.id == default_admin_id,
        }

    def status_in(self, org_id: str) -> str:
        """``active``, ``invited`` or ``disabled`` in one organization."""
        return str(self.memberships.get(org_id, _NO_CHANGES).get("status", "active"))

    def disabled_in(self, org_id: str) -> bool:
        """Whether an administrator disabled this member in ``org_id``."""
        membership = self.memberships.get(org_id)
        return membership is not None and membership.get("status") == "disabled"

    def change_membership(self, org_id: str, **changes: object) -> None:
        """Record what differs in one organization (``status="disabled"``, ...)."""
        self.memberships.setdefault(org_id, {}).update(changes)

    @property
    def full_name(self) -> str:
        """First and last name."""
        return str(self.wire["full_name"])


def user_wire(user_id: int, email: str, first_name: str, last_name: str, now: str) -> Wire:
    """A new member's fields."""
    return {
        "id": user_id,
        "email": email,
        "username": email,
        "first_name": first_name,
        "last_name": last_name,
        "full_name": f"{first_name} {last_name}".strip(),
        "profile_pic": None,
        "locale": "en",
        "active": True,
        "is_suspended": False,
        "status": "active",
        "timezone": "UTC",
        "UTC_offset": "+00:00",
        "date_format": "mm/dd/yyyy",
        "phone": None,
        "job_title": None,
        "job_description": None,
        "team": None,
        "country_id": None,
        "support_user": False,
        "invited_by": None,
        "created_at": now,
        "last_updated": now,
        "last_login_at": None,
        "activated_at": now,
        "approved_at": now,
        "last_accessed_at": None,
        "disabled_at": None,
        "disabled_by": None,
        "reactivated_at": None,
        "reactivated_by": None,
    }


class Guest:
    """A guest of one organization."""

    __slots__ = ("email", "id", "org_id", "wire")

    def __init__(self, guest_id: int, org_id: str, email: str, wire: Wire) -> None:
        self.id = guest_id
        self.org_id = org_id
        self.email = email
        self.wire = wire


def guest_wire(
    guest_id: int, org_id: str, email: str, first_name: str, last_name: str, now: str
) -> Wire:
    """A new guest's fields."""
    return {
        "id": guest_id,
        "email": email,
        "first_name": first_name,
        "last_name": last_name,
        # The SDK reads the guest id from the segment after "guest/".
        "link": f"https://go.tallyfy.com/{org_id}/guest/{guest_id}",
        "last_accessed_at": None,
        "last_known_ip": None,
        "last_known_country": None,
        "created_at": now,
        "deleted_at": None,
        "details": {
            "status": "active",
            "phone_1": None,
            "phone_2": None,
            "timezone": "UTC",
            "company_name": None,
            "associated_members": [],
            "disabled_at": None,
        },
    }


class Client:
    """An OAuth client: numeric id, secret, the organizations it may act for, and the
    redirect URIs registered for the browser sign-in."""

    __slots__ = ("client_id", "org_ids", "redirect_uris", "secret")

    def __init__(
        self, client_id: str, secret: str, org_ids: set[str], redirect_uris: set[str]
    ) -> None:
        self.client_id = client_id
        self.secret = secret
        self.org_ids = org_ids
        self.redirect_uris = redirect_uris
