"""The read timeout, re-armed lazily (``tallyfy_async._read_timer``), over real HTTP.

A small aiohttp server answers with its body in timed pieces: the rule under test is that an
attempt fails when no byte arrived for ``sock_read`` seconds, and only then.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from tallyfy_async import TallyfyClient, Timeouts
from tallyfy_async._read_timer import LazyReadTimer, install
from tallyfy_async.testing import DemoOrg, FakeTallyfy


async def _pieces(request: web.Request) -> web.StreamResponse:
    """``?pieces=N&gap=S``: N pieces of the body, S seconds apart (the first after S)."""
    pieces = int(request.query.get("pieces", "1"))
    gap = float(request.query.get("gap", "0"))
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    response.content_length = pieces
    await response.prepare(request)
    for _ in range(pieces):
        await asyncio.sleep(gap)
        await response.write(b" ")
    return response


#: The body ``/flood`` sends at once before it falls silent: more than the client buffers,
#: so aiohttp pauses reading until the consumer catches up.
FLOOD = 8_000_000


async def _flood(request: web.Request) -> web.StreamResponse:
    """``FLOOD`` bytes at once, then silence (one byte more announced, never sent in time)."""
    response = web.StreamResponse()
    response.content_length = FLOOD + 1
    await response.prepare(request)
    await response.write(b"x" * FLOOD)
    await asyncio.sleep(5)
    return response


@pytest.fixture
async def server() -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_get("/pieces", _pieces)
    app.router.add_get("/flood", _flood)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def lazy_session(read: float) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(limit=1)  # one connection: every request reuses it
    assert install(connector)
    return aiohttp.ClientSession(
        connector=connector, timeout=aiohttp.ClientTimeout(total=30, sock_read=read)
    )


async def fetch(session: aiohttp.ClientSession, url: str, **timeout: float) -> bytes:
    kwargs = {"timeout": aiohttp.ClientTimeout(total=30, **timeout)} if timeout else {}
    async with session.get(url, **kwargs) as response:
        return await response.read()


async def test_the_installed_aiohttp_builds_its_connections_with_the_lazy_timer(
    fake: FakeTallyfy, demo: DemoOrg
) -> None:
    # If a new aiohttp builds its protocols differently, install() keeps aiohttp's own
    # timer (correct, but slower): this test says so.
    async with TallyfyClient(
        demo.credentials, base_url=fake.base_url, token_url=fake.token_url
    ) as tallyfy:
        await tallyfy.org(demo.org_id).me()
        connector = tallyfy._transport._session.connector  # type: ignore[union-attr]
        assert isinstance(connector._factory(), LazyReadTimer)  # type: ignore[union-attr]


async def test_a_stalled_response_times_out(server: str) -> None:
    async with lazy_session(read=0.2) as session:
        with pytest.raises(aiohttp.SocketTimeoutError):
            await asyncio.wait_for(fetch(session, f"{server}/pieces?pieces=1&gap=3"), 10)


async def test_a_response_that_keeps_arriving_never_times_out(server: str) -> None:
    # 8 pieces 0.1 s apart: 0.8 s in all, four times the read timeout, never 0.2 s silent.
    async with lazy_session(read=0.2) as session:
        body = await fetch(session, f"{server}/pieces?pieces=8&gap=0.1")
    assert body == b" " * 8


async def test_a_connection_idle_longer_than_the_read_timeout_is_reused(server: str) -> None:
    async with lazy_session(read=0.2) as session:
        assert await fetch(session, f"{server}/pieces") == b" "
        protocol = next(iter(session.connector._conns.values()))[0][0]  # type: ignore[union-attr]
        await asyncio.sleep(0.5)  # idle: the timer armed for the first request fires, idle
        assert await fetch(session, f"{server}/pieces") == b" "
        assert next(iter(session.connector._conns.values()))[0][0] is protocol  # type: ignore[union-attr]


async def test_a_shorter_read_timeout_on_a_reused_connection_is_kept(server: str) -> None:
    # The first request arms the connection's timer 5 s ahead; the second asks for 0.2 s
    # and stalls 2 s: it must fail at 0.2 s, not be answered at 2 s.
    async with lazy_session(read=5) as session:
        assert await fetch(session, f"{server}/pieces") == b" "
        with pytest.raises(aiohttp.SocketTimeoutError):
            await fetch(session, f"{server}/pieces?pieces=1&gap=2", sock_read=0.2)


async def test_a_closed_connection_leaves_no_timer_armed(server: str) -> None:
    session = lazy_session(read=30)
    async with session:
        assert await fetch(session, f"{server}/pieces") == b" "
        protocol = next(iter(session.connector._conns.values()))[0][0]  # type: ignore[union-attr]
        assert protocol._read_timeout_handle is not None  # armed lazily, still pending
    await asyncio.sleep(0)  # connection_lost runs on the next loop turn
    assert protocol._read_timeout_handle is None


async def test_a_client_retries_a_stalled_read_through_the_lazy_timer(
    fake: FakeTallyfy, demo: DemoOrg
) -> None:
    fake.inject(path=r"/runs$", delay=2.0, times=1)
    attempts = []
    async with TallyfyClient(
        demo.credentials,
        base_url=fake.base_url,
        token_url=fake.token_url,
        timeouts=Timeouts(read=0.2),
        on_attempt=attempts.append,
    ) as tallyfy:
        await tallyfy.request("GET", f"/organizations/{demo.org_id}/runs")
    runs = [a for a in attempts if a.url.endswith("/runs")]
    assert [a.status for a in runs] == [None, 200]
    assert isinstance(runs[0].error, aiohttp.SocketTimeoutError)


async def test_a_slow_consumer_is_no_read_timeout_but_silence_after_it_is(server: str) -> None:
    # aiohttp's rule, kept: while the consumer holds reading paused the peer is not timed;
    # once the consumer has drained what arrived, a silent peer is.
    async with lazy_session(read=0.3) as session, session.get(f"{server}/flood") as response:
        got = len(await response.content.read(1 << 16))
        await asyncio.sleep(0.8)  # paused by flow control for longer than sock_read
        with pytest.raises(aiohttp.SocketTimeoutError):
            while True:
                got += len(await asyncio.wait_for(response.content.read(1 << 20), 10))
    assert got == FLOOD


async def test_a_timeout_under_a_millisecond_still_times_out_on_a_loop_like_uvloop() -> None:
    # uvloop's call_at answers a delay that rounds to 0 ms with a plain Handle (no
    # ``when()``): the timer must still fire, and re-arming must not trip over it.
    loop = asyncio.get_running_loop()
    call_at = loop.call_at

    def like_uvloop(when: float, callback: Any, *args: Any, context: Any = None) -> Any:
        if round((when - loop.time()) * 1000) == 0:
            return loop.call_soon(callback, *args, context=context)
        return call_at(when, callback, *args, context=context)

    loop.call_at = like_uvloop  # type: ignore[method-assign]
    try:
        protocol = LazyReadTimer(loop=loop)
        fired: list[BaseException] = []
        protocol.set_exception = fired.append  # type: ignore[method-assign,assignment]
        protocol._read_timeout = 0.0002
        protocol._reschedule_timeout()
        assert not hasattr(protocol._read_timeout_handle, "when")
        protocol._reschedule_timeout()  # a chunk arrived: the deadline moves
        await asyncio.sleep(0.05)
    finally:
        del loop.call_at  # type: ignore[method-assign]
    assert len(fired) == 1 and isinstance(fired[0], aiohttp.SocketTimeoutError)
