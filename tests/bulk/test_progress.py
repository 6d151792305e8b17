"""Progress of bulk jobs and long listings: callbacks, plain lines, tqdm bars."""

from __future__ import annotations

import asyncio
import io
import sys
from typing import Any

import pytest

from tallyfy_async import _constants as C
from tallyfy_async import bulk
from tallyfy_async._progress import ProgressView
from tallyfy_async.bulk import Progress
from tallyfy_async.client import OrgClient
from tallyfy_async.testing import DemoOrg


class Terminal(io.StringIO):
    """Standard error as a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def often(monkeypatch: pytest.MonkeyPatch) -> None:
    """Progress every 10 ms instead of every few seconds."""
    monkeypatch.setattr(C, "PROGRESS_CALLBACK_INTERVAL", 0.01)
    monkeypatch.setattr(C, "PROGRESS_LINE_INTERVAL", 0.01)


async def slow_work(n: int) -> int:
    await asyncio.sleep(0.002)
    if n % 10 == 9:
        raise ValueError(n)
    return n


def test_a_snapshot_computes_rate_eta_and_its_line() -> None:
    snapshot = Progress("launches", done=45, failed=4, unknown=1, total=100, elapsed=10.0)
    assert snapshot.finished == 50
    assert snapshot.rate == 5.0
    assert snapshot.eta == 10.0
    line = snapshot.line()
    assert line.startswith("launches: 50/100 (50 %)")
    assert "failed 4" in line and "unknown 1" in line and "5.0/s" in line and "ETA 10 s" in line
    final = Progress("x", 3, 0, 0, None, 125.0, allowance="8-32", final=True)
    assert final.eta is None
    assert final.line() == "x: 3, failed 0, unknown 0, 0.0/s, in 2:05, allowance 8-32"


async def test_a_callback_gets_snapshots_and_a_final_one() -> None:
    snapshots: list[Progress] = []
    report = await bulk.run(range(60), slow_work, concurrency=4, progress=snapshots.append)
    assert len(snapshots) >= 3
    final = snapshots[-1]
    assert final.final and not any(s.final for s in snapshots[:-1])
    assert (final.done, final.failed, final.unknown, final.total) == (54, 6, 0, 60)
    assert report.counts == {"done": 54, "failed": 6, "unknown": 0}
    finished = [s.finished for s in snapshots]
    assert finished == sorted(finished)


async def test_a_callback_that_raises_costs_the_job_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls = 0

    def broken(snapshot: Progress) -> None:
        nonlocal calls
        calls += 1
        raise RuntimeError("the dashboard is down")

    report = await bulk.run(range(60), slow_work, concurrency=4, progress=broken)
    assert report.counts == {"done": 54, "failed": 6, "unknown": 0}
    assert calls == 1  # then no more progress
    [warned] = [r for r in caplog.records if r.name == "tallyfy_async.bulk"]
    assert warned.levelname == "WARNING" and "progress" in warned.getMessage()
    assert "the dashboard is down" in caplog.text


async def test_progress_shows_the_allowance_of_the_organizations_in_use(
    org: OrgClient, demo: DemoOrg
) -> None:
    snapshots: list[Progress] = []

    async def read(process_id: str) -> Any:
        return await org.processes.get(process_id)

    await bulk.run(demo.process_ids, read, progress=snapshots.append)
    assert snapshots[-1].allowance == str(C.DEFAULT_MAX_CONCURRENCY)


async def test_plain_lines_when_standard_error_is_not_a_terminal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    await bulk.run(range(40), slow_work, concurrency=2, progress=True, label="rows")
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) >= 2
    assert all(line.startswith("rows: ") for line in lines)
    assert lines[-1].startswith("rows: 40/40 (100 %), failed 4, unknown 0")
    assert " in " in lines[-1]


async def test_a_process_that_merely_imported_ipykernel_gets_plain_lines(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import ipykernel.kernelspec  # noqa: F401  (what a test running notebooks imports)

    await bulk.run(range(40), slow_work, concurrency=2, progress=True, label="rows")
    lines = capsys.readouterr().err.splitlines()
    assert lines and all(line.startswith("rows: ") for line in lines)


async def test_nothing_is_shown_when_progress_is_off(capsys: pytest.CaptureFixture[str]) -> None:
    await bulk.run(range(20), slow_work)
    assert capsys.readouterr().err == ""


async def test_a_tqdm_bar_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """tqdm is the ``progress`` extra; the ``dev`` extra installs it."""
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    await bulk.run(range(30), slow_work, concurrency=3, progress=True, label="launches")
    drawn = terminal.getvalue()
    assert "launches: 100%|" in drawn  # tqdm's bar (a plain line has no bar)
    assert "30/30" in drawn
    assert "failed 3, unknown 0" in drawn


async def test_plain_lines_on_a_terminal_without_tqdm(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # import tqdm.auto fails
    await bulk.run(range(20), slow_work, concurrency=2, progress=True)
    assert terminal.getvalue().splitlines()[-1].startswith("items: 20/20 (100 %)")


async def test_progress_view_rejects_a_bad_argument() -> None:
    with pytest.raises(TypeError, match="progress must be"):
        ProgressView("yes", label="x")  # type: ignore[arg-type]


async def test_to_list_shows_progress_when_asked(org: OrgClient) -> None:
    snapshots: list[Progress] = []
    tasks = await org.tasks.list(per_page=5).to_list(progress=snapshots.append)
    final = snapshots[-1]
    assert final.final and final.done == final.total == len(tasks) > 5
    limited: list[Progress] = []
    few = await org.tasks.list(per_page=5, limit=7).to_list(progress=limited.append)
    assert len(few) == 7 and limited[-1].total == 7 and limited[-1].done == 7


async def test_to_list_without_progress_shows_nothing(
    org: OrgClient, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await org.tasks.list(per_page=5).to_list()
    assert capsys.readouterr().err == ""
