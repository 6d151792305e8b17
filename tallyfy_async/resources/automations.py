"""Automations: a blueprint's if-then rules (``org.blueprints.automations``).

There is no route to read a rule: they arrive inline in ``Blueprint.automated_actions``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import attrs

from tallyfy_async._routes import Route
from tallyfy_async._unset import UNSET, UnsetOr
from tallyfy_async.models._base import Model
from tallyfy_async.models.blueprints import (
    Automation,
    AutomationAction,
    AutomationCondition,
    Blueprint,
)
from tallyfy_async.resources import _kinds as kinds
from tallyfy_async.resources._base import Resource
from tallyfy_async.resources._checks import items, require

CREATE_AUTOMATION: Final = Route("POST", "/automated-actions")
UPDATE_AUTOMATION: Final = Route("PUT", "/automated-actions/{automation_id}")
DELETE_AUTOMATION: Final = Route("DELETE", "/automated-actions/{automation_id}")


@attrs.frozen(kw_only=True)
class _Parts(kinds.Kind):
    """A non-empty list of ``model`` (conditions or actions), each with ``needs`` set."""

    model: type[Model]
    needs: tuple[str, ...]

    def check(self, name: str, value: Any) -> Any:
        parts = items(name, value, self.model)
        if not parts:
            raise ValueError(f"{name} must hold at least one {self.model.__name__}")
        for index, part in enumerate(parts):
            for field in self.needs:
                require(f"{name}[{index}].{field}", getattr(part, field))
        return parts


#: The fields of a rule; Tallyfy needs the whole rule on every write.
AUTOMATION_FIELDS: Final = {
    "conditions": _Parts(model=AutomationCondition, needs=("conditionable_id", "operation")),
    "then_actions": _Parts(model=AutomationAction, needs=("action_type",)),
    "automated_alias": kinds.TEXT,
    "condition_logic": kinds.Choice(choices=frozenset({"AND", "OR", "and", "or"})),
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
        blueprint_id: str | Blueprint,
        /,
        *,
        conditions: Sequence[AutomationCondition],
        then_actions: Sequence[AutomationAction],
        automated_alias: UnsetOr[str] = UNSET,
        condition_logic: UnsetOr[str] = UNSET,
    ) -> Automation:
        """Add a rule: ``POST .../checklists/{blueprint_id}/automated-actions``.

        Args:
            blueprint_id: the blueprint's id, or the :class:`Blueprint`.
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
        blueprint_id: str | Blueprint,
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
            blueprint_id: the blueprint's id, or the :class:`Blueprint`.
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

    async def delete(
        self, blueprint_id: str | Blueprint, automation_id: str | Automation, /
    ) -> None:
        """Delete a rule: ``DELETE .../automated-actions/{automation_id}``.

        Args:
            blueprint_id: the blueprint's id, or the :class:`Blueprint`.
            automation_id: the rule's id, or the :class:`Automation`.

        Raises:
            NotFoundError: no such blueprint or rule.
        """
        await self._send(DELETE_AUTOMATION, self._ids(blueprint_id, automation_id))
