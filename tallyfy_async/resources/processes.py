"""Processes (the API's ``runs``): listing, launching, changing, archiving."""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal, overload

from tallyfy_async import _constants as C
from tallyfy_async._exactly_once import check_key, create_once, find_process, with_key
from tallyfy_async._routes import Route
from tallyfy_async._unset import UNSET, UnsetOr
from tallyfy_async.models.blueprints import BlueprintType
from tallyfy_async.models.form_fields import FormField
from tallyfy_async.models.processes import Process, ProcessFormFields, ProcessStatus
from tallyfy_async.pagination import Paginator
from tallyfy_async.resources import _kinds as kinds
from tallyfy_async.resources._base import Child, Resource
from tallyfy_async.resources._body import Body
from tallyfy_async.resources._checks import expect
from tallyfy_async.resources._form_values import check_owners, encode_form_values
from tallyfy_async.resources.comments import Comments
from tallyfy_async.resources.process_tasks import ProcessTasks

LIST_PROCESSES: Final = Route("GET", "/runs")
LAUNCH_PROCESS: Final = Route("POST", "/runs")
GET_PROCESS: Final = Route("GET", "/runs/{process_id}")
UPDATE_PROCESS: Final = Route("PUT", "/runs/{process_id}")
ARCHIVE_PROCESS: Final = Route("DELETE", "/runs/{process_id}")
DELETE_PROCESS: Final = Route("DELETE", "/runs/{process_id}/delete")
ACTIVATE_PROCESS: Final = Route("PUT", "/runs/{process_id}/activate")
COMPLETE_KICKOFF: Final = Route("POST", "/runs/{process_id}/complete-prerun")
REOPEN_KICKOFF: Final = Route("DELETE", "/runs/{process_id}/complete-prerun")
EXPORT_PROCESS: Final = Route("POST", "/runs/{process_id}/export")
PROCESS_FORM_FIELDS: Final = Route("GET", "/runs/{process_id}/form-fields")

NAME_MAX: Final = 550

#: The filters of the process list.
PROCESS_FILTERS: Final = {
    "q": kinds.TEXT,
    "status": kinds.TEXT,
    "owners": kinds.OneOrMany(item=int),
    "blueprint_id": kinds.Text(wire="checklist_id"),
    "folder": kinds.TEXT,
    "tag": kinds.OneOrMany(item=str),
    "groups": kinds.OneOrMany(item=str),
    "starred": kinds.FLAG,
    "type": kinds.TEXT,
    "archived": kinds.ARCHIVED,
    "with_": kinds.WITH,
    "sort": kinds.TEXT,
}
PROCESS_READ: Final = {"with_": kinds.WITH, "form_fields_values": kinds.FLAG}

#: What a step override of a launch (``tasks={step_id: {...}}``) takes.
STEP_OVERRIDE: Final = {
    "deadline": kinds.AWARE_DATE,
    "owners": kinds.Owners(),
    "position": kinds.Int(minimum=1),
    "max_assignable": kinds.Int(minimum=0),
}


def _step_overrides(name: str, tasks: Any) -> dict[str, dict[str, Any]]:
    """The launch body's ``tasks``: per-step overrides keyed by step id, checked."""
    expect(name, tasks, Mapping)
    overrides = {}
    for step_id, override in tasks.items():
        at = f"{name}[{step_id!r}]"
        expect(f"{at} key", step_id, str)
        expect(at, override, Mapping)
        body = Body(where=at + ".")
        body.put_all(STEP_OVERRIDE, override)
        overrides[step_id] = body.values()
    return overrides


def _roles(name: str, roles: Any) -> dict[str, dict[str, Any]]:
    """The launch body's ``roles``: assignees per role id, checked."""
    expect(name, roles, Mapping)
    clean: dict[str, dict[str, Any]] = {}
    for role_id, owners in roles.items():
        expect(f"{name} key {role_id!r}", role_id, (str, int))
        clean[str(role_id)] = check_owners(f"{name}[{role_id!r}]", owners, complete=True)
    return clean


#: The fields of a launch and of an update.
PROCESS_FIELDS: Final[dict[str, kinds.Kind]] = {
    "blueprint_id": kinds.Text(filled=True, wire="checklist_id"),
    "name": kinds.Text(max_len=NAME_MAX),
    "summary": kinds.TEXT_OR_NONE,
    "owner_id": kinds.INT,
    "user_id": kinds.INT,
    **kinds.flags("starred", "is_public", "assign_someone_else"),
    "publicly_hidden_fields": kinds.ListOf(item=str),
    "parent_id": kinds.TEXT,
    "users": kinds.ListOf(item=int),
    "groups": kinds.ListOf(item=str),
    "tasks": kinds.Checked(function=_step_overrides),
    "roles": kinds.Checked(function=_roles),
    "tags": kinds.ListOf(item=str),
    "folders": kinds.ListOf(item=str),
    # Kick-off values are encoded against the kick-off fields and sent as ``prerun``.
    "kickoff": kinds.Instance(types=Mapping, nullable=True, sent=False),
    "kickoff_fields": kinds.ListOf(item=FormField, sent=False),
}


class Processes(Resource):
    """Processes of one organization (``org.processes``).

    A process (the API's ``run``) is one launch of a blueprint: its tasks are made from
    the blueprint's steps, its kick-off form from the blueprint's kick-off fields.

    A process has no webhook URL of its own: Tallyfy's API has no route or field for one.
    Its events go to its blueprint's URL (``org.blueprints.set_webhook``: launch, every
    task completed, completion), or per task to its steps' and tasks' URLs
    (``org.steps.set_webhook``, ``org.processes.tasks.set_webhook``); organization-wide
    subscriptions are ``org.watchers``.

    Attributes:
        tasks: the tasks of processes (``org.processes.tasks``).
        comments: comments and issues on processes (``org.processes.comments``).
    """

    records = "/runs/{process_id}"
    model = Process
    tasks = Child(ProcessTasks)
    comments = Child(Comments[Process])

    def list(
        self,
        *,
        q: UnsetOr[str] = UNSET,
        status: UnsetOr[ProcessStatus | str] = UNSET,
        owners: UnsetOr[int | Sequence[int]] = UNSET,
        blueprint_id: UnsetOr[str] = UNSET,
        folder: UnsetOr[str] = UNSET,
        tag: UnsetOr[str | Sequence[str]] = UNSET,
        groups: UnsetOr[str | Sequence[str]] = UNSET,
        starred: UnsetOr[bool] = UNSET,
        type: UnsetOr[BlueprintType | str] = UNSET,
        archived: UnsetOr[bool | Literal["only"]] = UNSET,
        with_: UnsetOr[str | Sequence[str]] = UNSET,
        sort: UnsetOr[str] = UNSET,
        per_page: int = C.MAX_PER_PAGE,
        limit: int | None = None,
        concurrency: int = 1,
    ) -> Paginator[Process]:
        """List processes: ``GET /organizations/{org}/runs``.

        Archived processes are left out unless ``archived`` (or ``status="archived"``)
        asks for them.

        Args:
            q: text the name contains.
            status: :class:`ProcessStatus` (``problem`` also matches ``issue``).
            owners: member ids; processes they own or take part in.
            blueprint_id: only processes of this blueprint (sent as ``checklist_id``).
            folder: a folder id.
            tag: a tag id, or several.
            groups: a group id, or several.
            starred: only starred (True) or unstarred (False) processes.
            type: the blueprint type: procedure, form or document.
            archived: ``True`` to include archived processes, ``"only"`` for only them.
            with_: includes: ``checklist``, ``tasks``, ``tags``, ``next_task``,
                ``form_fields``, ``ko_form_fields``, ...
            sort: a field (``created_at``, ``name``, ...), ``-field`` for descending.
            per_page: page size (Tallyfy caps it at 100).
            limit: stop after this many processes.
            concurrency: pages fetched at once after the first.

        Returns:
            A :class:`~tallyfy_async.pagination.Paginator` of :class:`Process`.

        Raises:
            TypeError, ValueError: for a bad filter (nothing is sent).
        """
        return self._list(LIST_PROCESSES, Process, locals(), PROCESS_FILTERS)

    @overload
    async def get(
        self,
        process_id: str | Process,
        /,
        *,
        with_: UnsetOr[str | Sequence[str]] = ...,
        form_fields_values: UnsetOr[bool] = ...,
        raw: Literal[False] = False,
    ) -> Process: ...

    @overload
    async def get(
        self,
        process_id: str | Process,
        /,
        *,
        with_: UnsetOr[str | Sequence[str]] = ...,
        form_fields_values: UnsetOr[bool] = ...,
        raw: Literal[True],
    ) -> dict[str, Any]: ...

    async def get(
        self,
        process_id: str | Process,
        /,
        *,
        with_: UnsetOr[str | Sequence[str]] = UNSET,
        form_fields_values: UnsetOr[bool] = UNSET,
        raw: bool = False,
    ) -> Process | dict[str, Any]:
        """Read a process: ``GET /organizations/{org}/runs/{process_id}``.

        Args:
            process_id: the process's id (or the :class:`Process`, to read it again).
            with_: includes: ``checklist``, ``tasks``, ``tasks.threads``,
                ``tasks.form_fields``, ``next_task``, ``tags``, ``form_fields``,
                ``ko_form_fields``, ...
            form_fields_values: ask Tallyfy to add the form-field values.
            raw: True for the record as the dict Tallyfy sent, no model built (dates
                as their text, includes as ``{"data": ...}``): see :meth:`Paginator.raw
                <tallyfy_async.pagination.Paginator.raw>`.

        Returns:
            The :class:`Process`; its dict with ``raw=True``.

        Raises:
            NotFoundError: no such process.
        """
        params = self._query(PROCESS_READ, locals(), skip=("raw",))
        if raw:
            return await self._raw_item(GET_PROCESS, self._ids(process_id), params=params)
        return await self._item(GET_PROCESS, Process, self._ids(process_id), params=params)

    async def kickoff_fields(self, blueprint_id: str, /) -> builtins.list[FormField]:
        """The kick-off fields of a blueprint: ``GET /organizations/{org}/checklists/{id}``.

        :meth:`launch` reads them itself; read them once and pass them as its
        ``kickoff_fields`` to launch many processes with one read.

        Args:
            blueprint_id: the blueprint's id.

        Returns:
            The kick-off field definitions (``prerun``), in position order.

        Raises:
            NotFoundError: no such (live) blueprint.
        """
        return await self._org.blueprints.kickoff_fields(blueprint_id)

    async def launch(
        self,
        blueprint_id: str,
        /,
        *,
        name: UnsetOr[str] = UNSET,
        kickoff: UnsetOr[Mapping[Any, Any] | None] = UNSET,
        kickoff_fields: UnsetOr[Sequence[FormField]] = UNSET,
        summary: UnsetOr[str | None] = UNSET,
        owner_id: UnsetOr[int] = UNSET,
        user_id: UnsetOr[int] = UNSET,
        starred: UnsetOr[bool] = UNSET,
        is_public: UnsetOr[bool] = UNSET,
        assign_someone_else: UnsetOr[bool] = UNSET,
        publicly_hidden_fields: UnsetOr[Sequence[str]] = UNSET,
        parent_id: UnsetOr[str] = UNSET,
        users: UnsetOr[Sequence[int]] = UNSET,
        groups: UnsetOr[Sequence[str]] = UNSET,
        tasks: UnsetOr[Mapping[str, Mapping[str, Any]]] = UNSET,
        roles: UnsetOr[Mapping[str, Mapping[str, Any]]] = UNSET,
        tags: UnsetOr[Sequence[str]] = UNSET,
        folders: UnsetOr[Sequence[str]] = UNSET,
        dedupe_key: UnsetOr[str | int] = UNSET,
    ) -> Process:
        """Launch a process from a blueprint: ``POST /organizations/{org}/runs`` (201).

        The kick-off values are checked against the blueprint's kick-off fields before
        anything is sent: every required field must have a value (a launch without them
        is what failed 91.8 % of the official SDK's launches), every key must name a
        field, every value must fit its field (see
        :func:`~tallyfy_async.resources._form_values.encode_form_values` for the shapes).
        They are sent as the object keyed by timeline id Tallyfy requires. The fields are
        read with ``GET .../checklists/{blueprint_id}`` unless ``kickoff_fields`` is given.

        Args:
            blueprint_id: the blueprint to launch.
            name: the process name (at most 550 characters; Tallyfy makes one up if absent).
            kickoff: kick-off values keyed by field id, alias or label.
            kickoff_fields: the blueprint's kick-off fields, when already read
                (:meth:`kickoff_fields`); saves one request per launch.
            summary: a description.
            owner_id: the member who owns the process.
            user_id: the member launching it.
            starred, is_public, assign_someone_else: flags.
            publicly_hidden_fields: kick-off field ids hidden on the public page.
            parent_id: the process this one is launched from.
            users: member ids the process is shared with.
            groups: group ids the process is shared with.
            tasks: per-step overrides keyed by step id: ``{"deadline": aware datetime,
                "owners": {"users": [...], "guests": [...], "groups": [...]},
                "position": int, "max_assignable": int}``.
            roles: assignees per role id: ``{role_id: {"users", "guests", "groups"}}``.
            tags: tag ids.
            folders: folder ids.
            dedupe_key: launch exactly once: the key is recorded at the end of the name
                (``"Onboard Jane [row-17]"``), and when the answer to the launch is lost
                the process is looked up by it before anything is sent again; the one
                created is returned, or the launch is sent once more if none was (see
                ``tallyfy_async._exactly_once`` for why the name, and its trade-offs).
                Needs ``name``; at most 100 characters, no brackets.

        Returns:
            The new :class:`Process` (or, with ``dedupe_key``, the one already launched).

        Raises:
            OutcomeUnknownError: without ``dedupe_key``, the answer was lost (check before
                launching again); with it, every lookup came back empty after lost
                answers, or a lookup itself failed.
            FormValuesError: kick-off values refused (every problem listed, each naming
                its field); nothing was sent.
            TypeError, ValueError: another argument refused; nothing was sent.
            NotFoundError: no such (live) blueprint.
            ValidationError: Tallyfy refused the launch (422).
        """
        body = self._body(PROCESS_FIELDS, locals(), skip=("dedupe_key",))
        key = None if dedupe_key is UNSET else check_key(dedupe_key)
        if key is not None:
            body["name"] = with_key(name, key, "name", NAME_MAX)
        if kickoff_fields is UNSET:
            kickoff_fields = await self.kickoff_fields(blueprint_id)
        values = encode_form_values(
            kickoff_fields, None if kickoff is UNSET else kickoff, what="kickoff", require_all=True
        )
        prerun = {key: value for key, value in values.items() if value is not None}
        if prerun:
            body["prerun"] = prerun
        sent = body.json()
        if key is None:
            return await self._item(LAUNCH_PROCESS, Process, json=sent)
        return await create_once(
            lambda: self._item(LAUNCH_PROCESS, Process, json=sent),
            lambda: find_process(self, blueprint_id, key),
            what=f"launch [{key}]",
        )

    async def update(
        self,
        process_id: str | Process,
        /,
        *,
        name: UnsetOr[str] = UNSET,
        summary: UnsetOr[str | None] = UNSET,
        owner_id: UnsetOr[int] = UNSET,
        starred: UnsetOr[bool] = UNSET,
        is_public: UnsetOr[bool] = UNSET,
        publicly_hidden_fields: UnsetOr[Sequence[str]] = UNSET,
        users: UnsetOr[Sequence[int]] = UNSET,
        groups: UnsetOr[Sequence[str]] = UNSET,
        kickoff: UnsetOr[Mapping[Any, Any]] = UNSET,
    ) -> Process:
        """Change a process: ``PUT /organizations/{org}/runs/{process_id}`` (partial).

        Only the arguments you pass are sent. ``users`` and ``groups`` **replace** the
        lists they name, so pass the whole list you want; leaving them out keeps them as
        they are (this method never sends a list you did not give, so it never clears
        one by accident).

        Kick-off values are checked against the process's kick-off fields (read with
        ``GET .../runs/{process_id}/form-fields``) and merged into the stored ones; a
        value of ``None`` clears a field.

        There is no ``webhook`` here: Tallyfy gives a process no webhook URL of its own
        (set its blueprint's, steps' or tasks', see the class docstring).

        Args:
            process_id: the process's id, or the :class:`Process`.
            name: at most 550 characters.
            summary: a description; None clears it.
            owner_id: the member who owns the process.
            starred, is_public: flags.
            publicly_hidden_fields: kick-off field ids hidden on the public page.
            users: every member the process is shared with (replaces the list).
            groups: every group the process is shared with (replaces the list).
            kickoff: kick-off values keyed by field id, alias or label.

        Returns:
            The updated :class:`Process`.

        Raises:
            FormValuesError: kick-off values refused; nothing was sent.
            TypeError, ValueError: another argument refused; nothing was sent.
            NotFoundError: no such process.
            ValidationError: Tallyfy refused the data (422).
        """
        body = self._body(PROCESS_FIELDS, locals())
        ids = self._ids(process_id)
        if kickoff is not UNSET:
            definitions = (await self.form_fields(ids["process_id"])).ko_form_fields
            body["prerun"] = encode_form_values(
                definitions, kickoff, what="kickoff", require_all=False
            )
        return await self._item(UPDATE_PROCESS, Process, ids, json=body.json())

    async def archive(self, process_id: str | Process, /) -> Process:
        """Archive a process: ``DELETE /organizations/{org}/runs/{process_id}``.

        Its tasks, comments and files are archived with it; :meth:`activate` restores it.

        Returns:
            The archived :class:`Process` (``status`` archived, ``archived_at`` set).

        Raises:
            NotFoundError: no such process.
        """
        return await self._item(ARCHIVE_PROCESS, Process, self._ids(process_id))

    async def delete(self, process_id: str | Process, /) -> None:
        """Delete an archived process for good: ``DELETE .../runs/{process_id}/delete``.

        Raises:
            ValidationError: the process is not archived (422); archive it first.
            PermissionDeniedError: only administrators may delete (403).
            NotFoundError: no such process.
        """
        await self._send(DELETE_PROCESS, self._ids(process_id))

    async def activate(self, process_id: str | Process, /) -> Process:
        """Restore an archived process: ``PUT /organizations/{org}/runs/{process_id}/activate``.

        Returns:
            The :class:`Process`, back in the status it had.

        Raises:
            NotFoundError: no such process.
        """
        return await self._item(ACTIVATE_PROCESS, Process, self._ids(process_id))

    async def complete_kickoff(self, process_id: str | Process, /) -> Process | None:
        """Submit the kick-off form: ``POST .../runs/{process_id}/complete-prerun``.

        Returns:
            The :class:`Process` when Tallyfy sends it back (the documentation shows no
            body), else None.

        Raises:
            ValidationError: a required kick-off field has no value (422).
            NotFoundError: no such process.
        """
        return await self._maybe_process(COMPLETE_KICKOFF, process_id)

    async def reopen_kickoff(self, process_id: str | Process, /) -> Process | None:
        """Re-open the kick-off form: ``DELETE .../runs/{process_id}/complete-prerun``.

        Returns:
            The :class:`Process` when Tallyfy sends it back, else None.

        Raises:
            NotFoundError: no such process.
        """
        return await self._maybe_process(REOPEN_KICKOFF, process_id)

    async def _maybe_process(self, route: Route, process_id: str | Process) -> Process | None:
        response = await self._send(route, self._ids(process_id))
        data = response.data
        return self._structure(data, Process) if isinstance(data, dict) and "id" in data else None

    async def export(self, process_id: str | Process, /) -> Any:
        """Export a process as JSON: ``POST /organizations/{org}/runs/{process_id}/export``.

        Returns:
            The document as Tallyfy sends it (decoded JSON, not typed: its shape is not
            documented).

        Raises:
            NotFoundError: no such process.
        """
        response = await self._send(EXPORT_PROCESS, self._ids(process_id))
        return response.body

    async def form_fields(self, process_id: str | Process, /) -> ProcessFormFields:
        """Every form field of a process, with its answer in ``field_value``.

        ``GET /organizations/{org}/runs/{process_id}/form-fields``.

        Returns:
            :class:`ProcessFormFields`: the task fields and the kick-off fields.

        Raises:
            NotFoundError: no such process.
        """
        return await self._item(PROCESS_FORM_FIELDS, ProcessFormFields, self._ids(process_id))
