"""Every benchmark workload runs end to end at tiny sizes and reports well-formed numbers.

Nothing here judges speed: the sizes are far too small for that, and a test that asserts a
time is a flaky test. Clients whose packages are missing (the `bench` extra: the official
SDK, msgspec; the `speed` extra: orjson, uvloop) are left out, as the full run leaves them.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `benchmarks` is a folder of the repository, not a package
    sys.path.insert(0, str(ROOT))

from benchmarks.config import SMOKE  # noqa: E402
from benchmarks.jobs import WIDE_CLIENTS  # noqa: E402
from benchmarks.report import render  # noqa: E402
from benchmarks.run import ALL_WORKLOADS, COMPARED, HOOK_CLIENTS, missing, run  # noqa: E402
from tallyfy_async._constants import DEFAULT_MAX_CONCURRENCY  # noqa: E402

WINDOW_KEYS = ("ops", "errors", "wall_s", "cpu_s", "ops_per_s", "cpu_us_per_op")


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    """One smoke run of every workload (forked processes: a few seconds)."""
    return run(SMOKE, ALL_WORKLOADS, start_method="fork", progress=lambda _: None)


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_window(window: dict[str, Any]) -> None:
    for key in WINDOW_KEYS:
        assert _finite(window[key]) and window[key] >= 0, (key, window)
    assert window["ops"] > 0
    assert window["errors"] == 0, window.get("first_error")
    latencies = [window[k] for k in ("p50_ms", "p99_ms", "p999_ms", "max_ms") if k in window]
    assert all(_finite(v) and v >= 0 for v in latencies)
    assert latencies == sorted(latencies), window


def test_every_workload_completes_without_failures(data: dict[str, Any]) -> None:
    assert data["failures"] == []
    ran = {(r["workload"], r["client"]) for r in data["results"]}
    available = [client for client in COMPARED if not missing(client)]
    assert "sdk" in available and "raw_json" in available
    for workload in ("small_get", "paging", "export", "launch"):
        assert {(workload, client) for client in available} <= ran, workload
    assert ("token_storm", "sdk") in ran
    # Above SMOKE.wide_above in flight the SDK also runs with max_concurrency = the level.
    wide = {r["max_concurrency"] for r in data["results"] if r["client"] in WIDE_CLIENTS}
    assert ("small_get", "sdk_wide") in ran and wide == {max(SMOKE.in_flight)}
    # The judged clients keep the SDK's default, whatever the level.
    judged = [r for r in data["results"] if r["workload"] == "small_get" and r["client"] == "sdk"]
    assert {r["max_concurrency"] for r in judged} == {DEFAULT_MAX_CONCURRENCY}
    assert ("bulk", "sdk") in ran
    assert ("decode", "decode") in ran
    hooks = [client for client in HOOK_CLIENTS if not missing(client)]
    assert {"hook_bare", "hook_sdk"} <= set(hooks)
    assert {("webhooks", client) for client in hooks} <= ran


def test_the_webhook_receiver_loses_no_delivery(data: dict[str, Any]) -> None:
    receivers = [r for r in data["results"] if r["client"] in ("hook_sdk", "hook_sdk_orjson")]
    assert receivers
    for result in receivers:
        endpoint = result["endpoint"]
        assert result["lost"] == 0
        assert endpoint["accepted"] == endpoint["delivered"] == result["sent"]
        assert endpoint["refused"] == endpoint["duplicates"] == endpoint["undelivered"] == 0
    (bare,) = [r for r in data["results"] if r["client"] == "hook_bare"]
    assert bare["endpoint"]["requests"] == bare["sent"] > 0
    sdk_json = [r["endpoint"]["json"] for r in receivers if r["client"] == "hook_sdk"]
    assert sdk_json == ["json"]  # the SDK without its speed extra, as CI runs it


def test_request_workloads_report_well_formed_numbers(data: dict[str, Any]) -> None:
    for result in data["results"]:
        if "window" not in result:
            continue
        _check_window(result["window"])
        assert _finite(result["peak_rss_mb"]) and result["peak_rss_mb"] > 0
    exports = [r for r in data["results"] if r["workload"] == "export"]
    assert exports and all(r["window"]["ops"] == data["export_total"] for r in exports)
    launches = [r for r in data["results"] if r["workload"] == "launch"]
    assert all(r["applied_on_server"] == SMOKE.launches for r in launches)
    pages = [r for r in data["results"] if r["workload"] == "paging"]
    assert all(r["window"]["ops"] == SMOKE.pages for r in pages)


def test_token_storm_counts_token_requests(data: dict[str, Any]) -> None:
    (storm,) = [r for r in data["results"] if r["workload"] == "token_storm"]
    assert set(storm["phases"]) == {"fresh_token", "clock_expiry", "server_expiry"}
    for phase in storm["phases"].values():
        _check_window(phase)
        assert phase["ops"] == SMOKE.storm_calls
        for key in ("token_requests", "server_token_grants", "replays_401"):
            assert isinstance(phase[key], int) and phase[key] >= 0
    assert storm["phases"]["fresh_token"]["token_requests"] == 0


def test_bulk_jobs_report_their_rate_and_request_counts(data: dict[str, Any]) -> None:
    bulk = [r for r in data["results"] if r["workload"] == "bulk"]
    assert bulk
    for result in bulk:
        rate, export = result["rate"], result["export"]
        assert rate["done"] == rate["calls"] == SMOKE.rate_limit * SMOKE.rate_windows
        assert rate["windows"] >= SMOKE.rate_windows
        for key in ("achieved_per_s", "share_pct", "refused_pct", "overall_per_s"):
            assert _finite(rate[key]) and rate[key] >= 0, key
        assert export["counts"]["task"] >= data["export_total"]
        assert export["requests"] >= export["minimum"] > 0
        assert export["records"] == sum(export["counts"].values())


def test_decoding_reports_every_decoder(data: dict[str, Any]) -> None:
    (decode,) = [r for r in data["results"] if r["workload"] == "decode"]
    assert decode["page_items"] == SMOKE.per_page
    assert "tallyfy-async: json + converter" in decode["decoders"]
    for values in decode["decoders"].values():
        assert _finite(values["page_us_per_task"]) and values["page_us_per_task"] > 0
        assert _finite(values["single_us_per_task"]) and values["single_us_per_task"] > 0


def test_the_report_renders_every_section(data: dict[str, Any]) -> None:
    report = render({**data, "command": "python -m benchmarks --profile smoke"})
    for heading in (
        "## Targets",
        "## 1. Small typed GETs",
        "## 2. Paging",
        "## 3. Bulk export",
        "## 4. Token storm",
        "## 5. Launches",
        "## 6. Bulk jobs",
        "## Decoding",
        "## 7. Webhook receiver",
        "## How this run was made",
    ):
        assert heading in report
    assert "nan" not in report.lower().replace("nanoseconds", "")
