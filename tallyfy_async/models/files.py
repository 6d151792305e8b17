"""Files (the API's assets): what an upload stores and a download reads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from tallyfy_async._serde import OpenStrEnum
from tallyfy_async.models._base import Model


class FileSubject(OpenStrEnum):
    """What a file is uploaded to: ``Checklist`` (a blueprint's kick-off form), ``Run``
    (a process's task) or ``Task``. Tallyfy compares these case-sensitively."""

    BLUEPRINT = "Checklist"
    PROCESS = "Run"
    TASK = "Task"


@attrs.frozen(kw_only=True)
class AssetSubject(Model):
    """The record a file belongs to."""

    id: str | None = None
    type: str | None = None


@attrs.frozen(kw_only=True)
class Asset(Model):
    """A stored file.

    Uploading does not attach a file to a form field: the field's value is a list of
    these objects, sent whole (:meth:`Files.attach
    <tallyfy_async.resources.files.Files.attach>` does it for a task's field; a
    kick-off field takes them in the ``kickoff`` values of a launch).

    Attributes:
        id: the file's id (the path id of metadata, download and delete).
        filename: its name.
        version: 1 for a new upload.
        uploaded_from: the form field's id, or ``ko_field`` for a kick-off field.
        uploaded_at: when it was stored.
        step_id: the step, for a file uploaded to a process's task.
        source: ``local`` or ``url``.
        system: the external storage it came from (``Dropbox``...), if any.
        subject: the record it belongs to.
        url: its download path, relative to the API root (in form-field values).
        full_url: the same, absolute.
    """

    id: str
    filename: str | None = None
    version: int | None = None
    uploaded_from: str | None = None
    uploaded_at: datetime | None = None
    step_id: str | None = None
    source: str | None = None
    system: str | None = None
    uploaded_to_s3: bool | None = None
    subject: AssetSubject | None = None
    url: str | None = None
    full_url: str | None = None

    def to_wire(self) -> dict[str, Any]:
        """The object as Tallyfy sent it, keys the model does not know included: a
        file field's value holds it whole."""
        return {**self.extra, **_sent(self)}


def _sent(asset: Asset) -> dict[str, Any]:
    data = attrs.asdict(asset, recurse=True, filter=lambda a, _: a.name != "extra")
    if asset.uploaded_at is not None:
        data["uploaded_at"] = asset.uploaded_at.isoformat().replace("+00:00", "Z")
    if asset.subject is not None:
        data["subject"] = {**asset.subject.extra, **data["subject"]}
    return {key: value for key, value in data.items() if value is not None}


__all__ = ["Asset", "AssetSubject", "FileSubject"]
