"""Custom fields: keys an administrator defines, and the values records hold for them.

Custom fields are metadata about a record (a cost center on a process, a region on a
guest), not the form fields people fill in inside a task.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from tallyfy_async._serde import OpenStrEnum
from tallyfy_async.models._base import Model


class CustomFieldType(OpenStrEnum):
    """The type of a key's values; it cannot change once the key exists."""

    TEXT = "text"
    TEXTAREA = "textarea"
    NUMBER = "number"
    BOOLEAN = "boolean"
    DATE = "date"
    EMAIL = "email"
    URL = "url"
    RADIO = "radio"
    DROPDOWN = "dropdown"
    MULTISELECT = "multiselect"
    TABLE = "table"


class AppliesTo(OpenStrEnum):
    """The kind of record a key applies to."""

    PROCESS = "process"
    TASK = "task"
    MEMBER = "member"
    GUEST = "guest"
    FOLDER = "folder"
    TAG = "tag"
    BLUEPRINT = "template"
    STEP = "step"
    FORM_FIELD = "capture"
    KICKOFF_FIELD = "prerun"


class KeyType(OpenStrEnum):
    """``custom`` keys are the organization's; ``system`` keys are Tallyfy's own: their
    values can be read, never written or removed."""

    CUSTOM = "custom"
    SYSTEM = "system"


@attrs.frozen(kw_only=True)
class CustomFieldKey(Model):
    """A custom-field key: the name, type and rules of one kind of value.

    ``key``, ``applies_to``, ``field_type`` and ``key_type`` never change after creation;
    ``is_required`` and ``is_active`` may.

    Attributes:
        id: the key's id.
        key: its name, the key of the values (``cost_center``).
        applies_to: the :class:`AppliesTo` kind of record.
        field_type: the :class:`CustomFieldType` of its values.
        key_type: :class:`KeyType` (``system`` keys are read-only).
        is_required: a replace of a record's values must give it.
        is_active: whether it is in use.
        options: the choices of a radio, dropdown or multiselect key.
        columns: the columns of a table key.
    """

    id: str
    key: str
    applies_to: AppliesTo | None = None
    field_type: CustomFieldType | None = None
    key_type: KeyType | None = None
    is_required: bool | None = None
    is_active: bool | None = None
    # Left out of the hash: a key stands as a dict key in ``values={key: ...}``.
    options: list[Any] = attrs.field(factory=list, hash=False)
    columns: list[Any] = attrs.field(factory=list, hash=False)
    created_at: datetime | None = None
    last_updated: datetime | None = None

    @property
    def choices(self) -> list[str]:
        """The options' texts (an option is a text, or an object with ``text``)."""
        return [_text(option, "text") for option in self.options]

    @property
    def column_names(self) -> list[str]:
        """The columns' names (a column is a name, or an object with ``label``)."""
        return [_text(column, "label") for column in self.columns]


def _text(item: Any, name: str) -> str:
    if isinstance(item, dict):
        return str(item.get(name, item.get("text", item.get("label", ""))))
    return str(item)


__all__ = ["AppliesTo", "CustomFieldKey", "CustomFieldType", "KeyType"]
