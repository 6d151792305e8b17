"""Form fields (the API's ``captures``) of steps, and kick-off fields.

A step's form fields are created, changed, moved and deleted here. Kick-off fields
are created and changed through the blueprint's ``prerun`` array
(:meth:`Blueprints.update <tallyfy_async.resources.blueprints.Blueprints.update>`);
there is no route to create one on its own, only :meth:`FormFields.delete_kickoff_field`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from tallyfy_async._routes import Route
from tallyfy_async._unset import UNSET, UnsetOr
from tallyfy_async.errors import NotFoundError
from tallyfy_async.models.form_fields import FieldColumn, FieldOption, FieldType, FormField
from tallyfy_async.models.steps import Step
from tallyfy_async.resources import _kinds as kinds
from tallyfy_async.resources._base import Resource
from tallyfy_async.resources._body import Body
from tallyfy_async.resources._field_definitions import capture_definition

#: The step itself, which carries its form fields (Tallyfy answers 405 to a GET on one).
READ_STEP: Final = Route("GET", "")
CREATE_CAPTURE: Final = Route("POST", "/captures")
REORDER_CAPTURE: Final = Route("PUT", "/captures")
UPDATE_CAPTURE: Final = Route("PUT", "/captures/{field_id}")
DELETE_CAPTURE: Final = Route("DELETE", "/captures/{field_id}")
MOVE_CAPTURE: Final = Route("PUT", "/captures/{field_id}/move-out")
# Written from the API root: they hang from the blueprint and the organization.
DELETE_KICKOFF_FIELD: Final = Route(
    "DELETE", "/organizations/{org}/checklists/{blueprint_id}/preruns/{prerun_id}"
)
SET_FIELD_VALUE: Final = Route("PUT", "/organizations/{org}/form-field/value")

MOVE_FIELDS: Final = {"target_step_id": kinds.Text(required=True), "position": kinds.Int(minimum=1)}
#: The id of a stored value, sent as ``id``.
VALUE_ID: Final = kinds.Instance(types=(str, int), required=True, wire="id")


class FormFields(Resource):
    """Form fields of the steps of one organization's blueprints (``org.form_fields``).

    The rules of api-v2's ``CaptureRequestValidator`` are checked before anything is
    sent: a ``label``; a ``field_type`` among the ten; ``required`` given as a bool;
    ``options`` (integer ``id``, text ``text``; at least two for radio, one for dropdown
    and multiselect) and ``columns`` (integer ``id``, text ``label``; table) exactly
    where the type has them. Options and columns are :class:`FieldOption` /
    :class:`FieldColumn` objects or mappings with those keys.

    Every method takes the blueprint's id, the step's, then the field's. A
    :class:`FormField` read from a step carries the step's id and its own, so it may
    stand for both: ``org.form_fields.delete(blueprint_id, field)``.
    """

    records = "/captures/{field_id}"
    model = FormField

    async def get(
        self,
        blueprint_id: str,
        step_id: str | FormField,
        field_id: str | None = None,
        /,
    ) -> FormField:
        """Read one form field, from its step: ``GET .../checklists/{id}/steps/{step_id}``.

        Tallyfy answers 405 to a GET on a single capture, so this reads the step and
        picks the field out of its ``captures``.

        Args:
            blueprint_id: the blueprint's id.
            step_id: the step's id, or the :class:`FormField`.
            field_id: the form field's (timeline) id.

        Returns:
            The :class:`FormField`.

        Raises:
            NotFoundError: no such blueprint or step, or no such field on the step.
        """
        ids = self._ids(blueprint_id, step_id, field_id)
        step = await self._item(READ_STEP, Step, ids)
        for capture in step.captures:
            if capture.id == ids["field_id"]:
                return capture
        raise NotFoundError(
            f"step {ids['step_id']} has no form field {ids['field_id']}",
            status=404,
            method="GET",
            url=self._url(READ_STEP, ids),
        )

    async def create(
        self,
        blueprint_id: str | Step,
        step_id: str | None = None,
        /,
        *,
        field_type: FieldType | str,
        label: str,
        required: bool,
        guidance: UnsetOr[str | None] = UNSET,
        position: UnsetOr[int] = UNSET,
        options: UnsetOr[Sequence[FieldOption | Mapping[str, Any]]] = UNSET,
        columns: UnsetOr[Sequence[FieldColumn | Mapping[str, Any]]] = UNSET,
        default_value: UnsetOr[Any] = UNSET,
        default_value_enabled: UnsetOr[bool] = UNSET,
        collect_time: UnsetOr[bool] = UNSET,
        use_wysiwyg_editor: UnsetOr[bool] = UNSET,
        field_validation: UnsetOr[str | Sequence[str] | None] = UNSET,
        prefix: UnsetOr[str | None] = UNSET,
        suffix: UnsetOr[str | None] = UNSET,
        settings: UnsetOr[Mapping[str, Any] | None] = UNSET,
    ) -> FormField:
        """Add a form field to a step: ``POST .../steps/{step_id}/captures`` (201).

        Args:
            blueprint_id: the blueprint's id, or the :class:`Step` (which carries it).
            step_id: the step's id.
            field_type: one of :class:`FieldType` (text, textarea, radio, dropdown,
                multiselect, date, email, file, table, assignees_form).
            label: what the form shows.
            required: whether a value is needed to complete the task (always sent).
            guidance: help text under the field (form fields have no ``description``).
            position: 1-based place among the step's fields (the end by default).
            options: choices of a radio (at least 2), dropdown or multiselect field.
            columns: columns of a table field.
            default_value: the value the field starts with (JSON data).
            default_value_enabled: whether ``default_value`` applies.
            collect_time: for date fields, ask for a time as well.
            use_wysiwyg_editor: for textarea fields, a rich-text editor.
            field_validation: Laravel rules, e.g. ``"numeric|min:0"`` or a list of them.
            prefix: text shown before the value.
            suffix: text shown after the value.
            settings: type-specific settings, as Tallyfy's editor writes them.

        Returns:
            The new :class:`FormField`.

        Raises:
            TypeError: an unknown argument or a value of the wrong type.
            ValueError: a rule of ``CaptureRequestValidator`` broken (see the class).
            NotFoundError: no such blueprint or step.
            ValidationError: Tallyfy refused the field (422).
        """
        body = capture_definition(self._arguments(locals()), self._converter)
        ids = self._parent_ids(blueprint_id, step_id)
        return await self._item(CREATE_CAPTURE, FormField, ids, json=body.json())

    async def update(
        self,
        blueprint_id: str,
        step_id: str | FormField,
        field_id: str | None = None,
        /,
        *,
        field_type: FieldType | str,
        label: str,
        required: bool,
        guidance: UnsetOr[str | None] = UNSET,
        position: UnsetOr[int] = UNSET,
        options: UnsetOr[Sequence[FieldOption | Mapping[str, Any]]] = UNSET,
        columns: UnsetOr[Sequence[FieldColumn | Mapping[str, Any]]] = UNSET,
        default_value: UnsetOr[Any] = UNSET,
        default_value_enabled: UnsetOr[bool] = UNSET,
        collect_time: UnsetOr[bool] = UNSET,
        use_wysiwyg_editor: UnsetOr[bool] = UNSET,
        field_validation: UnsetOr[str | Sequence[str] | None] = UNSET,
        prefix: UnsetOr[str | None] = UNSET,
        suffix: UnsetOr[str | None] = UNSET,
        settings: UnsetOr[Mapping[str, Any] | None] = UNSET,
    ) -> FormField:
        """Change a form field: ``PUT .../steps/{step_id}/captures/{field_id}``.

        Tallyfy validates the whole field on every update, so ``field_type``, ``label``
        and ``required`` (and the options or columns of a type that has them) are
        always needed; :meth:`get` reads the current ones. Changing an option's text
        keeps its ``id``: values already stored refer to the id.

        Args:
            blueprint_id: the blueprint's id.
            step_id: the step's id, or the :class:`FormField`.
            field_id: the form field's id.
            (the others): as in :meth:`create`.

        Returns:
            The updated :class:`FormField`.

        Raises:
            TypeError: an unknown argument or a value of the wrong type.
            ValueError: a rule of ``CaptureRequestValidator`` broken (see the class).
            NotFoundError: no such blueprint, step or field.
            ValidationError: Tallyfy refused the field (422).
        """
        body = capture_definition(self._arguments(locals()), self._converter)
        ids = self._ids(blueprint_id, step_id, field_id)
        return await self._item(UPDATE_CAPTURE, FormField, ids, json=body.json())

    async def delete(
        self,
        blueprint_id: str,
        step_id: str | FormField,
        field_id: str | None = None,
        /,
    ) -> None:
        """Delete a form field: ``DELETE .../steps/{step_id}/captures/{field_id}``.

        Args:
            blueprint_id: the blueprint's id.
            step_id: the step's id, or the :class:`FormField`.
            field_id: the form field's id.

        Raises:
            NotFoundError: no such blueprint, step or field.
        """
        await self._send(DELETE_CAPTURE, self._ids(blueprint_id, step_id, field_id))

    async def reorder(
        self,
        blueprint_id: str,
        step_id: str | FormField,
        field_id: str | None = None,
        /,
        *,
        position: int,
    ) -> None:
        """Move a form field within its step: ``PUT .../steps/{step_id}/captures``.

        One field per request, as Tallyfy's route takes it (``{capture_id, position}``).
        Nothing is returned: the shape of Tallyfy's answer is not documented; read the
        step (:meth:`Steps.get <tallyfy_async.resources.steps.Steps.get>`) for the order.

        Args:
            blueprint_id: the blueprint's id.
            step_id: the step's id, or the :class:`FormField`.
            field_id: the form field to move.
            position: its new 1-based position.

        Raises:
            TypeError, ValueError: a position that is not an int of 1 or more.
            NotFoundError: no such blueprint, step or field.
        """
        ids = self._ids(blueprint_id, step_id, field_id)
        body = Body(self._converter)
        body.put("capture_id", ids["field_id"], kinds.Text(required=True))
        body.put("position", position, kinds.Int(minimum=1, required=True))
        await self._send(REORDER_CAPTURE, ids, json=body.json())

    async def move(
        self,
        blueprint_id: str,
        step_id: str | FormField,
        field_id: str | None = None,
        /,
        *,
        target_step_id: str,
        position: UnsetOr[int] = UNSET,
    ) -> FormField:
        """Move a form field to another step: ``PUT .../captures/{field_id}/move-out``.

        Args:
            blueprint_id: the blueprint's id.
            step_id: the step the field is on now, or the :class:`FormField`.
            field_id: the form field to move.
            target_step_id: the step to move it to (same blueprint).
            position: its 1-based position there (the end by default).

        Returns:
            The moved :class:`FormField`.

        Raises:
            TypeError, ValueError: a missing target or a bad position.
            NotFoundError: no such blueprint, step or field.
        """
        body = self._body(MOVE_FIELDS, locals())
        ids = self._ids(blueprint_id, step_id, field_id)
        return await self._item(MOVE_CAPTURE, FormField, ids, json=body.json())

    async def delete_kickoff_field(self, blueprint_id: str, prerun_id: str, /) -> None:
        """Delete a kick-off field: ``DELETE .../checklists/{id}/preruns/{prerun_id}``.

        Args:
            blueprint_id: the blueprint's id.
            prerun_id: the kick-off field's (timeline) id.

        Raises:
            NotFoundError: no such blueprint or kick-off field.
        """
        await self._send(
            DELETE_KICKOFF_FIELD, {"blueprint_id": blueprint_id, "prerun_id": prerun_id}
        )

    async def set_value(self, capture_value_id: str | int, /, *, form_value: Any) -> dict[str, Any]:
        """Store one form-field value: ``PUT /organizations/{org}/form-field/value``.

        ``capture_value_id`` is the id of a stored *value*, not the field's timeline
        id, and such a value exists only once something was saved: on a field that
        was never answered Tallyfy fails with a 500. To answer a task's fields,
        update the task with ``taskdata`` instead.

        Args:
            capture_value_id: the stored value's id.
            form_value: the value, in the shape of its field type:
                text for text fields, ``{"id", "text", "value"}`` for a dropdown, ...

        Returns:
            The stored value as Tallyfy returns it.

        Raises:
            TypeError: an id that is not a str or int.
            ServerError: no value stored under that id yet (500, after retries).
        """
        body = Body(self._converter)
        body.put("capture_value_id", capture_value_id, VALUE_ID)
        body.put("form_value", form_value, kinds.ANY)
        response = await self._send(SET_FIELD_VALUE, json=body.json())
        data = response.data
        return data if isinstance(data, dict) else {}
