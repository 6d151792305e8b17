"""org.groups over real HTTP against FakeTallyfy: lists replaced as a whole, what the caller
did not mention re-sent from the current state, permissions, bad input."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from tallyfy_async import PermissionDeniedError, TallyfyClient, ValidationError
from tallyfy_async.client import OrgClient
from tallyfy_async.models.people import Group, Member
from tallyfy_async.testing import DemoOrg, FakeTallyfy
from tests.resources.conftest import RequestsTo


def groups_path(demo: DemoOrg, *rest: str) -> str:
    return "/".join((f"/organizations/{demo.org_id}/groups", *rest))


async def test_create_get_list_delete(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    sam = await org.members.get(demo.member_id)
    group = await org.groups.create(
        name="Ops", description="Operations", members=[sam], guests=["vendor@example.com"]
    )
    [sent] = requests_to("POST", groups_path(demo))
    assert sent.status == 201
    assert sent.body == {
        "name": "Ops",
        "description": "Operations",
        "members": [demo.member_id],
        "guests": ["vendor@example.com"],
    }
    assert isinstance(group, Group) and group.members == [demo.member_id]
    read = await org.groups.get(group.id, with_="users")
    assert read.users is not None and [u.email for u in read.users] == ["sam@acme.test"]
    assert all(isinstance(u, Member) for u in read.users)
    names = [g.name for g in await org.groups.list(sort="name", per_page=2).to_list()]
    assert names == ["Finance", "Legal", "Ops"]
    await org.groups.delete(group)
    assert requests_to("DELETE", groups_path(demo, group.id))[0].status == 204
    assert group.id not in {g.id for g in await org.groups.list().to_list()}


async def test_update_re_sends_the_lists_and_name_it_was_not_given(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    before = await org.groups.get(demo.group_id)
    assert before.members == [demo.admin_id, demo.member_id]
    fake.reset_log()
    updated = await org.groups.update(demo.group_id, description="Money")
    path = groups_path(demo, demo.group_id)
    calls = [(r.method, r.path.removeprefix("/api")) for r in fake.log if r.route != "oauth.token"]
    assert calls == [("GET", path), ("PUT", path)]
    assert fake.log[-1].body == {
        "description": "Money",
        "name": "Finance",
        "members": [demo.admin_id, demo.member_id],
        "guests": [],
    }
    assert updated.members == before.members and updated.description == "Money"


async def test_update_replaces_a_list_it_is_given(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    fake.reset_log()
    updated = await org.groups.update(
        demo.group_id, name="Finance", members=[demo.light_member_id], guests=[]
    )
    assert [r.method for r in fake.log if r.route != "oauth.token"] == ["PUT"]
    assert updated.members == [demo.light_member_id] and updated.guests == []


async def test_update_keeps_a_description_it_was_not_given(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    await org.groups.update(demo.group_id, description="Money")
    fake.reset_log()
    updated = await org.groups.update(demo.group_id, members=[demo.admin_id])
    assert fake.log[-1].body["description"] == "Money"
    assert updated.description == "Money" and updated.members == [demo.admin_id]


async def test_members_may_manage_groups_only_where_the_organization_allows_it(
    fake: FakeTallyfy, demo: DemoOrg
) -> None:
    sam = attrs.evolve(demo.credentials, username="sam@acme.test", password="demo-password")
    lee = attrs.evolve(demo.credentials, username="lee@acme.test", password="demo-password")
    async with (
        TallyfyClient(sam, base_url=fake.base_url, token_url=fake.token_url) as standard,
        TallyfyClient(lee, base_url=fake.base_url, token_url=fake.token_url) as light,
    ):
        created = await standard.org(demo.org_id).groups.create(name="Standard's")
        assert created.name == "Standard's"
        with pytest.raises(PermissionDeniedError):
            await light.org(demo.org_id).groups.create(name="Light's")
        fake.state.orgs[demo.org_id].wire["allow_manage_groups"] = False
        with pytest.raises(PermissionDeniedError):
            await standard.org(demo.org_id).groups.delete(created)
        assert len(await light.org(demo.org_id).groups.list().to_list()) == 3


async def test_a_taken_name_is_tallyfys_to_refuse(org: OrgClient) -> None:
    with pytest.raises(ValidationError) as taken:
        await org.groups.create(name="finance")
    assert "name" in taken.value.errors


@pytest.mark.parametrize(
    ("call", "error", "names"),
    [
        (lambda org, demo: org.groups.create(name=" "), ValueError, "name is required"),
        (lambda org, demo: org.groups.create(name="x" * 201), ValueError, "name is 201"),
        (
            lambda org, demo: org.groups.create(name="G", guests=["not-an-email"]),
            ValueError,
            r"guests\[0\] must be an email address",
        ),
        (
            lambda org, demo: org.groups.create(name="G", members=["10001"]),
            TypeError,
            r"members\[0\] must be a member id \(an int\) or a Member, got str",
        ),
        (
            lambda org, demo: org.groups.update(demo.group_id, members=[True]),
            TypeError,
            r"members\[0\] must be a member id \(an int\) or a Member, got bool: True",
        ),
        (
            lambda org, demo: org.groups.update(demo.group_id, members=[1.5]),
            TypeError,
            r"members\[0\] must be a member id \(an int\) or a Member, got float",
        ),
        (
            lambda org, demo: org.groups.update(demo.group_id, members="10001"),
            TypeError,
            "members must be a list",
        ),
        (
            lambda org, demo: org.groups.update(demo.group_id, description=None),
            ValueError,
            "null description",
        ),
        (
            lambda org, demo: org.groups.update(demo.group_id, description=""),
            ValueError,
            "empty or null description",
        ),
        (lambda org, demo: org.groups.create(name="G", users=[1]), TypeError, "users"),
    ],
)
async def test_bad_input_is_refused_before_sending(
    org: OrgClient,
    demo: DemoOrg,
    fake: FakeTallyfy,
    call: Any,
    error: type[Exception],
    names: str,
) -> None:
    fake.reset_log()
    with pytest.raises(error, match=names):
        await call(org, demo)
    assert fake.log == []


async def test_list_sorted_by_updated_at(org: OrgClient, demo: DemoOrg, fake: FakeTallyfy) -> None:
    first, second = fake.state.orgs[demo.org_id].groups.every()
    # The first group listed by default is the one changed last.
    first.wire["last_updated"] = "2026-01-02T00:00:00.000Z"
    second.wire["last_updated"] = "2026-01-01T00:00:00.000Z"
    names = (first.wire["name"], second.wire["name"])
    oldest_first = [g.name for g in await org.groups.list(sort="updated_at").to_list()]
    newest_first = [g.name for g in await org.groups.list(sort="-updated_at").to_list()]
    assert (oldest_first, newest_first) == (list(names[::-1]), list(names))
