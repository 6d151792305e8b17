"""Members, guests, groups, tags and folders."""

from __future__ import annotations

import pytest

from tallyfy_async.testing import DemoOrg, FakeTallyfy
from tests.testing.support import Api


async def test_members(api: Api, org_path: str, tallyfy_demo: DemoOrg) -> None:
    listed = await api.get(f"{org_path}/users?with=groups")
    pagination = listed.json["meta"]["pagination"]
    assert pagination["per_page"] == 9999 and pagination["total"] == len(tallyfy_demo.member_ids)
    admin = next(u for u in listed.json["data"] if u["id"] == tallyfy_demo.admin_id)
    assert admin["role"] == "admin" and admin["groups"]["data"][0]["id"] == tallyfy_demo.group_id
    minimal = await api.get(f"{org_path}/users-list")
    assert list(minimal.json) == ["data"]
    one = await api.get(f"{org_path}/users/{tallyfy_demo.member_id}")
    assert one.json["data"]["role"] == "standard"
    assert (await api.get(f"{org_path}/users/1")).status == 404
    invite = {
        "email": "new@acme.test",
        "first_name": "N",
        "last_name": "W",
        "role": "light",
        "message": "hi",
    }
    invited = await api.post(f"{org_path}/users/invite", json=invite)
    assert invited.status == 200 and invited.json["data"]["status"] == "invited"
    assert (await api.post(f"{org_path}/users/invite", json=invite)).status == 422
    user_id = invited.json["data"]["id"]
    partial = await api.put(f"{org_path}/users/{user_id}", json={"first_name": "Nia"})
    assert set(partial.json["errors"]) == {"last_name", "timezone"}
    full = {
        "first_name": "Nia",
        "last_name": "West",
        "timezone": "Europe/Paris",
        "job_title": "Ops",
    }
    updated = await api.put(f"{org_path}/users/{user_id}", json=full)
    assert updated.json["data"]["full_name"] == "Nia West"
    role = await api.put(f"{org_path}/users/{user_id}/role", json={"role": "admin"})
    assert role.json["data"]["role"] == "admin"
    removed = await api.delete(f"{org_path}/users/{user_id}")
    assert removed.json["data"]["status"] == "disabled"
    default_admin = await api.delete(f"{org_path}/users/{tallyfy_demo.admin_id}")
    assert default_admin.status == 400


async def test_guests(api: Api, org_path: str, tallyfy_demo: DemoOrg) -> None:
    listed = await api.get(f"{org_path}/guests")
    assert listed.json["meta"]["pagination"]["per_page"] == 999
    assert tallyfy_demo.guest_email in [g["email"] for g in listed.json["data"]]
    created = await api.post(
        f"{org_path}/guests",
        json={"email": "pat@partner.example", "phone": "1", "phone_1": "555", "company_name": "P"},
    )
    assert created.status == 201
    guest = created.json["data"]
    assert guest["details"]["phone_1"] == "555" and "phone" not in guest["details"]
    assert guest["link"].endswith(f"/guest/{guest['id']}")
    path = f"{org_path}/guests/pat%40partner.example"
    assert (await api.get(path)).json["data"]["id"] == guest["id"]
    without_email = await api.put(path, json={"associated_members": [tallyfy_demo.member_id]})
    assert without_email.json["errors"] == {"email": ["The email field is required."]}
    updated = await api.put(
        path,
        json={
            "email": "pat@partner.example",
            "first_name": "ignored",
            "associated_members": [tallyfy_demo.member_id],
        },
    )
    assert updated.status == 201
    assert updated.json["data"]["first_name"] == "" and updated.json["data"]["details"][
        "associated_members"
    ] == [tallyfy_demo.member_id]
    member_email = await api.post(f"{org_path}/guests", json={"email": tallyfy_demo.admin_email})
    assert member_email.status == 422
    assert (await api.delete(path)).status == 200
    assert (await api.delete(path)).status == 422
    assert (await api.get(path)).status == 404


async def test_groups(api: Api, org_path: str, tallyfy_demo: DemoOrg) -> None:
    created = await api.post(
        f"{org_path}/groups",
        json={"name": "Ops", "description": "Operations", "members": [tallyfy_demo.member_id]},
    )
    assert created.status == 201
    group = created.json["data"]
    assert (await api.post(f"{org_path}/groups", json={"name": "ops"})).status == 422
    path = f"{org_path}/groups/{group['id']}"
    refused = await api.put(path, json={"name": "Ops", "description": None})
    assert refused.json["errors"] == {"description": ["The description field is required."]}
    updated = await api.put(path, json={"name": "Ops team", "guests": ["g@example.com"]})
    assert updated.status == 201
    assert updated.json["data"]["guests"] == ["g@example.com"]
    assert updated.json["data"]["members"] == []  # left out: emptied
    listed = await api.get(f"{org_path}/groups?without_pagination=true&sort=name")
    assert "meta" in listed.json and [g["name"] for g in listed.json["data"]] == [
        "Finance",
        "Legal",
        "Ops team",
    ]
    assert (await api.delete(path)).status == 204
    assert (await api.get(path)).status == 404


async def test_tags_and_associations(api: Api, org_path: str, tallyfy_demo: DemoOrg) -> None:
    bad = await api.post(f"{org_path}/tags", json={"title": "x" * 31, "color": "red"})
    assert set(bad.json["errors"]) == {"title", "color"}
    tag = (await api.post(f"{org_path}/tags", json={"title": "vip", "color": "#ff0000"})).json[
        "data"
    ]
    await api.post(f"{org_path}/tags", json={"title": "task:auto"})
    titles = [t["title"] for t in (await api.get(f"{org_path}/tags")).json["data"]]
    assert "vip" in titles and "task:auto" not in titles
    assert "task:auto" in [
        t["title"] for t in (await api.get(f"{org_path}/tags?all=true")).json["data"]
    ]
    run_id = tallyfy_demo.process_ids[1]  # the demo tags every fifth process, not this one
    attached = await api.post(
        f"{org_path}/checklists/tags",
        json={"subject_id": run_id, "subject_type": "Run", "tag_id": tag["id"]},
    )
    association = attached.json["data"]
    assert isinstance(association["id"], int)
    run = (await api.get(f"{org_path}/runs/{run_id}?with=tags")).json["data"]
    assert run["tags"]["data"][0]["tag_id"] == tag["id"]
    assert [r["id"] for r in (await api.get(f"{org_path}/runs?tag={tag['id']}")).json["data"]] == [
        run_id
    ]
    stats = (await api.get(f"{org_path}/tags/{tag['id']}?with=statistics")).json["data"][
        "statistics"
    ]
    assert stats == {
        "data": {
            "active_template": 0,
            "archived_template": 0,
            "active_process": 1,
            "archived_process": 0,
        }
    }
    assert (await api.delete(f"{org_path}/checklists/tags/{association['id']}")).status == 204
    assert (await api.delete(f"{org_path}/checklists/tags/{association['id']}")).status == 404
    blueprint = tallyfy_demo.blueprint_ids[2]
    await api.delete(f"{org_path}/checklists/{blueprint}")
    archived = await api.post(
        f"{org_path}/checklists/tags",
        json={"subject_id": blueprint, "subject_type": "Checklist", "tag_id": tag["id"]},
    )
    assert archived.status == 422 and archived.json["message"] == "Subject not found"
    assert (await api.delete(f"{org_path}/tags/{tag['id']}")).status == 204
    assert (await api.delete(f"{org_path}/tags/{tag['id']}")).status == 204


async def test_folders(
    api: Api, org_path: str, tallyfy_fake: FakeTallyfy, tallyfy_demo: DemoOrg
) -> None:
    created = await api.post(f"{org_path}/folders", json={"name": "Clients", "folder_type": "run"})
    assert created.status == 200
    folder = created.json["data"]
    child = (
        await api.post(f"{org_path}/folders", json={"name": "EMEA", "parent_id": folder["id"]})
    ).json["data"]
    unpaginated = await api.get(f"{org_path}/folders?pagination=false&with=children")
    assert list(unpaginated.json) == ["data"]
    shown = next(f for f in unpaginated.json["data"] if f["id"] == folder["id"])
    assert shown["children"]["data"][0]["id"] == child["id"]
    assert (await api.put(f"{org_path}/folders/{folder['id']}", json={})).status == 422
    filed = await api.post(
        f"{org_path}/folders/add-object",
        json={
            "folder_id": folder["id"],
            "subject_id": tallyfy_demo.process_ids[0],
            "subject_type": "Run",
        },
    )
    relation = filed.json["data"]
    assert isinstance(relation["id"], int)
    checklist = await api.post(
        f"{org_path}/folders/add-object",
        json={
            "folder_id": folder["id"],
            "subject_id": tallyfy_demo.blueprint_ids[0],
            "subject_type": "Checklist",
        },
    )
    assert checklist.status == 422
    assert (await api.delete(f"{org_path}/folders-objects/{relation['id']}")).status == 204
    assert (await api.delete(f"{org_path}/folders/{child['id']}")).status == 204


async def test_an_archived_process_cannot_be_tagged(
    api: Api, org_path: str, tallyfy_demo: DemoOrg
) -> None:
    tag = (await api.post(f"{org_path}/tags", json={"title": "late"})).json["data"]
    run_id = tallyfy_demo.process_ids[1]
    assert (await api.delete(f"{org_path}/runs/{run_id}")).status == 200
    body = {"subject_id": run_id, "subject_type": "Run", "tag_id": tag["id"]}
    refused = await api.post(f"{org_path}/checklists/tags", json=body)
    assert refused.status == 422 and refused.json["message"] == "Subject not found"
    assert refused.json["errors"] == {"subject_id": ["Subject not found"]}
    run = (await api.get(f"{org_path}/runs/{run_id}?with=tags")).json["data"]
    assert run["tags"] == {"data": []}
    assert (await api.put(f"{org_path}/runs/{run_id}/activate")).status == 200
    assert (await api.post(f"{org_path}/checklists/tags", json=body)).status == 200


@pytest.mark.parametrize("subject_type", ["Run", "Checklist"])
async def test_tagging_twice_keeps_one_association(
    api: Api, org_path: str, tallyfy_demo: DemoOrg, subject_type: str
) -> None:
    tag = (await api.post(f"{org_path}/tags", json={"title": "twice"})).json["data"]
    subject_id = (
        tallyfy_demo.process_ids[1] if subject_type == "Run" else tallyfy_demo.blueprint_ids[0]
    )
    body = {"subject_id": subject_id, "subject_type": subject_type, "tag_id": tag["id"]}
    first = await api.post(f"{org_path}/checklists/tags", json=body)
    again = await api.post(f"{org_path}/checklists/tags", json=body)
    assert first.status == again.status == 200
    assert again.json["data"] == first.json["data"]
    kind = "runs" if subject_type == "Run" else "checklists"
    shown = (await api.get(f"{org_path}/{kind}/{subject_id}?with=tags")).json["data"]["tags"][
        "data"
    ]
    assert [a["tag_id"] for a in shown].count(tag["id"]) == 1
    stats = (await api.get(f"{org_path}/tags/{tag['id']}?with=statistics")).json["data"]
    counted = "active_process" if subject_type == "Run" else "active_template"
    assert stats["statistics"]["data"][counted] == 1
    detached = await api.delete(f"{org_path}/checklists/tags/{first.json['data']['id']}")
    assert detached.status == 204
    shown = (await api.get(f"{org_path}/{kind}/{subject_id}?with=tags")).json["data"]["tags"][
        "data"
    ]
    assert tag["id"] not in [a["tag_id"] for a in shown]
