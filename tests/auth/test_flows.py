"""Credentials own their flows; the cache only schedules, locks and stores (over real HTTP)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any, ClassVar

import attrs
import pytest

from tallyfy_async import AuthenticationError, MemoryTokenStore, TallyfyClient, Token
from tallyfy_async.auth import (
    Credentials,
    LockingTokenStore,
    TokenEndpoint,
    TokenFlow,
    TokenStore,
)
from tallyfy_async.auth.cache import store_key
from tallyfy_async.testing import DemoOrg, FakeTallyfy


def connect(fake: FakeTallyfy, credentials: Any, **kwargs: Any) -> TallyfyClient:
    return TallyfyClient(credentials, base_url=fake.base_url, token_url=fake.token_url, **kwargs)


def grants(fake: FakeTallyfy) -> list[str]:
    return [r.body["grant_type"] for r in fake.log if r.route == "oauth.token"]


def bearers(fake: FakeTallyfy, path_end: str) -> list[tuple[str, int | None]]:
    return [
        (r.headers["Authorization"].removeprefix("Bearer "), r.status)
        for r in fake.log
        if r.path.endswith(path_end)
    ]


class SteppingClock:
    """A wall clock a test can move, backwards included."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def test_a_refused_token_is_never_sent_again_when_the_clock_steps_back(
    fake: FakeTallyfy, demo: DemoOrg, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = SteppingClock(1_000_000.0)
    async with connect(fake, demo.credentials) as client:
        monkeypatch.setattr(client.tokens, "_clock", clock)
        await client.request("GET", "/me")
        [(first, _)] = bearers(fake, "/me")
        fake.expire_token(first)  # Tallyfy no longer takes it
        clock.now -= 600  # NTP steps the wall clock back ten minutes
        response = await client.request("GET", "/me")
        assert response.status == 200
        clock.now -= 3600  # and further back: still never the refused token
        await client.request("GET", "/me")
    sent = bearers(fake, "/me")
    assert sent[1] == (first, 401)
    assert [status for _, status in sent[2:]] == [200, 200]
    assert all(token != first for token, _ in sent[2:])
    assert grants(fake) == ["password", "refresh_token"]


class SharedStore(MemoryTokenStore):
    """A store several clients share, with a lock per key (as a Redis store would have)."""

    def __init__(self) -> None:
        super().__init__()
        self._locks: dict[str, asyncio.Lock] = {}
        self.locked: list[str] = []

    @contextlib.asynccontextmanager
    async def lock(self, key: str) -> AsyncIterator[None]:
        async with self._locks.setdefault(key, asyncio.Lock()):
            self.locked.append(key)
            yield


async def test_clients_sharing_a_locking_store_refresh_once_between_them(
    fake: FakeTallyfy, demo: DemoOrg
) -> None:
    store = SharedStore()
    assert isinstance(store, LockingTokenStore)
    fake.inject(path=r"/oauth/token$", delay=0.05)  # a refresh takes a while
    async with (
        connect(fake, demo.credentials, token_store=store) as one,
        connect(fake, demo.credentials, token_store=store) as two,
    ):
        await asyncio.gather(
            *(client.request("GET", "/me") for client in (one, two) for _ in range(20))
        )
        assert grants(fake) == ["password"]
        fake.expire_tokens()
        await asyncio.gather(
            *(client.request("GET", "/me") for client in (one, two) for _ in range(20))
        )
    # One refresh for both: the second client found the first one's token in the store.
    assert grants(fake) == ["password", "refresh_token"]
    assert set(store.locked) == {store_key(None, demo.credentials)}


async def test_a_plain_store_is_not_asked_for_a_lock(fake: FakeTallyfy, demo: DemoOrg) -> None:
    store = MemoryTokenStore()
    assert isinstance(store, TokenStore) and not isinstance(store, LockingTokenStore)
    async with connect(fake, demo.credentials, token_store=store) as client:
        await client.request("GET", "/me")
    assert await store.load(store_key(None, demo.credentials)) is not None


@attrs.frozen
class VaultPassword:
    """A kind of credentials the SDK does not ship: the password is read from a vault
    every time a token is needed. It lives in this one test file."""

    renewable: ClassVar[bool] = True
    refused_hint: ClassVar[str] = "check the vault entry"

    client_id: str
    client_secret: str = attrs.field(repr=False)
    username: str
    vault: dict[str, str] = attrs.field(repr=False, eq=False)

    def check_org(self, org: str | None) -> None:
        """Every organization."""

    def flow(self, endpoint: TokenEndpoint) -> TokenFlow:
        return _VaultFlow(self, endpoint)


@attrs.define
class _VaultFlow:
    credentials: VaultPassword
    endpoint: TokenEndpoint
    reads: int = 0

    async def obtain(self, previous: Token | None) -> Token:
        self.reads += 1
        creds = self.credentials
        return await self.endpoint.grant(
            {
                "grant_type": "password",
                "client_id": creds.client_id,
                "client_secret": creds.client_secret,
                "username": creds.username,
                "password": creds.vault[creds.username],
            }
        )


async def test_a_new_kind_of_credentials_plugs_in_without_touching_the_cache(
    fake: FakeTallyfy, demo: DemoOrg
) -> None:
    vault = {demo.admin_email: demo.admin_password}
    creds = VaultPassword(demo.client_id, demo.client_secret, demo.admin_email, vault)
    assert isinstance(creds, Credentials)
    async with connect(fake, creds) as client:
        await client.org(demo.org_id).processes.list()
        fake.expire_tokens()
        await client.org(demo.org_id).processes.list()
        fake.revoke_tokens()
        fake.inject(path=r"/runs$", status=401, times=2)
        with pytest.raises(AuthenticationError, match="check the vault entry"):
            await client.org(demo.org_id).processes.list()
    assert grants(fake) == ["password", "password", "password"]


async def test_something_that_is_not_credentials_is_refused_by_name() -> None:
    with pytest.raises(TypeError, match="credentials must be"):
        TallyfyClient("a-token")  # type: ignore[arg-type]
