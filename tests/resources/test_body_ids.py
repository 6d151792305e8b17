"""Ids that travel in a body are held to the rules of ids in a path."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tallyfy_async.client import OrgClient
from tallyfy_async.testing import DemoOrg, FakeTallyfy

BAD = "../../users"
CALLS: dict[str, Callable[[OrgClient, DemoOrg], Awaitable[Any]]] = {
    "launch checklist_id": lambda org, demo: org.processes.launch(BAD, kickoff_fields=[]),
    "launch parent_id": lambda org, demo: org.processes.launch(
        demo.blueprint_ids[0], kickoff_fields=[], parent_id=BAD
    ),
    "complete task_id": lambda org, demo: org.processes.tasks.complete(demo.process_ids[0], BAD),
    "complete a one-off task_id": lambda org, demo: org.tasks.complete(BAD),
    "resolve thread_id": lambda org, demo: org.tasks.comments.resolve(
        "a" * 32, BAD, content="done"
    ),
}


@pytest.mark.parametrize("call", list(CALLS))
async def test_an_unsafe_id_in_a_body_is_refused_before_sending(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy, call: str
) -> None:
    with pytest.raises(ValueError, match="cannot be used"):
        await CALLS[call](org, demo)
    assert fake.log == []
