"""``tallyfy-async export``: what the file holds is what the organization holds, item by item."""

from __future__ import annotations

import asyncio
import json
import resource
import signal
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest

from tallyfy_async import TallyfyClient
from tallyfy_async.cli._failures import run
from tallyfy_async.cli._writers import TABLES
from tallyfy_async.models import Blueprint, Process, Task
from tallyfy_async.testing import DemoOrg, FakeTallyfy
from tests.cli.conftest import TOOL, Result, clean_env, names, no_traceback, start, tool

#: The fake's collections, by the export's kinds.
COLLECTIONS = {"blueprint": "blueprints", "process": "runs", "task": "tasks"}
#: What each kind's record is compared on (wire keys; dates compared as instants).
COMPARED = {
    "blueprint": ("id", "title", "status", "created_at", "last_updated", "archived_at"),
    "process": ("id", "name", "status", "checklist_id", "created_at", "last_updated",
                "archived_at", "completed_at"),
    "task": ("id", "title", "status", "run_id", "step_id", "deadline", "archived_at",
             "completed_at", "is_oneoff_task"),
}  # fmt: skip


@pytest.fixture
def demo(fake: FakeTallyfy) -> DemoOrg:
    return fake.seed_demo(processes=60, tasks_per_process=4)


def instant(text: Any) -> Any:
    """A date as an instant (the fake writes ``...000Z``, the export ``+00:00``)."""
    if isinstance(text, str) and len(text) >= 19 and text[4] == "-" and text[10] in "T ":
        moment = datetime.fromisoformat(text)
        assert moment.utcoffset() == timedelta(0), text  # every date in UTC
        return moment.astimezone(UTC)
    return text


def state(fake: FakeTallyfy, demo: DemoOrg, kind: str, *, archived: bool = True) -> dict[str, Any]:
    """The fake's records of a kind, as it would send them, by id."""
    org = fake.state.orgs[demo.org_id]
    ids = [record.id for record in getattr(org, COLLECTIONS[kind]).every()]
    records = {}
    for record_id in ids:
        wire = fake.snapshot(demo.org_id, COLLECTIONS[kind], record_id)
        assert wire is not None
        if archived or not wire.get("archived_at"):
            records[record_id] = wire
    return records


def compare(fake: FakeTallyfy, demo: DemoOrg, rows: dict[str, list[dict[str, Any]]]) -> None:
    for kind in COMPARED:
        expected = state(fake, demo, kind)
        got = {row["id"]: row for row in rows[kind]}
        assert len(got) == len(rows[kind]), f"{kind}: an id twice"
        assert set(got) == set(expected), kind
        for record_id, wire in expected.items():
            for key in COMPARED[kind]:
                assert instant(got[record_id][key]) == instant(wire.get(key)), (kind, key)
    assert any(row["archived_at"] for row in rows["process"])  # archived ones are there
    steps = {row["id"]: row["steps"] for row in rows["blueprint"]}
    assert all(len(s) == 4 for s in steps.values())  # blueprints come with their steps


async def test_json_lines_hold_every_record_as_the_organization_does(
    fake: FakeTallyfy, demo: DemoOrg, env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "export.jsonl"
    result = await tool("export", "--out", str(out), env=env)
    assert result.code == 0, result.text
    rows: dict[str, list[dict[str, Any]]] = {"blueprint": [], "process": [], "task": []}
    for line in out.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        rows[record.pop("kind")].append(record)
    compare(fake, demo, rows)
    total = sum(len(r) for r in rows.values())
    assert f"{total:,} records in " in result.out and " records/s)" in result.out
    assert f"{len(rows['process'])} processes (6 archived)" in result.out
    assert "(minimum " in result.out
    assert "records: " in result.err  # progress, as plain lines when not on a terminal
    assert names(tmp_path) == ["export.jsonl"]


async def test_sqlite_has_a_table_per_kind_with_a_column_per_field(
    fake: FakeTallyfy, demo: DemoOrg, env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "org.sqlite"
    result = await tool("export", "--out", str(out), "--no-progress", env=env)
    assert result.code == 0, result.text
    assert result.err == ""
    rows: dict[str, list[dict[str, Any]]] = {}
    with sqlite3.connect(out) as db:
        db.row_factory = sqlite3.Row
        for kind, (table, model) in TABLES.items():
            cursor = db.execute(f"SELECT * FROM {table}")
            columns = [c[0] for c in cursor.description]
            fields = [f.name for f in attrs.fields(model) if f.name != "extra"]
            assert columns == [*fields, "extra"]
            rows[kind] = [dict(row) for row in cursor]
        types = {r[1]: r[2] for r in db.execute("PRAGMA table_info(tasks)")}
    assert (types["increment_id"], types["status"], types["owners"]) == ("INTEGER", "TEXT", "TEXT")
    for row in rows["task"]:
        assert row["is_oneoff_task"] in (0, 1)
        assert set(json.loads(row["owners"])) == {"users", "guests", "groups"}
    for row in rows["blueprint"]:
        row["steps"] = json.loads(row["steps"])
    compare(fake, demo, rows)


async def test_sqlite_keeps_a_bare_number_where_an_object_may_be_too(
    fake: FakeTallyfy, demo: DemoOrg, env: dict[str, str], tmp_path: Path
) -> None:
    # Tallyfy sends a run's progress as an object, or in some answers as a bare number.
    async with TallyfyClient(
        demo.credentials, base_url=fake.base_url, token_url=fake.token_url
    ) as client:
        page = await client.org(demo.org_id).processes.list(archived=True).raw()
    runs = [dict(run, progress=42.5) for run in page.items]
    runs[0]["progress"] = {"complete": 1, "total": 4, "percent": 25}
    meta = {"pagination": {"total": len(runs), "count": len(runs), "per_page": 100,
                           "current_page": 1, "total_pages": 1}}  # fmt: skip
    fake.inject(r"/runs$", method="GET", status=200, body={"data": runs, "meta": meta})
    out = tmp_path / "org.sqlite"
    result = await tool("export", "--out", str(out), "--no-progress", env=env)
    assert result.code == 0, result.text
    first = runs[0]["id"]
    with sqlite3.connect(out) as db:
        typed = "SELECT DISTINCT progress, typeof(progress) FROM processes WHERE id"
        kept = db.execute(f"{typed} = ?", (first,)).fetchone()
        numbers = db.execute(f"{typed} != ?", (first,)).fetchall()
    assert json.loads(kept[0]) == runs[0]["progress"] and kept[1] == "text"
    assert numbers == [(42.5, "real")]


async def test_archived_records_are_left_out_when_asked(
    fake: FakeTallyfy, demo: DemoOrg, env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "live.jsonl"
    result = await tool("export", "--out", str(out), "--no-archived", env=env)
    assert result.code == 0, result.text
    records = [json.loads(line) for line in out.read_text().splitlines()]
    processes = {r["id"] for r in records if r["kind"] == "process"}
    assert processes == set(state(fake, demo, "process", archived=False))
    assert all(not r["archived_at"] for r in records)


async def test_since_exports_what_changed_since(
    fake: FakeTallyfy, demo: DemoOrg, env: dict[str, str], tmp_path: Path
) -> None:
    await asyncio.sleep(1.1)  # the fake's dates have whole seconds
    since = datetime.now(UTC).replace(microsecond=0)
    async with TallyfyClient(
        demo.credentials, base_url=fake.base_url, token_url=fake.token_url
    ) as client:
        org = client.org(demo.org_id)
        active = demo.processes_by_status["active"][:2]
        for process_id in active:
            await org.processes.update(process_id, name="Renamed")
        oneoff = await org.tasks.create(
            title="Late call",
            task_type="task",
            owners={"users": [demo.admin_id]},
            deadline=since + timedelta(days=3),
        )
    out = tmp_path / "changed.jsonl"
    result = await tool("export", "--out", str(out), "--since", since.isoformat(), env=env)
    assert result.code == 0, result.text
    records = [json.loads(line) for line in out.read_text().splitlines()]
    expected = set()
    for kind in COMPARED:
        for record_id, wire in state(fake, demo, kind).items():
            dates = [
                instant(wire.get(k))
                for k in ("last_updated", "archived_at", "completed_at", "created_at")
            ]
            if max(d for d in dates if d) >= since:
                expected.add(record_id)
    assert {r["id"] for r in records} == expected
    assert set(active) | {oneoff.id} <= expected
    assert len(expected) < 20  # the rest is left out
    assert "records unchanged since --since left out" in result.out


@pytest.mark.parametrize("name", ["export.jsonl", "export.sqlite"])
async def test_a_failed_export_leaves_the_previous_file_and_nothing_else(
    fake: FakeTallyfy, env: dict[str, str], tmp_path: Path, name: str
) -> None:
    out = tmp_path / name
    out.write_text("the previous export")
    fake.inject(path=r"/tasks$", method="GET", query={"page": "2"}, status=403)
    result = await tool("export", "--out", str(out), env=env)
    assert result.code == 4, result.text
    assert "Error: not found, or not visible to this user" in result.err
    no_traceback(result)
    assert out.read_text() == "the previous export"
    assert names(tmp_path) == [name]


async def test_an_interrupted_export_leaves_no_file(
    fake: FakeTallyfy, env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "export.sqlite"
    fake.inject(path=r"/tasks$", method="GET", query={"page": "2"}, delay=30)
    process = await start("export", "--out", str(out), env=env)
    for _ in range(200):  # until the export is under way: its temporary file exists
        if names(tmp_path):
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)
    process.send_signal(signal.SIGINT)
    _, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 130, err.decode()
    assert "Error: interrupted" in err.decode() and "Traceback" not in err.decode()
    assert names(tmp_path) == []


async def test_an_export_ended_with_sigterm_keeps_the_previous_file_and_nothing_else(
    fake: FakeTallyfy, env: dict[str, str], tmp_path: Path
) -> None:
    # timeout, docker stop and systemd end a process with SIGTERM: it must unwind as Ctrl-C.
    out = tmp_path / "export.jsonl"
    out.write_text("the previous export")
    fake.inject(path=r"/tasks$", method="GET", query={"page": "2"}, delay=30)
    process = await start("export", "--out", str(out), env=env)
    for _ in range(200):  # until the export is under way: its temporary file exists
        if len(names(tmp_path)) > 1:
            break
        await asyncio.sleep(0.05)
    assert len(names(tmp_path)) == 2
    process.send_signal(signal.SIGTERM)
    _, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 130, err.decode()
    assert "Error: interrupted (SIGTERM)" in err.decode() and "Traceback" not in err.decode()
    assert names(tmp_path) == ["export.jsonl"]
    assert out.read_text() == "the previous export"


async def test_the_format_comes_from_the_extension_or_the_flag(
    env: dict[str, str], tmp_path: Path
) -> None:
    result = await tool("export", "--out", str(tmp_path / "export.csv"), env=env)
    assert result.code == 2 and "name it .jsonl or .sqlite, or pass --format" in result.err
    out = tmp_path / "export.data"
    result = await tool("export", "--out", str(out), "--format", "sqlite", env=env)
    assert result.code == 0, result.text
    with sqlite3.connect(out) as db:
        assert db.execute("SELECT count(*) FROM processes").fetchone()[0] == 60


async def test_a_duration_reaching_back_before_the_year_1_is_a_usage_error(
    fake: FakeTallyfy, env: dict[str, str], tmp_path: Path
) -> None:
    for since in ("1000000d", "99999999999999999999h"):
        result = await tool("export", "--out", str(tmp_path / "x.jsonl"), "--since", since,
                            env=env)  # fmt: skip
        assert result.code == 2, result.text
        assert f"'{since}' reaches back before the year 1: a duration can be at most" in result.err
        no_traceback(result)
    assert len(fake.log) == 0 and names(tmp_path) == []  # refused before anything was sent


async def test_an_unwritable_destination_is_a_file_error(
    env: dict[str, str], tmp_path: Path
) -> None:
    result = await tool("export", "--out", str(tmp_path / "missing" / "x.jsonl"), env=env)
    assert result.code == 5, result.text
    assert "cannot write" in result.err
    no_traceback(result)


async def test_a_file_that_cannot_be_finished_is_one_error_line(tmp_path: Path) -> None:
    # A disk filling up mid-export, as a file-size limit (EFBIG): pages are still being
    # fetched when the write fails, and stopping them must not print a traceback.
    def limit_file_size() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))

    process = await asyncio.create_subprocess_exec(
        *TOOL, "export", "--fake", "--fake-processes", "1000", "--out", "big.jsonl",
        "--no-progress", env=clean_env(), cwd=tmp_path, preexec_fn=limit_file_size,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    result = Result(process.returncode, out.decode(), err.decode())
    assert result.code == 5, result.text
    no_traceback(result)
    assert "an error occurred" not in result.err
    assert result.err.splitlines()[-1].startswith("Error: cannot write big.jsonl: [Errno 27]")
    assert names(tmp_path) == []


def test_no_model_field_is_named_like_the_kind_key() -> None:
    for model in (Blueprint, Process, Task):
        assert "kind" not in {f.name for f in attrs.fields(model)}


@pytest.mark.parametrize("file_format", ["jsonl", "sqlite"])
async def test_rows_read_from_the_dicts_tallyfy_sent_are_the_models_rows(
    fake: FakeTallyfy, demo: DemoOrg, tmp_path: Path, file_format: str
) -> None:
    # The command reads rows from the wire dicts (bulk.export(raw=True)); the file must be
    # the one the typed models' to_json_dict() rows make.
    from tallyfy_async import bulk
    from tallyfy_async.cli._export import write_export
    from tallyfy_async.cli._writers import WireRows

    typed_out, raw_out = tmp_path / f"typed.{file_format}", tmp_path / f"raw.{file_format}"
    async with TallyfyClient(
        demo.credentials, base_url=fake.base_url, token_url=fake.token_url
    ) as client:
        org = client.org(demo.org_id)
        typed = await write_export(bulk.export(org), typed_out, file_format)
        rows = WireRows(client.converter)
        raw = await write_export(bulk.export(org, raw=True), raw_out, file_format, to_row=rows)
    assert typed.counts == raw.counts and sum(raw.counts.values()) > 200
    if file_format == "jsonl":
        assert raw_out.read_bytes() == typed_out.read_bytes()
        return
    for kind, (table, _) in TABLES.items():
        with sqlite3.connect(typed_out) as a, sqlite3.connect(raw_out) as b:
            query = f'SELECT * FROM "{table}" ORDER BY id'
            assert a.execute(query).fetchall() == b.execute(query).fetchall(), kind


def test_a_row_read_from_the_wire_is_the_models_row_whatever_it_holds() -> None:
    # Unknown keys, an include, nulls, PHP's empty array for an object, dates with an
    # offset, an unknown status, nested models: the row is to_json_dict()'s, key for key.
    from tallyfy_async._rows import row_reader
    from tallyfy_async._serde import Converter, json_dumps
    from tallyfy_async.cli._writers import model_row

    converter = Converter()
    wire: dict[str, Any] = {
        "surprise": {"nested": [1, 2]},
        "id": "a" * 32,
        "title": "Review",
        "taskdata": [],
        "status": "frozen",
        "deadline": "2026-03-01T09:00:00+02:00",
        "created_at": "2026-03-01 07:00:00",
        "completed_at": None,
        "owners": {"users": [1], "guests": [], "groups": [], "odd": True},
        "run": {"data": {"id": "b" * 32, "name": "P", "progress": 50, "tasks": {"data": []}}},
        "form_fields": {"data": [{"id": "c" * 32, "label": "L", "field_type": "text"}]},
        "later": 1,
    }
    task = converter.structure(json.loads(json.dumps(wire)), Task)
    row = row_reader(converter, Task)(json.loads(json.dumps(wire)))
    assert json_dumps(row) == json_dumps(model_row("task", task))
    process = {"id": "d" * 32, "progress": {"complete": 1, "total": 2}, "prerun": []}
    expected = model_row("process", converter.structure(dict(process), Process))
    assert json_dumps(row_reader(converter, Process)(dict(process))) == json_dumps(expected)
    with pytest.raises(KeyError):
        row_reader(converter, Blueprint)({"title": "no id"})


def test_a_command_run_in_process_gives_the_callers_sigterm_handler_back() -> None:
    def mine(signum: int, frame: object) -> None:
        """The host application's own handler."""

    async def command() -> int:
        return 7

    before = signal.signal(signal.SIGTERM, mine)
    try:
        assert run(command) == 7
        assert signal.getsignal(signal.SIGTERM) is mine
    finally:
        signal.signal(signal.SIGTERM, before)
