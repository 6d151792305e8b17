"""Automations: a blueprint's if-then rules (``org.blueprints.automations``).

There is no route to read a rule: they arrive inline in ``Blueprint.automated_actions``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from tallyfy_async._routes import Route
from tallyfy_async._unset import UNSET, UnsetOr
from tallyfy_async.models.blueprints import Automation, AutomationAction, AutomationCondition
from tallyfy_async.resources._base import Resource
from tallyfy_async.resources._body import TEXT, Checked, Choice
from tallyfy_async.resources._checks import items, require

CREATE_AUTOMATION: Final = Route("POST", "/automated-actions")
UPDATE_AUTOMATION: Final = Route("PUT", "/automated-actions/{automation_id}")
DELETE_AUTOMATION: Final = Route("DELETE", "/automated-actions/{automation_id}")


def _conditions(name: str, value: Any) -> list[AutomationCondition]:
    conditions = items(name, value, AutomationCondition)
    if not conditions:
        raise ValueError(f"{name} must hold at least one AutomationCondition")
    for index, condition in enumerate(conditions):
        require(f"{name}[{index}].conditionable_id", condition.conditionable_id)
        require(f"{name}[{index}].operation", condition.operation)
    return conditions


def _actions(name: str, value: Any) -> list[AutomationAction]:
    actions = items(name, value, AutomationAction)
    if not actions:
        raise ValueError(f"{name} must hold at least one AutomationAction")
    for index, action in enumerate(actions):
        require(f"{name}[{index}].action_type", action.action_type)
    return actions


#: The fields of a rule; Tallyfy needs the whole rule on every write.
AUTOMATION_FIELDS: Final = {
    "conditions": Checked(function=_conditions),
    "then_actions": Checked(function=_actions),
    "automated_alias": TEXT,
    "condition_logic": Choice(choices=frozenset({"AND", "OR", "and", "or"})),
}


class Automations(Resource):
    """The if-then rules of blueprints (``org.blueprints.automations``).

    A rule's conditions name steps, form fields or kick-off fields; its actions show,
    hide, assign or set the deadline of steps. An :class:`Automation` does not say
    which blueprint it belongs to: methods acting on one take the blueprint's id first.
    """

    records = "/automated-actions/{automation_id}"
    model = Automation

    async def create(
        self,
        blueprint_id: str,
        /,
        *,
        conditions: Sequence[AutomationCondition],
        then_actions: Sequence[AutomationAction],
        automated_alias: UnsetOr[str] = UNSET,
        condition_logic: UnsetOr[str] = UNSET,
    ) -> Automation:
        """Add a rule: ``POST .../checklists/{blueprint_id}/automated-actions``.

        Args:
            blueprint_id: the blueprint's id.
            conditions: the "if" part (at least one).
            then_actions: the "then" part (at least one).
            automated_alias: the rule's name.
            condition_logic: ``AND`` or ``OR`` across the conditions.

        Returns:
            The new :class:`Automation`.

        Raises:
            TypeError, ValueError: a missing or malformed condition or action.
            ValidationError: Tallyfy refused the rule (422).
        """
        body = self._body(AUTOMATION_FIELDS, locals())
        return await self._item(
            CREATE_AUTOMATION, Automation, self._parent_ids(blueprint_id), json=body.json()
        )

    async def update(
        self,
        blueprint_id: str,
        automation_id: str | Automation,
        /,
        *,
        conditions: Sequence[AutomationCondition],
        then_actions: Sequence[AutomationAction],
        automated_alias: UnsetOr[str] = UNSET,
        condition_logic: UnsetOr[str] = UNSET,
    ) -> Automation:
        """Replace a rule: ``PUT .../automated-actions/{automation_id}``.

        Tallyfy needs the whole rule on every update: pass every condition and action
        (those of ``blueprint.automated_actions`` can be reused as they are).

        Args:
            blueprint_id: the blueprint's id.
            automation_id: the rule's id, or the :class:`Automation`.
            conditions: every condition of the rule.
            then_actions: every action of the rule.
            automated_alias: the rule's name.
            condition_logic: ``AND`` or ``OR``.

        Returns:
            The updated :class:`Automation`.

        Raises:
            TypeError, ValueError: a missing or malformed condition or action.
            NotFoundError: no such blueprint or rule.
            ValidationError: Tallyfy refused the rule (422).
        """
        body = self._body(AUTOMATION_FIELDS, locals())
        ids = self._ids(blueprint_id, automation_id)
        return await self._item(UPDATE_AUTOMATION, Automation, ids, json=body.json())

    async def delete(self, blueprint_id: str, automation_id: str | Automation, /) -> None:
        """Delete a rule: ``DELETE .../automated-actions/{automation_id}``.

        Args:
            blueprint_id: the blueprint's id.
            automation_id: the rule's id, or the :class:`Automation`.

        Raises:
            NotFoundError: no such blueprint or rule.
        """
        await self._send(DELETE_AUTOMATION, self._ids(blueprint_id, automation_id))
