"""The session manager and the transport, over real HTTP against FakeTallyfy."""

from __future__ import annotations

import asyncio
import gc
import re
import socket
import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import aiohttp
import pytest

from tallyfy_async import (
    APIError,
    Attempt,
    ClientClosedError,
    ConflictError,
    MemoryTokenStore,
    NotFoundError,
    OrgClient,
    OutcomeUnknownError,
    PermissionDeniedError,
    RateLimitError,
    RetryPolicy,
    ServerError,
    TallyfyClient,
    Timeouts,
    Token,
    TransportError,
    ValidationError,
)
from tallyfy_async.testing import DemoOrg, FakeTallyfy

FAST = RetryPolicy(initial_delay=0.01, max_delay=0.05)


def api_requests(fake: FakeTallyfy, pattern: str, method: str | None = None) -> list[Any]:
    """The logged requests whose path matches ``pattern`` (token requests excluded)."""
    return [
        r
        for r in fake.log
        if re.search(pattern, r.path)
        and "oauth/token" not in r.path
        and (method is None or r.method == method)
    ]


def make_client(fake: FakeTallyfy, demo: DemoOrg, **kwargs: Any) -> TallyfyClient:
    kwargs.setdefault("retry", FAST)
    return TallyfyClient(
        demo.credentials, base_url=fake.base_url, token_url=fake.token_url, **kwargs
    )


async def test_every_request_carries_the_required_headers(
    fake: FakeTallyfy, demo: DemoOrg, client: TallyfyClient
) -> None:
    me = await client.request("GET", f"/organizations/{demo.org_id}/me")
    assert me.status == 200 and isinstance(me.data, dict)
    (logged,) = api_requests(fake, r"/me$")
    headers = {k.lower(): v for k, v in logged.headers.items()}
    assert headers["x-tallyfy-client"] == "APIClient"
    assert headers["accept"] == "application/json"
    assert re.fullmatch(r"Bearer [^\s]+", headers["authorization"])
    assert headers["user-agent"].startswith("tallyfy-async/")
    (grant,) = [r for r in fake.log if r.path.endswith("/oauth/token")]
    assert grant.method == "POST"
    assert {k.lower(): v for k, v in grant.headers.items()}["content-type"].startswith(
        "application/x-www-form-urlencoded"
    )
    assert grant.body["grant_type"] == "password"


@pytest.mark.parametrize("root", ["/api", ""])
async def test_both_base_url_forms_reach_the_same_routes(
    fake: FakeTallyfy, demo: DemoOrg, root: str
) -> None:
    async with TallyfyClient(
        demo.credentials, base_url=fake.root_url + root, token_url=fake.token_url
    ) as tallyfy:
        response = await tallyfy.request("GET", f"/organizations/{demo.org_id}/runs")
    assert isinstance(response.data, list)
    (logged,) = api_requests(fake, r"/runs$")
    assert logged.path == f"{root}/organizations/{demo.org_id}/runs"
    assert "/api/api/" not in logged.path


async def test_query_strings_encode_spaces_as_percent_20(
    fake: FakeTallyfy, demo: DemoOrg, client: TallyfyClient
) -> None:
    await client.request(
        "GET", f"/organizations/{demo.org_id}/runs", params={"q": "Onboard Jane", "starred": False}
    )
    (logged,) = api_requests(fake, r"/runs$")
    assert logged.query["q"] == "Onboard Jane"
    assert logged.query["starred"] == "false"
    assert "q=Onboard%20Jane" in logged.raw_query


async def test_envelopes_are_unwrapped_and_meta_is_kept(
    demo: DemoOrg, client: TallyfyClient
) -> None:
    page = await client.request("GET", f"/organizations/{demo.org_id}/runs", params={"per_page": 2})
    assert len(page.data) == 2
    assert page.meta["pagination"]["per_page"] == 2
    assert page.body["data"] is page.data


async def test_an_org_view_uses_its_own_org(
    fake: FakeTallyfy, demo: DemoOrg, client: TallyfyClient
) -> None:
    org = client.org(demo.org_id)
    assert client.org(demo.org_id) is org
    response = await org.request("GET", f"/organizations/{demo.org_id}/me")
    assert response.data["email"] == demo.credentials.username


async def test_a_token_is_never_sent_to_another_org(
    fake: FakeTallyfy, demo: DemoOrg, client: TallyfyClient
) -> None:
    with pytest.raises(ValueError, match="never sent to another"):
        await client.request("GET", f"/organizations/{demo.org_id}/runs", org="0" * 32)
    assert fake.log == []


@pytest.mark.parametrize(
    "bad",
    ["acme", "3b0c…", "3b0c", "a" * 31, "a" * 33, "g" * 32, "3B0C5F2E8D7A4C1B9E6F0A2D4C8B7E13", 12],
)
async def test_a_value_that_cannot_be_an_organization_id_is_refused_before_sending(
    fake: FakeTallyfy, client: TallyfyClient, bad: Any
) -> None:
    with pytest.raises((ValueError, TypeError), match="org") as raised:
        client.org(bad)
    if isinstance(bad, str) and bad.isupper():
        assert bad.lower() in str(raised.value)  # says how to write it
    else:
        assert "32 lowercase hexadecimal" in str(raised.value)
    with pytest.raises(ValueError, match="org"):
        await client.request("GET", f"/organizations/{bad}/runs")
    with pytest.raises(ValueError, match="org"):
        await client.request("GET", "/me", org=str(bad))
    assert fake.log == []


@pytest.mark.parametrize("bad", ["../users", "a/b", "x y", "a%2Fb", "a\nb", "z" * 10_000])
async def test_bad_ids_are_refused_before_anything_is_sent(
    fake: FakeTallyfy, client: TallyfyClient, bad: str
) -> None:
    with pytest.raises(ValueError, match="cannot be used in a URL path"):
        client.org(bad)
    if "/" not in bad:  # in a path a slash just separates segments
        with pytest.raises(ValueError):
            await client.request("GET", f"/organizations/{bad}/runs")
    assert fake.log == []


async def test_empty_and_204_bodies(
    fake: FakeTallyfy, demo: DemoOrg, client: TallyfyClient
) -> None:
    fake.inject(path=r"/me$", status=204, times=1)
    response = await client.request("GET", f"/organizations/{demo.org_id}/me")
    assert response.status == 204 and response.body is None and response.data is None


async def test_missing_objects_and_routes_map_to_not_found(
    demo: DemoOrg, client: TallyfyClient
) -> None:
    with pytest.raises(NotFoundError) as missing:
        await client.request("GET", f"/organizations/{demo.org_id}/runs/{'f' * 32}")
    assert missing.value.status == 404 and missing.value.code == "RESOURCE_NOT_FOUND"
    assert missing.value.message == "Resource not found"
    with pytest.raises(NotFoundError) as nowhere:
        await client.request("GET", f"/organizations/{demo.org_id}/no-such-route")
    assert nowhere.value.code == "ENDPOINT_NOT_FOUND"
    assert "GET http://127.0.0.1" in str(nowhere.value)


async def test_an_html_error_page_is_kept_as_text(
    fake: FakeTallyfy, demo: DemoOrg, client: TallyfyClient
) -> None:
    fake.inject(path=r"/runs$", status=404, html=True, times=1)
    with pytest.raises(NotFoundError) as error:
        await client.request("GET", f"/organizations/{demo.org_id}/runs")
    assert isinstance(error.value.body, str) and "404 | Not Found" in error.value.body
    assert "404 | Not Found" in error.value.message


@pytest.mark.parametrize(
    ("status", "body", "error_type"),
    [
        (
            403,
            {"message": "You don't have application's permissions for this organization!"},
            PermissionDeniedError,
        ),
        (
            409,
            {"error": {"code": "SEAT_POOL_EXHAUSTED", "message": "full seat limit", "details": {}}},
            ConflictError,
        ),
        (
            422,
            {
                "error": True,
                "message": "The given data was invalid.",
                "errors": {"title": ["The title is required."]},
            },
            ValidationError,
        ),
        (418, {"message": "I'm a teapot"}, APIError),
    ],
)
async def test_error_statuses_map_to_typed_errors(
    fake: FakeTallyfy,
    demo: DemoOrg,
    client: TallyfyClient,
    status: int,
    body: Any,
    error_type: type[APIError],
) -> None:
    fake.inject(path=r"/me$", status=status, body=body, headers={"X-Request-Id": "req-1"}, times=1)
    with pytest.raises(error_type) as error:
        await client.request("GET", f"/organizations/{demo.org_id}/me")
    assert type(error.value) is error_type
    assert error.value.status == status and error.value.request_id == "req-1"
    if status == 409:
        assert error.value.code == "SEAT_POOL_EXHAUSTED"
    if status == 422:
        assert error.value.errors == {"title": ["The title is required."]}
        assert "title: The title is required." in str(error.value)


async def test_429_on_post_is_retried_and_applied_once(fake: FakeTallyfy, demo: DemoOrg) -> None:
    fake.inject(path=r"/tasks$", method="POST", status=429, retry_after=0, times=2)
    async with make_client(fake, demo) as tallyfy:
        created = await tallyfy.request(
            "POST", f"/organizations/{demo.org_id}/tasks", json=one_off(demo)
        )
    posts = api_requests(fake, r"/tasks$", "POST")
    assert [r.status for r in posts] == [429, 429, 201]
    assert sum(r.applied for r in posts) == 1
    assert created.data["title"] == "Call Jane"


async def test_500_on_post_is_never_sent_twice(fake: FakeTallyfy, demo: DemoOrg) -> None:
    fake.inject(path=r"/tasks$", method="POST", status=500, times=1)
    async with make_client(fake, demo) as tallyfy:
        with pytest.raises(OutcomeUnknownError) as error:
            await tallyfy.request("POST", f"/organizations/{demo.org_id}/tasks", json=one_off(demo))
    assert error.value.status == 500 and "not sent again" in str(error.value)
    assert len(api_requests(fake, r"/tasks$", "POST")) == 1


async def test_a_dropped_post_raises_outcome_unknown_and_is_not_resent(
    fake: FakeTallyfy, demo: DemoOrg
) -> None:
    fake.inject(path=r"/tasks$", method="POST", drop="after", times=1)
    async with make_client(fake, demo) as tallyfy:
        with pytest.raises(OutcomeUnknownError):
            await tallyfy.request("POST", f"/organizations/{demo.org_id}/tasks", json=one_off(demo))
    (post,) = api_requests(fake, r"/tasks$", "POST")
    assert post.applied


@pytest.mark.parametrize(
    "fault",
    [{"status": 503}, {"status": 502}, {"drop": "before"}, {"drop": "after"}, {"truncate": True}],
)
async def test_reads_are_retried_through_server_errors_and_drops(
    fake: FakeTallyfy, demo: DemoOrg, fault: dict[str, Any]
) -> None:
    fake.inject(path=r"/runs$", method="GET", times=2, **fault)
    async with make_client(fake, demo) as tallyfy:
        response = await tallyfy.request("GET", f"/organizations/{demo.org_id}/runs")
    assert isinstance(response.data, list)
    assert len(api_requests(fake, r"/runs$", "GET")) == 3


async def test_server_errors_end_in_server_error_after_the_attempts(
    fake: FakeTallyfy, demo: DemoOrg
) -> None:
    fake.inject(path=r"/runs$", status=503, body={"message": "Server Error"})
    async with make_client(
        fake, demo, retry=RetryPolicy(max_attempts=3, initial_delay=0.01)
    ) as tallyfy:
        with pytest.raises(ServerError) as error:
            await tallyfy.request("GET", f"/organizations/{demo.org_id}/runs")
    assert error.value.status == 503
    assert len(api_requests(fake, r"/runs$")) == 3


async def test_retry_after_beyond_the_cap_raises_at_once(fake: FakeTallyfy, demo: DemoOrg) -> None:
    fake.inject(path=r"/runs$", status=429, retry_after=31_536_000)
    async with make_client(fake, demo) as tallyfy:
        with pytest.raises(RateLimitError) as error:
            await asyncio.wait_for(tallyfy.request("GET", f"/organizations/{demo.org_id}/runs"), 5)
    assert error.value.retry_after == 31_536_000
    assert len(api_requests(fake, r"/runs$")) == 1


async def test_a_retry_after_date_is_counted_from_the_servers_clock(
    fake: FakeTallyfy, demo: DemoOrg
) -> None:
    # The server's clock runs an hour behind ours; it asks for 1,000 s by date. Counted from
    # our clock that date is long past: the client would retry at once, into the same 429.
    server_now = datetime.now(UTC) - timedelta(hours=1)
    headers = {
        "Date": format_datetime(server_now, usegmt=True),
        "Retry-After": format_datetime(server_now + timedelta(seconds=1000), usegmt=True),
    }
    fake.inject(path=r"/runs$", status=429, headers=headers)
    async with make_client(fake, demo) as tallyfy:
        with pytest.raises(RateLimitError) as error:
            await asyncio.wait_for(tallyfy.request("GET", f"/organizations/{demo.org_id}/runs"), 5)
    assert error.value.retry_after == 1000  # past max_retry_after: raised, not retried
    assert len(api_requests(fake, r"/runs$")) == 1


async def test_a_server_error_with_retry_after_is_retried_when_the_server_said(
    fake: FakeTallyfy, demo: DemoOrg, caplog: pytest.LogCaptureFixture
) -> None:
    # A backoff of up to 60 s, so a wait of exactly 1 s can only be the server's.
    slow = RetryPolicy(initial_delay=60, max_delay=60)
    fake.inject(path=r"/runs$", method="GET", status=503, retry_after=1, times=1)
    async with make_client(fake, demo, retry=slow) as tallyfy:
        with caplog.at_level("INFO", logger="tallyfy_async.http"):
            await asyncio.wait_for(tallyfy.request("GET", f"/organizations/{demo.org_id}/runs"), 30)
    assert [r.status for r in api_requests(fake, r"/runs$")] == [503, 200]
    (retry,) = [r for r in caplog.records if "retry 1 of" in r.getMessage()]
    assert retry.getMessage().endswith("-> 503; retry 1 of 3 in 1.00 s")

    # Longer than max_retry_after: not waited for, and not retried.
    fake.inject(path=r"/runs$", method="GET", status=503, retry_after=3600, times=1)
    async with make_client(fake, demo, retry=slow) as tallyfy:
        with (
            caplog.at_level("INFO", logger="tallyfy_async.http"),
            pytest.raises(ServerError) as error,
        ):
            await asyncio.wait_for(tallyfy.request("GET", f"/organizations/{demo.org_id}/runs"), 30)
    assert error.value.status == 503
    assert [r.status for r in api_requests(fake, r"/runs$")] == [503, 200, 503]
    assert any("asks to wait 3600 s, longer than" in r.getMessage() for r in caplog.records)

    # A proxy's Retry-After on a 502 says nothing about Tallyfy: the backoff decides.
    fake.inject(path=r"/runs$", method="GET", status=502, retry_after=3600, times=1)
    quick = RetryPolicy(initial_delay=0.01)
    async with make_client(fake, demo, retry=quick) as tallyfy:
        await asyncio.wait_for(tallyfy.request("GET", f"/organizations/{demo.org_id}/runs"), 30)
    assert [r.status for r in api_requests(fake, r"/runs$")] == [503, 200, 503, 502, 200]


async def test_a_negative_retry_after_means_retry_now(fake: FakeTallyfy, demo: DemoOrg) -> None:
    fake.inject(path=r"/runs$", status=429, retry_after=-5, times=1)
    async with make_client(fake, demo) as tallyfy:
        await asyncio.wait_for(tallyfy.request("GET", f"/organizations/{demo.org_id}/runs"), 5)
    assert [r.status for r in api_requests(fake, r"/runs$")] == [429, 200]


async def test_a_slow_read_times_out_and_is_retried(fake: FakeTallyfy, demo: DemoOrg) -> None:
    fake.inject(path=r"/runs$", delay=2.0, times=1)
    async with make_client(fake, demo, timeouts=Timeouts(read=0.2)) as tallyfy:
        response = await tallyfy.request("GET", f"/organizations/{demo.org_id}/runs")
    assert isinstance(response.data, list)


async def test_the_deadline_bounds_a_call_across_retries(fake: FakeTallyfy, demo: DemoOrg) -> None:
    fake.inject(path=r"/runs$", delay=2.0)
    async with make_client(fake, demo, timeouts=Timeouts(read=0.2, deadline=0.7)) as tallyfy:
        await tallyfy.request("GET", f"/organizations/{demo.org_id}/me")  # token first
        with pytest.raises(TransportError):
            await asyncio.wait_for(tallyfy.request("GET", f"/organizations/{demo.org_id}/runs"), 5)


class HeldStore(MemoryTokenStore):
    """A token store whose loads wait until the test lets them go (a slow refresh)."""

    def __init__(self) -> None:
        super().__init__()
        self.loading = asyncio.Event()
        self.go = asyncio.Event()

    async def load(self, key: str) -> Token | None:
        self.loading.set()
        await self.go.wait()
        return await super().load(key)


async def test_the_deadline_bounds_the_wait_for_a_token(fake: FakeTallyfy, demo: DemoOrg) -> None:
    store = HeldStore()
    timeouts = Timeouts(deadline=0.3)
    async with make_client(fake, demo, token_store=store, timeouts=timeouts) as tallyfy:
        with pytest.raises(
            TransportError, match=r"Timeouts\.deadline=0\.3 s\) passed while it waited for a token"
        ):
            await asyncio.wait_for(tallyfy.request("GET", "/me"), 10)
        assert store.loading.is_set()
        # The refresh the call gave up on goes on, for the calls still waiting for it.
        store.go.set()
        me = await tallyfy.request("GET", "/me")
    assert me.status == 200
    assert len(api_requests(fake, r"/me$")) == 1  # the call that ran out sent nothing
    assert len([r for r in fake.log if "oauth/token" in r.path]) == 1


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_a_connection_that_never_opened_is_retried_even_for_post(demo: DemoOrg) -> None:
    attempts: list[Attempt] = []
    port = closed_port()
    async with TallyfyClient(
        demo.credentials,
        base_url=f"http://127.0.0.1:{port}/api",
        token_url=f"http://127.0.0.1:{port}/api/oauth/token",
        retry=RetryPolicy(max_attempts=3, initial_delay=0.01),
        on_attempt=attempts.append,
    ) as tallyfy:
        with pytest.raises(TransportError, match="could not connect"):
            await tallyfy.request("POST", f"/organizations/{demo.org_id}/tasks", json={})
    assert [a.attempt for a in attempts] == [1, 2, 3]
    assert all(a.status is None and a.error is not None for a in attempts)


async def test_redirects_are_never_followed(
    fake: FakeTallyfy, demo: DemoOrg, client: TallyfyClient
) -> None:
    fake.inject(path=r"/runs$", status=302, headers={"Location": "https://evil.example.com/steal"})
    with pytest.raises(APIError, match="never follows redirects") as error:
        await client.request("GET", f"/organizations/{demo.org_id}/runs")
    assert error.value.status == 302


async def test_the_attempt_hook_and_trace_configs_see_every_attempt(
    fake: FakeTallyfy, demo: DemoOrg
) -> None:
    attempts: list[Attempt] = []
    started: list[str] = []
    trace = aiohttp.TraceConfig()

    async def on_start(session: Any, context: Any, params: aiohttp.TraceRequestStartParams) -> None:
        started.append(params.url.path)

    trace.on_request_start.append(on_start)
    fake.inject(path=r"/runs$", status=503, times=1)
    async with make_client(
        fake, demo, on_attempt=attempts.append, trace_configs=[trace]
    ) as tallyfy:
        await tallyfy.request("GET", f"/organizations/{demo.org_id}/runs")
    runs = [a for a in attempts if a.url.endswith("/runs")]
    assert [(a.attempt, a.status) for a in runs] == [(1, 503), (2, 200)]
    assert all(a.elapsed >= 0 for a in attempts)
    assert started.count(f"/api/organizations/{demo.org_id}/runs") == 2


async def test_concurrency_is_limited_first_in_first_out(fake: FakeTallyfy, demo: DemoOrg) -> None:
    in_flight = 0
    peak = 0
    started: list[int] = []
    trace = aiohttp.TraceConfig()

    async def on_start(session: Any, context: Any, params: aiohttp.TraceRequestStartParams) -> None:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        if "page" in params.url.query:
            started.append(int(params.url.query["page"]))

    async def on_end(session: Any, context: Any, params: Any) -> None:
        nonlocal in_flight
        in_flight -= 1

    trace.on_request_start.append(on_start)
    trace.on_request_end.append(on_end)
    fake.inject(path=r"/runs$", delay=0.02)
    async with make_client(fake, demo, max_concurrency=3, trace_configs=[trace]) as tallyfy:
        await tallyfy.request("GET", f"/organizations/{demo.org_id}/me")  # the org's token
        path = f"/organizations/{demo.org_id}/runs"
        tasks = []
        for index in range(12):
            tasks.append(asyncio.create_task(tallyfy.request("GET", path, params={"page": index})))
            await asyncio.sleep(0)  # queue them in a known order
        await asyncio.gather(*tasks)
    assert peak <= 3
    assert started == list(range(12))  # admitted first in, first out


async def test_using_a_closed_client_raises_clearly(demo: DemoOrg, fake: FakeTallyfy) -> None:
    tallyfy = make_client(fake, demo)
    await tallyfy.close()
    with pytest.raises(ClientClosedError, match="closed"):
        await tallyfy.request("GET", "/me")


async def test_closing_ends_calls_in_flight(fake: FakeTallyfy, demo: DemoOrg) -> None:
    fake.inject(path=r"/runs$", delay=5)
    tallyfy = make_client(fake, demo)
    await tallyfy.request("GET", "/me")
    call = asyncio.create_task(tallyfy.request("GET", f"/organizations/{demo.org_id}/runs"))
    await asyncio.sleep(0.2)
    await tallyfy.close()
    with pytest.raises(ClientClosedError, match="closed while the request was in flight"):
        await asyncio.wait_for(call, 5)


async def test_a_client_used_from_another_loop_raises(
    fake: FakeTallyfy, demo: DemoOrg, client: TallyfyClient
) -> None:
    await client.request("GET", "/me")
    errors: list[BaseException] = []

    def other_loop() -> None:
        try:
            asyncio.run(client.request("GET", "/me"))
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=other_loop)
    thread.start()
    thread.join(10)
    assert len(errors) == 1 and isinstance(errors[0], RuntimeError)
    assert "another event loop" in str(errors[0])


async def test_an_unclosed_client_warns_and_schedules_nothing(
    fake: FakeTallyfy, demo: DemoOrg
) -> None:
    tallyfy = make_client(fake, demo)
    await tallyfy.request("GET", "/me")
    session = tallyfy._transport._session
    assert session is not None
    loop_tasks = len(asyncio.all_tasks())
    with pytest.warns(ResourceWarning, match="TallyfyClient was not closed"):
        del tallyfy
        gc.collect()
    assert len(asyncio.all_tasks()) == loop_tasks
    await session.close()


def test_the_client_repr_is_readable_and_secret_free(demo: DemoOrg, fake: FakeTallyfy) -> None:
    tallyfy = TallyfyClient(demo.credentials, base_url=fake.base_url)
    assert repr(tallyfy) == f"<TallyfyClient {fake.base_url} open>"
    assert demo.credentials.password not in repr(tallyfy)


def one_off(demo: DemoOrg) -> dict[str, Any]:
    return {
        "title": "Call Jane",
        "task_type": "task",
        "owners": {"users": [demo.admin_id], "guests": [], "groups": []},
        "deadline": "2030-01-01 09:00:00",
    }


async def test_the_escape_hatch_converts_datetimes_and_refuses_naive_ones(
    fake: FakeTallyfy, demo: DemoOrg, client: TallyfyClient
) -> None:
    from datetime import datetime, timedelta, timezone

    body = one_off(demo)
    body["deadline"] = datetime(2030, 1, 1, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    await client.request("POST", f"/organizations/{demo.org_id}/tasks", json=body)
    (post,) = api_requests(fake, r"/tasks$", "POST")
    assert post.body["deadline"] == "2030-01-01 09:00:00"
    body["deadline"] = datetime(2030, 1, 1, 10, 0)
    with pytest.raises(ValueError, match="naive datetime"):
        await client.request("POST", f"/organizations/{demo.org_id}/tasks", json=body)
    assert len(api_requests(fake, r"/tasks$", "POST")) == 1


async def test_the_api_and_token_urls_default_to_the_environment(
    fake: FakeTallyfy, demo: DemoOrg, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TALLYFY_BASE_URL", fake.base_url)
    monkeypatch.setenv("TALLYFY_TOKEN_URL", fake.token_url)
    async with TallyfyClient(demo.credentials) as client:
        assert str(client.base_url) == fake.base_url
        assert (await client.request("GET", "/me")).status == 200
    # An argument wins over the environment.
    async with TallyfyClient(demo.credentials, base_url="https://api.tallyfy.com") as client:
        assert client.base_url.host == "api.tallyfy.com"
    monkeypatch.setenv("TALLYFY_BASE_URL", "http://tallyfy.example.com/api")
    with pytest.raises(ValueError, match="http"):
        TallyfyClient(demo.credentials)  # plain HTTP to another host is refused, as ever
    monkeypatch.delenv("TALLYFY_BASE_URL")
    monkeypatch.delenv("TALLYFY_TOKEN_URL")
    assert str(TallyfyClient(demo.credentials).base_url) == "https://go.tallyfy.com/api"


async def test_an_org_view_made_by_hand_checks_its_id_and_keeps_it(
    fake: FakeTallyfy, demo: DemoOrg, client: TallyfyClient
) -> None:
    # Every request of its resources puts the id into the path as it is: the view checks
    # it once, when it is made, and it cannot be changed afterwards.
    for bad in ("../admin", "", demo.org_id + "/x"):
        with pytest.raises(ValueError, match="org_id"):
            OrgClient(client, bad)
    org = OrgClient(client, demo.org_id)
    with pytest.raises(AttributeError):
        org.org_id = "../admin"  # type: ignore[misc]
    await org.tasks.list(per_page=1)
    (listed,) = api_requests(fake, r"/tasks$")
    assert listed.path.endswith(f"/organizations/{demo.org_id}/tasks")
