"""Tags, files, search, custom fields and watchers, over raw HTTP (no SDK code)."""

from __future__ import annotations

import aiohttp

from tallyfy_async.testing import DemoOrg, FakeTallyfy
from tests.testing.support import Api


def form(fields: dict[str, str], filename: str, content: bytes) -> aiohttp.FormData:
    data = aiohttp.FormData()
    for key, value in fields.items():
        data.add_field(key, value)
    data.add_field("name", content, filename=filename, content_type="application/pdf")
    return data


async def test_tag_delete_is_204_even_when_missing_and_associations_are_ints(
    api: Api, org_path: str, tallyfy_demo: DemoOrg
) -> None:
    tag = (await api.post(f"{org_path}/tags", json={"title": "Ints"})).json["data"]
    attached = await api.post(
        f"{org_path}/checklists/tags",
        json={"subject_id": tallyfy_demo.blueprint_ids[0], "subject_type": "Checklist",
              "tag_id": tag["id"]},
    )  # fmt: skip
    association = attached.json["data"]
    assert isinstance(association["id"], int) and isinstance(tag["id"], str)
    assert (await api.delete(f"{org_path}/tags/{tag['id']}")).status == 204
    assert (await api.delete(f"{org_path}/tags/{tag['id']}")).status == 204
    assert (await api.delete(f"{org_path}/tags/{'0' * 32}")).status == 204


async def test_uploads_follow_tallyfys_rules(
    api: Api, org_path: str, tallyfy_fake: FakeTallyfy, tallyfy_demo: DemoOrg
) -> None:
    assert tallyfy_fake.max_upload_size == 100 * 1024 * 1024
    org = tallyfy_fake.state.orgs[tallyfy_demo.org_id]
    run = org.runs.get(tallyfy_demo.process_ids[0])
    assert run is not None
    task = {"subject_type": "Task", "subject_id": tallyfy_demo.oneoff_task_ids[0],
            "uploaded_from": "f"}  # fmt: skip
    stored = await api.post(f"{org_path}/assets", data=form(task, "a.pdf", b"%PDF"))
    asset = stored.json["data"]
    assert stored.status == 200 and asset["subject"] == {"id": task["subject_id"], "type": "Task"}
    assert asset["url"] == f"organizations/{tallyfy_demo.org_id}/file/{asset['id']}/dl"

    wrong_case = await api.post(
        f"{org_path}/file", data=form({**task, "subject_type": "task"}, "a.pdf", b"x")
    )
    assert wrong_case.status == 422 and "subject_type" in wrong_case.json["errors"]
    run_upload = {"subject_type": "Run", "subject_id": run.id, "uploaded_from": "f"}
    needs_step = await api.post(f"{org_path}/assets", data=form(run_upload, "a.pdf", b"x"))
    assert set(needs_step.json["errors"]) == {"step_id", "checklist_id"}
    with_step = {**run_upload, "step_id": run.tasks[0].wire["step_id"],
                 "checklist_id": run.wire["checklist_id"]}  # fmt: skip
    assert (await api.post(f"{org_path}/assets", data=form(with_step, "a.pdf", b"x"))).status == 200
    task_with_step = await api.post(
        f"{org_path}/assets", data=form({**task, "step_id": "s"}, "a.pdf", b"x")
    )
    assert "step_id" in task_with_step.json["errors"]

    tallyfy_fake.max_upload_size = 10
    too_big = await api.post(f"{org_path}/assets", data=form(task, "big.pdf", b"x" * 11))
    assert too_big.status == 413 and too_big.json["error"] is True
    assert len(org.assets) == 2  # the refused ones stored nothing


async def test_downloads_are_bytes_with_their_headers_and_a_404_is_json_when_asked(
    api: Api, org_path: str, tallyfy_fake: FakeTallyfy, tallyfy_demo: DemoOrg
) -> None:
    asset = tallyfy_fake.add_file(tallyfy_demo.org_id, b"%PDF-1", filename="r.pdf")
    dl = await api.get(f"{org_path}/file/{asset}/dl")
    assert dl.status == 200 and dl.text == "%PDF-1"
    assert dl.headers["Content-Type"] == "application/octet-stream"
    assert dl.headers["Content-Disposition"] == 'attachment; filename="r.pdf"'
    assert dl.headers["Content-Length"] == "6"
    inline = await api.get(f"{org_path}/file/{asset}")
    assert inline.headers["Content-Type"].startswith("application/pdf")
    missing = await api.get(f"{org_path}/file/{'0' * 32}/dl")
    assert missing.status == 404 and missing.json["code"] == "RESOURCE_NOT_FOUND"
    html = await api.get(
        f"{org_path}/file/{'0' * 32}/dl",
        headers={"X-Tallyfy-Client": "x", "Authorization": f"Bearer {api.token}"},
    )
    assert html.status == 404 and html.headers["Content-Type"].startswith("text/html")
    deleted = await api.delete(f"{org_path}/file/{asset}")
    assert deleted.status == 403  # an organization logo
    archived = tallyfy_fake.add_file(tallyfy_demo.org_id, b"x", subject_type="Task")
    assert (await api.delete(f"{org_path}/assets/{archived}")).status == 204
    assert (await api.get(f"{org_path}/assets/{archived}")).status == 404
    assert (await api.get(f"{org_path}/file/{archived}/dl")).status == 200
    gone = await api.delete(f"{org_path}/file/{archived}")
    assert (gone.status, gone.text) == (200, "")


async def test_search_answers_one_paginated_block_per_type(
    api: Api, org_path: str, tallyfy_demo: DemoOrg
) -> None:
    answer = await api.get(
        f"{org_path}/search", params={"search": "onboarding", "on": "process,task", "per_page": 2}
    )
    assert set(answer.json) == {"process", "task"}  # keyed by type, no data envelope
    process = answer.json["process"]
    assert len(process["data"]) == 2 and process["meta"]["pagination"]["per_page"] == 2
    assert process["meta"]["pagination"]["total"] >= len(process["data"])
    every = await api.get(f"{org_path}/search", params={"search": "a"})
    assert set(every.json) == {"blueprint", "process", "task", "snippet", "capture", "step"}
    assert all("run_id" not in hit for hit in every.json["task"]["data"])


async def test_custom_field_values_follow_their_keys(
    api: Api, org_path: str, tallyfy_fake: FakeTallyfy, tallyfy_demo: DemoOrg
) -> None:
    made = await api.post(
        f"{org_path}/custom-field-keys",
        json={"key": "owner", "applies_to": "tag", "field_type": "text", "is_required": True},
    )
    assert made.status == 201 and made.json["data"]["key_type"] == "custom"
    await api.post(
        f"{org_path}/custom-field-keys",
        json={"key": "score", "applies_to": "tag", "field_type": "number"},
    )
    tallyfy_fake.add_custom_field_key(
        tallyfy_demo.org_id, "origin", applies_to="tag", field_type="text", key_type="system"
    )
    tag = tallyfy_demo.tag_ids[0]
    tallyfy_fake.set_custom_field(tallyfy_demo.org_id, "tag", tag, "origin", "import")
    values = f"{org_path}/tags/{tag}/custom-fields"

    both = await api.put(values, json={"custom_fields": {"owner": "Jo", "score": 3}})
    assert both.json["data"] == {"origin": "import", "owner": "Jo", "score": 3}
    cleared = await api.put(values, json={"custom_fields": {"owner": "Jo"}})
    assert cleared.json["data"] == {"origin": "import", "owner": "Jo"}  # score cleared
    required = await api.put(values, json={"custom_fields": {}})
    assert required.status == 422 and required.json["message"] == "The owner field is required."
    typed = await api.put(values, json={"custom_fields": {"owner": "Jo", "score": "3"}})
    assert typed.status == 422 and "custom_fields.score" in typed.json["errors"]
    system = await api.put(values, json={"custom_fields": {"owner": "Jo", "origin": "x"}})
    assert system.status == 422 and "custom_fields.origin" in system.json["errors"]

    assert (await api.call("PATCH", f"{values}/score", json={"value": 9})).json["data"][
        "score"
    ] == 9
    assert (await api.call("PATCH", f"{values}/origin", json={"value": "x"})).status == 403
    assert (await api.delete(f"{values}/origin")).status == 403
    assert (await api.delete(f"{values}/score")).status == 204
    assert (await api.get(values)).json["data"] == {"origin": "import", "owner": "Jo"}
    # The tag itself carries them.
    assert (await api.get(f"{org_path}/tags/{tag}")).json["data"]["custom_fields"]["owner"] == "Jo"

    template = f"{org_path}/checklists/{tallyfy_demo.blueprint_ids[0]}/custom-fields"
    assert (await api.get(template)).status == 200
    assert (await api.call("PATCH", f"{template}/score", json={"value": 1})).status == 404


async def test_only_administrators_manage_keys_and_watchers(
    api: Api, org_path: str, tallyfy_fake: FakeTallyfy, tallyfy_demo: DemoOrg
) -> None:
    member = Api(tallyfy_fake, api.session, tallyfy_fake.issue_token(tallyfy_demo.member_id))
    key = {"key": "k", "applies_to": "member", "field_type": "text"}
    assert (await member.post(f"{org_path}/custom-field-keys", json=key)).status == 403
    assert (await api.post(f"{org_path}/custom-field-keys", json=key)).status == 201
    own = f"{org_path}/users/{tallyfy_demo.member_id}/custom-fields"
    assert (await member.put(own, json={"custom_fields": {"k": "mine"}})).status == 200
    other = f"{org_path}/users/{tallyfy_demo.admin_id}/custom-fields"
    assert (await member.put(other, json={"custom_fields": {"k": "x"}})).status == 403
    hook = {"object_type": "organization", "object_id": tallyfy_demo.org_id,
            "notification_type": "webhook", "frequency": "electric",
            "webhook": "https://hooks.example/x"}  # fmt: skip
    watch = f"{org_path}/users/{tallyfy_demo.member_id}/add-watcher"
    assert (await member.post(watch, json=hook)).status == 403
    added = await api.post(watch, json=hook)
    assert added.status == 200 and isinstance(added.json["data"]["id"], int)
    listed = await api.get(f"{org_path}/watchers", params={"notification": "webhook"})
    assert [w["id"] for w in listed.json["data"]] == [added.json["data"]["id"]]
