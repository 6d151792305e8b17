"""Blueprints (checklists): create, update quirks, archive, restore, delete, clone."""

from __future__ import annotations

from typing import Any

from tallyfy_async.testing import DemoOrg
from tests.testing.support import Api

KICKOFF = [
    {"label": "Customer", "field_type": "text", "required": True},
    {
        "label": "Tier",
        "field_type": "dropdown",
        "required": False,
        "options": [{"id": 1, "text": "Gold"}, {"id": 2, "text": "Silver"}],
    },
]


async def create(api: Api, org_path: str, **body: Any) -> Any:
    answer = await api.post(
        f"{org_path}/checklists", json={"title": "Audit", "type": "procedure", **body}
    )
    assert answer.status == 201, answer.text
    return answer.json["data"]


async def test_create_returns_201_with_inline_prerun(
    api: Api, org_path: str, tallyfy_demo: DemoOrg
) -> None:
    blueprint = await create(
        api, org_path, prerun=KICKOFF, users=[tallyfy_demo.member_id], unknown_key="dropped"
    )
    assert blueprint["title"] == "Audit" and blueprint["type"] == "procedure"
    assert blueprint["users"] == [tallyfy_demo.member_id]
    assert [field["label"] for field in blueprint["prerun"]] == ["Customer", "Tier"]
    assert all(len(field["id"]) == 32 for field in blueprint["prerun"])
    assert blueprint["prerun"][1]["options"] == [
        {"id": 1, "text": "Gold"},
        {"id": 2, "text": "Silver"},
    ]
    assert "unknown_key" not in blueprint
    listed = await api.get(f"{org_path}/checklists?q=audit")
    assert [item["id"] for item in listed.json["data"]] == [blueprint["id"]]


async def test_create_requires_title_and_type(api: Api, org_path: str) -> None:
    answer = await api.post(f"{org_path}/checklists", json={"type": "nonsense"})
    assert answer.status == 422
    assert answer.json["errors"] == {
        "title": ["The title field is required."],
        "type": ["The selected type is invalid."],
    }


async def test_kickoff_definitions_are_checked(api: Api, org_path: str) -> None:
    prerun = [
        {
            "label": "Size",
            "field_type": "radio",
            "required": True,
            "options": [{"id": 1, "text": "S"}],
        },
        {"field_type": "table", "required": "maybe", "columns": [{"id": "one", "label": "A"}]},
        {"label": "X", "field_type": "number", "required": True},
    ]
    answer = await api.post(
        f"{org_path}/checklists", json={"title": "T", "type": "form", "prerun": prerun}
    )
    assert answer.status == 422
    assert answer.json["errors"] == {
        "prerun.0.options": ["The options must have at least 2 items."],
        "prerun.1.label": ["The label field is required."],
        "prerun.1.required": ["The required field must be true or false."],
        "prerun.1.columns.0.id": ["The columns.0.id must be an integer."],
        "prerun.2.field_type": ["The selected field type is invalid."],
    }


async def test_put_requires_title_every_time(api: Api, org_path: str) -> None:
    blueprint = await create(api, org_path)
    answer = await api.put(f"{org_path}/checklists/{blueprint['id']}", json={"summary": "new"})
    assert answer.status == 422
    assert answer.json == {
        "error": True,
        "message": "The given data was invalid.",
        "errors": {"title": ["The title field is required."]},
    }


async def test_put_clears_absent_users_and_groups(
    api: Api, org_path: str, tallyfy_demo: DemoOrg
) -> None:
    blueprint = await create(
        api, org_path, users=[tallyfy_demo.member_id], groups=[tallyfy_demo.group_id]
    )
    answer = await api.put(f"{org_path}/checklists/{blueprint['id']}", json={"title": "Audit 2"})
    assert answer.status == 200
    assert answer.json["data"]["title"] == "Audit 2"
    assert answer.json["data"]["users"] == [] and answer.json["data"]["groups"] == []


async def test_put_prerun_replaces_the_kickoff_fields(api: Api, org_path: str) -> None:
    blueprint = await create(api, org_path, prerun=KICKOFF)
    kept = blueprint["prerun"][0]
    new_prerun = [
        {"id": kept["id"], "label": "Customer name", "field_type": "text", "required": True},
        {"label": "Due", "field_type": "date", "required": False},
    ]
    answer = await api.put(
        f"{org_path}/checklists/{blueprint['id']}", json={"title": "Audit", "prerun": new_prerun}
    )
    prerun = answer.json["data"]["prerun"]
    assert [(f["label"], f["field_type"]) for f in prerun] == [
        ("Customer name", "text"),
        ("Due", "date"),
    ]
    assert prerun[0]["id"] == kept["id"]
    untouched = await api.put(f"{org_path}/checklists/{blueprint['id']}", json={"title": "Audit"})
    assert len(untouched.json["data"]["prerun"]) == 2


async def test_archive_restore_and_permanent_delete(api: Api, org_path: str) -> None:
    blueprint = await create(api, org_path)
    path = f"{org_path}/checklists/{blueprint['id']}"
    refused = await api.delete(f"{path}/delete")
    assert refused.status == 422
    archived = await api.delete(path)
    assert archived.status == 200
    assert archived.json == {
        "message": "The Template was deleted, and references were also deleted from:",
        "deleted_references": [],
    }
    assert (await api.get(path)).status == 404
    only = await api.get(f"{org_path}/checklists?archived=only")
    assert [item["id"] for item in only.json["data"]] == [blueprint["id"]]
    restored = await api.put(f"{path}/restore")
    assert restored.status == 200 and restored.json["data"]["archived_at"] is None
    assert (await api.get(path)).status == 200
    await api.delete(path)
    deleted = await api.delete(f"{path}/delete")
    assert deleted.status == 200 and "message" in deleted.json
    assert (await api.put(f"{path}/restore")).status == 404


async def test_clone_copies_steps_and_fields(
    api: Api, org_path: str, tallyfy_demo: DemoOrg
) -> None:
    source = tallyfy_demo.kickoff_blueprint_id
    answer = await api.post(
        f"{org_path}/checklists/{source}/clone?with=steps",
        data={"tenant": tallyfy_demo.org_id, "title": "Copy"},
    )
    assert answer.status == 200
    clone = answer.json["data"]
    assert clone["id"] != source and clone["title"] == "Copy"
    assert len(clone["prerun"]) == 10 and len(clone["steps"]["data"]) == 5
    original = (await api.get(f"{org_path}/checklists/{source}")).json["data"]
    assert {f["id"] for f in clone["prerun"]}.isdisjoint({f["id"] for f in original["prerun"]})


async def test_form_fields_of_a_blueprint(api: Api, org_path: str, tallyfy_demo: DemoOrg) -> None:
    answer = await api.get(f"{org_path}/checklists/{tallyfy_demo.kickoff_blueprint_id}/form-fields")
    fields = answer.json["data"]
    assert list(fields) == ["id", "title", "form_fields", "ko_form_fields"]
    assert len(fields["ko_form_fields"]) == 10
    assert [f["label"] for f in fields["form_fields"]] == ["Reference number", "Priority"]


async def test_delete_a_kickoff_field(api: Api, org_path: str) -> None:
    blueprint = await create(api, org_path, prerun=KICKOFF)
    field = blueprint["prerun"][1]["id"]
    answer = await api.delete(f"{org_path}/checklists/{blueprint['id']}/preruns/{field}")
    assert answer.status == 204
    after = await api.get(f"{org_path}/checklists/{blueprint['id']}")
    assert [f["label"] for f in after.json["data"]["prerun"]] == ["Customer"]
    again = await api.delete(f"{org_path}/checklists/{blueprint['id']}/preruns/{field}")
    assert again.status == 404


async def test_list_filters_and_sort(api: Api, org_path: str) -> None:
    await create(api, org_path, title="Zebra audit", starred=True)
    starred = await api.get(f"{org_path}/checklists?starred=true")
    assert [item["title"] for item in starred.json["data"]] == ["Zebra audit"]
    by_title = await api.get(f"{org_path}/checklists?sort=-title")
    titles = [item["title"] for item in by_title.json["data"]]
    assert titles == sorted(titles, key=str.lower, reverse=True)
