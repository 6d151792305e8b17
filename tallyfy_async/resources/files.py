"""Files (``org.files``, the API's assets): upload, read metadata, download, delete.

Files move in chunks (see ``_transfers``): a 200 MB upload or download adds a few
megabytes of memory, not 200. An upload is sent once and never retried: every upload
stores a new file, so a failure after its first byte left is
:class:`~tallyfy_async.OutcomeUnknownError` (a failure before, a
:class:`~tallyfy_async.TransportError`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import weakref
from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, overload

from tallyfy_async import _constants as C
from tallyfy_async._routes import Route
from tallyfy_async._transport import Transfer
from tallyfy_async._unset import UNSET, Unset, UnsetOr
from tallyfy_async.errors import (
    OutcomeUnknownError,
    TransportError,
    UnexpectedResponseError,
)
from tallyfy_async.models.files import Asset, FileSubject
from tallyfy_async.models.tasks import Task
from tallyfy_async.resources import _kinds as kinds
from tallyfy_async.resources._base import Resource
from tallyfy_async.resources._checks import expect, one_of
from tallyfy_async.resources._transfers import (
    Content,
    FileStream,
    Upload,
    checked_destination,
    to_path,
)

if TYPE_CHECKING:
    from tallyfy_async.client import TallyfyClient

UPLOAD_ASSET: Final = Route("POST", "/assets")
UPLOAD_FILE: Final = Route("POST", "/file")
GET_ASSET: Final = Route("GET", "/assets/{asset_id}")
ARCHIVE_ASSET: Final = Route("DELETE", "/assets/{asset_id}")
READ_FILE: Final = Route("GET", "/file/{asset_id}")
DOWNLOAD_FILE: Final = Route("GET", "/file/{asset_id}/dl")
DELETE_FILE: Final = Route("DELETE", "/file/{asset_id}")

#: The extensions Tallyfy accepts for an upload.
EXTENSIONS: Final = frozenset(
    ("xlsx", "xls", "pptx", "docx", "ppt", "doc", "rtf", "pdf", "txt", "mpga", "mov", "qt",
     "mp4", "webm", "jpg", "jpeg", "gif", "png", "ai", "psd", "zip", "xml", "xps", "dwg",
     "csv", "tif", "bmp")
)  # fmt: skip
SUBJECT_TYPES: Final = frozenset(member.value for member in FileSubject)


def _subject_type(name: str, value: Any) -> str:
    expect(name, value, str)
    text = str(getattr(value, "value", value))
    if text in SUBJECT_TYPES:
        return text
    near = [choice for choice in SUBJECT_TYPES if choice.lower() == text.lower()]
    hint = f" (case-sensitive: {near[0]!r})" if near else ""
    choices = ", ".join(sorted(SUBJECT_TYPES))
    raise ValueError(f"{name} must be one of {choices}; got {text!r}{hint}")


def _filename(name: str, value: Any) -> str:
    expect(name, value, str)
    unsendable = sorted({c for c in value if c in '"\\\r\n' or ord(c) < 32 or ord(c) == 127})
    if unsendable:
        raise ValueError(
            f"{name} {value!r}: a file name cannot hold {', '.join(map(repr, unsendable))} "
            "(it is sent in a header); rename it"
        )
    extension = value.rsplit(".", 1)[-1].lower() if "." in value else ""
    if extension not in EXTENSIONS:
        raise ValueError(
            f"{name} {value!r}: Tallyfy accepts only files ending in "
            f"{', '.join('.' + e for e in sorted(EXTENSIONS))}"
        )
    return str(value)


#: The form fields of an upload, beside the file itself (sent as the part ``name``).
UPLOAD_FIELDS: Final = {
    "subject_type": kinds.Checked(function=_subject_type, required=True),
    "subject_id": kinds.Text(required=True, filled=True),
    "uploaded_from": kinds.Text(required=True, filled=True),
    "step_id": kinds.Text(filled=True),
    "checklist_id": kinds.Text(filled=True),
    "source": kinds.Choice(choices=frozenset(("local", "url"))),
    "system": kinds.TEXT,
}
#: The upload's arguments that are not form fields.
NOT_SENT_AS_FIELDS: Final = ("content", "filename", "max_size", "route")


class _Turns:
    """One lock per task an attach() is writing to, and how many calls hold or await it
    (the lock is dropped with the last of them, so the table does not grow)."""

    def __init__(self) -> None:
        self.locks: dict[tuple[str, str, str], tuple[asyncio.Lock, list[int]]] = {}

    @contextlib.asynccontextmanager
    async def turn(self, key: tuple[str, str, str]) -> AsyncIterator[None]:
        lock, users = self.locks.setdefault(key, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                yield
        finally:
            users[0] -= 1
            if not users[0]:
                del self.locks[key]


#: Per client (whatever OrgClient or Files handle a call comes through), the tasks
#: attach() is writing to: it reads a field's files and writes them back with the new
#: ones, so two calls at once on one task would each drop the other's file.
_ATTACHING: weakref.WeakKeyDictionary[TallyfyClient, _Turns] = weakref.WeakKeyDictionary()


class Files(Resource):
    """Files of one organization (``org.files``).

    An upload stores a file on a blueprint (its kick-off form), a process (one of its
    tasks' form fields) or a task; it does not fill a form field by itself:
    :meth:`attach` puts it in a task's file field, and a launch takes it in its
    ``kickoff`` values. A download keeps ``Accept: application/json`` (so a missing
    file is a JSON 404, a :class:`~tallyfy_async.NotFoundError`), never follows a
    redirect, and stops at a size limit.
    """

    records = "/assets/{asset_id}"
    model = Asset

    async def upload(
        self,
        *,
        content: Content,
        subject_type: FileSubject | Literal["Checklist", "Run", "Task"],
        subject_id: str,
        uploaded_from: str,
        filename: UnsetOr[str] = UNSET,
        step_id: UnsetOr[str] = UNSET,
        checklist_id: UnsetOr[str] = UNSET,
        source: UnsetOr[Literal["local", "url"]] = UNSET,
        system: UnsetOr[str] = UNSET,
        max_size: UnsetOr[int | None] = UNSET,
        route: UnsetOr[Literal["assets", "file"]] = UNSET,
    ) -> Asset:
        """Upload a file, streamed as multipart: ``POST /organizations/{org}/assets``.

        For a process's task, ``subject_type="Run"`` with the process's id, the form
        field's id in ``uploaded_from``, and the task's ``step_id`` and the process's
        ``checklist_id`` (its blueprint). For a kick-off field, ``"Checklist"`` with the
        blueprint's id and ``uploaded_from="ko_field"``. For a task, ``"Task"`` with the
        task's id, and neither ``step_id`` nor ``checklist_id``.

        Sent once, never retried: each upload stores a new file.

        Args:
            content: a path (read in chunks), bytes, or an async iterator of bytes.
            subject_type: ``Checklist``, ``Run`` or ``Task``, case-sensitive.
            subject_id: the blueprint's, process's or task's id.
            uploaded_from: the form field's id, or ``ko_field``.
            filename: the name Tallyfy keeps; a path's own name by default, required
                otherwise. Its extension must be one Tallyfy accepts (pdf, png, csv...).
            step_id, checklist_id: for ``Run`` uploads (required there).
            source: ``local`` (the default) or ``url``.
            system: the external storage it comes from (``Dropbox``...).
            max_size: bytes at most (100 MiB, Tallyfy's limit, by default; None: no
                limit here). A larger path or bytes is refused before sending; an
                iterator, or a path that grows after that check, is cut off when it
                passes the limit.
            route: ``"file"`` sends to ``POST .../file`` instead, the documentation's
                path for the same handler.

        Returns:
            The stored :class:`Asset`.

        Raises:
            FileNotFoundError: no file at the path (nothing is sent).
            TypeError, ValueError: a subject type in the wrong case, a missing id, a
                ``Run`` upload without step_id and checklist_id (or a ``Task`` upload
                with them), an extension Tallyfy refuses (nothing is sent).
            FileTooLargeError: over ``max_size`` (nothing is stored).
            Exception: what an async iterator raised while it was read, or TypeError for
                a chunk that is not bytes (the upload is cut short: nothing is stored).
            TransportError: the connection failed before anything was sent.
            OutcomeUnknownError: it failed after sending began: the file may be stored.
            APIError: Tallyfy refused it (413 over its limit, 422 a subject it cannot see).
        """
        body = self._body(UPLOAD_FIELDS, locals(), skip=NOT_SENT_AS_FIELDS)
        placed = [name for name in ("step_id", "checklist_id") if name in body]
        if body["subject_type"] == FileSubject.PROCESS and len(placed) != 2:
            raise ValueError("a Run upload needs step_id (the task's step) and checklist_id")
        if body["subject_type"] != FileSubject.PROCESS and placed:
            raise ValueError(f"a {body['subject_type']} upload takes no step_id or checklist_id")
        name = _upload_name(content, filename)
        limit = _limit(max_size, C.MAX_UPLOAD_BYTES)
        fields = {key: str(value) for key, value in body.values().items()}
        if route is not UNSET:
            one_of("route", route, ("assets", "file"))
        target = UPLOAD_FILE if route == "file" else UPLOAD_ASSET
        with Upload(content, name, fields, limit) as upload:
            try:
                response = await self._send(target, transfer=Transfer(body=upload.body))
            except (TransportError, OutcomeUnknownError) as failed:
                if upload.failure is not None:  # the content cut it short: nothing stored
                    raise upload.failure from failed
                raise
        try:
            return self._structure(response.data, Asset)
        except UnexpectedResponseError as exc:
            raise OutcomeUnknownError(
                f"the upload was answered {response.status} without an asset ({exc})",
                method=target.method,
                url=self._url(target, {}),
            ) from exc

    async def attach(
        self,
        process_id: str | Task,
        task_id: str | None = None,
        /,
        *,
        field_id: str,
        assets: Asset | Sequence[Asset | Mapping[str, Any]],
    ) -> Task:
        """Put uploaded files in a task's file field, beside those it has:
        ``PUT .../runs/{process_id}/tasks/{task_id}`` (``taskdata``).

        The task is read first (with its form fields) to keep the files the field
        already holds, then written back with them and the new ones. attach() calls
        made through one client to one task run one after the other, so calls made at
        once (``asyncio.gather``) keep each other's files. Calls from other clients or
        processes to the same field can still race (Tallyfy has no conditional write):
        the last to write may drop a file the other added.

        Args:
            process_id: the process's id, or the :class:`Task`.
            task_id: the task's id.
            field_id: the file field's id (or alias, or label).
            assets: what :meth:`upload` returned (or several).

        Returns:
            The updated :class:`Task`.

        Raises:
            FormValuesError: no such field on the task, or not a file field.
            NotFoundError: no such task in that process.
        """
        tasks = self._org.processes.tasks
        ids = tasks._ids(process_id, task_id)
        added = [assets] if isinstance(assets, Asset | Mapping) else list(assets)
        # Per task, not per field: a field named by its alias and by its id is one field.
        key = (self._org_id, ids["process_id"], ids["task_id"])
        turns = _ATTACHING.setdefault(self._org.client, _Turns())
        async with turns.turn(key):
            current = await tasks.get(ids["process_id"], ids["task_id"], with_="form_fields")
            field = next(
                (f for f in current.form_fields or [] if field_id in (f.id, f.alias, f.label)),
                None,
            )
            value = field.field_value if field is not None else None
            kept = value if isinstance(value, list) else []
            return await tasks.update(current, form_values={field_id: [*kept, *added]})

    @overload
    async def get(self, asset_id: str | Asset, /, *, raw: Literal[False] = False) -> Asset: ...

    @overload
    async def get(self, asset_id: str | Asset, /, *, raw: Literal[True]) -> dict[str, Any]: ...

    async def get(self, asset_id: str | Asset, /, *, raw: bool = False) -> Asset | dict[str, Any]:
        """A file's metadata: ``GET /organizations/{org}/assets/{asset_id}``.

        Args:
            asset_id: the file's id, or the :class:`Asset`.
            raw: True for the record as the dict Tallyfy sent, no model built (dates
                as their text, includes as ``{"data": ...}``): see :meth:`Paginator.raw
                <tallyfy_async.pagination.Paginator.raw>`.

        Returns:
            The :class:`Asset`; its dict with ``raw=True``.

        Raises:
            NotFoundError: no such file.
        """
        if raw:
            return await self._raw_item(GET_ASSET, self._ids(asset_id), params=None)
        return await self._item(GET_ASSET, Asset, self._ids(asset_id))

    async def download(
        self,
        asset_id: str | Asset,
        /,
        *,
        to: str | os.PathLike[str],
        max_size: UnsetOr[int | None] = UNSET,
        inline: UnsetOr[bool] = UNSET,
    ) -> Path:
        """Download a file to a path: ``GET /organizations/{org}/file/{asset_id}/dl``.

        The bytes go to a temporary file beside the destination, renamed to it once
        complete: an interrupted or refused download leaves nothing at the
        destination. An existing file there is replaced.

        Args:
            asset_id: the file's id, or the :class:`Asset`.
            to: the destination file, or a directory (the file keeps Tallyfy's name).
            max_size: bytes at most (100 MiB by default; None: no limit), checked
                against ``Content-Length`` before reading and while reading.
            inline: read ``GET .../file/{asset_id}`` instead (the same bytes, served
                with the file's own MIME type).

        Returns:
            The path written.

        Raises:
            FileNotFoundError: the destination's directory does not exist (nothing sent).
            FileTooLargeError: over ``max_size``.
            NotFoundError: no such file.
        """
        destination = checked_destination(to)
        limit = _limit(max_size, C.MAX_DOWNLOAD_BYTES)
        return await to_path(self._fetcher(asset_id, inline), destination, limit)

    def open(
        self,
        asset_id: str | Asset,
        /,
        *,
        max_size: UnsetOr[int | None] = UNSET,
        inline: UnsetOr[bool] = UNSET,
    ) -> FileStream:
        """Read a file as chunks: ``GET /organizations/{org}/file/{asset_id}/dl``.

        ::

            async with org.files.open(asset.id) as file:
                async for chunk in file:
                    sink.write(chunk)

        Args:
            asset_id: the file's id, or the :class:`Asset`.
            max_size: bytes at most (100 MiB by default; None: no limit), checked
                against ``Content-Length`` before reading and while reading.
            inline: read ``GET .../file/{asset_id}`` instead (the file's own MIME type).

        Returns:
            A :class:`FileStream`; entering it sends the request (and raises
            NotFoundError, FileTooLargeError... as :meth:`download` does).
        """
        return FileStream(self._fetcher(asset_id, inline), _limit(max_size, C.MAX_DOWNLOAD_BYTES))

    async def archive(self, asset_id: str | Asset, /) -> None:
        """Archive a file's record, keeping the stored file:
        ``DELETE /organizations/{org}/assets/{asset_id}``.

        Raises:
            NotFoundError: no such file.
        """
        await self._send(ARCHIVE_ASSET, self._ids(asset_id))

    async def delete(self, asset_id: str | Asset, /) -> None:
        """Delete a file and its stored bytes for good:
        ``DELETE /organizations/{org}/file/{asset_id}``.

        Raises:
            NotFoundError: no such file.
            PermissionDeniedError: an organization logo (Tallyfy refuses those).
        """
        await self._send(DELETE_FILE, self._ids(asset_id))

    def _fetcher(self, asset_id: str | Asset, inline: UnsetOr[bool]) -> Any:
        ids = self._ids(asset_id)
        route = READ_FILE if inline is True else DOWNLOAD_FILE
        expect("inline", inline if inline is not UNSET else False, bool)

        def send(consume: Any) -> Any:
            return self._send(route, ids, transfer=Transfer(consume=consume))

        return send


def _limit(max_size: UnsetOr[int | None], default: int) -> int | None:
    if isinstance(max_size, Unset):
        return default
    expect("max_size", max_size, int, nullable=True)
    return max_size


def _upload_name(content: Content, filename: UnsetOr[str]) -> str:
    if isinstance(filename, Unset):
        if not isinstance(content, str | os.PathLike):
            raise ValueError("filename is required when content is bytes or an iterator")
        filename = Path(content).name
    return _filename("filename", filename)


__all__ = ["Content", "FileStream", "Files"]
