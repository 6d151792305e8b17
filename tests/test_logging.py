"""Retries, replays and token grants are visible in the logs, under documented names."""

from __future__ import annotations

import logging

import pytest

from tallyfy_async import Attempt, RetryPolicy, ServerError, TallyfyClient
from tallyfy_async import _constants as C
from tallyfy_async.testing import DemoOrg, FakeTallyfy

FAST = RetryPolicy(initial_delay=0.001, max_delay=0.002)


def records(caplog: pytest.LogCaptureFixture, name: str, level: int) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == name and r.levelno == level]


async def test_each_retry_is_logged_at_info_with_its_reason_and_wait(
    fake: FakeTallyfy, demo: DemoOrg, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="tallyfy_async")
    fake.inject(path=r"/runs$", method="GET", status=503, times=2)
    async with TallyfyClient(
        demo.credentials, base_url=fake.base_url, token_url=fake.token_url, retry=FAST
    ) as client:
        await client.org(demo.org_id).processes.list()
    retries = records(caplog, "tallyfy_async.http", logging.INFO)
    assert len(retries) == 2
    assert " -> 503; retry 1 of 3 in " in retries[0] and retries[0].startswith("GET http")
    assert " -> 503; retry 2 of 3 in " in retries[1]


async def test_a_refused_token_replay_is_logged(
    fake: FakeTallyfy, demo: DemoOrg, client: TallyfyClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="tallyfy_async")
    await client.request("GET", "/me")
    fake.expire_tokens()
    await client.request("GET", "/me")
    [replay] = records(caplog, "tallyfy_async.http", logging.INFO)
    assert "-> 401: the token was refused; replaying once with a new one" in replay
    grants = records(caplog, "tallyfy_async.auth", logging.DEBUG)
    assert [g.split(" for ")[0] for g in grants] == [
        "token granted (password)",
        "token granted (refresh_token)",
    ]


async def test_a_retry_the_budget_refuses_is_a_warning(
    fake: FakeTallyfy, demo: DemoOrg, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="tallyfy_async")
    fake.inject(path=r"/runs$", method="GET", status=503)
    no_refill = RetryPolicy(
        max_attempts=2, initial_delay=0.001, budget_ratio=0, budget_per_second=0
    )
    async with TallyfyClient(
        demo.credentials, base_url=fake.base_url, token_url=fake.token_url, retry=no_refill
    ) as client:
        for _ in range(int(C.RETRY_BUDGET_BURST) + 10):  # the budget starts full
            with pytest.raises(ServerError):
                await client.org(demo.org_id).processes.list()
    warnings = records(caplog, "tallyfy_async.http", logging.WARNING)
    assert warnings and "not retried: the retry budget is spent" in warnings[0]


async def test_on_attempt_sees_every_attempt(fake: FakeTallyfy, demo: DemoOrg) -> None:
    seen: list[Attempt] = []
    fake.inject(path=r"/runs$", method="GET", status=503, times=1)
    async with TallyfyClient(
        demo.credentials,
        base_url=fake.base_url,
        token_url=fake.token_url,
        retry=FAST,
        on_attempt=seen.append,
    ) as client:
        await client.org(demo.org_id).processes.list()
    runs = [(a.method, a.status, a.attempt) for a in seen if a.url.split("?")[0].endswith("/runs")]
    assert runs == [("GET", 503, 1), ("GET", 200, 2)]
