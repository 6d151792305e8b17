"""``with_="stats"`` on members and guests over real HTTP against FakeTallyfy: the counts
follow the tasks completed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tallyfy_async.client import OrgClient
from tallyfy_async.testing import DemoOrg


async def stats_of(org: OrgClient, demo: DemoOrg) -> tuple[dict[str, Any], dict[str, Any]]:
    """The guest's and the member's stats, read one by one and in lists (which must agree)."""
    guest = (await org.guests.get(demo.guest_email, with_="stats")).stats
    member = (await org.members.get(demo.member_id, with_="stats")).stats
    [listed_guest] = [
        g.stats for g in await org.guests.list(with_="stats").to_list() if g.id == demo.guest_id
    ]
    [listed_member] = [
        m.stats for m in await org.members.list(with_="stats").to_list() if m.id == demo.member_id
    ]
    assert guest is not None and member is not None
    assert (listed_guest, listed_member) == (guest, member)
    return guest, member


async def test_stats_count_the_tasks_assigned_and_completed(org: OrgClient, demo: DemoOrg) -> None:
    guest, member = await stats_of(org, demo)
    assert set(guest) == {
        "assigned_tasks",
        "tasks_completed",
        "last_task_completed_at",
        "one_off_tasks_completed",
        "last_one_off_task_completed_at",
    }
    assert set(member) == {
        "steps_created",
        "tasks_completed",
        "processes_launched",
        "checklists_created",
        "last_step_created_at",
    }
    task = await org.tasks.create(
        title="Sign the contract",
        task_type="task",
        owners={"users": [demo.member_id], "guests": [demo.guest_email]},
        deadline=datetime(2027, 1, 1, tzinfo=UTC),
    )
    assigned, _ = await stats_of(org, demo)
    assert assigned["assigned_tasks"] == guest["assigned_tasks"] + 1

    done = await org.tasks.complete(task, override_user=demo.member_id)
    guest_after, member_after = await stats_of(org, demo)
    assert guest_after["assigned_tasks"] == guest["assigned_tasks"]
    assert guest_after["tasks_completed"] == guest["tasks_completed"] + 1
    assert guest_after["one_off_tasks_completed"] == guest["one_off_tasks_completed"] + 1
    assert done.completed_at is not None
    completed_at = done.completed_at.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert guest_after["last_one_off_task_completed_at"] == completed_at
    assert member_after == {**member, "tasks_completed": member["tasks_completed"] + 1}


async def test_without_the_include_there_are_no_stats(org: OrgClient, demo: DemoOrg) -> None:
    assert (await org.guests.get(demo.guest_email)).stats is None
    assert (await org.members.get(demo.member_id)).stats is None
