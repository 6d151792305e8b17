"""Who am I and where: client.me(), client.organizations(), org.get(), org.me(), the activity
feed, the API's description, and application provisioning, over HTTP against FakeTallyfy."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import attrs
import pytest
from yarl import URL

from tallyfy_async import (
    ApplicationUser,
    ClientCredentials,
    PermissionDeniedError,
    TallyfyClient,
    ValidationError,
)
from tallyfy_async._account import description_url
from tallyfy_async.client import OrgClient
from tallyfy_async.models.meta import ApiDescription, ApiOperation
from tallyfy_async.models.organizations import ActivityItem, Organization
from tallyfy_async.models.people import Member, MemberRole, MemberStatus, User
from tallyfy_async.testing import DemoOrg, FakeTallyfy
from tests.resources.conftest import RequestsTo

# -- the caller and their organizations -------------------------------------------------------


async def test_me_is_the_user_the_credentials_act_as(
    client: TallyfyClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    me = await client.me()
    assert type(me) is User and (me.id, me.email) == (demo.admin_id, demo.admin_email)
    assert len(requests_to("GET", "/me")) == 1


async def test_organizations_lists_every_organization_of_the_user(
    client: TallyfyClient, demo: DemoOrg, fake: FakeTallyfy, requests_to: RequestsTo
) -> None:
    others = [fake.add_organization(f"Branch {n}") for n in range(3)]
    for number, org_id in enumerate(others):
        fake.add_member(org_id, email=demo.admin_email, role=("light", "standard", "admin")[number])
    found = await client.organizations(per_page=2).to_list()
    assert [r.query for r in requests_to("GET", "/me/organizations")] == [
        {"page": "1", "per_page": "2"},
        {"page": "2", "per_page": "2"},
    ]
    assert all(isinstance(o, Organization) for o in found)
    assert [o.id for o in found] == [demo.org_id, *others]
    assert [o.user_role for o in found] == [
        MemberRole.ADMIN,
        MemberRole.LIGHT,
        MemberRole.STANDARD,
        MemberRole.ADMIN,
    ]
    assert {o.user_status for o in found} == {MemberStatus.ACTIVE}
    # Each one's id is what client.org() takes.
    assert (await client.org(found[1].id).me()).role is MemberRole.LIGHT


async def test_credentials_per_organization_cannot_ask_who_i_am(
    fake: FakeTallyfy, demo: DemoOrg
) -> None:
    async with TallyfyClient(
        {demo.org_id: demo.credentials}, base_url=fake.base_url, token_url=fake.token_url
    ) as client:
        with pytest.raises(ValueError, match="name the organization"):
            await client.me()
        with pytest.raises(ValueError, match="name the organization"):
            client.organizations()
        assert (await client.org(demo.org_id).me()).id == demo.admin_id
    assert [r.path for r in fake.log if r.path.endswith("/me")] == [
        f"/api/organizations/{demo.org_id}/me"
    ]


async def test_one_client_two_organizations_two_kinds_of_credentials(
    fake: FakeTallyfy, demo: DemoOrg
) -> None:
    """The README's example: the user's password grant for calls that name no organization
    and most organizations; an application acting as the same user in another."""
    lab = fake.add_organization("Acme Labs")
    fake.add_member(lab, email=demo.admin_email, role="admin")
    client_id, secret = fake.add_client([lab])
    in_lab = ApplicationUser(client_id=client_id, client_secret=secret, email=demo.admin_email)

    async def credentials(org_id: str | None) -> Any:
        return in_lab if org_id == lab else demo.credentials

    async with TallyfyClient(
        credentials, base_url=fake.base_url, token_url=fake.token_url
    ) as client:
        orgs = await client.organizations().to_list()
        assert {o.id for o in orgs} == {demo.org_id, lab}
        for org in orgs:
            assert (await client.org(org.id).me()).email == demo.admin_email
    grants = sorted(r.body["grant_type"] for r in fake.log if r.route == "oauth.token")
    # A token per cache entry ("no organization", the demo organization), and the
    # application's own token, with which it mints the member token for the lab.
    assert grants == ["client_credentials", "password", "password"]
    minted = [r.path for r in fake.log if r.route == "applications.users.token"]
    assert minted == [f"/api/applications/{lab}/users/{demo.admin_email}/token"]


async def test_org_get_and_org_me(org: OrgClient, demo: DemoOrg, requests_to: RequestsTo) -> None:
    details = await org.get()
    assert (details.id, details.name) == (demo.org_id, "Acme Demo")
    assert details.working_days["Monday"] == {"enabled": True}
    assert details.created_on is not None and details.created_on.tzinfo is not None
    me = await org.me()
    assert isinstance(me, Member) and (me.id, me.role) == (demo.admin_id, MemberRole.ADMIN)
    assert len(requests_to("GET", f"/organizations/{demo.org_id}")) == 1
    assert len(requests_to("GET", f"/organizations/{demo.org_id}/me")) == 1


async def test_updating_ones_own_profile_re_sends_the_required_fields(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    fake.reset_log()
    updated = await org.me.update(job_title="Founder", team="Core")
    path = f"/organizations/{demo.org_id}/me"
    calls = [(r.method, r.path.removeprefix("/api")) for r in fake.log if r.route != "oauth.token"]
    assert calls == [("GET", path), ("PUT", path)]
    assert fake.log[-1].body == {
        "job_title": "Founder",
        "team": "Core",
        "first_name": "Alice",
        "last_name": "Admin",
        "timezone": "UTC",
    }
    assert (updated.job_title, updated.team, updated.first_name) == ("Founder", "Core", "Alice")


async def test_a_light_member_updates_their_own_profile(fake: FakeTallyfy, demo: DemoOrg) -> None:
    lee = attrs.evolve(demo.credentials, username="lee@acme.test", password="demo-password")
    async with TallyfyClient(lee, base_url=fake.base_url, token_url=fake.token_url) as client:
        org = client.org(demo.org_id)
        updated = await org.me.update(
            first_name="Lee", last_name="Light", timezone="Asia/Tokyo", phone="+81 3 0000"
        )
        assert (updated.timezone, updated.phone) == ("Asia/Tokyo", "+81 3 0000")
        with pytest.raises(PermissionDeniedError):
            await org.members.update(demo.member_id, job_title="Not mine to change")


# -- the activity feed ---------------------------------------------------------------------------


async def test_the_activity_feed_tells_what_members_did(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    process = await org.processes.launch(demo.blueprint_ids[2], name="Offboard Kim")
    tasks = await org.processes.tasks.list(process).to_list()
    await org.processes.tasks.complete(tasks[1])  # the first asks for a form field first
    await org.tasks.comments.add(tasks[2], content="On it")
    await org.groups.create(name="Night shift")
    feed = await org.activity.list(per_page=2).to_list()
    assert all(isinstance(item, ActivityItem) for item in feed)
    # Tallyfy sends these as lists of one; the model reads them as tuples.
    assert [(item.type, item.verb) for item in feed] == [
        (("Group",), ("created",)),
        (("Comment",), ("commented",)),
        (("Task",), ("completed",)),
        (("Process",), ("created",)),
    ]
    assert len(requests_to("GET", f"/organizations/{demo.org_id}/activity-feeds")) == 2
    launched = feed[-1]
    assert (launched.auditable_type, launched.auditable_id) == ("Run", process.id)
    assert launched.actor_id == (demo.admin_id,)
    assert [actor["email"] for actor in launched.actor] == [demo.admin_email]
    assert isinstance(launched.created_at, datetime) and launched.created_at.tzinfo is not None

    history = await org.activity.list(entity_type="run", entity_id=process.id).to_list()
    assert [(item.type, item.verb) for item in history] == [
        (("Task",), ("completed",)),
        (("Process",), ("created",)),
    ]
    oldest_first = await org.activity.list(sort="created_at", verb="created", limit=1).to_list()
    assert [(item.type, item.auditable_id) for item in oldest_first] == [(("Process",), process.id)]
    today = date.today()
    assert len(await org.activity.list(created_after=today, created_before=today).to_list()) == 4
    [sent] = requests_to("GET", f"/organizations/{demo.org_id}/activity-feeds")[-1:]
    assert sent.query["created_after"] == today.isoformat()


async def test_people_changes_are_in_the_feed(org: OrgClient, demo: DemoOrg) -> None:
    await org.members.disable(demo.light_member_id)
    await org.guests.create(email="new.guest@example.com")
    items = await org.activity.list(type="User").to_list()
    assert [(i.auditable_type, i.auditable_id, i.verb) for i in items][:2] == [
        ("Guest", items[0].auditable_id, ("created",)),
        ("User", demo.light_member_id, ("disabled",)),
    ]
    assert isinstance(items[0].auditable_id, int)


@pytest.mark.parametrize(
    ("arguments", "error", "names"),
    [
        ({"entity_type": "process", "entity_id": "x"}, ValueError, "entity_type must be one of"),
        ({"entity_type": "run"}, ValueError, "entity_type and entity_id go together"),
        ({"search": "a"}, ValueError, "search must be 2 to 100"),
        ({"search": "a" * 101}, ValueError, "search is 101 characters"),
        ({"created_after": datetime(2026, 1, 1)}, TypeError, "created_after must be a date"),
        ({"actor_type": "bot"}, ValueError, "actor_type must be one of guest, user"),
        ({"actor_id": "10001"}, TypeError, "actor_id"),
        ({"color": "red"}, TypeError, "color"),
    ],
)
async def test_feed_filters_are_checked_before_sending(
    org: OrgClient,
    fake: FakeTallyfy,
    arguments: dict[str, Any],
    error: type[Exception],
    names: str,
) -> None:
    fake.reset_log()
    with pytest.raises(error, match=names):
        await org.activity.list(**arguments)
    assert fake.log == []


# -- the API's description -----------------------------------------------------------------------


async def test_the_api_description_is_read_without_a_token(
    client: TallyfyClient, fake: FakeTallyfy
) -> None:
    description = await client.api_description()
    assert isinstance(description, ApiDescription)
    assert description.swagger == "2.0" and description.base_path == "/api"
    operations = description.operations()
    assert ApiOperation(
        "GET", "/organizations/{org}/users", "users.list", operations[0].summary
    ) in [attrs.evolve(o, summary=operations[0].summary) for o in operations]
    assert ("DELETE", "/organizations/{org}/guests/{email}/disable") in {
        (o.method, o.path) for o in operations
    }
    [sent] = [r for r in fake.log if r.route == "docs.index"]
    assert sent.path == "/api/docs/index" and "Authorization" not in sent.headers
    assert not [r for r in fake.log if r.route == "oauth.token"]  # no token was needed


async def test_the_api_description_can_be_read_from_another_url(
    client: TallyfyClient, fake: FakeTallyfy
) -> None:
    description = await client.api_description(url=f"{fake.root_url}/docs/index")
    assert description.paths
    assert [r.path for r in fake.log] == ["/docs/index"]


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("https://go.tallyfy.com/api", "https://api.tallyfy.com/docs/index"),
        ("https://api.tallyfy.com", "https://api.tallyfy.com/docs/index"),
        ("http://127.0.0.1:8080/api", "http://127.0.0.1:8080/api/docs/index"),
        ("https://tallyfy-proxy.example.com/v2", "https://tallyfy-proxy.example.com/v2/docs/index"),
    ],
)
def test_where_the_description_is(base: str, expected: str) -> None:
    assert str(description_url(URL(base), None, allow_insecure_http=False)) == expected


def test_a_description_url_of_plain_http_elsewhere_is_refused() -> None:
    with pytest.raises(ValueError, match="plain http"):
        description_url(
            URL("https://go.tallyfy.com/api"),
            "http://docs.example.com/x",
            allow_insecure_http=False,
        )


# -- application provisioning ----------------------------------------------------------------------


async def test_an_application_provisions_the_member_it_then_acts_as(
    fake: FakeTallyfy, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    async with TallyfyClient(
        demo.app_credentials, base_url=fake.base_url, token_url=fake.token_url
    ) as app:
        member = await app.org(demo.org_id).applications.provision(
            email="sync.bot@acme.test", first_name="Sync", last_name="Bot", role="light"
        )
    [sent] = requests_to("POST", f"/applications/{demo.org_id}/users")
    assert sent.body == {
        "email": "sync.bot@acme.test",
        "first_name": "Sync",
        "last_name": "Bot",
        "role": "light",
    }
    assert (member.email, member.role) == ("sync.bot@acme.test", MemberRole.LIGHT)
    acting = ApplicationUser(
        client_id=demo.client_id, client_secret=demo.client_secret, email=member.email
    )
    async with TallyfyClient(acting, base_url=fake.base_url, token_url=fake.token_url) as bot:
        assert (await bot.org(demo.org_id).me()).id == member.id
    assert len(requests_to("POST", f"/applications/{demo.org_id}/users/sync.bot@acme.test/token"))


async def test_provisioning_needs_an_application_token(
    client: TallyfyClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    with pytest.raises(PermissionDeniedError, match="application's permissions"):
        await client.org(demo.org_id).applications.provision(
            email="x@acme.test", first_name="X", last_name="Y"
        )
    async with TallyfyClient(
        ClientCredentials(client_id=demo.client_id, client_secret=demo.client_secret),
        base_url=fake.base_url,
        token_url=fake.token_url,
    ) as app:
        with pytest.raises(ValidationError):  # the address belongs to a member already
            await app.org(demo.org_id).applications.provision(
                email=demo.admin_email, first_name="A", last_name="B"
            )
        fake.reset_log()
        with pytest.raises(ValueError, match="role must be one of"):
            await app.org(demo.org_id).applications.provision(
                email="x@acme.test", first_name="X", last_name="Y", role="root"
            )
        with pytest.raises(ValueError, match="email must be an email address"):
            await app.org(demo.org_id).applications.provision(
                email="x", first_name="X", last_name="Y"
            )
        assert fake.log == []
