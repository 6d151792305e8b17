"""The tasks of processes (``org.processes.tasks``): listing, reading, changing, completing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, Final, Literal, overload

from tallyfy_async import _constants as C
from tallyfy_async._routes import Route
from tallyfy_async._unset import UNSET, UnsetOr
from tallyfy_async.models.common import Owners
from tallyfy_async.models.processes import Process
from tallyfy_async.models.tasks import Task, TaskStatus, TaskType
from tallyfy_async.pagination import Paginator
from tallyfy_async.resources._base import Resource
from tallyfy_async.resources._checks import web_url
from tallyfy_async.resources._task_fields import (
    TASK_FIELDS,
    TASK_FILTERS,
    completion_body,
    owners_and_values,
    refuse_undecided_approval,
)

LIST_PROCESS_TASKS: Final = Route("GET", "/tasks")
GET_PROCESS_TASK: Final = Route("GET", "/tasks/{task_id}")
UPDATE_PROCESS_TASK: Final = Route("PUT", "/tasks/{task_id}")
COMPLETE_PROCESS_TASK: Final = Route("POST", "/completed-tasks")
REOPEN_PROCESS_TASK: Final = Route("DELETE", "/completed-tasks/{task_id}")


class ProcessTasks(Resource):
    """The tasks of processes (``org.processes.tasks``).

    Every method takes the process's id first, then the task's; a :class:`Task` read
    from Tallyfy carries both (``run_id`` and ``id``) and stands for them:
    ``await org.processes.tasks.complete(task)``. One-off tasks, which belong to no
    process, are in ``org.tasks``.
    """

    records = "/tasks/{task_id}"
    model = Task

    def list(
        self,
        process_id: str | Process,
        /,
        *,
        status: UnsetOr[str] = UNSET,
        owners: UnsetOr[int | Sequence[int]] = UNSET,
        guests: UnsetOr[str | Sequence[str]] = UNSET,
        groups: UnsetOr[str | Sequence[str]] = UNSET,
        unassigned: UnsetOr[bool] = UNSET,
        deadline_on: UnsetOr[date] = UNSET,
        deadline_before: UnsetOr[date] = UNSET,
        deadline_after: UnsetOr[date] = UNSET,
        deadline_start_range: UnsetOr[date] = UNSET,
        deadline_end_range: UnsetOr[date] = UNSET,
        with_: UnsetOr[str | Sequence[str]] = UNSET,
        sort: UnsetOr[str] = UNSET,
        per_page: int = C.MAX_PER_PAGE,
        limit: int | None = None,
        concurrency: int = 1,
    ) -> Paginator[Task]:
        """List a process's tasks: ``GET /organizations/{org}/runs/{process_id}/tasks``.

        They come by position unless sorted otherwise.

        Args:
            process_id: the process's id, or the :class:`Process`.
            status: ``active``, ``incomplete``, ``inprogress``, ``not-started``,
                ``complete``, ``hasproblem``, ``overdue``, ``due_soon``, ``all``...
            owners: member ids (tasks assigned to any of them).
            guests: guest emails.
            groups: group ids.
            unassigned: only tasks with no assignee.
            deadline_on, deadline_before, deadline_after, deadline_start_range,
                deadline_end_range: ``datetime.date`` bounds on the deadline.
            with_: includes: ``run``, ``step``, ``threads``, ``form_fields``,
                ``summary``, ...
            sort: ``position``, ``deadline``; ``-`` for descending.
            per_page: page size (Tallyfy caps it at 100).
            limit: stop after this many tasks.
            concurrency: pages fetched at once after the first.

        Returns:
            A :class:`~tallyfy_async.pagination.Paginator` of :class:`Task`.

        Raises:
            TypeError, ValueError: a bad filter; nothing was sent.
        """
        return self._list(
            LIST_PROCESS_TASKS, Task, locals(), TASK_FILTERS, self._parent_ids(process_id)
        )

    @overload
    async def get(
        self,
        process_id: str | Task,
        task_id: str | None = None,
        /,
        *,
        with_: UnsetOr[str | Sequence[str]] = ...,
        raw: Literal[False] = False,
    ) -> Task: ...

    @overload
    async def get(
        self,
        process_id: str | Task,
        task_id: str | None = None,
        /,
        *,
        with_: UnsetOr[str | Sequence[str]] = ...,
        raw: Literal[True],
    ) -> dict[str, Any]: ...

    async def get(
        self,
        process_id: str | Task,
        task_id: str | None = None,
        /,
        *,
        with_: UnsetOr[str | Sequence[str]] = UNSET,
        raw: bool = False,
    ) -> Task | dict[str, Any]:
        """Read a task through its process: ``GET .../runs/{process_id}/tasks/{task_id}``.

        Args:
            process_id: the process's id, or the :class:`Task` itself.
            task_id: the task's id.
            with_: includes: ``run``, ``step``, ``threads``, ``form_fields``, ``tags``...
            raw: True for the record as the dict Tallyfy sent, no model built (dates
                as their text, includes as ``{"data": ...}``): see :meth:`Paginator.raw
                <tallyfy_async.pagination.Paginator.raw>`.

        Returns:
            The :class:`Task` (with its ``summary``); its dict with ``raw=True``.

        Raises:
            NotFoundError: no such task in that process.
        """
        params = self._includes(with_)
        ids = self._ids(process_id, task_id)
        if raw:
            return await self._raw_item(GET_PROCESS_TASK, ids, params=params)
        return await self._item(GET_PROCESS_TASK, Task, ids, params=params)

    async def update(
        self,
        process_id: str | Task,
        task_id: str | None = None,
        /,
        *,
        title: UnsetOr[str] = UNSET,
        summary: UnsetOr[str | None] = UNSET,
        owners: UnsetOr[Owners | Mapping[str, Sequence[Any]]] = UNSET,
        deadline: UnsetOr[datetime] = UNSET,
        started_at: UnsetOr[datetime] = UNSET,
        status: UnsetOr[TaskStatus | str] = UNSET,
        position: UnsetOr[int] = UNSET,
        max_assignable: UnsetOr[int] = UNSET,
        task_type: UnsetOr[TaskType | str] = UNSET,
        top_secret: UnsetOr[bool] = UNSET,
        prevent_guest_comment: UnsetOr[bool] = UNSET,
        webhook: UnsetOr[str | None] = UNSET,
        form_values: UnsetOr[Mapping[Any, Any]] = UNSET,
    ) -> Task:
        """Change a process's task: ``PUT .../runs/{process_id}/tasks/{task_id}``.

        Only the arguments you pass are sent.

        ``owners``: Tallyfy replaces every bucket of an ``owners`` object and **empties a
        bucket the object leaves out**. So when you pass only some buckets (say
        ``{"users": [7]}``), this method first reads the task and fills the other buckets
        from its current owners: leaving a bucket out keeps it as it is. Pass all three
        (or an :class:`Owners`) to send exactly what you give. Leaving ``owners`` out
        keeps every assignee.

        ``form_values`` are the task's form-field answers, keyed by field id, alias or
        label, checked against the task's form fields (read with
        ``GET .../tasks/{task_id}?with=form_fields``) and sent as ``taskdata``; ``None``
        clears a field. Completed tasks cannot be changed (Tallyfy answers 422).

        Args:
            process_id: the process's id, or the :class:`Task` itself.
            task_id: the task's id.
            title: at most 600 characters.
            summary: the instructions; None clears them.
            owners: :class:`Owners` or a dict of some of ``users``, ``guests``, ``groups``.
            deadline, started_at: aware datetimes.
            status: ``not-started`` or ``in-progress``.
            position: the task's position in the process (1 or more).
            max_assignable: how many assignees it may have (0: no limit).
            task_type: :class:`TaskType`.
            top_secret, prevent_guest_comment: flags.
            webhook: a URL Tallyfy posts to when the task is completed; None clears it.
            form_values: form-field answers keyed by field id, alias or label.

        Returns:
            The updated :class:`Task`.

        Raises:
            FormValuesError: form values refused (each problem naming its field).
            TypeError, ValueError: another argument refused; nothing was sent.
            NotFoundError: no such task in that process.
            ValidationError: Tallyfy refused the change (422), e.g. the task is completed.
        """
        body = self._body(TASK_FIELDS, locals())
        ids = self._ids(process_id, task_id)

        async def read(form_fields: bool) -> Task:
            with_ = "form_fields" if form_fields else UNSET
            return await self.get(ids["process_id"], ids["task_id"], with_=with_)

        await owners_and_values(body, read, form_values, one_off=False)
        return await self._item(UPDATE_PROCESS_TASK, Task, ids, json=body.json())

    async def set_webhook(
        self, process_id: str | Task, task_id: str | None = None, /, *, url: str | None
    ) -> Task:
        """Set or clear the URL Tallyfy posts to when the task is completed:
        ``PUT .../runs/{process_id}/tasks/{task_id}`` (``webhook``).

        Args:
            process_id: the process's id, or the :class:`Task`.
            task_id: the task's id.
            url: an absolute http(s) URL; None clears it.

        Returns:
            The updated :class:`Task`.

        Raises:
            TypeError, ValueError: a URL that is not absolute http(s) (nothing is sent).
            NotFoundError: no such task in that process.
        """
        url = web_url("url", url, nullable=True)
        return await self.update(process_id, task_id, webhook=url)

    async def complete(
        self,
        process_id: str | Task,
        task_id: str | None = None,
        /,
        *,
        is_approved: UnsetOr[bool] = UNSET,
        override_user: UnsetOr[int] = UNSET,
    ) -> Task:
        """Complete a task: ``POST /organizations/{org}/runs/{process_id}/completed-tasks``.

        Form values cannot be sent with a completion: :meth:`update` them first.

        Args:
            process_id: the process's id, or the :class:`Task` itself.
            task_id: the task's id.
            is_approved: the decision on an approval task (True approves), which
                Tallyfy requires there.
            override_user: complete on behalf of this member.

        Returns:
            The completed :class:`Task` (``tasks_changed_by_rules`` says what
            automations changed).

        Raises:
            ValueError: no task id, or the :class:`Task` given is an approval and
                ``is_approved`` is missing; nothing was sent.
            ValidationError: already completed, a required form field is empty, an
                issue is open, or an approval without its decision (422).
            NotFoundError: no such process.
        """
        ids = self._ids(process_id, task_id)
        body = completion_body(self._converter, ids["task_id"], is_approved, override_user)
        refuse_undecided_approval(self._record(process_id), body)
        return await self._item(
            COMPLETE_PROCESS_TASK, Task, {"process_id": ids["process_id"]}, json=body.json()
        )

    async def reopen(self, process_id: str | Task, task_id: str | None = None, /) -> Task:
        """Reopen a completed task: ``DELETE .../runs/{process_id}/completed-tasks/{task_id}``.

        The task goes back to ``in-progress``; its completion fields are cleared.

        Args:
            process_id: the process's id, or the :class:`Task` itself.
            task_id: the task's id.

        Returns:
            The reopened :class:`Task`.

        Raises:
            ValidationError: the task is not completed (422).
            NotFoundError: no such task.
        """
        return await self._item(REOPEN_PROCESS_TASK, Task, self._ids(process_id, task_id))
