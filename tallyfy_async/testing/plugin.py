"""pytest fixtures for the fake (registered as the ``tallyfy_async`` pytest11 plugin).

``tallyfy_fake`` yields a started, empty :class:`FakeTallyfy`; ``tallyfy_demo`` seeds it with
the demo organization and yields the :class:`DemoOrg`. Both are function-scoped async fixtures
run by pytest-asyncio.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar, cast

import pytest

from tallyfy_async.testing import DemoOrg, FakeTallyfy

F = TypeVar("F", bound=Callable[..., Any])


def _async_fixture() -> Callable[[F], F]:
    # The plugin loads in every pytest run of a project that installs the SDK: without
    # pytest-asyncio it must still import, and pytest then says async fixtures need a plugin.
    try:
        fixture: Callable[[F], F] = importlib.import_module("pytest_asyncio").fixture
    except ImportError:  # pragma: no cover
        fixture = cast("Callable[[F], F]", pytest.fixture)
    return fixture


_fixture = _async_fixture()


@_fixture
async def tallyfy_fake() -> AsyncIterator[FakeTallyfy]:
    """A started FakeTallyfy on a free port, closed after the test."""
    async with FakeTallyfy() as fake:
        yield fake


@_fixture
async def tallyfy_demo(tallyfy_fake: FakeTallyfy) -> DemoOrg:
    """The demo organization seeded into ``tallyfy_fake``."""
    return tallyfy_fake.seed_demo()
