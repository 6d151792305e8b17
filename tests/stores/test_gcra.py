"""The Lua script in Redis and its Python model give the same answers for any arrivals.

The script runs in a real Redis with the times the test chooses (its ``now`` argument), the
model in memory with the same ones; every reply and the stored state must agree. The model
also stands in for the budget while Redis is away, so both are checked against what GCRA
promises: at most ``burst + rate * t`` slots in any ``t`` seconds.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tallyfy_async.stores import _gcra
from tests.redis_server import RedisServer

HASH, FLEET = "t:{org}", "t:{org}:fleet"


@pytest.fixture
def lua(redis_server: RedisServer) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_server.url)
    try:
        yield client
    finally:
        client.close()


params_strategy = st.builds(
    _gcra.Params,
    rate=st.sampled_from([0.5, 3.0, 10.0, 200.0, 1234.5]),
    burst=st.integers(1, 20),
    decrease=st.sampled_from([0.5, 0.7]),
    recovery=st.sampled_from([0.1, 0.5]),
    floor=st.sampled_from([0.01, 0.25]),
)
reserve_step = st.tuples(
    st.just("reserve"),
    st.integers(0, 2_000_000),  # microseconds since the previous step
    st.sampled_from([0.0, 0.001, 0.1, 1.0, 60.0]),  # max_wait
)
refuse_step = st.tuples(
    st.just("refuse"),
    st.integers(0, 2_000_000),
    st.sampled_from([0.0, 0.25, 1.0, 3.5]),  # retry_after
)
steps_strategy = st.lists(st.one_of(reserve_step, reserve_step, refuse_step), max_size=60)


def stored(client: redis.Redis) -> _gcra.State:
    fields = client.hgetall(HASH)
    return _gcra.State(
        tat=float(fields.get(b"tat", 0)),
        hold=float(fields.get(b"hold", 0)),
        low=float(fields.get(b"low", 0)),
        lowered_at=float(fields.get(b"lowered_at", 0)),
        epoch=int(fields.get(b"epoch", 0)),
    )


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(p=params_strategy, steps=steps_strategy, start=st.integers(10**14, 3 * 10**14))
def test_the_script_and_the_model_agree(
    lua: redis.Redis, p: _gcra.Params, steps: list[tuple[str, int, float]], start: int
) -> None:
    lua.delete(HASH, FLEET)
    script = lua.register_script(_gcra.SCRIPT)
    model = _gcra.State()
    clock = start
    epochs: list[int] = [0]
    for operation, advance, value in steps:
        clock += advance
        t = clock / 1e6
        expected: tuple[bool, float, int, float] = (False, 0.0, 0, 0.0)
        if operation == "reserve":
            reply = script(
                keys=[HASH, FLEET],
                args=[*_gcra.script_args(p, "reserve", t), repr(value), "", "10"],
            )
            expected = _gcra.reserve(p, model, t, value)
            assert (bool(reply[0]), float(reply[1]), int(reply[2]), float(reply[4])) == expected
            assert int(reply[3]) == -1
            epochs.append(expected[2])
        else:
            # A 429 for a request reserved in the current epoch or an older one.
            epoch = epochs[len(epochs) // 2] if advance % 2 else epochs[-1]
            reply = script(
                keys=[HASH, FLEET],
                args=[*_gcra.script_args(p, "refuse", t), repr(value), str(epoch)],
            )
            lowered = _gcra.refuse(p, model, t, value, epoch)
            assert bool(reply[0]) == lowered
            assert float(reply[1]) == _gcra.rounded(_gcra.rate_at(p, model, t))
        assert stored(lua) == model
        if operation == "refuse" or expected[0]:  # the step wrote, so it set the expiry
            # Kept while it matters (and a minute more), as the model says.
            kept = math.ceil(_gcra.keep_for(p, model, t) * 1000)
            assert kept - 60_000 < lua.pttl(HASH) <= kept


@settings(max_examples=200, deadline=None)
@given(
    p=params_strategy,
    arrivals=st.lists(st.integers(0, 50_000), min_size=1, max_size=300),
    max_wait=st.sampled_from([0.0, 0.05, 1.0]),
)
def test_slots_never_exceed_burst_plus_rate_times_the_span(
    p: _gcra.Params, arrivals: list[int], max_wait: float
) -> None:
    model = _gcra.State()
    clock = 10**14
    slots: list[float] = []
    for advance in arrivals:
        clock += advance
        t = clock / 1e6
        reserved, wait, _, _ = _gcra.reserve(p, model, t, max_wait)
        assert wait >= 0
        if reserved:
            assert wait <= max_wait
            slots.append(t + wait)
    slots.sort()
    # Any window [slots[i], slots[j]] holds j - i + 1 slots.
    for i in range(len(slots)):
        for j in range(i, min(len(slots), i + 2 * p.burst + 50)):
            span = slots[j] - slots[i]
            # Times are kept to the microsecond: each slot may come up to 1 µs early.
            assert j - i + 1 <= p.burst + p.rate * (span + (j - i + 1) * 1e-6)


def test_the_fleet_is_the_processes_that_took_a_slot_lately(lua: redis.Redis) -> None:
    script = lua.register_script(_gcra.SCRIPT)
    p = _gcra.Params(10.0, 1, 0.5, 0.1, 0.01)
    seen = [
        int(
            script(
                keys=[HASH, FLEET], args=[*_gcra.script_args(p, "reserve", t), "100", member, "10"]
            )[3]
        )
        for t, member in [(1000.0, "a"), (1001.0, "b"), (1002.0, "a"), (1011.5, "c")]
    ]
    # At 1011.5, "a" (last at 1002) and "b" (1001) are more than 10 s old.
    assert seen == [1, 2, 2, 2]
