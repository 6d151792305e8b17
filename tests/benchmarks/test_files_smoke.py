"""The files benchmark runs end to end at a tiny size and reports well-formed rows.

It judges nothing: memory and speed are measured by ``python -m benchmarks.files`` at full
size (figures in BENCHMARKS.md), never asserted by a test.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `benchmarks` is a folder of the repository, not a package
    sys.path.insert(0, str(ROOT))

from benchmarks.files import measure, table  # noqa: E402


def test_every_step_runs_and_reports_numbers() -> None:
    rows = measure(size_mb=2)
    assert [row["step"].split()[0] for row in rows] == [
        "upload",
        "upload",
        "download",
        "download",
        "control:",
    ]
    for row in rows:
        for key in ("before_mb", "peak_mb", "extra_mb", "seconds", "mb_per_s"):
            assert math.isfinite(row[key]) and row[key] >= 0, (key, row)
        assert row["peak_mb"] >= row["before_mb"]
    assert table(rows, 2).count("\n") == len(rows) + 1
