"""The token cache over real HTTP: one refresh per organization, replay on 401, rotation."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from tallyfy_async import (
    ApplicationUser,
    AuthenticationError,
    ClientCredentials,
    MemoryTokenStore,
    PasswordGrant,
    PersonalAccessToken,
    RefreshToken,
    RetryPolicy,
    TallyfyClient,
    Token,
)
from tallyfy_async.auth.cache import store_key
from tallyfy_async.testing import DemoOrg, FakeTallyfy


def grants(fake: FakeTallyfy) -> list[Any]:
    return [r for r in fake.log if r.path.endswith("/oauth/token") and r.status == 200]


def bearer(request: Any) -> str:
    headers = {k.lower(): v for k, v in request.headers.items()}
    return str(headers["authorization"]).removeprefix("Bearer ")


def connect(fake: FakeTallyfy, credentials: Any, **kwargs: Any) -> TallyfyClient:
    return TallyfyClient(credentials, base_url=fake.base_url, token_url=fake.token_url, **kwargs)


async def expired_store(org: str) -> MemoryTokenStore:
    store = MemoryTokenStore()
    now = time.time()
    await store.save(
        org, Token(access_token="long-gone", expires_at=now - 10, obtained_at=now - 3610)
    )
    return store


async def test_ten_thousand_callers_on_an_expired_token_cause_one_token_request(
    fake: FakeTallyfy, demo: DemoOrg
) -> None:
    async with connect(
        fake, demo.credentials, token_store=await expired_store(demo.org_id)
    ) as tallyfy:
        tokens = await asyncio.gather(*(tallyfy.tokens.token(demo.org_id) for _ in range(10_000)))
        assert len({t.access_token for t in tokens}) == 1
        assert len(grants(fake)) == 1
        # The same storm end to end: 500 concurrent API calls, still one grant.
        await tallyfy.tokens.invalidate(demo.org_id, tokens[0])
        await asyncio.gather(
            *(tallyfy.request("GET", f"/organizations/{demo.org_id}/me") for _ in range(500))
        )
    assert len(grants(fake)) == 2


async def test_two_organizations_refresh_concurrently_without_crossing(fake: FakeTallyfy) -> None:
    orgs = {}
    for name in ("Acme", "Globex"):
        org_id = fake.add_organization(name=name)
        email = f"admin@{name.lower()}.test"
        fake.add_member(org_id, email=email, password=f"pw-{name}", role="admin")
        client_id, secret = fake.add_client(org_ids=[org_id])
        orgs[org_id] = PasswordGrant(
            client_id=client_id, client_secret=secret, username=email, password=f"pw-{name}"
        )
    async with connect(fake, orgs) as tallyfy:
        calls = [
            tallyfy.request("GET", f"/organizations/{org_id}/me")
            for _ in range(100)
            for org_id in orgs
        ]
        results = await asyncio.gather(*calls)
    assert {r.data["email"] for r in results} == {c.username for c in orgs.values()}
    assert len(grants(fake)) == 2
    token_of = {}
    for request in fake.log:
        if request.org_id in orgs and "oauth" not in request.path:
            token_of.setdefault(request.org_id, set()).add(bearer(request))
    assert len(token_of) == 2 and all(len(t) == 1 for t in token_of.values())
    first, second = orgs
    assert token_of[first].isdisjoint(token_of[second])


async def test_an_unknown_org_is_refused_before_anything_is_sent(
    fake: FakeTallyfy, demo: DemoOrg
) -> None:
    async with connect(fake, {demo.org_id: demo.credentials}) as tallyfy:
        with pytest.raises(ValueError, match="no credentials for organization"):
            tallyfy.org("a" * 32)
        with pytest.raises(ValueError, match="no credentials for organization"):
            await tallyfy.request("GET", f"/organizations/{'a' * 32}/runs")
        with pytest.raises(ValueError, match="name the organization"):
            await tallyfy.request("GET", "/me")
    assert fake.log == []


async def test_credentials_can_come_from_an_async_callable(
    fake: FakeTallyfy, demo: DemoOrg
) -> None:
    asked: list[str] = []

    async def lookup(org_id: str) -> PasswordGrant:
        asked.append(org_id)
        return demo.credentials

    async with connect(fake, lookup) as tallyfy:
        await asyncio.gather(
            *(tallyfy.request("GET", f"/organizations/{demo.org_id}/me") for _ in range(20))
        )
    assert asked == [demo.org_id]


async def test_calls_that_name_no_organization_ask_the_callable_for_none(
    fake: FakeTallyfy, demo: DemoOrg
) -> None:
    asked: list[str | None] = []

    async def lookup(org_id: str | None) -> PasswordGrant:
        asked.append(org_id)
        # A tenant table, with the service's own user for calls that name no organization.
        return {demo.org_id: demo.credentials, None: demo.credentials}[org_id]

    async with connect(fake, lookup) as tallyfy:
        assert (await tallyfy.me()).email == demo.admin_email
        assert [o.id for o in await tallyfy.organizations().to_list()] == [demo.org_id]
        await tallyfy.org(demo.org_id).get()
    assert asked == [None, demo.org_id]


async def test_a_401_discards_the_token_refreshes_and_replays_once(
    fake: FakeTallyfy, demo: DemoOrg, client: TallyfyClient
) -> None:
    await client.request("GET", f"/organizations/{demo.org_id}/me")
    first = await client.tokens.token(demo.org_id)
    fake.expire_token(first.access_token)
    response = await client.request("GET", f"/organizations/{demo.org_id}/runs")
    assert isinstance(response.data, list)
    runs = [r for r in fake.log if r.path.endswith("/runs")]
    assert [r.status for r in runs] == [401, 200]
    assert bearer(runs[0]) == first.access_token and bearer(runs[1]) != first.access_token
    assert [g.body["grant_type"] for g in grants(fake)] == ["password", "refresh_token"]


async def test_a_second_401_raises_with_what_to_check(
    fake: FakeTallyfy, demo: DemoOrg, client: TallyfyClient
) -> None:
    fake.inject(path=r"/runs$", status=401, body={"message": "Unauthenticated."})
    with pytest.raises(AuthenticationError) as error:
        await client.request("GET", f"/organizations/{demo.org_id}/runs")
    text = str(error.value)
    assert "Unauthenticated." in text
    for advice in (
        "Bearer <token>",
        "expired",
        "client_id",
        "X-Tallyfy-Client",
        "client-credentials",
    ):
        assert advice in text
    assert len([r for r in fake.log if r.path.endswith("/runs")]) == 2


async def test_a_refused_refresh_token_falls_back_to_the_original_grant(
    fake: FakeTallyfy, demo: DemoOrg, client: TallyfyClient
) -> None:
    await client.request("GET", "/me")
    fake.revoke_tokens()  # access and refresh tokens alike
    await client.request("GET", "/me")
    assert [g.body["grant_type"] for g in fake.log if g.path.endswith("/oauth/token")] == [
        "password",
        "refresh_token",
        "password",
    ]


class WatchingStore(MemoryTokenStore):
    """Checks, at every save, that the fake has not yet seen the token being saved."""

    def __init__(self, fake: FakeTallyfy) -> None:
        super().__init__()
        self.fake = fake
        self.saved: list[Token] = []

    async def save(self, key: str, token: Token) -> None:
        used = [
            r for r in self.fake.log if "oauth" not in r.path and bearer(r) == token.access_token
        ]
        assert used == [], "a token was used before it was saved"
        self.saved.append(token)
        await super().save(key, token)


async def test_a_rotated_refresh_token_is_saved_before_it_is_used(
    fake: FakeTallyfy, demo: DemoOrg
) -> None:
    store = WatchingStore(fake)
    async with connect(fake, demo.credentials, token_store=store) as tallyfy:
        await tallyfy.request("GET", "/me")
        fake.expire_tokens()
        await tallyfy.request("GET", "/me")
    assert len(store.saved) == 2
    assert store.saved[0].refresh_token != store.saved[1].refresh_token
    assert await store.load(store_key(None, demo.credentials)) == store.saved[1]


async def test_a_refresh_token_from_the_store_wins_over_a_stale_one(
    fake: FakeTallyfy, demo: DemoOrg
) -> None:
    creds = demo.credentials
    store = MemoryTokenStore()
    async with connect(fake, creds, token_store=store) as tallyfy:
        await tallyfy.request("GET", "/me")
    original = await store.load(store_key(None, creds))
    assert original is not None and original.refresh_token
    refresh = RefreshToken(
        client_id=creds.client_id,
        client_secret=creds.client_secret,
        refresh_token=original.refresh_token,
    )
    fake.expire_tokens()
    async with connect(fake, refresh, token_store=store) as tallyfy:
        await tallyfy.request("GET", "/me")  # rotates the refresh token in the store
    rotated = await store.load(store_key(None, refresh))
    assert rotated is not None and rotated.refresh_token != original.refresh_token
    fake.expire_tokens()
    async with connect(fake, refresh, token_store=store) as tallyfy:
        await tallyfy.request("GET", "/me")  # uses the rotated one, not the stale original
    assert [r.status for r in fake.log if r.path.endswith("/oauth/token")] == [200, 200, 200]


async def test_personal_access_tokens_are_never_refreshed(fake: FakeTallyfy, demo: DemoOrg) -> None:
    pat = fake.add_personal_access_token(demo.admin_id)
    async with connect(fake, PersonalAccessToken(token=pat)) as tallyfy:
        me = await tallyfy.request("GET", "/me")
        assert me.data["id"] == demo.admin_id
        fake.revoke_token(pat)
        with pytest.raises(AuthenticationError, match="personal access token") as error:
            await tallyfy.request("GET", "/me")
    assert pat not in str(error.value)
    assert grants(fake) == []


async def test_client_credentials_tokens_lack_user_context(
    fake: FakeTallyfy, demo: DemoOrg
) -> None:
    client_id, secret = fake.add_client(org_ids=[demo.org_id])
    async with connect(
        fake, ClientCredentials(client_id=client_id, client_secret=secret)
    ) as tallyfy:
        with pytest.raises(
            AuthenticationError, match="client-credentials token has no user context"
        ):
            await tallyfy.request("GET", "/me")


async def test_an_application_acts_as_a_member(fake: FakeTallyfy, demo: DemoOrg) -> None:
    client_id, secret = fake.add_client(org_ids=[demo.org_id])
    user = ApplicationUser(
        client_id=client_id, client_secret=secret, email=demo.credentials.username
    )
    async with connect(fake, user) as tallyfy:
        me = await tallyfy.request("GET", f"/organizations/{demo.org_id}/me")
        assert me.data["email"] == demo.credentials.username
        with pytest.raises(ValueError, match="ApplicationUser"):
            await tallyfy.request("GET", "/me")
    minted = [r for r in fake.log if r.path.endswith("/token") and "/applications/" in r.path]
    assert len(minted) == 1 and minted[0].status == 200
    assert [g.body["grant_type"] for g in grants(fake)] == ["client_credentials"]


async def test_a_caller_cancelled_during_a_refresh_breaks_nothing(
    fake: FakeTallyfy, demo: DemoOrg
) -> None:
    fake.inject(path=r"/oauth/token$", delay=0.3, times=1)
    async with connect(fake, demo.credentials, retry=RetryPolicy(initial_delay=0.01)) as tallyfy:
        first = asyncio.create_task(tallyfy.request("GET", "/me"))
        others = [asyncio.create_task(tallyfy.request("GET", "/me")) for _ in range(5)]
        await asyncio.sleep(0.1)
        first.cancel()
        results = await asyncio.gather(*others)
        assert all(r.status == 200 for r in results)
        with pytest.raises(asyncio.CancelledError):
            await first
        entry = tallyfy.tokens._entries["*"]
        assert not entry.lock.locked()
        assert (await tallyfy.request("GET", "/me")).status == 200
    assert len(grants(fake)) == 1


async def test_calls_queued_behind_the_limit_send_the_refreshed_token(
    fake: FakeTallyfy, demo: DemoOrg
) -> None:
    async with connect(fake, demo.credentials, max_concurrency=4) as tallyfy:
        await tallyfy.request("GET", "/me")
        fake.expire_tokens()  # the server forgets it; the client cannot know
        results = await asyncio.gather(*(tallyfy.request("GET", "/me") for _ in range(200)))
    assert all(r.status == 200 for r in results)
    refused = [r for r in fake.log if r.path.endswith("/me") and r.status == 401]
    assert 1 <= len(refused) <= 4  # only the calls already holding a slot met the 401
    assert len(grants(fake)) == 2
