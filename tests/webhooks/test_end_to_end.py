"""End to end over real HTTP: FakeTallyfy launches and completes, the SDK's receiver hears it."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

import pytest
import pytest_asyncio

from tallyfy_async import TallyfyClient, webhooks
from tallyfy_async.testing import DemoOrg, FakeTallyfy
from tallyfy_async.testing._webhooks import HUMAN_FORMAT
from tallyfy_async.webhooks import (
    EventKind,
    ProcessEvent,
    TaskCompletedEvent,
    WebhookDateError,
    WebhookEvent,
)
from tests.testing.support import add_vendor_review
from tests.webhooks.support import Served, models_in, served


class Inbox:
    """The application's callback: keeps events, raises for the task titles it is told."""

    def __init__(self) -> None:
        self.events: list[WebhookEvent] = []
        self.refuse_titles: set[str] = set()

    async def __call__(self, event: WebhookEvent) -> None:
        if isinstance(event, TaskCompletedEvent) and event.task.title in self.refuse_titles:
            raise ConnectionError(f"the CRM is down ({event.task.title})")
        self.events.append(event)

    def kinds(self) -> Counter[EventKind]:
        return Counter(event.kind for event in self.events)

    def tasks(self) -> dict[str, TaskCompletedEvent]:
        return {e.task.title or "": e for e in self.events if isinstance(e, TaskCompletedEvent)}


@dataclass
class World:
    fake: FakeTallyfy
    demo: DemoOrg
    client: TallyfyClient
    hook: Served
    inbox: Inbox
    blueprint_id: str

    async def run_through(self, name: str = "Vendor review - ACME") -> str:
        """Launch the blueprint, answer the form field, complete every task; wait for the
        deliveries and the callbacks. Returns the process id."""
        org = self.client.org(self.demo.org_id)
        run = await org.processes.launch(self.blueprint_id, name=name, kickoff={"Vendor": "ACME"})
        base = f"/organizations/{self.demo.org_id}/runs/{run.id}"
        tasks = (await org.request("GET", f"{base}/tasks")).data
        step = self.fake.state.orgs[self.demo.org_id].blueprints.get(self.blueprint_id)
        assert step is not None
        value_field = step.steps[1].captures()[0]["id"]
        await org.request(
            "PUT", f"{base}/tasks/{tasks[1]['id']}", json={"taskdata": {value_field: "1200"}}
        )
        for task in tasks:
            await org.request("POST", f"{base}/completed-tasks", json={"task_id": task["id"]})
        await self.settle()
        return run.id

    async def settle(self) -> None:
        await self.fake.webhooks.wait()
        await self.hook.receiver.join()

    def stored(self, kind: str, item_id: str, field: str) -> datetime:
        wire = self.fake.snapshot(self.demo.org_id, kind, item_id)
        assert wire is not None
        return datetime.fromisoformat(wire[field])


async def world_of(
    fake: FakeTallyfy, receiver_options: dict[str, object] | None = None
) -> AsyncIterator[World]:
    demo = fake.seed_demo(processes=1, tasks_per_process=2)
    inbox = Inbox()
    receiver = webhooks.handler(inbox, org_id=demo.org_id, **(receiver_options or {}))
    async with served(receiver) as hook:
        blueprint_id = add_vendor_review(fake, demo.org_id, hook.url)
        async with TallyfyClient(
            demo.credentials, base_url=fake.base_url, token_url=fake.token_url
        ) as client:
            yield World(fake, demo, client, hook, inbox, blueprint_id)


@pytest_asyncio.fixture
async def world(fake: FakeTallyfy) -> AsyncIterator[World]:
    async for built in world_of(fake):
        yield built


async def test_a_launch_and_every_completion_arrive_typed(world: World) -> None:
    run_id = await world.run_through()

    inbox = world.inbox
    assert inbox.kinds() == {
        EventKind.PROCESS_LAUNCHED: 1,
        EventKind.TASK_COMPLETED: 3,
        EventKind.PROCESS_COMPLETED: 1,
    }
    assert all(not model.extra for event in inbox.events for _, model in models_in(event))
    [launched] = [e for e in inbox.events if e.kind is EventKind.PROCESS_LAUNCHED]
    [finished] = [e for e in inbox.events if e.kind is EventKind.PROCESS_COMPLETED]
    assert isinstance(launched, ProcessEvent) and isinstance(finished, ProcessEvent)
    assert launched.id == finished.id == run_id
    assert launched.name == "Vendor review - ACME"
    assert launched.org_id == world.demo.org_id
    assert list(launched.ko_form_fields.values()) == ["ACME"]
    assert launched.launcher is not None and launched.launcher.id == world.demo.admin_id
    assert launched.started_at == world.stored("runs", run_id, "started_at")
    assert finished.completed_at == world.stored("runs", run_id, "completed_at")
    assert finished.status == "complete"

    tasks = inbox.tasks()
    approve = tasks["Approve"]
    assert [c.value for c in approve.task.captures.values()] == ["1200"]
    assert approve.form_fields == {**launched.ko_form_fields, **approve.form_fields}
    assert approve.task.completed_at == world.stored("tasks", approve.task.id, "completed_at")
    assert approve.completer is not None and approve.completer.id == world.demo.admin_id
    assert approve.next_task is not None and approve.next_task.title == "Sign"
    assert tasks["Sign"].next_task is None  # nothing left
    assert approve.process is not None and approve.process.id == run_id
    assert approve.template is not None and approve.template.id == world.blueprint_id
    assert world.hook.receiver.stats.refused == 0


async def test_a_duplicate_delivery_is_dropped(world: World) -> None:
    world.fake.webhooks.deliver_twice = True
    await world.run_through()

    assert len(world.fake.webhooks.deliveries) == 10
    assert all(d.status == 200 for d in world.fake.webhooks.deliveries)
    assert len(world.inbox.events) == 5
    stats = world.hook.receiver.stats
    assert (stats.accepted, stats.duplicates) == (5, 5)


async def test_a_delivery_from_another_organization_is_refused(world: World) -> None:
    other = world.fake.seed_demo(processes=0, org_name="Someone Else", admin_email="x@else.test")
    stranger = world.fake.add_blueprint(other.org_id, title="Theirs", webhook=world.hook.url)
    world.fake.launch(other.org_id, stranger)
    await world.run_through()

    refused = [d for d in world.fake.webhooks.deliveries if d.org_id == other.org_id]
    assert [d.status for d in refused] == [403]
    assert {e.org_id for e in world.inbox.events} == {world.demo.org_id}
    assert world.hook.receiver.stats.refused == 1


async def test_a_raising_callback_leaves_its_event_available(world: World) -> None:
    world.inbox.refuse_titles = {"Approve"}
    await world.run_through()

    receiver = world.hook.receiver
    assert len(world.inbox.events) == 4  # everything else went through
    [failed] = receiver.failed
    assert isinstance(failed.event, TaskCompletedEvent)
    assert failed.event.task.title == "Approve"
    assert isinstance(failed.error, ConnectionError)

    world.inbox.refuse_titles.clear()
    await receiver.replay_failed()
    await receiver.join()
    assert "Approve" in world.inbox.tasks()
    assert list(receiver.failed) == []


@pytest.mark.parametrize("zone", ["America/Chicago", "Asia/Kolkata", "Australia/Adelaide"])
async def test_human_dates_are_read_in_the_organization_time_zone(
    fake: FakeTallyfy, zone: str
) -> None:
    async for world in world_of(fake, {"timezone": zone}):
        fake.webhooks.set_date_format(world.demo.org_id, HUMAN_FORMAT, timezone=zone)
        run_id = await world.run_through()

        body = fake.webhooks.deliveries[-1].json()
        assert body["completed_at"].split()[-1] not in ("Z", "UTC")  # written in the zone
        [finished] = [e for e in world.inbox.events if e.kind is EventKind.PROCESS_COMPLETED]
        stored = world.stored("runs", run_id, "completed_at")
        assert finished.completed_at == stored.replace(second=0)  # the format has minutes
        assert world.hook.receiver.stats.refused == 0


async def test_an_ambiguous_abbreviation_is_refused_and_kept_until_the_zone_is_known(
    fake: FakeTallyfy,
) -> None:
    async for world in world_of(fake):  # the receiver is not told the zone
        fake.webhooks.set_date_format(world.demo.org_id, HUMAN_FORMAT, timezone="America/Chicago")
        await world.run_through()  # CST / CDT: US Central, or Cuba

        receiver = world.hook.receiver
        assert world.inbox.events == []
        assert {d.status for d in fake.webhooks.deliveries} == {400}
        rejected = list(receiver.rejected)
        assert len(rejected) == 5
        assert all(isinstance(r.error, WebhookDateError) for r in rejected)

        # Once the zone is known, the kept bodies read (and can be replayed).
        recovered = [
            webhooks.parse(
                r.body,
                {"X-Tallyfy-orgID": r.org_id},
                expected_org_id=world.demo.org_id,
                timezone="America/Chicago",
            )
            for r in rejected
        ]
        assert await receiver.replay(recovered) == 5
        await receiver.join()
        assert len(world.inbox.events) == 5
