"""The ways to authenticate with Tallyfy, one frozen attrs class each.

Secrets are declared ``repr=False`` so they never reach a repr, a log line or an
exception message.
"""

from __future__ import annotations

import attrs


def _numeric_client_id(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    # Tallyfy answers a non-numeric client id with 401 invalid_client (catalogue §3.2);
    # say so before anything is sent.
    if not value.isdigit():
        raise ValueError(
            f"{type(instance).__name__}.client_id must be the numeric client id Tallyfy "
            f"support issued (for example '123'), got {value!r}"
        )


def _non_empty(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not value or not value.strip():
        raise ValueError(f"{type(instance).__name__}.{attribute.name} must not be empty")


@attrs.frozen
class PersonalAccessToken:
    """A personal access token from Settings > Integrations > REST API.

    It lasts about six months and is deleted when its user logs out of the web
    app; it is never refreshed.
    """

    token: str = attrs.field(repr=False, validator=_non_empty)


@attrs.frozen
class PasswordGrant:
    """OAuth password grant: an application acting as one Tallyfy user."""

    client_id: str = attrs.field(converter=str, validator=_numeric_client_id)
    client_secret: str = attrs.field(repr=False, validator=_non_empty)
    username: str = attrs.field(validator=_non_empty)
    password: str = attrs.field(repr=False, validator=_non_empty)
    scope: str | None = None


@attrs.frozen
class ClientCredentials:
    """OAuth client-credentials grant: an application token without user context.

    Most Tallyfy routes need a user; use it for ``/applications/...`` routes, or
    use :class:`ApplicationUser` to act as a member.
    """

    client_id: str = attrs.field(converter=str, validator=_numeric_client_id)
    client_secret: str = attrs.field(repr=False, validator=_non_empty)
    scope: str | None = None


@attrs.frozen
class RefreshToken:
    """A refresh token obtained earlier; rotated refresh tokens go to the TokenStore."""

    client_id: str = attrs.field(converter=str, validator=_numeric_client_id)
    client_secret: str = attrs.field(repr=False, validator=_non_empty)
    refresh_token: str = attrs.field(repr=False, validator=_non_empty)


@attrs.frozen
class ApplicationUser:
    """A third-party application acting as a member (catalogue §3.3).

    The SDK takes an application token with the client-credentials grant, then
    mints a user token with ``POST /applications/{org}/users/{email}/token``.
    """

    client_id: str = attrs.field(converter=str, validator=_numeric_client_id)
    client_secret: str = attrs.field(repr=False, validator=_non_empty)
    email: str = attrs.field(validator=_non_empty)


#: Any one of the supported credentials.
Credentials = (
    PersonalAccessToken | PasswordGrant | ClientCredentials | RefreshToken | ApplicationUser
)
