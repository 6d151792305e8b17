"""Files (the API's assets): upload, metadata, download, archive and delete.

Uploads follow api-v2's ``UploadAssetRequest``: the file part is named ``name`` and holds
at most 100 MiB (more is 413 before anything is stored); ``subject_id``, ``subject_type``
(``Checklist``, ``Run`` or ``Task``, case-sensitive) and ``uploaded_from`` are required; a
``Run`` upload needs ``step_id`` and ``checklist_id``, a ``Task`` upload takes neither; a
subject the caller cannot see is 422. Every upload stores a new file.
"""

from __future__ import annotations

from tallyfy_async.testing._context import Ctx
from tallyfy_async.testing._fields import Fields
from tallyfy_async.testing._http import Reply, data, empty, error, forbidden, not_found
from tallyfy_async.testing._router import RouteTable
from tallyfy_async.testing._state import Org, Wire, new_id
from tallyfy_async.testing._state.org import StoredFile, asset_wire

routes = RouteTable()

SUBJECT_TYPES = ("Checklist", "Run", "Task")
EXTENSIONS = frozenset(
    ("xlsx", "xls", "pptx", "docx", "ppt", "doc", "rtf", "pdf", "txt", "mpga", "mov", "qt",
     "mp4", "webm", "jpg", "jpeg", "gif", "png", "ai", "psd", "zip", "xml", "xps", "dwg",
     "csv", "tif", "bmp")
)  # fmt: skip
#: The fields of an upload, the file part first.
FORM = ("name", "subject_type", "subject_id", "uploaded_from", "step_id", "checklist_id",
        "source", "system")  # fmt: skip


def _subject(fields: Fields, org: Org, kind: str | None, subject_id: str | None) -> None:
    """Check the subject exists, is live, and that the upload names what its kind needs."""
    step_id = fields.string("step_id")
    checklist_id = fields.string("checklist_id")
    if kind == "Run" and (step_id is None or checklist_id is None):
        for key, value in (("step_id", step_id), ("checklist_id", checklist_id)):
            if value is None:
                fields.fail(
                    key, f"The {key.replace('_', ' ')} field is required when subject type is Run."
                )
    if kind == "Task":
        for key, value in (("step_id", step_id), ("checklist_id", checklist_id)):
            if value is not None:
                fields.fail(
                    key, f"The {key.replace('_', ' ')} field is prohibited for Task uploads."
                )
    if kind is None or subject_id is None:
        return
    if kind == "Checklist":
        subject = org.blueprints.get(subject_id)
        found = subject is not None and not subject.archived
    elif kind == "Run":
        run = org.runs.get(subject_id)
        found = run is not None and not run.archived
        if found and run is not None and checklist_id is not None:
            found = run.wire["checklist_id"] == checklist_id
    else:
        task = org.tasks.get(subject_id)
        found = task is not None and not task.archived
    if not found:
        fields.fail("subject_id", "The selected subject id is invalid.")


def _upload(ctx: Ctx) -> Reply:
    org = ctx.the_org()
    upload = ctx.files.get("name")
    if upload is not None and len(upload.content) > ctx.fake.max_upload_size:
        limit_kb = ctx.fake.max_upload_size // 1024
        raise error(
            413,
            {
                "error": True,
                "message": f"The name may not be greater than {limit_kb} kilobytes.",
            },
        )
    fields = Fields(ctx.body)
    if upload is None:
        fields.fail("name", "The name field is required.")
    elif upload.filename.rsplit(".", 1)[-1].lower() not in EXTENSIONS or "." not in upload.filename:
        fields.fail("name", f"The name must be a file of type: {', '.join(sorted(EXTENSIONS))}.")
    kind = fields.choice("subject_type", SUBJECT_TYPES, required=True)
    subject_id = fields.string("subject_id", required=True)
    uploaded_from = fields.string("uploaded_from", required=True)
    fields.choice("source", ("local", "url"))
    fields.string("system")
    _subject(fields, org, kind, subject_id)
    fields.check()
    assert upload is not None and kind is not None and subject_id is not None
    asset_id = new_id()
    values: Wire = {
        "uploaded_from": uploaded_from,
        "step_id": fields.string("step_id"),
        "source": fields.string("source"),
        "system": fields.string("system"),
    }
    subject = {"id": subject_id, "type": kind}
    wire = asset_wire(asset_id, org.id, upload.filename, subject, values, ctx.now)
    org.assets.add(StoredFile(org.id, wire, upload.content, upload.content_type))
    return data(_shown(wire))


def _shown(wire: Wire) -> Wire:
    return {key: value for key, value in wire.items() if key != "archived_at"}


@routes.post("/organizations/{org}/assets", "files.upload", form=FORM)
def upload_asset(ctx: Ctx) -> Reply:
    """Upload a file (multipart/form-data, the file part named ``name``; 200 with the asset).

    Over 100 MiB is 413; every upload stores a new file.
    """
    return _upload(ctx)


@routes.post("/organizations/{org}/file", "files.upload_file", form=FORM)
def upload_file(ctx: Ctx) -> Reply:
    """Upload a file: the documentation's path for the handler of ``POST .../assets``."""
    return _upload(ctx)


def _stored(ctx: Ctx, *, archived: bool) -> StoredFile:
    stored = ctx.the_org().assets.get(ctx.params["asset_id"])
    if stored is None or (stored.archived and not archived):
        raise not_found()
    return stored


@routes.get("/organizations/{org}/assets/{asset_id}", "files.get")
def get_asset(ctx: Ctx) -> Reply:
    """A file's metadata (an archived file's record is gone)."""
    return data(_shown(_stored(ctx, archived=False).wire))


@routes.delete("/organizations/{org}/assets/{asset_id}", "files.archive", status=204)
def archive_asset(ctx: Ctx) -> Reply:
    """Archive a file's record; the stored file stays (its download link still works)."""
    stored = _stored(ctx, archived=False)
    stored.update({"archived_at": ctx.now})
    ctx.the_org().assets.reindex()
    return empty(204)


def _bytes(ctx: Ctx, *, attachment: bool) -> Reply:
    stored = _stored(ctx, archived=True)
    filename = stored.wire["filename"]
    headers = {
        "Content-Disposition": f'{"attachment" if attachment else "inline"}; filename="{filename}"'
    }
    content_type = "application/octet-stream" if attachment else stored.content_type
    return Reply(200, stored.content, content_type, headers)


@routes.get(
    "/organizations/{org}/file/{asset_id}", "files.read", produces="application/octet-stream"
)
def read_file(ctx: Ctx) -> Reply:
    """A file's bytes, inline, with its own MIME type."""
    return _bytes(ctx, attachment=False)


@routes.get(
    "/organizations/{org}/file/{asset_id}/dl",
    "files.download",
    produces="application/octet-stream",
)
def download_file(ctx: Ctx) -> Reply:
    """A file's bytes as an attachment (``application/octet-stream``, ``Content-Length``,
    ``Content-Disposition: attachment; filename="..."``)."""
    return _bytes(ctx, attachment=True)


@routes.delete("/organizations/{org}/file/{asset_id}", "files.delete", empty=True)
def delete_file(ctx: Ctx) -> Reply:
    """Delete a file and its stored bytes for good: 200 with an empty body.

    An organization's logo cannot be deleted (403).
    """
    stored = _stored(ctx, archived=True)
    if stored.wire["subject"].get("type") == "Organization":
        raise forbidden("The organization logo cannot be deleted.")
    ctx.the_org().assets.remove(stored.id)
    return empty(200)
