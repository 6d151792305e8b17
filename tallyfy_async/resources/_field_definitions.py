"""Checking form-field definitions before they are sent.

Form-field definitions are checked as api-v2's ``CaptureRequestValidator`` checks them;
step captures, kick-off fields (a blueprint's ``prerun``) and the fields of a one-off
task share the rules. Every error names the field (``options[1].id``,
``prerun[0].label``), so a bad call fails loudly and sends nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any, Final

from tallyfy_async._serde import Converter
from tallyfy_async._unset import UNSET
from tallyfy_async.models.form_fields import FieldColumn, FieldOption, FieldType, FormField
from tallyfy_async.resources import _kinds as kinds
from tallyfy_async.resources._body import Body
from tallyfy_async.resources._checks import expect, items, require

FIELD_TYPES: Final = frozenset(member.value for member in FieldType)
_CHOICE_TYPES: Final = {"radio": 2, "dropdown": 1, "multiselect": 1}


def _json(name: str, value: Any) -> Any:
    if not _is_json(value):
        raise TypeError(
            f"{name} must be JSON data (str, number, bool, list, dict or None), "
            f"got {type(value).__name__}"
        )
    return value


def _rules(name: str, value: Any) -> Any:
    """Laravel validation rules: one string (``"numeric|min:0"``) or a list of them."""
    if value is None or isinstance(value, str):
        return value
    return items(name, value, str)


#: The fields of a form-field definition (a capture's create and update body).
CAPTURE_FIELDS: Final = {
    "field_type": kinds.Choice(choices=FIELD_TYPES, required=True),
    "label": kinds.Text(required=True),
    "required": kinds.Flag(required=True, why="Tallyfy refuses a form field without it"),
    "guidance": kinds.TEXT_OR_NONE,
    "position": kinds.Int(minimum=1),
    # kinds.Checked against the field type, once it is known.
    "options": kinds.APART,
    "columns": kinds.APART,
    "default_value": kinds.Checked(function=_json),
    "default_value_enabled": kinds.FLAG,
    "collect_time": kinds.FLAG,
    "use_wysiwyg_editor": kinds.FLAG,
    "field_validation": kinds.Checked(function=_rules),
    "prefix": kinds.TEXT_OR_NONE,
    "suffix": kinds.TEXT_OR_NONE,
    "settings": kinds.Instance(types=Mapping, nullable=True),
}
#: Keys a form-field definition may carry.
DEFINITION_KEYS: Final = tuple(CAPTURE_FIELDS)


def capture_definition(
    values: Mapping[str, Any], converter: Converter | None = None, where: str = ""
) -> Body:
    """A form-field definition's body, checked like ``CaptureRequestValidator``.

    ``where`` prefixes names in errors (``"prerun[2]."``).

    Raises:
        TypeError: a value of the wrong type, or a key that is no field.
        ValueError: a missing label, field type or ``required``, an unknown field type,
            too few options, options or columns on a field type that has none.
    """
    body = Body(converter, where=where)
    body.put_all(CAPTURE_FIELDS, values)
    kind = body["field_type"]
    choice_keys = (("options", "text", FieldOption), ("columns", "label", FieldColumn))
    for key, text_key, model in choice_keys:
        choices = _choices(where, key, text_key, values.get(key, UNSET), kind, model)
        if choices is not UNSET:
            body[key] = choices
    return body


def _choices(
    where: str,
    key: str,
    text_key: str,
    values: Any,
    kind: str,
    model: type[FieldOption] | type[FieldColumn],
) -> Any:
    """Options (``key="options"``) or columns (``"columns"``) as ``[{id, text|label}]``."""
    name = where + key
    if key == "options":
        minimum = _CHOICE_TYPES.get(kind)
        needs = "radio, dropdown and multiselect fields"
    else:
        minimum = 1 if kind == "table" else None
        needs = "table fields"
    if minimum is None:
        if values is UNSET or values is None or (isinstance(values, Sequence) and not values):
            return UNSET
        raise ValueError(f"{name} only apply to {needs}, not to a {kind} field")
    if values is UNSET or values is None:
        raise ValueError(f"{name} are required for a {kind} field (at least {minimum})")
    listed = items(name, values, (model, Mapping))
    if len(listed) < minimum:
        raise ValueError(f"{name}: a {kind} field needs at least {minimum}, got {len(listed)}")
    clean: list[dict[str, Any]] = []
    seen: set[int] = set()
    allowed = ("id", text_key, "value") if key == "options" else ("id", text_key)
    for index, value in enumerate(listed):
        at = f"{name}[{index}]"
        if isinstance(value, Mapping):
            unknown = sorted(set(value) - set(allowed))
            if unknown:
                raise TypeError(f"{at} has unknown keys {unknown}; allowed: {', '.join(allowed)}")
            entry = dict(value)
        else:
            entry = {k: getattr(value, k) for k in allowed}
        if "id" not in entry or entry["id"] is None:
            raise ValueError(f"{at}.id is required (an integer)")
        expect(at + ".id", entry["id"], int)
        require(f"{at}.{text_key}", entry.get(text_key))
        expect(f"{at}.{text_key}", entry[text_key], str)
        if entry["id"] in seen:
            raise ValueError(f"{at}.id {entry['id']} is used twice in {name}")
        seen.add(entry["id"])
        wire = {"id": entry["id"], text_key: entry[text_key]}
        if entry.get("value") is not None:
            wire["value"] = entry["value"]
        clean.append(wire)
    return clean


def _is_json(value: Any) -> bool:
    if value is None or isinstance(value, str | int | float | bool):
        return True
    if isinstance(value, Mapping):
        return all(isinstance(k, str) and _is_json(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return all(_is_json(v) for v in value)
    return False


def form_field_definitions(field: str, values: Any, *, keep_existing: bool) -> list[dict[str, Any]]:
    """Form-field definitions, checked: a blueprint's ``prerun`` or a one-off task's fields.

    Each item is a mapping with the keys of a form-field body (``label``, ``field_type``,
    ``required``, ...) or a :class:`FormField` read from Tallyfy.

    Args:
        field: the argument's name, for errors (``prerun[2].label``).
        keep_existing: the items replace a blueprint's kick-off fields. An item may then
            carry the ``id`` of an existing field to keep it (a :class:`FormField` keeps
            its own), and a read field is sent back as read. Otherwise every item is a new
            field, and a read one is copied without its id and without what it has empty.

    Raises:
        TypeError, ValueError: naming ``<field>[i].<key>``.
    """
    allowed = ("id", *DEFINITION_KEYS) if keep_existing else DEFINITION_KEYS
    # A read gives [] for what a field does not have. Choices are never sent empty (a
    # field type without them refuses them); a copy leaves out every empty list.
    left_out_empty = ("options", "columns") if keep_existing else allowed
    definitions = []
    for index, value in enumerate(items(field, values, (FormField, Mapping))):
        where = f"{field}[{index}]."
        if isinstance(value, FormField):
            fields = {
                key: read
                for key in allowed
                if (read := getattr(value, key)) is not None
                and not (key in left_out_empty and read == [])
            }
        else:
            unknown = sorted(set(value) - set(allowed), key=str)
            if unknown:
                noun = "a kick-off field" if keep_existing else "a form field"
                raise TypeError(
                    f"{field}[{index}] has unknown keys {unknown}; {noun} takes "
                    f"{', '.join(allowed)}"
                )
            fields = dict(value)
        field_id = fields.pop("id", UNSET)
        expect(where + "id", field_id, str)
        definition = capture_definition(fields, where=where).values()
        if field_id is not UNSET:
            definition = {"id": field_id, **definition}
        definitions.append(definition)
    return definitions


#: A one-off task's form fields: every item is a new field.
NEW_FIELDS: Final = kinds.Checked(function=partial(form_field_definitions, keep_existing=False))
#: A blueprint's kick-off fields (``prerun``): an item may keep an existing field's id.
KICKOFF_FIELDS: Final = kinds.Checked(function=partial(form_field_definitions, keep_existing=True))
