"""The token endpoint's refusals are AuthenticationErrors carrying the OAuth error, over HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from tallyfy_async import (
    AuthenticationError,
    PasswordGrant,
    RateLimitError,
    RefreshToken,
    RetryPolicy,
    ServerError,
    TallyfyClient,
)
from tallyfy_async.testing import DemoOrg, FakeTallyfy

FAST = RetryPolicy(initial_delay=0.01, max_delay=0.02)


def connect(fake: FakeTallyfy, credentials: Any) -> TallyfyClient:
    return TallyfyClient(credentials, base_url=fake.base_url, token_url=fake.token_url, retry=FAST)


def token_requests(fake: FakeTallyfy) -> list[Any]:
    return [r for r in fake.log if r.route == "oauth.token"]


async def test_a_wrong_password_is_an_authentication_error_saying_what_to_check(
    fake: FakeTallyfy, demo: DemoOrg
) -> None:
    wrong = PasswordGrant(
        client_id=demo.client_id,
        client_secret=demo.client_secret,
        username=demo.admin_email,
        password="not-the-password",
    )
    async with connect(fake, wrong) as client:
        with pytest.raises(AuthenticationError) as raised:
            await client.org(demo.org_id).processes.list()
    error = raised.value
    assert error.status == 400 and error.code == "invalid_grant"
    assert error.message == "The user credentials were incorrect."
    assert error.hint is not None and "password" in error.hint and "username" in error.hint
    assert "[invalid_grant]" in str(error)
    assert "not-the-password" not in str(error)
    assert [r.status for r in token_requests(fake)] == [400]  # a refusal is not retried


async def test_a_wrong_client_secret_is_invalid_client(fake: FakeTallyfy, demo: DemoOrg) -> None:
    wrong = PasswordGrant(
        client_id=demo.client_id,
        client_secret="not-the-secret",
        username=demo.admin_email,
        password=demo.admin_password,
    )
    async with connect(fake, wrong) as client:
        with pytest.raises(AuthenticationError) as raised:
            await client.request("GET", "/me")
    assert raised.value.status == 401 and raised.value.code == "invalid_client"
    assert raised.value.hint is not None and "client_secret" in raised.value.hint


async def test_a_revoked_refresh_token_is_invalid_request(fake: FakeTallyfy, demo: DemoOrg) -> None:
    creds = demo.credentials
    spent = RefreshToken(
        client_id=creds.client_id, client_secret=creds.client_secret, refresh_token="def50200-gone"
    )
    async with connect(fake, spent) as client:
        with pytest.raises(AuthenticationError) as raised:
            await client.request("GET", "/me")
    assert raised.value.code == "invalid_request"
    assert raised.value.hint is not None and "revoked" in raised.value.hint


@pytest.mark.parametrize(
    ("status", "code", "advice"),
    [
        (400, "unsupported_grant_type", "token_url"),
        (400, "invalid_scope", "scope"),
        (400, "invalid_request", "refresh token"),
        (401, "invalid_client", "client_id"),
        (400, "invalid_grant", "refresh token"),
        (401, "unauthorized_client", "grant"),
        (400, "something_new", "client_id"),
    ],
)
async def test_every_oauth_refusal_carries_its_code_and_a_fitting_hint(
    fake: FakeTallyfy, demo: DemoOrg, status: int, code: str, advice: str
) -> None:
    fake.inject(
        path=r"/oauth/token$",
        status=status,
        body={"error": code, "error_description": f"refused: {code}", "message": f"no: {code}"},
    )
    async with connect(fake, demo.credentials) as client:
        with pytest.raises(AuthenticationError) as raised:
            await client.request("GET", "/me")
    assert raised.value.code == code and raised.value.status == status
    assert advice in (raised.value.hint or "")


async def test_a_refusal_without_an_oauth_body_is_still_an_authentication_error(
    fake: FakeTallyfy, demo: DemoOrg
) -> None:
    fake.inject(path=r"/oauth/token$", status=400, body={"message": "Bad request"})
    async with connect(fake, demo.credentials) as client:
        with pytest.raises(AuthenticationError) as raised:
            await client.request("GET", "/me")
    assert raised.value.code is None and raised.value.hint


@pytest.mark.parametrize(("status", "error"), [(503, ServerError), (429, RateLimitError)])
async def test_a_token_endpoint_in_trouble_is_not_a_refusal(
    fake: FakeTallyfy, demo: DemoOrg, status: int, error: type[Exception]
) -> None:
    fake.inject(path=r"/oauth/token$", status=status, body={"message": "busy"}, retry_after=0)
    async with connect(fake, demo.credentials) as client:
        with pytest.raises(error) as raised:
            await client.request("GET", "/me")
    assert not isinstance(raised.value, AuthenticationError)
    assert len(token_requests(fake)) == FAST.max_attempts  # retried, as any safe request


async def test_an_unknown_client_on_refresh_does_not_retry_the_original_grant(
    fake: FakeTallyfy, demo: DemoOrg
) -> None:
    async with connect(fake, demo.credentials) as client:
        await client.request("GET", "/me")
        fake.expire_tokens()
        fake.inject(
            path=r"/oauth/token$",
            status=401,
            body={"error": "invalid_client", "message": "Client authentication failed"},
        )
        with pytest.raises(AuthenticationError, match="invalid_client"):
            await client.request("GET", "/me")
    assert [r.body["grant_type"] for r in token_requests(fake)] == ["password", "refresh_token"]
