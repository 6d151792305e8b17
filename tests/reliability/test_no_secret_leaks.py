"""Secrets: no access token, refresh token, client secret or password in any log record,
repr, str or exception text.

The ``watch`` fixture (conftest) does the scanning for every test of this suite, with
DEBUG logging on: here every kind of credentials goes through grants, refreshes,
rotations, refusals and errors, and every object a user can print is shown to it.
"""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

from tallyfy_async import (
    ApplicationUser,
    Attempt,
    AuthenticationError,
    ClientCredentials,
    FileTokenStore,
    OutcomeUnknownError,
    PasswordGrant,
    PersonalAccessToken,
    RefreshToken,
    RetryPolicy,
    ServerError,
    TallyfyClient,
    TallyfyError,
)
from tallyfy_async.testing import DemoOrg, FakeTallyfy

FAST = RetryPolicy(initial_delay=0.01, max_delay=0.02)


def connect(fake: FakeTallyfy, credentials: Any, **kwargs: Any) -> TallyfyClient:
    kwargs.setdefault("retry", FAST)
    return TallyfyClient(credentials, base_url=fake.base_url, token_url=fake.token_url, **kwargs)


def show_client(watch: Any, client: TallyfyClient, *orgs: str) -> None:
    """Everything about a client a user could print."""
    watch.show(client, client.tokens, client.tokens.store, client._transport)
    for org in orgs:
        view = client.org(org)
        watch.show(view, view.processes, view.tasks, view.tasks.comments, view.processes.tasks)
    for entry in client.tokens._entries.values():
        # The flow keeps what it needs between refreshes (ApplicationUser: an app token).
        watch.show(entry, entry.token, entry.refused, entry.credentials, entry.flow)
        watch.show(getattr(entry.flow, "app_token", None))


@pytest.mark.max_requests(400)
async def test_password_grant_through_expiry_revocation_rotation_and_errors(
    fake: FakeTallyfy, demo: DemoOrg, watch: Any, tmp_path: Path
) -> None:
    attempts: list[Attempt] = []
    store = FileTokenStore(tmp_path / "tokens.json")
    async with (
        asyncio.timeout(30),
        connect(fake, demo.credentials, token_store=store, on_attempt=attempts.append) as client,
    ):
        org = client.org(demo.org_id)
        process = await org.processes.get(demo.process_ids[0])
        await client.request("GET", "/me")
        fake.expire_tokens()  # refresh with the refresh token (rotated)
        await org.processes.list().to_list()
        fake.revoke_tokens()  # refresh token refused: the password grant again
        task = await org.tasks.get((await org.processes.tasks.list(process.id).to_list())[0].id)
        # Errors of every kind, each shown to the watch.
        fake.inject(path=r"/runs$", status=401, times=2)
        with watch.raises(AuthenticationError):
            await org.processes.list().to_list()
        fake.inject(path=r"/runs/[0-9a-f]+$", status=503)
        with watch.raises(ServerError):
            await org.processes.get(process.id)
        fake.inject(path=r"/comment$", drop="after", times=1)
        with watch.raises(OutcomeUnknownError):
            await org.tasks.comments.add(task.id, content="Hello")
        fake.clear_faults()
        show_client(watch, client, demo.org_id)
        watch.show(process, task, *attempts, *(a.error for a in attempts if a.error))
    assert len(fake.issued_tokens()) >= 6  # three access tokens, three refresh tokens
    assert "GET" in "\n".join(watch.recorder.texts)  # DEBUG did log the calls


async def test_wrong_secrets_are_not_repeated_in_errors(
    fake: FakeTallyfy, demo: DemoOrg, watch: Any
) -> None:
    wrong = {
        "password": PasswordGrant(
            client_id=demo.client_id,
            client_secret=demo.client_secret,
            username=demo.admin_email,
            password="wrong-" + secrets.token_hex(8),
        ),
        "client secret": PasswordGrant(
            client_id=demo.client_id,
            client_secret="wrong-" + secrets.token_hex(8),
            username=demo.admin_email,
            password=demo.admin_password,
        ),
        "refresh token": RefreshToken(
            client_id=demo.client_id,
            client_secret=demo.client_secret,
            refresh_token="def50200" + secrets.token_hex(32),
        ),
        "personal access token": PersonalAccessToken(secrets.token_urlsafe(32)),
    }
    async with asyncio.timeout(30):
        for credentials in wrong.values():
            watch.credentials(credentials)
            async with connect(fake, credentials) as client:
                with watch.raises(TallyfyError):
                    await client.org(demo.org_id).processes.list().to_list()
                show_client(watch, client, demo.org_id)


@pytest.mark.max_requests(100)
async def test_application_user_client_credentials_and_pat_sessions(
    fake: FakeTallyfy, demo: DemoOrg, watch: Any
) -> None:
    app_user = ApplicationUser(
        client_id=demo.client_id, client_secret=demo.client_secret, email=demo.admin_email
    )
    watch.credentials(app_user, demo.app_credentials)
    async with asyncio.timeout(30):
        async with connect(fake, app_user) as client:
            await client.org(demo.org_id).processes.list().to_list()
            fake.revoke_tokens(demo.org_id)  # the user token and the app's own
            await client.org(demo.org_id).processes.list().to_list()
            show_client(watch, client, demo.org_id)
        async with connect(fake, demo.app_credentials) as client:
            with watch.raises(AuthenticationError):  # no user context
                await client.org(demo.org_id).processes.list().to_list()
            show_client(watch, client, demo.org_id)
        pat = PersonalAccessToken(fake.add_personal_access_token(demo.admin_id))
        watch.credentials(pat)
        async with connect(fake, pat) as client:
            await client.org(demo.org_id).processes.list().to_list()
            fake.revoke_token(pat.token)
            with watch.raises(AuthenticationError, match="personal access token"):
                await client.org(demo.org_id).processes.list().to_list()
            show_client(watch, client, demo.org_id)


async def test_credentials_and_tokens_print_without_their_secrets(
    fake: FakeTallyfy, demo: DemoOrg, watch: Any
) -> None:
    """The scan needs something to find if a repr did leak: make sure it would."""
    token = secrets.token_urlsafe(24)
    shown = [
        PersonalAccessToken(token),
        RefreshToken(client_id="1", client_secret=token, refresh_token=token),
        ClientCredentials(client_id="1", client_secret=token),
        ApplicationUser(client_id="1", client_secret=token, email="a@b.c"),
        PasswordGrant(client_id="1", client_secret=token, username="a@b.c", password=token),
    ]
    watch.secret(token)
    watch.show(*shown)
    watch.show(*(f"{c!r} {c!s} {c}" for c in shown))
    # The watch itself: a leak it is shown is a leak it reports.
    canary = f"<oops {token}>"
    watch.show(canary)
    assert watch.leaks() != []
    watch.shown.remove(canary)
    assert watch.leaks() == []


# -- a server that echoes secrets back -----------------------------------------------------


def current_bearer(fake: FakeTallyfy) -> str:
    last = [r for r in fake.log if "Authorization" in r.headers][-1]
    return last.headers["Authorization"].removeprefix("Bearer ")


@pytest.mark.parametrize("status", [400, 401, 500])
async def test_a_token_endpoint_echoing_the_form_leaks_nothing(
    fake: FakeTallyfy, demo: DemoOrg, watch: Any, status: int
) -> None:
    creds = demo.credentials
    echo = f"password={creds.password}&client_secret={creds.client_secret} refused"
    fake.inject(
        path=r"/oauth/token$",
        status=status,
        body={"error": "invalid_grant", "message": echo, "errors": {creds.password: [echo]}},
        headers={"X-Request-Id": creds.client_secret, "Location": echo},
    )
    async with asyncio.timeout(30), connect(fake, creds) as client:
        with watch.raises(TallyfyError) as raised:
            await client.org(demo.org_id).processes.get(demo.process_ids[0])
    assert "[redacted]" in str(raised.value)


async def test_secrets_echoed_url_encoded_leak_nothing(
    fake: FakeTallyfy, demo: DemoOrg, watch: Any
) -> None:
    # As a token endpoint or a proxy echoing the form body would: URL-encoded.
    creds = PasswordGrant(
        client_id="1", client_secret="s3cr3t+/=", username="u@example.com", password="p@ss w0rd&x=1"
    )
    watch.credentials(creds)
    encoded = [
        encode(secret)
        for secret in (creds.password, creds.client_secret)
        for encode in (quote_plus, lambda value: quote(value, safe=""))
    ]
    echo = f"password={encoded[0]}&client_secret={encoded[2]} ({encoded[1]}, {encoded[3]})"
    fake.inject(path=r"/oauth/token$", status=400, body={"error": "invalid_grant", "raw": echo})
    async with asyncio.timeout(30), connect(fake, creds) as client:
        with watch.raises(AuthenticationError) as raised:
            await client.org(demo.org_id).processes.get(demo.process_ids[0])
    shown = f"{raised.value} {raised.value!r} {raised.value.body!r}"
    assert "[redacted]" in shown
    assert not [form for form in encoded if form in shown]


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, AuthenticationError), (422, TallyfyError), (302, TallyfyError), (503, ServerError)],
)
async def test_an_api_echoing_the_token_leaks_nothing(
    fake: FakeTallyfy, demo: DemoOrg, watch: Any, status: int, error: type[Exception]
) -> None:
    async with asyncio.timeout(30), connect(fake, demo.credentials) as client:
        org = client.org(demo.org_id)
        await org.processes.get(demo.process_ids[0])
        token = current_bearer(fake)
        echo = f"Authorization: Bearer {token}"
        fake.inject(
            path=r"/runs/[0-9a-f]+$",
            status=status,
            body={"message": echo, "errors": {"token": [echo]}, "token": token},
            headers={"X-Request-Id": token, "Location": f"https://elsewhere.test/?t={token}"},
        )
        with watch.raises(error) as raised:
            await org.processes.get(demo.process_ids[0])
        # The server's other words survive; only the secret is replaced.
        assert "[redacted]" in str(raised.value)


async def test_a_broken_answer_echoing_the_token_leaks_nothing(raw_server: Any, watch: Any) -> None:
    token = secrets.token_urlsafe(32)
    watch.secret(token)

    async def answer(request: bytes, writer: Any) -> None:
        writer.write(f"HTTP/1.1 200 OK\r\nContent-Length: {token}\r\n\r\n".encode())
        await writer.drain()
        writer.close()

    server = await raw_server(answer)
    async with (
        asyncio.timeout(30),
        TallyfyClient(
            PersonalAccessToken(token), base_url=f"{server.url}/api", retry=FAST
        ) as client,
    ):
        with watch.raises(TallyfyError):
            await client.request("GET", "/me")


async def test_a_malformed_answer_leaks_no_token_through_its_cause_or_attempt(
    raw_server: Any, watch: Any
) -> None:
    # aiohttp's error for a bad answer carries the request it answered, Authorization
    # header included, and shows it in its repr.
    token = secrets.token_urlsafe(32)
    watch.secret(token)
    attempts: list[Attempt] = []

    async def answer(request: bytes, writer: Any) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n{}")
        await writer.drain()
        writer.close()

    server = await raw_server(answer)
    async with (
        asyncio.timeout(30),
        TallyfyClient(
            PersonalAccessToken(token),
            base_url=f"{server.url}/api",
            retry=FAST,
            on_attempt=attempts.append,
        ) as client,
    ):
        with watch.raises(TallyfyError) as raised:
            await client.request("GET", "/me")
    assert b"Authorization: Bearer " + token.encode() in server.requests[0]  # it was sent
    chain: list[BaseException] = []
    error: BaseException | None = raised.value
    while error is not None:
        chain.append(error)
        error = error.__cause__ or error.__context__
    assert any("Content-Length" in str(e) for e in chain[1:])  # aiohttp's error is kept
    assert attempts and all(a.error is not None for a in attempts)
    watch.show(*chain, *attempts, *(a.error for a in attempts))
