"""No secret in a repr, a log line or an exception message."""

from __future__ import annotations

import logging

import pytest

from tallyfy_async import AuthenticationError, TallyfyClient
from tallyfy_async.testing import DemoOrg, FakeTallyfy


async def test_a_whole_session_at_debug_leaks_no_secret(
    fake: FakeTallyfy, demo: DemoOrg, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[BaseException] = []
    async with TallyfyClient(
        demo.credentials, base_url=fake.base_url, token_url=fake.token_url
    ) as client:
        await client.request("GET", "/me")
        fake.expire_tokens()
        await client.request("GET", f"/organizations/{demo.org_id}/runs")
        fake.inject(path=r"/runs$", status=401)
        try:
            await client.request("GET", f"/organizations/{demo.org_id}/runs")
        except AuthenticationError as exc:
            errors.append(exc)
        entry = client.tokens._entries["*"]
        assert entry.token is not None
        texts = [
            caplog.text,
            repr(client),
            repr(entry.token),
            repr(demo.credentials),
            *(str(e) + repr(e) for e in errors),
        ]
    issued = fake.issued_tokens()
    secrets = [demo.credentials.password, demo.credentials.client_secret, *issued]
    assert len(issued) >= 4  # two access tokens, two refresh tokens
    assert "GET" in caplog.text  # the log did say something
    for text in texts:
        for secret in secrets:
            assert secret not in text
