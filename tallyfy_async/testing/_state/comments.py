"""Comments (threads) on tasks, processes and blueprints."""

from __future__ import annotations

from tallyfy_async.testing._state.records import Record, Wire

LABELS = ("comment", "problem", "resolve", "improvement", "advice")
STATES = ("open", "hide-for-guests", "collapsed")


class Comment(Record):
    """One comment; a ``problem`` comment stays open until a resolve thread names it."""

    __slots__ = ("open_problem",)

    def __init__(self, org_id: str, wire: Wire) -> None:
        super().__init__(org_id, wire)
        self.open_problem = wire["label"] == "problem"


def comment_wire(
    comment_id: str,
    content: str,
    label: str,
    state: str,
    author: Wire,
    now: str,
    *,
    task_id: str | None,
    run_id: str | None,
    checklist_id: str | None,
    resolve_id: str | None = None,
) -> Wire:
    """A new comment's fields."""
    return {
        "id": comment_id,
        "content": content,
        "author_id": author["id"],
        "author_type": "user",
        "task_id": task_id,
        "run_id": run_id,
        "checklist_id": checklist_id,
        "label": label,
        "state": state,
        "created_at": now,
        "updated_at": now,
        "last_updated_at": now,
        "archived_at": None,
        "resolved_at": None,
        "resolve_id": resolve_id,
        "sent_to": [],
        "sent_by": author["id"],
        "author": {
            "id": author["id"],
            "username": author["username"],
            "first_name": author["first_name"],
            "last_name": author["last_name"],
            "full_name": author["full_name"],
            "profile_pic": author["profile_pic"],
        },
    }
