"""Validation shared by several routes: form-field values, form-field definitions and owners.

``form_values`` is api-v2's ``FormValuesValidator``: kick-off values on launch
(``prerun``) and task values (``taskdata``) go through the same code. ``capture_definition`` is
``CaptureRequestValidator``, used for step captures and kick-off fields alike.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from tallyfy_async.testing._dates import fmt, parse_request_date
from tallyfy_async.testing._fields import EMAIL, Fields, is_blank, is_int
from tallyfy_async.testing._http import invalid_field, invalid_first
from tallyfy_async.testing._state import Org, Wire
from tallyfy_async.testing._state.blueprints import FIELD_TYPES

#: Text limits from the docs (Tallyfy's migrator says 255/6000 instead).
TEXT_MAX = 200
TEXTAREA_MAX = 30_000


class FieldValueError(Exception):
    """A value does not fit its field; the text is the API's message."""


def form_values(
    fields: Mapping[str, Wire],
    values: object,
    *,
    key: str,
    org: Org,
    require: bool,
) -> dict[str, Any]:
    """Check values keyed by field timeline id; return the ones to store.

    Unknown keys are dropped. A list is refused unless empty, as on launch; ``None`` and ``[]``
    mean nothing was sent. Blank values clear a field and are
    returned as ``None``. With ``require``, a required field left blank is a 422 whose message
    is "<label> is required", under ``errors["<key>.<id>"]``.
    """
    if values is None or values == []:
        values = {}
    if not isinstance(values, dict):
        raise invalid_field(key, f"The {key} must be an object keyed by form field id.")
    clean: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for field_id, value in values.items():
        field = fields.get(field_id)
        if field is None:
            continue
        if is_blank(value):
            clean[field_id] = None
            continue
        try:
            clean[field_id] = check_value(field, value, org)
        except FieldValueError as refused:
            errors[f"{key}.{field_id}"] = [str(refused)]
    if require:
        for field_id, field in fields.items():
            if field["required"] and clean.get(field_id) is None:
                errors.setdefault(f"{key}.{field_id}", [f"{field['label']} is required"])
    if errors:
        raise invalid_first(errors)
    return clean


def missing_required(
    fields: list[Wire], values: Mapping[str, Any], key: str
) -> dict[str, list[str]]:
    """Errors for required fields without a value (task completion)."""
    return {
        f"{key}.{field['id']}": [f"{field['label']} is required"]
        for field in fields
        if field["required"] and is_blank(values.get(field["id"]))
    }


def check_value(field: Wire, value: Any, org: Org) -> Any:
    """One non-blank value checked against its field; the value to store.

    Raises :class:`FieldValueError` with the API's message.
    """
    field_type = field["field_type"]
    label = field["label"]
    if field_type in ("text", "textarea"):
        if not isinstance(value, str):
            raise FieldValueError(f"{label} must be a string")
        limit = TEXT_MAX if field_type == "text" else TEXTAREA_MAX
        if len(value) > limit:
            raise FieldValueError(f"{label} may not be greater than {limit} characters")
        return value
    if field_type == "email":
        if not isinstance(value, str) or not EMAIL.match(value):
            raise FieldValueError(f"{label} must be a valid email address")
        return value
    if field_type == "date":
        moment = parse_request_date(value)
        if moment is None:
            raise FieldValueError(f"{label} is not a valid date")
        return fmt(moment)
    if field_type == "radio":
        if not isinstance(value, str) or value not in {o["text"] for o in field["options"]}:
            raise FieldValueError("Invalid radio choice selected.")
        return value
    if field_type == "dropdown":
        option = _option(field, value)
        if option is None:
            raise FieldValueError("Invalid dropdown choice selected.")
        return {"id": option["id"], "text": option["text"], "value": None}
    if field_type == "multiselect":
        return _multiselect(field, value)
    if field_type == "table":
        return _table(field, value)
    if field_type == "assignees_form":
        return _assignees(value, org)
    if field_type == "file":
        if not isinstance(value, list) or not all(
            isinstance(asset, dict) and isinstance(asset.get("id"), str) for asset in value
        ):
            raise FieldValueError("Invalid file field")
        return value
    raise FieldValueError(f"{label} has an unknown field type")


def _option(field: Wire, value: Any) -> Wire | None:
    if not isinstance(value, dict) or not is_int(value.get("id")):
        return None
    for option in field["options"]:
        if option["id"] == value["id"] and option["text"] == value.get("text"):
            return dict(option)
    return None


def _multiselect(field: Wire, value: Any) -> list[Wire]:
    if not isinstance(value, list):
        raise FieldValueError("Invalid multiselect choice selected.")
    chosen = []
    for item in value:
        option = _option(field, item)
        if option is None:
            raise FieldValueError("Invalid multiselect choice selected.")
        # Stored without "selected": true it renders blank in {{variables}}.
        chosen.append(
            {
                "id": option["id"],
                "text": option["text"],
                "value": None,
                "selected": bool(item.get("selected", False)),
            }
        )
    return chosen


def _table(field: Wire, value: Any) -> list[Any]:
    if not isinstance(value, list) or not all(
        isinstance(cell, str | int | float) and not isinstance(cell, bool) for cell in value
    ):
        raise FieldValueError("Invalid table field")
    if len(value) != len(field["columns"]):
        raise FieldValueError("Number of columns does not match required columns")
    return list(value)


def _assignees(value: Any, org: Org) -> Wire:
    if not isinstance(value, dict):
        raise FieldValueError("Invalid assignees selected.")
    fields = Fields(value)
    owners = owners_from(fields, org, buckets=value.keys())
    if fields.errors:
        raise FieldValueError("Invalid assignees selected.")
    return owners


def owners_from(
    fields: Fields, org: Org, *, buckets: Collection[str] = ("users", "guests", "groups")
) -> Wire:
    """``{users, guests, groups}`` from a body; a bucket not sent is empty.

    Users must be members and groups must exist; guests need a valid email (an unknown one
    becomes a guest when the owners are stored, as assigning one does in Tallyfy).
    """
    users = fields.known("users", org.members, integers=True) if "users" in buckets else []
    guests = fields.emails("guests") if "guests" in buckets else []
    groups = fields.known("groups", org.groups.by_id) if "groups" in buckets else []
    return {
        "users": list(dict.fromkeys(users)),
        "guests": list(dict.fromkeys(guests)),
        "groups": list(dict.fromkeys(groups)),
    }


def owners_in(fields: Fields, key: str, org: Org, *, required: bool = False) -> Wire | None:
    """The owners object under ``key`` (``None`` when not sent); errors read "owners.users.0"."""
    raw = fields.obj(key, required=required)
    return None if raw is None else owners_from(fields.child(raw, key), org)


def capture_definition(item: object, prefix: str, errors: dict[str, list[str]]) -> Wire | None:
    """A form-field definition checked as ``CaptureRequestValidator`` does.

    Errors go into ``errors`` under ``prefix + field``; returns the definition when valid.
    """
    fields = Fields(item, prefix)
    label = fields.string("label", required=True)
    field_type = fields.choice("field_type", FIELD_TYPES, required=True)
    required = fields.boolean("required", required=True)
    position = fields.integer("position")
    definition: Wire = {"label": label, "field_type": field_type, "required": required}
    if position is not None:
        definition["position"] = position
    for optional in (
        "guidance",
        "default_value",
        "default_value_enabled",
        "collect_time",
        "use_wysiwyg_editor",
        "field_validation",
        "prefix",
        "suffix",
        "settings",
    ):
        if fields.has(optional):
            definition[optional] = fields.body[optional]
    if field_type in ("radio", "dropdown", "multiselect"):
        definition["options"] = _choices(
            fields, "options", "text", 2 if field_type == "radio" else 1
        )
    if field_type == "table":
        definition["columns"] = _choices(fields, "columns", "label", 1)
    for key, texts in fields.errors.items():
        errors.setdefault(key, []).extend(texts)
    return None if fields.errors else definition


def _choices(fields: Fields, key: str, text_key: str, minimum: int) -> list[Wire]:
    items = fields.array(key, required=True)
    if items is None:
        return []
    if len(items) < minimum:
        fields.fail(key, f"The {key} must have at least {minimum} items.")
        return []
    clean = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            fields.fail(f"{key}.{index}", f"The {key}.{index} must be an object.")
            continue
        if not is_int(item.get("id")):
            fields.fail(f"{key}.{index}.id", f"The {key}.{index}.id must be an integer.")
        if not isinstance(item.get(text_key), str) or not item[text_key]:
            fields.fail(
                f"{key}.{index}.{text_key}", f"The {key}.{index}.{text_key} field is required."
            )
        clean.append({"id": item.get("id"), text_key: item.get(text_key)})
    return clean
