"""Fixtures of the resource tests (``fake``, ``demo``, ``client``: see tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tallyfy_async import TallyfyClient
from tallyfy_async.client import OrgClient
from tallyfy_async.testing import DemoOrg, FakeTallyfy, LoggedRequest

#: ``requests_to(method, path)``: what the fake received on that route, oldest first.
RequestsTo = Callable[[str, str], list[LoggedRequest]]


@pytest.fixture
def org(client: TallyfyClient, demo: DemoOrg) -> OrgClient:
    """The demo organization, seen by its administrator."""
    return client.org(demo.org_id)


@pytest.fixture
def requests_to(fake: FakeTallyfy) -> RequestsTo:
    """Requests the fake logged for one method and path (written from the API root)."""

    def find(method: str, path: str) -> list[LoggedRequest]:
        return [r for r in fake.log if r.method == method and r.path == "/api" + path]

    return find
