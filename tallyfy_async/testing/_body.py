"""Request bodies as Laravel reads them, and refused when the fake could not store them.

JSON is read only under a JSON content type, forms (URL-encoded or multipart) become flat
dicts of strings, and any other body is kept as text that no route reads as input. A body that
claims a format and does not hold to it (malformed JSON or multipart, text that is not UTF-8,
a lone surrogate, nesting deeper than :data:`~tallyfy_async.testing._json.MAX_DEPTH`) is
refused with 400 and Tallyfy's error shape, ``{"error": true, "message": ...}``: storing it
would corrupt every later answer that shows it. A body over the size limit is refused with 413.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from tallyfy_async.testing._http import ApiError, error
from tallyfy_async.testing._json import loads


def refused(status: int, message: str) -> ApiError:
    """A 4xx in the shape of the API's generic error definition."""
    return error(status, {"error": True, "message": message})


class UploadedFile:
    """A file part of a multipart body: its name, type and bytes."""

    __slots__ = ("content", "content_type", "filename")

    def __init__(self, filename: str, content_type: str, content: bytes) -> None:
        self.filename = filename
        self.content_type = content_type
        self.content = content


class Body:
    """What was read: ``value`` for the routes (and the log), ``error`` when it is refused,
    and the file parts of a multipart body (kept out of ``value``, as PHP keeps them out of
    the input)."""

    __slots__ = ("error", "files", "value")

    def __init__(
        self,
        value: Any = None,
        error: ApiError | None = None,
        files: dict[str, UploadedFile] | None = None,
    ) -> None:
        self.value = value
        self.error = error
        self.files = files or {}


async def read_body(request: web.BaseRequest) -> Body:
    """Read and decode the body of ``request`` (an empty :class:`Body` when it has none)."""
    if not request.body_exists:
        return Body()
    raw = b""
    files: dict[str, UploadedFile] = {}
    try:
        if not request.content_type.startswith("multipart/"):  # read by the multipart parser
            raw = await request.read()
        return Body(await _decode(request, raw, files), files=files)
    except web.HTTPRequestEntityTooLarge:
        limit = request.client_max_size
        return Body(None, refused(413, f"The request body is larger than {limit} bytes."))
    except Exception as exc:  # the client's bytes failed to parse: its fault, not the fake's
        kind = "JSON" if "json" in request.content_type else request.content_type
        reason = str(exc)[:200] or type(exc).__name__
        text = raw.decode("utf-8", "replace") if raw else None
        return Body(text, refused(400, f"The request body is not valid {kind}: {reason}"))


async def _decode(request: web.BaseRequest, raw: bytes, files: dict[str, UploadedFile]) -> Any:
    content_type = request.content_type
    if content_type == "application/x-www-form-urlencoded":
        charset = request.charset or "utf-8"
        pairs = parse_qsl(raw.decode(charset), keep_blank_values=True, encoding=charset,
                          errors="strict")  # fmt: skip
        return _storable(dict(pairs))
    if content_type.startswith("multipart/"):
        form = await request.post()
        fields: dict[str, str] = {}
        for key, value in form.items():
            if isinstance(value, str):
                fields[key] = value
            elif isinstance(value, web.FileField):
                # PHP puts uploaded files in $_FILES, not in the input; the temporary file
                # aiohttp wrote is closed here, or its collection would warn.
                with value.file:
                    files[key] = UploadedFile(value.filename, value.content_type, value.file.read())
        return _storable(fields)
    if not raw:
        return None
    if "json" in content_type:
        return loads(raw)
    return raw.decode("utf-8", "replace")


def _storable(fields: dict[str, str]) -> dict[str, str]:
    """``fields`` when every key and value can be written back as UTF-8 (a declared charset
    such as ``unicode_escape`` can produce lone surrogates)."""
    for key, value in fields.items():
        key.encode()
        value.encode()
    return fields
