"""Creating and changing blueprints, their kick-off fields, steps and captures."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tallyfy_async.testing._state import Blueprint, Org, Step, Wire, new_id
from tallyfy_async.testing._state.blueprints import blueprint_wire, field_wire, step_wire


def create_blueprint(
    org: Org,
    owner_id: int,
    now: str,
    *,
    title: str,
    fields: Wire | None = None,
    kickoff: Sequence[Wire] = (),
    steps: Sequence[Wire] = (),
) -> Blueprint:
    """A new blueprint with checked kick-off field definitions and step bodies."""
    blueprint_id = new_id()
    wire = blueprint_wire(
        blueprint_id, org.next_increment("blueprint"), title, owner_id, now, **(fields or {})
    )
    blueprint = Blueprint(org.id, wire)
    set_kickoff(blueprint, kickoff, now)
    for step in steps:
        step = dict(step)
        captures = step.pop("captures", [])
        added = add_step(blueprint, now, step.pop("title"), step)
        for capture in captures:
            add_capture(added, capture, now)
    org.blueprints.add(blueprint)
    return blueprint


def set_kickoff(blueprint: Blueprint, definitions: Sequence[Wire], now: str) -> None:
    """Replace the kick-off fields; a definition naming an existing field's ``id`` keeps it."""
    existing = blueprint.kickoff_fields()
    fields = []
    for position, definition in enumerate(definitions, start=1):
        field_id = definition.get("id")
        old = existing.get(field_id) if isinstance(field_id, str) else None
        field = field_wire(
            old["id"] if old else new_id(), "checklist_id", blueprint.id, definition, position, now
        )
        if old is not None:
            field["created_at"] = old["created_at"]
            field["alias"] = old["alias"]
            field["custom_fields"] = old.get("custom_fields") or {}
        fields.append(field)
    blueprint.update({"prerun": fields}, now)


def add_step(blueprint: Blueprint, now: str, title: str, fields: Wire) -> Step:
    """Append a step (the API ignores a requested position on create)."""
    fields = {key: value for key, value in fields.items() if key not in ("position", "captures")}
    step_id = new_id()
    step = Step(
        blueprint.org_id,
        step_wire(step_id, blueprint.id, title, len(blueprint.steps) + 1, now, **fields),
        blueprint,
    )
    blueprint.steps.append(step)
    blueprint.update({"steps_count": len(blueprint.steps)}, now)
    return step


def add_capture(step: Step, definition: Wire, now: str) -> Wire:
    """Add a checked form-field definition to a step."""
    captures = step.captures()
    capture = field_wire(new_id(), "step_id", step.id, definition, len(captures) + 1, now)
    place_capture(step, capture, definition.get("position"), now)
    return capture


def place_capture(step: Step, capture: Wire, position: Any, now: str) -> None:
    """Put a capture into a step at ``position`` (1-based; the end when absent)."""
    captures = [c for c in step.captures() if c["id"] != capture["id"]]
    index = (
        len(captures) if not isinstance(position, int) else max(0, min(position - 1, len(captures)))
    )
    captures.insert(index, capture)
    renumbered = []
    for number, item in enumerate(captures, start=1):
        if item["position"] != number:
            item = {**item, "position": number, "step_id": step.id}
        renumbered.append(item)
    step.update({"captures": renumbered}, now)
    step.blueprint.update({}, now)


def remove_capture(step: Step, capture_id: str, now: str) -> None:
    """Delete a capture from a step and renumber the rest."""
    captures = [c for c in step.captures() if c["id"] != capture_id]
    step.update({"captures": [{**c, "position": n} for n, c in enumerate(captures, start=1)]}, now)
    step.blueprint.update({}, now)


_NOT_COPIED = frozenset(
    (
        "id", "increment_id", "alias", "title", "prerun", "automated_actions", "created_at",
        "last_updated", "archived_at", "started_processes", "steps_count", "created_by",
        "owner_id", "last_updated_by", "checklist_id", "position", "captures",
    )
)  # fmt: skip


def clone_blueprint(org: Org, source: Blueprint, owner_id: int, title: str, now: str) -> Blueprint:
    """A copy of a blueprint with new ids for it, its steps and its fields."""
    fields = {key: value for key, value in source.wire.items() if key not in _NOT_COPIED}
    kickoff = [
        {key: value for key, value in f.items() if key != "id"} for f in source.wire["prerun"]
    ]
    clone = create_blueprint(org, owner_id, now, title=title, fields=fields, kickoff=kickoff)
    for step in source.steps:
        copy_step(clone, step, now)
    return clone


def copy_step(target: Blueprint, step: Step, now: str) -> Step:
    """A copy of a step and its captures, appended to ``target``."""
    fields = {key: value for key, value in step.wire.items() if key not in _NOT_COPIED}
    copy = add_step(target, now, step.wire["title"], fields)
    for capture in step.captures():
        add_capture(copy, capture, now)
    return copy
