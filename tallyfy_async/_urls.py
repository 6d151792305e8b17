"""Building request URLs: base URLs, path segments, ids and query strings.

Every id is checked before it goes into a path (no ``/``, ``..``, ``%``,
whitespace or control characters), then each segment is percent-encoded on its
own. Query strings encode spaces as ``%20``: Tallyfy does not read ``+``
as a space.
"""

from __future__ import annotations

import enum
import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Final
from urllib.parse import quote

from yarl import URL

MAX_ID_LENGTH = 255

#: Segments that need no look and no encoding: Tallyfy's 32-hex and numeric ids, slugs.
_PLAIN = re.compile(r"[0-9A-Za-z_\-]{1,255}")

#: Query keys and values that quote() leaves as they are (its unreserved characters, and
#: the commas of lists).
_PLAIN_QUERY = re.compile(r"[0-9A-Za-z_.~,\-]*")

#: Query parameter values: scalars, or sequences sent comma-separated.
QueryValue = str | int | float | bool | date | enum.Enum | Sequence[str | int] | None
QueryParams = Mapping[str, QueryValue]


def check_id(value: object, what: str = "id") -> str:
    """Return ``value`` as a path segment, or raise before anything is sent.

    Tallyfy ids are 32-hex strings or integers; emails address guests. A value
    that could change the path (``/``, ``..``, ``%``) or smuggle whitespace or
    control characters is refused.

    Raises:
        TypeError: for a value that is not a str or an int.
        ValueError: for an empty, over-long or unsafe value.
    """
    # The common cases first: Tallyfy's ids, then slugs, before a look at every character.
    if type(value) is str and (
        (value.isascii() and value.isalnum() and len(value) <= MAX_ID_LENGTH)
        or _PLAIN.fullmatch(value)
    ):
        return value
    if type(value) is int:
        return str(value)
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise TypeError(
            f"{what} must be a str or an int, got {type(value).__name__}: {value!r:.60}"
        )
    text = str(value)
    problem = None
    if not text:
        problem = "is empty"
    elif len(text) > MAX_ID_LENGTH:
        problem = f"is {len(text)} characters long (at most {MAX_ID_LENGTH})"
    elif "/" in text or "\\" in text:
        problem = "contains a slash"
    elif text in (".", "..") or ".." in text:
        problem = "contains '..'"
    elif "%" in text:
        problem = "contains '%' (pass the raw value; the SDK encodes it)"
    elif any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in text):
        problem = "contains whitespace or a control character"
    if problem:
        raise ValueError(f"{what} {text[:60]!r} {problem}; it cannot be used in a URL path")
    return text


#: Tallyfy's ids of organizations, and of blueprints, processes, tasks, groups, tags and
#: folders: 32 lowercase hexadecimal characters (a UUID without hyphens).
HEX_ID: Final = re.compile(r"[0-9a-f]{32}")


def check_org_id(value: object, what: str = "org_id") -> str:
    """Return ``value`` when it has the shape of an organization id, or raise before sending.

    Tallyfy writes every organization id as 32 lowercase hexadecimal characters. A name
    (``"acme"``) or a shortened id would only meet a bare 404 later.

    Raises:
        TypeError, ValueError: for a value that cannot be an organization id.
    """
    text = check_id(value, what)
    if HEX_ID.fullmatch(text):
        return text
    if HEX_ID.fullmatch(text.lower()):
        raise ValueError(f"{what} {text!r} must be written in lowercase: {text.lower()!r}")
    raise ValueError(
        f"{what} must be an organization id, 32 lowercase hexadecimal characters (for "
        f"example '3b0c5f2e8d7a4c1b9e6f0a2d4c8b7e13'), got {text[:60]!r} ({len(text)} "
        "characters); an organization's name is not its id"
    )


def is_loopback(host: str | None) -> bool:
    """Whether ``host`` names this machine (127.0.0.0/8, ::1, localhost)."""
    if not host:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def parse_base_url(value: str | URL, *, what: str, allow_insecure_http: bool) -> URL:
    """Check and normalise a base URL (no trailing slash, no query).

    Raises:
        ValueError: for a URL that is not absolute http(s), or plain http to a host
            other than loopback without ``allow_insecure_http=True``.
    """
    url = URL(value)
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError(f"{what} must be an absolute http(s) URL, got {str(value)!r}")
    if url.query_string or url.fragment:
        raise ValueError(f"{what} must not carry a query or a fragment: {str(value)!r}")
    if url.user or url.password:
        raise ValueError(f"{what} must not carry credentials; pass credentials=... instead")
    if url.scheme == "http" and not is_loopback(url.host) and not allow_insecure_http:
        raise ValueError(
            f"{what} {str(url)!r} uses plain http to a host that is not this machine: tokens "
            "would cross the network unencrypted. Use https, or pass allow_insecure_http=True "
            "if you really mean it."
        )
    return url.with_path(url.path.rstrip("/") or "/")


def split_path(path: str) -> list[str]:
    """Split an API path (``/organizations/{org}/runs``) into checked segments.

    Raises:
        ValueError: for a relative path, one that starts with ``/api`` (the base URL
            carries it), or a segment that is not safe.
    """
    if not isinstance(path, str) or not path.startswith("/"):
        raise ValueError(
            f"path must start with '/' and be written from the API root, e.g. "
            f"'/organizations/{{org}}/runs', got {path!r:.80}"
        )
    if "?" in path or "#" in path:
        raise ValueError(f"pass query parameters with params=..., not in the path: {path!r:.80}")
    # Only the root's slash and trailing ones go: "//host/x" keeps its empty segment
    # and is refused like any other.
    trimmed = path[1:].rstrip("/")
    segments = trimmed.split("/") if trimmed else []
    if segments and segments[0] == "api":
        raise ValueError(
            f"path {path!r:.80} starts with /api, but the base URL already carries the API "
            "root (it would become /api/api/); write it as "
            f"{'/' + '/'.join(segments[1:])!r}"
        )
    return [check_id(segment, "path segment") for segment in segments]


def path_segment(value: object, what: str = "id") -> str:
    """``value`` checked (:func:`check_id`) and percent-encoded as one path segment, every
    character but the unreserved ones: a guest's email goes as ``jane%40example.com``, as
    Tallyfy's own clients send it.

    Raises:
        TypeError, ValueError: as :func:`check_id`.
    """
    # Tallyfy's ids need no encoding: two string methods instead of a regex and a quote.
    if type(value) is str and value.isascii() and value.isalnum() and len(value) <= MAX_ID_LENGTH:
        return value
    return _encoded(check_id(value, what))


def encode_path(segments: Iterable[str]) -> str:
    """Checked segments (:func:`split_path`) as an encoded path, each encoded on its own."""
    return "/".join(_encoded(segment) for segment in segments)


def _encoded(segment: str) -> str:
    # A plain segment (Tallyfy's ids, slugs) as it is; anything else percent-encoded.
    return segment if _PLAIN.fullmatch(segment) else quote(segment, safe="")


def build_url(base_text: str, path: str, query: str = "") -> URL:
    """The URL of an encoded ``path`` (:func:`encode_path`, ``Route.compile``) under the
    base URL, plus a query string already encoded (:func:`encode_query`).

    ``base_text`` is the base URL as text without a trailing slash, computed once by the
    caller: the URL is built from one string, the hot path of every request.
    """
    text = f"{base_text}/{path}"
    return URL(f"{text}?{query}" if query else text, encoded=True)


def encode_query(params: QueryParams, scalar: Callable[[Any], Any]) -> str:
    """Encode query parameters: spaces as ``%20``, booleans as ``true``/``false``,
    sequences comma-separated, ``None`` left out; ``scalar`` converts other values
    (dates) through the converter.
    """
    return "&".join(
        [
            f"{_query_part(str(key))}={_query_part(_query_text(key, value, scalar))}"
            for key, value in params.items()
            if value is not None
        ]
    )


def _query_part(text: str) -> str:
    # What urlencode(..., safe=",", quote_via=quote) writes, without its Python loop over
    # the characters of every key and value: plain text (page numbers, per_page, ids,
    # include names) as it is, anything else through quote.
    return text if _PLAIN_QUERY.fullmatch(text) else quote(text, safe=",")


def _query_text(key: str, value: Any, scalar: Callable[[Any], Any]) -> str:
    if type(value) is int:  # page numbers and sizes, the common case
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, str | int | float):
        return str(value)
    if isinstance(value, datetime | date):
        return str(scalar(value))
    if isinstance(value, Sequence):
        if not value:
            # Sent as `key=`, which no filter documents; leaving it out would select
            # everything, the opposite of an empty selection.
            raise ValueError(
                f"{key}=[] is an empty list: leave {key} out to not filter by it "
                "(an empty list cannot be sent)"
            )
        parts = [_query_text(key, v, scalar) for v in value]
        for part in parts:
            if "," in part:  # it would arrive as two values
                raise ValueError(
                    f"{key}: the list value {part[:60]!r} contains a comma: Tallyfy splits "
                    "list values at commas, so it cannot be sent as one value"
                )
            if not part.strip():  # `key=a,` or `key=`: a value that selects nothing
                raise ValueError(f"{key}: the list {value!r:.60} holds a blank value; leave it out")
        return ",".join(parts)
    raise TypeError(f"cannot send {type(value).__name__} {value!r:.60} as a query parameter")


def with_query(url: URL, query: str) -> URL:
    """``url`` with an already-encoded query string (yarl would re-encode ``%20``)."""
    if not query:
        return url
    return URL(f"{url}?{query}", encoded=True)
