"""The token endpoint, token checks and the application routes."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from tallyfy_async.testing import DemoOrg, FakeTallyfy
from tests.testing.support import Answer, Api

UNAUTHENTICATED = {"message": "Unauthenticated."}


def password_form(demo: DemoOrg, **changes: str) -> dict[str, str]:
    form = {
        "grant_type": "password",
        "client_id": demo.client_id,
        "client_secret": demo.client_secret,
        "username": demo.admin_email,
        "password": demo.admin_password,
    }
    form.update(changes)
    return form


async def token(api: Api, form: dict[str, str], *, root: bool = False) -> Answer:
    path = "/oauth/token"
    return await api.post(path, data=form, headers={}, root=root)


@pytest.fixture
def anonymous(api: Api) -> Api:
    return Api(api.fake, api.session, None)


async def test_password_grant_returns_a_bare_oauth_body(
    anonymous: Api, tallyfy_demo: DemoOrg
) -> None:
    answer = await token(anonymous, password_form(tallyfy_demo))
    assert answer.status == 200
    assert list(answer.json) == ["token_type", "expires_in", "access_token", "refresh_token"]
    assert answer.json["token_type"] == "Bearer"
    assert answer.json["expires_in"] == 3600
    assert answer.headers["Cache-Control"] == "no-store, private"
    me = await anonymous.get("/me", token=answer.json["access_token"])
    assert me.status == 200
    assert me.json["data"]["id"] == tallyfy_demo.admin_id


async def test_token_endpoint_answers_at_the_root_too(
    anonymous: Api, tallyfy_demo: DemoOrg
) -> None:
    answer = await token(anonymous, password_form(tallyfy_demo), root=True)
    assert answer.status == 200


async def test_token_lifetime_is_configurable(session: aiohttp.ClientSession) -> None:
    async with FakeTallyfy(token_lifetime=120) as fake:
        demo = fake.seed_demo(processes=1, tasks_per_process=1)
        answer = await token(Api(fake, session, None), password_form(demo))
        assert answer.json["expires_in"] == 120


async def test_client_credentials_grant_has_no_refresh_token(
    anonymous: Api, tallyfy_demo: DemoOrg
) -> None:
    form = {
        "grant_type": "client_credentials",
        "client_id": tallyfy_demo.client_id,
        "client_secret": tallyfy_demo.client_secret,
        "scope": "*",
    }
    answer = await token(anonymous, form)
    assert answer.status == 200
    assert list(answer.json) == ["token_type", "expires_in", "access_token"]
    assert answer.json["expires_in"] == 604800


async def test_json_body_is_refused_with_400(anonymous: Api, tallyfy_demo: DemoOrg) -> None:
    answer = await anonymous.post("/oauth/token", json=password_form(tallyfy_demo), headers={})
    assert answer.status == 400
    assert answer.json["error"] == "unsupported_grant_type"


@pytest.mark.parametrize("client_id", ["abc", "999999"])
async def test_bad_client_is_401_invalid_client(
    anonymous: Api, tallyfy_demo: DemoOrg, client_id: str
) -> None:
    answer = await token(anonymous, password_form(tallyfy_demo, client_id=client_id))
    assert answer.status == 401
    assert answer.json == {
        "error": "invalid_client",
        "error_description": "Client authentication failed",
        "message": "Client authentication failed",
    }


async def test_wrong_secret_is_401(anonymous: Api, tallyfy_demo: DemoOrg) -> None:
    answer = await token(anonymous, password_form(tallyfy_demo, client_secret="nope"))
    assert answer.status == 401


async def test_wrong_password_is_invalid_grant(anonymous: Api, tallyfy_demo: DemoOrg) -> None:
    answer = await token(anonymous, password_form(tallyfy_demo, password="wrong"))
    assert answer.status == 400
    assert answer.json["error"] == "invalid_grant"


async def test_missing_username_is_invalid_request(anonymous: Api, tallyfy_demo: DemoOrg) -> None:
    form = password_form(tallyfy_demo)
    del form["username"]
    answer = await token(anonymous, form)
    assert answer.status == 400
    assert answer.json["error"] == "invalid_request"


async def test_refresh_tokens_rotate_and_old_ones_are_refused(
    anonymous: Api, tallyfy_demo: DemoOrg
) -> None:
    first = (await token(anonymous, password_form(tallyfy_demo))).json

    def refresh_form(value: str) -> dict[str, str]:
        return {
            "grant_type": "refresh_token",
            "refresh_token": value,
            "client_id": tallyfy_demo.client_id,
            "client_secret": tallyfy_demo.client_secret,
        }

    second = await token(anonymous, refresh_form(first["refresh_token"]))
    assert second.status == 200
    assert second.json["refresh_token"] != first["refresh_token"]
    assert second.json["access_token"] != first["access_token"]
    # Passport revokes the access token the spent refresh token came with.
    assert (await anonymous.get("/me", token=first["access_token"])).status == 401
    assert (await anonymous.get("/me", token=second.json["access_token"])).status == 200
    reused = await token(anonymous, refresh_form(first["refresh_token"]))
    assert reused.status == 401
    assert reused.json["error"] == "invalid_request"
    assert reused.json["message"] == "The refresh token is invalid."
    third = await token(anonymous, refresh_form(second.json["refresh_token"]))
    assert third.status == 200


async def test_refresh_token_of_another_client_is_refused(
    anonymous: Api, tallyfy_demo: DemoOrg
) -> None:
    other_id, other_secret = anonymous.fake.add_client([tallyfy_demo.org_id])
    first = (await token(anonymous, password_form(tallyfy_demo))).json
    form = {
        "grant_type": "refresh_token",
        "refresh_token": first["refresh_token"],
        "client_id": other_id,
        "client_secret": other_secret,
    }
    assert (await token(anonymous, form)).status == 401


async def test_expired_and_revoked_tokens_are_unauthenticated(
    api: Api, tallyfy_fake: FakeTallyfy, tallyfy_demo: DemoOrg
) -> None:
    expired = tallyfy_fake.issue_token(tallyfy_demo.admin_id)
    revoked = tallyfy_fake.issue_token(tallyfy_demo.admin_id)
    tallyfy_fake.expire_token(expired)
    tallyfy_fake.revoke_token(revoked)
    for value in (expired, revoked, "never-issued"):
        answer = await api.get("/me", token=value)
        assert answer.status == 401
        assert answer.json == UNAUTHENTICATED


async def test_a_token_can_expire_by_itself(
    session: aiohttp.ClientSession, tallyfy_fake: FakeTallyfy, tallyfy_demo: DemoOrg
) -> None:
    api = Api(tallyfy_fake, session, tallyfy_fake.issue_token(tallyfy_demo.admin_id, lifetime=0))
    assert (await api.get("/me")).status == 401


async def test_expire_tokens_of_one_org(
    api: Api, tallyfy_fake: FakeTallyfy, tallyfy_demo: DemoOrg
) -> None:
    other_org = tallyfy_fake.add_organization("Other")
    outsider = tallyfy_fake.add_member(other_org, email="out@other.test", role="admin")
    theirs = tallyfy_fake.issue_token(outsider)
    assert tallyfy_fake.expire_tokens(tallyfy_demo.org_id) == 1
    assert (await api.get("/me")).status == 401
    assert (await api.get("/me", token=theirs)).status == 200
    tallyfy_fake.revoke_tokens()
    assert (await api.get("/me", token=theirs)).status == 401


async def test_personal_access_tokens_work_until_revoked(
    api: Api, tallyfy_fake: FakeTallyfy, tallyfy_demo: DemoOrg
) -> None:
    pat = tallyfy_fake.add_personal_access_token(tallyfy_demo.member_id)
    assert (await api.get("/me", token=pat)).json["data"]["id"] == tallyfy_demo.member_id
    tallyfy_fake.expire_tokens()
    assert (await api.get("/me", token=pat)).status == 200
    tallyfy_fake.revoke_token(pat)
    assert (await api.get("/me", token=pat)).status == 401


@pytest.mark.parametrize("value", ["", "   "])
async def test_missing_client_header_is_401(api: Api, value: str) -> None:
    headers = api.headers()
    headers["X-Tallyfy-Client"] = value
    assert (await api.get("/me", headers=headers)).json == UNAUTHENTICATED
    del headers["X-Tallyfy-Client"]
    answer = await api.get("/me", headers=headers)
    assert answer.status == 401
    assert answer.json == UNAUTHENTICATED


@pytest.mark.parametrize(
    "template", ["bearer {}", "Bearer  {}", "Bearer\t{}", "Token {}", "{}", "Bearer", "Bearer x {}"]
)
async def test_malformed_authorization_is_401(api: Api, template: str) -> None:
    headers = api.headers(None, Authorization=template.format(api.token))
    answer = await api.get("/me", headers=headers)
    assert answer.status == 401
    assert answer.json == UNAUTHENTICATED


async def test_client_credentials_tokens_are_refused_on_user_routes(
    anonymous: Api, org_path: str, tallyfy_demo: DemoOrg
) -> None:
    app = await app_token(anonymous, tallyfy_demo)
    for path in ("/me", f"{org_path}/runs"):
        answer = await anonymous.get(path, token=app)
        assert answer.status == 401
        assert answer.json == UNAUTHENTICATED


async def app_token(api: Api, demo: DemoOrg) -> str:
    form = {
        "grant_type": "client_credentials",
        "client_id": demo.client_id,
        "client_secret": demo.client_secret,
    }
    value: str = (await token(api, form)).json["access_token"]
    return value


async def test_application_user_token(anonymous: Api, tallyfy_demo: DemoOrg) -> None:
    app = await app_token(anonymous, tallyfy_demo)
    path = f"/applications/{tallyfy_demo.org_id}/users/sam%40acme.test/token"
    answer = await anonymous.post(path, token=app)
    assert answer.status == 200
    assert list(answer.json) == ["token_type", "expires_in", "access_token"]
    assert answer.json["expires_in"] == 7776000
    me = await anonymous.get("/me", token=answer.json["access_token"])
    assert me.json["data"]["id"] == tallyfy_demo.member_id
    counters = anonymous.fake.counters.token_grants
    assert counters["app"] == 1 and counters[tallyfy_demo.org_id] == 1


async def test_application_routes_refuse_unlinked_clients_and_user_tokens(
    anonymous: Api, tallyfy_fake: FakeTallyfy, tallyfy_demo: DemoOrg
) -> None:
    forbidden = {"message": "You don't have application's permissions for this organization!"}
    stranger_id, stranger_secret = tallyfy_fake.add_client([])
    form = {
        "grant_type": "client_credentials",
        "client_id": stranger_id,
        "client_secret": stranger_secret,
    }
    stranger = (await token(anonymous, form)).json["access_token"]
    path = f"/applications/{tallyfy_demo.org_id}/users/sam%40acme.test/token"
    answer = await anonymous.post(path, token=stranger)
    assert answer.status == 403
    assert answer.json == forbidden
    user_token = tallyfy_fake.issue_token(tallyfy_demo.admin_id)
    assert (await anonymous.post(path, token=user_token)).json == forbidden


async def test_application_user_token_errors(
    anonymous: Api, tallyfy_fake: FakeTallyfy, tallyfy_demo: DemoOrg
) -> None:
    app = await app_token(anonymous, tallyfy_demo)
    base = f"/applications/{tallyfy_demo.org_id}/users"
    unknown = await anonymous.post(f"{base}/nobody%40nowhere.test/token", token=app)
    assert unknown.status == 404
    other = tallyfy_fake.add_organization("Other")
    tallyfy_fake.add_member(other, email="elsewhere@other.test")
    outside = await anonymous.post(f"{base}/elsewhere%40other.test/token", token=app)
    assert outside.status == 422
    assert "email" in outside.json["errors"]


async def test_application_provisioning(anonymous: Api, tallyfy_demo: DemoOrg) -> None:
    app = await app_token(anonymous, tallyfy_demo)
    body = {"first_name": "Nia", "last_name": "New", "email": "nia@acme.test", "role": "light"}
    answer = await anonymous.post(
        f"/applications/{tallyfy_demo.org_id}/users", json=body, token=app
    )
    assert answer.status == 200
    assert list(answer.json["data"]) == [
        "id",
        "email",
        "first_name",
        "last_name",
        "role",
        "created_at",
    ]
    assert answer.json["data"]["role"] == "light"
    again = await anonymous.post(f"/applications/{tallyfy_demo.org_id}/users", json=body, token=app)
    assert again.status == 422
    minted = await anonymous.post(
        f"/applications/{tallyfy_demo.org_id}/users/nia%40acme.test/token", token=app
    )
    assert minted.status == 200


async def test_app_user_tokens_are_bound_to_their_org(
    anonymous: Api, tallyfy_fake: FakeTallyfy, tallyfy_demo: DemoOrg
) -> None:
    other = tallyfy_fake.add_organization("Other")
    tallyfy_fake.add_member(other, email="sam@acme.test")  # the same user joins a second org
    app = await app_token(anonymous, tallyfy_demo)
    minted = await anonymous.post(
        f"/applications/{tallyfy_demo.org_id}/users/sam%40acme.test/token", token=app
    )
    user_token = minted.json["access_token"]
    assert (
        await anonymous.get(f"/organizations/{tallyfy_demo.org_id}/runs", token=user_token)
    ).status == 200
    assert (await anonymous.get(f"/organizations/{other}/runs", token=user_token)).status == 403


async def test_other_organizations_are_forbidden(api: Api, tallyfy_fake: FakeTallyfy) -> None:
    other = tallyfy_fake.add_organization("Other")
    answer = await api.get(f"/organizations/{other}/runs")
    assert answer.status == 403
    assert answer.json == {"message": "This action is unauthorized."}
    missing = await api.get(f"/organizations/{'f' * 32}/runs")
    assert missing.status == 404


async def test_a_user_in_two_orgs_sees_both(
    anonymous: Api, tallyfy_fake: FakeTallyfy, tallyfy_demo: DemoOrg
) -> None:
    other = tallyfy_fake.add_organization("Second")
    tallyfy_fake.add_member(other, email=tallyfy_demo.admin_email, role="light")
    granted = (await token(anonymous, password_form(tallyfy_demo))).json["access_token"]
    orgs = await anonymous.get("/me/organizations", token=granted)
    assert [(o["id"], o["user_role"]) for o in orgs.json["data"]] == [
        (tallyfy_demo.org_id, "admin"),
        (other, "light"),
    ]
    assert (await anonymous.get(f"/organizations/{other}/me", token=granted)).json["data"][
        "role"
    ] == "light"
    # Grants are counted against the user's first organization.
    assert anonymous.fake.counters.token_grants[tallyfy_demo.org_id] == 1


async def test_identity_routes(api: Api, org_path: str, tallyfy_demo: DemoOrg) -> None:
    me: Any = (await api.get("/me")).json["data"]
    assert me["email"] == tallyfy_demo.admin_email and isinstance(me["id"], int)
    member = (await api.get(f"{org_path}/me")).json["data"]
    assert member["role"] == "admin" and member["is_default_admin"] is True
    organization = (await api.get(org_path)).json["data"]
    assert organization["id"] == tallyfy_demo.org_id
