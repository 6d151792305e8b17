"""Automations (if-then rules), stored inline on the blueprint."""

from __future__ import annotations

from typing import Any

from tallyfy_async.testing._context import Ctx
from tallyfy_async.testing._fields import Fields
from tallyfy_async.testing._http import Reply, data, empty, not_found
from tallyfy_async.testing._router import RouteTable
from tallyfy_async.testing._state import Blueprint, Wire, new_id
from tallyfy_async.testing.routes._common import blueprint_of

routes = RouteTable()

_BASE = "/organizations/{org}/checklists/{checklist_id}/automated-actions"


def _known_ids(blueprint: Blueprint) -> set[str]:
    """Steps, captures and kick-off fields a rule may refer to."""
    ids = {step.id for step in blueprint.steps}
    ids.update(capture["id"] for step in blueprint.steps for capture in step.captures())
    ids.update(field["id"] for field in blueprint.wire["prerun"])
    return ids


def _items(
    fields: Fields, key: str, required: tuple[str, ...], refs: dict[str, set[str]]
) -> list[Wire]:
    """Conditions or actions: objects with their required keys and known references."""
    items = fields.array(key, required=True) or []
    if fields.has(key) and not items:
        fields.fail(key, f"The {key} field is required.")
    clean = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            fields.fail(f"{key}.{index}", f"The {key}.{index} must be an object.")
            continue
        for name in required:
            if item.get(name) in (None, ""):
                fields.fail(f"{key}.{index}.{name}", f"The {key}.{index}.{name} field is required.")
        for name, known in refs.items():
            if item.get(name) is not None and item[name] not in known:
                fields.fail(
                    f"{key}.{index}.{name}", f"The selected {key}.{index}.{name} is invalid."
                )
        clean.append(
            {"id": item.get("id") or new_id(), **item, "position": item.get("position", index + 1)}
        )
    return clean


def _rule(ctx: Ctx, blueprint: Blueprint, rule_id: str, created_at: str) -> Wire:
    fields = Fields(ctx.body)
    known = _known_ids(blueprint)
    steps = {step.id for step in blueprint.steps}
    conditions = _items(
        fields, "conditions", ("conditionable_id", "operation"), {"conditionable_id": known}
    )
    actions = _items(fields, "then_actions", ("action_type",), {"target_step_id": steps})
    alias = fields.string("automated_alias", max_len=250)
    logic = fields.choice("condition_logic", ("AND", "OR", "and", "or")) or "AND"
    fields.check()
    return {
        "id": rule_id,
        "automated_alias": alias,
        "condition_logic": logic.upper(),
        "conditions": conditions,
        "then_actions": actions,
        "created_at": created_at,
        "last_updated": ctx.now,
        "archived_at": None,
    }


def _store(blueprint: Blueprint, rules: list[Any], now: str) -> None:
    blueprint.update({"automated_actions": rules}, now)


@routes.post(_BASE, "automations.create")
def create_rule(ctx: Ctx) -> Reply:
    """Add an automation: ``conditions`` and ``then_actions`` are required."""
    blueprint = blueprint_of(ctx, archived=False)
    rule = _rule(ctx, blueprint, new_id(), ctx.now)
    _store(blueprint, [*blueprint.wire["automated_actions"], rule], ctx.now)
    return data(rule)


def _find(ctx: Ctx, blueprint: Blueprint) -> Wire:
    for rule in blueprint.wire["automated_actions"]:
        if rule["id"] == ctx.params["automation_id"]:
            return dict(rule)
    raise not_found()


@routes.put(f"{_BASE}/{{automation_id}}", "automations.update")
def update_rule(ctx: Ctx) -> Reply:
    """Replace an automation (the full conditions and actions are required every time)."""
    blueprint = blueprint_of(ctx, archived=False)
    old = _find(ctx, blueprint)
    rule = _rule(ctx, blueprint, old["id"], old["created_at"])
    _store(
        blueprint,
        [rule if r["id"] == old["id"] else r for r in blueprint.wire["automated_actions"]],
        ctx.now,
    )
    return data(rule)


@routes.delete(f"{_BASE}/{{automation_id}}", "automations.delete", status=204)
def delete_rule(ctx: Ctx) -> Reply:
    """Delete an automation."""
    blueprint = blueprint_of(ctx, archived=False)
    old = _find(ctx, blueprint)
    _store(
        blueprint, [r for r in blueprint.wire["automated_actions"] if r["id"] != old["id"]], ctx.now
    )
    return empty(204)
