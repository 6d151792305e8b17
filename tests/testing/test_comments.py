"""Comments, problems and resolutions; form-field values by value id; guest tasks."""

from __future__ import annotations

from typing import Any

from tallyfy_async.testing import DemoOrg, FakeTallyfy
from tests.testing.support import Api


async def open_task(api: Api, org_path: str, demo: DemoOrg) -> tuple[str, Any]:
    run = (await api.post(f"{org_path}/runs", json={"checklist_id": demo.blueprint_ids[2]})).json[
        "data"
    ]
    tasks = (await api.get(f"{org_path}/runs/{run['id']}/tasks")).json["data"]
    return run["id"], tasks[1]


async def test_comment_read_through_threads(
    api: Api, org_path: str, tallyfy_demo: DemoOrg, tallyfy_fake: FakeTallyfy
) -> None:
    _, task = await open_task(api, org_path, tallyfy_demo)
    path = f"{org_path}/tasks/{task['id']}"
    answer = await api.post(
        f"{path}/comment", json={"content": f"Ping @[{tallyfy_demo.member_id}]", "sent_to": [1]}
    )
    assert answer.status == 200
    comment = answer.json["data"]
    assert comment["label"] == "comment" and comment["state"] == "hide-for-guests"
    assert (
        comment["author_id"] == tallyfy_demo.admin_id and comment["author"]["first_name"] == "Alice"
    )
    assert comment["task_id"] == task["id"] and comment["sent_to"] == []
    threads = (await api.get(f"{path}?with=threads")).json["data"]["threads"]
    assert [c["id"] for c in threads["data"]] == [comment["id"]]
    edited = await api.put(
        f"{path}/comment/{comment['id']}", json={"content": "Edited", "state": "collapsed"}
    )
    assert (
        edited.json["data"]["content"] == "Edited" and edited.json["data"]["state"] == "collapsed"
    )
    assert (
        await api.put(f"{path}/comment/{comment['id']}", json={"label": "advice"})
    ).status == 422
    assert (await api.delete(f"{path}/comment/{comment['id']}")).status == 204
    assert (await api.get(f"{path}?with=threads")).json["data"]["threads"] == {"data": []}
    assert tallyfy_fake.counters.comments(tallyfy_demo.org_id) == 1


async def test_comment_rules(api: Api, org_path: str, tallyfy_demo: DemoOrg) -> None:
    _, task = await open_task(api, org_path, tallyfy_demo)
    path = f"{org_path}/tasks/{task['id']}/comment"
    answer = await api.post(path, json={"content": "", "label": "question", "state": "hidden"})
    assert answer.status == 422
    assert answer.json["errors"] == {
        "content": ["The content field is required."],
        "label": ["The selected label is invalid."],
        "state": ["The selected state is invalid."],
    }
    assert (
        await api.post(f"{org_path}/tasks/{'0' * 32}/comment", json={"content": "x"})
    ).status == 404


async def test_problem_blocks_completion_until_resolved(
    api: Api, org_path: str, tallyfy_demo: DemoOrg
) -> None:
    run_id, task = await open_task(api, org_path, tallyfy_demo)
    base = f"{org_path}/tasks/{task['id']}"
    problem = (await api.post(f"{base}/problem", json={"content": "Stuck"})).json["data"]
    assert problem["label"] == "problem"
    assert (await api.get(base)).json["data"]["problem"] is True
    run = (await api.get(f"{org_path}/runs/{run_id}")).json["data"]
    assert run["status"] == "problem" and run["has_open_issue"] is True
    refused = await api.post(
        f"{org_path}/runs/{run_id}/completed-tasks", json={"task_id": task["id"]}
    )
    assert refused.status == 422
    assert (
        await api.post(f"{base}/resolved-threads", json={"thread_id": problem["id"]})
    ).status == 422
    resolution = await api.post(
        f"{base}/resolved-threads", json={"thread_id": problem["id"], "content": "Done"}
    )
    assert resolution.json["data"]["label"] == "resolve"
    assert resolution.json["data"]["resolve_id"] == problem["id"]
    assert (await api.get(base)).json["data"]["problem"] is False
    assert (await api.get(f"{org_path}/runs/{run_id}")).json["data"]["status"] == "active"
    again = await api.post(
        f"{base}/resolved-threads", json={"thread_id": problem["id"], "content": "x"}
    )
    assert again.status == 422
    done = await api.post(f"{org_path}/runs/{run_id}/completed-tasks", json={"task_id": task["id"]})
    assert done.status == 200


async def test_bot_comment(api: Api, org_path: str, tallyfy_demo: DemoOrg) -> None:
    _, task = await open_task(api, org_path, tallyfy_demo)
    answer = await api.post(
        f"{org_path}/tasks/{task['id']}/bot-comment", json={"content": "Synced"}
    )
    assert answer.json["data"]["author"]["full_name"] == "Tallyfy Bot"


async def test_process_and_blueprint_threads(
    api: Api, org_path: str, tallyfy_demo: DemoOrg
) -> None:
    run_id, _ = await open_task(api, org_path, tallyfy_demo)
    for base, include in (
        (f"{org_path}/runs/{run_id}", "threads"),
        (f"{org_path}/checklists/{tallyfy_demo.blueprint_ids[1]}", "threads"),
    ):
        note = await api.post(f"{base}/comment", json={"content": "Note"})
        assert note.status == 200
        problem = (await api.post(f"{base}/problem", json={"content": "Issue"})).json["data"]
        if "/runs/" in base:
            assert (await api.get(base)).json["data"]["status"] == "problem"
        await api.post(
            f"{base}/resolved-threads", json={"thread_id": problem["id"], "content": "Fixed"}
        )
        threads = (await api.get(f"{base}?with={include}")).json["data"]["threads"]["data"]
        assert [c["label"] for c in threads] == ["comment", "problem", "resolve"]
        if "/runs/" in base:
            assert (await api.get(base)).json["data"]["status"] == "active"


async def test_form_field_value_by_value_id(api: Api, org_path: str, tallyfy_demo: DemoOrg) -> None:
    run_id = (
        await api.post(
            f"{org_path}/runs",
            json={
                "checklist_id": tallyfy_demo.kickoff_blueprint_id,
                "prerun": tallyfy_demo.kickoff_example,
            },
        )
    ).json["data"]["id"]
    fields = (await api.get(f"{org_path}/runs/{run_id}/form-fields")).json["data"]
    dropdown = next(f for f in fields["ko_form_fields"] if f["field_type"] == "dropdown")
    assert isinstance(dropdown["value_id"], int)
    path = f"{org_path}/form-field/value"
    answer = await api.put(
        path, json={"id": dropdown["value_id"], "form_value": {"id": 3, "text": "APAC"}}
    )
    assert answer.status == 200
    assert answer.json["data"]["field_value"] == {"id": 3, "text": "APAC", "value": None}
    run = (await api.get(f"{org_path}/runs/{run_id}")).json["data"]
    assert run["prerun"][dropdown["id"]] == {"id": 3, "text": "APAC", "value": None}
    refused = await api.put(
        path, json={"id": dropdown["value_id"], "form_value": {"id": 3, "text": "EMEA"}}
    )
    assert refused.status == 422
    assert refused.json["errors"] == {"form_value": ["Invalid dropdown choice selected."]}
    missing = await api.put(path, json={"id": 987654, "form_value": "x"})
    assert missing.status == 500 and missing.json == {"message": "Server Error"}


async def test_guest_tasks(api: Api, org_path: str, tallyfy_demo: DemoOrg) -> None:
    body = {
        "title": "Sign", "task_type": "task", "owners": {"guests": [tallyfy_demo.guest_email]},
        "deadline": "2030-01-01 00:00:00",
    }  # fmt: skip
    task = (await api.post(f"{org_path}/tasks", json=body)).json["data"]
    answer = await api.get(f"{org_path}/guests/{tallyfy_demo.guest_id}/tasks?sort_by=deadline")
    assert [t["id"] for t in answer.json["data"]] == [task["id"]]
    assert (await api.get(f"{org_path}/guests/1/tasks")).status == 404
