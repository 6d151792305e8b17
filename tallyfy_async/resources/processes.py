"""Processes (the API's ``runs``): listing, launching, changing, archiving (catalogue §16)."""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal

from tallyfy_async import _constants as C
from tallyfy_async._exactly_once import check_key, create_once, find_process, with_key
from tallyfy_async._routes import Route
from tallyfy_async.models.blueprints import BlueprintType
from tallyfy_async.models.form_fields import FormField
from tallyfy_async.models.processes import Process, ProcessFormFields, ProcessStatus
from tallyfy_async.pagination import Paginator
from tallyfy_async.resources._base import Resource
from tallyfy_async.resources._form_values import check_owners, encode_form_values
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
    payload,
    query,
    require,
)

LIST_PROCESSES: Final = Route("GET", "/organizations/{org}/runs")
LAUNCH_PROCESS: Final = Route("POST", "/organizations/{org}/runs")
GET_PROCESS: Final = Route("GET", "/organizations/{org}/runs/{process_id}")
UPDATE_PROCESS: Final = Route("PUT", "/organizations/{org}/runs/{process_id}")
ARCHIVE_PROCESS: Final = Route("DELETE", "/organizations/{org}/runs/{process_id}")
DELETE_PROCESS: Final = Route("DELETE", "/organizations/{org}/runs/{process_id}/delete")
ACTIVATE_PROCESS: Final = Route("PUT", "/organizations/{org}/runs/{process_id}/activate")
COMPLETE_KICKOFF: Final = Route("POST", "/organizations/{org}/runs/{process_id}/complete-prerun")
REOPEN_KICKOFF: Final = Route("DELETE", "/organizations/{org}/runs/{process_id}/complete-prerun")
EXPORT_PROCESS: Final = Route("POST", "/organizations/{org}/runs/{process_id}/export")
PROCESS_FORM_FIELDS: Final = Route("GET", "/organizations/{org}/runs/{process_id}/form-fields")

NAME_MAX: Final = 550
_OVERRIDE_KEYS: Final = frozenset(("deadline", "owners", "position", "max_assignable"))

FormValues = Mapping[Any, Any]


class Processes(Resource):
    """Processes of one organization (``org.processes``).

    A process (the API's ``run``) is one launch of a blueprint: its tasks are made from
    the blueprint's steps, its kick-off form from the blueprint's kick-off fields.
    """

    def list(
        self,
        *,
        q: _Str = UNSET,
        status: ProcessStatus | str | _Unset = UNSET,
        owners: int | Sequence[int] | _Unset = UNSET,
        blueprint_id: _Str = UNSET,
        folder: _Str = UNSET,
        tag: str | Sequence[str] | _Unset = UNSET,
        groups: str | Sequence[str] | _Unset = UNSET,
        starred: _Bool = UNSET,
        type: BlueprintType | str | _Unset = UNSET,
        archived: bool | Literal["only"] | _Unset = UNSET,
        with_: _With = UNSET,
        sort: _Str = UNSET,
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
        for name, text in (
            ("q", q),
            ("status", status),
            ("blueprint_id", blueprint_id),
            ("folder", folder),
            ("type", type),
            ("sort", sort),
        ):
            expect(name, text, str)
        expect("starred", starred, bool)
        if archived != "only":
            expect("archived", archived, bool)
        params = query(
            q=q,
            status=status,
            owners=ids("owners", owners, int),
            checklist_id=blueprint_id,
            folder=folder,
            tag=ids("tag", tag, str),
            groups=ids("groups", groups, str),
            starred=starred,
            type=type,
            archived=archived,
            sort=sort,
            with_=with_,
        )
        return self._list(
            LIST_PROCESSES,
            Process,
            params=params,
            per_page=per_page,
            limit=limit,
            concurrency=concurrency,
        )

    async def get(
        self,
        process_id: str,
        *,
        with_: _With = UNSET,
        form_fields_values: _Bool = UNSET,
    ) -> Process:
        """Read a process: ``GET /organizations/{org}/runs/{process_id}``.

        Args:
            process_id: the process's id.
            with_: includes: ``checklist``, ``tasks``, ``tasks.threads``,
                ``tasks.form_fields``, ``next_task``, ``tags``, ``form_fields``,
                ``ko_form_fields``, ...
            form_fields_values: ask Tallyfy to add the form-field values.

        Returns:
            The :class:`Process`.

        Raises:
            NotFoundError: no such process.
        """
        expect("form_fields_values", form_fields_values, bool)
        params = query(form_fields_values=form_fields_values, with_=with_)
        return await self._item(GET_PROCESS, Process, {"process_id": process_id}, params=params)

    async def kickoff_fields(self, blueprint_id: str) -> builtins.list[FormField]:
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
        *,
        name: _Str = UNSET,
        kickoff: FormValues | None = None,
        kickoff_fields: Sequence[FormField] | None = None,
        summary: _OptStr = UNSET,
        owner_id: _Int = UNSET,
        user_id: _Int = UNSET,
        starred: _Bool = UNSET,
        is_public: _Bool = UNSET,
        assign_someone_else: _Bool = UNSET,
        publicly_hidden_fields: Sequence[str] | _Unset = UNSET,
        parent_id: _Str = UNSET,
        users: Sequence[int] | _Unset = UNSET,
        groups: Sequence[str] | _Unset = UNSET,
        tasks: Mapping[str, Mapping[str, Any]] | _Unset = UNSET,
        roles: Mapping[str, Mapping[str, Any]] | _Unset = UNSET,
        tags: Sequence[str] | _Unset = UNSET,
        folders: Sequence[str] | _Unset = UNSET,
        dedupe_key: str | int | None = None,
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
        require("blueprint_id", blueprint_id)
        expect("blueprint_id", blueprint_id, str)
        expect("name", name, str)
        key = None if dedupe_key is None else check_key(dedupe_key)
        if key is not None:
            name = with_key(name, key, "name", NAME_MAX)
        max_length("name", name, NAME_MAX)
        expect("kickoff", kickoff, Mapping, nullable=True)
        expect("summary", summary, str, nullable=True)
        expect("owner_id", owner_id, int)
        expect("user_id", user_id, int)
        for flag, value in (
            ("starred", starred),
            ("is_public", is_public),
            ("assign_someone_else", assign_someone_else),
        ):
            expect(flag, value, bool)
        expect("parent_id", parent_id, str)
        fields = {
            "checklist_id": blueprint_id,
            "name": name,
            "summary": summary,
            "owner_id": owner_id,
            "user_id": user_id,
            "starred": starred,
            "is_public": is_public,
            "assign_someone_else": assign_someone_else,
            "publicly_hidden_fields": _list_or_unset(
                "publicly_hidden_fields", publicly_hidden_fields, str
            ),
            "parent_id": parent_id,
            "users": _list_or_unset("users", users, int),
            "groups": _list_or_unset("groups", groups, str),
            "tasks": _task_overrides(tasks),
            "roles": _roles(roles),
            "tags": _list_or_unset("tags", tags, str),
            "folders": _list_or_unset("folders", folders, str),
        }
        if kickoff_fields is None:
            kickoff_fields = await self.kickoff_fields(blueprint_id)
        else:
            kickoff_fields = items("kickoff_fields", kickoff_fields, FormField)
        values = encode_form_values(kickoff_fields, kickoff, what="kickoff", require_all=True)
        prerun = {key: value for key, value in values.items() if value is not None}
        if prerun:
            fields["prerun"] = prerun
        body = payload(self._org.client.converter, fields)
        if key is None:
            return await self._item(LAUNCH_PROCESS, Process, json=body)
        return await create_once(
            lambda: self._item(LAUNCH_PROCESS, Process, json=body),
            lambda: find_process(self, blueprint_id, key),
            what=f"launch [{key}]",
        )

    async def update(
        self,
        process_id: str,
        *,
        name: _Str = UNSET,
        summary: _OptStr = UNSET,
        owner_id: _Int = UNSET,
        starred: _Bool = UNSET,
        is_public: _Bool = UNSET,
        publicly_hidden_fields: Sequence[str] | _Unset = UNSET,
        users: Sequence[int] | _Unset = UNSET,
        groups: Sequence[str] | _Unset = UNSET,
        kickoff: FormValues | _Unset = UNSET,
    ) -> Process:
        """Change a process: ``PUT /organizations/{org}/runs/{process_id}`` (partial).

        Only the arguments you pass are sent. ``users`` and ``groups`` **replace** the
        lists they name, so pass the whole list you want; leaving them out keeps them as
        they are (this method never sends a list you did not give, so it never clears
        one by accident).

        Kick-off values are checked against the process's kick-off fields (read with
        ``GET .../runs/{process_id}/form-fields``) and merged into the stored ones; a
        value of ``None`` clears a field.

        Args:
            process_id: the process's id.
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
        expect("name", name, str)
        max_length("name", name, NAME_MAX)
        expect("summary", summary, str, nullable=True)
        expect("owner_id", owner_id, int)
        expect("starred", starred, bool)
        expect("is_public", is_public, bool)
        expect("kickoff", kickoff, Mapping)
        fields: dict[str, Any] = {
            "name": name,
            "summary": summary,
            "owner_id": owner_id,
            "starred": starred,
            "is_public": is_public,
            "publicly_hidden_fields": _list_or_unset(
                "publicly_hidden_fields", publicly_hidden_fields, str
            ),
            "users": _list_or_unset("users", users, int),
            "groups": _list_or_unset("groups", groups, str),
        }
        if isinstance(kickoff, Mapping):
            definitions = (await self.form_fields(process_id)).ko_form_fields
            fields["prerun"] = encode_form_values(
                definitions, kickoff, what="kickoff", require_all=False
            )
        body = payload(self._org.client.converter, fields)
        return await self._item(UPDATE_PROCESS, Process, {"process_id": process_id}, json=body)

    async def archive(self, process_id: str) -> Process:
        """Archive a process: ``DELETE /organizations/{org}/runs/{process_id}``.

        Its tasks, comments and files are archived with it; :meth:`activate` restores it.

        Returns:
            The archived :class:`Process` (``status`` archived, ``archived_at`` set).

        Raises:
            NotFoundError: no such process.
        """
        return await self._item(ARCHIVE_PROCESS, Process, {"process_id": process_id})

    async def delete(self, process_id: str) -> None:
        """Delete an archived process for good: ``DELETE .../runs/{process_id}/delete``.

        Raises:
            ValidationError: the process is not archived (422); archive it first.
            PermissionDeniedError: only administrators may delete (403).
            NotFoundError: no such process.
        """
        await self._send(DELETE_PROCESS, {"process_id": process_id})

    async def activate(self, process_id: str) -> Process:
        """Restore an archived process: ``PUT /organizations/{org}/runs/{process_id}/activate``.

        Returns:
            The :class:`Process`, back in the status it had.

        Raises:
            NotFoundError: no such process.
        """
        return await self._item(ACTIVATE_PROCESS, Process, {"process_id": process_id})

    async def complete_kickoff(self, process_id: str) -> Process | None:
        """Submit the kick-off form: ``POST .../runs/{process_id}/complete-prerun``.

        Returns:
            The :class:`Process` when Tallyfy sends it back (the documentation shows no
            body), else None.

        Raises:
            ValidationError: a required kick-off field has no value (422).
            NotFoundError: no such process.
        """
        return await self._maybe_process(COMPLETE_KICKOFF, process_id)

    async def reopen_kickoff(self, process_id: str) -> Process | None:
        """Re-open the kick-off form: ``DELETE .../runs/{process_id}/complete-prerun``.

        Returns:
            The :class:`Process` when Tallyfy sends it back, else None.

        Raises:
            NotFoundError: no such process.
        """
        return await self._maybe_process(REOPEN_KICKOFF, process_id)

    async def _maybe_process(self, route: Route, process_id: str) -> Process | None:
        response = await self._send(route, {"process_id": process_id})
        data = response.data
        return self._structure(data, Process) if isinstance(data, dict) and "id" in data else None

    async def export(self, process_id: str) -> Any:
        """Export a process as JSON: ``POST /organizations/{org}/runs/{process_id}/export``.

        Returns:
            The document as Tallyfy sends it (decoded JSON, not typed: its shape is not
            documented).

        Raises:
            NotFoundError: no such process.
        """
        response = await self._send(EXPORT_PROCESS, {"process_id": process_id})
        return response.body

    async def form_fields(self, process_id: str) -> ProcessFormFields:
        """Every form field of a process, with its answer in ``field_value``.

        ``GET /organizations/{org}/runs/{process_id}/form-fields``.

        Returns:
            :class:`ProcessFormFields`: the task fields and the kick-off fields.

        Raises:
            NotFoundError: no such process.
        """
        return await self._item(PROCESS_FORM_FIELDS, ProcessFormFields, {"process_id": process_id})


def _list_or_unset(field: str, values: Any, item_type: type) -> builtins.list[Any] | _Unset:
    return UNSET if values is UNSET else items(field, values, item_type)


def _task_overrides(tasks: Any) -> dict[str, dict[str, Any]] | _Unset:
    """The launch body's ``tasks``: per-step overrides keyed by step id, checked."""
    if isinstance(tasks, _Unset):
        return tasks
    expect("tasks", tasks, Mapping)
    overrides: dict[str, dict[str, Any]] = {}
    for step_id, override in tasks.items():
        at = f"tasks[{step_id!r}]"
        expect(f"{at} key", step_id, str)
        expect(at, override, Mapping)
        unknown = sorted(set(override) - _OVERRIDE_KEYS, key=str)
        if unknown:
            raise TypeError(
                f"{at} has unknown keys {unknown}; a step override takes "
                f"{', '.join(sorted(_OVERRIDE_KEYS))}"
            )
        clean: dict[str, Any] = {}
        if "deadline" in override:
            aware(f"{at}.deadline", override["deadline"])
            clean["deadline"] = override["deadline"]
        if "owners" in override:
            clean["owners"] = check_owners(f"{at}.owners", override["owners"], complete=True)
        for key, minimum in (("position", 1), ("max_assignable", 0)):
            if key in override:
                at_least(f"{at}.{key}", override[key], minimum)
                clean[key] = override[key]
        overrides[step_id] = clean
    return overrides


def _roles(roles: Any) -> dict[str, dict[str, Any]] | _Unset:
    """The launch body's ``roles``: assignees per role id, checked."""
    if isinstance(roles, _Unset):
        return roles
    expect("roles", roles, Mapping)
    clean: dict[str, dict[str, Any]] = {}
    for role_id, owners in roles.items():
        expect(f"roles key {role_id!r}", role_id, (str, int))
        clean[str(role_id)] = check_owners(f"roles[{role_id!r}]", owners, complete=True)
    return clean
