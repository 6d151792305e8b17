"""Folders (``org.folders``), and filing processes and tasks into them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, Literal, overload

from tallyfy_async import _constants as C
from tallyfy_async._routes import Route
from tallyfy_async._unset import UNSET, UnsetOr
from tallyfy_async.models.folders import Folder, FolderObject, FolderSubject, FolderType
from tallyfy_async.models.processes import Process
from tallyfy_async.models.tasks import Task
from tallyfy_async.pagination import Paginator
from tallyfy_async.resources import _kinds as kinds
from tallyfy_async.resources._base import Resource
from tallyfy_async.resources._body import Body
from tallyfy_async.resources._checks import int_id, one_subject

LIST_FOLDERS: Final = Route("GET", "/folders")
CREATE_FOLDER: Final = Route("POST", "/folders")
GET_FOLDER: Final = Route("GET", "/folders/{folder_id}")
UPDATE_FOLDER: Final = Route("PUT", "/folders/{folder_id}")
DELETE_FOLDER: Final = Route("DELETE", "/folders/{folder_id}")
ADD_OBJECT: Final = Route("POST", "/folders/add-object")
REMOVE_OBJECT: Final = Route("DELETE", "/folders-objects/{folder_object_id}")

NAME_MAX: Final = 32
FOLDER_TYPES: Final = frozenset(member.value for member in FolderType)

FOLDER_FILTERS: Final = {
    "folder_type": kinds.Choice(choices=FOLDER_TYPES),
    "q": kinds.TEXT,
    "with_": kinds.WITH,
    "sort": kinds.TEXT,
}
#: The fields of a folder's create; an update takes ``name`` and ``parent_id`` only.
FOLDER_FIELDS: Final = {
    "name": kinds.Text(required=True, max_len=NAME_MAX),
    "folder_type": kinds.Choice(choices=FOLDER_TYPES),
    "parent_id": kinds.TEXT_OR_NONE,
}
UPDATE_FIELDS: Final = {
    "name": kinds.Text(filled=True, max_len=NAME_MAX),
    "parent_id": kinds.TEXT_OR_NONE,
}
OBJECT_FIELDS: Final = {
    "folder_id": kinds.Text(required=True),
    "subject_id": kinds.Text(required=True),
    "subject_type": kinds.Choice(
        choices=frozenset(member.value for member in FolderSubject), required=True
    ),
}


class Folders(Resource):
    """The folders of one organization (``org.folders``).

    A folder holds blueprints or processes (its :class:`FolderType`, fixed at creation).
    Processes and tasks are filed with :meth:`add_object`; blueprints are filed by
    updating them (``org.blueprints.update(blueprint_id, title=..., folder_id=...)``).
    Custom-field values of folders are in ``org.custom_fields.folders``.
    """

    records = "/folders/{folder_id}"
    model = Folder

    def list(
        self,
        *,
        folder_type: UnsetOr[FolderType | str] = UNSET,
        q: UnsetOr[str] = UNSET,
        with_: UnsetOr[str | Sequence[str]] = UNSET,
        sort: UnsetOr[str] = UNSET,
        per_page: int = C.MAX_PER_PAGE,
        limit: int | None = None,
        concurrency: int = 1,
    ) -> Paginator[Folder]:
        """List folders: ``GET /organizations/{org}/folders``.

        Args:
            folder_type: only folders of blueprints (``checklist``) or of processes (``run``).
            q: text the name contains.
            with_: ``"children"`` to read each folder's subfolders.
            sort: ``position`` for the order shown in Tallyfy.
            per_page: page size (Tallyfy caps it at 100).
            limit: stop after this many folders.
            concurrency: pages fetched at once after the first.

        Returns:
            A :class:`~tallyfy_async.pagination.Paginator` of :class:`Folder`.

        Raises:
            TypeError, ValueError: an unknown folder type (nothing is sent).
        """
        return self._list(LIST_FOLDERS, Folder, locals(), FOLDER_FILTERS)

    @overload
    async def get(self, folder_id: str | Folder, /, *, raw: Literal[False] = False) -> Folder: ...

    @overload
    async def get(self, folder_id: str | Folder, /, *, raw: Literal[True]) -> dict[str, Any]: ...

    async def get(
        self, folder_id: str | Folder, /, *, raw: bool = False
    ) -> Folder | dict[str, Any]:
        """Read a folder: ``GET /organizations/{org}/folders/{folder_id}``.

        Args:
            folder_id: the folder's id, or the :class:`Folder`.
            raw: True for the record as the dict Tallyfy sent, no model built (dates
                as their text, includes as ``{"data": ...}``): see :meth:`Paginator.raw
                <tallyfy_async.pagination.Paginator.raw>`.

        Returns:
            The :class:`Folder`; its dict with ``raw=True``.

        Raises:
            NotFoundError: no such folder.
        """
        if raw:
            return await self._raw_item(GET_FOLDER, self._ids(folder_id), params=None)
        return await self._item(GET_FOLDER, Folder, self._ids(folder_id))

    async def create(
        self,
        *,
        name: str,
        folder_type: UnsetOr[FolderType | str] = UNSET,
        parent_id: UnsetOr[str | None] = UNSET,
    ) -> Folder:
        """Create a folder: ``POST /organizations/{org}/folders``.

        Args:
            name: at most 32 characters.
            folder_type: :class:`FolderType`: blueprints (``checklist``, Tallyfy's default)
                or processes (``run``). It cannot change later.
            parent_id: the folder to create it in.

        Returns:
            The new :class:`Folder`.

        Raises:
            TypeError, ValueError: a blank or too long name, an unknown type (nothing sent).
            ValidationError: an unknown parent (422).
        """
        body = self._body(FOLDER_FIELDS, locals())
        return await self._item(CREATE_FOLDER, Folder, json=body.json())

    async def update(
        self,
        folder_id: str | Folder,
        /,
        *,
        name: UnsetOr[str] = UNSET,
        parent_id: UnsetOr[str | None] = UNSET,
    ) -> Folder:
        """Rename or move a folder: ``PUT /organizations/{org}/folders/{folder_id}``.

        Tallyfy requires the name on every update: when it is left out, the folder is
        read first and its name sent back (two requests).

        Args:
            folder_id: the folder's id, or the :class:`Folder` (whose name is then used).
            name: the new name (at most 32 characters).
            parent_id: the folder to move it into; None for the top level.

        Returns:
            The updated :class:`Folder`.

        Raises:
            TypeError, ValueError: a too long name (nothing sent).
            NotFoundError: no such folder.
        """
        body = self._body(UPDATE_FIELDS, locals())
        ids = self._ids(folder_id)
        await body.resend(
            ("name",), lambda: self.get(ids["folder_id"]), given=self._record(folder_id)
        )
        return await self._item(UPDATE_FOLDER, Folder, ids, json=body.json())

    async def delete(self, folder_id: str | Folder, /) -> None:
        """Delete a folder: ``DELETE /organizations/{org}/folders/{folder_id}``.

        Raises:
            NotFoundError: no such folder.
        """
        await self._send(DELETE_FOLDER, self._ids(folder_id))

    async def add_object(
        self,
        folder_id: str | Folder,
        /,
        *,
        process_id: UnsetOr[str | Process] = UNSET,
        task_id: UnsetOr[str | Task] = UNSET,
    ) -> FolderObject:
        """File a process or a task into a folder: ``POST .../folders/add-object``.

        Give exactly one of ``process_id`` and ``task_id``. Blueprints are not filed
        this way: update the blueprint's ``folder_id``.

        Args:
            folder_id: the folder's id, or the :class:`Folder`.
            process_id: the process (its id, or the :class:`Process`).
            task_id: the task (its id, or the :class:`Task`).

        Returns:
            The :class:`FolderObject` (its integer ``id`` is what :meth:`remove_object`
            takes).

        Raises:
            TypeError: both or neither of process_id and task_id (nothing sent).
            ValidationError: no such folder, process or task (422).
        """
        subject_type, subject_id = one_subject(
            "add_object",
            process_id=(FolderSubject.PROCESS, process_id),
            task_id=(FolderSubject.TASK, task_id),
        )
        body = Body(self._converter)
        body.put_all(
            OBJECT_FIELDS,
            {
                "folder_id": self._ids(folder_id)["folder_id"],
                "subject_id": subject_id,
                "subject_type": subject_type,
            },
        )
        return await self._item(ADD_OBJECT, FolderObject, json=body.json())

    async def remove_object(self, folder_object_id: int | FolderObject, /) -> None:
        """Take a process or task out of its folder: ``DELETE .../folders-objects/{id}``.

        Args:
            folder_object_id: the filing's integer id, or the :class:`FolderObject`
                :meth:`add_object` returned.

        Raises:
            TypeError: an id that is not an int (nothing sent).
            NotFoundError: no such filing.
        """
        filing = int_id("folder_object_id", folder_object_id, FolderObject)
        await self._send(REMOVE_OBJECT, {"folder_object_id": filing})


__all__ = ["Folders"]
