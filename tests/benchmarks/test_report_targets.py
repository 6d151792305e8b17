"""The small-GET targets of the report: each level against the best level below it, and
which SDK configuration they judge."""

from __future__ import annotations

from typing import Any, cast

from benchmarks.config import FULL
from benchmarks.jobs import Target
from benchmarks.report import _judged_limit, _sdk_limits, check_targets
from benchmarks.run import plan
from tallyfy_async._constants import DEFAULT_MAX_CONCURRENCY


def _small_gets(rates: dict[str, dict[int, float]]) -> dict[str, Any]:
    results = [
        {
            "workload": "small_get",
            "client": client,
            "in_flight": level,
            "rep": 0,
            "window": {"ops_per_s": rate, "cpu_us_per_op": 100.0},
        }
        for client, by_level in rates.items()
        for level, rate in by_level.items()
    ]
    return {"results": results, "sizes": {"storm_calls": 10_000}}


def _row(data: dict[str, Any], starts: str) -> tuple[str, str, str]:
    rows = [row for row in check_targets(data).rows if row[0].startswith(starts)]
    assert len(rows) == 1, rows
    return rows[0]


def test_the_fall_is_judged_on_the_sdk_with_the_raw_clients_fall_beside_it() -> None:
    data = _small_gets(
        {
            "sdk": {16: 1000.0, 64: 1200.0, 256: 900.0},  # 900 / 1200: 0.75x
            "raw_json": {16: 2000.0, 64: 1000.0, 256: 1500.0},  # 1000 / 2000: 0.5x
        }
    )
    _, measured, verdict = _row(data, "small GET 16, 64, 256 in flight: SDK req/s")
    assert measured.startswith("0.75x (the worst level; raw aiohttp")
    assert "0.50x" in measured
    assert verdict == "**MISSED**"


def test_no_fall_meets_the_target_without_a_raw_figure_when_raw_did_not_run() -> None:
    data = _small_gets({"sdk": {16: 1000.0, 64: 980.0, 256: 1100.0}})
    _, measured, verdict = _row(data, "small GET 16, 64, 256 in flight: SDK req/s")
    assert measured == "0.98x (the worst level)"
    assert verdict == "met"


def test_the_speed_extra_is_judged_beside_raw_orjson_and_a_missing_level_gives_no_figure() -> None:
    data = _small_gets(
        {
            "sdk_speed": {16: 1000.0, 64: 950.0},
            "raw_orjson_uvloop": {16: 2000.0, 64: 1000.0},
            "sdk": {16: 1000.0, 64: 1000.0},
            "raw_json": {16: 2000.0},  # one level missing: nothing to compare
        }
    )
    _, measured, verdict = _row(data, "small GET 16, 64 in flight: SDK + speed req/s")
    assert measured == "0.95x (the worst level; raw aiohttp + orjson + uvloop: 0.50x)"
    assert verdict == "met"
    _, measured, _ = _row(data, "small GET 16, 64 in flight: SDK req/s")
    assert measured == "1.00x (the worst level)"


def test_the_wide_clients_run_only_above_the_sdks_default_limit() -> None:
    groups = plan(FULL, ["small_get"], cast(Target, None), core=None)
    clients_at = {group[0].in_flight: {job.client for job in group} for group in groups}
    assert FULL.wide_above == DEFAULT_MAX_CONCURRENCY
    assert sorted(clients_at) == sorted(FULL.in_flight)
    for level, clients in clients_at.items():
        assert {"sdk", "raw_json"} <= clients
        assert ("sdk_wide" in clients) == (level > DEFAULT_MAX_CONCURRENCY), level


def test_the_report_says_which_limit_was_judged_from_what_the_runs_recorded() -> None:
    data = _small_gets({"sdk": {16: 1000.0, 256: 900.0}, "raw_json": {16: 1000.0, 256: 900.0}})
    # Results from before the limit was recorded: the old method, and no note.
    assert "set to the number in flight (at least" in _sdk_limits(data)
    assert _judged_limit(data) == []
    for result in data["results"]:
        result["max_concurrency"] = 64
    assert "runs with its default `max_concurrency` (64)" in _sdk_limits(data)
    assert "above 64 callers it keeps 64 requests on the wire" in _judged_limit(data)[0]
