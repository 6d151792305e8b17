"""FakeTallyfy's webhooks: the documented payloads, ``X-Tallyfy-orgID``, one attempt, sent in
the background, to the blueprint's, step's or task's URL (raw HTTP; no SDK code)."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web

from tallyfy_async.testing import DemoOrg, FakeTallyfy
from tallyfy_async.testing._webhooks import HUMAN_FORMAT
from tests.testing.support import Api, add_vendor_review

DATA = Path(__file__).resolve().parent.parent / "data"
HUMAN_DATE = re.compile(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2} [AP]M \S+")


def documented(kind: str) -> dict[str, Any]:
    return json.loads((DATA / f"webhook-{kind}-payload.example.json").read_text())  # type: ignore[no-any-return]


class Hooks:
    """A web server recording every POST it gets, at any path; it can hold its answers."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], Any]] = []
        self.status = 200
        self.gate: asyncio.Event | None = None
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append((request.path, dict(request.headers), await request.json()))
        if self.gate is not None:
            await self.gate.wait()
        return web.Response(status=self.status)

    def bodies(self, path: str = "/a") -> list[Any]:
        return [body for where, _, body in self.requests if where == path]


@pytest_asyncio.fixture
async def hooks() -> AsyncIterator[Hooks]:
    recorder = Hooks()
    app = web.Application()
    app.router.add_post("/{path:.*}", recorder.handle)
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    recorder.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        yield recorder
    finally:
        if recorder.gate is not None:
            recorder.gate.set()
        await runner.cleanup()


def blueprint(fake: FakeTallyfy, demo: DemoOrg, hooks: Hooks, **step_two: Any) -> str:
    """The vendor review blueprint, its webhook to ``/a``."""
    return add_vendor_review(fake, demo.org_id, f"{hooks.url}/a", **step_two)


async def launch_and_complete(api: Api, org_path: str, blueprint_id: str, done: int = 3) -> str:
    launched = await api.post(
        f"{org_path}/runs", json={"checklist_id": blueprint_id, "prerun": {}, "name": "ACME"}
    )
    assert launched.status == 422  # the kick-off field is required
    fields = (await api.get(f"{org_path}/checklists/{blueprint_id}")).json["data"]["prerun"]
    launched = await api.post(
        f"{org_path}/runs",
        json={"checklist_id": blueprint_id, "prerun": {fields[0]["id"]: "ACME"}, "name": "ACME"},
    )
    assert launched.status == 201
    run_id: str = launched.json["data"]["id"]
    tasks = (await api.get(f"{org_path}/runs/{run_id}/tasks")).json["data"]
    for task in tasks[:done]:
        completed = await api.post(
            f"{org_path}/runs/{run_id}/completed-tasks", json={"task_id": task["id"]}
        )
        assert completed.status == 200
    return run_id


def keys(value: Any) -> set[str]:
    return set(value) if isinstance(value, dict) else set()


async def test_payloads_have_exactly_the_documented_keys(
    tallyfy_fake: FakeTallyfy, tallyfy_demo: DemoOrg, api: Api, org_path: str, hooks: Hooks
) -> None:
    await launch_and_complete(api, org_path, blueprint(tallyfy_fake, tallyfy_demo, hooks))
    await tallyfy_fake.webhooks.wait()

    bodies = hooks.bodies()
    processes = [b for b in bodies if "this_task" not in b]
    tasks = [b for b in bodies if "this_task" in b]
    assert (len(processes), len(tasks)) == (2, 3)  # launched, completed; three tasks
    process_doc, task_doc = documented("process"), documented("task")
    for payload in processes:
        assert keys(payload) == keys(process_doc)
        assert keys(payload["launcher"]) == keys(process_doc["launcher"])
    for payload in tasks:
        assert keys(payload) == keys(task_doc)
        assert keys(payload["this_task"]) == keys(task_doc["this_task"])
        assert keys(payload["this_task"]["owners"]) == keys(task_doc["this_task"]["owners"])
        assert keys(payload["process"]) == keys(task_doc["process"])
        assert keys(payload["template"]) == keys(task_doc["template"])
        assert keys(payload["completer"]) == keys(task_doc["completer"])
    assert keys(tasks[0]["next_task"]) == keys(task_doc["next_task"])
    assert tasks[-1]["next_task"] == []  # every task done
    approve = tasks[1]["this_task"]
    assert [c["label"] for c in approve["captures"].values()] == ["Value"]
    assert processes[0]["ko-form-fields"] and list(processes[0]["ko-form-fields"].values()) == [
        "ACME"
    ]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", approve["completed_at"])
    assert processes[1]["completed_at"] is not None and processes[0]["completed_at"] is None


async def test_each_delivery_carries_the_organization_header_and_json(
    tallyfy_fake: FakeTallyfy, tallyfy_demo: DemoOrg, api: Api, org_path: str, hooks: Hooks
) -> None:
    await launch_and_complete(api, org_path, blueprint(tallyfy_fake, tallyfy_demo, hooks), done=1)
    await tallyfy_fake.webhooks.wait()

    assert len(hooks.requests) == 2
    for _, headers, _ in hooks.requests:
        assert headers["X-Tallyfy-orgID"] == tallyfy_demo.org_id
        assert headers["Content-Type"] == "application/json"
        assert not any("signature" in name.lower() for name in headers)
    assert [d.org_id for d in tallyfy_fake.webhooks.deliveries] == [tallyfy_demo.org_id] * 2


async def test_a_delivery_is_sent_in_the_background_once_and_never_retried(
    tallyfy_fake: FakeTallyfy, tallyfy_demo: DemoOrg, api: Api, org_path: str, hooks: Hooks
) -> None:
    bp = blueprint(tallyfy_fake, tallyfy_demo, hooks)
    hooks.status = 500
    hooks.gate = asyncio.Event()

    fields = (await api.get(f"{org_path}/checklists/{bp}")).json["data"]["prerun"]
    launched = await api.post(
        f"{org_path}/runs", json={"checklist_id": bp, "prerun": {fields[0]["id"]: "ACME"}}
    )

    # The launch was answered while its webhook is still waiting for the receiver.
    assert launched.status == 201
    assert len(hooks.requests) <= 1 and tallyfy_fake.webhooks.deliveries == []
    hooks.gate.set()
    await tallyfy_fake.webhooks.wait()
    assert len(hooks.requests) == 1
    [delivery] = tallyfy_fake.webhooks.deliveries
    assert (delivery.event, delivery.status, delivery.error) == ("process.launched", 500, None)


async def test_an_unreachable_receiver_is_recorded_not_retried(
    tallyfy_fake: FakeTallyfy, tallyfy_demo: DemoOrg
) -> None:
    bp = tallyfy_fake.add_blueprint(
        tallyfy_demo.org_id, title="Gone", webhook="http://127.0.0.1:9/nobody"
    )
    tallyfy_fake.launch(tallyfy_demo.org_id, bp)
    await tallyfy_fake.webhooks.wait()

    [delivery] = tallyfy_fake.webhooks.deliveries
    assert delivery.status is None and delivery.error is not None


async def test_a_step_webhook_takes_priority_and_a_task_webhook_fires_for_its_task(
    tallyfy_fake: FakeTallyfy, tallyfy_demo: DemoOrg, api: Api, org_path: str, hooks: Hooks
) -> None:
    bp = blueprint(tallyfy_fake, tallyfy_demo, hooks, webhook=f"{hooks.url}/b")
    await launch_and_complete(api, org_path, bp)
    oneoff = await api.post(
        f"{org_path}/tasks",
        json={
            "title": "Call the vendor",
            "task_type": "task",
            "owners": {"users": [tallyfy_demo.admin_id], "guests": [], "groups": []},
            "deadline": "2030-01-01 09:00:00",
            "webhook": f"{hooks.url}/c",
        },
    )
    assert oneoff.status in (200, 201)
    task_id = oneoff.json["data"]["id"]
    assert (await api.post(f"{org_path}/completed-tasks", json={"task_id": task_id})).status == 200
    await tallyfy_fake.webhooks.wait()

    on_a = [b["this_task"]["title"] if "this_task" in b else b["status"] for b in hooks.bodies()]
    assert sorted(on_a) == sorted(["active", "Review", "Sign", "complete"])
    assert [b["this_task"]["title"] for b in hooks.bodies("/b")] == ["Approve"]
    [oneoff_body] = hooks.bodies("/c")
    assert oneoff_body["this_task"]["id"] == task_id
    assert oneoff_body["process"] is None and oneoff_body["next_task"] == []


async def test_it_can_be_told_to_deliver_every_payload_twice(
    tallyfy_fake: FakeTallyfy, tallyfy_demo: DemoOrg, api: Api, org_path: str, hooks: Hooks
) -> None:
    tallyfy_fake.webhooks.deliver_twice = True
    await launch_and_complete(api, org_path, blueprint(tallyfy_fake, tallyfy_demo, hooks), done=1)
    await tallyfy_fake.webhooks.wait()

    bodies = hooks.bodies()
    assert len(bodies) == 4
    assert bodies[0] == bodies[1] and bodies[2] == bodies[3]
    assert [d.copy for d in tallyfy_fake.webhooks.deliveries] == [1, 2, 1, 2]


async def test_it_writes_human_dates_in_the_organization_time_zone(
    tallyfy_fake: FakeTallyfy, tallyfy_demo: DemoOrg, api: Api, org_path: str, hooks: Hooks
) -> None:
    tallyfy_fake.webhooks.set_date_format(
        tallyfy_demo.org_id, HUMAN_FORMAT, timezone="Asia/Kolkata"
    )
    await launch_and_complete(api, org_path, blueprint(tallyfy_fake, tallyfy_demo, hooks), done=1)
    await tallyfy_fake.webhooks.wait()

    launch, task = hooks.bodies()
    assert HUMAN_DATE.fullmatch(launch["started_at"]) and launch["started_at"].endswith(" IST")
    assert HUMAN_DATE.fullmatch(task["this_task"]["completed_at"])
    with pytest.raises(ValueError):
        tallyfy_fake.webhooks.set_date_format(tallyfy_demo.org_id, "Y-m-d")
    with pytest.raises(ValueError):
        tallyfy_fake.webhooks.set_date_format(
            tallyfy_demo.org_id, HUMAN_FORMAT, timezone="Nowhere/Town"
        )


async def test_a_date_with_no_local_time_is_written_in_utc_and_the_completion_succeeds(
    tallyfy_fake: FakeTallyfy, tallyfy_demo: DemoOrg, api: Api, org_path: str, hooks: Hooks
) -> None:
    # 9999-12-31 23:59 UTC is past the calendar's end in Tokyo (UTC+9).
    tallyfy_fake.webhooks.set_date_format(tallyfy_demo.org_id, HUMAN_FORMAT, timezone="Asia/Tokyo")
    created = await api.post(
        f"{org_path}/tasks",
        json={
            "title": "Far away",
            "task_type": "task",
            "owners": {"users": [tallyfy_demo.admin_id], "guests": [], "groups": []},
            "deadline": "9999-12-31 23:59:59",
            "webhook": f"{hooks.url}/c",
        },
    )
    task_id = created.json["data"]["id"]
    completed = await api.post(f"{org_path}/completed-tasks", json={"task_id": task_id})
    await tallyfy_fake.webhooks.wait()

    assert completed.status == 200
    [body] = hooks.bodies("/c")
    assert body["this_task"]["deadline"] == "31/12/9999 11:59 PM UTC"
    assert body["this_task"]["completed_at"].endswith(" JST")
    assert tallyfy_fake.server_errors == []


async def test_nothing_is_sent_while_the_fake_is_not_running() -> None:
    fake = FakeTallyfy()
    org_id = fake.add_organization()
    fake.add_member(org_id, email="a@b.test", role="admin")
    bp = fake.add_blueprint(org_id, title="T", webhook="http://127.0.0.1:9/x")
    fake.launch(org_id, bp)

    [delivery] = fake.webhooks.deliveries
    assert delivery.status is None and delivery.error is not None
    assert "not running" in delivery.error
    await fake.close()
