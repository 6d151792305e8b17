"""What a route hands back: a :class:`Reply`, or an :class:`ApiError` raised with one inside."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tallyfy_async.testing._json import dumps

JSON = "application/json"
HTML = "text/html; charset=UTF-8"


class Reply:
    """An HTTP answer: status, body bytes, content type and extra headers."""

    __slots__ = ("body", "content_type", "headers", "status")

    def __init__(
        self,
        status: int,
        body: bytes = b"",
        content_type: str | None = JSON,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = dict(headers) if headers else None


class ApiError(Exception):
    """Raised anywhere in a route to answer with ``reply`` instead."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.status)
        self.reply = reply


def json_reply(obj: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Reply:
    """Any JSON value, as is (no envelope)."""
    return Reply(status, dumps(obj), JSON, headers)


def data(obj: Any, status: int = 200) -> Reply:
    """``{"data": obj}``."""
    return Reply(status, dumps({"data": obj}))


def empty(status: int = 204) -> Reply:
    """No body at all."""
    return Reply(status, b"", None)


def error(status: int, body: Any, headers: Mapping[str, str] | None = None) -> ApiError:
    """An :class:`ApiError` with a JSON body."""
    return ApiError(json_reply(body, status, headers))


# Key orders are the ones production sends.
ENDPOINT_NOT_FOUND = (
    b'{"error":true,"message":"API endpoint not found","code":"ENDPOINT_NOT_FOUND"}'
)
RESOURCE_NOT_FOUND = b'{"message":"Resource not found","code":"RESOURCE_NOT_FOUND","error":true}'
#: Laravel's answer to an exception nobody caught.
SERVER_ERROR = b'{"message":"Server Error"}'
NOT_FOUND_HTML = (
    b'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
    b"<title>Not Found</title>\n</head>\n<body>\n<div>404 | Not Found</div>\n</body>\n</html>\n"
)


def not_found() -> ApiError:
    """404 for an id that names nothing (or nothing this caller may see)."""
    return ApiError(Reply(404, RESOURCE_NOT_FOUND))


def endpoint_not_found() -> ApiError:
    """404 for a path no route matches."""
    return ApiError(Reply(404, ENDPOINT_NOT_FOUND))


def unauthenticated() -> ApiError:
    """401 as Laravel's ``auth:api`` guard writes it."""
    return error(401, {"message": "Unauthenticated."})


#: The 403 of the application routes.
APP_FORBIDDEN = "You don't have application's permissions for this organization!"
#: The 403 of a member an administrator disabled (no source shows Tallyfy's words).
DISABLED_MEMBER = "Your account in this organization has been disabled."


def forbidden(message: str = "This action is unauthorized.") -> ApiError:
    """403 with Laravel's default authorization message unless told otherwise."""
    return error(403, {"message": message})


def invalid(errors: Mapping[str, list[str]], message: str | None = None) -> ApiError:
    """422 in the shape both Laravel and docs parsers read."""
    return error(
        422,
        {
            "error": True,
            "message": message or "The given data was invalid.",
            "errors": dict(errors),
        },
    )


def invalid_first(errors: Mapping[str, list[str]]) -> ApiError:
    """422 whose ``message`` is the first error, as form-field errors are ("<label> is
    required")."""
    return invalid(errors, next(iter(errors.values()))[0])


def invalid_field(field: str, text: str, *, specific: bool = False) -> ApiError:
    """422 naming one field; ``specific`` puts ``text`` in ``message`` too."""
    return invalid({field: [text]}, text if specific else None)
