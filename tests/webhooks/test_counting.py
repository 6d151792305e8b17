"""No event lost: 10,000 deliveries over HTTP, 10 % duplicates, a callback failing 1 % of the
time. Every count is asserted; nothing is timed."""

from __future__ import annotations

import asyncio
import json
import random
from collections import Counter

from tallyfy_async import webhooks
from tallyfy_async.webhooks import TaskCompletedEvent, WebhookEvent
from tests.webhooks.support import EXAMPLE_ORG, example, served

DELIVERIES = 10_000
UNIQUE = 9_000  # the other 1,000 repeat one of these


def bodies() -> list[bytes]:
    """9,000 distinct task completions and 1,000 repeats of some of them, shuffled."""
    template = example("task")
    unique = []
    for number in range(UNIQUE):
        template["this_task"]["id"] = f"task-{number:05d}"
        unique.append(json.dumps(template).encode())
    rng = random.Random(20_251_002)
    deliveries = unique + [rng.choice(unique) for _ in range(DELIVERIES - UNIQUE)]
    rng.shuffle(deliveries)
    return deliveries


async def test_ten_thousand_deliveries_with_duplicates_and_failures_lose_nothing() -> None:
    seen: Counter[str] = Counter()
    rng = random.Random(7)

    async def on_event(event: WebhookEvent) -> None:
        assert isinstance(event, TaskCompletedEvent)
        await asyncio.sleep(0)
        if rng.random() < 0.01:
            raise RuntimeError("the downstream system said no")
        seen[event.task.id] += 1

    receiver = webhooks.handler(on_event, org_id=EXAMPLE_ORG, queue_size=100, concurrency=4)
    payloads = bodies()
    answers: Counter[tuple[int, str]] = Counter()
    async with served(receiver, install=False) as hook:
        queue = iter(payloads)

        async def sender() -> None:
            for payload in queue:
                answers[await hook.post(payload)] += 1

        await asyncio.gather(*(sender() for _ in range(32)))
        await receiver.join()
        first_failures = len(receiver.failed)

        # The failed events are still there: replaying them (until none fails) delivers all.
        for _ in range(10):
            if not receiver.failed:
                break
            await receiver.replay_failed()
            await receiver.join()
        handed_back = await receiver.close()

    assert answers == {(200, "accepted"): UNIQUE, (200, "duplicate"): DELIVERIES - UNIQUE}
    stats = receiver.stats
    assert (stats.received, stats.accepted, stats.duplicates) == (DELIVERIES, UNIQUE, 1_000)
    assert 30 <= first_failures <= 180  # about 1 % of 9,000 failed the first time
    assert stats.failed >= first_failures
    assert stats.delivered == UNIQUE
    assert set(seen) == {f"task-{n:05d}" for n in range(UNIQUE)}
    assert set(seen.values()) == {1}  # each event delivered exactly once
    assert handed_back == [] and list(receiver.failed) == []
