"""Steps, form fields (captures), kick-off fields and automations."""

from __future__ import annotations

from typing import Any

from tallyfy_async.testing import DemoOrg, FakeTallyfy
from tests.testing.support import Api


async def blueprint_with_steps(fake: FakeTallyfy, demo: DemoOrg, count: int = 3) -> str:
    return fake.add_blueprint(
        demo.org_id,
        title="Steps",
        steps=[
            {
                "title": f"Step {n}",
                "assignees": [demo.member_id],
                "guests": [demo.guest_email],
                "groups": [demo.group_id],
                "captures": [
                    {"label": "Name", "field_type": "text", "required": True},
                    {"label": "Size", "field_type": "radio", "required": False,
                     "options": [{"id": 1, "text": "S"}, {"id": 2, "text": "L"}]},
                ],
            }
            for n in range(1, count + 1)
        ],
    )  # fmt: skip


async def steps_of(api: Api, org_path: str, blueprint: str) -> list[Any]:
    answer = await api.get(f"{org_path}/checklists/{blueprint}/steps?per_page=100")
    steps: list[Any] = answer.json["data"]
    return steps


async def test_steps_paginate_and_ignore_without_pagination(
    api: Api, org_path: str, tallyfy_fake: FakeTallyfy, tallyfy_demo: DemoOrg
) -> None:
    blueprint = await blueprint_with_steps(tallyfy_fake, tallyfy_demo, 12)
    first = await api.get(f"{org_path}/checklists/{blueprint}/steps?without_pagination=true")
    pagination = first.json["meta"]["pagination"]
    assert (pagination["total"], pagination["per_page"], pagination["total_pages"]) == (12, 10, 2)
    assert [s["position"] for s in first.json["data"]] == list(range(1, 11))


async def test_create_appends_and_drops_position_alias_roles(
    api: Api, org_path: str, tallyfy_demo: DemoOrg
) -> None:
    blueprint = tallyfy_demo.blueprint_ids[2]
    body = {
        "title": "Sign off",
        "position": 1,
        "alias": "mine",
        "roles": ["x"],
        "step_type": "approval",
        "deadline": {"value": 2},
        "start_date": {"value": 1, "unit": "hours"},
        "assignees": [tallyfy_demo.admin_id],
    }
    answer = await api.post(f"{org_path}/checklists/{blueprint}/steps", json=body)
    assert answer.status == 201
    step = answer.json["data"]
    assert step["position"] == 6 and step["alias"] != "mine" and step["roles"] == []
    assert step["deadline"] == {"value": 2, "unit": "days", "option": "from", "step": "start_run"}
    assert step["start_date"] == {"value": 1, "unit": "hours"}
    assert (step["assignees"], step["guests"], step["groups"]) == ([tallyfy_demo.admin_id], [], [])
    blueprint_after = (await api.get(f"{org_path}/checklists/{blueprint}")).json["data"]
    assert blueprint_after["steps_count"] == 6
    refused = await api.post(
        f"{org_path}/checklists/{blueprint}/steps", json={"deadline": {"unit": "eons"}}
    )
    assert refused.status == 422
    assert set(refused.json["errors"]) == {"title", "deadline.value", "deadline.unit"}


async def test_put_requires_title_and_empties_absent_buckets(
    api: Api, org_path: str, tallyfy_fake: FakeTallyfy, tallyfy_demo: DemoOrg
) -> None:
    blueprint = await blueprint_with_steps(tallyfy_fake, tallyfy_demo, 1)
    [step] = await steps_of(api, org_path, blueprint)
    path = f"{org_path}/checklists/{blueprint}/steps/{step['id']}"
    refused = await api.put(path, json={"summary": "x"})
    assert refused.status == 422
    assert refused.json["errors"] == {"title": ["The title field is required."]}
    answer = await api.put(
        path, json={"title": "Step 1", "groups": [tallyfy_demo.group_id], "deadline": None}
    )
    updated = answer.json["data"]
    assert (updated["assignees"], updated["guests"], updated["groups"]) == (
        [],
        [],
        [tallyfy_demo.group_id],
    )
    assert updated["deadline"] is None
    read = (await api.get(path)).json["data"]
    assert read == updated and len(read["captures"]) == 2


async def test_a_deadline_past_the_calendar_is_refused_and_the_longest_still_launches(
    api: Api, org_path: str, tallyfy_fake: FakeTallyfy, tallyfy_demo: DemoOrg
) -> None:
    blueprint = await blueprint_with_steps(tallyfy_fake, tallyfy_demo, 1)
    [step] = await steps_of(api, org_path, blueprint)
    path = f"{org_path}/checklists/{blueprint}/steps/{step['id']}"
    for value, unit in ((3_000_000, "days"), (2**62, "minutes")):
        refused = await api.put(
            path, json={"title": "Far", "deadline": {"value": value, "unit": unit}}
        )
        assert refused.status == 422
        [message] = refused.json["errors"]["deadline.value"]
        assert message.startswith("The deadline.value may not be greater than ")
    longest = int(message.rsplit(" ", 1)[1].rstrip("."))
    accepted = await api.put(
        path, json={"title": "Far", "deadline": {"value": longest, "unit": unit}}
    )
    assert accepted.status == 200
    for _ in range(2):
        launched = await api.post(f"{org_path}/runs", json={"checklist_id": blueprint, "name": "R"})
        assert launched.status == 201
    tasks = (await api.get(f"{org_path}/runs/{launched.json['data']['id']}/tasks")).json["data"]
    assert "9000" > tasks[0]["deadline"] > "7000"
    assert tallyfy_fake.server_errors == []


async def test_delete_clone_and_reorder(
    api: Api, org_path: str, tallyfy_fake: FakeTallyfy, tallyfy_demo: DemoOrg
) -> None:
    blueprint = await blueprint_with_steps(tallyfy_fake, tallyfy_demo, 3)
    first, second, third = await steps_of(api, org_path, blueprint)
    base = f"{org_path}/checklists/{blueprint}/steps"
    copy = (await api.post(f"{base}/{first['id']}/clone")).json["data"]
    assert copy["id"] != first["id"] and copy["position"] == 4
    assert [c["label"] for c in copy["captures"]] == ["Name", "Size"]
    assert {c["id"] for c in copy["captures"]}.isdisjoint({c["id"] for c in first["captures"]})
    moved = await api.put(f"{base}/{third['id']}/reorder", json={"position": 1})
    assert moved.json["data"]["position"] == 1
    assert [s["id"] for s in await steps_of(api, org_path, blueprint)] == [
        third["id"], first["id"], second["id"], copy["id"],
    ]  # fmt: skip
    assert (await api.put(f"{base}/{third['id']}/reorder", json={"position": 0})).status == 422
    deleted = await api.delete(f"{base}/{first['id']}")
    assert deleted.status == 204
    assert [s["position"] for s in await steps_of(api, org_path, blueprint)] == [1, 2, 3]
    assert (await api.get(f"{base}/{first['id']}")).status == 404


async def test_a_step_an_automation_uses_cannot_be_deleted(
    api: Api, org_path: str, tallyfy_fake: FakeTallyfy, tallyfy_demo: DemoOrg
) -> None:
    blueprint = await blueprint_with_steps(tallyfy_fake, tallyfy_demo, 2)
    first, second = await steps_of(api, org_path, blueprint)
    rule = {
        "automated_alias": "Show review",
        "conditions": [
            {
                "conditionable_id": first["id"],
                "conditionable_type": "Step",
                "operation": "completed",
            }
        ],
        "then_actions": [
            {"action_type": "visibility", "action_verb": "show", "target_step_id": second["id"]}
        ],
    }
    created = await api.post(f"{org_path}/checklists/{blueprint}/automated-actions", json=rule)
    assert created.status == 200
    automation = created.json["data"]
    assert automation["condition_logic"] == "AND" and len(automation["conditions"][0]["id"]) == 32
    inline = (await api.get(f"{org_path}/checklists/{blueprint}")).json["data"]["automated_actions"]
    assert [a["id"] for a in inline] == [automation["id"]]
    refused = await api.delete(f"{org_path}/checklists/{blueprint}/steps/{first['id']}")
    assert refused.status == 422
    assert (
        refused.json["message"]
        == "Cannot delete this step because there are rules dependent on it."
    )
    path = f"{org_path}/checklists/{blueprint}/automated-actions/{automation['id']}"
    partial = await api.put(path, json={"automated_alias": "Renamed"})
    assert partial.status == 422 and set(partial.json["errors"]) == {"conditions", "then_actions"}
    updated = await api.put(
        path, json={**rule, "automated_alias": "Renamed", "condition_logic": "OR"}
    )
    assert updated.json["data"]["automated_alias"] == "Renamed"
    assert updated.json["data"]["condition_logic"] == "OR"
    bad_target = {
        **rule,
        "then_actions": [{"action_type": "visibility", "target_step_id": "0" * 32}],
    }
    assert (await api.put(path, json=bad_target)).status == 422
    assert (await api.delete(path)).status == 204
    assert (await api.delete(path)).status == 404
    assert (
        await api.delete(f"{org_path}/checklists/{blueprint}/steps/{first['id']}")
    ).status == 204


async def test_captures_create_update_reorder_move_delete(
    api: Api, org_path: str, tallyfy_fake: FakeTallyfy, tallyfy_demo: DemoOrg
) -> None:
    blueprint = await blueprint_with_steps(tallyfy_fake, tallyfy_demo, 2)
    first, second = await steps_of(api, org_path, blueprint)
    base = f"{org_path}/checklists/{blueprint}/steps/{first['id']}/captures"
    body = {
        "label": "Items", "field_type": "table", "required": False,
        "columns": [{"id": 1, "label": "Item"}, {"id": 2, "label": "Qty"}], "unknown": 1,
    }  # fmt: skip
    created = await api.post(base, json=body)
    assert created.status == 201
    table = created.json["data"]
    assert table["position"] == 3 and table["step_id"] == first["id"] and "unknown" not in table
    update = {"label": "Lines", "field_type": "table", "required": True, "columns": body["columns"]}
    updated = await api.put(f"{base}/{table['id']}", json=update)
    assert updated.json["data"]["label"] == "Lines" and updated.json["data"]["id"] == table["id"]
    reordered = await api.put(base, json={"capture_id": table["id"], "position": 1})
    assert reordered.status == 200
    step = (await api.get(f"{org_path}/checklists/{blueprint}/steps/{first['id']}")).json["data"]
    assert [(c["label"], c["position"]) for c in step["captures"]] == [
        ("Lines", 1),
        ("Name", 2),
        ("Size", 3),
    ]
    assert (await api.get(f"{base}/{table['id']}")).status == 405
    moved = await api.put(
        f"{base}/{table['id']}/move-out", json={"target_step_id": second["id"], "position": 1}
    )
    assert moved.json["data"]["step_id"] == second["id"]
    target = (await api.get(f"{org_path}/checklists/{blueprint}/steps/{second['id']}")).json["data"]
    assert target["captures"][0]["id"] == table["id"]
    assert (
        await api.delete(
            f"{org_path}/checklists/{blueprint}/steps/{second['id']}/captures/{table['id']}"
        )
    ).status == 204
    assert (await api.delete(f"{base}/{table['id']}")).status == 404


async def test_capture_definitions_are_checked(
    api: Api, org_path: str, tallyfy_fake: FakeTallyfy, tallyfy_demo: DemoOrg
) -> None:
    blueprint = await blueprint_with_steps(tallyfy_fake, tallyfy_demo, 1)
    [step] = await steps_of(api, org_path, blueprint)
    base = f"{org_path}/checklists/{blueprint}/steps/{step['id']}/captures"
    answer = await api.post(base, json={"field_type": "dropdown", "label": "Pick"})
    assert answer.status == 422
    assert answer.json["errors"] == {
        "required": ["The required field is required."],
        "options": ["The options field is required."],
    }
    options = await api.post(
        base,
        json={
            "field_type": "multiselect",
            "label": "P",
            "required": False,
            "options": [{"id": "1", "text": ""}],
        },
    )
    assert options.json["errors"] == {
        "options.0.id": ["The options.0.id must be an integer."],
        "options.0.text": ["The options.0.text field is required."],
    }


async def test_publish(api: Api, org_path: str, tallyfy_demo: DemoOrg) -> None:
    answer = await api.put(f"{org_path}/checklists/{tallyfy_demo.blueprint_ids[0]}/publish")
    assert answer.status == 204
