"""The fake's people routes over raw HTTP: membership changes, permissions, the activity feed
and the browser sign-in page (what the SDK's own checks keep it from ever sending too)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tallyfy_async.testing import DemoOrg, FakeTallyfy
from tests.testing.support import Api


def as_member(api: Api, fake: FakeTallyfy, user_id: int) -> Api:
    return Api(fake, api.session, fake.issue_token(user_id))


async def test_disable_enable_and_the_default_administrator(
    api: Api, org_path: str, tallyfy_fake: FakeTallyfy, tallyfy_demo: DemoOrg
) -> None:
    sam = as_member(api, tallyfy_fake, tallyfy_demo.member_id)
    member = f"{org_path}/users/{tallyfy_demo.member_id}"
    disabled = await api.delete(f"{member}/disable")
    assert (disabled.status, disabled.text) == (204, "")
    assert (await api.get(member)).json["data"]["status"] == "disabled"
    refused = await sam.get(f"{org_path}/me")
    assert refused.status == 403 and "disabled" in refused.json["message"]
    assert (await sam.get("/me")).status == 200  # still a user, only not in this organization
    assert (await api.put(f"{member}/enable")).status == 204
    assert (await sam.get(f"{org_path}/me")).json["data"]["status"] == "active"
    admin = f"{org_path}/users/{tallyfy_demo.admin_id}"
    for method, path in (("DELETE", f"{admin}/disable"), ("PUT", f"{admin}/role")):
        answer = await api.call(method, path, json={"role": "light"})
        assert answer.status == 400, (method, path)
        assert answer.json["message"] == "Cannot modify the default administrator."


async def test_delete_needs_a_disabled_member_and_erases_a_user_left_nowhere(
    api: Api, org_path: str, tallyfy_fake: FakeTallyfy, tallyfy_demo: DemoOrg
) -> None:
    lee = as_member(api, tallyfy_fake, tallyfy_demo.light_member_id)
    member = f"{org_path}/users/{tallyfy_demo.light_member_id}"
    active = await api.delete(f"{member}/delete")
    assert active.status == 422 and "disable them first" in active.json["message"]
    await api.delete(f"{member}/disable")
    assert (await api.delete(f"{member}/delete")).status == 204
    assert (await api.get(member)).status == 404
    assert (await lee.get("/me")).status == 401  # the account is gone with its tokens


async def test_removal_reassigns_only_to_a_member(
    api: Api, org_path: str, tallyfy_demo: DemoOrg
) -> None:
    member = f"{org_path}/users/{tallyfy_demo.member_id}"
    for to in ("1", str(tallyfy_demo.member_id), "x"):
        refused = await api.delete(member, params={"with_reassignment": "true", "to": to})
        assert refused.status == 422 and "to" in refused.json["errors"], to
    assert (await api.delete(member)).json["data"]["status"] == "disabled"


async def test_approve_and_own_profile(
    api: Api, org_path: str, tallyfy_fake: FakeTallyfy, tallyfy_demo: DemoOrg
) -> None:
    invite = {"email": "kai@acme.test", "first_name": "K", "last_name": "A", "role": "light"}
    invite["message"] = "Welcome"
    user = (await api.post(f"{org_path}/users/invite", json=invite)).json["data"]
    assert user["status"] == "invited"
    assert (await api.put(f"{org_path}/users/{user['id']}/approve")).status == 204
    approved = (await api.get(f"{org_path}/users/{user['id']}")).json["data"]
    assert approved["status"] == "active" and approved["approved_at"] is not None
    lee = as_member(api, tallyfy_fake, tallyfy_demo.light_member_id)
    partial = await lee.put(f"{org_path}/me", json={"job_title": "Lead"})
    assert set(partial.json["errors"]) == {"first_name", "last_name", "timezone"}
    whole = {"first_name": "Lee", "last_name": "L", "timezone": "UTC", "job_title": "Lead"}
    assert (await lee.put(f"{org_path}/me", json=whole)).json["data"]["job_title"] == "Lead"


async def test_who_may_manage_people(
    api: Api, org_path: str, tallyfy_fake: FakeTallyfy, tallyfy_demo: DemoOrg
) -> None:
    sam = as_member(api, tallyfy_fake, tallyfy_demo.member_id)
    lee = as_member(api, tallyfy_fake, tallyfy_demo.light_member_id)
    invite = {"first_name": "N", "last_name": "W", "role": "light", "message": "hi"}
    assert (
        await sam.post(f"{org_path}/users/invite", json={**invite, "email": "a@x.io"})
    ).status == 200
    assert (
        await lee.post(f"{org_path}/users/invite", json={**invite, "email": "b@x.io"})
    ).status == 403
    tallyfy_fake.state.orgs[tallyfy_demo.org_id].wire["allow_user_invite"] = False
    assert (
        await sam.post(f"{org_path}/users/invite", json={**invite, "email": "c@x.io"})
    ).status == 403
    for member in (sam, lee):
        assert (await member.put(f"{org_path}/users/{tallyfy_demo.admin_id}/enable")).status == 403
        assert (await member.get(f"{org_path}/users")).status == 200
    guest = {"email": "g@partner.example"}
    assert (await lee.post(f"{org_path}/guests", json=guest)).status == 403
    assert (await sam.post(f"{org_path}/guests", json=guest)).status == 201
    assert (await lee.delete(f"{org_path}/guests/g%40partner.example/disable")).status == 403
    assert (await lee.post(f"{org_path}/groups", json={"name": "L"})).status == 403


async def test_guest_disable_and_enable(api: Api, org_path: str, tallyfy_demo: DemoOrg) -> None:
    path = f"{org_path}/guests/{tallyfy_demo.guest_email.replace('@', '%40')}"
    assert (await api.delete(f"{path}/disable")).status == 204
    details = (await api.get(path)).json["data"]["details"]
    assert details["status"] == "disabled" and details["disabled_by"] == tallyfy_demo.admin_id
    assert (await api.put(f"{path}/enable")).status == 204
    assert (await api.get(path)).json["data"]["details"]["status"] == "active"
    assert (await api.delete(f"{org_path}/guests/nobody%40example.com/disable")).status == 404


async def test_the_activity_feed_and_its_filters(
    api: Api, org_path: str, tallyfy_demo: DemoOrg
) -> None:
    feed = f"{org_path}/activity-feeds"
    assert (await api.get(feed)).json["data"] == []  # seeded data made no activity
    for name in ("A", "B", "C"):
        await api.post(f"{org_path}/groups", json={"name": name})
    await api.delete(f"{org_path}/users/{tallyfy_demo.light_member_id}/disable")
    listed = await api.get(feed, params={"per_page": "2"})
    assert listed.json["meta"]["pagination"]["total"] == 4
    first = listed.json["data"][0]
    # Tallyfy sends these scalars, and the actor, as lists of one.
    assert (first["type"], first["verb"], first["auditable_id"]) == (
        ["User"],
        ["disabled"],
        tallyfy_demo.light_member_id,
    )
    assert [actor["email"] for actor in first["actor"]] == [tallyfy_demo.admin_email]
    groups = await api.get(feed, params={"type": "Group", "sort": "created_at"})
    assert [item["description"] for item in groups.json["data"]] == [
        ["Alice Admin created group A"],
        ["Alice Admin created group B"],
        ["Alice Admin created group C"],
    ]
    # Written as the SDK writes it: aiohttp's params= would send the space as '+', which
    # Tallyfy (and so the fake) reads as a plus sign.
    searched = await api.get(feed + "?search=group%20b")
    assert [item["description"] for item in searched.json["data"]] == [
        ["Alice Admin created group B"]
    ]
    default = await api.get(feed)
    assert default.json["meta"]["pagination"]["per_page"] == 20
    for params, field in (
        ({"entity_type": "process", "entity_id": "x"}, "entity_type"),
        ({"entity_type": "run"}, "entity_id"),
        ({"search": "a"}, "search"),
        ({"created_after": "01/02/2026"}, "created_after"),
    ):
        refused = await api.get(feed, params=params)
        assert refused.status == 422 and field in refused.json["errors"], params


async def test_the_authorize_page(
    api: Api, tallyfy_fake: FakeTallyfy, tallyfy_demo: DemoOrg
) -> None:
    redirect = "http://127.0.0.1:9/cb"
    client_id, _ = tallyfy_fake.add_client([], redirect_uris=[redirect])
    query = {"client_id": client_id, "response_type": "token", "redirect_uri": redirect}

    async def visit(**extra: str) -> dict[str, list[str]]:
        url = f"{tallyfy_fake.authorize_url}"
        async with api.session.get(url, params={**query, **extra}, allow_redirects=False) as answer:
            assert answer.status == 302
            location = answer.headers["Location"]
        assert location.startswith(redirect + "#")
        return parse_qs(urlsplit(location).fragment)

    assert (await visit(state="s1"))["error"] == ["login_required"]
    tallyfy_fake.sign_in_browser(tallyfy_demo.admin_id)
    answer = await visit(state="s2")
    assert answer["state"] == ["s2"] and answer["expires_in"] == ["15778800"]
    token = answer["access_token"][0]
    assert (await api.get("/me", token=token)).json["data"]["id"] == tallyfy_demo.admin_id
    assert "state" not in await visit()
    tallyfy_fake.sign_in_browser(tallyfy_demo.admin_id, consent=False)
    assert (await visit())["error"] == ["access_denied"]
    assert (await visit(response_type="code"))["error"] == ["unsupported_response_type"]
    tallyfy_fake.sign_in_browser(None)
    assert (await visit())["error"] == ["login_required"]
