"""One RefreshToken serving several organizations over real HTTP: its refresh tokens are one
chain (each spent by its use), so the organizations share one token and never present a
refresh token another one already spent."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tallyfy_async import AuthenticationError, MemoryTokenStore, RefreshToken, TallyfyClient
from tallyfy_async.auth.cache import CredentialsSource
from tallyfy_async.testing import DemoOrg, FakeTallyfy


def connect(fake: FakeTallyfy, credentials: CredentialsSource, **kwargs: Any) -> TallyfyClient:
    return TallyfyClient(credentials, base_url=fake.base_url, token_url=fake.token_url, **kwargs)


async def refresh_credentials(fake: FakeTallyfy, demo: DemoOrg) -> RefreshToken:
    """A RefreshToken of the administrator, whose live refresh token has never been used;
    the fake's counters are then cleared."""
    async with connect(fake, demo.credentials) as tallyfy:
        refresh = (await tallyfy.tokens.token(None)).refresh_token
    assert refresh is not None
    fake.reset_log()
    return RefreshToken(
        client_id=demo.client_id, client_secret=demo.client_secret, refresh_token=refresh
    )


def second_org(fake: FakeTallyfy, demo: DemoOrg) -> str:
    """Another organization the administrator belongs to."""
    org_id = fake.add_organization("Second")
    fake.add_member(org_id, email=demo.admin_email, password=demo.admin_password, role="admin")
    return org_id


def sources(credentials: RefreshToken, orgs: list[str]) -> dict[str, CredentialsSource]:
    """The three forms of ``credentials=`` giving these credentials to every organization."""

    async def lookup(org_id: str | None) -> RefreshToken:
        # A new, equal object each time, as a tenant table would load it.
        return RefreshToken(
            client_id=credentials.client_id,
            client_secret=credentials.client_secret,
            refresh_token=credentials.refresh_token,
        )

    callable_source: Callable[[str | None], Awaitable[RefreshToken]] = lookup
    return {
        "one object": credentials,
        "mapping": dict.fromkeys(orgs, credentials),
        "callable": callable_source,
    }


async def test_me_then_an_organization_use_one_refresh(fake: FakeTallyfy, demo: DemoOrg) -> None:
    credentials = await refresh_credentials(fake, demo)
    async with connect(fake, credentials) as tallyfy:
        assert (await tallyfy.me()).email == demo.admin_email
        assert (await tallyfy.org(demo.org_id).get()).id == demo.org_id
        fake.expire_tokens()
        assert (await tallyfy.org(demo.org_id).me()).email == demo.admin_email
        assert (await tallyfy.me()).email == demo.admin_email
    assert fake.counters.refresh_reuses() == 0
    assert fake.counters.grants_by_type == {"refresh_token": 2}


@pytest.mark.parametrize("form", ["one object", "mapping", "callable"])
async def test_two_organizations_at_once_share_one_refresh_chain(
    fake: FakeTallyfy, demo: DemoOrg, form: str
) -> None:
    orgs = [demo.org_id, second_org(fake, demo)]
    credentials = await refresh_credentials(fake, demo)
    store = MemoryTokenStore()

    async def storm(tallyfy: TallyfyClient) -> None:
        calls = [
            tallyfy.request("GET", f"/organizations/{org_id}/me")
            for _ in range(50)
            for org_id in orgs
        ]
        results = await asyncio.gather(*calls)
        assert {r.data["email"] for r in results} == {demo.admin_email}

    async with connect(fake, sources(credentials, orgs)[form], token_store=store) as tallyfy:
        await storm(tallyfy)
        fake.expire_tokens()
        await storm(tallyfy)
    # A later process sharing the store carries the chain on, from either organization.
    fake.expire_tokens()
    async with connect(fake, sources(credentials, orgs)[form], token_store=store) as later:
        await storm(later)
    assert fake.counters.refresh_reuses() == 0
    assert fake.counters.grants_by_type == {"refresh_token": 3}


@pytest.mark.parametrize("me_first", [False, True])
async def test_the_chain_an_earlier_version_kept_per_organization_is_adopted(
    fake: FakeTallyfy, demo: DemoOrg, me_first: bool
) -> None:
    credentials = await refresh_credentials(fake, demo)
    # An earlier version kept the chain under "<org>:<identity>": the configured refresh
    # token is spent, the live one is there.
    async with connect(fake, credentials) as earlier:
        rotated = await earlier.tokens.token(demo.org_id)
    store = MemoryTokenStore()
    await store.save(f"{demo.org_id}:{credentials.store_key}", rotated)
    fake.expire_tokens()
    async with connect(fake, credentials, token_store=store) as upgraded:
        if me_first:
            # Only the organization of the call is known: /me cannot find it...
            with pytest.raises(AuthenticationError):
                await upgraded.me()
        # ...the organization's first call adopts it, and /me shares it from then on.
        assert (await upgraded.org(demo.org_id).me()).email == demo.admin_email
        assert (await upgraded.me()).email == demo.admin_email
    assert fake.counters.grants_by_type == {"refresh_token": 2}
