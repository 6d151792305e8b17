"""The concurrency target of the report: each level against the best level below it."""

from __future__ import annotations

from typing import Any

from benchmarks.report import check_targets


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
