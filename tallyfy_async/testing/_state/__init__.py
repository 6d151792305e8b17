"""The fake's in-memory state: one :class:`State` holding organizations, people and clients.

One module per concern: ``records`` (the storage pattern), ``people``, ``org``, ``blueprints``,
``runs``, ``tasks``, ``comments``.
"""

from __future__ import annotations

import secrets

from tallyfy_async.testing._dates import YEAR_MONTH_DAY
from tallyfy_async.testing._state.blueprints import Blueprint, Step
from tallyfy_async.testing._state.comments import Comment
from tallyfy_async.testing._state.org import Org, org_wire
from tallyfy_async.testing._state.people import Client, Guest, User, guest_wire, user_wire
from tallyfy_async.testing._state.records import Collection, Record, Wire, new_id
from tallyfy_async.testing._state.runs import Run
from tallyfy_async.testing._state.tasks import Task

__all__ = [
    "Blueprint",
    "Client",
    "Collection",
    "Comment",
    "Guest",
    "Org",
    "Record",
    "Run",
    "State",
    "Step",
    "Task",
    "User",
    "Wire",
    "new_id",
]


class State:
    """Everything the fake server knows."""

    def __init__(self) -> None:
        self.orgs: dict[str, Org] = {}
        self.users: dict[int, User] = {}
        self.users_by_email: dict[str, User] = {}
        self.clients: dict[str, Client] = {}
        self._next_user_id = 10001
        self._next_guest_id = 50001
        self._next_client_id = 101
        self._next_association_id = 1
        #: The order request dates are read in (``_dates.YEAR_MONTH_DAY`` or ``YEAR_DAY_MONTH``).
        self.request_dates = YEAR_MONTH_DAY
        self._next_activity_id = 1

    def association_id(self) -> int:
        """A new integer id for a tag or folder association."""
        value = self._next_association_id
        self._next_association_id += 1
        return value

    def activity_id(self) -> int:
        """A new integer id for an activity feed item."""
        value = self._next_activity_id
        self._next_activity_id += 1
        return value

    def add_org(self, name: str, now: str, org_id: str | None = None) -> Org:
        """Create an organization."""
        org_id = org_id or new_id()
        org = Org(org_id, org_wire(org_id, name, now))
        self.orgs[org_id] = org
        return org

    def add_user(
        self, email: str, password: str, first_name: str, last_name: str, now: str
    ) -> User:
        """Create a user (or return the existing one with that email)."""
        existing = self.users_by_email.get(email.lower())
        if existing is not None:
            return existing
        user_id = self._next_user_id
        self._next_user_id += 1
        user = User(user_id, email, password, user_wire(user_id, email, first_name, last_name, now))
        self.users[user_id] = user
        self.users_by_email[email.lower()] = user
        return user

    def add_member(self, org: Org, user: User, role: str) -> None:
        """Make ``user`` a member of ``org``; the first admin becomes the default administrator."""
        user.roles[org.id] = role
        org.members[user.id] = user
        org.wire["users_count"] = len(org.members)
        if org.default_admin_id is None and role == "admin":
            org.default_admin_id = user.id

    def add_guest(
        self, org: Org, email: str, now: str, first_name: str = "", last_name: str = ""
    ) -> Guest:
        """Add a guest to ``org`` (or return the existing one)."""
        existing = org.guests.get(email.lower())
        if existing is not None:
            return existing
        guest_id = self._next_guest_id
        self._next_guest_id += 1
        guest = Guest(
            guest_id, org.id, email, guest_wire(guest_id, org.id, email, first_name, last_name, now)
        )
        org.guests[email.lower()] = guest
        return guest

    def add_client(
        self,
        org_ids: set[str],
        client_id: str | None = None,
        secret: str | None = None,
        redirect_uris: set[str] | None = None,
    ) -> Client:
        """Register an OAuth client (numeric id) linked to ``org_ids``."""
        if client_id is None:
            while str(self._next_client_id) in self.clients:
                self._next_client_id += 1
            client_id = str(self._next_client_id)
            self._next_client_id += 1
        client = Client(
            client_id, secret or secrets.token_urlsafe(30), set(org_ids), set(redirect_uris or ())
        )
        self.clients[client_id] = client
        return client
