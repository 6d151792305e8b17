"""org.members over real HTTP against FakeTallyfy: every route of the area, what is sent,
the fields re-sent from the current state, and bad input refused before sending."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from tallyfy_async import (
    APIError,
    PermissionDeniedError,
    TallyfyClient,
    ValidationError,
)
from tallyfy_async.client import OrgClient
from tallyfy_async.models.people import Member, MemberRole, MemberStatus
from tallyfy_async.testing import DemoOrg, FakeTallyfy
from tests.resources.conftest import RequestsTo


def users_path(demo: DemoOrg, *rest: object) -> str:
    return "/".join((f"/organizations/{demo.org_id}/users", *map(str, rest)))


def api_calls(fake: FakeTallyfy) -> list[tuple[str, str]]:
    return [(r.method, r.path.removeprefix("/api")) for r in fake.log if r.route != "oauth.token"]


async def invited(org: OrgClient, email: str = "nia@acme.test") -> Member:
    return await org.members.invite(
        email=email, first_name="Nia", last_name="West", role=MemberRole.STANDARD
    )


# -- reads ---------------------------------------------------------------------------------


async def test_list_walks_every_page_with_its_filters(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    members = await org.members.list(per_page=3, sort="first_name", with_="groups").to_list()
    sent = requests_to("GET", users_path(demo))
    assert [r.query for r in sent] == [
        {"sort": "first_name", "with": "groups", "page": str(page), "per_page": "3"}
        for page in (1, 2, 3)
    ]
    assert len(members) == len(demo.member_ids)
    assert [m.first_name for m in members] == sorted(m.first_name or "" for m in members)
    admin = next(m for m in members if m.id == demo.admin_id)
    assert admin.role is MemberRole.ADMIN and admin.is_default_admin is True
    assert admin.groups is not None and demo.group_id in [g.id for g in admin.groups]
    assert admin.created_at is not None and admin.created_at.tzinfo is not None


async def test_list_searches_names_and_emails(org: OrgClient) -> None:
    found = await org.members.list(q="sam").to_list()
    assert [m.email for m in found] == ["sam@acme.test"]


async def test_list_minimal_is_one_answer_without_pages(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    members = await org.members.list_minimal().to_list()
    assert len(requests_to("GET", f"/organizations/{demo.org_id}/users-list")) == 1
    assert {m.id for m in members} == set(demo.member_ids)
    assert {m.role for m in members} == {MemberRole.ADMIN, MemberRole.STANDARD, MemberRole.LIGHT}


async def test_get_takes_an_id_or_a_member(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    sam = await org.members.get(demo.member_id, with_=["groups", "stats"])
    assert (sam.email, sam.role, sam.status) == (
        "sam@acme.test",
        MemberRole.STANDARD,
        MemberStatus.ACTIVE,
    )
    assert sam.groups is not None and [g.id for g in sam.groups] == [demo.group_id]
    again = await org.members.get(sam)
    assert again.id == sam.id and again.groups is None  # an include comes when asked for
    by_text = await org.members.get(str(demo.member_id))  # an id read from a CSV file
    assert by_text.id == sam.id
    sent = requests_to("GET", users_path(demo, demo.member_id))
    assert [r.query for r in sent] == [{"with": "groups,stats"}, {}, {}]


async def test_a_role_written_capitalised_is_the_same_role(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    # Tallyfy writes a member's role "Admin" in some answers and "admin" in others.
    sent = await org.members.get(demo.admin_id, raw=True)
    fake.inject(
        r"/users/\d+$", method="GET", status=200, body={"data": {**sent, "role": "Admin"}}, times=1
    )
    admin = await org.members.get(demo.admin_id)
    assert admin.role is MemberRole.ADMIN and admin.role == "admin"


# -- invite, profile, role -------------------------------------------------------------------


async def test_invite_sends_the_required_fields_and_a_default_message(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    member = await invited(org)
    [sent] = requests_to("POST", users_path(demo, "invite"))
    assert sent.status == 200  # Tallyfy answers an invitation with 200, not 201
    assert sent.body == {
        "email": "nia@acme.test",
        "first_name": "Nia",
        "last_name": "West",
        "role": "standard",
        "message": "You are invited to join us on Tallyfy.",
    }
    assert member.status is MemberStatus.INVITED and member.role is MemberRole.STANDARD
    with pytest.raises(ValidationError) as taken:
        await invited(org)
    assert "email" in taken.value.errors


async def test_update_re_sends_the_names_and_timezone_it_was_not_given(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    sam = await org.members.get(demo.member_id)
    fake.reset_log()
    updated = await org.members.update(sam, job_title="Ops lead", phone=None)
    path = users_path(demo, demo.member_id)
    assert api_calls(fake) == [("GET", path), ("PUT", path)]
    put = fake.log[-1]
    assert put.body == {
        "job_title": "Ops lead",
        "phone": None,
        "first_name": "Sam",
        "last_name": "Standard",
        "timezone": "UTC",
    }
    assert updated.job_title == "Ops lead" and updated.first_name == "Sam"


async def test_update_refuses_to_send_back_a_required_field_the_member_lacks(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    # Tallyfy answers 422 to a PUT whose timezone is null: say so before sending it.
    fake.state.users[demo.member_id].wire["timezone"] = None
    fake.reset_log()
    with pytest.raises(ValueError, match=r"timezone is required on every update.*timezone="):
        await org.members.update(demo.member_id, job_title="Ops lead")
    assert api_calls(fake) == [("GET", users_path(demo, demo.member_id))]
    updated = await org.members.update(demo.member_id, job_title="Ops lead", timezone="UTC")
    assert updated.timezone == "UTC"


async def test_update_with_every_required_field_sends_one_request(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    fake.reset_log()
    updated = await org.members.update(
        demo.member_id,
        first_name="Samuel",
        last_name="Stone",
        timezone="Europe/Paris",
        date_format="dd/mm/yyyy",
    )
    assert api_calls(fake) == [("PUT", users_path(demo, demo.member_id))]
    assert (updated.full_name, updated.timezone, updated.date_format) == (
        "Samuel Stone",
        "Europe/Paris",
        "dd/mm/yyyy",
    )


async def test_set_role(org: OrgClient, demo: DemoOrg, requests_to: RequestsTo) -> None:
    promoted = await org.members.set_role(demo.light_member_id, role="admin")
    assert promoted.role is MemberRole.ADMIN
    [sent] = requests_to("PUT", users_path(demo, demo.light_member_id, "role"))
    assert sent.body == {"role": "admin"}
    with pytest.raises(APIError) as default_admin:
        await org.members.set_role(demo.admin_id, role="light")
    assert default_admin.value.status == 400


# -- disable, enable, approve, remove, delete ----------------------------------------------


def member_client(fake: FakeTallyfy, demo: DemoOrg, email: str) -> TallyfyClient:
    """A client signed in as a member of the demo organization (password "demo-password")."""
    credentials = attrs.evolve(demo.credentials, username=email, password="demo-password")
    return TallyfyClient(credentials, base_url=fake.base_url, token_url=fake.token_url)


async def test_disable_keeps_the_member_out_until_enabled(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy, requests_to: RequestsTo
) -> None:
    async with member_client(fake, demo, "sam@acme.test") as sam_client:
        sam_org = sam_client.org(demo.org_id)
        assert (await sam_org.me()).id == demo.member_id
        await org.members.disable(demo.member_id)
        assert (await org.members.get(demo.member_id)).status is MemberStatus.DISABLED
        with pytest.raises(PermissionDeniedError):
            await sam_org.me()
        await org.members.enable(demo.member_id)
        assert (await sam_org.me()).status is MemberStatus.ACTIVE
    assert [
        r.status for r in requests_to("DELETE", users_path(demo, demo.member_id, "disable"))
    ] == [204]
    assert [r.status for r in requests_to("PUT", users_path(demo, demo.member_id, "enable"))] == [
        204
    ]


async def test_approve_makes_an_invited_member_active(org: OrgClient) -> None:
    member = await invited(org)
    await org.members.approve(member)
    approved = await org.members.get(member)
    assert approved.status is MemberStatus.ACTIVE and approved.approved_at is not None


async def test_remove_hands_open_tasks_to_another_member(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    theirs = await org.tasks.list(owners=demo.member_id, status="active").to_list()
    assert theirs, "the demo gives Sam open tasks"
    gone = await org.members.remove(demo.member_id, reassign_to=demo.light_member_id)
    [sent] = requests_to("DELETE", users_path(demo, demo.member_id))
    assert sent.query == {"with_reassignment": "true", "to": str(demo.light_member_id)}
    assert gone.status is MemberStatus.DISABLED and gone.id == demo.member_id
    assert demo.member_id not in {m.id for m in await org.members.list().to_list()}
    for task in theirs:
        owners = (await org.tasks.get(task)).owners
        assert owners is not None
        assert demo.member_id not in owners.user_ids
        assert demo.light_member_id in owners.user_ids


async def test_remove_without_reassignment_sends_no_query(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    await org.members.remove(demo.light_member_id)
    [sent] = requests_to("DELETE", users_path(demo, demo.light_member_id))
    assert sent.query == {}


async def test_delete_erases_only_a_disabled_member(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    member = await invited(org)
    with pytest.raises(ValidationError, match="disable"):
        await org.members.delete(member)
    await org.members.disable(member)
    await org.members.delete(member)
    assert member.id not in {m.id for m in await org.members.list().to_list()}
    assert fake.log[-2].path.endswith(f"/users/{member.id}/delete") and fake.log[-2].status == 204


async def test_a_standard_member_may_not_manage_members(fake: FakeTallyfy, demo: DemoOrg) -> None:
    async with member_client(fake, demo, "sam@acme.test") as sam_client:
        sam_org = sam_client.org(demo.org_id)
        assert len(await sam_org.members.list().to_list()) == len(demo.member_ids)
        with pytest.raises(PermissionDeniedError):
            await sam_org.members.disable(demo.light_member_id)
        with pytest.raises(PermissionDeniedError):
            await sam_org.members.set_role(demo.light_member_id, role="admin")


# -- bad input, refused before anything is sent ----------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "error", "names"),
    [
        ({"email": "not-an-email"}, ValueError, "email must be an email address"),
        ({"email": "jane@example"}, ValueError, "email must be an email address"),
        ({"email": "a b@example.com"}, ValueError, "email must be an email address"),
        ({"role": "owner"}, ValueError, "role must be one of admin, light, standard"),
        ({"role": None}, ValueError, "role is required"),
        ({"first_name": "x" * 33}, ValueError, "first_name is 33 characters long"),
        ({"message": ""}, ValueError, "message is required"),
        ({"nickname": "N"}, TypeError, "nickname"),
    ],
)
async def test_invite_refuses_bad_input_before_sending(
    org: OrgClient,
    fake: FakeTallyfy,
    arguments: dict[str, Any],
    error: type[Exception],
    names: str,
) -> None:
    fake.reset_log()
    valid = {"email": "jo@acme.test", "first_name": "Jo", "last_name": "Ng", "role": "light"}
    with pytest.raises(error, match=names):
        await org.members.invite(**{**valid, **arguments})
    assert fake.log == []


@pytest.mark.parametrize(
    ("call", "error", "names"),
    [
        (lambda org: org.members.set_role(1, role="superuser"), ValueError, "role must be one"),
        (lambda org: org.members.update(1, first_name=" "), ValueError, "first_name"),
        (lambda org: org.members.update(1, date_format="yyyy"), ValueError, "date_format"),
        (lambda org: org.members.update(1, phone="0" * 21), ValueError, "phone is 21"),
        (lambda org: org.members.remove(1, reassign_to="2"), TypeError, "reassign_to"),
        (lambda org: org.members.get("1/../2"), TypeError, "user_id must be int"),
        (lambda org: org.members.get("abc"), TypeError, "user_id must be int, got str"),
        (lambda org: org.members.get(True), TypeError, "user_id must be int, got bool"),
        (lambda org: org.members.update("7a", first_name="Jo"), TypeError, "user_id"),
        (lambda org: org.members.set_role("7a", role="admin"), TypeError, "user_id"),
        (lambda org: org.members.remove("7a"), TypeError, "user_id"),
        (lambda org: org.members.disable("7a"), TypeError, "user_id"),
        (lambda org: org.members.enable("7a"), TypeError, "user_id"),
        (lambda org: org.members.approve("7a"), TypeError, "user_id"),
        (lambda org: org.members.delete("7a"), TypeError, "user_id"),
        (lambda org: org.me.update(timezone=""), ValueError, "timezone"),
    ],
)
async def test_writes_refuse_bad_input_before_sending(
    org: OrgClient, fake: FakeTallyfy, call: Any, error: type[Exception], names: str
) -> None:
    fake.reset_log()
    with pytest.raises(error, match=names):
        await call(org)
    assert fake.log == []
