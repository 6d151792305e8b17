"""One organization and everything stored inside it."""

from __future__ import annotations

import re

from tallyfy_async.testing._state.blueprints import Blueprint
from tallyfy_async.testing._state.comments import Comment
from tallyfy_async.testing._state.people import Guest, User
from tallyfy_async.testing._state.records import Collection, Record, Wire
from tallyfy_async.testing._state.runs import Run
from tallyfy_async.testing._state.tasks import Task


class StoredFile(Record):
    """An uploaded file: its asset record and its bytes."""

    __slots__ = ("content", "content_type")

    def __init__(self, org_id: str, wire: Wire, content: bytes, content_type: str) -> None:
        super().__init__(org_id, wire)
        self.content = content
        self.content_type = content_type


class Org:
    """An organization: its members, guests, groups, tags, folders, blueprints, runs, tasks,
    files and custom fields."""

    __slots__ = (
        "activity",
        "assets",
        "blueprints",
        "capture_values",
        "comments",
        "custom_field_keys",
        "custom_values",
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
        "watchers",
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
        self.assets: Collection[StoredFile] = Collection()
        self.custom_field_keys: Collection[Record] = Collection()
        #: Custom-field values of records whose payloads do not carry them (members,
        #: guests), by (kind, record id).
        self.custom_values: dict[tuple[str, str], Wire] = {}
        #: Organization-level webhook subscriptions, by integer id.
        self.watchers: dict[int, Wire] = {}
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


#: Titles of the tags Tallyfy makes itself, hidden from listings unless ``all=true``.
AUTO_GENERATED = re.compile(r"^(from|task|step):")


def tag_wire(tag_id: str, title: str, color: str, now: str) -> Wire:
    """A tag's fields."""
    return {
        "id": tag_id,
        "title": title,
        "color": color,
        "type": "public",
        "auto_generated": bool(AUTO_GENERATED.match(title)),
        "custom_fields": {},
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
        "custom_fields": {},
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


def asset_wire(
    asset_id: str, org_id: str, filename: str, subject: Wire, fields: Wire, now: str
) -> Wire:
    """A stored file's asset object (``url`` relative to the API root, as in field values)."""
    path = f"organizations/{org_id}/file/{asset_id}/dl"
    return {
        "id": asset_id,
        "filename": filename,
        "version": 1,
        "uploaded_from": fields.get("uploaded_from"),
        "uploaded_at": now,
        "step_id": fields.get("step_id"),
        "source": fields.get("source") or "local",
        "system": fields.get("system"),
        "uploaded_to_s3": True,
        "subject": subject,
        "url": path,
        "full_url": f"https://go.tallyfy.com/api/{path}",
        "archived_at": None,
    }


def custom_key_wire(key_id: str, fields: Wire, now: str) -> Wire:
    """A custom-field key's fields."""
    return {
        "id": key_id,
        "key": fields["key"],
        "applies_to": fields["applies_to"],
        "field_type": fields["field_type"],
        "key_type": fields.get("key_type") or "custom",
        "is_required": bool(fields.get("is_required", False)),
        "is_active": bool(fields.get("is_active", True)),
        "options": list(fields.get("options") or []),
        "columns": list(fields.get("columns") or []),
        "created_at": now,
        "last_updated": now,
    }
