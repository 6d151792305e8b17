"""What a request brings back: the :class:`Response`, a body kept undecoded, an attempt.

The transport builds these; resources, listings and the ``on_attempt`` hook read them.
"""

from __future__ import annotations

from collections.abc import Mapping
from email.message import Message
from typing import Any

import attrs
from yarl import URL

from tallyfy_async._serde import json_loads
from tallyfy_async.errors import TransportError


@attrs.frozen
class Response:
    """A response of the API.

    Attributes:
        status: the HTTP status.
        headers: the response headers.
        body: the decoded JSON body (or text of a non-JSON body; None when empty); an
            :class:`EncodedBody` when it was asked for undecoded (``decoded()`` reads it).
    """

    status: int
    headers: Mapping[str, str] = attrs.field(repr=False)
    body: Any = attrs.field(repr=False)

    def __repr__(self) -> str:
        # The shape, not the body: a page's body is 100 KB and may hold guest links.
        body = self.body
        if isinstance(body, EncodedBody):
            return f"Response(status={self.status}, body=<{len(body.raw):,} bytes undecoded>)"
        meta = f", meta keys={sorted(self.meta)}" if self.meta else ""
        return f"Response(status={self.status}, data={_shape(self.data)}{meta})"

    def decoded(self) -> Response:
        """This response with its body decoded, if it came undecoded (``decode=False``).

        Raises:
            TransportError: when the body is not valid JSON.
        """
        body = self.body
        if isinstance(body, EncodedBody):
            return Response(self.status, self.headers, body.decode())
        return self

    @property
    def data(self) -> Any:
        """The body with Tallyfy's ``data`` envelope removed."""
        return data_of(self.body)

    @property
    def meta(self) -> dict[str, Any]:
        """The body's ``meta`` object (pagination), or an empty dict."""
        return meta_of(self.body)


@attrs.frozen
class EncodedBody:
    """A 2xx body kept as the bytes that arrived (``Transport.request(decode=False)``).

    Listings fetch pages ahead this way and decode each one when the walk reaches it:
    bytes are one object the garbage collector never looks at, where a decoded page is
    a thousand (see ``pagination``).
    """

    raw: bytes = attrs.field(repr=False)
    #: The Content-Type header as it came (see :func:`decode_body`).
    content_type: str
    status: int
    method: str
    #: Kept as the request's URL object, made text only for an error (a page's worth
    #: of work per page otherwise).
    url: URL | str

    def decode(self) -> Any:
        """The body as the transport decodes it.

        Raises:
            TransportError: when the body is not valid JSON.
        """
        try:
            return decode_body(self.status, self.content_type, self.raw)
        except (ValueError, RecursionError) as exc:
            raise TransportError(
                f"the {self.status} response is not valid JSON",
                method=self.method,
                url=str(self.url),
            ) from exc


def _shape(value: Any) -> str:
    """What a value is, without its content: ``list[100]``, ``dict[12 keys]``."""
    if isinstance(value, list):
        return f"list[{len(value)}]"
    if isinstance(value, dict):
        return f"dict[{len(value)} keys]"
    if isinstance(value, str):
        return f"text[{len(value)} chars]"
    return "None" if value is None else type(value).__name__


def data_of(body: Any) -> Any:
    """A decoded body with Tallyfy's ``data`` envelope removed (``{"data": ...}``)."""
    if isinstance(body, dict) and "data" in body:
        return body["data"]
    return body


def meta_of(body: Any) -> dict[str, Any]:
    """A decoded body's ``meta`` object (pagination), or an empty dict."""
    meta = body.get("meta") if isinstance(body, dict) else None
    return meta if isinstance(meta, dict) else {}


def decode_body(status: int, content_type: str, raw: bytes) -> Any:
    """A response body: JSON decoded, other text kept as text (Tallyfy's HTML 404 page),
    a 2xx body of any other type (a file, through ``client.request``) kept as bytes.

    Args:
        status: the response's status.
        content_type: the ``Content-Type`` header as it came. The transport passes it
            unparsed (aiohttp's ``content_type`` and ``charset`` parse it on every
            response); only a body that is not JSON needs its charset.
        raw: the body.

    Raises:
        ValueError, RecursionError: for a 2xx JSON body that cannot be read.
    """
    if not raw:
        return None
    media_type = content_type.partition(";")[0].strip().lower()
    # JSON as aiohttp's parsed type would say it (application/json, +json...); a type
    # without exactly one slash is no type at all (aiohttp reads it as octet-stream).
    if "json" in media_type and media_type.count("/") == 1:
        try:
            return json_loads(raw)
        except (ValueError, RecursionError):
            if status < 300:
                raise
    if status < 300 and not _textual(media_type):
        # A file (a PDF, an export): decoded as text it could not be turned back into the
        # bytes it was. Without a type, text if it is UTF-8. An error page, whatever its
        # type, is read as the text it says (below).
        if media_type:
            return raw
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw
    try:
        return raw.decode(_charset(content_type) or "utf-8", errors="replace")
    except (LookupError, ValueError):  # a charset Python does not know, or not for text
        return raw.decode("utf-8", errors="replace")


def _textual(media_type: str) -> bool:
    """Whether a body of this media type is text (HTML, plain, XML...)."""
    return media_type.startswith("text/") or media_type.endswith(("+xml", "/xml", "/javascript"))


def _charset(content_type: str) -> str | None:
    """The ``charset`` of a Content-Type header, read as the email package reads one
    (quotes, RFC 2231); rare enough (text bodies only) not to need a fast path."""
    if "charset" not in content_type.lower():
        return None
    header = Message()
    header["Content-Type"] = content_type
    return header.get_content_charset()


@attrs.frozen
class Attempt:
    """One attempt of one call, as given to the ``on_attempt`` hook.

    Attributes:
        method: the HTTP method.
        url: the URL (no secrets).
        attempt: 1 for the first attempt.
        status: the HTTP status, None when no response arrived.
        elapsed: seconds the attempt took.
        error: what went wrong when no response arrived.
    """

    method: str
    url: str
    attempt: int
    status: int | None
    elapsed: float
    error: BaseException | None = None


__all__ = ["Attempt", "EncodedBody", "Response", "data_of", "decode_body", "meta_of"]
