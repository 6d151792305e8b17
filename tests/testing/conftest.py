"""Fixtures for the fake's own tests: raw aiohttp against a real FakeTallyfy (never the SDK)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import attrs
import pytest_asyncio

from tallyfy_async.testing import DemoOrg, FakeTallyfy

# The package is not installed in the work tree, so its pytest11 entry point is not loaded:
# take the plugin's fixtures by import.
from tallyfy_async.testing.plugin import tallyfy_demo, tallyfy_fake

__all__ = ["tallyfy_demo", "tallyfy_fake"]


@attrs.frozen
class Answer:
    """A response read in full."""

    status: int
    headers: Any
    text: str
    json: Any


class Api:
    """Raw HTTP calls with Tallyfy's headers (``token=None`` sends none)."""

    def __init__(
        self, fake: FakeTallyfy, session: aiohttp.ClientSession, token: str | None
    ) -> None:
        self.fake = fake
        self.session = session
        self.token = token

    def headers(self, token: str | None = "default", **extra: str) -> dict[str, str]:
        """Tallyfy's three headers, plus ``extra``."""
        headers = {"X-Tallyfy-Client": "APIClient", "Accept": "application/json"}
        token = self.token if token == "default" else token
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        headers.update(extra)
        return headers

    async def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: Any = None,
        params: Any = None,
        headers: dict[str, str] | None = None,
        token: str | None = "default",
        root: bool = False,
    ) -> Answer:
        """One request; ``path`` is appended to the base URL (``root``: to the host root)."""
        url = (self.fake.root_url if root else self.fake.base_url) + path
        async with self.session.request(
            method,
            url,
            json=json,
            data=data,
            params=params,
            headers=headers if headers is not None else self.headers(token),
        ) as response:
            text = await response.text()
            try:
                body = await response.json(content_type=None)
            except ValueError:
                body = None
            return Answer(response.status, response.headers, text, body)

    async def get(self, path: str, **options: Any) -> Answer:
        """GET."""
        return await self.call("GET", path, **options)

    async def post(self, path: str, **options: Any) -> Answer:
        """POST."""
        return await self.call("POST", path, **options)

    async def put(self, path: str, **options: Any) -> Answer:
        """PUT."""
        return await self.call("PUT", path, **options)

    async def delete(self, path: str, **options: Any) -> Answer:
        """DELETE."""
        return await self.call("DELETE", path, **options)


@pytest_asyncio.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """A client session, closed after the test."""
    async with aiohttp.ClientSession() as client:
        yield client


@pytest_asyncio.fixture
async def api(
    tallyfy_fake: FakeTallyfy, tallyfy_demo: DemoOrg, session: aiohttp.ClientSession
) -> Api:
    """Calls as the demo administrator (token issued directly, not through /oauth/token)."""
    return Api(tallyfy_fake, session, tallyfy_fake.issue_token(tallyfy_demo.admin_id))


@pytest_asyncio.fixture
async def org(tallyfy_demo: DemoOrg) -> str:
    """``/organizations/{demo org}``."""
    return f"/organizations/{tallyfy_demo.org_id}"
