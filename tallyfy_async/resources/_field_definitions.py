"""Checking form-field definitions before they are sent.

Everything here runs before a request is built, and every error names the field
(``options[1].id``, ``prerun[0].label``), so a bad call fails loudly and sends nothing.
Form-field definitions are checked as api-v2's ``CaptureRequestValidator`` checks them
(catalogue §15.3); step captures, kick-off fields (``prerun``) and the fields of a
one-off task share the rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from tallyfy_async.models.form_fields import FieldColumn, FieldOption, FieldType, FormField
from tallyfy_async.resources._payload import UNSET, at_least, expect, items, one_of, require

FIELD_TYPES: Final = frozenset(member.value for member in FieldType)
_CHOICE_TYPES: Final = {"radio": 2, "dropdown": 1, "multiselect": 1}

#: Keys a form-field definition may carry (the capture body, catalogue §15.3), plus ``id``
#: for a kick-off field that already exists.
DEFINITION_KEYS: Final = (
    "field_type",
    "label",
    "required",
    "guidance",
    "position",
    "options",
    "columns",
    "default_value",
    "default_value_enabled",
    "collect_time",
    "use_wysiwyg_editor",
    "field_validation",
    "prefix",
    "suffix",
    "settings",
)


def capture_definition(
    *,
    field_type: FieldType | str | Any = UNSET,
    label: str | Any = UNSET,
    required: bool | Any = UNSET,
    guidance: str | Any | None = UNSET,
    position: int | Any = UNSET,
    options: Sequence[FieldOption | Mapping[str, Any]] | Any = UNSET,
    columns: Sequence[FieldColumn | Mapping[str, Any]] | Any = UNSET,
    default_value: Any = UNSET,
    default_value_enabled: bool | Any = UNSET,
    collect_time: bool | Any = UNSET,
    use_wysiwyg_editor: bool | Any = UNSET,
    field_validation: str | Sequence[str] | Any | None = UNSET,
    prefix: str | Any | None = UNSET,
    suffix: str | Any | None = UNSET,
    settings: Mapping[str, Any] | Any | None = UNSET,
    where: str = "",
) -> dict[str, Any]:
    """A form-field body checked like ``CaptureRequestValidator``; UNSET values stay UNSET.

    ``where`` prefixes field names in errors (``"prerun[2]."``).

    Raises:
        TypeError: a value of the wrong type.
        ValueError: a missing label, field type or ``required``, an unknown field type,
            too few options, options or columns on a field type that has none.
    """
    require(where + "label", label)
    expect(where + "label", label, str)
    require(where + "field_type", field_type)
    kind = one_of(where + "field_type", field_type, FIELD_TYPES)
    if required is UNSET or required is None:
        raise ValueError(
            f"{where}required must be given (True or False): Tallyfy refuses a form field "
            "without it"
        )
    expect(where + "required", required, bool)
    expect(where + "guidance", guidance, str, nullable=True)
    at_least(where + "position", position, 1)
    for name, flag in (
        ("default_value_enabled", default_value_enabled),
        ("collect_time", collect_time),
        ("use_wysiwyg_editor", use_wysiwyg_editor),
    ):
        expect(where + name, flag, bool)
    if isinstance(field_validation, str):
        pass
    elif field_validation is not UNSET and field_validation is not None:
        field_validation = items(where + "field_validation", field_validation, str)
    expect(where + "prefix", prefix, str, nullable=True)
    expect(where + "suffix", suffix, str, nullable=True)
    expect(where + "settings", settings, Mapping, nullable=True)
    if default_value is not UNSET and not _is_json(default_value):
        raise TypeError(
            f"{where}default_value must be JSON data (str, number, bool, list, dict or None), "
            f"got {type(default_value).__name__}"
        )
    return {
        "field_type": kind,
        "label": label,
        "required": required,
        "guidance": guidance,
        "position": position,
        "options": _choices(where, "options", "text", options, kind, FieldOption),
        "columns": _choices(where, "columns", "label", columns, kind, FieldColumn),
        "default_value": default_value,
        "default_value_enabled": default_value_enabled,
        "collect_time": collect_time,
        "use_wysiwyg_editor": use_wysiwyg_editor,
        "field_validation": field_validation,
        "prefix": prefix,
        "suffix": suffix,
        "settings": settings,
    }


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
        definition = capture_definition(**fields, where=where)
        if field_id is not UNSET:
            definition = {"id": field_id, **definition}
        definitions.append({k: v for k, v in definition.items() if v is not UNSET})
    return definitions
