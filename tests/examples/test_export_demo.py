"""The export example does what it says: every process and task, archived ones included."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "export_demo.py"


def run(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(EXAMPLE), *args], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_export_writes_what_it_says_archived_records_included(tmp_path: Path) -> None:
    out = tmp_path / "export"
    text = run("--processes", "40", "--tasks-per-process", "3", "--out", str(out))
    assert f"archived ones included, to {out}/" in text
    processes = [json.loads(line) for line in (out / "processes.jsonl").read_text().splitlines()]
    tasks = [json.loads(line) for line in (out / "tasks.jsonl").read_text().splitlines()]
    assert len(processes) == 40  # every demo process, the archived ones too
    archived = [p for p in processes if p["archived_at"] is not None]
    assert len(archived) == 4
    assert len(tasks) == 40 * 3 + 10  # process tasks and the ten one-off tasks
    for path, count, n_archived in (
        (out / "processes.jsonl", len(processes), len(archived)),
        (out / "tasks.jsonl", len(tasks), sum(t["archived_at"] is not None for t in tasks)),
    ):
        megabytes = f"{path.stat().st_size / 1e6:,.1f} MB"
        line = f"{path}: {count:,} {path.stem} ({n_archived:,} archived), {megabytes}"
        assert line in text, text
    assert re.search(rf"exported {len(processes) + len(tasks):,} records in ", text)


def test_a_long_export_prints_progress_lines(tmp_path: Path) -> None:
    text = run("--processes", "200", "--out", str(tmp_path), "--progress-every", "0.01")
    progress = [line for line in text.splitlines() if " so far (" in line]
    assert len(progress) >= 2, text
    assert all(line.endswith(" records/s)") for line in progress)
