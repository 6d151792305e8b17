"""A hostile or broken server: every answer ends in a typed error or a bounded wait.

None hangs, none follows a redirect (so the Authorization header never reaches another
host), none reads an unbounded body into memory. FakeTallyfy's faults make the cases it
can (bad JSON, HTML pages, cut bodies, redirects, absurd Retry-After); a bare asyncio
server on 127.0.0.1 makes the rest (a 2 GB Content-Length, a body that never ends, a
drip feed, a compression bomb, a broken status line).
"""

from __future__ import annotations

import asyncio
import gzip
import secrets
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from tallyfy_async import (
    APIError,
    NotFoundError,
    OutcomeUnknownError,
    PersonalAccessToken,
    RateLimitError,
    RetryPolicy,
    ServerError,
    TallyfyClient,
    TallyfyError,
    Timeouts,
    TransportError,
    UnexpectedResponseError,
)
from tallyfy_async import _constants as C
from tallyfy_async.testing import DemoOrg, FakeTallyfy

ORG = "e" * 32
ATTEMPTS = 3
RETRY = RetryPolicy(max_attempts=ATTEMPTS, initial_delay=0.01, max_delay=0.02)
TIMEOUTS = Timeouts(connect=1, read=0.3, total=1.0, deadline=4.0)
#: Every case here must end within this, whatever the server does.
BOUND = 15
JSON = {"Content-Type": "application/json"}
#: The size cap the memory cases run under (the default, 256 MB, is too slow to reach).
SMALL_CAP = 1 << 20

Answer = Callable[[bytes, asyncio.StreamWriter], Awaitable[None]]


@pytest.fixture
def pat(watch: Any) -> PersonalAccessToken:
    credentials = PersonalAccessToken(secrets.token_urlsafe(32))
    watch.credentials(credentials)
    return credentials


async def raw_client(raw_server: Any, pat: PersonalAccessToken, answer: Answer) -> Any:
    server = await raw_server(answer)
    client = TallyfyClient(
        pat,
        base_url=f"{server.url}/api",
        token_url=f"{server.url}/api/oauth/token",
        retry=RETRY,
        timeouts=TIMEOUTS,
    )
    return server, client


def head(status: str, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    return "\r\n".join(lines).encode()


async def hold() -> None:
    """Keep the connection open until the client leaves (or the test ends)."""
    await asyncio.sleep(BOUND * 2)


# -- sizes: nothing unbounded is read --------------------------------------------------


@pytest.mark.parametrize("status", ["200 OK", "500 Internal Server Error"])
async def test_a_2_gb_content_length_is_refused_before_reading(
    raw_server: Any, pat: PersonalAccessToken, watch: Any, status: str
) -> None:
    async def answer(request: bytes, writer: asyncio.StreamWriter) -> None:
        await server.write(
            writer, head(status, {**JSON, "Content-Length": str(2 << 30)}) + b'{"data": ['
        )
        await hold()

    server, client = await raw_client(raw_server, pat, answer)
    async with asyncio.timeout(BOUND), client:
        with watch.raises(TransportError, match="refused a 2147483648-byte response"):
            await client.request("GET", f"/organizations/{ORG}/runs")
        with watch.raises(OutcomeUnknownError, match="refused a 2147483648-byte response"):
            await client.request("POST", f"/organizations/{ORG}/runs", json={"name": "x"})
    assert len(server.requests) == 2  # neither was sent again


@pytest.mark.parametrize("then", ["hold", "close"])
async def test_a_body_shorter_than_its_content_length(
    raw_server: Any, pat: PersonalAccessToken, watch: Any, then: str
) -> None:
    async def answer(request: bytes, writer: asyncio.StreamWriter) -> None:
        await server.write(writer, head("200 OK", {**JSON, "Content-Length": "1000"}) + b'{"da')
        if then == "hold":
            await hold()
        writer.close()

    server, client = await raw_client(raw_server, pat, answer)
    async with asyncio.timeout(BOUND), client:
        with watch.raises(TransportError):
            await client.request("GET", f"/organizations/{ORG}/runs")
        assert len(server.requests) == ATTEMPTS  # a read is retried, within its attempts
        with watch.raises(OutcomeUnknownError):
            await client.request("POST", f"/organizations/{ORG}/runs", json={"name": "x"})
        assert len(server.requests) == ATTEMPTS + 1  # a write is not


async def test_a_drip_fed_body_is_cut_by_the_attempt_timeout(
    raw_server: Any, pat: PersonalAccessToken, watch: Any
) -> None:
    """One byte every 50 ms never trips the read timeout; the attempt's total does."""

    async def answer(request: bytes, writer: asyncio.StreamWriter) -> None:
        await server.write(writer, head("200 OK", {**JSON, "Content-Length": str(10**6)}))
        while True:
            await server.write(writer, b" ")
            await asyncio.sleep(0.05)

    server, client = await raw_client(raw_server, pat, answer)
    async with asyncio.timeout(BOUND), client:
        with watch.raises(TransportError, match=r"longer than Timeouts\.total=1 s; raise Timeouts"):
            await client.request("GET", f"/organizations/{ORG}/runs")
    assert 1 <= len(server.requests) <= ATTEMPTS


async def test_a_silent_server_is_cut_by_the_read_timeout_named_as_such(
    raw_server: Any, pat: PersonalAccessToken, watch: Any
) -> None:
    async def answer(request: bytes, writer: asyncio.StreamWriter) -> None:
        await server.write(writer, head("200 OK", {**JSON, "Content-Length": "100"}))
        await hold()

    server, client = await raw_client(raw_server, pat, answer)
    async with asyncio.timeout(BOUND), client:
        with watch.raises(TransportError, match=r"Timeouts\.read=0\.3 s; raise Timeouts\.read"):
            await client.request("GET", f"/organizations/{ORG}/runs")


async def test_an_attempt_cut_by_the_calls_deadline_names_the_deadline(
    raw_server: Any, pat: PersonalAccessToken, watch: Any
) -> None:
    async def answer(request: bytes, writer: asyncio.StreamWriter) -> None:
        await server.write(writer, head("200 OK", {**JSON, "Content-Length": str(10**6)}))
        while True:  # never slow enough for the read timeout
            await server.write(writer, b" ")
            await asyncio.sleep(0.05)

    server = await raw_server(answer)
    client = TallyfyClient(
        pat,
        base_url=f"{server.url}/api",
        token_url=f"{server.url}/api/oauth/token",
        timeouts=Timeouts(read=1, total=30, deadline=0.5),
    )
    async with asyncio.timeout(BOUND), client:
        with watch.raises(
            TransportError, match=r"deadline \(Timeouts\.deadline=0\.5 s\) ran out; raise"
        ):
            await client.request("GET", f"/organizations/{ORG}/runs")


async def test_an_endless_body_is_cut_at_the_size_cap(
    raw_server: Any, pat: PersonalAccessToken, watch: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(C, "MAX_RESPONSE_BYTES", SMALL_CAP)
    chunk = b"[" + b"0," * (32 * 1024)

    async def answer(request: bytes, writer: asyncio.StreamWriter) -> None:
        await server.write(writer, head("200 OK", {**JSON, "Transfer-Encoding": "chunked"}))
        while True:
            await server.write(writer, b"%x\r\n%s\r\n" % (len(chunk), chunk))

    server, client = await raw_client(raw_server, pat, answer)
    tracemalloc.start()
    try:
        async with asyncio.timeout(BOUND), client:
            with watch.raises(TransportError, match=f"over {SMALL_CAP} bytes"):
                await client.request("GET", f"/organizations/{ORG}/runs")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(server.requests) == 1
    # The server got to write little more than the cap (plus what socket buffers hold),
    # and the client held little more than the cap.
    assert server.bytes_written < SMALL_CAP + (8 << 20)
    assert peak < 8 * SMALL_CAP


async def test_a_compression_bomb_is_cut_at_the_size_cap(
    raw_server: Any, pat: PersonalAccessToken, watch: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """64 KB on the wire, 64 MB once inflated: the cap counts what is inflated."""
    monkeypatch.setattr(C, "MAX_RESPONSE_BYTES", SMALL_CAP)
    bomb = gzip.compress(b'{"data": "' + b"0" * (64 << 20) + b'"}', compresslevel=9)
    assert len(bomb) < SMALL_CAP

    async def answer(request: bytes, writer: asyncio.StreamWriter) -> None:
        headers = {**JSON, "Content-Encoding": "gzip", "Content-Length": str(len(bomb))}
        await server.write(writer, head("200 OK", headers) + bomb)

    server, client = await raw_client(raw_server, pat, answer)
    tracemalloc.start()
    try:
        async with asyncio.timeout(BOUND), client:
            with watch.raises(TransportError, match=f"over {SMALL_CAP} bytes"):
                await client.request("GET", f"/organizations/{ORG}/runs")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * SMALL_CAP


@pytest.mark.parametrize(
    "reply",
    [
        pytest.param(b"HELLO THERE\r\n\r\n", id="not HTTP"),
        pytest.param(
            b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n", id="1 MB header"
        ),
        pytest.param(b"HTTP/1.1 99999 WHAT\r\nContent-Length: 0\r\n\r\n", id="bad status"),
        pytest.param(b"HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n", id="negative length"),
    ],
)
async def test_a_broken_answer_is_a_transport_error(
    raw_server: Any, pat: PersonalAccessToken, watch: Any, reply: bytes
) -> None:
    async def answer(request: bytes, writer: asyncio.StreamWriter) -> None:
        await server.write(writer, reply)
        writer.close()

    server, client = await raw_client(raw_server, pat, answer)
    async with asyncio.timeout(BOUND), client:
        with watch.raises(TransportError):
            await client.request("GET", f"/organizations/{ORG}/runs")
    assert 1 <= len(server.requests) <= ATTEMPTS


# -- redirects: never followed ----------------------------------------------------------


@pytest.mark.max_requests(60)
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_a_redirect_to_another_host_is_never_followed(
    fake: FakeTallyfy, demo: DemoOrg, raw_server: Any, watch: Any, status: int
) -> None:
    async def trap_answer(request: bytes, writer: asyncio.StreamWriter) -> None:
        await trap.write(writer, head("200 OK", {**JSON, "Content-Length": "2"}) + b"{}")

    trap = await raw_server(trap_answer)
    # Another host name and port than the API's; a follower would send it everything.
    elsewhere = trap.url.replace("127.0.0.1", "localhost") + "/steal"
    async with (
        asyncio.timeout(BOUND),
        TallyfyClient(
            demo.credentials, base_url=fake.base_url, token_url=fake.token_url, retry=RETRY
        ) as client,
    ):
        org = client.org(demo.org_id)
        # The token endpoint first: a follower would post the password elsewhere.
        fake.inject(path=r"/oauth/token$", status=status, headers={"Location": elsewhere}, times=1)
        with watch.raises(APIError, match="never follows redirects") as error:
            await org.processes.get(demo.process_ids[0])
        assert error.value.status == status
        # Then a read and a write, with a token in hand.
        fake.inject(path=r"/runs", status=status, headers={"Location": elsewhere})
        with watch.raises(APIError, match="never follows redirects"):
            await org.processes.get(demo.process_ids[0])
        with watch.raises(APIError, match="never follows redirects"):
            await org.processes.launch(demo.blueprint_ids[2], kickoff_fields=[], name="x")
    assert trap.connections == 0
    assert fake.counters.launches() == 0


# -- bodies that are not what they claim ------------------------------------------------

PROCESS = r"/runs/[0-9a-f]+$"


UNREADABLE: dict[str, tuple[dict[str, Any], type[Exception]]] = {
    "cut JSON": ({"status": 200, "body": b'{"data": {', "headers": JSON}, TransportError),
    "JSON nested 100,000 deep": (
        {"status": 200, "body": b"[" * 100_000 + b"]" * 100_000, "headers": JSON},
        TransportError,
    ),
    "not UTF-8": (
        {"status": 200, "body": b'{"data": "\xff\xfe"}', "headers": JSON},
        TransportError,
    ),
    "bare NaN": ({"status": 200, "body": b"NaN", "headers": JSON}, TransportError),
    "body cut short": ({"status": 200, "truncate": True}, TransportError),
    "cut JSON on a 500": ({"status": 500, "body": b'{"message": ', "headers": JSON}, ServerError),
    "HTML 502 page": ({"status": 502, "html": True}, ServerError),
    "HTML 404 page": ({"status": 404, "html": True}, NotFoundError),
}


@pytest.mark.parametrize(
    ("fault", "error"), [pytest.param(*case, id=name) for name, case in UNREADABLE.items()]
)
async def test_a_body_that_cannot_be_read_is_a_typed_error(
    fake: FakeTallyfy, demo: DemoOrg, watch: Any, fault: dict[str, Any], error: type[Exception]
) -> None:
    async with (
        asyncio.timeout(BOUND),
        TallyfyClient(
            demo.credentials, base_url=fake.base_url, token_url=fake.token_url, retry=RETRY
        ) as client,
    ):
        org = client.org(demo.org_id)
        fake.inject(path=PROCESS, **fault)
        with watch.raises(error) as raised:
            await org.processes.get(demo.process_ids[0])
        if fault.get("html"):
            assert "non-JSON body" in str(raised.value) and "<html" in str(raised.value)
            assert len(str(raised.value)) < 1000  # the page is quoted, not pasted
        # The same answer to a launch: it may have been applied, and was not resent.
        fake.inject(path=r"/runs$", method="POST", **fault)
        expected = error if error is NotFoundError else OutcomeUnknownError
        with watch.raises(expected):
            await org.processes.launch(demo.blueprint_ids[2], kickoff_fields=[], name="x")
    launches = [r for r in fake.log if r.route == "runs.launch"]
    assert len(launches) == 1


@pytest.mark.parametrize(
    "body",
    [
        pytest.param([1, 2, 3], id="an array"),
        pytest.param({"data": [1, 2, 3]}, id="data is an array"),
        pytest.param({"data": "Process"}, id="data is a string"),
        pytest.param({"data": None}, id="data is null"),
        pytest.param({"data": {"name": "no id"}}, id="no id"),
        pytest.param("<html>Sign in to the Wi-Fi</html>", id="an HTML 200 page"),
    ],
)
async def test_a_json_value_where_an_object_belongs_is_refused(
    fake: FakeTallyfy, demo: DemoOrg, watch: Any, body: Any
) -> None:
    async with (
        asyncio.timeout(BOUND),
        TallyfyClient(
            demo.credentials, base_url=fake.base_url, token_url=fake.token_url, retry=RETRY
        ) as client,
    ):
        fake.inject(path=PROCESS, status=200, body=body)
        with watch.raises(UnexpectedResponseError) as raised:
            await client.org(demo.org_id).processes.get(demo.process_ids[0])
    assert "Process" in str(raised.value)
    # Read inside the transport's coroutine, the answer is refused, not retried.
    assert len([r for r in fake.log if r.method == "GET" and demo.process_ids[0] in r.path]) == 1


async def test_an_array_where_the_token_object_belongs_is_refused(
    fake: FakeTallyfy, demo: DemoOrg, watch: Any
) -> None:
    fake.inject(path=r"/oauth/token$", status=200, body=[{"access_token": "x"}])
    async with (
        asyncio.timeout(BOUND),
        TallyfyClient(
            demo.credentials, base_url=fake.base_url, token_url=fake.token_url, retry=RETRY
        ) as client,
    ):
        with watch.raises(TallyfyError, match="without an access_token"):
            await client.org(demo.org_id).processes.get(demo.process_ids[0])


# -- Retry-After: honoured up to the cap, never a hang ------------------------------------

A_YEAR = 365 * 24 * 3600
IN_A_YEAR = format_datetime(datetime.now(UTC) + timedelta(days=365), usegmt=True)


@pytest.mark.parametrize(
    ("retry_after", "waits"),
    [
        pytest.param(A_YEAR, False, id="a year in seconds"),
        pytest.param(IN_A_YEAR, False, id="a year as an HTTP date"),
        pytest.param("Fri, 31 Dec 9999 23:59:59 GMT", False, id="year 9999"),
        pytest.param(
            time.strftime("%a %b %e %H:%M:%S %Y", time.gmtime(time.time() + A_YEAR)),
            False,
            id="a year as an asctime date",
        ),
        pytest.param("1e309", True, id="infinite: unreadable"),
        pytest.param(-5, True, id="negative"),
        pytest.param("NaN", True, id="NaN"),
        pytest.param("soon", True, id="unreadable"),
        pytest.param("Thu, 01 Jan 1970 00:00:00 GMT", True, id="in the past"),
    ],
)
async def test_retry_after_is_honoured_up_to_the_cap(
    fake: FakeTallyfy, demo: DemoOrg, watch: Any, retry_after: Any, waits: bool
) -> None:
    """Past the cap: RateLimitError at once, with the delay. Otherwise a short wait."""
    async with (
        asyncio.timeout(BOUND),
        TallyfyClient(
            demo.credentials, base_url=fake.base_url, token_url=fake.token_url, retry=RETRY
        ) as client,
    ):
        org = client.org(demo.org_id)
        for call in (
            lambda: org.processes.get(demo.process_ids[0]),
            lambda: org.processes.launch(demo.blueprint_ids[2], kickoff_fields=[], name="x"),
        ):
            fault = fake.inject(path=r"/runs", status=429, retry_after=retry_after, times=1)
            if waits:
                await call()
            else:
                with watch.raises(RateLimitError) as raised:
                    await call()
                assert raised.value.retry_after is not None
                assert raised.value.retry_after > RETRY.max_retry_after
            assert fault.hits == 1
    # A 429 was not applied: a launch that ended in RateLimitError is not there.
    assert fake.counters.launches() == (1 if waits else 0)


# -- cookies: the session keeps none ------------------------------------------------------


async def test_cookies_a_server_sets_are_never_sent_back(fake: FakeTallyfy, demo: DemoOrg) -> None:
    fake.inject(
        path=PROCESS,
        status=200,
        body={"data": {}},
        headers={"Set-Cookie": "session=stolen; Path=/"},
        times=1,
    )
    async with (
        asyncio.timeout(BOUND),
        TallyfyClient(
            demo.credentials, base_url=fake.base_url, token_url=fake.token_url, retry=RETRY
        ) as client,
    ):
        await client.request("GET", f"/organizations/{demo.org_id}/runs/{demo.process_ids[0]}")
        await client.request("GET", f"/organizations/{demo.org_id}/runs")
    assert all("Cookie" not in r.headers for r in fake.log)
