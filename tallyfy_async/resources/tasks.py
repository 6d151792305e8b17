"""Tasks of an organization (``org.tasks``): every task, and one-off tasks' writes.

A task belongs to a process (its ``run_id``) or is a one-off task (no process). Here
any task is read, listed, completed and reopened (through its process when it has
one), and one-off tasks are created, changed, archived and deleted. The tasks of one
process, with the writes only they take, are ``org.processes.tasks``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, Final, Literal, overload

from tallyfy_async import _constants as C
from tallyfy_async._exactly_once import check_key, create_once, find_task, with_key
from tallyfy_async._routes import Route
from tallyfy_async._unset import UNSET, UnsetOr
from tallyfy_async.models.common import Owners
from tallyfy_async.models.form_fields import FormField
from tallyfy_async.models.tasks import Task, TaskStatus, TaskType
from tallyfy_async.pagination import Paginator
from tallyfy_async.resources import _kinds as kinds
from tallyfy_async.resources._base import Child, Resource
from tallyfy_async.resources._checks import expect, web_url
from tallyfy_async.resources._field_definitions import NEW_FIELDS
from tallyfy_async.resources._task_fields import (
    LIST_STATUSES,
    TASK_FIELDS,
    TASK_FILTERS,
    TASK_TYPES,
    TITLE_MAX,
    completion_body,
    owners_and_values,
    refuse_undecided_approval,
)
from tallyfy_async.resources.comments import TaskComments

LIST_TASKS: Final = Route("GET", "/tasks")
CREATE_TASK: Final = Route("POST", "/tasks")
GET_TASK: Final = Route("GET", "/tasks/{task_id}")
UPDATE_TASK: Final = Route("PUT", "/tasks/{task_id}")
ARCHIVE_TASK: Final = Route("DELETE", "/tasks/{task_id}")
DELETE_TASK: Final = Route("DELETE", "/tasks/{task_id}/delete")
RESTORE_TASK: Final = Route("PUT", "/tasks/{task_id}/restore")
COMPLETE_TASK: Final = Route("POST", "/completed-tasks")
REOPEN_TASK: Final = Route("DELETE", "/completed-tasks/{task_id}")
MY_TASKS: Final = Route("GET", "/me/tasks")
USER_TASKS: Final = Route("GET", "/users/{user_id}/tasks")
GUEST_TASKS: Final = Route("GET", "/guests/{guest_id}/tasks")

#: The fields of a one-off task's creation.
CREATE_FIELDS: Final = kinds.merged(
    TASK_FIELDS,
    title=kinds.Text(max_len=TITLE_MAX, required=True),
    task_type=kinds.Choice(choices=TASK_TYPES, required=True),
    owners=kinds.Owners(required=True),
    deadline=kinds.AwareDate(required=True, why="Tallyfy requires a deadline on a one-off task"),
    **kinds.flags(
        "separate_task_for_each_assignee",
        "everyone_must_complete",
        "can_complete_only_assignees",
        "is_soft_start_date",
    ),
    tags=kinds.ListOf(item=str),
    form_fields=NEW_FIELDS,
    run_id=kinds.TEXT,
)

#: The filters of the organization's task list.
ORG_TASK_FILTERS: Final = kinds.merged(
    TASK_FILTERS,
    q=kinds.TEXT,
    tag=kinds.OneOrMany(item=str),
    folder=kinds.TEXT,
    created=kinds.Days(),
    is_oneoff=kinds.FLAG,
    archived=kinds.ARCHIVED,
)

#: The filters of the lists of one person's tasks.
ASSIGNED_FILTERS: Final = {
    "status": kinds.Choice(choices=LIST_STATUSES),
    "q": kinds.TEXT,
    "sort": kinds.TEXT,
    "tag": kinds.TEXT,
    "with_": kinds.WITH,
}
GUEST_FILTERS: Final = {
    "status": kinds.Choice(choices=LIST_STATUSES),
    "sort": kinds.Text(wire="sort_by"),
    "with_": kinds.WITH,
}


class Tasks(Resource):
    """Tasks of one organization (``org.tasks``): see the module's docstring.

    Attributes:
        comments: comments and issues on tasks (``org.tasks.comments``).
    """

    records = "/tasks/{task_id}"
    model = Task
    comments = Child(TaskComments)

    # -- listing ----------------------------------------------------------------------

    def list(
        self,
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
        q: UnsetOr[str] = UNSET,
        tag: UnsetOr[str | Sequence[str]] = UNSET,
        folder: UnsetOr[str] = UNSET,
        created: UnsetOr[date | tuple[date, date]] = UNSET,
        is_oneoff: UnsetOr[bool] = UNSET,
        archived: UnsetOr[bool | Literal["only"]] = UNSET,
        with_: UnsetOr[str | Sequence[str]] = UNSET,
        sort: UnsetOr[str] = UNSET,
        per_page: int = C.MAX_PER_PAGE,
        limit: int | None = None,
        concurrency: int = 1,
    ) -> Paginator[Task]:
        """Every task of the organization, one-off tasks included: ``GET .../tasks``.

        Args:
            status: ``active``, ``incomplete``, ``inprogress``, ``not-started``,
                ``complete``, ``hasproblem``, ``overdue``, ``due_soon``, ``all``...
            owners: member ids (tasks assigned to any of them).
            guests: guest emails.
            groups: group ids.
            unassigned: only tasks with no assignee.
            deadline_on, deadline_before, deadline_after, deadline_start_range,
                deadline_end_range: ``datetime.date`` bounds on the deadline.
            q: text the title contains.
            tag: tag id(s).
            folder: a folder id.
            created: a creation day, or a ``(first, last)`` pair.
            is_oneoff: only one-off (True) or process (False) tasks.
            archived: ``True`` to include archived tasks, ``"only"`` for only them.
            with_: includes: ``run``, ``step``, ``threads``, ``form_fields``, ``tags``,
                ``summary``, ...
            sort: ``deadline``, ``newest``, ``problems``...; ``-`` for descending.
            per_page: page size (Tallyfy caps it at 100).
            limit: stop after this many tasks.
            concurrency: pages fetched at once after the first.

        Returns:
            A :class:`~tallyfy_async.pagination.Paginator` of :class:`Task`.

        Raises:
            TypeError, ValueError: a bad filter; nothing was sent.
        """
        return self._list(LIST_TASKS, Task, locals(), ORG_TASK_FILTERS)

    def mine(
        self,
        *,
        status: str | None = "all",
        q: UnsetOr[str] = UNSET,
        sort: UnsetOr[str] = UNSET,
        with_: UnsetOr[str | Sequence[str]] = UNSET,
        per_page: int = C.MAX_PER_PAGE,
        limit: int | None = None,
        concurrency: int = 1,
    ) -> Paginator[Task]:
        """Tasks assigned to the caller: ``GET /organizations/{org}/me/tasks``.

        Tallyfy answers only active tasks when no status is sent, so this method sends
        ``status="all"`` unless told otherwise (``status=None`` sends none).

        Args:
            status: a task-list status filter (see :meth:`list`); None for Tallyfy's default.
            q: text the title contains.
            sort: ``deadline``, ``newest``, ``problems``; ``-`` for descending.
            with_: includes, as in :meth:`list`.
            per_page, limit, concurrency: as in :meth:`list`.

        Returns:
            A :class:`~tallyfy_async.pagination.Paginator` of :class:`Task`. The first
            page's ``meta`` has ``overdue_tasks`` and ``tasks_due_soon``.

        Raises:
            TypeError, ValueError: for a bad filter.
        """
        arguments = {**locals(), "status": UNSET if status is None else status}
        return self._list(MY_TASKS, Task, arguments, ASSIGNED_FILTERS)

    def for_user(
        self,
        user_id: int,
        /,
        *,
        status: UnsetOr[str] = UNSET,
        q: UnsetOr[str] = UNSET,
        sort: UnsetOr[str] = UNSET,
        tag: UnsetOr[str] = UNSET,
        with_: UnsetOr[str | Sequence[str]] = UNSET,
        per_page: int = C.MAX_PER_PAGE,
        limit: int | None = None,
        concurrency: int = 1,
    ) -> Paginator[Task]:
        """Tasks assigned to a member: ``GET /organizations/{org}/users/{user_id}/tasks``.

        Args:
            user_id: the member's id.
            status, q, sort, with_, per_page, limit, concurrency: as in :meth:`mine`.
            tag: a tag id.

        Returns:
            A :class:`~tallyfy_async.pagination.Paginator` of :class:`Task`.

        Raises:
            TypeError, ValueError: for a bad filter.
            NotFoundError: no such member.
        """
        expect("user_id", user_id, int)
        return self._list(USER_TASKS, Task, locals(), ASSIGNED_FILTERS, {"user_id": user_id})

    def for_guest(
        self,
        guest_id: int,
        /,
        *,
        status: UnsetOr[str] = UNSET,
        sort: UnsetOr[str] = UNSET,
        with_: UnsetOr[str | Sequence[str]] = UNSET,
        per_page: int = C.MAX_PER_PAGE,
        limit: int | None = None,
        concurrency: int = 1,
    ) -> Paginator[Task]:
        """Tasks assigned to a guest: ``GET /organizations/{org}/guests/{guest_id}/tasks``.

        The guest id is the number in the guest's ``link`` (after ``guest/``).

        Args:
            guest_id: the guest's id.
            status, with_, per_page, limit, concurrency: as in :meth:`mine`.
            sort: a field to sort by (sent as ``sort_by``).

        Returns:
            A :class:`~tallyfy_async.pagination.Paginator` of :class:`Task`.

        Raises:
            TypeError, ValueError: for a bad filter.
            NotFoundError: no such guest.
        """
        expect("guest_id", guest_id, int)
        return self._list(GUEST_TASKS, Task, locals(), GUEST_FILTERS, {"guest_id": guest_id})

    # -- reading and writing -----------------------------------------------------------

    @overload
    async def get(
        self,
        task_id: str | Task,
        /,
        *,
        with_: UnsetOr[str | Sequence[str]] = ...,
        raw: Literal[False] = False,
    ) -> Task: ...

    @overload
    async def get(
        self,
        task_id: str | Task,
        /,
        *,
        with_: UnsetOr[str | Sequence[str]] = ...,
        raw: Literal[True],
    ) -> dict[str, Any]: ...

    async def get(
        self,
        task_id: str | Task,
        /,
        *,
        with_: UnsetOr[str | Sequence[str]] = UNSET,
        raw: bool = False,
    ) -> Task | dict[str, Any]:
        """Read any task, one-off or not: ``GET /organizations/{org}/tasks/{task_id}``.

        Its ``run_id`` says which process it belongs to.

        Args:
            task_id: the task's id (or the :class:`Task`, to read it again).
            with_: includes: ``run``, ``step``, ``threads``, ``form_fields``, ``tags``...
            raw: True for the record as the dict Tallyfy sent, no model built (dates
                as their text, includes as ``{"data": ...}``): see :meth:`Paginator.raw
                <tallyfy_async.pagination.Paginator.raw>`.

        Returns:
            The :class:`Task` (with its ``summary``); its dict with ``raw=True``.

        Raises:
            NotFoundError: no such task.
        """
        params = self._includes(with_)
        if raw:
            return await self._raw_item(GET_TASK, self._ids(task_id), params=params)
        return await self._item(GET_TASK, Task, self._ids(task_id), params=params)

    async def create(
        self,
        *,
        title: str,
        task_type: TaskType | str,
        owners: Owners | Mapping[str, Sequence[Any]],
        deadline: datetime,
        summary: UnsetOr[str | None] = UNSET,
        started_at: UnsetOr[datetime] = UNSET,
        status: UnsetOr[TaskStatus | str] = UNSET,
        max_assignable: UnsetOr[int] = UNSET,
        separate_task_for_each_assignee: UnsetOr[bool] = UNSET,
        everyone_must_complete: UnsetOr[bool] = UNSET,
        can_complete_only_assignees: UnsetOr[bool] = UNSET,
        is_soft_start_date: UnsetOr[bool] = UNSET,
        prevent_guest_comment: UnsetOr[bool] = UNSET,
        top_secret: UnsetOr[bool] = UNSET,
        webhook: UnsetOr[str | None] = UNSET,
        tags: UnsetOr[Sequence[str]] = UNSET,
        form_fields: UnsetOr[Sequence[FormField | Mapping[str, Any]]] = UNSET,
        run_id: UnsetOr[str] = UNSET,
        dedupe_key: UnsetOr[str | int] = UNSET,
    ) -> Task:
        """Create a one-off task: ``POST /organizations/{org}/tasks`` (201).

        Args:
            title: at most 600 characters.
            task_type: :class:`TaskType`: task, approval, expiring, email, expiring_email.
            owners: :class:`Owners` or ``{"users": [ids], "guests": [emails],
                "groups": [ids]}`` (buckets left out are empty).
            deadline: an aware datetime (a naive one is refused).
            summary: the instructions.
            started_at: when it starts (aware).
            status: ``not-started`` or ``in-progress``.
            max_assignable: how many assignees it may have (0: no limit).
            separate_task_for_each_assignee: one task per assignee, in a new hidden
                process; Tallyfy answers with the first task only.
            everyone_must_complete, can_complete_only_assignees, is_soft_start_date,
                prevent_guest_comment, top_secret: flags.
            webhook: a URL Tallyfy posts to when the task is completed.
            tags: tag ids.
            form_fields: form-field definitions (``label``, ``field_type``,
                ``required``, ``options``...).
            run_id: attach the task to this process.
            dedupe_key: create exactly once: the key is recorded at the end of the title
                (``"Call Jane [row-17]"``) and, when the answer is lost, looked up before
                anything is sent again (as for ``processes.launch``).

        Returns:
            The new :class:`Task` (or, with ``dedupe_key``, the one already created).

        Raises:
            TypeError, ValueError: an argument refused, naming it; nothing was sent.
            ValidationError: Tallyfy refused the task (422).
            OutcomeUnknownError: the answer was lost (with ``dedupe_key``: and the
                lookups found nothing, or failed).
        """
        body = self._body(CREATE_FIELDS, locals(), skip=("dedupe_key",))
        key = None if dedupe_key is UNSET else check_key(dedupe_key)
        if key is None:
            return await self._item(CREATE_TASK, Task, json=body.json())
        body["title"] = with_key(title, key, "title", TITLE_MAX)
        sent = body.json()
        return await create_once(
            lambda: self._item(CREATE_TASK, Task, json=sent),
            lambda: find_task(self, key),
            what=f"task [{key}]",
        )

    async def update(
        self,
        task_id: str | Task,
        /,
        *,
        title: UnsetOr[str] = UNSET,
        deadline: UnsetOr[datetime] = UNSET,
        owners: UnsetOr[Owners | Mapping[str, Sequence[Any]]] = UNSET,
        summary: UnsetOr[str | None] = UNSET,
        started_at: UnsetOr[datetime] = UNSET,
        status: UnsetOr[TaskStatus | str] = UNSET,
        max_assignable: UnsetOr[int] = UNSET,
        task_type: UnsetOr[TaskType | str] = UNSET,
        top_secret: UnsetOr[bool] = UNSET,
        prevent_guest_comment: UnsetOr[bool] = UNSET,
        webhook: UnsetOr[str | None] = UNSET,
        form_values: UnsetOr[Mapping[Any, Any]] = UNSET,
    ) -> Task:
        """Change a task through the organization: ``PUT /organizations/{org}/tasks/{task_id}``.

        Tallyfy requires ``title``, ``deadline`` and ``owners`` on every PUT of this
        route. Those you do not pass are read from the task first (``GET
        .../tasks/{task_id}``) and sent back as they are, so leaving an argument out
        keeps it. ``owners`` with only some buckets keeps the others, as in
        ``org.processes.tasks.update``. (Two requests then; a change made by someone
        else between them can be overwritten.)

        Args:
            task_id: the task's id, or the :class:`Task`.
            title, deadline, owners: as in :meth:`create`; read from the task when absent.
            summary, started_at, status, max_assignable, task_type, top_secret,
                prevent_guest_comment, webhook, form_values: as in
                ``org.processes.tasks.update``.

        Returns:
            The updated :class:`Task`.

        Raises:
            FormValuesError: form values refused (each problem naming its field).
            TypeError, ValueError: another argument refused; nothing was sent.
            NotFoundError: no such task.
            ValidationError: Tallyfy refused the change (422).
        """
        body = self._body(TASK_FIELDS, locals())
        ids = self._ids(task_id)

        async def read(form_fields: bool) -> Task:
            return await self.get(ids["task_id"], with_="form_fields" if form_fields else UNSET)

        unsent = body.unsent(("title", "deadline"))
        current = await owners_and_values(body, read, form_values, one_off=True, need=bool(unsent))
        for name in unsent:
            value = getattr(current, name)
            if value is None:
                raise ValueError(
                    f"{name} is required on every update of a one-off task and task "
                    f"{ids['task_id']} has none; pass {name}="
                )
            body[name] = value
        return await self._item(UPDATE_TASK, Task, ids, json=body.json())

    # -- completing -------------------------------------------------------------------

    async def complete(
        self,
        task_id: str | Task,
        /,
        *,
        is_approved: UnsetOr[bool] = UNSET,
        override_user: UnsetOr[int] = UNSET,
    ) -> Task:
        """Complete any task: through its process when it has one, else on its own.

        Given an id, the task is read first (``GET .../tasks/{task_id}``) to learn its
        process; given the :class:`Task`, nothing is read. A process's task (fan-out
        one-off tasks live in a hidden process too) is completed with
        ``POST .../runs/{process_id}/completed-tasks``, a one-off task with
        ``POST /organizations/{org}/completed-tasks``.

        Args:
            task_id: the task's id, or the :class:`Task`.
            is_approved: the decision on an approval task (True approves), which
                Tallyfy requires there.
            override_user: complete on behalf of this member.

        Returns:
            The completed :class:`Task`.

        Raises:
            ValueError: the task is an approval and ``is_approved`` is missing; the
                completion was not sent.
            ValidationError: already completed, a required form field is empty, or an
                issue is open (422).
            NotFoundError: no such task.
        """
        ids = self._ids(task_id)
        body = completion_body(self._converter, ids["task_id"], is_approved, override_user)
        task = self._record(task_id) or await self.get(ids["task_id"])
        if task.run_id is not None:
            return await self._org.processes.tasks.complete(
                task, is_approved=is_approved, override_user=override_user
            )
        refuse_undecided_approval(task, body)
        return await self._item(COMPLETE_TASK, Task, json=body.json())

    async def reopen(self, task_id: str | Task, /) -> Task:
        """Reopen any completed task: through its process when it has one, else on its own.

        Given an id, the task is read first to learn its process. The task goes back
        to ``in-progress``; its completion fields are cleared.

        Args:
            task_id: the task's id, or the :class:`Task`.

        Returns:
            The reopened :class:`Task`.

        Raises:
            ValidationError: the task is not completed (422).
            NotFoundError: no such task.
        """
        ids = self._ids(task_id)
        task = self._record(task_id) or await self.get(ids["task_id"])
        if task.run_id is not None:
            return await self._org.processes.tasks.reopen(task)
        return await self._item(REOPEN_TASK, Task, ids)

    # -- archiving --------------------------------------------------------------------

    async def set_webhook(self, task_id: str | Task, /, *, url: str | None) -> Task:
        """Set or clear the URL Tallyfy posts to when any task is completed.

        A process's task is changed through its process (``PUT .../runs/{id}/tasks/{id}``),
        a one-off task through the organization (``PUT .../tasks/{id}``, which sends back
        its title, deadline and owners). Given an id, the task is read first to tell them
        apart; given the :class:`Task`, it is not.

        Args:
            task_id: the task's id, or the :class:`Task`.
            url: an absolute http(s) URL; None clears it.

        Returns:
            The updated :class:`Task`.

        Raises:
            TypeError, ValueError: a URL that is not absolute http(s) (nothing is sent).
            NotFoundError: no such task.
        """
        url = web_url("url", url, nullable=True)
        task = self._record(task_id) or await self.get(self._ids(task_id)["task_id"])
        if task.run_id is not None:
            return await self._org.processes.tasks.set_webhook(task, url=url)
        return await self.update(task, webhook=url)

    async def archive(self, task_id: str | Task, /) -> None:
        """Archive a one-off task: ``DELETE /organizations/{org}/tasks/{task_id}`` (204).

        :meth:`restore` brings it back.

        Raises:
            NotFoundError: no such task.
            ValidationError: the task belongs to a process (archive the process).
        """
        await self._send(ARCHIVE_TASK, self._ids(task_id))

    async def delete(self, task_id: str | Task, /) -> None:
        """Delete a one-off task for good: ``DELETE .../tasks/{task_id}/delete`` (204).

        Raises:
            NotFoundError: no such task.
            ValidationError: the task belongs to a process.
        """
        await self._send(DELETE_TASK, self._ids(task_id))

    async def restore(self, task_id: str | Task, /) -> Task:
        """Restore an archived one-off task: ``PUT .../tasks/{task_id}/restore``.

        Returns:
            The restored :class:`Task`.

        Raises:
            NotFoundError: no such task.
        """
        return await self._item(RESTORE_TASK, Task, self._ids(task_id))
