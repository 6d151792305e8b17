"""``org.tasks`` and ``org.processes.tasks`` over real HTTP against FakeTallyfy."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest

from tallyfy_async import FormValuesError, NotFoundError, TallyfyClient, ValidationError
from tallyfy_async._readonly import EMPTY
from tallyfy_async._serde import Converter
from tallyfy_async.client import OrgClient
from tallyfy_async.models.common import Owners
from tallyfy_async.models.form_fields import FieldType
from tallyfy_async.models.processes import ProcessStatus
from tallyfy_async.models.tasks import Task, TaskStatus, TaskType
from tallyfy_async.testing import DemoOrg, FakeTallyfy, LoggedRequest

RequestsTo = Callable[[str, str], list[LoggedRequest]]
NEW_YORK = timezone(timedelta(hours=-5))


def org_path(demo: DemoOrg) -> str:
    return f"/organizations/{demo.org_id}"


def api_routes(fake: FakeTallyfy) -> list[str | None]:
    """The routes the fake answered, token requests left out."""
    return [r.route for r in fake.log if r.route != "oauth.token"]


async def process_tasks(org: OrgClient, process_id: str) -> list[Task]:
    return await org.processes.tasks.list(process_id).to_list()


# --- listing --------------------------------------------------------------------------------


async def test_list_a_process_s_tasks(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    process_id = demo.process_ids[1]
    tasks = await org.processes.tasks.list(
        process_id, status="active", with_=["step", "form_fields"], sort="position"
    ).to_list()
    sent = requests_to("GET", f"{org_path(demo)}/runs/{process_id}/tasks")[-1].query
    assert sent["status"] == "active"
    assert sent["with"] == "step,form_fields" and sent["sort"] == "position"
    assert tasks and all(isinstance(t, Task) for t in tasks)
    assert all(t.run_id == process_id for t in tasks)
    assert all(t.status is not TaskStatus.COMPLETED for t in tasks)
    assert [t.position for t in tasks] == sorted(t.position or 0 for t in tasks)
    first = tasks[0]
    assert isinstance(first.owners, Owners)
    assert first.step is not None and first.step["id"] == first.step_id
    assert first.form_fields is not None
    assert first.deadline is not None and first.deadline.tzinfo is not None


async def test_list_the_organization_s_tasks_with_filters(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    today = datetime.now(UTC).date()
    tasks = await org.tasks.list(
        q="follow up",
        is_oneoff=True,
        owners=demo.member_id,
        deadline_after=today - timedelta(days=30),
        created=(today - timedelta(days=1), today + timedelta(days=1)),
    ).to_list()
    sent = requests_to("GET", f"{org_path(demo)}/tasks")[-1].query
    assert sent["q"] == "follow up" and sent["is_oneoff"] == "true"
    assert sent["owners"] == str(demo.member_id)
    assert sent["deadline_after"] == (today - timedelta(days=30)).isoformat()
    assert sent["created"] == f"{today - timedelta(days=1)}:{today + timedelta(days=1)}"
    assert tasks
    assert all(t.run_id is None and t.is_oneoff_task for t in tasks)
    assert all(t.owners is not None and demo.member_id in t.owners.users for t in tasks)
    # Nothing undeclared: the tasks and their owners share the one empty, read-only extra
    # (no dict made per object for the garbage collector to count).
    assert all(t.extra is EMPTY and t.owners.extra is EMPTY for t in tasks)


async def test_list_refuses_filters_before_sending(org: OrgClient, fake: FakeTallyfy) -> None:
    with pytest.raises(TypeError, match="unexpected keyword argument 'q'"):
        org.processes.tasks.list("a" * 32, q="x", is_oneoff=True)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="deadline_before must be a date"):
        org.tasks.list(deadline_before=datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(ValueError, match="status must be one of"):
        org.tasks.list(status="in-progress")  # the filter is spelled "inprogress"
    assert fake.log == []


async def test_mine_asks_for_every_status(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    mine = await org.tasks.mine(sort="deadline").to_list()
    sent = requests_to("GET", f"{org_path(demo)}/me/tasks")[-1].query
    assert sent["status"] == "all" and sent["sort"] == "deadline"
    assert mine and all(t.owners and demo.admin_id in t.owners.users for t in mine)
    assert any(t.status is TaskStatus.COMPLETED for t in mine)
    await org.tasks.mine(status=None).first_page()
    assert "status" not in requests_to("GET", f"{org_path(demo)}/me/tasks")[-1].query


async def test_for_user(org: OrgClient, demo: DemoOrg, requests_to: RequestsTo) -> None:
    theirs = await org.tasks.for_user(demo.member_id, status="active").to_list()
    sent = requests_to("GET", f"{org_path(demo)}/users/{demo.member_id}/tasks")
    assert sent[-1].query["status"] == "active"
    assert theirs and all(t.owners and demo.member_id in t.owners.users for t in theirs)


async def test_for_guest(
    org: OrgClient, fake: FakeTallyfy, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    task = await org.tasks.create(
        title="Sign the contract",
        task_type="task",
        owners={"guests": [demo.guest_email]},
        deadline=datetime(2030, 1, 1, tzinfo=UTC),
    )
    theirs = await org.tasks.for_guest(demo.guest_id, sort="deadline").to_list()
    sent = requests_to("GET", f"{org_path(demo)}/guests/{demo.guest_id}/tasks")
    assert sent[-1].query["sort_by"] == "deadline"
    assert task.id in {t.id for t in theirs}


# --- reading ----------------------------------------------------------------------------------


async def test_get_any_task_or_a_process_task(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    process_id = demo.process_ids[0]
    listed = (await process_tasks(org, process_id))[0]
    task = await org.tasks.get(listed.id, with_="run,threads,form_fields")
    assert requests_to("GET", f"{org_path(demo)}/tasks/{listed.id}")[-1].query == {
        "with": "run,threads,form_fields"
    }
    assert task.id == listed.id and task.run_id == process_id
    assert task.run is not None and task.run.id == process_id
    assert task.threads == []
    assert task.form_fields is not None
    labels = {f.label: f for f in task.form_fields}
    assert labels["Priority"].field_type is FieldType.DROPDOWN
    assert task.summary is not None  # single reads carry the instructions

    same = await org.processes.tasks.get(process_id, listed.id, with_=["step"])
    assert requests_to("GET", f"{org_path(demo)}/runs/{process_id}/tasks/{listed.id}")
    assert same.id == listed.id and same.step is not None


async def test_get_a_task_of_another_process_is_not_found(org: OrgClient, demo: DemoOrg) -> None:
    task = (await process_tasks(org, demo.process_ids[0]))[0]
    with pytest.raises(NotFoundError):
        await org.processes.tasks.get(demo.process_ids[1], task.id)


# --- one-off tasks ------------------------------------------------------------------------------


async def test_create_a_one_off_task(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    deadline = datetime(2026, 12, 1, 9, 0, tzinfo=NEW_YORK)
    task = await org.tasks.create(
        title="Call Jane",
        task_type=TaskType.APPROVAL,
        owners={"users": [demo.member_id]},
        deadline=deadline,
        summary="About the contract",
        max_assignable=1,
        top_secret=False,
    )
    [sent] = requests_to("POST", f"{org_path(demo)}/tasks")
    assert sent.status == 201
    assert sent.body == {
        "title": "Call Jane",
        "summary": "About the contract",
        "task_type": "approval",
        "deadline": "2026-12-01 14:00:00",
        "max_assignable": 1,
        "top_secret": False,
        "owners": {"users": [demo.member_id], "guests": [], "groups": []},
    }
    assert isinstance(task, Task)
    assert task.title == "Call Jane" and task.task_type is TaskType.APPROVAL
    assert task.run_id is None and task.is_oneoff_task is True
    assert task.deadline == deadline
    assert task.owners is not None and task.owners.users == [demo.member_id]


async def test_create_with_form_fields_then_fill_them(org: OrgClient, demo: DemoOrg) -> None:
    task = await org.tasks.create(
        title="Collect the PO",
        task_type="task",
        owners=Owners(users=[demo.admin_id]),
        deadline=datetime(2030, 1, 1, tzinfo=UTC),
        form_fields=[
            {"label": "PO number", "field_type": "text", "required": True},
            {
                "label": "Currency",
                "field_type": "radio",
                "required": False,
                "options": [{"id": 1, "text": "EUR"}, {"id": 2, "text": "USD"}],
            },
        ],
    )
    updated = await org.tasks.update(task.id, form_values={"PO number": "PO-7", "currency": "usd"})
    values = set(updated.taskdata.values())
    assert values == {"PO-7", "USD"}


async def test_create_refuses_bad_arguments_before_sending(
    org: OrgClient, fake: FakeTallyfy
) -> None:
    good = {
        "title": "Call",
        "task_type": "task",
        "owners": {"users": [1]},
        "deadline": datetime(2030, 1, 1, tzinfo=UTC),
    }
    with pytest.raises(ValueError, match="deadline: naive datetime"):
        await org.tasks.create(**{**good, "deadline": datetime(2030, 1, 1)})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="task_type must be one of"):
        await org.tasks.create(**{**good, "task_type": "chore"})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="owners: unknown bucket 'members'"):
        await org.tasks.create(**{**good, "owners": {"members": [1]}})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="title is required"):
        await org.tasks.create(**{**good, "title": " "})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="unexpected keyword argument 'description'"):
        await org.tasks.create(**good, description="dropped by Tallyfy")  # type: ignore[arg-type, call-arg]
    assert fake.log == []


async def test_update_fills_the_fields_tallyfy_requires(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    task_id = demo.oneoff_task_ids[1]  # not completed
    before = await org.tasks.get(task_id)
    updated = await org.tasks.update(task_id, summary="New notes")
    body = requests_to("PUT", f"{org_path(demo)}/tasks/{task_id}")[-1].body
    assert before.deadline is not None and before.owners is not None
    assert body == {
        "summary": "New notes",
        "title": before.title,
        "deadline": before.deadline.strftime("%Y-%m-%d %H:%M:%S"),
        "owners": before.owners.to_wire(),
    }
    assert updated.summary == "New notes"
    assert updated.title == before.title and updated.owners == before.owners


async def test_update_with_everything_given_reads_nothing(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    task_id = demo.oneoff_task_ids[1]
    fake.reset_log()
    updated = await org.tasks.update(
        task_id,
        title="Renamed",
        deadline=datetime(2031, 5, 1, 12, 0, tzinfo=UTC),
        owners=Owners(users=[demo.admin_id], guests=[demo.guest_email]),
    )
    assert api_routes(fake) == ["tasks.update"]
    assert updated.title == "Renamed"
    assert updated.owners is not None and updated.owners.guests == [demo.guest_email]


async def test_complete_and_reopen_a_one_off_task(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    task_id = demo.oneoff_task_ids[1]
    done = await org.tasks.complete(task_id)
    assert requests_to("POST", f"{org_path(demo)}/completed-tasks")[-1].body == {"task_id": task_id}
    assert done.status is TaskStatus.COMPLETED and done.completed_at is not None
    reopened = await org.tasks.reopen(task_id)
    assert requests_to("DELETE", f"{org_path(demo)}/completed-tasks/{task_id}")
    assert reopened.status is TaskStatus.IN_PROGRESS and reopened.completed_at is None


async def test_complete_by_task_id_picks_the_route(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    oneoff = demo.oneoff_task_ids[3]
    fake.reset_log()
    done = await org.tasks.complete(oneoff)
    assert api_routes(fake) == ["tasks.get", "tasks.complete"]
    assert done.status is TaskStatus.COMPLETED
    fake.reset_log()
    again = await org.tasks.reopen(oneoff)
    assert api_routes(fake) == ["tasks.get", "tasks.reopen"]
    assert again.status is TaskStatus.IN_PROGRESS

    process_id = demo.process_ids[1]
    task = next(t for t in await process_tasks(org, process_id) if t.status != "completed")
    fake.reset_log()
    done = await org.tasks.complete(task.id)
    assert api_routes(fake) == ["tasks.get", "runs.tasks.complete"]
    assert done.status is TaskStatus.COMPLETED and done.run_id == process_id


async def test_complete_needs_a_task_id(org: OrgClient) -> None:
    with pytest.raises(ValueError, match="task_id is required"):
        await org.processes.tasks.complete("a" * 32)


async def test_archive_restore_and_delete_a_one_off_task(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    task_id = demo.oneoff_task_ids[2]
    await org.tasks.archive(task_id)
    assert requests_to("DELETE", f"{org_path(demo)}/tasks/{task_id}")[-1].status == 204
    archived = await org.tasks.list(archived="only").to_list()
    assert task_id in {t.id for t in archived}
    restored = await org.tasks.restore(task_id)
    assert requests_to("PUT", f"{org_path(demo)}/tasks/{task_id}/restore")
    assert restored.archived_at is None
    await org.tasks.delete(task_id)
    assert requests_to("DELETE", f"{org_path(demo)}/tasks/{task_id}/delete")[-1].status == 204
    with pytest.raises(NotFoundError):
        await org.tasks.get(task_id)


# --- process tasks -------------------------------------------------------------------------------


async def test_update_fills_form_values_then_complete(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    process_id = demo.process_ids[0]
    first = (await process_tasks(org, process_id))[0]  # step 1 collects a required field
    with pytest.raises(ValidationError, match="Reference number is required"):
        await org.processes.tasks.complete(process_id, first.id)

    updated = await org.processes.tasks.update(
        process_id, first.id, form_values={"reference number": "REF-7", "Priority": "high"}
    )
    read = requests_to("GET", f"{org_path(demo)}/runs/{process_id}/tasks/{first.id}")[-1]
    assert read.query == {"with": "form_fields"}
    body = requests_to("PUT", f"{org_path(demo)}/runs/{process_id}/tasks/{first.id}")[-1].body
    fields = {
        f.label: f.id
        for f in (await org.tasks.get(first.id, with_="form_fields")).form_fields or []
    }
    assert body == {
        "taskdata": {
            fields["Reference number"]: "REF-7",
            fields["Priority"]: {"id": 2, "text": "High", "value": None},
        }
    }
    assert updated.taskdata[fields["Reference number"]] == "REF-7"

    done = await org.processes.tasks.complete(process_id, first.id)
    assert requests_to("POST", f"{org_path(demo)}/runs/{process_id}/completed-tasks")[-1].body == {
        "task_id": first.id
    }
    assert done.status is TaskStatus.COMPLETED and done.completer_id == demo.admin_id

    reopened = await org.processes.tasks.reopen(process_id, first.id)
    path = f"{org_path(demo)}/runs/{process_id}/completed-tasks/{first.id}"
    assert requests_to("DELETE", path)
    assert reopened.status is TaskStatus.IN_PROGRESS and reopened.completer_id is None


async def test_update_refuses_bad_form_values_before_sending(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    process_id = demo.process_ids[0]
    first = (await process_tasks(org, process_id))[0]
    with pytest.raises(FormValuesError) as caught:
        await org.processes.tasks.update(
            process_id, first.id, form_values={"Priority": "Urgent", "Colour": "red"}
        )
    text = str(caught.value)
    assert "'Priority': 'Urgent' is not a choice; the choices are: 'Low' (id 1), 'High' (id 2)" in (
        text
    )
    assert "'Colour' names no form field" in text
    assert requests_to("PUT", f"{org_path(demo)}/runs/{process_id}/tasks/{first.id}") == []


async def test_update_with_some_owner_buckets_keeps_the_others(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    process_id = demo.process_ids[0]
    third = (await process_tasks(org, process_id))[2]  # assigned to the admin and a group
    assert third.owners is not None and third.owners.groups == [demo.group_id]
    updated = await org.processes.tasks.update(
        process_id, third.id, owners={"guests": [demo.guest_email]}, title="Check twice"
    )
    body = requests_to("PUT", f"{org_path(demo)}/runs/{process_id}/tasks/{third.id}")[-1].body
    assert body == {
        "title": "Check twice",
        "owners": {
            "users": third.owners.users,
            "guests": [demo.guest_email],
            "groups": [demo.group_id],
        },
    }
    assert updated.owners == Owners(
        users=third.owners.users, guests=[demo.guest_email], groups=[demo.group_id]
    )


async def test_update_with_every_bucket_reads_nothing(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    process_id = demo.process_ids[0]
    third = (await process_tasks(org, process_id))[2]
    fake.reset_log()
    deadline = datetime(2031, 1, 1, 17, 0, tzinfo=UTC)
    updated = await org.processes.tasks.update(
        process_id,
        third.id,
        owners={"users": [demo.member_id], "guests": [], "groups": []},
        deadline=deadline,
        status="in-progress",
    )
    assert api_routes(fake) == ["runs.tasks.update"]
    assert fake.log[-1].body == {
        "deadline": "2031-01-01 17:00:00",
        "status": "in-progress",
        "owners": {"users": [demo.member_id], "guests": [], "groups": []},
    }
    assert updated.owners == Owners(users=[demo.member_id])
    assert updated.deadline == deadline and updated.status is TaskStatus.IN_PROGRESS


async def test_update_refuses_bad_arguments_before_sending(
    org: OrgClient, fake: FakeTallyfy
) -> None:
    with pytest.raises(ValueError, match="status must be one of in-progress, not-started"):
        await org.processes.tasks.update("a" * 32, "b" * 32, status="completed")
    with pytest.raises(ValueError, match="position must be 1 or more"):
        await org.processes.tasks.update("a" * 32, "b" * 32, position=0)
    with pytest.raises(ValueError, match="at most 600"):
        await org.processes.tasks.update("a" * 32, "b" * 32, title="x" * 601)
    assert fake.log == []


async def test_complete_an_approval_on_behalf_of_someone(
    org: OrgClient, fake: FakeTallyfy, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    blueprint_id = fake.add_blueprint(
        demo.org_id, title="Sign-off", steps=[{"title": "Approve", "step_type": "approval"}]
    )
    process = await org.processes.launch(blueprint_id)
    [task] = await process_tasks(org, process.id)
    assert task.task_type is TaskType.APPROVAL
    done = await org.processes.tasks.complete(
        process.id, task.id, is_approved=False, override_user=demo.member_id
    )
    body = requests_to("POST", f"{org_path(demo)}/runs/{process.id}/completed-tasks")[-1].body
    assert body == {"task_id": task.id, "is_approved": False, "override_user": demo.member_id}
    assert done.is_approved is False and done.completer_id == demo.member_id
    assert done.tasks_changed_by_rules == []
    assert (await org.processes.get(process.id)).status is ProcessStatus.COMPLETE


async def test_a_structure_hook_registered_later_reads_the_next_answer(
    fake: FakeTallyfy, demo: DemoOrg
) -> None:
    # A typed read's reader is kept per model: it must follow the converter's hooks.
    async with TallyfyClient(
        demo.credentials, base_url=fake.base_url, token_url=fake.token_url
    ) as client:
        client.converter = Converter()  # its own: the hook below must not reach other tests
        org = client.org(demo.org_id)
        task_id = (await org.tasks.list(per_page=1).first_page()).items[0].id
        assert isinstance(await org.tasks.get(task_id), Task)
        client.converter.register_structure_hook(Task, lambda value, _: ("mine", value["id"]))
        assert await org.tasks.get(task_id) == ("mine", task_id)
