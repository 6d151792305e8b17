"""From an error response to the typed error the SDK raises, with every secret scrubbed.

A server may echo what it was sent (a form with a password, a token) in its error body or
headers; whatever it sends back passes through :func:`scrub` before it reaches an exception.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tallyfy_async.auth.refusals import API_TOKEN_HINT
from tallyfy_async.errors import APIError, AuthenticationError, RateLimitError, error_class_for

REDACTED = "[redacted]"


def api_error(
    method: str,
    url: str,
    status: int,
    headers: Mapping[str, str],
    body: Any,
    *,
    auth_hint: str | None = None,
    retry_after: float | None = None,
    secrets: tuple[str, ...] = (),
) -> APIError:
    """The typed error for an error response.

    ``auth_hint`` is what a 401 tells the user to check (the credentials' own advice).
    ``secrets`` (the token and form secrets the request carried) are replaced in
    whatever the server sent back: a server that echoes them must not put them into
    an exception message.
    """
    body = scrub(body, secrets)
    message, code, errors = _describe(status, body)
    cls = error_class_for(status)
    hint = None
    if cls is AuthenticationError:
        hint = auth_hint or API_TOKEN_HINT
    elif 300 <= status < 400:
        location = scrub(headers.get("Location", "?"), secrets)
        message = f"unexpected redirect to {location}; the SDK never follows redirects"
    kwargs: dict[str, Any] = {
        "status": status,
        "method": method,
        "url": url,
        "code": code,
        "errors": errors,
        "request_id": scrub(headers.get("X-Request-Id"), secrets),
        "body": body,
        "hint": hint,
    }
    if cls is RateLimitError:
        return RateLimitError(message, retry_after=retry_after, **kwargs)
    return cls(message, **kwargs)


def scrub(value: Any, secrets: tuple[str, ...]) -> Any:
    """``value`` with every secret replaced, through dicts and lists."""
    if not secrets:
        return value
    if isinstance(value, str):
        for secret in secrets:
            if secret:
                value = value.replace(secret, REDACTED)
        return value
    if isinstance(value, dict):
        return {scrub(k, secrets): scrub(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, secrets) for v in value]
    return value


def _describe(status: int, body: Any) -> tuple[str, str | None, dict[str, list[str]]]:
    message: str | None = None
    code: str | None = None
    errors: dict[str, list[str]] = {}
    if isinstance(body, dict):
        nested = body.get("error")
        if isinstance(nested, dict):  # 409 {"error": {"code", "message", "details"}}
            body = {**body, **nested}
        if isinstance(body.get("message"), str):
            message = body["message"]
        elif isinstance(body.get("error_description"), str):
            message = body["error_description"]
        elif isinstance(body.get("error"), str):
            message = body["error"]
        if isinstance(body.get("code"), str):
            code = body["code"]
        raw_errors = body.get("errors")
        if isinstance(raw_errors, dict):
            for field, problems in raw_errors.items():
                items = problems if isinstance(problems, list) else [problems]
                errors[str(field)] = [str(p) for p in items]
        if message is None and errors:
            message = next(iter(errors.values()))[0]
    elif isinstance(body, str) and body.strip():
        text = " ".join(body.split())
        message = f"non-JSON body: {text[:200]}"
    return message or f"HTTP {status}", code, errors


__all__ = ["REDACTED", "api_error", "scrub"]
