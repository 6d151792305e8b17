"""seed_demo: the shape of the demo organization, and that 100,000 tasks seed at all."""

from __future__ import annotations

import time
from collections import Counter

from tallyfy_async.auth.credentials import PasswordGrant
from tallyfy_async.testing import DemoOrg, FakeTallyfy
from tests.testing.support import Api


async def test_demo_shape(tallyfy_fake: FakeTallyfy, tallyfy_demo: DemoOrg) -> None:
    demo = tallyfy_demo
    assert isinstance(demo.credentials, PasswordGrant)
    assert demo.credentials.client_id.isdigit() and demo.credentials.username == demo.admin_email
    assert len(demo.process_ids) == 20 and len(demo.blueprint_ids) == 3
    assert set(demo.kickoff_field_ids) == {
        "text", "textarea", "email", "date", "radio", "dropdown", "multiselect", "table",
        "assignees_form", "file",
    }  # fmt: skip
    assert all(
        demo.processes_by_status[status] for status in ("active", "complete", "problem", "archived")
    )
    org = tallyfy_fake.state.orgs[demo.org_id]
    kickoff = org.blueprints.get(demo.kickoff_blueprint_id)
    assert kickoff is not None and all(field["required"] for field in kickoff.wire["prerun"])
    statuses = Counter(task.wire["status"] for task in org.tasks)
    assert statuses.keys() >= {"completed", "in-progress", "not-started"}
    assert len(org.tasks) == 20 * 5 + len(demo.oneoff_task_ids)
    assert demo.guest_email in org.guests and demo.group_id in org.groups.by_id
    assert len(demo.tag_ids) == 3 and len(demo.folder_ids) == 2
    assert {demo.member_id, demo.light_member_id, demo.admin_id} <= set(demo.member_ids)


async def test_demo_credentials_work(api: Api, tallyfy_demo: DemoOrg) -> None:
    credentials = tallyfy_demo.credentials
    form = {
        "grant_type": "password",
        "client_id": credentials.client_id,
        "client_secret": credentials.client_secret,
        "username": credentials.username,
        "password": credentials.password,
    }
    answer = await api.post("/oauth/token", data=form, headers={})
    assert answer.status == 200


def test_seeding_before_start_and_100k_tasks() -> None:
    fake = FakeTallyfy()
    started = time.perf_counter()
    demo = fake.seed_demo(processes=10_000, tasks_per_process=10)
    elapsed = time.perf_counter() - started
    org = fake.state.orgs[demo.org_id]
    assert len(org.runs) == 10_000
    assert len(org.tasks) == 100_000 + len(demo.oneoff_task_ids)
    print(f"seed_demo(processes=10_000, tasks_per_process=10): {elapsed:.2f} s")


async def test_a_large_org_pages_quickly_and_correctly(tallyfy_fake: FakeTallyfy, api: Api) -> None:
    demo = tallyfy_fake.seed_demo(processes=2_000, tasks_per_process=10)
    big = Api(tallyfy_fake, api.session, tallyfy_fake.issue_token(demo.admin_id))
    answer = await big.get(f"/organizations/{demo.org_id}/tasks?per_page=100&page=3")
    pagination = answer.json["meta"]["pagination"]
    assert pagination["total"] == 20_000 + len(demo.oneoff_task_ids) - 2_000  # 200 archived runs
    assert len(answer.json["data"]) == 100
