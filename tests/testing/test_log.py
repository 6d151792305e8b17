"""The request log and the counters."""

from __future__ import annotations

from tallyfy_async.testing import DemoOrg, FakeTallyfy
from tests.testing.support import Api


async def test_log_records_what_happened(
    api: Api, org_path: str, tallyfy_fake: FakeTallyfy, tallyfy_demo: DemoOrg
) -> None:
    await api.get(f"{org_path}/runs?status=active")
    await api.post(
        f"{org_path}/runs", json={"checklist_id": tallyfy_demo.blueprint_ids[2]}, root=True
    )
    await api.post(f"{org_path}/runs", json={"checklist_id": "nope"})
    await api.get("/unknown")
    read, launched, refused, unknown = tallyfy_fake.log[-4:]
    assert (read.method, read.path, read.route, read.status, read.applied) == (
        "GET",
        f"/api{org_path}/runs",
        "runs.list",
        200,
        False,
    )
    assert read.query == {"status": "active"}
    assert read.headers["X-Tallyfy-Client"] == "APIClient"
    assert read.org_id == tallyfy_demo.org_id and read.user_id == tallyfy_demo.admin_id
    assert launched.path == f"{org_path}/runs"  # sent to the root mount
    assert launched.body == {"checklist_id": tallyfy_demo.blueprint_ids[2]}
    assert (launched.status, launched.applied) == (201, True)
    assert (refused.status, refused.applied) == (422, False)
    assert (unknown.route, unknown.status) == (None, 404)
    assert read.time <= launched.time <= refused.time


async def test_form_bodies_are_logged_as_dicts(
    api: Api, tallyfy_fake: FakeTallyfy, tallyfy_demo: DemoOrg
) -> None:
    form = {
        "grant_type": "client_credentials",
        "client_id": tallyfy_demo.client_id,
        "client_secret": "x",
    }
    await api.post("/oauth/token", data=form, headers={})
    entry = tallyfy_fake.log[-1]
    assert entry.body == form and entry.route == "oauth.token" and entry.status == 401


async def test_counters(
    api: Api, org_path: str, tallyfy_fake: FakeTallyfy, tallyfy_demo: DemoOrg
) -> None:
    run = (
        await api.post(f"{org_path}/runs", json={"checklist_id": tallyfy_demo.blueprint_ids[2]})
    ).json["data"]
    # The second task has no required form field.
    task = (await api.get(f"{org_path}/runs/{run['id']}/tasks")).json["data"][1]
    await api.post(f"{org_path}/runs/{run['id']}/completed-tasks", json={"task_id": task["id"]})
    await api.post(
        f"{org_path}/runs/{run['id']}/completed-tasks", json={"task_id": task["id"]}
    )  # 422
    counters = tallyfy_fake.counters
    assert counters.launches() == counters.launches(tallyfy_demo.org_id) == 1
    assert counters.completions(tallyfy_demo.org_id) == 1
    assert counters.writes_applied == {"runs.launch": 1, "runs.tasks.complete": 1}
    assert counters.launches("f" * 32) == 0
    tallyfy_fake.reset_log()
    assert tallyfy_fake.log == [] and counters.launches() == 0


async def test_token_grants_are_counted_per_org(
    api: Api, tallyfy_fake: FakeTallyfy, tallyfy_demo: DemoOrg
) -> None:
    form = {
        "grant_type": "password",
        "client_id": tallyfy_demo.client_id,
        "client_secret": tallyfy_demo.client_secret,
        "username": tallyfy_demo.admin_email,
        "password": tallyfy_demo.admin_password,
    }
    for _ in range(3):
        await api.post("/oauth/token", data=form, headers={})
    await api.post("/oauth/token", data=form | {"password": "wrong"}, headers={})
    assert tallyfy_fake.counters.token_grants == {tallyfy_demo.org_id: 3}


async def test_max_log_keeps_the_newest(api: Api, tallyfy_fake: FakeTallyfy) -> None:
    tallyfy_fake.max_log = 3
    for _ in range(5):
        await api.get("/me")
    assert len(tallyfy_fake.log) == 3


async def test_raw_query_keeps_the_encoding(
    api: Api, org_path: str, tallyfy_fake: FakeTallyfy
) -> None:
    async with api.session.get(
        f"{api.fake.base_url}{org_path}/runs?q=a%20b&with=tasks,tags", headers=api.headers()
    ) as response:
        assert response.status == 200
    entry = tallyfy_fake.log[-1]
    assert entry.raw_query == "q=a%20b&with=tasks,tags"
    assert entry.query == {"q": "a b", "with": "tasks,tags"}


async def test_issued_tokens_lists_access_and_refresh_tokens(
    api: Api, tallyfy_fake: FakeTallyfy, tallyfy_demo: DemoOrg
) -> None:
    form = {
        "grant_type": "password",
        "client_id": tallyfy_demo.client_id,
        "client_secret": tallyfy_demo.client_secret,
        "username": tallyfy_demo.admin_email,
        "password": tallyfy_demo.admin_password,
    }
    granted = (await api.post("/oauth/token", data=form, headers={})).json
    issued = tallyfy_fake.issued_tokens()
    assert granted["access_token"] in issued and granted["refresh_token"] in issued
    assert api.token in issued
