"""Steps of blueprints (``org.steps``): each becomes one task of every process launched."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any, Final, Literal, overload

from tallyfy_async import _constants as C
from tallyfy_async._routes import Route
from tallyfy_async._unset import UNSET, UnsetOr
from tallyfy_async.models.blueprints import Blueprint
from tallyfy_async.models.steps import STEP_UNITS, Step, StepDeadline, StepStart
from tallyfy_async.pagination import Paginator
from tallyfy_async.resources import _kinds as kinds
from tallyfy_async.resources._base import Resource
from tallyfy_async.resources._body import Body
from tallyfy_async.resources._checks import at_least, expect, one_of, web_url

LIST_STEPS: Final = Route("GET", "/steps")
CREATE_STEP: Final = Route("POST", "/steps")
GET_STEP: Final = Route("GET", "/steps/{step_id}")
UPDATE_STEP: Final = Route("PUT", "/steps/{step_id}")
DELETE_STEP: Final = Route("DELETE", "/steps/{step_id}")
CLONE_STEP: Final = Route("POST", "/steps/{step_id}/clone")
REORDER_STEP: Final = Route("PUT", "/steps/{step_id}/reorder")

#: The owner buckets a step PUT empties when they are absent.
BUCKETS: Final = ("assignees", "guests", "groups")


def _interval(name: str, value: Any, model: type[StepDeadline | StepStart]) -> Any:
    """A deadline or start as Tallyfy takes it: a whole number (0 or more) of a known
    unit; None clears it.

    Raises:
        TypeError, ValueError: naming ``name.value`` or ``name.unit``.
    """
    expect(name, value, model, nullable=True)
    if value is not None:
        at_least(f"{name}.value", value.value, 0)
        if value.unit is not None:
            one_of(f"{name}.unit", value.unit, STEP_UNITS)
    return value


#: The fields of a step's create and update.
STEP_FIELDS: Final = {
    "title": kinds.Text(required=True),
    **kinds.texts("summary", "step_type"),
    "webhook": kinds.WEBHOOK,
    "max_assignable": kinds.Int(minimum=0),
    "assignees": kinds.ListOf(item=int),
    "guests": kinds.EMAILS,
    "groups": kinds.ListOf(item=str),
    "tags": kinds.ListOf(item=str),
    "deadline": kinds.Checked(function=partial(_interval, model=StepDeadline)),
    "start_date": kinds.Checked(function=partial(_interval, model=StepStart)),
    **kinds.flags(
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
    ),
}


class Steps(Resource):
    """Steps of the blueprints of one organization (``org.steps``).

    Every method takes the blueprint's id first, then the step's; a :class:`Step`
    carries both (``checklist_id`` and ``id``) and stands for them.
    """

    records = "/steps/{step_id}"
    model = Step

    def list(
        self,
        blueprint_id: str | Blueprint,
        /,
        *,
        per_page: int = C.MAX_PER_PAGE,
        limit: int | None = None,
        concurrency: int = 1,
    ) -> Paginator[Step]:
        """List a blueprint's steps: ``GET /organizations/{org}/checklists/{id}/steps``.

        Every page is walked: Tallyfy ignores ``without_pagination`` on this route and
        pages by 10 unless told otherwise, so a single request is not "all steps".

        Args:
            blueprint_id: the blueprint's id, or the :class:`Blueprint`.
            per_page: page size (Tallyfy caps it at 100).
            limit: stop after this many steps.
            concurrency: pages fetched at once after the first.

        Returns:
            A :class:`~tallyfy_async.pagination.Paginator` of :class:`Step`.

        Raises:
            NotFoundError: no such blueprint (when the first page is read).
        """
        return self._list(LIST_STEPS, Step, locals(), ids=self._parent_ids(blueprint_id))

    @overload
    async def get(
        self,
        blueprint_id: str | Step,
        step_id: str | None = None,
        /,
        *,
        raw: Literal[False] = False,
    ) -> Step: ...

    @overload
    async def get(
        self, blueprint_id: str | Step, step_id: str | None = None, /, *, raw: Literal[True]
    ) -> dict[str, Any]: ...

    async def get(
        self, blueprint_id: str | Step, step_id: str | None = None, /, *, raw: bool = False
    ) -> Step | dict[str, Any]:
        """Read a step with its form fields: ``GET .../checklists/{id}/steps/{step_id}``.

        Args:
            blueprint_id: the blueprint's id, or the :class:`Step` (to read it again).
            step_id: the step's id.
            raw: True for the record as the dict Tallyfy sent, no model built (dates
                as their text, includes as ``{"data": ...}``): see :meth:`Paginator.raw
                <tallyfy_async.pagination.Paginator.raw>`.

        Returns:
            The :class:`Step`, ``captures`` included; its dict with ``raw=True``.

        Raises:
            NotFoundError: no such blueprint or step.
        """
        if raw:
            return await self._raw_item(GET_STEP, self._ids(blueprint_id, step_id), params=None)
        return await self._item(GET_STEP, Step, self._ids(blueprint_id, step_id))

    async def create(
        self,
        blueprint_id: str | Blueprint,
        /,
        *,
        title: str,
        summary: UnsetOr[str | None] = UNSET,
        step_type: UnsetOr[str | None] = UNSET,
        webhook: UnsetOr[str | None] = UNSET,
        max_assignable: UnsetOr[int] = UNSET,
        assignees: UnsetOr[Sequence[int]] = UNSET,
        guests: UnsetOr[Sequence[str]] = UNSET,
        groups: UnsetOr[Sequence[str]] = UNSET,
        tags: UnsetOr[Sequence[str]] = UNSET,
        deadline: UnsetOr[StepDeadline | None] = UNSET,
        start_date: UnsetOr[StepStart | None] = UNSET,
        allow_guest_owners: UnsetOr[bool] = UNSET,
        skip_start_process: UnsetOr[bool] = UNSET,
        can_complete_only_assignees: UnsetOr[bool] = UNSET,
        everyone_must_complete: UnsetOr[bool] = UNSET,
        prevent_guest_comment: UnsetOr[bool] = UNSET,
        is_soft_start_date: UnsetOr[bool] = UNSET,
        role_changes_every_time: UnsetOr[bool] = UNSET,
        assign_run_starter: UnsetOr[bool] = UNSET,
        top_secret: UnsetOr[bool] = UNSET,
        send_chromeless: UnsetOr[bool] = UNSET,
    ) -> Step:
        """Add a step at the end: ``POST .../checklists/{id}/steps`` (201).

        Tallyfy always appends (it ignores a position); move it with :meth:`reorder`.

        Args:
            blueprint_id: the blueprint's id, or the :class:`Blueprint`.
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
                send_chromeless: kinds.flags, as in Tallyfy's editor.

        Returns:
            The new :class:`Step`.

        Raises:
            TypeError: an unknown argument or a value of the wrong type.
            ValueError: a blank title, a negative ``max_assignable`` or deadline/start
                value, a deadline/start unit Tallyfy does not take, or a guest that is not
                an email address (nothing is sent).
            NotFoundError: no such blueprint.
            ValidationError: Tallyfy refused the data (422).
        """
        body = self._body(STEP_FIELDS, locals())
        return await self._item(CREATE_STEP, Step, self._parent_ids(blueprint_id), json=body.json())

    async def update(
        self,
        blueprint_id: str | Step,
        step_id: str | None = None,
        /,
        *,
        title: str,
        summary: UnsetOr[str | None] = UNSET,
        step_type: UnsetOr[str | None] = UNSET,
        webhook: UnsetOr[str | None] = UNSET,
        max_assignable: UnsetOr[int] = UNSET,
        assignees: UnsetOr[Sequence[int]] = UNSET,
        guests: UnsetOr[Sequence[str]] = UNSET,
        groups: UnsetOr[Sequence[str]] = UNSET,
        tags: UnsetOr[Sequence[str]] = UNSET,
        deadline: UnsetOr[StepDeadline | None] = UNSET,
        start_date: UnsetOr[StepStart | None] = UNSET,
        allow_guest_owners: UnsetOr[bool] = UNSET,
        skip_start_process: UnsetOr[bool] = UNSET,
        can_complete_only_assignees: UnsetOr[bool] = UNSET,
        everyone_must_complete: UnsetOr[bool] = UNSET,
        prevent_guest_comment: UnsetOr[bool] = UNSET,
        is_soft_start_date: UnsetOr[bool] = UNSET,
        role_changes_every_time: UnsetOr[bool] = UNSET,
        assign_run_starter: UnsetOr[bool] = UNSET,
        top_secret: UnsetOr[bool] = UNSET,
        send_chromeless: UnsetOr[bool] = UNSET,
    ) -> Step:
        """Change a step: ``PUT .../checklists/{id}/steps/{step_id}``.

        Tallyfy requires ``title`` on every PUT and **empties** each of ``assignees``,
        ``guests`` and ``groups`` that a PUT leaves out. So when
        you do not pass all three, this method first reads the step (``GET
        .../steps/{step_id}``) and re-sends the buckets you did not pass: leaving one
        out keeps it as it is. (Two requests; a change made by someone else between
        them can be overwritten.)

        Args:
            blueprint_id: the blueprint's id, or the :class:`Step`.
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
            ValueError: a blank title, a negative ``max_assignable`` or deadline/start
                value, a deadline/start unit Tallyfy does not take, or a guest that is not
                an email address (nothing is sent).
            NotFoundError: no such blueprint or step.
            ValidationError: Tallyfy refused the data (422).
        """
        body = self._body(STEP_FIELDS, locals())
        ids = self._ids(blueprint_id, step_id)
        await body.resend(BUCKETS, lambda: self.get(ids["blueprint_id"], ids["step_id"]))
        return await self._item(UPDATE_STEP, Step, ids, json=body.json())

    async def set_webhook(
        self, blueprint_id: str | Step, step_id: str | None = None, /, *, url: str | None
    ) -> Step:
        """Set or clear the URL Tallyfy posts to when the step's task is completed (it
        takes the place of the blueprint's for that task): ``PUT .../steps/{step_id}``.

        The step is read first: Tallyfy requires its title on every update and empties its
        assignees when a PUT leaves them out, so they are sent back as they are.

        Args:
            blueprint_id: the blueprint's id, or the :class:`Step`.
            step_id: the step's id.
            url: an absolute http(s) URL; None clears it.

        Returns:
            The updated :class:`Step`.

        Raises:
            TypeError, ValueError: a URL that is not absolute http(s) (nothing is sent).
            NotFoundError: no such blueprint or step.
        """
        url = web_url("url", url, nullable=True)
        step = await self.get(blueprint_id, step_id)
        return await self.update(
            step,
            title=step.title or "",
            webhook=url,
            assignees=step.assignees,
            guests=step.guests,
            groups=step.groups,
        )

    async def delete(self, blueprint_id: str | Step, step_id: str | None = None, /) -> None:
        """Delete a step for good: ``DELETE .../checklists/{id}/steps/{step_id}``.

        Tallyfy refuses while an automation depends on the step ("Cannot delete this
        step because there are rules dependent on it."): delete or change those first.

        Args:
            blueprint_id: the blueprint's id, or the :class:`Step`.
            step_id: the step's id.

        Raises:
            NotFoundError: no such blueprint or step.
            ValidationError: an automation depends on the step (422).
        """
        await self._send(DELETE_STEP, self._ids(blueprint_id, step_id))

    async def clone(self, blueprint_id: str | Step, step_id: str | None = None, /) -> Step:
        """Copy a step with its form fields: ``POST .../steps/{step_id}/clone``.

        Args:
            blueprint_id: the blueprint's id, or the :class:`Step`.
            step_id: the step to copy.

        Returns:
            The new :class:`Step`.

        Raises:
            NotFoundError: no such blueprint or step.
        """
        return await self._item(CLONE_STEP, Step, self._ids(blueprint_id, step_id))

    async def reorder(
        self, blueprint_id: str | Step, step_id: str | None = None, /, *, position: int
    ) -> Step:
        """Move a step: ``PUT .../checklists/{id}/steps/{step_id}/reorder``.

        Args:
            blueprint_id: the blueprint's id, or the :class:`Step`.
            step_id: the step to move.
            position: its new 1-based position; the steps after it shift down.

        Returns:
            The moved :class:`Step`.

        Raises:
            TypeError, ValueError: a position that is not an int of 1 or more.
            NotFoundError: no such blueprint or step.
        """
        body = Body(self._converter)
        body.put("position", position, kinds.Int(minimum=1, required=True))
        return await self._item(
            REORDER_STEP, Step, self._ids(blueprint_id, step_id), json=body.json()
        )
