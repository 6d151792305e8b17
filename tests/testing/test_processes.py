"""Processes (runs): list filters, read, update, archive, activate, delete."""

from __future__ import annotations

from typing import Any

from tallyfy_async.testing import DemoOrg, FakeTallyfy
from tests.testing.support import Api


async def launch(api: Api, org_path: str, demo: DemoOrg, **body: Any) -> Any:
    answer = await api.post(
        f"{org_path}/runs", json={"checklist_id": demo.blueprint_ids[2], **body}
    )
    assert answer.status == 201, answer.text
    return answer.json["data"]


async def ids(api: Api, path: str) -> list[str]:
    answer = await api.get(path)
    assert answer.status == 200, answer.text
    return [item["id"] for item in answer.json["data"]]


async def test_status_filters(api: Api, org_path: str, tallyfy_demo: DemoOrg) -> None:
    by_status = tallyfy_demo.processes_by_status
    for status in ("active", "complete", "problem", "archived"):
        listed = await ids(api, f"{org_path}/runs?status={status}&per_page=100")
        assert sorted(listed) == sorted(by_status[status]), status
    everything = await ids(api, f"{org_path}/runs?archived=true&per_page=100")
    assert sorted(everything) == sorted(tallyfy_demo.process_ids)
    assert sorted(await ids(api, f"{org_path}/runs?archived=only")) == sorted(by_status["archived"])


async def test_other_filters_and_sort(api: Api, org_path: str, tallyfy_demo: DemoOrg) -> None:
    named = await launch(api, org_path, tallyfy_demo, name="Zeta special", starred=True)
    assert await ids(api, f"{org_path}/runs?q=zeta%20SPECIAL") == [named["id"]]
    assert await ids(api, f"{org_path}/runs?starred=true") == [named["id"]]
    of_blueprint = await ids(
        api, f"{org_path}/runs?blueprint_id={tallyfy_demo.blueprint_ids[2]}&per_page=100"
    )
    same = await ids(
        api, f"{org_path}/runs?checklist_id={tallyfy_demo.blueprint_ids[2]}&per_page=100"
    )
    assert named["id"] in of_blueprint and of_blueprint == same
    # Launched by the admin, but the member owns two of its tasks.
    owned = await ids(api, f"{org_path}/runs?owners={tallyfy_demo.member_id}&per_page=100")
    assert named["id"] in owned
    assert await ids(api, f"{org_path}/runs?owners={tallyfy_demo.light_member_id}") == []
    by_name = (await api.get(f"{org_path}/runs?sort=-name&per_page=100")).json["data"]
    assert by_name[0]["id"] == named["id"]
    newest = (await api.get(f"{org_path}/runs?sort=-created_at&per_page=1")).json["data"]
    assert newest[0]["id"] == named["id"]


async def test_update_is_partial_and_replaces_people(
    api: Api, org_path: str, tallyfy_demo: DemoOrg
) -> None:
    run = await launch(
        api, org_path, tallyfy_demo, users=[tallyfy_demo.member_id], summary="keep me"
    )
    path = f"{org_path}/runs/{run['id']}"
    answer = await api.put(path, json={"name": "Renamed", "groups": [tallyfy_demo.group_id]})
    updated = answer.json["data"]
    assert updated["name"] == "Renamed" and updated["summary"] == "keep me"
    assert updated["users"] == [tallyfy_demo.member_id]
    assert updated["groups"] == [tallyfy_demo.group_id]
    answer = await api.put(path, json={"users": []})
    assert answer.json["data"]["users"] == []
    bad = await api.put(path, json={"owner_id": 1})
    assert bad.status == 422 and bad.json["errors"] == {
        "owner_id": ["The selected owner id is invalid."]
    }


async def test_update_merges_prerun_values(api: Api, org_path: str, tallyfy_demo: DemoOrg) -> None:
    run = (
        await api.post(
            f"{org_path}/runs",
            json={
                "checklist_id": tallyfy_demo.kickoff_blueprint_id,
                "prerun": tallyfy_demo.kickoff_example,
            },
        )
    ).json["data"]
    text_id = tallyfy_demo.kickoff_field_ids["text"]
    answer = await api.put(f"{org_path}/runs/{run['id']}", json={"prerun": {text_id: "Umbrella"}})
    assert answer.json["data"]["prerun"][text_id] == "Umbrella"
    assert len(answer.json["data"]["prerun"]) == 10


async def test_archive_activate_and_delete(
    api: Api, org_path: str, tallyfy_demo: DemoOrg, tallyfy_fake: FakeTallyfy
) -> None:
    run = await launch(api, org_path, tallyfy_demo)
    path = f"{org_path}/runs/{run['id']}"
    refused = await api.delete(f"{path}/delete")
    assert refused.status == 422
    archived = await api.delete(path)
    assert archived.status == 200
    assert archived.json["data"]["status"] == "archived"
    assert archived.json["data"]["archived_at"] is not None
    assert run["id"] not in await ids(api, f"{org_path}/runs?per_page=100")
    tasks = await ids(api, f"{org_path}/runs/{run['id']}/tasks")
    org_tasks = await ids(api, f"{org_path}/tasks?without_pagination=true")
    assert set(tasks).isdisjoint(org_tasks)
    activated = await api.put(f"{path}/activate")
    assert activated.json["data"]["status"] == "active"
    assert activated.json["data"]["archived_at"] is None
    await api.delete(path)
    deleted = await api.delete(f"{path}/delete")
    assert deleted.status == 200 and deleted.text == ""
    assert (await api.get(path)).status == 404
    assert tallyfy_fake.snapshot(tallyfy_demo.org_id, "tasks", tasks[0]) is None


async def test_kickoff_form_complete_and_reopen(
    api: Api, org_path: str, tallyfy_demo: DemoOrg
) -> None:
    run = await launch(api, org_path, tallyfy_demo)
    reopened = await api.delete(f"{org_path}/runs/{run['id']}/complete-prerun")
    assert reopened.status == 200 and reopened.json["data"]["prerun_status"] is None
    completed = await api.post(f"{org_path}/runs/{run['id']}/complete-prerun")
    assert completed.json["data"]["prerun_status"] == "complete"
    assert completed.json["data"]["prerun_completed_by"] == tallyfy_demo.admin_id


async def test_export_and_form_fields(api: Api, org_path: str, tallyfy_demo: DemoOrg) -> None:
    run_id = tallyfy_demo.process_ids[0]
    exported = await api.post(f"{org_path}/runs/{run_id}/export")
    assert exported.status == 200
    assert exported.json["run"]["id"] == run_id and len(exported.json["tasks"]) == 5
    fields = (await api.get(f"{org_path}/runs/{run_id}/form-fields")).json["data"]
    assert len(fields["ko_form_fields"]) == 10
    assert all("field_value" in field for field in fields["ko_form_fields"] + fields["form_fields"])
    assert fields["form_fields"][0]["label"] == "Reference number"
