"""Setting and clearing webhook URLs (blueprints, steps, tasks) and organization watchers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from tallyfy_async import PermissionDeniedError, PersonalAccessToken, TallyfyClient
from tallyfy_async.client import OrgClient
from tallyfy_async.models.watchers import Watcher
from tallyfy_async.testing import DemoOrg, FakeTallyfy
from tests.resources.conftest import RequestsTo

HOOK = "https://hooks.example/tallyfy"


async def test_set_and_clear_a_blueprints_webhook_keeping_the_rest(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    before = await org.blueprints.get(demo.blueprint_ids[0])
    updated = await org.blueprints.set_webhook(before, url=HOOK)
    assert updated.webhook == HOOK
    assert updated.title == before.title and updated.users == before.users
    sent = requests_to("PUT", f"/organizations/{demo.org_id}/checklists/{before.id}")[-1].body
    assert sent == {
        "title": before.title,
        "webhook": HOOK,
        "users": before.users,
        "groups": before.groups,
    }
    cleared = await org.blueprints.set_webhook(before.id, url=None)
    assert cleared.webhook is None


async def test_set_and_clear_a_steps_webhook_keeping_its_assignees(org: OrgClient) -> None:
    [step, *_] = await org.steps.list((await org.blueprints.list().first_page()).items[0]).to_list()
    updated = await org.steps.set_webhook(step, url=HOOK)
    assert updated.webhook == HOOK and updated.assignees == step.assignees
    assert updated.title == step.title
    assert (await org.steps.set_webhook(step.checklist_id or "", step.id, url=None)).webhook is None


async def test_set_and_clear_the_webhook_of_any_task(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    [task, *_] = await org.processes.tasks.list(demo.process_ids[0]).to_list()
    assert (await org.processes.tasks.set_webhook(task, url=HOOK)).webhook == HOOK
    fake.reset_log()
    assert (await org.tasks.set_webhook(task.id, url=None)).webhook is None
    # An id: read to learn its process, then changed through it.
    assert [r.route for r in fake.log] == ["tasks.get", "runs.tasks.update"]
    oneoff = await org.tasks.set_webhook(demo.oneoff_task_ids[1], url=HOOK)
    assert oneoff.webhook == HOOK and oneoff.run_id is None


async def test_a_webhook_must_be_an_absolute_http_url(org: OrgClient, fake: FakeTallyfy) -> None:
    fake.reset_log()
    with pytest.raises(ValueError, match="absolute http"):
        await org.blueprints.set_webhook("a" * 32, url="hooks.example/x")
    with pytest.raises(TypeError, match="str or None"):
        await org.tasks.set_webhook("a" * 32, url=42)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="absolute http"):
        await org.watchers.add(1, webhook="ftp://hooks.example/x")
    assert fake.log == []


async def test_every_write_of_a_webhook_field_checks_the_url(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    [step, *_] = await org.steps.list(demo.blueprint_ids[0]).to_list()
    [task, *_] = await org.processes.tasks.list(demo.process_ids[0]).to_list()
    deadline = datetime(2027, 1, 1, tzinfo=UTC)
    writes: dict[str, Callable[[str], Awaitable[Any]]] = {
        "blueprints.create": lambda url: org.blueprints.create(
            title="Hooked", type="procedure", webhook=url
        ),
        "blueprints.update": lambda url: org.blueprints.update(
            demo.blueprint_ids[0], title="Hooked", webhook=url
        ),
        "steps.create": lambda url: org.steps.create(
            demo.blueprint_ids[0], title="Hooked", webhook=url
        ),
        "steps.update": lambda url: org.steps.update(step, title="Hooked", webhook=url),
        "tasks.create": lambda url: org.tasks.create(
            title="Hooked",
            task_type="task",
            owners={"users": [demo.admin_id]},
            deadline=deadline,
            webhook=url,
        ),
        "tasks.update": lambda url: org.tasks.update(demo.oneoff_task_ids[1], webhook=url),
        "processes.tasks.update": lambda url: org.processes.tasks.update(task, webhook=url),
    }
    fake.reset_log()
    for name, write in writes.items():
        for bad in ("hooks.example/x", "ftp://hooks.example/x", "not a url"):
            with pytest.raises(ValueError, match="webhook must be an absolute http"):
                await write(bad)
        with pytest.raises(TypeError, match="webhook must be str or None"):
            await write(42)  # type: ignore[arg-type]
        assert fake.log == [], name
    for name, write in writes.items():
        assert (await write(HOOK)).webhook == HOOK, name


async def test_organization_watchers(org: OrgClient, demo: DemoOrg, fake: FakeTallyfy) -> None:
    watcher = await org.watchers.add(demo.admin_id, webhook=HOOK)
    assert isinstance(watcher, Watcher) and watcher.webhook == HOOK
    assert watcher.object_id == demo.org_id and watcher.notification_type == "webhook"
    sent = fake.log[-1].body
    assert sent == {
        "object_type": "organization",
        "object_id": demo.org_id,
        "notification_type": "webhook",
        "frequency": "electric",
        "webhook": HOOK,
    }
    listed = await org.watchers.list(notification="webhook").to_list()
    assert [w.id for w in listed] == [watcher.id]
    await org.watchers.remove(watcher)
    assert await org.watchers.list().to_list() == []

    token = fake.add_personal_access_token(demo.member_id)
    async with TallyfyClient(PersonalAccessToken(token), base_url=fake.base_url) as member:
        with pytest.raises(PermissionDeniedError):
            await member.org(demo.org_id).watchers.add(demo.member_id, webhook=HOOK)
