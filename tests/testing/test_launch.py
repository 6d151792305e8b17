"""Launching processes: the prerun quirks and form-field value shapes."""

from __future__ import annotations

from typing import Any

import pytest

from tallyfy_async.testing import DemoOrg
from tests.testing.support import Api


def launch_body(demo: DemoOrg, **prerun_changes: Any) -> dict[str, Any]:
    prerun = dict(demo.kickoff_example)
    for field_type, value in prerun_changes.items():
        prerun[demo.kickoff_field_ids[field_type]] = value
    return {"checklist_id": demo.kickoff_blueprint_id, "prerun": prerun}


async def test_launch_creates_one_task_per_step_with_deadlines(
    api: Api, org_path: str, tallyfy_demo: DemoOrg
) -> None:
    answer = await api.post(f"{org_path}/runs", json=launch_body(tallyfy_demo) | {"name": "Globex"})
    assert answer.status == 201
    run = answer.json["data"]
    assert run["name"] == "Globex"
    assert run["status"] == "active"
    assert run["started_by"] == tallyfy_demo.admin_id
    assert run["prerun_status"] == "complete"
    assert run["progress"] == {"complete": 0, "total": 5, "percent": 0}
    assert set(run["prerun"]) == set(tallyfy_demo.kickoff_example)
    tasks = (await api.get(f"{org_path}/runs/{run['id']}/tasks")).json["data"]
    assert [task["position"] for task in tasks] == [1, 2, 3, 4, 5]
    assert all(task["deadline"] > run["created_at"] for task in tasks)
    # Step i has a deadline of i+1 days: each task is due one day after the one before.
    assert tasks == sorted(tasks, key=lambda task: task["deadline"])
    assert tasks[0]["owners"] == {"users": [tallyfy_demo.admin_id], "guests": [], "groups": []}
    assert tasks[2]["owners"]["groups"] == [tallyfy_demo.group_id]
    assert {task["run_id"] for task in tasks} == {run["id"]}


async def test_default_name(api: Api, org_path: str, tallyfy_demo: DemoOrg) -> None:
    run = (await api.post(f"{org_path}/runs", json=launch_body(tallyfy_demo))).json["data"]
    assert run["name"].startswith("Client Onboarding - ")


async def test_prerun_as_a_non_empty_list_is_422(
    api: Api, org_path: str, tallyfy_demo: DemoOrg
) -> None:
    body = {
        "checklist_id": tallyfy_demo.kickoff_blueprint_id,
        "prerun": [{"id": "x", "value": "y"}],
    }
    answer = await api.post(f"{org_path}/runs", json=body)
    assert answer.status == 422
    assert answer.json["error"] is True
    assert list(answer.json["errors"]) == ["prerun"]


async def test_empty_list_prerun_is_like_omitted(
    api: Api, org_path: str, tallyfy_demo: DemoOrg
) -> None:
    purchase, offboarding = tallyfy_demo.blueprint_ids[1], tallyfy_demo.blueprint_ids[2]
    answer = await api.post(f"{org_path}/runs", json={"checklist_id": offboarding, "prerun": []})
    assert answer.status == 201
    # With required kick-off fields, [] is as bad as nothing.
    missing = await api.post(f"{org_path}/runs", json={"checklist_id": purchase, "prerun": []})
    assert missing.status == 422
    assert missing.json["message"] == "Amount is required"


async def test_missing_required_field_names_its_label(
    api: Api, org_path: str, tallyfy_demo: DemoOrg
) -> None:
    body = launch_body(tallyfy_demo)
    text_id = tallyfy_demo.kickoff_field_ids["text"]
    del body["prerun"][text_id]
    answer = await api.post(f"{org_path}/runs", json=body)
    assert answer.status == 422
    assert answer.json == {
        "error": True,
        "message": "Client name is required",
        "errors": {f"prerun.{text_id}": ["Client name is required"]},
    }


async def test_unknown_prerun_keys_and_body_keys_are_dropped(
    api: Api, org_path: str, tallyfy_demo: DemoOrg
) -> None:
    body = launch_body(tallyfy_demo)
    body["prerun"]["f" * 32] = "ignored"
    body["no_such_field"] = 1
    answer = await api.post(f"{org_path}/runs", json=body)
    assert answer.status == 201
    assert "f" * 32 not in answer.json["data"]["prerun"]
    assert "no_such_field" not in answer.json["data"]


async def test_unknown_blueprint_is_422(api: Api, org_path: str) -> None:
    answer = await api.post(f"{org_path}/runs", json={"checklist_id": "0" * 32})
    assert answer.status == 422
    assert answer.json["errors"] == {"checklist_id": ["The selected checklist id is invalid."]}
    missing = await api.post(f"{org_path}/runs", json={})
    assert missing.json["errors"] == {"checklist_id": ["The checklist id field is required."]}


VALID: list[tuple[str, Any, Any]] = [
    ("text", "Initech", "Initech"),
    ("textarea", "line one\nline two", "line one\nline two"),
    ("email", "peter@initech.example", "peter@initech.example"),
    ("date", "2026-05-15 14:30:00", "2026-05-15T14:30:00.000Z"),
    ("date", "2026-05-15T14:30:00.123+02:00", "2026-05-15T12:30:00.000Z"),
    ("date", "2026-05-15T14:30:00Z", "2026-05-15T14:30:00.000Z"),
    ("radio", "Large", "Large"),
    ("dropdown", {"id": 3, "text": "APAC"}, {"id": 3, "text": "APAC", "value": None}),
    (
        "multiselect",
        [{"id": 2, "text": "Email", "selected": True}, {"id": 3, "text": "Phone"}],
        [
            {"id": 2, "text": "Email", "value": None, "selected": True},
            {"id": 3, "text": "Phone", "value": None, "selected": False},
        ],
    ),
    ("table", ["Gadget", "7"], ["Gadget", "7"]),
    ("assignees_form", {"users": []}, {"users": [], "guests": [], "groups": []}),
    ("file", [{"id": "a" * 32, "filename": "x.pdf"}], [{"id": "a" * 32, "filename": "x.pdf"}]),
]


@pytest.mark.parametrize(("field_type", "value", "stored"), VALID)
async def test_valid_values_per_field_type(
    api: Api, org_path: str, tallyfy_demo: DemoOrg, field_type: str, value: Any, stored: Any
) -> None:
    answer = await api.post(
        f"{org_path}/runs", json=launch_body(tallyfy_demo, **{field_type: value})
    )
    assert answer.status == 201, answer.text
    if field_type != "assignees_form" or value != {"users": []}:
        assert answer.json["data"]["prerun"][tallyfy_demo.kickoff_field_ids[field_type]] == stored


async def test_assignees_form_keeps_members_guests_and_groups(
    api: Api, org_path: str, tallyfy_demo: DemoOrg
) -> None:
    value = {
        "users": [tallyfy_demo.member_id],
        "guests": ["g@example.com"],
        "groups": [tallyfy_demo.group_id],
    }
    answer = await api.post(
        f"{org_path}/runs", json=launch_body(tallyfy_demo, assignees_form=value)
    )
    assert answer.json["data"]["prerun"][tallyfy_demo.kickoff_field_ids["assignees_form"]] == value


INVALID: list[tuple[str, Any, str]] = [
    ("text", 42, "Client name must be a string"),
    ("text", "x" * 201, "Client name may not be greater than 200 characters"),
    ("email", "not-an-email", "Contact email must be a valid email address"),
    ("date", "2023-15-05 14:30:00", "Start date is not a valid date"),
    ("date", "tomorrow", "Start date is not a valid date"),
    ("radio", "Huge", "Invalid radio choice selected."),
    ("radio", {"id": 1, "text": "Small"}, "Invalid radio choice selected."),
    ("dropdown", {"id": 1, "text": "APAC"}, "Invalid dropdown choice selected."),
    ("dropdown", "EMEA", "Invalid dropdown choice selected."),
    ("multiselect", [{"id": 9, "text": "Fax"}], "Invalid multiselect choice selected."),
    ("multiselect", {"id": 1, "text": "Slack"}, "Invalid multiselect choice selected."),
    ("table", ["only one"], "Number of columns does not match required columns"),
    ("table", ["a", "b", "c"], "Number of columns does not match required columns"),
    ("table", [["a", "b"]], "Invalid table field"),
    ("assignees_form", {"users": [1]}, "Invalid assignees selected."),
    ("assignees_form", ["users"], "Invalid assignees selected."),
    ("file", "contract.pdf", "Invalid file field"),
]


@pytest.mark.parametrize(("field_type", "value", "message"), INVALID)
async def test_invalid_values_per_field_type(
    api: Api, org_path: str, tallyfy_demo: DemoOrg, field_type: str, value: Any, message: str
) -> None:
    answer = await api.post(
        f"{org_path}/runs", json=launch_body(tallyfy_demo, **{field_type: value})
    )
    assert answer.status == 422
    key = f"prerun.{tallyfy_demo.kickoff_field_ids[field_type]}"
    assert answer.json == {"error": True, "message": message, "errors": {key: [message]}}
    assert api.fake.counters.launches() == 0


async def test_task_overrides_on_launch(api: Api, org_path: str, tallyfy_demo: DemoOrg) -> None:
    blueprint = tallyfy_demo.blueprint_ids[2]
    steps = (await api.get(f"{org_path}/checklists/{blueprint}?with=steps")).json["data"]["steps"][
        "data"
    ]
    first = steps[0]["id"]
    body = {
        "checklist_id": blueprint,
        "tasks": {
            first: {
                "deadline": "2030-01-02 03:04:05",
                "owners": {"guests": ["outside@example.com"]},
            },
            "f" * 32: {"deadline": "ignored"},
        },
    }
    run = (await api.post(f"{org_path}/runs", json=body)).json["data"]
    task = (await api.get(f"{org_path}/runs/{run['id']}/tasks")).json["data"][0]
    assert task["deadline"] == "2030-01-02T03:04:05.000Z"
    assert task["owners"] == {"users": [], "guests": ["outside@example.com"], "groups": []}
    bad = await api.post(
        f"{org_path}/runs",
        json={"checklist_id": blueprint, "tasks": {first: {"deadline": "2030-13-01"}}},
    )
    assert bad.status == 422
    assert list(bad.json["errors"]) == [f"tasks.{first}.deadline"]
