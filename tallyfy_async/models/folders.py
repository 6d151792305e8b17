"""Folders, and the processes and tasks filed into them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from tallyfy_async._serde import OpenStrEnum
from tallyfy_async.models._base import Model, included


class FolderType(OpenStrEnum):
    """``folder_type``: what a folder holds. It cannot change once the folder exists."""

    BLUEPRINTS = "checklist"
    PROCESSES = "run"


class FolderSubject(OpenStrEnum):
    """What can be filed into a folder: ``Run`` (a process) or ``Task``.

    Blueprints are filed by updating them (``folder_id``), not through a folder.
    """

    PROCESS = "Run"
    TASK = "Task"


@attrs.frozen(kw_only=True)
class Folder(Model):
    """A folder of blueprints or of processes.

    Attributes:
        id: the folder's 32-hex id.
        name: at most 32 characters.
        parent_id: the folder it sits in, if any.
        folder_type: :class:`FolderType`.
        total: how many objects it holds.
        position: its place among its siblings.
        children: the folders inside it (``with_="children"``).
        custom_fields: the folder's custom-field values, as Tallyfy sends them (typed
            ones come from ``org.custom_fields.folders.get``).
    """

    id: str
    name: str | None = None
    parent_id: str | None = None
    parent: Any = None
    folder_type: FolderType | None = None
    total: int | None = None
    position: int | None = None
    children: list[Folder] | None = included()
    custom_fields: dict[str, Any] | None = None
    created_at: datetime | None = None


@attrs.frozen(kw_only=True)
class FolderObject(Model):
    """A process or a task filed into a folder.

    Its integer ``id`` is what :meth:`Folders.remove_object
    <tallyfy_async.resources.folders.Folders.remove_object>` takes.

    Attributes:
        id: the filing's integer id.
        folder_id: the folder.
        subject_id: the process's or task's id.
        subject_type: :class:`FolderSubject`.
    """

    id: int
    folder_id: str | None = None
    subject_id: str | None = None
    subject_type: FolderSubject | None = None
    created_at: datetime | None = None


__all__ = ["Folder", "FolderObject", "FolderSubject", "FolderType"]
