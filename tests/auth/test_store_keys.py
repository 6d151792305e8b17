"""Clients acting as different users share one token store without adopting each other's
tokens; tokens stored by earlier versions under the organization alone (over real HTTP)."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, ClassVar

import attrs
import pytest

from tallyfy_async import (
    ApplicationUser,
    AuthenticationError,
    ClientCredentials,
    MemoryTokenStore,
    PasswordGrant,
    PersonalAccessToken,
    RefreshToken,
    TallyfyClient,
)
from tallyfy_async.auth import Credentials, FileTokenStore, TokenStore
from tallyfy_async.auth.cache import NO_ORG, store_key
from tallyfy_async.auth.flows import TokenEndpoint, TokenFlow
from tallyfy_async.stores import RedisTokenStore
from tallyfy_async.testing import DemoOrg, FakeTallyfy

MEMBER = "bob@acme.test"
MEMBER_PASSWORD = "bob-password"


def presented(refresh_token: str | None) -> str:
    """How FakeTallyfy counts a presentation of ``refresh_token``."""
    assert refresh_token is not None
    return hashlib.sha256(refresh_token.encode()).hexdigest()[:16]


def connect(fake: FakeTallyfy, credentials: Any, store: TokenStore) -> TallyfyClient:
    return TallyfyClient(
        credentials, base_url=fake.base_url, token_url=fake.token_url, token_store=store
    )


@pytest.fixture(params=["memory", "file", "redis"])
async def shared_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Any]:
    """One store, shared by every client of the test (clients close a store of their own
    with them, so each gets a new object on the same place)."""
    if request.param == "memory":
        store = MemoryTokenStore()
        yield lambda: store
    elif request.param == "file":
        yield lambda: FileTokenStore(tmp_path / "tokens.json")
    else:
        server = request.getfixturevalue("redis_server")
        yield lambda: RedisTokenStore(server.url)


def identities(demo: DemoOrg, kind: str) -> tuple[Credentials, Credentials]:
    """The administrator's credentials and the member's, of one kind."""
    if kind == "password":
        password = PasswordGrant(
            client_id=demo.client_id,
            client_secret=demo.client_secret,
            username=MEMBER,
            password=MEMBER_PASSWORD,
        )
        return demo.credentials, password
    admin, member = (
        ApplicationUser(client_id=demo.client_id, client_secret=demo.client_secret, email=email)
        for email in (demo.admin_email, MEMBER)
    )
    return admin, member


@pytest.mark.parametrize("kind", ["password", "application_user"])
async def test_two_users_of_one_organization_sharing_a_store_each_act_as_themselves(
    fake: FakeTallyfy, demo: DemoOrg, shared_store: Any, kind: str
) -> None:
    fake.add_member(demo.org_id, email=MEMBER, password=MEMBER_PASSWORD, role="light")
    admin_credentials, member_credentials = identities(demo, kind)
    async with (
        connect(fake, admin_credentials, shared_store()) as admin,
        connect(fake, member_credentials, shared_store()) as member,
    ):
        for _ in range(2):  # then again after a refresh, which reads the store
            emails = await asyncio.gather(
                *(client.org(demo.org_id).me() for client in (admin, member, admin, member))
            )
            assert [me.email for me in emails] == [demo.admin_email, MEMBER] * 2
            fake.expire_tokens()
    # A process started later finds each user's own token.
    async with connect(fake, member_credentials, shared_store()) as later:
        assert (await later.org(demo.org_id).me()).email == MEMBER


@pytest.mark.parametrize("org", [None, "demo"])
async def test_a_refresh_token_adopts_the_token_an_earlier_version_stored_under_the_org(
    fake: FakeTallyfy, demo: DemoOrg, shared_store: Any, org: str | None
) -> None:
    org_id = demo.org_id if org else None
    # An earlier version refreshed the configured refresh token and stored the rotated one
    # under the organization alone: the configured one is spent.
    async with connect(fake, demo.credentials, MemoryTokenStore()) as first:
        configured = (await first.tokens.token(org_id)).refresh_token
    assert configured is not None
    credentials = RefreshToken(
        client_id=demo.client_id, client_secret=demo.client_secret, refresh_token=configured
    )
    async with connect(fake, credentials, MemoryTokenStore()) as earlier:
        rotated = await earlier.tokens.token(org_id)
    legacy = shared_store()
    await legacy.save(org_id or NO_ORG, rotated)
    if hasattr(legacy, "aclose"):
        await legacy.aclose()
    fake.expire_tokens()
    fake.reset_log()

    async with connect(fake, credentials, shared_store()) as upgraded:
        path = f"/organizations/{demo.org_id}/me" if org_id else "/me"
        response = await upgraded.request("GET", path)
        assert response.status == 200
        assert response.body["data"]["email"] == demo.admin_email
        current = await upgraded.tokens.token(org_id)
        assert current.refresh_token not in (configured, rotated.refresh_token)
        # Kept under the new key from now on.
        assert await upgraded.tokens.store.load(store_key(org_id, credentials)) == current
    # The configured refresh token is presented first (it may be live, and is this
    # identity's for sure); refused as spent, the one the earlier version stored is adopted.
    assert fake.counters.refresh_presentations == {
        presented(configured): 1,
        presented(rotated.refresh_token): 1,
    }
    assert fake.counters.grants_by_type == {"refresh_token": 1}
    # Left taken, so that no other identity adopts it as well.
    left = shared_store()
    taken = await left.load(org_id or NO_ORG)
    if hasattr(left, "aclose"):
        await left.aclose()
    assert taken is not None and taken.refresh_token is None
    assert taken.access_token != rotated.access_token


async def test_other_credentials_take_a_new_token_rather_than_adopt_one_stored_under_the_org(
    fake: FakeTallyfy, demo: DemoOrg, shared_store: Any
) -> None:
    fake.add_member(demo.org_id, email=MEMBER, password=MEMBER_PASSWORD, role="light")
    _, member_credentials = identities(demo, "password")
    async with connect(fake, demo.credentials, MemoryTokenStore()) as earlier:
        admin_token = await earlier.tokens.token(demo.org_id)
    legacy = shared_store()
    await legacy.save(demo.org_id, admin_token)  # an earlier version's key: the org alone
    if hasattr(legacy, "aclose"):
        await legacy.aclose()
    fake.reset_log()
    async with connect(fake, member_credentials, shared_store()) as member:
        assert (await member.org(demo.org_id).me()).email == MEMBER
    assert fake.counters.grants_by_type == {"password": 1}


def test_store_keys_name_the_user_without_a_secret_or_an_address() -> None:
    secrets = ["s3cret-client", "p4ssword", "r3fresh-token", "p4t-token", "bob@acme.test"]
    keys = [
        store_key("org", credentials)
        for credentials in (
            PasswordGrant(
                client_id="7", client_secret=secrets[0], username=secrets[4], password=secrets[1]
            ),
            PasswordGrant(
                client_id="7", client_secret=secrets[0], username="eve@acme.test", password="x"
            ),
            RefreshToken(client_id="7", client_secret=secrets[0], refresh_token=secrets[2]),
            ApplicationUser(client_id="7", client_secret=secrets[0], email=secrets[4]),
            ClientCredentials(client_id="7", client_secret=secrets[0]),
            PersonalAccessToken(token=secrets[3]),
        )
    ]
    assert len(set(keys)) == len(keys)
    # A refresh token's one chain serves every organization: its key names none.
    assert [key.split(":")[0] for key in keys] == ["org", "org", "*", "org", "org", "org"]
    assert not [key for key in keys for secret in secrets if secret in key]
    assert store_key(None, PersonalAccessToken(token="t")).startswith("*:")


async def refresh_token_of(fake: FakeTallyfy, credentials: Any, org: str) -> str:
    """A live refresh token of the user of ``credentials`` (as an OAuth sign-in gives)."""
    async with connect(fake, credentials, MemoryTokenStore()) as client:
        refresh = (await client.tokens.token(org)).refresh_token
    assert refresh is not None
    return refresh


async def test_only_one_identity_adopts_the_token_stored_under_the_org_the_others_act_as_themselves(
    fake: FakeTallyfy, demo: DemoOrg, shared_store: Any
) -> None:
    fake.add_member(demo.org_id, email=MEMBER, password=MEMBER_PASSWORD, role="light")
    _, member_password = identities(demo, "password")
    admin, member = [
        RefreshToken(
            client_id=demo.client_id,
            client_secret=demo.client_secret,
            refresh_token=await refresh_token_of(fake, credentials, demo.org_id),
        )
        for credentials in (demo.credentials, member_password)
    ]
    # An earlier version refreshed the administrator's refresh token and stored the rotated
    # one under the organization alone: the administrator's configured one is spent, so it
    # adopts that one; the member's is live, so it never does.
    async with connect(fake, admin, MemoryTokenStore()) as earlier:
        legacy_token = await earlier.tokens.token(demo.org_id)
    legacy = shared_store()
    await legacy.save(demo.org_id, legacy_token)
    if hasattr(legacy, "aclose"):
        await legacy.aclose()
    fake.expire_tokens()
    fake.reset_log()

    async with connect(fake, admin, shared_store()) as upgraded:
        assert (await upgraded.org(demo.org_id).me()).email == demo.admin_email
    for _ in range(2):  # a second process of the member does not adopt it either
        async with connect(fake, member, shared_store()) as other:
            assert (await other.org(demo.org_id).me()).email == MEMBER
            # The member's own refresh token, then the one it rotated to: never the legacy one.
            fake.expire_tokens()
    assert fake.counters.grants_by_type == {"refresh_token": 3}
    assert fake.counters.refresh_reuses() == 0
    left = shared_store()
    taken = await left.load(demo.org_id)
    if hasattr(left, "aclose"):
        await left.aclose()
    assert taken is not None and taken.refresh_token is None
    assert taken.access_token != legacy_token.access_token


async def test_a_live_configured_refresh_token_acts_as_its_user_and_leaves_the_org_entry(
    fake: FakeTallyfy, demo: DemoOrg, shared_store: Any
) -> None:
    fake.add_member(demo.org_id, email=MEMBER, password=MEMBER_PASSWORD, role="light")
    _, member_password = identities(demo, "password")
    member = RefreshToken(
        client_id=demo.client_id,
        client_secret=demo.client_secret,
        refresh_token=await refresh_token_of(fake, member_password, demo.org_id),
    )
    # What an earlier version left under the organization alone: the administrator's token.
    async with connect(fake, demo.credentials, MemoryTokenStore()) as earlier:
        admin_token = await earlier.tokens.token(demo.org_id)
    legacy = shared_store()
    await legacy.save(demo.org_id, admin_token)
    if hasattr(legacy, "aclose"):
        await legacy.aclose()
    fake.expire_tokens()
    fake.reset_log()

    async with connect(fake, member, shared_store()) as upgraded:
        assert (await upgraded.org(demo.org_id).me()).email == MEMBER
    # Only the member's own refresh token was presented, and the entry was neither
    # adopted nor taken: the administrator's process may still adopt it.
    assert fake.counters.refresh_presentations == {presented(member.refresh_token): 1}
    left = shared_store()
    assert await left.load(demo.org_id) == admin_token
    if hasattr(left, "aclose"):
        await left.aclose()


async def test_an_unknown_client_does_not_adopt_the_token_stored_under_the_org(
    fake: FakeTallyfy, demo: DemoOrg, shared_store: Any
) -> None:
    async with connect(fake, demo.credentials, MemoryTokenStore()) as earlier:
        admin_token = await earlier.tokens.token(demo.org_id)
    legacy = shared_store()
    await legacy.save(demo.org_id, admin_token)
    if hasattr(legacy, "aclose"):
        await legacy.aclose()
    wrong_secret = RefreshToken(
        client_id=demo.client_id,
        client_secret="not-the-secret",
        refresh_token=admin_token.refresh_token or "",
    )
    async with connect(fake, wrong_secret, shared_store()) as upgraded:
        with pytest.raises(AuthenticationError) as refused:
            await upgraded.org(demo.org_id).me()
    # The same client would fail with the adopted token too: the entry is left as it was.
    assert refused.value.code == "invalid_client"
    left = shared_store()
    assert await left.load(demo.org_id) == admin_token
    if hasattr(left, "aclose"):
        await left.aclose()


@attrs.frozen
class OwnRefresh:
    """Credentials of an application's own, without ``store_key``: a refresh token."""

    renewable: ClassVar[bool] = True
    refused_hint: ClassVar[str] = "sign in again"
    wrapped: RefreshToken

    def check_org(self, org: str | None) -> None:
        """Any organization."""

    def flow(self, endpoint: TokenEndpoint) -> TokenFlow:
        """The wrapped refresh token's flow."""
        return self.wrapped.flow(endpoint)


@pytest.mark.parametrize("spent", [False, True])
async def test_credentials_without_store_key_never_adopt_the_token_stored_under_the_org(
    fake: FakeTallyfy, demo: DemoOrg, shared_store: Any, spent: bool
) -> None:
    # A class of your own may refuse a wrong password as "invalid_grant", which must never
    # lead to another user's token: only RefreshToken adopts. Here the earlier version's
    # entry is the administrator's, and the class's own refresh token is live or spent.
    credentials = OwnRefresh(
        RefreshToken(
            client_id=demo.client_id,
            client_secret=demo.client_secret,
            refresh_token=await refresh_token_of(fake, demo.credentials, demo.org_id),
        )
    )
    async with connect(fake, demo.credentials, MemoryTokenStore()) as earlier:
        legacy_token = await earlier.tokens.token(demo.org_id)
    if spent:  # its own refresh token rotated away
        async with connect(fake, credentials, MemoryTokenStore()) as earlier:
            await earlier.tokens.token(demo.org_id)
    legacy = shared_store()
    await legacy.save(demo.org_id, legacy_token)
    if hasattr(legacy, "aclose"):
        await legacy.aclose()
    fake.expire_tokens()

    async with connect(fake, credentials, shared_store()) as upgraded:
        if spent:
            with pytest.raises(AuthenticationError):
                await upgraded.org(demo.org_id).me()
        else:
            assert (await upgraded.org(demo.org_id).me()).email == demo.admin_email
    left = shared_store()
    remaining = await left.load(demo.org_id)
    if hasattr(left, "aclose"):
        await left.aclose()
    assert remaining is not None and remaining.refresh_token is not None  # left as it was
    assert remaining.access_token == legacy_token.access_token
