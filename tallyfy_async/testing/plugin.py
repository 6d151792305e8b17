"""pytest fixtures for the fake (registered as the ``tallyfy_async`` pytest11 plugin).

- ``tallyfy_fake``: a started, empty :class:`FakeTallyfy` on a free port.
- ``tallyfy_demo``: the demo organization seeded into it (a :class:`DemoOrg`).
- ``tallyfy_client``: a :class:`TallyfyClient` signed in as the demo administrator, pointed
  at the fake; ``tallyfy_org``: its view of the demo organization.

They are async fixtures run by pytest-asyncio on the test's own event loop (function scope).
A run that uses them without pytest-asyncio stops at collection with one message saying what
to install, instead of a failure per test.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar, cast

import pytest

from tallyfy_async.client import OrgClient, TallyfyClient
from tallyfy_async.testing import DemoOrg, FakeTallyfy

F = TypeVar("F", bound=Callable[..., Any])

#: The fixtures this plugin provides.
FIXTURES = frozenset(("tallyfy_fake", "tallyfy_demo", "tallyfy_client", "tallyfy_org"))

NEEDS_PYTEST_ASYNCIO = """\
the tallyfy_async fixtures ({used}) are async and need pytest-asyncio, which is not {why}.
Install it with the SDK's test extra:

    pip install "tallyfy-async[test]"

and let it run async tests, for example in pyproject.toml:

    [tool.pytest.ini_options]
    asyncio_mode = "auto"
    asyncio_default_fixture_loop_scope = "function"

First test that uses them: {first}"""


def _async_fixture() -> Callable[[F], F]:
    # The plugin loads in every pytest run of a project that installs the SDK: without
    # pytest-asyncio it must still import; collection then says what is missing.
    try:
        module = importlib.import_module("pytest_asyncio")
    except ImportError:
        return cast("Callable[[F], F]", pytest.fixture)
    # The loop scope pytest-asyncio will default to, set here so these fixtures never
    # depend on the project's setting.
    return cast("Callable[[F], F]", module.fixture(loop_scope="function"))


_fixture = _async_fixture()


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Stop the run once, saying what to install, when async fixtures cannot run."""
    # Registered as "asyncio" by its entry point, or by module name with -p.
    if any(
        getattr(plugin, "__name__", "") == "pytest_asyncio.plugin"
        for plugin in config.pluginmanager.get_plugins()
    ):
        return
    users = [item for item in items if FIXTURES & set(getattr(item, "fixturenames", ()))]
    if not users:
        return
    used = sorted(FIXTURES & set(getattr(users[0], "fixturenames", ())))
    try:
        importlib.import_module("pytest_asyncio")
        why = "enabled (-p no:asyncio?)"
    except ImportError:
        why = "installed"
    raise pytest.UsageError(
        NEEDS_PYTEST_ASYNCIO.format(used=", ".join(used), why=why, first=users[0].nodeid)
    )


@_fixture
async def tallyfy_fake() -> AsyncIterator[FakeTallyfy]:
    """A started FakeTallyfy on a free port, closed after the test."""
    async with FakeTallyfy() as fake:
        yield fake


@_fixture
async def tallyfy_demo(tallyfy_fake: FakeTallyfy) -> DemoOrg:
    """The demo organization seeded into ``tallyfy_fake``."""
    return tallyfy_fake.seed_demo()


@_fixture
async def tallyfy_client(
    tallyfy_fake: FakeTallyfy, tallyfy_demo: DemoOrg
) -> AsyncIterator[TallyfyClient]:
    """A TallyfyClient for the demo administrator, pointed at ``tallyfy_fake``; closed after."""
    async with TallyfyClient(
        tallyfy_demo.credentials,
        base_url=tallyfy_fake.base_url,
        token_url=tallyfy_fake.token_url,
    ) as client:
        yield client


@_fixture
async def tallyfy_org(tallyfy_client: TallyfyClient, tallyfy_demo: DemoOrg) -> OrgClient:
    """``tallyfy_client``'s view of the demo organization."""
    return tallyfy_client.org(tallyfy_demo.org_id)
