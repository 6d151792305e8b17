"""Request bodies as Laravel reads them, and refused when the fake could not store them.

JSON is read only under a JSON content type, forms (URL-encoded or multipart) become flat
dicts of strings, and any other body is kept as text that no route reads as input. A body that
claims a format and does not hold to it (malformed JSON or multipart, text that is not UTF-8,
a lone surrogate, nesting deeper than :data:`~tallyfy_async.testing._json.MAX_DEPTH`) is
refused with 400 and Tallyfy's error shape, ``{"error": true, "message": ...}``: storing it
would corrupt every later answer that shows it. A body over the size limit is refused with 413.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import BodyPartReader, hdrs, web

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
    except web.RequestPayloadError:
        return Body(None, _unreadable(request))
    except Exception as exc:  # the client's bytes failed to parse: its fault, not the fake's
        kind = "JSON" if "json" in request.content_type else request.content_type
        reason = str(exc)[:200] or type(exc).__name__
        text = raw.decode("utf-8", "replace") if raw else None
        return Body(text, refused(400, f"The request body is not valid {kind}: {reason}"))


def _unreadable(request: web.BaseRequest) -> ApiError:
    """The 400 for a body whose stream broke: it does not inflate as its Content-Encoding
    says, or its chunked framing is bad.

    The stream is marked read to the end, or aiohttp reads it again after the answer and
    logs the error as unhandled. Where the next request would start on the connection is
    unknown, so the server closes it once the answer is written, and the answer (this one
    or any refusal that comes first) says ``Connection: close`` so the client does not
    reuse it (``_server._refusal``).
    """
    request.content.feed_eof()
    request.protocol.close()  # after this answer, unlike force_close()
    encoding = request.headers.get(hdrs.CONTENT_ENCODING, "none")[:40]
    message = (
        f"The request body could not be read: it does not decode as its Content-Encoding "
        f"({encoding}) says, or its chunked transfer encoding is broken."
    )
    return refused(400, message)


async def _decode(request: web.BaseRequest, raw: bytes, files: dict[str, UploadedFile]) -> Any:
    content_type = request.content_type
    if content_type == "application/x-www-form-urlencoded":
        charset = request.charset or "utf-8"
        pairs = parse_qsl(raw.decode(charset), keep_blank_values=True, encoding=charset,
                          errors="strict")  # fmt: skip
        return _storable(dict(pairs))
    if content_type == "multipart/form-data":
        return _storable(await _form_data(request, files))
    if content_type.startswith("multipart/"):  # aiohttp reads these as URL-encoded pairs
        form = await request.post()
        return _storable({key: value for key, value in form.items() if isinstance(value, str)})
    if not raw:
        return None
    if "json" in content_type:
        return loads(raw)
    return raw.decode("utf-8", "replace")


async def _form_data(request: web.BaseRequest, files: dict[str, UploadedFile]) -> dict[str, str]:
    """A ``multipart/form-data`` body as ``request.post()`` reads it: text fields (other
    fields dropped, as PHP drops them from the input), and file parts put in ``files`` (PHP
    keeps them in ``$_FILES``, not in the input).

    Read here part by part, with each file kept in memory, because ``post()`` writes files
    to temporary files and leaves them open when a later part is malformed: hostile bodies
    would leak a file each. Raw and decoded bytes are both held to the body size limit.
    """
    reader = await request.multipart()
    limit = request.client_max_size
    fields: dict[str, str] = {}
    size = 0

    def count(more: int) -> None:
        nonlocal size
        size += more
        if 0 < limit < size:
            raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=size)

    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            raise ValueError("a nested multipart body is not a form field")
        if part.name is None:
            raise ValueError("a multipart field has no name")
        raw = bytearray()
        while chunk := await part.read_chunk():
            count(len(chunk))
            raw.extend(chunk)
        value = bytearray()
        async for piece in _decoded(part, raw):
            count(len(piece))  # a compressed part counts as what it inflates to
            value.extend(piece)
        part_type = part.headers.get(hdrs.CONTENT_TYPE)
        if part.filename:
            files[part.name] = UploadedFile(
                part.filename, part_type or "application/octet-stream", bytes(value)
            )
        elif part_type is None or part_type.startswith("text/"):
            fields[part.name] = value.decode(part.get_charset(default="utf-8"))
    return fields


async def _decoded(part: BodyPartReader, raw: bytearray) -> AsyncIterator[bytes]:
    """``raw`` decoded as the part's encoding headers say (``decode_iter`` where this
    aiohttp has it: it inflates without blocking the loop)."""
    decode_iter = getattr(part, "decode_iter", None)
    if decode_iter is None:
        yield bytes(part.decode(bytes(raw)))
        return
    async for piece in decode_iter(raw):
        yield bytes(piece)


def _storable(fields: dict[str, str]) -> dict[str, str]:
    """``fields`` when every key and value can be written back as UTF-8 (a declared charset
    such as ``unicode_escape`` can produce lone surrogates)."""
    for key, value in fields.items():
        key.encode()
        value.encode()
    return fields
