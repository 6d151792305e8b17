"""One organization and everything stored inside it."""

from __future__ import annotations

from tallyfy_async.testing._state.blueprints import Blueprint
from tallyfy_async.testing._state.comments import Comment
from tallyfy_async.testing._state.people import Guest, User
from tallyfy_async.testing._state.records import Collection, Record, Wire
from tallyfy_async.testing._state.runs import Run
from tallyfy_async.testing._state.tasks import Task


class Org:
    """An organization: its members, guests, groups, tags, folders, blueprints, runs and tasks."""

    __slots__ = (
        "activity",
        "blueprints",
        "capture_values",
        "comments",
        "default_admin_id",
        "folder_objects",
        "folders",
        "groups",
        "guests",
        "id",
        "increments",
        "members",
        "runs",
        "tags",
        "tasks",
        "wire",
    )

    def __init__(self, org_id: str, wire: Wire) -> None:
        self.id = org_id
        self.wire = wire
        self.members: dict[int, User] = {}
        self.default_admin_id: int | None = None
        self.guests: dict[str, Guest] = {}
        self.groups: Collection[Record] = Collection()
        self.tags: Collection[Record] = Collection()
        self.folders: Collection[Record] = Collection()
        #: Processes and tasks filed into folders, by integer relation id.
        self.folder_objects: dict[int, Wire] = {}
        self.blueprints: Collection[Blueprint] = Collection()
        self.runs: Collection[Run] = Collection()
        self.tasks: Collection[Task] = Collection()
        self.comments: dict[str, Comment] = {}
        #: Form-field value id -> (the task or run holding it, the field id).
        self.capture_values: dict[int, tuple[Task | Run, str]] = {}
        #: The next ``increment_id`` per kind ("run", "task", "blueprint").
        self.increments: dict[str, int] = {"run": 1, "task": 1, "blueprint": 1, "value": 1}
        #: The activity feed, oldest first (``_activity.record`` adds to it).
        self.activity: list[Wire] = []

    def next_increment(self, kind: str, count: int = 1) -> int:
        """Reserve ``count`` increment ids of a kind; returns the first."""
        first = self.increments[kind]
        self.increments[kind] = first + count
        return first

    def guest_by_id(self, guest_id: int) -> Guest | None:
        """A guest by integer id."""
        for guest in self.guests.values():
            if guest.id == guest_id:
                return guest
        return None


def org_wire(org_id: str, name: str, now: str) -> Wire:
    """A new organization's fields."""
    slug = "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-")
    return {
        "id": org_id,
        "name": name,
        "slug": slug,
        "industry": None,
        "description": None,
        "address1": None,
        "address2": None,
        "city": None,
        "state": None,
        "country": None,
        "zipcode": None,
        "welcome_title": None,
        "welcome_description": None,
        "created_on": now,
        "last_updated": now,
        "live_support_enabled": 0,
        "org_logo": None,
        "settings": {},
        "users_count": 0,
        "in_trial": False,
        "plan_code": "pro",
        "timezone": "UTC",
        "working_days": {
            day: {"enabled": day not in ("Saturday", "Sunday")}
            for day in (
                "Monday",
                "Tuesday",
                "Wednesday",
                "Thursday",
                "Friday",
                "Saturday",
                "Sunday",
            )
        },
        "default_deadline": {"type": "days", "value": 5},
        "auto_archive": False,
        "auto_complete_tasks": False,
        "auto_complete_task_months": 18,
        "maximum_group_assignment_limit": 10,
        "allow_user_invite": True,
        "allow_manage_groups": True,
        "webhook_date_field_format": "yyyy-MM-ddTHH:mm:ssZ",
        "use_generative_ai": False,
    }


def group_wire(group_id: str, name: str, members: list[int], guests: list[str], now: str) -> Wire:
    """A group's fields."""
    return {
        "id": group_id,
        "name": name,
        "description": None,
        "logo": None,
        "members": members,
        "guests": guests,
        "created_at": now,
        "last_updated": now,
        "deleted_at": None,
    }


def tag_wire(tag_id: str, title: str, color: str, now: str) -> Wire:
    """A tag's fields."""
    return {
        "id": tag_id,
        "title": title,
        "color": color,
        "type": "public",
        "auto_generated": False,
        "created_at": now,
        "deleted_at": None,
    }


def folder_wire(folder_id: str, name: str, folder_type: str, position: int, now: str) -> Wire:
    """A folder's fields."""
    return {
        "id": folder_id,
        "name": name,
        "parent_id": None,
        "total": 0,
        "position": position,
        "folder_type": folder_type,
        "created_at": now,
    }


def tag_association(
    association_id: int, tag: Record, subject_id: str, subject_type: str, now: str
) -> Wire:
    """A tag attached to a blueprint or a process, as ``with=tags`` shows it (integer ``id``
    and ``tag_id``)."""
    return {
        "id": association_id,
        "tag_id": tag.id,
        "subject_id": subject_id,
        "subject_type": subject_type,
        "title": tag.wire["title"],
        "color": tag.wire["color"],
        "created_at": now,
    }
