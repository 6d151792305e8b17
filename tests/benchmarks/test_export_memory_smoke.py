"""The export memory benchmark runs end to end at a tiny size and reports well-formed rows.

It judges nothing: the figure for 100,000 tasks comes from ``python -m
benchmarks.export_memory`` (in BENCHMARKS.md), never from a test's assertion.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `benchmarks` is a folder of the repository, not a package
    sys.path.insert(0, str(ROOT))

from benchmarks.export_memory import run, table  # noqa: E402


def test_every_step_runs_and_reports_numbers() -> None:
    rows = run(processes=6, tasks_per_process=2)
    assert [row["step"].split()[0] for row in rows] == [
        "`whoami`",
        "`export",
        "`export",
        "control:",
    ]
    assert [row["records"] for row in rows] == [1, 3 + 6 + 12, 3 + 6 + 12, 12]
    for row in rows:
        for key in ("peak_mb", "seconds"):
            assert math.isfinite(row[key]) and row[key] > 0, (key, row)
    assert table(rows).count("\n") == len(rows) + 1
