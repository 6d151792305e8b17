"""A token a member granted an application through the browser sign-in.

``tallyfy_async.oauth.token_from_redirect`` reads it from the redirect; the client uses it as
it is, like a personal access token: it cannot be refreshed, and once it expires (after about
six months) or is revoked, the member signs in again.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar

import attrs

from tallyfy_async.auth.credentials import GivenToken, non_empty
from tallyfy_async.auth.flows import TokenEndpoint, TokenFlow

#: What to check when the API refuses a token of the browser sign-in.
BROWSER_TOKEN_HINT = """\
This client uses a token from the browser sign-in, which the SDK cannot refresh: it lasts
about six months, and the member can revoke it sooner. Send the member through the sign-in
again (tallyfy_async.oauth.authorize_url) for a new one."""


def _aware(instance: object, attribute: attrs.Attribute[datetime | None], value: object) -> None:
    if value is not None and (
        not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None
    ):
        raise ValueError(
            f"{type(instance).__name__}.expires_at must be an aware datetime or None, "
            f"got {value!r:.60}"
        )


@attrs.frozen
class BrowserToken:
    """Credentials from the browser sign-in (OAuth implicit grant) of a third-party application.

    Attributes:
        token: the access token (never shown by ``repr``).
        expires_at: when Tallyfy stops accepting it (aware), if the redirect said.
    """

    renewable: ClassVar[bool] = False
    refused_hint: ClassVar[str] = BROWSER_TOKEN_HINT

    token: str = attrs.field(repr=False, validator=non_empty)
    expires_at: datetime | None = attrs.field(default=None, validator=_aware)

    def expired(self, now: datetime | None = None) -> bool:
        """Whether the token is past its expiry (False when the expiry is unknown).

        Args:
            now: the moment to judge at (aware); the current time by default.
        """
        if self.expires_at is None:
            return False
        return (now or datetime.now(UTC)) >= self.expires_at

    def check_org(self, org: str | None) -> None:
        """Every organization of the member is served, and calls that name none."""

    def flow(self, endpoint: TokenEndpoint) -> TokenFlow:
        """The token itself, every time (Tallyfy refuses it once it expires)."""
        return GivenToken(self.token, endpoint)
