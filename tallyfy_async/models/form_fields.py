"""Form fields: step captures and kick-off (``prerun``) fields share one shape."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from tallyfy_async._serde import OpenStrEnum
from tallyfy_async.models._base import Model


class FieldType(OpenStrEnum):
    """``field_type`` of a form field (api-v2 ``BaseCapture::$field_types``)."""

    TEXT = "text"
    TEXTAREA = "textarea"
    RADIO = "radio"
    DROPDOWN = "dropdown"
    MULTISELECT = "multiselect"
    DATE = "date"
    EMAIL = "email"
    FILE = "file"
    TABLE = "table"
    ASSIGNEES = "assignees_form"


@attrs.frozen(kw_only=True)
class FieldOption(Model):
    """A choice of a radio, dropdown or multiselect field (integer ``id``)."""

    id: int
    text: str
    value: Any = None


@attrs.frozen(kw_only=True)
class FieldColumn(Model):
    """A column of a table field (integer ``id``)."""

    id: int
    label: str


@attrs.frozen(kw_only=True)
class FormField(Model):
    """A form field: a capture on a step, or a kick-off field of a blueprint.

    Its ``id`` is the *timeline id*: the key of ``taskdata`` and ``prerun`` values.

    Attributes:
        id: timeline id (32-hex).
        label: what the form shows.
        field_type: one of :class:`FieldType` (unknown types pass through).
        required: whether a value is needed to launch or complete.
        alias: a stable name set in the template editor.
        options: choices (radio, dropdown, multiselect).
        columns: columns (table).
        field_value: the stored answer, on reads with ``with=form_fields``.
        custom_fields: the field's custom-field values, as Tallyfy sends them (typed ones
            come from ``org.custom_fields.form_fields`` or ``.kickoff_fields``).
    """

    id: str
    label: str | None = None
    field_type: FieldType | None = None
    required: bool | None = None
    alias: str | None = None
    guidance: str | None = None
    position: int | None = None
    options: list[FieldOption] = attrs.Factory(list)
    columns: list[FieldColumn] = attrs.Factory(list)
    step_id: str | None = None
    checklist_id: str | None = None
    default_value: Any = None
    default_value_enabled: bool | None = None
    collect_time: bool | None = None
    use_wysiwyg_editor: bool | None = None
    field_validation: Any = None
    prefix: str | None = None
    suffix: str | None = None
    settings: Any = None
    field_value: Any = None
    custom_fields: dict[str, Any] | None = None
    created_at: datetime | None = None
    last_updated: datetime | None = None
