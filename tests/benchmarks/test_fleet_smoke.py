"""The fleet benchmark runs end to end in a tiny configuration and reports well-formed rows.

It judges nothing: the figures come from ``python -m benchmarks.fleet`` (in BENCHMARKS.md),
never from a test's assertion.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

from tests.redis_server import RedisServer

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `benchmarks` is a folder of the repository, not a package
    sys.path.insert(0, str(ROOT))

from benchmarks.fleet import run_all, table  # noqa: E402


async def test_every_fleet_runs_and_reports_numbers(redis_server: RedisServer) -> None:
    rows = await run_all(rate=40.0, seconds=1.5, reps=1, fleets=(1, 2), redis_url=redis_server.url)
    assert [row["workers"] for row in rows] == [1, 2]
    for row in rows:
        assert row["failed"] == 0, row
        assert row["requests"] > 0 and row["windows"] >= 1
        assert math.isfinite(row["redis_per_request"]) and row["redis_per_request"] > 0
        assert 0 <= row["share_429"] <= 1
    assert table(rows).count("\n") == 1 + 2
