"""Fixtures for the fake's own tests: raw aiohttp against a real FakeTallyfy (never the SDK)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest_asyncio

from tallyfy_async.testing import DemoOrg, FakeTallyfy

# The package is not installed in the work tree, so its pytest11 entry point is not loaded:
# take the plugin's fixtures by import.
from tallyfy_async.testing.plugin import tallyfy_demo, tallyfy_fake
from tests.testing.support import Api

__all__ = ["tallyfy_demo", "tallyfy_fake"]


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
async def org_path(tallyfy_demo: DemoOrg) -> str:
    """``/organizations/{demo org}``."""
    return f"/organizations/{tallyfy_demo.org_id}"
