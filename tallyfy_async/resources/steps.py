"""Steps of blueprints (catalogue §15.2)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from tallyfy_async import _constants as C
from tallyfy_async._routes import Route
from tallyfy_async.models.steps import Step, StepDeadline, StepStart
from tallyfy_async.pagination import Paginator
from tallyfy_async.resources._base import Resource
from tallyfy_async.resources._payload import (
    UNSET,
    _Bool,
    _OptStr,
    _Unset,
    at_least,
    expect,
    items,
    keep_unsent_lists,
    payload,
    require,
)

LIST_STEPS: Final = Route("GET", "/organizations/{org}/checklists/{blueprint_id}/steps")
CREATE_STEP: Final = Route("POST", "/organizations/{org}/checklists/{blueprint_id}/steps")
GET_STEP: Final = Route("GET", "/organizations/{org}/checklists/{blueprint_id}/steps/{step_id}")
UPDATE_STEP: Final = Route("PUT", "/organizations/{org}/checklists/{blueprint_id}/steps/{step_id}")
DELETE_STEP: Final = Route(
    "DELETE", "/organizations/{org}/checklists/{blueprint_id}/steps/{step_id}"
)
CLONE_STEP: Final = Route(
    "POST", "/organizations/{org}/checklists/{blueprint_id}/steps/{step_id}/clone"
)
REORDER_STEP: Final = Route(
    "PUT", "/organizations/{org}/checklists/{blueprint_id}/steps/{step_id}/reorder"
)

#: The owner buckets a step PUT empties when they are absent (catalogue §2).
BUCKETS: Final = ("assignees", "guests", "groups")

#: Step body fields by how they are checked (catalogue §15.2).
_TEXTS: Final = ("summary", "step_type", "webhook")
_FLAGS: Final = (
    "allow_guest_owners",
    "skip_start_process",
    "can_complete_only_assignees",
    "everyone_must_complete",
    "prevent_guest_comment",
    "is_soft_start_date",
    "role_changes_every_time",
    "assign_run_starter",
    "top_secret",
    "send_chromeless",
)


def _checked(**fields: Any) -> dict[str, Any]:
    """Check step write fields by name; UNSET ones stay UNSET.

    Raises:
        TypeError, ValueError: naming the field.
    """
    require("title", fields["title"])
    expect("title", fields["title"], str)
    for name in _TEXTS:
        expect(name, fields[name], str, nullable=True)
    for name in _FLAGS:
        expect(name, fields[name], bool)
    expect("max_assignable", fields["max_assignable"], int)
    expect("deadline", fields["deadline"], StepDeadline, nullable=True)
    expect("start_date", fields["start_date"], StepStart, nullable=True)
    for name, item_type in (
        ("assignees", int),
        ("guests", str),
        ("groups", str),
        ("tags", str),
    ):
        if fields[name] is not UNSET:
            fields[name] = items(name, fields[name], item_type)
    return fields


class Steps(Resource):
    """Steps of the blueprints of one organization (``org.steps``)."""

    def list(
        self,
        blueprint_id: str,
        *,
        per_page: int = C.MAX_PER_PAGE,
        limit: int | None = None,
        concurrency: int = 1,
    ) -> Paginator[Step]:
        """List a blueprint's steps: ``GET /organizations/{org}/checklists/{id}/steps``.

        Every page is walked: Tallyfy ignores ``without_pagination`` on this route and
        pages by 10 unless told otherwise, so a single request is not "all steps".

        Args:
            blueprint_id: the blueprint's id.
            per_page: page size (Tallyfy caps it at 100).
            limit: stop after this many steps.
            concurrency: pages fetched at once after the first.

        Returns:
            A :class:`~tallyfy_async.pagination.Paginator` of :class:`Step`.

        Raises:
            NotFoundError: no such blueprint (when the first page is read).
        """
        return self._list(
            LIST_STEPS,
            Step,
            {"blueprint_id": blueprint_id},
            per_page=per_page,
            limit=limit,
            concurrency=concurrency,
        )

    async def get(self, blueprint_id: str, step_id: str) -> Step:
        """Read a step with its form fields: ``GET .../checklists/{id}/steps/{step_id}``.

        Args:
            blueprint_id: the blueprint's id.
            step_id: the step's id.

        Returns:
            The :class:`Step`, ``captures`` included.

        Raises:
            NotFoundError: no such blueprint or step.
        """
        return await self._item(GET_STEP, Step, {"blueprint_id": blueprint_id, "step_id": step_id})

    async def create(
        self,
        blueprint_id: str,
        *,
        title: str,
        summary: _OptStr = UNSET,
        step_type: _OptStr = UNSET,
        webhook: _OptStr = UNSET,
        max_assignable: int | _Unset = UNSET,
        assignees: Sequence[int] | _Unset = UNSET,
        guests: Sequence[str] | _Unset = UNSET,
        groups: Sequence[str] | _Unset = UNSET,
        tags: Sequence[str] | _Unset = UNSET,
        deadline: StepDeadline | _Unset | None = UNSET,
        start_date: StepStart | _Unset | None = UNSET,
        allow_guest_owners: _Bool = UNSET,
        skip_start_process: _Bool = UNSET,
        can_complete_only_assignees: _Bool = UNSET,
        everyone_must_complete: _Bool = UNSET,
        prevent_guest_comment: _Bool = UNSET,
        is_soft_start_date: _Bool = UNSET,
        role_changes_every_time: _Bool = UNSET,
        assign_run_starter: _Bool = UNSET,
        top_secret: _Bool = UNSET,
        send_chromeless: _Bool = UNSET,
    ) -> Step:
        """Add a step at the end: ``POST .../checklists/{id}/steps`` (201).

        Tallyfy always appends (it ignores a position); move it with :meth:`reorder`.

        Args:
            blueprint_id: the blueprint's id.
            title: the step's title.
            summary: instructions (HTML).
            step_type: the kind of task it makes (``task``, ``approval``, ...).
            webhook: a URL Tallyfy posts to when its task is completed.
            max_assignable: the most assignees its task may have.
            assignees: member ids.
            guests: guest emails.
            groups: group ids.
            tags: tag ids.
            deadline: when its task is due, e.g. ``StepDeadline(value=2, unit="days")``.
            start_date: when its task starts, e.g. ``StepStart(value=1, unit="days")``.
            allow_guest_owners, skip_start_process, can_complete_only_assignees,
                everyone_must_complete, prevent_guest_comment, is_soft_start_date,
                role_changes_every_time, assign_run_starter, top_secret,
                send_chromeless: flags, as in Tallyfy's editor.

        Returns:
            The new :class:`Step`.

        Raises:
            TypeError: an unknown argument or a value of the wrong type.
            ValueError: a blank title.
            NotFoundError: no such blueprint.
            ValidationError: Tallyfy refused the data (422).
        """
        fields = _checked(
            title=title,
            summary=summary,
            step_type=step_type,
            webhook=webhook,
            max_assignable=max_assignable,
            assignees=assignees,
            guests=guests,
            groups=groups,
            tags=tags,
            deadline=deadline,
            start_date=start_date,
            allow_guest_owners=allow_guest_owners,
            skip_start_process=skip_start_process,
            can_complete_only_assignees=can_complete_only_assignees,
            everyone_must_complete=everyone_must_complete,
            prevent_guest_comment=prevent_guest_comment,
            is_soft_start_date=is_soft_start_date,
            role_changes_every_time=role_changes_every_time,
            assign_run_starter=assign_run_starter,
            top_secret=top_secret,
            send_chromeless=send_chromeless,
        )
        body = payload(self._org.client.converter, fields)
        return await self._item(CREATE_STEP, Step, {"blueprint_id": blueprint_id}, json=body)

    async def update(
        self,
        blueprint_id: str,
        step_id: str,
        *,
        title: str,
        summary: _OptStr = UNSET,
        step_type: _OptStr = UNSET,
        webhook: _OptStr = UNSET,
        max_assignable: int | _Unset = UNSET,
        assignees: Sequence[int] | _Unset = UNSET,
        guests: Sequence[str] | _Unset = UNSET,
        groups: Sequence[str] | _Unset = UNSET,
        tags: Sequence[str] | _Unset = UNSET,
        deadline: StepDeadline | _Unset | None = UNSET,
        start_date: StepStart | _Unset | None = UNSET,
        allow_guest_owners: _Bool = UNSET,
        skip_start_process: _Bool = UNSET,
        can_complete_only_assignees: _Bool = UNSET,
        everyone_must_complete: _Bool = UNSET,
        prevent_guest_comment: _Bool = UNSET,
        is_soft_start_date: _Bool = UNSET,
        role_changes_every_time: _Bool = UNSET,
        assign_run_starter: _Bool = UNSET,
        top_secret: _Bool = UNSET,
        send_chromeless: _Bool = UNSET,
    ) -> Step:
        """Change a step: ``PUT .../checklists/{id}/steps/{step_id}``.

        Tallyfy requires ``title`` on every PUT and **empties** each of ``assignees``,
        ``guests`` and ``groups`` that a PUT leaves out (catalogue §2, sdk#85). So when
        you do not pass all three, this method first reads the step (``GET
        .../steps/{step_id}``) and re-sends the buckets you did not pass: leaving one
        out keeps it as it is. (Two requests; a change made by someone else between
        them can be overwritten.)

        Args:
            blueprint_id: the blueprint's id.
            step_id: the step's id.
            title: required by Tallyfy on every update.
            assignees: member ids (replaces the bucket).
            guests: guest emails (replaces the bucket).
            groups: group ids (replaces the bucket).
            (the others): as in :meth:`create`; None clears a text field.

        Returns:
            The updated :class:`Step`.

        Raises:
            TypeError: an unknown argument or a value of the wrong type.
            ValueError: a blank title.
            NotFoundError: no such blueprint or step.
            ValidationError: Tallyfy refused the data (422).
        """
        fields = _checked(
            title=title,
            summary=summary,
            step_type=step_type,
            webhook=webhook,
            max_assignable=max_assignable,
            assignees=assignees,
            guests=guests,
            groups=groups,
            tags=tags,
            deadline=deadline,
            start_date=start_date,
            allow_guest_owners=allow_guest_owners,
            skip_start_process=skip_start_process,
            can_complete_only_assignees=can_complete_only_assignees,
            everyone_must_complete=everyone_must_complete,
            prevent_guest_comment=prevent_guest_comment,
            is_soft_start_date=is_soft_start_date,
            role_changes_every_time=role_changes_every_time,
            assign_run_starter=assign_run_starter,
            top_secret=top_secret,
            send_chromeless=send_chromeless,
        )
        await keep_unsent_lists(fields, BUCKETS, lambda: self.get(blueprint_id, step_id))
        body = payload(self._org.client.converter, fields)
        ids: dict[str, object] = {"blueprint_id": blueprint_id, "step_id": step_id}
        return await self._item(UPDATE_STEP, Step, ids, json=body)

    async def delete(self, blueprint_id: str, step_id: str) -> None:
        """Delete a step for good: ``DELETE .../checklists/{id}/steps/{step_id}``.

        Tallyfy refuses while an automation depends on the step ("Cannot delete this
        step because there are rules dependent on it."): delete or change those first.

        Args:
            blueprint_id: the blueprint's id.
            step_id: the step's id.

        Raises:
            NotFoundError: no such blueprint or step.
            ValidationError: an automation depends on the step (422).
        """
        await self._send(DELETE_STEP, {"blueprint_id": blueprint_id, "step_id": step_id})

    async def clone(self, blueprint_id: str, step_id: str) -> Step:
        """Copy a step with its form fields: ``POST .../steps/{step_id}/clone``.

        Args:
            blueprint_id: the blueprint's id.
            step_id: the step to copy.

        Returns:
            The new :class:`Step`.

        Raises:
            NotFoundError: no such blueprint or step.
        """
        return await self._item(
            CLONE_STEP, Step, {"blueprint_id": blueprint_id, "step_id": step_id}
        )

    async def reorder(self, blueprint_id: str, step_id: str, position: int) -> Step:
        """Move a step: ``PUT .../checklists/{id}/steps/{step_id}/reorder``.

        Args:
            blueprint_id: the blueprint's id.
            step_id: the step to move.
            position: its new 1-based position; the steps after it shift down.

        Returns:
            The moved :class:`Step`.

        Raises:
            TypeError, ValueError: a position that is not an int of 1 or more.
            NotFoundError: no such blueprint or step.
        """
        require("position", position)
        at_least("position", position, 1)
        body = payload(self._org.client.converter, {"position": position})
        ids: dict[str, object] = {"blueprint_id": blueprint_id, "step_id": step_id}
        return await self._item(REORDER_STEP, Step, ids, json=body)
