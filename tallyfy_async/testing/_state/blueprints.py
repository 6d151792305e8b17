"""Blueprints (API: checklists), their steps, kick-off fields and form fields.

Kick-off fields live inline in ``wire["prerun"]``; a step's form fields (captures) live inline
in the step's ``wire["captures"]``; automations inline in ``wire["automated_actions"]``. Steps
are records of their own, read through ``with=steps``.
"""

from __future__ import annotations

import re
from typing import Any

from tallyfy_async.testing._state.records import Record, Wire

#: The ten types of api-v2's BaseCapture; one docs page adds five more the code does not know.
FIELD_TYPES = (
    "text",
    "textarea",
    "radio",
    "dropdown",
    "multiselect",
    "date",
    "email",
    "file",
    "table",
    "assignees_form",
)
BLUEPRINT_TYPES = ("procedure", "form", "document")


def alias_of(title: str, item_id: str) -> str:
    """A readable alias like the API's (slug of the title plus a short id)."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40]
    return f"{slug}-{item_id[:6]}" if slug else item_id[:12]


class Blueprint(Record):
    """A template; ``steps`` are kept in position order."""

    __slots__ = ("steps", "tags", "threads")

    def __init__(self, org_id: str, wire: Wire) -> None:
        super().__init__(org_id, wire)
        self.steps: list[Step] = []
        self.tags: list[Wire] = []
        self.threads: list[Any] = []

    def kickoff_fields(self) -> dict[str, Wire]:
        """Kick-off fields by timeline id."""
        return {field["id"]: field for field in self.wire["prerun"]}

    def step(self, step_id: str) -> Step | None:
        """One of the blueprint's steps."""
        for step in self.steps:
            if step.id == step_id:
                return step
        return None

    def renumber(self, now: str) -> None:
        """Give steps positions 1..n in list order and refresh ``steps_count``."""
        for position, step in enumerate(self.steps, start=1):
            if step.wire["position"] != position:
                step.update({"position": position}, now)
        self.update({"steps_count": len(self.steps)}, now)


class Step(Record):
    """A step of a blueprint; becomes one task per launched process."""

    __slots__ = ("blueprint",)

    def __init__(self, org_id: str, wire: Wire, blueprint: Blueprint) -> None:
        super().__init__(org_id, wire)
        self.blueprint = blueprint

    def captures(self) -> list[Wire]:
        """The step's form fields, in position order."""
        captures: list[Wire] = self.wire["captures"]
        return captures

    def capture(self, capture_id: str) -> Wire | None:
        """One form field of the step."""
        for capture in self.wire["captures"]:
            if capture["id"] == capture_id:
                return dict(capture)
        return None


def blueprint_wire(
    blueprint_id: str, increment_id: int, title: str, owner_id: int, now: str, **fields: Any
) -> Wire:
    """A new blueprint's fields; ``fields`` override."""
    wire: Wire = {
        "id": blueprint_id,
        "increment_id": increment_id,
        "title": title,
        "summary": None,
        "starred": False,
        "webhook": None,
        "explanation_video": None,
        "guidance": None,
        "icon": None,
        "alias": alias_of(title, blueprint_id),
        "folder_id": None,
        "prerun": [],
        "automated_actions": [],
        "created_by": owner_id,
        "owner_id": owner_id,
        "started_processes": 0,
        "kickoff_title": None,
        "kickoff_description": None,
        "created_at": now,
        "last_updated": now,
        "archived_at": None,
        "is_public": False,
        "is_featured": False,
        "users": [],
        "groups": [],
        "public_cover": None,
        "industry_tags": [],
        "topic_tags": [],
        "type": "procedure",
        "steps_count": 0,
        "status": "active",
        "default_process_name_format": None,
        "is_public_kickoff": False,
        "dual_version_enabled": False,
        "is_published_state": True,
        "auto_naming": False,
        "last_updated_by": owner_id,
        "folderize_process": False,
        "tag_process": False,
        "allow_launcher_change_name": True,
        "is_pinned": False,
        "ko_form_blueprint_id": None,
        "default_folder": None,
        "folder_changeable_by_launcher": False,
        "can_add_oot": False,
        "kickoff_sharing_user_id": None,
        "custom_fields": {},
    }
    wire.update(fields)
    return wire


def step_wire(
    step_id: str, checklist_id: str, title: str, position: int, now: str, **fields: Any
) -> Wire:
    """A new step's fields; ``fields`` override."""
    wire: Wire = {
        "id": step_id,
        "checklist_id": checklist_id,
        "title": title,
        "alias": alias_of(title, step_id),
        "summary": None,
        "step_type": "task",
        "position": position,
        "allow_guest_owners": False,
        "max_assignable": 0,
        "skip_start_process": False,
        "can_complete_only_assignees": False,
        "everyone_must_complete": False,
        "webhook": None,
        "start_date": None,
        "is_soft_start_date": False,
        "deadline": None,
        "bp_to_launch": None,
        "assignees": [],
        "guests": [],
        "groups": [],
        "captures": [],
        "prevent_guest_comment": False,
        "roles": [],
        "role_changes_every_time": False,
        "assign_run_starter": True,
        "top_secret": False,
        "send_chromeless": False,
        "tags": [],
        "custom_fields": {},
        "created_at": now,
        "last_updated": now,
        "archived_at": None,
    }
    wire.update(fields)
    return wire


def field_wire(
    field_id: str, owner_key: str, owner_id: str | None, definition: Wire, position: int, now: str
) -> Wire:
    """A kick-off field (``owner_key='checklist_id'``) or a step capture (``'step_id'``).

    ``definition`` is a body item already validated by ``_validate.capture_definition``.
    """
    label = definition["label"]
    return {
        "id": field_id,
        owner_key: owner_id,
        "alias": alias_of(label, field_id),
        "field_type": definition["field_type"],
        "label": label,
        "guidance": definition.get("guidance"),
        "position": definition.get("position") or position,
        "required": definition["required"],
        "options": definition.get("options") or [],
        "columns": definition.get("columns") or [],
        "default_value_enabled": bool(definition.get("default_value_enabled", False)),
        "default_value": definition.get("default_value"),
        "collect_time": bool(definition.get("collect_time", False)),
        "use_wysiwyg_editor": bool(definition.get("use_wysiwyg_editor", False)),
        "field_validation": definition.get("field_validation") or [],
        "prefix": definition.get("prefix"),
        "suffix": definition.get("suffix"),
        "settings": definition.get("settings") or {},
        "custom_fields": {},
        "created_at": now,
        "last_updated": now,
    }
