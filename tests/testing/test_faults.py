"""Rate limits and injected faults."""

from __future__ import annotations

import aiohttp
import pytest

from tallyfy_async.testing import DemoOrg, FakeTallyfy, RateLimit
from tests.testing.support import Api


async def test_rate_limit_answers_429_with_headers(api: Api, tallyfy_fake: FakeTallyfy) -> None:
    tallyfy_fake.set_rate_limit(RateLimit(requests=2, per_seconds=60, retry_after=7))
    first = await api.get("/me")
    assert first.status == 200
    assert first.headers["X-RateLimit-Limit"] == "2"
    assert first.headers["X-RateLimit-Remaining"] == "1"
    assert (await api.get("/me")).headers["X-RateLimit-Remaining"] == "0"
    refused = await api.get("/me")
    assert refused.status == 429
    assert refused.json == {"message": "Too Many Attempts.", "code": "RATE_LIMIT_EXCEEDED"}
    assert refused.headers["Retry-After"] == "7"
    assert refused.headers["X-RateLimit-Limit"] == "2"
    assert refused.headers["X-RateLimit-Remaining"] == "0"


async def test_rate_limit_is_per_token(
    api: Api, tallyfy_fake: FakeTallyfy, tallyfy_demo: DemoOrg
) -> None:
    tallyfy_fake.set_rate_limit(requests=1)
    other = tallyfy_fake.issue_token(tallyfy_demo.member_id)
    assert (await api.get("/me")).status == 200
    assert (await api.get("/me")).status == 429
    assert (await api.get("/me", token=other)).status == 200
    tallyfy_fake.set_rate_limit(None)
    assert (await api.get("/me")).status == 200


async def test_rate_limit_without_retry_after_counts_down_the_window(
    session: aiohttp.ClientSession,
) -> None:
    async with FakeTallyfy(rate_limit=RateLimit(requests=1, per_seconds=30)) as fake:
        demo = fake.seed_demo(processes=1, tasks_per_process=1)
        limited = Api(fake, session, fake.issue_token(demo.admin_id))
        await limited.get("/me")
        refused = await limited.get("/me")
        assert refused.status == 429
        assert 1 <= int(refused.headers["Retry-After"]) <= 30


async def test_status_fault_then_normal_service(
    api: Api, org_path: str, tallyfy_fake: FakeTallyfy
) -> None:
    fault = tallyfy_fake.inject(r"/runs$", method="GET", status=503, times=2)
    for _ in range(2):
        answer = await api.get(f"{org_path}/runs")
        assert answer.status == 503
        assert answer.json == {"message": "Service Unavailable"}
    assert (await api.get(f"{org_path}/runs")).status == 200
    assert fault.hits == 2 and not fault.active
    assert [entry.fault for entry in tallyfy_fake.log[-3:]] == ["status", "status", None]


async def test_fault_matches_method_and_path_only(
    api: Api, org_path: str, tallyfy_fake: FakeTallyfy
) -> None:
    tallyfy_fake.inject(r"/runs$", method="POST", status=500)
    assert (await api.get(f"{org_path}/runs")).status == 200
    assert (await api.get("/me")).status == 200


async def test_429_fault_with_retry_after_seconds_and_http_date(
    api: Api, tallyfy_fake: FakeTallyfy
) -> None:
    tallyfy_fake.inject("/me", status=429, retry_after=3, times=1)
    date = "Wed, 21 Oct 2026 07:28:00 GMT"
    tallyfy_fake.inject("/me", status=429, retry_after=date, times=1)
    first = await api.get("/me")
    assert first.status == 429
    assert first.headers["Retry-After"] == "3"
    assert first.json["code"] == "RATE_LIMIT_EXCEEDED"
    second = await api.get("/me")
    assert second.headers["Retry-After"] == date


async def test_fault_with_raw_body_and_headers(api: Api, tallyfy_fake: FakeTallyfy) -> None:
    tallyfy_fake.inject(
        "/me", status=500, body="upstream exploded", headers={"X-Request-Id": "abc"}
    )
    answer = await api.get("/me")
    assert answer.status == 500
    assert answer.text == "upstream exploded"
    assert answer.headers["X-Request-Id"] == "abc"
    tallyfy_fake.clear_faults()
    tallyfy_fake.inject("/me", status=502, body={"message": "Bad Gateway", "error": True})
    assert (await api.get("/me")).json == {"message": "Bad Gateway", "error": True}


async def test_html_fault(api: Api, tallyfy_fake: FakeTallyfy) -> None:
    tallyfy_fake.inject("/me", html=True)
    answer = await api.get("/me")
    assert answer.status == 502
    assert answer.headers["Content-Type"].startswith("text/html")
    assert "<h1>502 Bad Gateway</h1>" in answer.text


async def test_drop_before_leaves_the_state_unchanged(
    api: Api, org_path: str, tallyfy_fake: FakeTallyfy, tallyfy_demo: DemoOrg
) -> None:
    before = len(tallyfy_fake.state.orgs[tallyfy_demo.org_id].runs)
    tallyfy_fake.inject(r"/runs$", method="POST", drop="before", times=1)
    body = {"checklist_id": tallyfy_demo.blueprint_ids[2]}
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await api.post(f"{org_path}/runs", json=body)
    assert len(tallyfy_fake.state.orgs[tallyfy_demo.org_id].runs) == before
    entry = tallyfy_fake.log[-1]
    assert (entry.route, entry.status, entry.applied, entry.fault) == (
        "runs.launch",
        None,
        False,
        "drop-before",
    )
    assert tallyfy_fake.counters.launches() == 0


async def test_drop_after_applies_the_request(
    api: Api, org_path: str, tallyfy_fake: FakeTallyfy, tallyfy_demo: DemoOrg
) -> None:
    runs = tallyfy_fake.state.orgs[tallyfy_demo.org_id].runs
    before = len(runs)
    tallyfy_fake.inject(r"/runs$", method="POST", drop="after", times=1)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await api.post(f"{org_path}/runs", json={"checklist_id": tallyfy_demo.blueprint_ids[2]})
    assert len(runs) == before + 1
    entry = tallyfy_fake.log[-1]
    assert (entry.status, entry.applied, entry.fault) == (None, True, "drop-after")
    assert tallyfy_fake.counters.launches(tallyfy_demo.org_id) == 1


async def test_truncated_body_is_a_payload_error(
    api: Api, org_path: str, tallyfy_fake: FakeTallyfy
) -> None:
    tallyfy_fake.inject(r"/runs$", truncate=True, times=1)
    async with api.session.get(
        api.fake.base_url + f"{org_path}/runs", headers=api.headers()
    ) as response:
        assert response.status == 200
        with pytest.raises(aiohttp.ClientPayloadError):
            await response.read()
    assert (await api.get(f"{org_path}/runs")).status == 200


async def test_delay_then_normal_answer(api: Api, tallyfy_fake: FakeTallyfy) -> None:
    fault = tallyfy_fake.inject("/me", delay=0.05, times=1)
    answer = await api.get("/me")
    assert answer.status == 200
    assert fault.hits == 1
    assert tallyfy_fake.log[-1].fault == "delay"


async def test_probability_is_reproducible_with_a_seed(session: aiohttp.ClientSession) -> None:
    outcomes = []
    for _ in range(2):
        async with FakeTallyfy(seed=42) as fake:
            demo = fake.seed_demo(processes=1, tasks_per_process=1)
            api = Api(fake, session, fake.issue_token(demo.admin_id))
            fake.inject("/me", status=503, probability=0.5)
            outcomes.append([(await api.get("/me")).status for _ in range(20)])
    assert outcomes[0] == outcomes[1]
    assert set(outcomes[0]) == {200, 503}


async def test_removed_faults_stop(api: Api, tallyfy_fake: FakeTallyfy) -> None:
    fault = tallyfy_fake.inject("/me", status=500)
    assert (await api.get("/me")).status == 500
    fault.remove()
    assert (await api.get("/me")).status == 200


def test_fault_arguments_are_checked(tallyfy_fake: FakeTallyfy) -> None:
    with pytest.raises(ValueError, match="drop"):
        tallyfy_fake.inject(drop="sideways")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="dropped"):
        tallyfy_fake.inject(drop="before", status=500)
    with pytest.raises(ValueError, match="probability"):
        tallyfy_fake.inject(status=500, probability=2)


async def test_fault_matching_on_query_parameters(
    api: Api, org_path: str, tallyfy_fake: FakeTallyfy
) -> None:
    tallyfy_fake.inject(path=r"/runs$", query={"page": "2"}, status=500)
    assert (await api.get(f"{org_path}/runs?page=1")).status == 200
    assert (await api.get(f"{org_path}/runs?page=2")).status == 500


async def test_204_fault_has_no_body(api: Api, tallyfy_fake: FakeTallyfy) -> None:
    tallyfy_fake.inject("/me$", status=204, times=1)
    answer = await api.get("/me")
    assert answer.status == 204 and answer.text == ""


async def test_html_404_fault_is_production_s_page(api: Api, tallyfy_fake: FakeTallyfy) -> None:
    tallyfy_fake.inject("/me$", status=404, html=True, times=1)
    answer = await api.get("/me")
    assert answer.status == 404 and "<div>404 | Not Found</div>" in answer.text


def test_route_and_path_are_one_argument(tallyfy_fake: FakeTallyfy) -> None:
    assert tallyfy_fake.inject(path="/me").route == "/me"
    with pytest.raises(ValueError, match="not both"):
        tallyfy_fake.inject("/me", path="/me")
