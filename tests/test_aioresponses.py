"""A user's unit tests that mock aiohttp with aioresponses meet the SDK's real behaviour.

No FakeTallyfy here: aioresponses answers in place of the network, as in a user's suite. The
README's recipe (run by ``tests/test_readme.py``) is the short version of this module.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs

import pytest
from aiohttp import ClientResponse
from aioresponses import aioresponses
from yarl import URL

from tallyfy_async import (
    AuthenticationError,
    OutcomeUnknownError,
    PasswordGrant,
    RetryPolicy,
    TallyfyClient,
    ValidationError,
)
from tallyfy_async.models import Process

API = "https://go.tallyfy.com/api"
TOKEN_URL = f"{API}/oauth/token"
ORG = "3b0c5f2e8d7a4c1b9e6f0a2d4c8b7e13"
RUNS = re.compile(rf"^{API}/organizations/{ORG}/runs(\?.*)?$")
CREDENTIALS = PasswordGrant(client_id="7", client_secret="cs", username="u@x.io", password="pw")


def token(name: str) -> dict[str, Any]:
    return {"access_token": name, "token_type": "Bearer", "expires_in": 3600, "refresh_token": "r"}


class MockedResponse(ClientResponse):
    """aioresponses 0.7.9 builds responses without the stream_writer aiohttp 3.14 requires."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("stream_writer", SimpleNamespace(output_size=0))
        super().__init__(*args, **kwargs)


@pytest.fixture
def mocked(monkeypatch: pytest.MonkeyPatch) -> Iterator[aioresponses]:
    if "stream_writer" in inspect.signature(ClientResponse.__init__).parameters:
        monkeypatch.setattr("aioresponses.core.ClientResponse", MockedResponse)
    with aioresponses() as mock:
        yield mock


def connect() -> TallyfyClient:
    return TallyfyClient(CREDENTIALS, retry=RetryPolicy(initial_delay=0.001, max_delay=0.002))


def calls(mock: aioresponses, method: str, url: str) -> list[Any]:
    return list(mock.requests.get((method, URL(url)), []))


async def test_the_token_request_is_the_password_grant_form(mocked: aioresponses) -> None:
    mocked.post(TOKEN_URL, payload=token("t1"))
    mocked.get(RUNS, payload={"data": []})
    async with connect() as client:
        await client.org(ORG).processes.list()
    [grant] = calls(mocked, "POST", TOKEN_URL)
    form = parse_qs(grant.kwargs["data"].decode())
    assert form == {
        "grant_type": ["password"],
        "client_id": ["7"],
        "client_secret": ["cs"],
        "username": ["u@x.io"],
        "password": ["pw"],
    }
    [listing] = [c for (m, u), c in mocked.requests.items() if m == "GET" and "/runs" in str(u)]
    assert listing[0].kwargs["headers"]["Authorization"] == "Bearer t1"


async def test_a_503_on_a_read_is_retried_and_typed_models_come_back(
    mocked: aioresponses,
) -> None:
    mocked.post(TOKEN_URL, payload=token("t1"))
    mocked.get(RUNS, status=503)
    mocked.get(RUNS, status=503)
    mocked.get(RUNS, payload={"data": [{"id": "a" * 32, "name": "Onboard", "status": "active"}]})
    async with connect() as client:
        page = await client.org(ORG).processes.list()
    assert isinstance(page[0], Process) and page[0].status == "active"


async def test_a_503_on_a_launch_is_never_resent(mocked: aioresponses) -> None:
    mocked.post(TOKEN_URL, payload=token("t1"))
    mocked.post(RUNS, status=503)
    async with connect() as client:
        with pytest.raises(OutcomeUnknownError):
            await client.org(ORG).request("POST", f"/organizations/{ORG}/runs", json={})
    assert len(calls(mocked, "POST", f"{API}/organizations/{ORG}/runs")) == 1


async def test_a_401_refreshes_the_token_and_replays_once(mocked: aioresponses) -> None:
    mocked.post(TOKEN_URL, payload=token("t1"))
    mocked.get(RUNS, status=401, payload={"message": "Unauthenticated."})
    mocked.post(TOKEN_URL, payload=token("t2"))
    mocked.get(RUNS, payload={"data": []})
    async with connect() as client:
        page = await client.org(ORG).processes.list()
    assert page.total == 0
    grants = calls(mocked, "POST", TOKEN_URL)
    assert [parse_qs(g.kwargs["data"].decode())["grant_type"] for g in grants] == [
        ["password"],
        ["refresh_token"],
    ]


async def test_a_wrong_password_is_an_authentication_error(mocked: aioresponses) -> None:
    refused = {"error": "invalid_grant", "message": "The user credentials were incorrect."}
    mocked.post(TOKEN_URL, status=400, payload=refused)
    async with connect() as client:
        with pytest.raises(AuthenticationError) as error:
            await client.org(ORG).processes.list()
    assert error.value.code == "invalid_grant"


async def test_a_422_is_a_validation_error_naming_each_field(mocked: aioresponses) -> None:
    mocked.post(TOKEN_URL, payload=token("t1"))
    invalid = {"message": "The given data was invalid.", "errors": {"name": ["Too long."]}}
    mocked.put(
        re.compile(rf"^{API}/organizations/{ORG}/runs/{'c' * 32}$"), status=422, payload=invalid
    )
    async with connect() as client:
        with pytest.raises(ValidationError) as error:
            await client.org(ORG).processes.update("c" * 32, name="x")
    assert error.value.errors == {"name": ["Too long."]}
