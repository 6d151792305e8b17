"""Fixtures of the bulk tests (``fake``, ``demo``, ``client``: see tests/conftest.py)."""

from __future__ import annotations

import pytest

from tallyfy_async import TallyfyClient
from tallyfy_async.client import OrgClient
from tallyfy_async.testing import DemoOrg, FakeTallyfy, LoggedRequest


@pytest.fixture
def org(client: TallyfyClient, demo: DemoOrg) -> OrgClient:
    """The demo organization, seen by its administrator."""
    return client.org(demo.org_id)


def api_requests(fake: FakeTallyfy) -> list[LoggedRequest]:
    """What the fake received, token requests left out."""
    return [r for r in fake.log if r.route != "oauth.token"]


def launches_sent(fake: FakeTallyfy) -> list[LoggedRequest]:
    """Every ``POST .../runs`` the fake received, applied or not."""
    return [r for r in fake.log if r.route == "runs.launch"]


def process_names(fake: FakeTallyfy, org_id: str) -> list[str]:
    """The name of every process of the organization, archived ones included."""
    return [run.wire["name"] for run in fake.state.orgs[org_id].runs.every()]
