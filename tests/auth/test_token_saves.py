"""A rotated refresh token is never lost: not to a failed save, not to a client closing."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest

from tallyfy_async import (
    ClientClosedError,
    MemoryTokenStore,
    RefreshToken,
    TallyfyClient,
    Token,
    TokenStoreError,
)
from tallyfy_async import _constants as C
from tallyfy_async.auth import FileTokenStore, StoredToken
from tallyfy_async.auth.cache import store_key
from tallyfy_async.testing import DemoOrg, FakeTallyfy


def token_requests(fake: FakeTallyfy) -> list[Any]:
    return [r for r in fake.log if r.path.endswith("/oauth/token")]


async def refresh_credentials(fake: FakeTallyfy, demo: DemoOrg) -> RefreshToken:
    """RefreshToken credentials holding a live refresh token, whose access token expired."""
    store = MemoryTokenStore()
    async with TallyfyClient(
        demo.credentials, base_url=fake.base_url, token_url=fake.token_url, token_store=store
    ) as tallyfy:
        await tallyfy.request("GET", "/me")
    held = await store.load(store_key(None, demo.credentials))
    assert held is not None and held.refresh_token
    fake.expire_tokens()
    creds = demo.credentials
    return RefreshToken(
        client_id=creds.client_id,
        client_secret=creds.client_secret,
        refresh_token=held.refresh_token,
    )


class FlakyStore(MemoryTokenStore):
    """An application's own store (a database, say) whose next save fails once."""

    fail_next = False

    async def save(self, key: str, token: Token) -> None:
        if self.fail_next:
            self.fail_next = False
            raise ConnectionError("database briefly unavailable")
        await super().save(key, token)


async def test_a_token_whose_save_failed_is_saved_before_it_is_used(
    fake: FakeTallyfy, demo: DemoOrg
) -> None:
    refresh = await refresh_credentials(fake, demo)
    store = FlakyStore()
    store.fail_next = True
    async with TallyfyClient(
        refresh, base_url=fake.base_url, token_url=fake.token_url, token_store=store
    ) as tallyfy:
        with pytest.raises(ConnectionError):
            await tallyfy.request("GET", "/me")
        assert tallyfy.tokens.cached(None) is None  # not sent while the store lacks it
        await tallyfy.request("GET", "/me")
        saved = await store.load(store_key(None, refresh))
        assert saved is not None and saved == await tallyfy.tokens.token(None)
    # One refresh (the password grant before it made the credentials): the token it got
    # went to the store on the next call, and served it.
    assert [r.status for r in token_requests(fake)] == [200, 200]
    assert [r.body["grant_type"] for r in token_requests(fake)] == ["password", "refresh_token"]
    me = [r for r in fake.log if r.path.endswith("/me")]
    assert [r.status for r in me] == [200, 200]


async def test_closing_during_a_refresh_lets_it_save_the_rotated_refresh_token(
    fake: FakeTallyfy, demo: DemoOrg
) -> None:
    refresh = await refresh_credentials(fake, demo)
    store = MemoryTokenStore()
    slow = fake.inject(path=r"/oauth/token$", delay=0.5, times=1)  # a slow answer
    client = TallyfyClient(
        refresh, base_url=fake.base_url, token_url=fake.token_url, token_store=store
    )
    call = asyncio.ensure_future(client.request("GET", "/me"))
    async with asyncio.timeout(30):
        # The fake counts the grant request as it arrives, before holding its answer; it
        # has no event to wait on, so poll the count.
        while not slow.hits:  # noqa: ASYNC110
            await asyncio.sleep(0.005)
    await client.close()
    [outcome] = await asyncio.gather(call, return_exceptions=True)
    assert isinstance(outcome, ClientClosedError) or outcome.status == 200, outcome
    saved = await store.load(store_key(None, refresh))
    assert saved is not None and saved.refresh_token != refresh.refresh_token
    # Another worker sharing the store carries on with the rotated token.
    async with TallyfyClient(
        refresh, base_url=fake.base_url, token_url=fake.token_url, token_store=store
    ) as worker:
        await worker.request("GET", "/me")
        assert await worker.tokens.token(None) == saved
    assert [r.status for r in token_requests(fake)] == [200, 200]


class HeldStore(MemoryTokenStore):
    """A store whose saves wait until the test releases them, and that records its close."""

    def __init__(self) -> None:
        super().__init__()
        self.saving = asyncio.Event()
        self.release = asyncio.Event()
        self.closed = False

    async def save(self, key: str, token: Token) -> None:
        self.saving.set()
        await self.release.wait()
        await super().save(key, token)

    async def aclose(self) -> None:
        self.closed = True


async def test_a_close_cancelled_while_a_refresh_runs_still_stops_it_and_closes_the_store(
    fake: FakeTallyfy, demo: DemoOrg
) -> None:
    refresh = await refresh_credentials(fake, demo)
    store = HeldStore()
    client = TallyfyClient(
        refresh, base_url=fake.base_url, token_url=fake.token_url, token_store=store
    )
    call = asyncio.ensure_future(client.request("GET", "/me"))
    await store.saving.wait()  # the refresh got its token and is saving it
    closing = asyncio.ensure_future(client.close())
    await asyncio.sleep(0)  # one step of the close: it now waits for the refresh
    assert client.closed and not closing.done()
    closing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await closing
    assert store.closed
    assert not client._transport.session_open  # the connections closed too
    with pytest.raises(ClientClosedError):
        await call  # the refresh was cancelled, not left running
    await client.close()  # again: nothing left to do (the store is closed once only)


class FlakyFileStore(FileTokenStore):
    """A shared (versioned) store whose next saves fail: Redis or a disk briefly away."""

    failures = 0

    async def save_versioned(self, key: str, token: Token, version: int) -> StoredToken:
        await self._fail()
        return await super().save_versioned(key, token, version)

    async def restore(self, key: str, record: StoredToken) -> StoredToken:
        await self._fail()
        return await super().restore(key, record)

    async def _fail(self) -> None:
        if self.failures:
            self.failures -= 1
            raise TokenStoreError("the token store is briefly unreachable")


class FailingStore(MemoryTokenStore):
    """An application's own store (a database, say) whose next saves fail."""

    failures = 0

    async def save(self, key: str, token: Token) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("database briefly unavailable")
        await super().save(key, token)


@pytest.fixture(params=["plain", "versioned"])
def flaky_store(request: pytest.FixtureRequest, tmp_path: Path) -> FlakyFileStore | FailingStore:
    if request.param == "plain":
        return FailingStore()
    return FlakyFileStore(tmp_path / "tokens.json")


async def test_closing_saves_a_rotated_refresh_token_whose_save_failed(
    fake: FakeTallyfy,
    demo: DemoOrg,
    flaky_store: FlakyFileStore | FailingStore,
    caplog: pytest.LogCaptureFixture,
) -> None:
    refresh = await refresh_credentials(fake, demo)
    flaky_store.failures = 1
    async with TallyfyClient(
        refresh, base_url=fake.base_url, token_url=fake.token_url, token_store=flaky_store
    ) as tallyfy:
        with pytest.raises((TokenStoreError, ConnectionError)):
            await tallyfy.request("GET", "/me")
        # The refresh token was rotated, and the new one lives in this process only.
        assert await flaky_store.load(store_key(None, refresh)) is None
    saved = await flaky_store.load(store_key(None, refresh))
    assert saved is not None and saved.refresh_token not in (None, refresh.refresh_token)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    # A process started later carries on with it.
    async with TallyfyClient(
        refresh, base_url=fake.base_url, token_url=fake.token_url, token_store=flaky_store
    ) as later:
        fake.expire_tokens()
        await later.request("GET", "/me")
    assert fake.counters.refresh_reuses() == 0


async def test_closing_says_when_a_rotated_refresh_token_could_not_be_saved(
    fake: FakeTallyfy,
    demo: DemoOrg,
    flaky_store: FlakyFileStore | FailingStore,
    caplog: pytest.LogCaptureFixture,
) -> None:
    refresh = await refresh_credentials(fake, demo)
    flaky_store.failures = 2  # the refresh's save, and the last attempt on closing
    async with TallyfyClient(
        refresh, base_url=fake.base_url, token_url=fake.token_url, token_store=flaky_store
    ) as tallyfy:
        with pytest.raises((TokenStoreError, ConnectionError)):
            await tallyfy.request("GET", "/me")
    [error] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    message = error.getMessage()
    assert "could not be saved" in message and "re-authorization" in message
    assert refresh.refresh_token not in message and refresh.client_secret not in message


async def test_a_refresh_token_shared_by_organizations_is_reported_lost_once(
    fake: FakeTallyfy,
    demo: DemoOrg,
    flaky_store: FlakyFileStore | FailingStore,
    caplog: pytest.LogCaptureFixture,
) -> None:
    refresh = await refresh_credentials(fake, demo)
    flaky_store.failures = 1_000  # every save fails
    async with TallyfyClient(
        refresh, base_url=fake.base_url, token_url=fake.token_url, token_store=flaky_store
    ) as tallyfy:
        for call in (tallyfy.request("GET", "/me"), tallyfy.org(demo.org_id).get()):
            with pytest.raises((TokenStoreError, ConnectionError)):
                await call
    # /me and the organization share one token and one chain: one token lost, one ERROR.
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "could not be saved" in errors[0].getMessage()


async def test_closing_while_a_save_hangs_says_the_rotated_refresh_token_was_lost(
    fake: FakeTallyfy,
    demo: DemoOrg,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(C, "TOKEN_CLOSE_GRACE", 0.2)
    refresh = await refresh_credentials(fake, demo)
    store = HeldStore()  # every save waits, as for a store that does not answer
    client = TallyfyClient(
        refresh, base_url=fake.base_url, token_url=fake.token_url, token_store=store
    )
    call = asyncio.ensure_future(client.request("GET", "/me"))
    await store.saving.wait()  # the refresh token was presented, its successor is saving
    await client.close()
    with pytest.raises(ClientClosedError):
        await call
    [error] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    message = error.getMessage()
    assert "organization *" in message and "could not be saved" in message
    assert "did not answer" in message and refresh.refresh_token not in message
