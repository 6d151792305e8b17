"""Tasks: the tasks of processes, and one-off tasks (catalogue §17)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, Final, Literal

from tallyfy_async import _constants as C
from tallyfy_async._exactly_once import check_key, create_once, find_task, with_key
from tallyfy_async._routes import Route
from tallyfy_async._urls import check_id
from tallyfy_async.models.common import Owners
from tallyfy_async.models.form_fields import FormField
from tallyfy_async.models.tasks import Task, TaskStatus, TaskType
from tallyfy_async.pagination import Paginator
from tallyfy_async.resources._base import Resource
from tallyfy_async.resources._field_definitions import form_field_definitions
from tallyfy_async.resources._form_values import (
    OWNER_BUCKETS,
    check_owners,
    encode_form_values,
)
from tallyfy_async.resources._payload import (
    UNSET,
    _Bool,
    _Int,
    _OptStr,
    _Str,
    _Unset,
    _With,
    at_least,
    aware,
    expect,
    ids,
    items,
    max_length,
    one_of,
    payload,
    query,
    require,
)

LIST_PROCESS_TASKS: Final = Route("GET", "/organizations/{org}/runs/{process_id}/tasks")
GET_PROCESS_TASK: Final = Route("GET", "/organizations/{org}/runs/{process_id}/tasks/{task_id}")
UPDATE_PROCESS_TASK: Final = Route("PUT", "/organizations/{org}/runs/{process_id}/tasks/{task_id}")
COMPLETE_PROCESS_TASK: Final = Route(
    "POST", "/organizations/{org}/runs/{process_id}/completed-tasks"
)
REOPEN_PROCESS_TASK: Final = Route(
    "DELETE", "/organizations/{org}/runs/{process_id}/completed-tasks/{task_id}"
)
LIST_TASKS: Final = Route("GET", "/organizations/{org}/tasks")
CREATE_TASK: Final = Route("POST", "/organizations/{org}/tasks")
GET_TASK: Final = Route("GET", "/organizations/{org}/tasks/{task_id}")
UPDATE_TASK: Final = Route("PUT", "/organizations/{org}/tasks/{task_id}")
ARCHIVE_TASK: Final = Route("DELETE", "/organizations/{org}/tasks/{task_id}")
DELETE_TASK: Final = Route("DELETE", "/organizations/{org}/tasks/{task_id}/delete")
RESTORE_TASK: Final = Route("PUT", "/organizations/{org}/tasks/{task_id}/restore")
COMPLETE_TASK: Final = Route("POST", "/organizations/{org}/completed-tasks")
REOPEN_TASK: Final = Route("DELETE", "/organizations/{org}/completed-tasks/{task_id}")
MY_TASKS: Final = Route("GET", "/organizations/{org}/me/tasks")
USER_TASKS: Final = Route("GET", "/organizations/{org}/users/{user_id}/tasks")
GUEST_TASKS: Final = Route("GET", "/organizations/{org}/guests/{guest_id}/tasks")

TITLE_MAX: Final = 600
TASK_TYPES: Final = frozenset(member.value for member in TaskType)
#: Values of the ``status`` filter of task lists (not the task statuses themselves).
LIST_STATUSES: Final = frozenset(
    (
        "all",
        "active",
        "active_visible",
        "incomplete",
        "inprogress",
        "not-started",
        "complete",
        "completed",
        "hasproblem",
        "overdue",
        "due_soon",
    )
)
#: The statuses a write may set (Tallyfy moves tasks to the others itself).
WRITE_STATUSES: Final = frozenset(("not-started", "in-progress"))

_When = datetime | _Unset
_Day = date | _Unset
_OwnersArg = Owners | Mapping[str, Sequence[Any]]
_FormValues = Mapping[Any, Any] | _Unset


def _day(field: str, value: Any) -> str | _Unset:
    """A date-only filter as ``YYYY-MM-DD`` (a datetime is refused: which day is ambiguous).

    Raises:
        TypeError: not a date.
    """
    if isinstance(value, _Unset):
        return value
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(
            f"{field} must be a date (datetime.date, not a datetime: the day depends on the "
            f"time zone), got {type(value).__name__}: {value!r:.60}"
        )
    return value.isoformat()


def _created(value: Any) -> str | _Unset:
    """``created``: one day, or a ``(first, last)`` range sent as ``first:last``."""
    if isinstance(value, tuple):
        if len(value) != 2:
            raise TypeError(f"created takes a date or a (first, last) pair, got {value!r:.60}")
        return f"{_day('created[0]', value[0])}:{_day('created[1]', value[1])}"
    return _day("created", value)


def _task_fields(
    *,
    title: Any = UNSET,
    summary: Any = UNSET,
    task_type: Any = UNSET,
    deadline: Any = UNSET,
    started_at: Any = UNSET,
    status: Any = UNSET,
    position: Any = UNSET,
    max_assignable: Any = UNSET,
    webhook: Any = UNSET,
    flags: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Check the fields task writes share; UNSET ones stay UNSET.

    Raises:
        TypeError, ValueError: naming the field.
    """
    if title is not UNSET:
        require("title", title)
        expect("title", title, str)
        max_length("title", title, TITLE_MAX)
    expect("summary", summary, str, nullable=True)
    if task_type is not UNSET:
        task_type = one_of("task_type", task_type, TASK_TYPES)
    aware("deadline", deadline)
    aware("started_at", started_at)
    if status is not UNSET:
        status = one_of("status", status, WRITE_STATUSES)
    at_least("position", position, 1)
    at_least("max_assignable", max_assignable, 0)
    expect("webhook", webhook, str, nullable=True)
    for name, flag in (flags or {}).items():
        expect(name, flag, bool)
    return {
        "title": title,
        "summary": summary,
        "task_type": task_type,
        "deadline": deadline,
        "started_at": started_at,
        "status": status,
        "position": position,
        "max_assignable": max_assignable,
        "webhook": webhook,
        **(flags or {}),
    }


class Tasks(Resource):
    """Tasks of one organization (``org.tasks``): process tasks and one-off tasks.

    A process task belongs to a process (its ``run_id``) and is written through the
    process's routes; a one-off task has no process and is written through the
    organization's. Reads work for both through :meth:`get` without a process id.
    """

    # -- listing ----------------------------------------------------------------------

    def list(
        self,
        process_id: str | None = None,
        *,
        status: str | _Unset = UNSET,
        owners: int | Sequence[int] | _Unset = UNSET,
        guests: str | Sequence[str] | _Unset = UNSET,
        groups: str | Sequence[str] | _Unset = UNSET,
        unassigned: _Bool = UNSET,
        deadline_on: _Day = UNSET,
        deadline_before: _Day = UNSET,
        deadline_after: _Day = UNSET,
        deadline_start_range: _Day = UNSET,
        deadline_end_range: _Day = UNSET,
        q: _Str = UNSET,
        tag: str | Sequence[str] | _Unset = UNSET,
        folder: _Str = UNSET,
        created: date | tuple[date, date] | _Unset = UNSET,
        is_oneoff: _Bool = UNSET,
        archived: bool | Literal["only"] | _Unset = UNSET,
        with_: _With = UNSET,
        sort: _Str = UNSET,
        per_page: int = C.MAX_PER_PAGE,
        limit: int | None = None,
        concurrency: int = 1,
    ) -> Paginator[Task]:
        """List the tasks of a process, or of the whole organization.

        With ``process_id``: ``GET /organizations/{org}/runs/{process_id}/tasks``
        (by position unless sorted otherwise). Without: ``GET /organizations/{org}/tasks``,
        every task of the organization, one-off tasks included.

        Args:
            process_id: the process whose tasks to list; None for the organization's.
            status: ``active``, ``incomplete``, ``inprogress``, ``not-started``,
                ``complete``, ``hasproblem``, ``overdue``, ``due_soon``, ``all``...
            owners: member ids (tasks assigned to any of them).
            guests: guest emails.
            groups: group ids.
            unassigned: only tasks with no assignee.
            deadline_on, deadline_before, deadline_after, deadline_start_range,
                deadline_end_range: ``datetime.date`` bounds on the deadline.
            q: text the title contains (organization list only).
            tag: tag id(s) (organization list only).
            folder: a folder id (organization list only).
            created: a creation day, or a ``(first, last)`` pair (organization list only).
            is_oneoff: only one-off (True) or process (False) tasks (organization list only).
            archived: ``True`` to include archived tasks, ``"only"`` for only them
                (organization list only).
            with_: includes: ``run``, ``step``, ``threads``, ``form_fields``, ``tags``,
                ``summary``, ...
            sort: ``deadline``, ``position``, ``newest``, ``problems``...; ``-`` for
                descending.
            per_page: page size (Tallyfy caps it at 100).
            limit: stop after this many tasks.
            concurrency: pages fetched at once after the first.

        Returns:
            A :class:`~tallyfy_async.pagination.Paginator` of :class:`Task`.

        Raises:
            TypeError, ValueError: a bad filter, or one the process list does not take.
        """
        org_only = {
            "q": q,
            "tag": tag,
            "folder": folder,
            "created": created,
            "is_oneoff": is_oneoff,
            "archived": archived,
        }
        if process_id is not None:
            given = [name for name, value in org_only.items() if value is not UNSET]
            if given:
                raise ValueError(
                    f"{', '.join(given)}: filter(s) of the organization's task list only; "
                    "Tallyfy ignores them on a process's tasks (leave out process_id)"
                )
        for name, text in (("q", q), ("folder", folder), ("sort", sort)):
            expect(name, text, str)
        expect("unassigned", unassigned, bool)
        expect("is_oneoff", is_oneoff, bool)
        if archived != "only":
            expect("archived", archived, bool)
        params = query(
            status=UNSET if status is UNSET else one_of("status", status, LIST_STATUSES),
            owners=ids("owners", owners, int),
            guests=ids("guests", guests, str),
            groups=ids("groups", groups, str),
            unassigned=unassigned,
            deadline_on=_day("deadline_on", deadline_on),
            deadline_before=_day("deadline_before", deadline_before),
            deadline_after=_day("deadline_after", deadline_after),
            deadline_start_range=_day("deadline_start_range", deadline_start_range),
            deadline_end_range=_day("deadline_end_range", deadline_end_range),
            q=q,
            tag=ids("tag", tag, str),
            folder=folder,
            created=_created(created),
            is_oneoff=is_oneoff,
            archived=archived,
            sort=sort,
            with_=with_,
        )
        path_ids: dict[str, object] = {}
        route = LIST_TASKS
        if process_id is not None:
            route, path_ids = LIST_PROCESS_TASKS, {"process_id": process_id}
        return self._list(
            route,
            Task,
            path_ids,
            params=params,
            per_page=per_page,
            limit=limit,
            concurrency=concurrency,
        )

    def mine(
        self,
        *,
        status: str | None = "all",
        q: _Str = UNSET,
        sort: _Str = UNSET,
        with_: _With = UNSET,
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
        return self._assigned(
            MY_TASKS, {}, status, q, sort, UNSET, with_, per_page, limit, concurrency
        )

    def for_user(
        self,
        user_id: int,
        *,
        status: str | _Unset = UNSET,
        q: _Str = UNSET,
        sort: _Str = UNSET,
        tag: _Str = UNSET,
        with_: _With = UNSET,
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
        return self._assigned(
            USER_TASKS,
            {"user_id": user_id},
            None if status is UNSET else status,
            q,
            sort,
            tag,
            with_,
            per_page,
            limit,
            concurrency,
        )

    def for_guest(
        self,
        guest_id: int,
        *,
        status: str | _Unset = UNSET,
        sort: _Str = UNSET,
        with_: _With = UNSET,
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
        expect("sort", sort, str)
        params = query(
            status=UNSET if status is UNSET else one_of("status", status, LIST_STATUSES),
            sort_by=sort,
            with_=with_,
        )
        return self._list(
            GUEST_TASKS,
            Task,
            {"guest_id": guest_id},
            params=params,
            per_page=per_page,
            limit=limit,
            concurrency=concurrency,
        )

    def _assigned(
        self,
        route: Route,
        path_ids: dict[str, object],
        status: str | None,
        q: _Str,
        sort: _Str,
        tag: _Str,
        with_: _With,
        per_page: int,
        limit: int | None,
        concurrency: int,
    ) -> Paginator[Task]:
        for name, text in (("q", q), ("sort", sort), ("tag", tag)):
            expect(name, text, str)
        params = query(
            status=UNSET if status is None else one_of("status", status, LIST_STATUSES),
            q=q,
            sort=sort,
            tag=tag,
            with_=with_,
        )
        return self._list(
            route,
            Task,
            path_ids,
            params=params,
            per_page=per_page,
            limit=limit,
            concurrency=concurrency,
        )

    # -- reading ----------------------------------------------------------------------

    async def get(
        self, task_id: str, process_id: str | None = None, *, with_: _With = UNSET
    ) -> Task:
        """Read a task.

        Without ``process_id``: ``GET /organizations/{org}/tasks/{task_id}``, which reads
        any task, one-off or not (its ``run_id`` says which process it belongs to). With
        it: ``GET /organizations/{org}/runs/{process_id}/tasks/{task_id}``.

        Args:
            task_id: the task's id.
            process_id: the process it belongs to, to read it through the process.
            with_: includes: ``run``, ``step``, ``threads``, ``form_fields``, ``tags``...

        Returns:
            The :class:`Task` (with its ``summary``).

        Raises:
            NotFoundError: no such task (in that process).
        """
        params = query(with_=with_)
        if process_id is None:
            return await self._item(GET_TASK, Task, {"task_id": task_id}, params=params)
        return await self._item(
            GET_PROCESS_TASK,
            Task,
            {"process_id": process_id, "task_id": task_id},
            params=params,
        )

    # -- writing ----------------------------------------------------------------------

    async def create(
        self,
        *,
        title: str,
        task_type: TaskType | str,
        owners: _OwnersArg,
        deadline: datetime,
        summary: _OptStr = UNSET,
        started_at: _When = UNSET,
        status: TaskStatus | str | _Unset = UNSET,
        max_assignable: _Int = UNSET,
        separate_task_for_each_assignee: _Bool = UNSET,
        everyone_must_complete: _Bool = UNSET,
        can_complete_only_assignees: _Bool = UNSET,
        is_soft_start_date: _Bool = UNSET,
        prevent_guest_comment: _Bool = UNSET,
        top_secret: _Bool = UNSET,
        webhook: _OptStr = UNSET,
        tags: Sequence[str] | _Unset = UNSET,
        form_fields: Sequence[FormField | Mapping[str, Any]] | _Unset = UNSET,
        run_id: _Str = UNSET,
        dedupe_key: str | int | None = None,
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
        require("task_type", task_type)
        require("owners", owners)
        require("deadline", deadline, "Tallyfy requires a deadline on a one-off task")
        key = None if dedupe_key is None else check_key(dedupe_key)
        if key is not None:
            title = with_key(title, key, "title", TITLE_MAX)
        fields = _task_fields(
            title=title,
            summary=summary,
            task_type=task_type,
            deadline=deadline,
            started_at=started_at,
            status=status,
            max_assignable=max_assignable,
            webhook=webhook,
            flags={
                "separate_task_for_each_assignee": separate_task_for_each_assignee,
                "everyone_must_complete": everyone_must_complete,
                "can_complete_only_assignees": can_complete_only_assignees,
                "is_soft_start_date": is_soft_start_date,
                "prevent_guest_comment": prevent_guest_comment,
                "top_secret": top_secret,
            },
        )
        fields["owners"] = check_owners("owners", owners, complete=True)
        expect("run_id", run_id, str)
        fields["run_id"] = run_id
        fields["tags"] = UNSET if tags is UNSET else items("tags", tags, str)
        fields["form_fields"] = (
            UNSET
            if form_fields is UNSET
            else form_field_definitions("form_fields", form_fields, keep_existing=False)
        )
        body = payload(self._org.client.converter, fields)
        if key is None:
            return await self._item(CREATE_TASK, Task, json=body)
        return await create_once(
            lambda: self._item(CREATE_TASK, Task, json=body),
            lambda: find_task(self, key),
            what=f"task [{key}]",
        )

    async def update(
        self,
        process_id: str,
        task_id: str,
        *,
        title: _Str = UNSET,
        summary: _OptStr = UNSET,
        owners: _OwnersArg | _Unset = UNSET,
        deadline: _When = UNSET,
        started_at: _When = UNSET,
        status: TaskStatus | str | _Unset = UNSET,
        position: _Int = UNSET,
        max_assignable: _Int = UNSET,
        task_type: TaskType | str | _Unset = UNSET,
        top_secret: _Bool = UNSET,
        prevent_guest_comment: _Bool = UNSET,
        webhook: _OptStr = UNSET,
        form_values: _FormValues = UNSET,
    ) -> Task:
        """Change a process task: ``PUT /organizations/{org}/runs/{process_id}/tasks/{task_id}``.

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
            process_id: the process the task belongs to.
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
        fields = _task_fields(
            title=title,
            summary=summary,
            task_type=task_type,
            deadline=deadline,
            started_at=started_at,
            status=status,
            position=position,
            max_assignable=max_assignable,
            webhook=webhook,
            flags={"top_secret": top_secret, "prevent_guest_comment": prevent_guest_comment},
        )
        await self._owners_and_values(fields, task_id, process_id, owners, form_values)
        body = payload(self._org.client.converter, fields)
        return await self._item(
            UPDATE_PROCESS_TASK,
            Task,
            {"process_id": process_id, "task_id": task_id},
            json=body,
        )

    async def update_one_off(
        self,
        task_id: str,
        *,
        title: _Str = UNSET,
        deadline: _When = UNSET,
        owners: _OwnersArg | _Unset = UNSET,
        summary: _OptStr = UNSET,
        started_at: _When = UNSET,
        status: TaskStatus | str | _Unset = UNSET,
        max_assignable: _Int = UNSET,
        task_type: TaskType | str | _Unset = UNSET,
        top_secret: _Bool = UNSET,
        prevent_guest_comment: _Bool = UNSET,
        webhook: _OptStr = UNSET,
        form_values: _FormValues = UNSET,
    ) -> Task:
        """Change a one-off task: ``PUT /organizations/{org}/tasks/{task_id}``.

        Tallyfy requires ``title``, ``deadline`` and ``owners`` on every PUT of a one-off
        task. Those you do not pass are read from the task first
        (``GET /organizations/{org}/tasks/{task_id}``) and sent back as they are, so
        leaving an argument out keeps it. ``owners`` with only some buckets keeps the
        others, as in :meth:`update`. (Two requests then; a change made by someone else
        between them can be overwritten.)

        Args:
            task_id: the task's id.
            title, deadline, owners: as in :meth:`create`; read from the task when absent.
            summary, started_at, status, max_assignable, task_type, top_secret,
                prevent_guest_comment, webhook, form_values: as in :meth:`update`.

        Returns:
            The updated :class:`Task`.

        Raises:
            FormValuesError: form values refused (each problem naming its field).
            TypeError, ValueError: another argument refused; nothing was sent.
            NotFoundError: no such task.
            ValidationError: Tallyfy refused the change (422).
        """
        fields = _task_fields(
            title=title,
            summary=summary,
            task_type=task_type,
            deadline=deadline,
            started_at=started_at,
            status=status,
            max_assignable=max_assignable,
            webhook=webhook,
            flags={"top_secret": top_secret, "prevent_guest_comment": prevent_guest_comment},
        )
        current = await self._owners_and_values(
            fields, task_id, None, owners, form_values, need=title is UNSET or deadline is UNSET
        )
        if current is not None:
            if fields["title"] is UNSET:
                fields["title"] = current.title
            if fields["deadline"] is UNSET:
                if current.deadline is None:
                    raise ValueError(
                        f"deadline is required on every update of a one-off task and task "
                        f"{task_id} has none; pass deadline="
                    )
                fields["deadline"] = current.deadline
        body = payload(self._org.client.converter, fields)
        return await self._item(UPDATE_TASK, Task, {"task_id": task_id}, json=body)

    async def _owners_and_values(
        self,
        fields: dict[str, Any],
        task_id: str,
        process_id: str | None,
        owners: Any,
        form_values: Any,
        *,
        need: bool = False,
    ) -> Task | None:
        """Put ``owners`` and ``taskdata`` into ``fields``, reading the task when needed.

        The task is read when ``need`` is set, when ``owners`` leaves a bucket out (its
        current members are kept), when ``owners`` is absent but required (one-off
        tasks), or when there are form values to check against the task's form fields.

        Returns:
            The task as read, or None when it was not read.
        """
        expect("form_values", form_values, Mapping)
        given = UNSET if owners is UNSET else check_owners("owners", owners, complete=False)
        one_off = process_id is None
        partial = isinstance(given, dict) and len(given) < len(OWNER_BUCKETS)
        need = need or partial or (one_off and given is UNSET) or form_values is not UNSET
        current = None
        if need:
            with_ = "form_fields" if form_values is not UNSET else UNSET
            current = await self.get(task_id, process_id, with_=with_)
        if isinstance(given, dict):
            if partial:
                have = (current.owners if current else None) or Owners()
                given = {**have.to_wire(), **given}
            fields["owners"] = given
        elif one_off and current is not None:
            fields["owners"] = (current.owners or Owners()).to_wire()
        if isinstance(form_values, Mapping) and current is not None:
            fields["taskdata"] = encode_form_values(
                current.form_fields or [], form_values, what="form_values", require_all=False
            )
        return current

    # -- completing -------------------------------------------------------------------

    async def complete(
        self,
        process_id: str | None = None,
        task_id: str | None = None,
        *,
        is_approved: bool | None = None,
        override_user: int | None = None,
    ) -> Task:
        """Complete a task: ``POST /organizations/{org}/runs/{process_id}/completed-tasks``.

        With ``process_id=None`` the task is read first (``GET .../tasks/{task_id}``) and
        completed through its process when it has one (fan-out one-off tasks live in a
        hidden process), else through :meth:`complete_one_off`. Form values cannot be
        sent with a completion: :meth:`update` them first.

        Args:
            process_id: the process the task belongs to; None to look it up.
            task_id: the task's id.
            is_approved: the answer of an approval task.
            override_user: complete on behalf of this member.

        Returns:
            The completed :class:`Task` (``tasks_changed_by_rules`` says what
            automations changed).

        Raises:
            ValueError: no ``task_id``.
            ValidationError: already completed, a required form field is empty, or an
                issue is open (422).
            NotFoundError: no such process.
        """
        task_id = _task_id(task_id)
        expect("is_approved", is_approved, bool, nullable=True)
        expect("override_user", override_user, int, nullable=True)
        if process_id is None:
            process_id = (await self.get(task_id)).run_id
            if process_id is None:
                return await self.complete_one_off(
                    task_id, is_approved=is_approved, override_user=override_user
                )
        body = _completion(task_id, is_approved, override_user)
        return await self._item(COMPLETE_PROCESS_TASK, Task, {"process_id": process_id}, json=body)

    async def reopen(self, process_id: str | None = None, task_id: str | None = None) -> Task:
        """Reopen a completed task: ``DELETE .../runs/{process_id}/completed-tasks/{task_id}``.

        With ``process_id=None`` the task is read first and reopened through its process
        when it has one, else through :meth:`reopen_one_off`. The task goes back to
        ``in-progress``; its completion fields are cleared.

        Args:
            process_id: the process the task belongs to; None to look it up.
            task_id: the task's id.

        Returns:
            The reopened :class:`Task`.

        Raises:
            ValueError: no ``task_id``.
            ValidationError: the task is not completed (422).
            NotFoundError: no such task.
        """
        task_id = _task_id(task_id)
        if process_id is None:
            process_id = (await self.get(task_id)).run_id
            if process_id is None:
                return await self.reopen_one_off(task_id)
        return await self._item(
            REOPEN_PROCESS_TASK, Task, {"process_id": process_id, "task_id": task_id}
        )

    async def complete_one_off(
        self,
        task_id: str,
        *,
        is_approved: bool | None = None,
        override_user: int | None = None,
    ) -> Task:
        """Complete a one-off task: ``POST /organizations/{org}/completed-tasks``.

        Only for tasks without a process (``run_id`` None); use :meth:`complete` for
        the others.

        Args:
            task_id: the task's id.
            is_approved: the answer of an approval task.
            override_user: complete on behalf of this member.

        Returns:
            The completed :class:`Task`.

        Raises:
            ValidationError: the task belongs to a process, is completed already, or a
                required form field is empty (422).
        """
        expect("is_approved", is_approved, bool, nullable=True)
        expect("override_user", override_user, int, nullable=True)
        body = _completion(_task_id(task_id), is_approved, override_user)
        return await self._item(COMPLETE_TASK, Task, json=body)

    async def reopen_one_off(self, task_id: str) -> Task:
        """Reopen a completed one-off task: ``DELETE /organizations/{org}/completed-tasks/{id}``.

        Returns:
            The reopened :class:`Task`.

        Raises:
            ValidationError: the task is not completed (422).
            NotFoundError: no such task.
        """
        return await self._item(REOPEN_TASK, Task, {"task_id": task_id})

    # -- archiving --------------------------------------------------------------------

    async def archive(self, task_id: str) -> None:
        """Archive a one-off task: ``DELETE /organizations/{org}/tasks/{task_id}`` (204).

        :meth:`restore` brings it back.

        Raises:
            NotFoundError: no such task.
            ValidationError: the task belongs to a process (archive the process).
        """
        await self._send(ARCHIVE_TASK, {"task_id": task_id})

    async def delete(self, task_id: str) -> None:
        """Delete a one-off task for good: ``DELETE .../tasks/{task_id}/delete`` (204).

        Raises:
            NotFoundError: no such task.
            ValidationError: the task belongs to a process.
        """
        await self._send(DELETE_TASK, {"task_id": task_id})

    async def restore(self, task_id: str) -> Task:
        """Restore an archived one-off task: ``PUT .../tasks/{task_id}/restore``.

        Returns:
            The restored :class:`Task`.

        Raises:
            NotFoundError: no such task.
        """
        return await self._item(RESTORE_TASK, Task, {"task_id": task_id})


def _task_id(task_id: str | None) -> str:
    if task_id is None:
        raise ValueError("task_id is required (pass the task's id)")
    expect("task_id", task_id, str)
    require("task_id", task_id)
    return check_id(task_id, "task_id")


def _completion(
    task_id: str, is_approved: bool | None, override_user: int | None
) -> dict[str, Any]:
    body: dict[str, Any] = {"task_id": task_id}
    if is_approved is not None:
        body["is_approved"] = is_approved
    if override_user is not None:
        body["override_user"] = override_user
    return body
