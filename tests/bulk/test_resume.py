"""Reports saved and loaded, jobs resumed from them: nothing is done twice.

Two tests run the job in a process of its own (``tests/bulk/job_child.py``) against the
fake served from this one, then kill it (``SIGKILL``, a power cut) or press Ctrl-C
(``SIGINT``), and resume it here from its journal.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tallyfy_async import TallyfyClient, bulk
from tallyfy_async.bulk import BulkReport, ItemOutcome, ItemStatus
from tallyfy_async.client import OrgClient
from tallyfy_async.models.processes import Process
from tallyfy_async.testing import DemoOrg, FakeTallyfy
from tests.bulk.conftest import launches_sent, process_names

ROOT = Path(__file__).resolve().parents[2]


def names_of_rows(fake: FakeTallyfy, org_id: str) -> Counter[str]:
    return Counter(name for name in process_names(fake, org_id) if name.startswith("Row "))


async def test_save_and_load_round_trip(tmp_path: Path) -> None:
    async def work(n: int) -> dict[str, int]:
        if n == 2:
            raise ValueError("no good")
        return {"n": n}

    report = await bulk.run(range(4), work, requests_per_item=0)
    path = tmp_path / "report.jsonl"
    report.save(path)
    loaded = BulkReport.load(path)
    assert list(loaded.outcomes) == list(report.outcomes)
    assert loaded.counts == report.counts == {"done": 3, "failed": 1, "unknown": 0}
    assert loaded.outcomes[1].result == {"n": 1}
    assert loaded.outcomes[2].error_type == "ValueError"
    assert loaded.outcomes[2].message == "no good"
    assert loaded.processed == 4 and loaded.minimum_requests == 0


async def test_a_result_model_is_saved_as_its_type_id_and_name(
    org: OrgClient, demo: DemoOrg, tmp_path: Path
) -> None:
    async def get(process_id: str) -> Process:
        return await org.processes.get(process_id)

    report = await bulk.run(demo.process_ids[:1], get, key=lambda process_id: process_id)
    path = tmp_path / "report.jsonl"
    report.save(path)
    (outcome,) = BulkReport.load(path).outcomes.values()
    assert outcome.result["type"] == "Process"
    assert outcome.result["id"] == demo.process_ids[0]
    assert isinstance(outcome.result["name"], str)


async def test_load_reads_a_journal_and_ignores_a_cut_last_line(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    path.write_text(
        '{"key":"a","status":"started"}\n'
        '{"key":"a","status":"done","result":1,"seconds":0.1}\n'
        '{"key":"b","status":"started"}\n'
        '{"key":"c","status":"failed","error_type":"ValueError","message":"x","seconds":0}\n'
        '{"key":"c","status":"started"}\n'
        '{"key":"d","stat'
    )
    loaded = BulkReport.load(path)
    assert {key: outcome.status for key, outcome in loaded.outcomes.items()} == {
        "a": ItemStatus.DONE,
        "b": ItemStatus.UNKNOWN,
        "c": ItemStatus.UNKNOWN,
    }
    assert "in flight when the job stopped" in (loaded.outcomes["b"].message or "")


async def test_a_journal_cut_mid_line_takes_a_resumed_run_and_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    # A power cut while item 1's outcome was being written: its line is cut short.
    path.write_text(
        '{"key":0,"status":"started"}\n'
        '{"key":0,"status":"done","result":0,"seconds":0.1}\n'
        '{"key":1,"status":"started"}\n'
        '{"key":1,"status":"do'
    )

    async def work(n: int) -> int:
        return n

    report = await bulk.run(range(3), work, resume=path, journal=path)
    assert report.carried_over == 1 and report.processed == 2
    reread = BulkReport.load(path)
    assert {key: outcome.status for key, outcome in reread.outcomes.items()} == {
        0: ItemStatus.DONE,
        1: ItemStatus.DONE,
        2: ItemStatus.DONE,
    }


async def test_a_journal_cut_mid_character_takes_a_resumed_run(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    text = '{"key":"M\u00fcller","status":"started"}\n{"key":"M\u00fcller","status":"done"}\n'
    data = text.encode()
    path.write_bytes(data[: data.rindex("\u00fc".encode()) + 1])  # half of the last 'ü'
    assert BulkReport.load(path).counts == {"done": 0, "failed": 0, "unknown": 1}

    async def work(name: str) -> str:
        return name

    report = await bulk.run(["M\u00fcller"], work, key=str, resume=path, journal=path)
    assert report.processed == 1
    assert BulkReport.load(path).counts == {"done": 1, "failed": 0, "unknown": 0}
    # Bytes that are not UTF-8 before the last line are not a cut: the file is refused.
    path.write_bytes(b'{"key":"a","status":"st\xc3arted"}\n' + data)
    with pytest.raises(ValueError, match=":1: not a JSON Lines report record"):
        BulkReport.load(path)


async def test_load_refuses_a_file_that_is_not_a_report(tmp_path: Path) -> None:
    path = tmp_path / "other.jsonl"
    path.write_text('{"id": 1}\n')
    with pytest.raises(ValueError, match="not a bulk report record"):
        BulkReport.load(path)
    path.write_text("not json\n{}\n")
    with pytest.raises(ValueError, match=":1: not a JSON Lines report record"):
        BulkReport.load(path)


async def test_a_rerun_skips_done_items_and_retries_failed_and_unknown_ones(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy, tmp_path: Path
) -> None:
    fields = await org.processes.kickoff_fields(demo.kickoff_blueprint_id)
    broken = {3, 7}

    async def launch_one(n: int) -> Process:
        kickoff = {} if n in broken else demo.kickoff_example
        return await org.processes.launch(
            demo.kickoff_blueprint_id,
            name=f"Row {n}",
            kickoff=kickoff,
            kickoff_fields=fields,
            dedupe_key=f"row-{n}",
        )

    # Rows 0 and 1: applied, their answers lost, and the lookup refused: unknown.
    fake.inject(path=r"/runs$", method="POST", drop="after", times=2)
    fake.inject(path=r"/runs$", method="GET", status=403, times=2)
    first = await bulk.run(range(10), launch_one, key=lambda n: f"row-{n}", concurrency=1)
    assert first.counts == {"done": 6, "failed": 2, "unknown": 2}
    assert {o.key for o in first.unknown} == {"row-0", "row-1"}
    path = tmp_path / "first.jsonl"
    first.save(path)

    broken.clear()  # the data was fixed
    fake.reset_log()
    second = await bulk.run(range(10), launch_one, key=lambda n: f"row-{n}", resume=path)
    assert second.counts == {"done": 10, "failed": 0, "unknown": 0}
    assert second.carried_over == 6 and second.processed == 4
    # Only the two failed rows were launched; the two unknown ones were found by key.
    assert sorted(r.body["name"] for r in launches_sent(fake)) == ["Row 3 [row-3]", "Row 7 [row-7]"]
    assert names_of_rows(fake, demo.org_id) == {f"Row {n} [row-{n}]": 1 for n in range(10)}


def child_config(fake: FakeTallyfy, demo: DemoOrg, journal: Path, rows: int) -> str:
    credentials = demo.credentials
    config: dict[str, Any] = {
        "base_url": fake.base_url,
        "token_url": fake.token_url,
        "credentials": {
            "client_id": credentials.client_id,
            "client_secret": credentials.client_secret,
            "username": credentials.username,
            "password": credentials.password,
        },
        "org_id": demo.org_id,
        "blueprint_id": demo.kickoff_blueprint_id,
        "kickoff": demo.kickoff_example,
        "rows": rows,
        "concurrency": 16,
        "journal": str(journal),
    }
    return json.dumps(config)


async def start_child(
    fake: FakeTallyfy, demo: DemoOrg, journal: Path, rows: int
) -> asyncio.subprocess.Process:
    """The job in a process of its own, its launches slowed down (see ``slow_launches``)."""
    slow_launches(fake)
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.bulk.job_child",
        child_config(fake, demo, journal, rows),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def wait_for_launches(fake: FakeTallyfy, org_id: str, count: int) -> None:
    async with asyncio.timeout(60):
        # The fake has no event to wait on: poll its counter.
        while fake.counters.launches(org_id) < count:  # noqa: ASYNC110
            await asyncio.sleep(0.005)


async def resume_here(client: TallyfyClient, demo: DemoOrg, journal: Path, rows: int) -> BulkReport:
    launcher = bulk.Launcher(client.org(demo.org_id), demo.kickoff_blueprint_id)

    async def launch_one(n: int) -> Process:
        return await launcher.launch(
            name=f"Row {n}", kickoff=demo.kickoff_example, dedupe_key=f"row-{n}"
        )

    return await bulk.run(
        range(rows), launch_one, key=lambda n: f"row-{n}", resume=journal, journal=journal
    )


def slow_launches(fake: FakeTallyfy) -> None:
    """Every launch takes 10 ms (so some are in flight when the job dies); the server
    applies 5 % of them and drops the connection instead of answering."""
    fake.inject(path=r"/runs$", method="POST", delay=0.01, drop="after", probability=0.05)
    fake.inject(path=r"/runs$", method="POST", delay=0.01)


async def test_a_job_killed_half_way_and_resumed_launches_nothing_twice(
    client: TallyfyClient, demo: DemoOrg, fake: FakeTallyfy, tmp_path: Path
) -> None:
    rows = 400
    journal = tmp_path / "journal.jsonl"
    child = await start_child(fake, demo, journal, rows)
    try:
        await wait_for_launches(fake, demo.org_id, rows // 2)
    finally:
        child.kill()  # SIGKILL: no cleanup, no report, only what the journal holds
        await child.communicate()
    assert child.returncode == -signal.SIGKILL
    # Launches the dead job had on the wire are still applied by the server (as a real
    # one would); a job is restarted after that.
    await asyncio.sleep(0.2)
    at_kill = fake.counters.launches(demo.org_id)
    assert rows // 2 <= at_kill < rows
    left = BulkReport.load(journal)
    assert left.unknown  # items in flight when it died: started, no outcome

    report = await resume_here(client, demo, journal, rows)
    assert report.counts == {"done": rows, "failed": 0, "unknown": 0}
    assert report.carried_over == len(left.done)
    assert names_of_rows(fake, demo.org_id) == {f"Row {n} [row-{n}]": 1 for n in range(rows)}
    assert fake.counters.launches(demo.org_id) == rows
    assert BulkReport.load(journal).complete


async def test_ctrl_c_returns_the_report_and_the_job_resumes_from_its_journal(
    client: TallyfyClient, demo: DemoOrg, fake: FakeTallyfy, tmp_path: Path
) -> None:
    rows = 300
    journal = tmp_path / "journal.jsonl"
    # 20 ms a launch: the job needs about 0.4 s for its rows, so the Ctrl-C sent once 50
    # are in lands while it runs even on a loaded host (unslowed, the rest could finish
    # before the signal is handled, and the job end uninterrupted).
    fake.inject(path=r"/runs$", method="POST", delay=0.02)
    child = await start_child(fake, demo, journal, rows)
    try:
        await wait_for_launches(fake, demo.org_id, 50)
        child.send_signal(signal.SIGINT)
        async with asyncio.timeout(30):
            out, err = await child.communicate()
    finally:
        if child.returncode is None:
            child.kill()
            await child.communicate()
    assert child.returncode == 0, err.decode()
    printed = json.loads(out.decode().strip().splitlines()[-1])
    assert printed["interrupted"] is True
    assert printed["counts"]["done"] < rows
    # Items in flight at Ctrl-C were given time to finish: none is left unknown.
    assert printed["counts"]["unknown"] == 0
    stopped = BulkReport.load(journal)
    assert stopped.interrupted and not stopped.unknown

    report = await resume_here(client, demo, journal, rows)
    assert report.counts == {"done": rows, "failed": 0, "unknown": 0}
    assert names_of_rows(fake, demo.org_id) == {f"Row {n} [row-{n}]": 1 for n in range(rows)}


def test_outcome_json_round_trip_keeps_an_api_status() -> None:
    record = ItemOutcome(
        "k", ItemStatus.FAILED, error_type="ValidationError", message="m", status_code=422
    ).to_json()
    assert ItemOutcome.from_json(record).status_code == 422
