"""Why a webhook delivery was refused: one class per reason, all under :class:`WebhookError`.

Each class carries the HTTP status the receiver answers with, so a delivery is refused the
same way whether :func:`~tallyfy_async.webhooks.parse` is called by hand or by the receiver.
Messages name the organization id (not a secret: Tallyfy sends it in clear) and never
repeat the body.
"""

from __future__ import annotations

from collections.abc import Collection

from tallyfy_async.errors import TallyfyError


class WebhookError(TallyfyError):
    """A webhook delivery was refused.

    Attributes:
        status: the HTTP status the receiver answers with.
        reason: the short text it answers with. The message, with the details, goes to
            the log only: a caller that is not Tallyfy learns nothing from the answer
            (not which organizations are accepted, nor what the limit is).
    """

    status = 400
    reason = "refused"


class WebhookOrganizationError(WebhookError):
    """The ``X-Tallyfy-orgID`` header is missing or names an organization not expected.

    The header is the only authenticity signal Tallyfy sends (there is no signature), so
    a delivery without the right one is treated as forged: 403.
    """

    status = 403
    reason = "organization not accepted"


class MissingOrganizationError(WebhookOrganizationError):
    """The delivery has no ``X-Tallyfy-orgID`` header (or an empty one)."""

    def __init__(self) -> None:
        super().__init__(
            "webhook refused: no X-Tallyfy-orgID header. Tallyfy sends it with every "
            "delivery; a request without it did not come from Tallyfy."
        )


class UnexpectedOrganizationError(WebhookOrganizationError):
    """The ``X-Tallyfy-orgID`` header names an organization this receiver does not serve,
    or the body names another organization than the header.

    Attributes:
        org_id: the organization the delivery claims to come from.
        expected: the organizations this receiver accepts.
    """

    def __init__(self, org_id: str, expected: Collection[str], *, detail: str = "") -> None:
        self.org_id = org_id
        self.expected = frozenset(expected)
        shown = ", ".join(sorted(self.expected)[:5])
        more = f" and {len(self.expected) - 5} more" if len(self.expected) > 5 else ""
        super().__init__(
            detail
            or f"webhook refused: X-Tallyfy-orgID {org_id!r:.60} is not an organization this "
            f"receiver accepts ({shown}{more}). Add it to org_id= if it is one of yours."
        )


class WebhookTooLargeError(WebhookError):
    """The body is over the size limit (checked before it is read or parsed): 413.

    Attributes:
        size: the body's size in bytes, as far as it was read or announced.
        limit: the limit in bytes.
    """

    status = 413
    reason = "body too large"

    def __init__(self, size: int, limit: int) -> None:
        self.size = size
        self.limit = limit
        super().__init__(
            f"webhook refused: body of {size:,} bytes or more is over the {limit:,}-byte "
            "limit (Tallyfy's payloads are a few kilobytes). Raise max_body_size= if yours "
            "really are larger."
        )


class WebhookPayloadError(WebhookError, ValueError):
    """The body is not a delivery the SDK can read: 400.

    A ``ValueError`` too, so code that catches bad input in general still catches it.
    """

    reason = "not a Tallyfy webhook payload"


class WebhookNotJSONError(WebhookPayloadError):
    """The body is not JSON (or not UTF-8)."""


class WebhookShapeError(WebhookPayloadError):
    """The body is JSON, but not a process or task-completion payload as Tallyfy
    documents them (or a documented field has a value of the wrong type)."""


class WebhookDateError(WebhookPayloadError):
    """A date in the payload could not be read without guessing.

    Tallyfy writes webhook dates as ISO 8601, or, when the organization chose it, as
    ``d/m/Y h:i A T`` (``02/10/2025 02:30 PM CDT``) in the organization's time zone. The
    abbreviation at the end is resolved against the time zone given to the receiver, or
    against the abbreviations that mean a single offset everywhere; an ambiguous
    abbreviation (``CST``, ``IST``, ``PST``...) or one that does not match is refused.

    Attributes:
        text: the date as received.
    """

    def __init__(self, text: str, reason: str) -> None:
        self.text = text
        super().__init__(f"webhook date {text!r:.60}: {reason}")
