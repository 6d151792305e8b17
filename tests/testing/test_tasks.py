"""Process tasks, one-off tasks and the task lists."""

from __future__ import annotations

from typing import Any

from tallyfy_async.testing import DemoOrg
from tests.testing.support import Api


async def fresh_run(api: Api, org_path: str, demo: DemoOrg) -> tuple[str, list[Any]]:
    run = (await api.post(f"{org_path}/runs", json={"checklist_id": demo.blueprint_ids[2]})).json[
        "data"
    ]
    tasks = (await api.get(f"{org_path}/runs/{run['id']}/tasks")).json["data"]
    return run["id"], tasks


async def test_single_read_has_summary_list_items_do_not(
    api: Api, org_path: str, tallyfy_demo: DemoOrg
) -> None:
    run_id, tasks = await fresh_run(api, org_path, tallyfy_demo)
    assert "summary" not in tasks[0]
    one = (await api.get(f"{org_path}/runs/{run_id}/tasks/{tasks[0]['id']}")).json["data"]
    assert one["summary"] == "<p>Instructions for step 1.</p>"
    listed = (await api.get(f"{org_path}/runs/{run_id}/tasks?with=summary,step")).json["data"]
    assert listed[0]["summary"] == one["summary"]
    assert listed[0]["step"]["data"]["id"] == listed[0]["step_id"]


async def test_owners_absent_bucket_is_emptied_absent_owners_kept(
    api: Api, org_path: str, tallyfy_demo: DemoOrg
) -> None:
    run_id, tasks = await fresh_run(api, org_path, tallyfy_demo)
    path = f"{org_path}/runs/{run_id}/tasks/{tasks[2]['id']}"
    assert tasks[2]["owners"]["groups"] == [tallyfy_demo.group_id]
    kept = await api.put(path, json={"title": "Renamed"})
    assert kept.json["data"]["owners"] == tasks[2]["owners"]
    assert kept.json["data"]["title"] == "Renamed"
    replaced = await api.put(path, json={"owners": {"users": [tallyfy_demo.member_id]}})
    assert replaced.json["data"]["owners"] == {
        "users": [tallyfy_demo.member_id],
        "guests": [],
        "groups": [],
    }
    bad = await api.put(path, json={"owners": {"users": [999]}})
    assert bad.status == 422 and bad.json["errors"] == {
        "owners.users.0": ["The selected users.0 is invalid."]
    }


async def test_taskdata_is_validated_and_unknown_keys_dropped(
    api: Api, org_path: str, tallyfy_demo: DemoOrg
) -> None:
    run_id, tasks = await fresh_run(api, org_path, tallyfy_demo)
    step = (
        await api.get(f"{org_path}/runs/{run_id}/tasks/{tasks[0]['id']}?with=form_fields")
    ).json["data"]
    reference, priority = (field["id"] for field in step["form_fields"]["data"])
    path = f"{org_path}/runs/{run_id}/tasks/{tasks[0]['id']}"
    bad = await api.put(path, json={"taskdata": {priority: {"id": 1, "text": "High"}}})
    assert bad.status == 422
    assert bad.json["errors"] == {f"taskdata.{priority}": ["Invalid dropdown choice selected."]}
    good = await api.put(
        path,
        json={"taskdata": {reference: "REF-1", priority: {"id": 2, "text": "High"}, "x" * 32: 1}},
    )
    assert good.json["data"]["taskdata"] == {
        reference: "REF-1",
        priority: {"id": 2, "text": "High", "value": None},
    }
    read = (await api.get(f"{path}?with=form_fields")).json["data"]["form_fields"]["data"]
    assert [field["field_value"] for field in read] == [
        "REF-1",
        {"id": 2, "text": "High", "value": None},
    ]


async def test_complete_checks_required_fields_then_reopen(
    api: Api, org_path: str, tallyfy_demo: DemoOrg
) -> None:
    run_id, tasks = await fresh_run(api, org_path, tallyfy_demo)
    first = tasks[0]["id"]
    refused = await api.post(f"{org_path}/runs/{run_id}/completed-tasks", json={"task_id": first})
    assert refused.status == 422
    assert refused.json["message"] == "Reference number is required"
    captures = (await api.get(f"{org_path}/runs/{run_id}/tasks/{first}?with=form_fields")).json[
        "data"
    ]
    reference = captures["form_fields"]["data"][0]["id"]
    await api.put(f"{org_path}/runs/{run_id}/tasks/{first}", json={"taskdata": {reference: "R-9"}})
    done = await api.post(f"{org_path}/runs/{run_id}/completed-tasks", json={"task_id": first})
    assert done.status == 200
    task = done.json["data"]
    assert task["status"] == "completed" and task["completer_id"] == tallyfy_demo.admin_id
    assert task["completed_at"] is not None and task["tasks_changed_by_rules"] == []
    again = await api.post(f"{org_path}/runs/{run_id}/completed-tasks", json={"task_id": first})
    assert again.status == 422
    locked = await api.put(f"{org_path}/runs/{run_id}/tasks/{first}", json={"title": "x"})
    assert locked.status == 422
    run = (await api.get(f"{org_path}/runs/{run_id}")).json["data"]
    assert run["progress"] == {"complete": 1, "total": 5, "percent": 20.0}
    reopened = await api.delete(f"{org_path}/runs/{run_id}/completed-tasks/{first}")
    assert reopened.status == 200
    task = reopened.json["data"]
    assert task["status"] == "in-progress" and task["status_label"] == "In Progress"
    assert (task["completed_at"], task["completer_id"], task["is_approved"]) == (None, None, None)
    assert (await api.delete(f"{org_path}/runs/{run_id}/completed-tasks/{first}")).status == 422


async def test_completing_every_task_completes_the_run(
    api: Api, org_path: str, tallyfy_demo: DemoOrg
) -> None:
    run_id, tasks = await fresh_run(api, org_path, tallyfy_demo)
    reference = (
        await api.get(f"{org_path}/runs/{run_id}/tasks/{tasks[0]['id']}?with=form_fields")
    ).json["data"]["form_fields"]["data"][0]["id"]
    await api.put(
        f"{org_path}/runs/{run_id}/tasks/{tasks[0]['id']}", json={"taskdata": {reference: "R"}}
    )
    for task in tasks:
        decision = {"is_approved": True} if task["task_type"] == "approval" else {}
        answer = await api.post(
            f"{org_path}/runs/{run_id}/completed-tasks", json={"task_id": task["id"], **decision}
        )
        assert answer.status == 200
    run = (await api.get(f"{org_path}/runs/{run_id}?with=next_task")).json["data"]
    assert run["status"] == "complete" and run["completed_at"] is not None
    assert run["next_task"] == {"data": []}
    approval = next(task for task in tasks if task["task_type"] == "approval")
    approved = (await api.get(f"{org_path}/runs/{run_id}/tasks/{approval['id']}")).json["data"]
    assert approved["is_approved"] is True


async def test_task_list_filters_and_sort(api: Api, org_path: str, tallyfy_demo: DemoOrg) -> None:
    run_id, tasks = await fresh_run(api, org_path, tallyfy_demo)
    base = f"{org_path}/runs/{run_id}/tasks"
    mine = (await api.get(f"{base}?owners={tallyfy_demo.member_id}")).json["data"]
    assert [task["position"] for task in mine] == [2, 4]
    newest_first = (await api.get(f"{base}?sort=-deadline")).json["data"]
    assert [task["position"] for task in newest_first] == [5, 4, 3, 2, 1]
    await api.post(f"{org_path}/runs/{run_id}/completed-tasks", json={"task_id": tasks[1]["id"]})
    done = (await api.get(f"{base}?status=completed")).json["data"]
    assert [task["id"] for task in done] == [tasks[1]["id"]]
    assert len((await api.get(f"{base}?status=active")).json["data"]) == 4


async def test_org_tasks_and_user_tasks(api: Api, org_path: str, tallyfy_demo: DemoOrg) -> None:
    oneoff = (await api.get(f"{org_path}/tasks?is_oneoff=true&per_page=100")).json["data"]
    assert sorted(task["id"] for task in oneoff) == sorted(tallyfy_demo.oneoff_task_ids)
    assert all(task["run_id"] is None and task["is_oneoff_task"] for task in oneoff)
    overdue = (await api.get(f"{org_path}/tasks?status=overdue&per_page=100")).json["data"]
    assert overdue and all(task["status"] != "completed" for task in overdue)
    found = (await api.get(f"{org_path}/tasks?q=follow%20UP&per_page=100")).json["data"]
    assert len(found) == len(tallyfy_demo.oneoff_task_ids)
    me = await api.get(f"{org_path}/me/tasks?per_page=5")
    assert list(me.json["meta"]) == ["overdue_tasks", "tasks_due_soon", "pagination"]
    assert all(tallyfy_demo.admin_id in task["owners"]["users"] for task in me.json["data"])
    assert all(task["status"] != "completed" for task in me.json["data"])
    theirs = await api.get(
        f"{org_path}/users/{tallyfy_demo.member_id}/tasks?status=all&per_page=100"
    )
    assert all(tallyfy_demo.member_id in task["owners"]["users"] for task in theirs.json["data"])
    assert (await api.get(f"{org_path}/users/1/tasks")).status == 404


async def test_oneoff_create_requires_its_fields(api: Api, org_path: str) -> None:
    answer = await api.post(f"{org_path}/tasks", json={"task_type": "meeting"})
    assert answer.status == 422
    assert answer.json["errors"] == {
        "title": ["The title field is required."],
        "task_type": ["The selected task type is invalid."],
        "owners": ["The owners field is required."],
        "deadline": ["The deadline field is required."],
    }


async def test_oneoff_lifecycle(api: Api, org_path: str, tallyfy_demo: DemoOrg) -> None:
    body = {
        "title": "Call Jane",
        "task_type": "task",
        "owners": {"users": [tallyfy_demo.member_id], "guests": ["jane@example.com"]},
        "deadline": "2030-12-01 09:00:00",
        "description": "Ask about the renewal",
    }
    created = await api.post(f"{org_path}/tasks", json=body)
    assert created.status == 201
    task = created.json["data"]
    assert task["run_id"] is None and task["is_oneoff_task"] is True
    assert task["summary"] == "Ask about the renewal"
    assert task["owners"]["guests"] == ["jane@example.com"]
    path = f"{org_path}/tasks/{task['id']}"
    partial = await api.put(path, json={"title": "Call Jane again"})
    assert partial.status == 422
    assert set(partial.json["errors"]) == {"deadline", "owners"}
    full = await api.put(
        path,
        json={
            "title": "Call Jane again",
            "deadline": "2030-12-02T09:00:00Z",
            "owners": {"users": []},
        },
    )
    assert full.status == 200
    assert full.json["data"]["owners"] == {"users": [], "guests": [], "groups": []}
    assert (await api.delete(path)).status == 204
    assert task["id"] not in [
        t["id"] for t in (await api.get(f"{org_path}/tasks?per_page=100")).json["data"]
    ]
    archived = (await api.get(f"{org_path}/tasks?archived=only&is_oneoff=true")).json["data"]
    assert [t["id"] for t in archived] == [task["id"]]
    restored = await api.put(f"{path}/restore")
    assert restored.status == 200 and restored.json["data"]["archived_at"] is None
    completed = await api.post(f"{org_path}/completed-tasks", json={"task_id": task["id"]})
    assert completed.status == 200 and completed.json["data"]["status"] == "completed"
    reopened = await api.delete(f"{org_path}/completed-tasks/{task['id']}")
    assert reopened.json["data"]["status"] == "in-progress"
    deleted = await api.delete(f"{path}/delete")
    assert deleted.status == 204 and deleted.text == ""
    assert (await api.get(path)).status == 404


async def test_oneoff_completion_refuses_process_tasks(
    api: Api, org_path: str, tallyfy_demo: DemoOrg
) -> None:
    _, tasks = await fresh_run(api, org_path, tallyfy_demo)
    answer = await api.post(f"{org_path}/completed-tasks", json={"task_id": tasks[1]["id"]})
    assert answer.status == 422
    assert (await api.delete(f"{org_path}/tasks/{tasks[1]['id']}")).status == 422
    unknown = await api.post(f"{org_path}/completed-tasks", json={"task_id": "0" * 32})
    assert unknown.status == 422


async def test_any_task_is_readable_by_id(api: Api, org_path: str, tallyfy_demo: DemoOrg) -> None:
    run_id, tasks = await fresh_run(api, org_path, tallyfy_demo)
    answer = await api.get(f"{org_path}/tasks/{tasks[0]['id']}?with=run")
    assert answer.json["data"]["run_id"] == run_id
    assert answer.json["data"]["run"]["data"]["id"] == run_id


async def test_an_approval_is_not_completed_without_the_decision(
    api: Api, org_path: str, tallyfy_demo: DemoOrg
) -> None:
    run_id, tasks = await fresh_run(api, org_path, tallyfy_demo)
    approval = next(task for task in tasks if task["task_type"] == "approval")
    path = f"{org_path}/runs/{run_id}/completed-tasks"
    for body in ({"task_id": approval["id"]}, {"task_id": approval["id"], "is_approved": None}):
        refused = await api.post(path, json=body)
        assert refused.status == 422
        assert refused.json["message"] == "The is approved field is required."
        assert refused.json["errors"] == {"is_approved": ["The is approved field is required."]}
    still = (await api.get(f"{org_path}/runs/{run_id}/tasks/{approval['id']}")).json["data"]
    assert (still["status"], still["is_approved"]) != ("completed", True)
    assert still["completed_at"] is None
    declined = await api.post(path, json={"task_id": approval["id"], "is_approved": False})
    assert declined.status == 200 and declined.json["data"]["is_approved"] is False
    plain = next(task for task in tasks[1:] if task["task_type"] == "task")
    done = await api.post(path, json={"task_id": plain["id"]})
    assert done.status == 200 and done.json["data"]["is_approved"] is None


async def test_a_oneoff_approval_is_not_completed_without_the_decision(
    api: Api, org_path: str, tallyfy_demo: DemoOrg
) -> None:
    body = {
        "title": "Sign the contract",
        "task_type": "approval",
        "owners": {"users": [tallyfy_demo.admin_id]},
        "deadline": "2030-12-01 09:00:00",
    }
    task = (await api.post(f"{org_path}/tasks", json=body)).json["data"]
    refused = await api.post(f"{org_path}/completed-tasks", json={"task_id": task["id"]})
    assert refused.status == 422
    assert refused.json["message"] == "The is approved field is required."
    assert (await api.get(f"{org_path}/tasks/{task['id']}")).json["data"]["completed_at"] is None
    approved = await api.post(
        f"{org_path}/completed-tasks", json={"task_id": task["id"], "is_approved": True}
    )
    assert approved.status == 200 and approved.json["data"]["is_approved"] is True
