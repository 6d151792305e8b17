"""Credentials: validated on creation, secrets never shown."""

from __future__ import annotations

import pytest

from tallyfy_async import (
    ApplicationUser,
    ClientCredentials,
    PasswordGrant,
    PersonalAccessToken,
    RefreshToken,
)

ALL = [
    PersonalAccessToken(token="SECRET-pat"),
    PasswordGrant(
        client_id="12", client_secret="SECRET-cs", username="a@b.c", password="SECRET-pw"
    ),
    ClientCredentials(client_id=12, client_secret="SECRET-cs"),
    RefreshToken(client_id="12", client_secret="SECRET-cs", refresh_token="SECRET-rt"),
    ApplicationUser(client_id="12", client_secret="SECRET-cs", email="a@b.c"),
]


@pytest.mark.parametrize("credentials", ALL, ids=lambda c: type(c).__name__)
def test_repr_and_str_never_show_a_secret(credentials: object) -> None:
    assert "SECRET" not in repr(credentials)
    assert "SECRET" not in str(credentials)


def test_client_id_must_be_numeric() -> None:
    with pytest.raises(ValueError, match="numeric client id"):
        PasswordGrant(client_id="abc", client_secret="s", username="u", password="p")
    assert ClientCredentials(client_id=7, client_secret="s").client_id == "7"


def test_blank_secrets_are_refused() -> None:
    with pytest.raises(ValueError, match="token must not be empty"):
        PersonalAccessToken(token=" ")
    with pytest.raises(ValueError, match="password must not be empty"):
        PasswordGrant(client_id="1", client_secret="s", username="u", password="")
    with pytest.raises(TypeError, match="client_secret must be a str, got int"):
        ClientCredentials(client_id="1", client_secret=123)  # type: ignore[arg-type]
