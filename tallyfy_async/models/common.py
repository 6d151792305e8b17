"""Pieces several areas share: owners (assignees) and progress."""

from __future__ import annotations

from typing import Any

import attrs

from tallyfy_async.models._base import Model


@attrs.frozen(kw_only=True)
class Owners(Model):
    """Who a task (or step) is assigned to: three buckets.

    Tallyfy replaces each bucket it is sent, and empties a bucket that is absent
    from an ``owners`` object it is sent: the SDK never sends a
    partial ``owners``.

    Attributes:
        users: member ids. (Some reads send objects ``{id, full_name, ...}``; they
            are kept as sent.)
        guests: guest emails.
        groups: group ids.
    """

    users: list[Any] = attrs.Factory(list)
    guests: list[str] = attrs.Factory(list)
    groups: list[str] = attrs.Factory(list)

    @property
    def user_ids(self) -> list[int]:
        """Member ids, whether Tallyfy sent ids or user objects."""
        return [u["id"] if isinstance(u, dict) else int(u) for u in self.users]

    def to_wire(self) -> dict[str, list[Any]]:
        """All three buckets, as a write must send them."""
        return {"users": self.user_ids, "guests": list(self.guests), "groups": list(self.groups)}


@attrs.frozen(kw_only=True)
class Progress(Model):
    """How far a process is: ``complete`` of ``total`` tasks, ``percent``."""

    complete: int | None = None
    total: int | None = None
    percent: float | None = None
