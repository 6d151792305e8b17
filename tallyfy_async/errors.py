"""The exceptions the SDK raises.

``TallyfyError`` is the root. ``APIError`` and its subclasses mean Tallyfy answered
with an error status; ``TransportError`` means no usable answer arrived (and, for a
write, that it was never delivered); ``OutcomeUnknownError`` means a write may or
may not have been applied, so the SDK refused to send it twice.

No exception message ever contains a token, a secret or a password.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self


class TallyfyError(Exception):
    """Root of every error the SDK raises on purpose.

    Every one survives ``pickle`` and ``copy.deepcopy`` (a ``ProcessPoolExecutor`` hands
    the error itself back, not ``BrokenProcessPool``).
    """

    _call: tuple[tuple[Any, ...], dict[str, Any]]

    def __new__(cls, *args: Any, **kwargs: Any) -> Self:
        # Exception's own __reduce__ calls the class again with `args` alone (the
        # message), which most of our __init__s refuse: keep what the constructor was
        # called with, for __reduce__ to call it the same way.
        self = super().__new__(cls, *args)
        self._call = (args, kwargs)
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        args, kwargs = self._call
        return (_rebuild, (type(self), args, kwargs), self.__dict__)


class ClientClosedError(TallyfyError, RuntimeError):
    """The client was closed before or while this call ran."""


class APIError(TallyfyError):
    """Tallyfy answered with an error status.

    Attributes:
        status: the HTTP status.
        code: Tallyfy's error ``code`` (``"RESOURCE_NOT_FOUND"``, ...) when the body has one.
        message: Tallyfy's ``message``, or a description of the body.
        errors: the field errors of a 422, keyed by dotted field path.
        request_id: the ``X-Request-Id`` response header, when the server sends one.
        method: the HTTP method of the request.
        url: the request URL (never carries a secret).
        body: the decoded JSON body, or the text of a non-JSON body (an HTML 404 page).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        method: str,
        url: str,
        code: str | None = None,
        errors: Mapping[str, list[str]] | None = None,
        request_id: str | None = None,
        body: Any = None,
        hint: str | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.errors: dict[str, list[str]] = dict(errors or {})
        self.request_id = request_id
        self.method = method
        self.url = url
        self.body = body
        self.hint = hint
        super().__init__(self._render())

    def _render(self) -> str:
        parts = [f"{self.method} {self.url} -> {self.status}"]
        if self.code:
            parts.append(f"[{self.code}]")
        parts.append(self.message)
        text = " ".join(parts)
        for field, problems in self.errors.items():
            text += f"\n  {field}: {'; '.join(str(p) for p in problems)}"
        if self.request_id:
            text += f"\n  request id: {self.request_id}"
        if self.hint:
            text += f"\n{self.hint}"
        return text


class AuthenticationError(APIError):
    """401: the token was refused, or credentials could not be exchanged for one."""


class PermissionDeniedError(APIError):
    """403: the user (or application) may not do this in this organization."""


class NotFoundError(APIError):
    """404: no such route (``ENDPOINT_NOT_FOUND``) or no such object (``RESOURCE_NOT_FOUND``)."""


class ConflictError(APIError):
    """409: the request conflicts with the organization's state (e.g. ``SEAT_POOL_EXHAUSTED``)."""


class ValidationError(APIError):
    """422: Tallyfy refused the data; :attr:`errors` names each field and why."""


class RateLimitError(APIError):
    """429 that was not retried: out of attempts, or ``Retry-After`` beyond the cap.

    Attributes:
        retry_after: seconds Tallyfy asked to wait, when it said.
    """

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kwargs)


class ServerError(APIError):
    """5xx from Tallyfy, after the retries an idempotent request is allowed."""


class TransportError(TallyfyError):
    """No usable response: connection refused or dropped, timeout, unreadable body.

    For a non-idempotent request (POST) this error means the request was **not**
    delivered: a POST that might have reached Tallyfy raises
    :class:`OutcomeUnknownError` instead.

    Attributes:
        method: the HTTP method.
        url: the request URL.
    """

    def __init__(self, message: str, *, method: str, url: str) -> None:
        self.method = method
        self.url = url
        super().__init__(f"{method} {url}: {message}")


class OutcomeUnknownError(TallyfyError):
    """A write may have been applied: the SDK does not know, and did not resend it.

    Raised when a non-idempotent request (POST) may have reached Tallyfy and no
    clear answer came back: the connection dropped after sending, the read timed
    out, or the server answered 5xx. Check the state (for example list the
    processes launched) before trying again.

    Attributes:
        method: the HTTP method.
        url: the request URL.
        status: the status received, if any (a 5xx).
    """

    side_effect_possible = True

    def __init__(self, message: str, *, method: str, url: str, status: int | None = None) -> None:
        self.method = method
        self.url = url
        self.status = status
        super().__init__(
            f"{method} {url}: {message}. The request may have been applied; it was not "
            "sent again. Check the current state before retrying."
        )


class FormValuesError(TallyfyError, ValueError, TypeError):
    """Form values refused before anything was sent.

    A ``ValueError`` (and a ``TypeError``, as some problems are wrong types), so code that
    catches either still catches it.

    Attributes:
        problems: one line per problem, each naming its field.
        missing: labels of required fields that have no value.
    """

    def __init__(self, what: str, problems: list[str], missing: list[str]) -> None:
        self.problems = problems
        self.missing = missing
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"{what} refused before anything was sent:\n{lines}")


class FileTooLargeError(TallyfyError, ValueError):
    """A file over the size limit of an upload or a download.

    Raised before anything is sent for an upload whose size is known, while sending
    for one read from an async iterator (the request is cut short: Tallyfy stores
    nothing), and for a download as soon as ``Content-Length`` or the bytes read
    pass the limit (nothing is left at the destination).

    Attributes:
        size: the size announced or reached, in bytes.
        limit: the limit, in bytes.
    """

    def __init__(self, message: str, *, size: int, limit: int) -> None:
        self.size = size
        self.limit = limit
        super().__init__(message)


class UnexpectedResponseError(TallyfyError):
    """Tallyfy answered 2xx with a body the SDK cannot read as the documented shape
    (a missing ``id``, a list where an object belongs). The raw data is on ``data``.
    """

    def __init__(self, message: str, data: Any = None) -> None:
        self.data = data
        super().__init__(message)


class PaginationError(TallyfyError):
    """A listing could not be walked completely: a page was unreadable, or fewer
    items arrived than the server's ``total`` promised. Never a silent short list.
    """


class SignInError(TallyfyError, ValueError):
    """The redirect of a browser sign-in does not give a token the application may use.

    Tallyfy refused (the member declined, or is not signed in), or the redirect is not the
    answer to this application's own request: its ``state`` is missing or wrong (a forged
    redirect), or it arrived on another address than the registered redirect URI.

    Attributes:
        error: the OAuth error Tallyfy sent (``access_denied``...), if it sent one.
        description: Tallyfy's description of it, if any.
    """

    def __init__(
        self, message: str, *, error: str | None = None, description: str | None = None
    ) -> None:
        self.error = error
        self.description = description
        super().__init__(message)


class TokenStoreError(TallyfyError):
    """A shared token store could not be used: its lock stayed held by another process,
    or the store (Redis) stayed unreachable, past the store's bound; or at once, when it
    refused the credentials or (a read-only replica) the write.

    The message says which bound passed and what to check; it never holds a secret.
    """


def _rebuild(cls: type[TallyfyError], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """An error called again as it was first (pickle cannot call with keywords)."""
    return cls(*args, **kwargs)


_BY_STATUS: dict[int, type[APIError]] = {
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: ValidationError,
    429: RateLimitError,
}


def error_class_for(status: int) -> type[APIError]:
    """The APIError subclass for an HTTP status."""
    if status >= 500:
        return ServerError
    return _BY_STATUS.get(status, APIError)


__all__ = [
    "APIError",
    "AuthenticationError",
    "ClientClosedError",
    "ConflictError",
    "FileTooLargeError",
    "FormValuesError",
    "NotFoundError",
    "OutcomeUnknownError",
    "PaginationError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "SignInError",
    "TallyfyError",
    "TokenStoreError",
    "TransportError",
    "UnexpectedResponseError",
    "ValidationError",
    "error_class_for",
]
