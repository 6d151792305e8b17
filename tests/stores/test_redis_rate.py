"""RedisRateBudget in one process: settings, closing, deadlines, secrets, redis-py optional.

The fleet's behaviour (several processes, 429s, a Redis outage) is in
``tests/fleet/test_rate_budget.py``.
"""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from typing import Any

import pytest
import redis.asyncio as redis

from tallyfy_async import (
    PersonalAccessToken,
    RetryPolicy,
    TallyfyClient,
    Timeouts,
    TransportError,
)
from tallyfy_async.rate import OrgGate, RateControl
from tallyfy_async.stores import RedisRateBudget, RedisTokenStore
from tallyfy_async.testing import DemoOrg, FakeTallyfy
from tests.fleet.rate_worker import ROOT
from tests.redis_server import RedisServer


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"rate": 0}, "rate must be a positive number"),
        ({"rate": float("inf")}, "rate must be finite"),
        ({"rate": True}, "rate must be a positive number"),
        ({"rate": 5, "burst": 0}, "burst must be a whole number >= 1"),
        ({"rate": 5, "burst": 2.5}, "burst must be a whole number >= 1"),
        ({"rate": 5, "ceiling": 0}, "ceiling must be a whole number >= 1"),
        ({"rate": 5, "fleet_size": 0}, "fleet_size must be a whole number >= 1"),
        ({"rate": 5, "decrease": 1.0}, "decrease must be between 0 and 1"),
        ({"rate": 5, "floor": 0}, "floor in (0, 1]"),
    ],
)
def test_bad_settings_are_refused_with_what_to_change(
    settings: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        RedisRateBudget("redis://127.0.0.1:6379/0", **settings)


def test_redis_must_be_a_url_or_a_client() -> None:
    with pytest.raises(ValueError, match="starts with redis://"):
        RedisRateBudget("http://127.0.0.1:6379", rate=5)
    with pytest.raises(TypeError, match=r"a Redis URL or a redis\.asyncio\.Redis client"):
        RedisRateBudget(6379, rate=5)  # type: ignore[arg-type]


def test_it_is_a_rate_control_of_one_gate_per_organization() -> None:
    budget = RedisRateBudget("redis://127.0.0.1:6379/0", rate=25)
    assert isinstance(budget, RateControl)
    gate = budget.gate("org1")
    assert isinstance(gate, OrgGate) and budget.gate("org1") is gate
    assert budget.params.burst == 1
    assert budget.allowances() == {"org1": 64}


def test_the_repr_and_the_outage_warning_never_show_the_password(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"redis://worker:s3cret@127.0.0.1:{redis_server.port}/0?password=other"
    budget = RedisRateBudget(url, rate=5)
    text = repr(budget)
    assert f"127.0.0.1:{redis_server.port}/0" in text and "5/s" in text
    assert "s3cret" not in text and "other" not in text


async def test_an_unreachable_redis_is_logged_once_without_secrets(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="tallyfy_async.stores")
    redis_server.stop()
    budget = RedisRateBudget(
        f"redis://:s3cret@127.0.0.1:{redis_server.port}/0", rate=1000, fleet_size=4
    )
    gate = budget.gate("org1")
    try:
        for _ in range(5):
            ticket = await gate.acquire(float("inf"))
            gate.release(ticket, 200, {})
        assert budget.redis_down
        redis_server.start()
        budget._down_until = 1.0  # as if the second to try again had passed
        ticket = await gate.acquire(float("inf"))
        gate.release(ticket, 200, {})
        assert not budget.redis_down
    finally:
        await budget.aclose()
    messages = [r.getMessage() for r in caplog.records if r.name.startswith("tallyfy_async")]
    assert len(messages) == 2, messages
    assert "unreachable" in messages[0] and "250/s" in messages[0]  # a quarter of the rate
    assert "answers again" in messages[1]
    assert not any("s3cret" in message for message in messages)


async def test_the_client_closes_the_budget_but_not_the_applications_redis(
    fake: FakeTallyfy, demo: DemoOrg, redis_server: RedisServer
) -> None:
    app_redis = redis.Redis.from_url(redis_server.url)
    budget = RedisRateBudget(app_redis, rate=100)
    own = RedisRateBudget(redis_server.url, rate=100)
    token = fake.add_personal_access_token(demo.admin_id)
    try:
        for rate_control in (budget, own):
            async with TallyfyClient(
                PersonalAccessToken(token),
                base_url=fake.base_url,
                rate_control=rate_control,
                adaptive_rate=True,
            ) as client:
                await client.org(demo.org_id).tasks.get(demo.oneoff_task_ids[0])
            assert rate_control.closed
        assert await app_redis.ping()
        assert await app_redis.exists(f"tallyfy:rate:{{{demo.org_id}}}") == 1
    finally:
        await app_redis.aclose()


async def test_a_call_whose_deadline_comes_before_its_slot_is_not_sent(
    fake: FakeTallyfy, demo: DemoOrg, redis_server: RedisServer
) -> None:
    # One call per 10 s: the next slot is near enough to reserve, but after the deadline.
    budget = RedisRateBudget(redis_server.url, rate=0.1, burst=1)
    token = fake.add_personal_access_token(demo.admin_id)
    async with TallyfyClient(
        PersonalAccessToken(token),
        base_url=fake.base_url,
        rate_control=budget,
        adaptive_rate=True,
        timeouts=Timeouts(deadline=0.5),
        retry=RetryPolicy(max_attempts=1),  # one attempt: its scripts are counted below
    ) as client:
        tasks = client.org(demo.org_id).tasks
        await tasks.get(demo.oneoff_task_ids[0])
        sent = len(fake.log)
        admin = redis.Redis.from_url(redis_server.url)
        try:
            await admin.config_resetstat()
            with pytest.raises(TransportError, match="deadline passed while it waited"):
                await tasks.get(demo.oneoff_task_ids[0])
            stats = await admin.info("commandstats")
        finally:
            await admin.aclose()
        assert len(fake.log) == sent
        assert budget.gate(demo.org_id).in_flight == 0
        # One script learned that the slot comes after the deadline; it was not asked again.
        scripts = sum(
            stats.get(f"cmdstat_{name}", {}).get("calls", 0) for name in ("eval", "evalsha")
        )
        assert scripts == 1


def test_the_package_imports_without_redis_and_says_how_to_install_it() -> None:
    code = (
        "import sys; sys.modules['redis'] = None\n"
        "import tallyfy_async.stores as stores\n"
        "try:\n"
        "    stores.RedisRateBudget('redis://127.0.0.1:6379/0', rate=5)\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
        "try:\n"
        "    stores.RedisDedupeStore('redis://127.0.0.1:6379/0')\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert out.count('pip install "tallyfy-async[redis]"') == 2, out


class CountingBudget(RedisRateBudget):
    closes = 0

    async def aclose(self) -> None:
        self.closes += 1
        await super().aclose()


class CountingStore(RedisTokenStore):
    closes = 0

    async def aclose(self) -> None:
        self.closes += 1
        await super().aclose()


async def test_a_client_closed_twice_closes_its_budget_and_store_once(
    fake: FakeTallyfy, demo: DemoOrg, redis_server: RedisServer
) -> None:
    budget = CountingBudget(redis_server.url, rate=100)
    store = CountingStore(redis_server.url)
    client = TallyfyClient(
        demo.credentials,
        base_url=fake.base_url,
        token_url=fake.token_url,
        rate_control=budget,
        token_store=store,
    )
    async with client:
        await client.org(demo.org_id).tasks.get(demo.oneoff_task_ids[0])
    await client.close()
    assert (budget.closes, store.closes) == (1, 1)
