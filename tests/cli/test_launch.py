"""``tallyfy-async launch``: a process per CSV row, exactly once, rerun from its report."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from tallyfy_async.cli._csv_rows import ColumnPlan
from tallyfy_async.models import FieldColumn, FieldOption, FieldType, FormField
from tallyfy_async.testing import DemoOrg, FakeTallyfy
from tests.cli.conftest import no_traceback, start, tool

PURCHASES = """request,Amount,Vendor email,Needed by
PR-1001,120.00,orders@paperco.test,2026-12-01
PR-1002,89.90,sales@inkworks.test,
PR-1003,1450.00,hello@chairs.test
PR-1004,75.00,desk@office.test,2027-01-15T09:00:00Z
"""


@pytest.fixture
def demo(fake: FakeTallyfy) -> DemoOrg:
    return fake.seed_demo(processes=0)


def purchase(demo: DemoOrg) -> str:
    return demo.blueprint_ids[1]  # kick-off: Amount (required), Vendor email, Needed by


def launched(fake: FakeTallyfy, demo: DemoOrg) -> list[dict[str, Any]]:
    """Every process of the fake's organization: a row launched twice is there twice."""
    org = fake.state.orgs[demo.org_id]
    runs = [fake.snapshot(demo.org_id, "runs", run.id) for run in org.runs.every()]
    return [run for run in runs if run is not None]


def rows_launched(fake: FakeTallyfy, demo: DemoOrg) -> list[str]:
    """The names of every process, without their " [key]", sorted; repeats kept."""
    return sorted(run["name"].split(" [")[0] for run in launched(fake, demo))


def stopped(pid: int) -> bool:
    """Whether a process is stopped (its state in /proc)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in ("T", "t")


def kickoff_by_label(fake: FakeTallyfy, demo: DemoOrg, run: dict[str, Any]) -> dict[str, Any]:
    blueprint = fake.snapshot(demo.org_id, "blueprints", purchase(demo))
    assert blueprint is not None
    labels = {field["id"]: field["label"] for field in blueprint["prerun"]}
    return {labels[key]: value for key, value in run["prerun"].items() if value is not None}


async def test_a_bad_row_is_reported_by_line_and_a_rerun_launches_nothing_twice(
    fake: FakeTallyfy, demo: DemoOrg, env: dict[str, str], tmp_path: Path
) -> None:
    rows = tmp_path / "purchases.csv"
    rows.write_text(PURCHASES)
    args = ["launch", "--csv", str(rows), "--blueprint", purchase(demo),
            "--name", "Purchase {request}", "--key-column", "request"]  # fmt: skip
    first = await tool(*args, env=env)
    assert first.code == 1, first.text  # the work ran, one row failed
    no_traceback(first)
    assert "launched 3 processes; 1 rows failed, 0 unknown" in first.out
    assert "line 4 (line 4): UnreadableRow: line 4: 3 values for 4 columns" in first.out
    names = {run["name"]: run for run in launched(fake, demo)}
    assert sorted(run["name"] for run in launched(fake, demo)) == [
        "Purchase PR-1001 [PR-1001]",
        "Purchase PR-1002 [PR-1002]",
        "Purchase PR-1004 [PR-1004]",
    ]
    assert kickoff_by_label(fake, demo, names["Purchase PR-1001 [PR-1001]"]) == {
        "Amount": "120.00",
        "Vendor email": "orders@paperco.test",
        "Needed by": "2026-12-01T00:00:00.000Z",
    }
    assert kickoff_by_label(fake, demo, names["Purchase PR-1002 [PR-1002]"]) == {
        "Amount": "89.90",
        "Vendor email": "sales@inkworks.test",
    }
    lines = (tmp_path / "purchases.report.jsonl").read_text().splitlines()
    report = [json.loads(line) for line in lines]
    outcomes = {r["key"]: r for r in report if r.get("status") in ("done", "failed")}
    assert outcomes["line 4"]["message"] == "line 4: 3 values for 4 columns"
    assert outcomes["PR-1001"]["result"]["name"] == "Purchase PR-1001 [PR-1001]"

    fake.reset_log()
    again = await tool(*args, env=env)
    assert again.code == 1, again.text  # line 4 is still unreadable
    assert "launched 0 processes; 1 rows failed, 0 unknown; 3 done in an earlier run" in again.out
    assert sorted(run["name"] for run in launched(fake, demo)) == sorted(names)
    assert not [r for r in fake.log if r.method == "POST" and r.path.endswith("/runs")]

    rows.write_text(PURCHASES.replace("PR-1003,1450.00,hello@chairs.test", "PR-1003,1450.00,,"))
    fixed = await tool(*args, env=env)
    assert fixed.code == 0, fixed.text
    assert "launched 1 processes; 0 rows failed" in fixed.out
    assert len(launched(fake, demo)) == 4


async def test_a_launch_killed_midway_is_finished_by_a_rerun_without_duplicates(
    fake: FakeTallyfy, demo: DemoOrg, env: dict[str, str], tmp_path: Path
) -> None:
    rows = tmp_path / "many.csv"
    rows.write_text("name,Amount\n" + "".join(f"Order {n},{n}.00\n" for n in range(1, 41)))
    fake.inject(path=r"/runs$", method="POST", delay=0.2)  # slow launches, still applied
    args = ["launch", "--csv", str(rows), "--blueprint", purchase(demo), "--concurrency", "4"]
    process = await start(*args, env=env)
    report = tmp_path / "many.report.jsonl"
    while len(launched(fake, demo)) < 8:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    process.send_signal(signal.SIGKILL)  # no grace, no report summary: a power cut
    await process.wait()
    before = len(launched(fake, demo))
    assert 8 <= before < 40 and report.exists()

    fake.clear_faults()
    again = await tool(*args, env=env)
    assert again.code == 0, again.text
    assert rows_launched(fake, demo) == sorted(f"Order {n}" for n in range(1, 41))  # once each
    assert "done in an earlier run" in again.out


@pytest.mark.parametrize(
    ("csv_text", "extra", "code", "message"),
    [
        (None, [], 5, "cannot read"),
        ("", [], 5, "is empty: its first line must name the columns"),
        (
            "name,Amount,Colour\nA,1,red\n",
            [],
            5,
            "columns that match no kick-off field: ['Colour']",
        ),
        ("name,Vendor email\nA,a@b.test\n", [], 5, "the blueprint requires ['Amount']"),
        ("Amount\n1\n", [], 2, "say how to name each process"),
        ("name,Amount,Amount\nA,1,2\n", [], 5, "columns named twice"),
        ("name,Amount\nA,1\n", ["--key-column", "id"], 2, "no column 'id'"),
        (
            "name,Amount,amount\nA,1,2\n",
            [],
            5,
            "columns ['Amount', 'amount'] all give the kick-off field 'Amount': keep one",
        ),
        ("r,Amount\nR,1\n", ["--name", "P {r"], 2, "--name 'P {r' is malformed"),
        ("r,Amount\nR,1\n", ["--name", "P {}"], 2, "has the field {}, which names no column"),
        ("r,Amount\nR,1\n", ["--name", "P {0}"], 2, "has the field {0}, which names no"),
        ("r,Amount\nR,1\n", ["--name", "P {r.x}"], 2, "has the field {r.x}, which names no"),
        ("r,Amount\nR,1\n", ["--name", "P {r[0]}"], 2, "has the field {r[0]}, which names"),
    ],
)
async def test_a_csv_that_cannot_be_used_is_refused_before_any_launch(
    fake: FakeTallyfy,
    demo: DemoOrg,
    env: dict[str, str],
    tmp_path: Path,
    csv_text: str | None,
    extra: list[str],
    code: int,
    message: str,
) -> None:
    rows = tmp_path / "rows.csv"
    if csv_text is not None:
        rows.write_text(csv_text)
    result = await tool(
        "launch", "--csv", str(rows), "--blueprint", purchase(demo), *extra, env=env
    )
    assert result.code == code, result.text
    assert message in result.err
    no_traceback(result)
    assert not [r for r in fake.log if r.method == "POST" and r.path.endswith("/runs")]


async def test_unknown_columns_can_be_ignored_and_rows_that_are_not_utf8_fail_alone(
    fake: FakeTallyfy, demo: DemoOrg, env: dict[str, str], tmp_path: Path
) -> None:
    rows = tmp_path / "rows.csv"
    rows.write_bytes(b"name,Amount,Note\nA,1,x\nB,2,caf\xe9\nC,3,\n")
    result = await tool(
        "launch", "--csv", str(rows), "--blueprint", purchase(demo), "--ignore-unknown-columns",
        env=env,
    )  # fmt: skip
    assert result.code == 1, result.text
    assert "line 3 (line 3): UnreadableRow: line 3: bytes that are not UTF-8" in result.out
    assert rows_launched(fake, demo) == ["A", "C"]


def test_cells_holding_several_values_are_split() -> None:
    fields = [
        FormField(id="a" * 32, label="Channels", field_type=FieldType.MULTISELECT,
                  options=[FieldOption(id=1, text="Slack"), FieldOption(id=2, text="Email")]),
        FormField(id="b" * 32, label="Line items", field_type=FieldType.TABLE,
                  columns=[FieldColumn(id=1, label="Item"), FieldColumn(id=2, label="Qty")]),
        FormField(id="c" * 32, alias="team", label="Account team", field_type=FieldType.ASSIGNEES),
        FormField(id="d" * 32, label="Client name", field_type=FieldType.TEXT),
    ]  # fmt: skip
    plan = ColumnPlan.make(
        ["Client Name", "channels", "Line items", "team"], fields,
        name="{Client Name}", key_column=None, ignore_unknown=False,
    )  # fmt: skip
    kickoff = plan.kickoff(
        {
            "Client Name": "Globex; Inc",
            "channels": "Slack; Email;",  # a trailing separator chooses nothing more
            "Line items": "Widget;",  # an empty cell keeps its place
            "team": f"42; casey@example.com; {'e' * 32}",
        }
    )
    assert kickoff == {
        "d" * 32: "Globex; Inc",
        "a" * 32: ["Slack", "Email"],
        "b" * 32: ["Widget", ""],
        "c" * 32: {"users": [42], "guests": ["casey@example.com"], "groups": ["e" * 32]},
    }


# SIGTERM (timeout, docker stop, systemd) stops a launch as Ctrl-C does.
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
async def test_a_launch_interrupted_with_ctrl_c_says_so_and_exits_130(
    fake: FakeTallyfy, demo: DemoOrg, env: dict[str, str], tmp_path: Path, signum: int
) -> None:
    rows = tmp_path / "many.csv"
    rows.write_text("name,Amount\n" + "".join(f"Order {n},{n}.00\n" for n in range(1, 101)))
    fake.inject(path=r"/runs$", method="POST", delay=0.2)
    args = ["launch", "--csv", str(rows), "--blueprint", purchase(demo), "--concurrency", "4"]
    process = await start(*args, env=env)
    while len(launched(fake, demo)) < 8:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    process.send_signal(signum)
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 130, out.decode() + err.decode()
    assert "interrupted: rerun with the same report to launch the rest" in err.decode()
    assert "Traceback" not in err.decode()
    assert len(launched(fake, demo)) < 100


async def test_rows_repeating_a_key_or_with_a_blank_key_fail_by_line_and_launch_once(
    fake: FakeTallyfy, demo: DemoOrg, env: dict[str, str], tmp_path: Path
) -> None:
    twins = tmp_path / "twins.csv"
    twins.write_text("name,Amount\nLaptop,100\nLaptop,100\nDesk,50\n")
    result = await tool("launch", "--csv", str(twins), "--blueprint", purchase(demo), env=env)
    assert result.code == 1, result.text
    assert "launched 2 processes; 1 rows failed" in result.out
    assert "): DuplicateKey: same key as line 2, not launched" in result.out
    assert "line 3 (row-" in result.out
    assert rows_launched(fake, demo) == ["Desk", "Laptop"]

    keyed = tmp_path / "keyed.csv"
    keyed.write_text("id,name,Amount\nK1,A,1\n,B,2\nK1,C,3\n ,D,4\n")
    args = ["launch", "--csv", str(keyed), "--blueprint", purchase(demo), "--key-column", "id"]
    result = await tool(*args, env=env)
    assert result.code == 1, result.text
    assert "launched 1 processes; 3 rows failed" in result.out
    assert "line 3 (line 3): UnreadableRow: line 3: no value in the key column 'id'" in result.out
    assert "line 5 (line 5): UnreadableRow: line 5: no value in the key column 'id'" in result.out
    assert "line 4 (K1): DuplicateKey: same key as line 2, not launched" in result.out
    again = await tool(*args, env=env)  # still refused: the CSV must be fixed
    assert again.code == 1, again.text
    assert "line 4 (K1): DuplicateKey: same key as line 2" in again.out
    assert rows_launched(fake, demo) == ["A", "Desk", "Laptop"]


async def test_a_row_keeps_its_key_when_columns_move_or_unused_columns_change(
    fake: FakeTallyfy, demo: DemoOrg, env: dict[str, str], tmp_path: Path
) -> None:
    rows = tmp_path / "rows.csv"
    args = ["launch", "--csv", str(rows), "--blueprint", purchase(demo),
            "--ignore-unknown-columns"]  # fmt: skip
    rows.write_text("name,Amount,Note\nA,10,x\nB,20,y\n")
    first = await tool(*args, env=env)
    assert first.code == 0, first.text
    rows.write_text("Note,amount,name,Vendor email\nz,10,A,\nw,20,B,\n")  # moved, renamed case
    again = await tool(*args, env=env)
    assert again.code == 0, again.text
    assert "launched 0 processes; 0 rows failed, 0 unknown; 2 done in an earlier run" in again.out
    rows.write_text("name,Amount\nA,11\nB,20\n")  # a value the launch uses changed
    changed = await tool(*args, env=env)
    assert "launched 1 processes" in changed.out, changed.text
    assert rows_launched(fake, demo) == ["A", "A", "B"]


async def test_a_report_of_rows_keyed_another_way_is_refused_not_relaunched(
    fake: FakeTallyfy, demo: DemoOrg, env: dict[str, str], tmp_path: Path
) -> None:
    rows = tmp_path / "rows.csv"
    rows.write_text("order,name,Amount\n7,Order 7,1\n8,Order 8,2\n")
    args = ["launch", "--csv", str(rows), "--blueprint", purchase(demo),
            "--ignore-unknown-columns"]  # fmt: skip
    assert (await tool(*args, env=env)).code == 0
    for changed in (["--key-column", "order"], ["--name", "{order}: {name}"]):
        # Keyed another way, each row done would get a new key and be launched again.
        again = await tool(*args, *changed, env=env)
        assert again.code == 2, again.text
        assert "keyed its rows by a digest of the kick-off values and the --name columns" in (
            again.err
        )
        no_traceback(again)
    assert rows_launched(fake, demo) == ["Order 7", "Order 8"]
    # Keyed as the report was, a rerun launches nothing.
    same = await tool(*args, "--name", "{name}", env=env)
    assert same.code == 0 and "launched 0 processes" in same.out, same.text
    assert len(launched(fake, demo)) == 2


async def test_a_report_of_another_blueprints_launch_is_refused_not_resumed(
    fake: FakeTallyfy, demo: DemoOrg, env: dict[str, str], tmp_path: Path
) -> None:
    second = fake.add_blueprint(
        demo.org_id,
        title="Second",
        kickoff=[{"label": "Amount", "field_type": "text", "required": True}],
    )
    rows = tmp_path / "rows.csv"
    rows.write_text("name,Amount\nOrder 1,1\nOrder 2,2\n")
    first = await tool("launch", "--csv", str(rows), "--blueprint", purchase(demo), env=env)
    assert first.code == 0, first.text
    other = await tool("launch", "--csv", str(rows), "--blueprint", second, env=env)
    assert other.code == 2, other.text
    assert f"is of a launch of blueprint {purchase(demo)} in organization {demo.org_id}" in (
        other.err
    )
    assert "pass --report" in other.err
    no_traceback(other)
    assert len(launched(fake, demo)) == 2
    apart = tmp_path / "second.jsonl"
    args = ["launch", "--csv", str(rows), "--blueprint", second, "--report", str(apart)]
    assert (await tool(*args, env=env)).code == 0
    assert len(launched(fake, demo)) == 4


def old_key(*cells: str) -> str:
    """A row's default key as the version before reports began with a meta record made it:
    a digest of every cell in the header's order (written out here, not imported)."""
    return "row-" + hashlib.sha256("\x1f".join(cells).encode()).hexdigest()[:12]


async def test_a_report_of_the_version_before_meta_records_is_resumed_with_its_keys(
    fake: FakeTallyfy, demo: DemoOrg, env: dict[str, str], tmp_path: Path
) -> None:
    keys = {name: old_key(name, amount) for name, amount in [("A", "1"), ("B", "2"), ("C", "3")]}
    # What that version left after being killed: A done; B launched, its answer never
    # recorded; C started but never sent. The processes carry its keys in their names.
    earlier = tmp_path / "earlier.csv"
    earlier.write_text("name,Amount,k\n" + f"A,1,{keys['A']}\nB,2,{keys['B']}\n")
    made = await tool(
        "launch", "--csv", str(earlier), "--blueprint", purchase(demo), "--key-column", "k",
        "--report", str(tmp_path / "elsewhere.jsonl"), env=env,
    )  # fmt: skip
    assert made.code == 0, made.text
    report = tmp_path / "rows.report.jsonl"
    records = [
        {"key": keys["A"], "status": "started"},
        {"key": keys["A"], "status": "done", "result": {"type": "Process"}, "seconds": 0.1},
        {"key": keys["B"], "status": "started"},
        {"key": keys["C"], "status": "started"},
    ]
    report.write_text("".join(json.dumps(record) + "\n" for record in records))
    rows = tmp_path / "rows.csv"
    rows.write_text("name,Amount\nA,1\nB,2\nC,3\nD,4\n")
    fake.reset_log()

    again = await tool("launch", "--csv", str(rows), "--blueprint", purchase(demo), env=env)
    assert again.code == 0, again.text
    assert (
        "launched 2 processes (and found 1 an earlier run had launched); 0 rows failed, "
        "0 unknown; 1 done in an earlier run" in again.out
    )
    assert len([r for r in fake.log if r.method == "POST" and r.path.endswith("/runs")]) == 2
    assert sorted(run["name"] for run in launched(fake, demo)) == [
        f"A [{keys['A']}]",
        f"B [{keys['B']}]",
        f"C [{keys['C']}]",
        f"D [{old_key('D', '4')}]",  # the report keeps that version's keys
    ]
    last = await tool("launch", "--csv", str(rows), "--blueprint", purchase(demo), env=env)
    assert "launched 0 processes; 0 rows failed, 0 unknown; 4 done in an earlier run" in last.out
    assert rows_launched(fake, demo) == ["A", "B", "C", "D"]


async def test_a_rerun_counts_what_it_launched_apart_from_what_an_earlier_run_had(
    fake: FakeTallyfy, demo: DemoOrg, env: dict[str, str], tmp_path: Path
) -> None:
    rows = tmp_path / "rows.csv"
    rows.write_text("name,Amount\nA,1\nB,2\nC,3\n")
    args = ["launch", "--csv", str(rows), "--blueprint", purchase(demo)]
    assert (await tool(*args, env=env)).code == 0
    # As a run killed while A and B were in flight leaves it: launched, outcomes unknown.
    report = tmp_path / "rows.report.jsonl"
    kept = [
        line
        for line in report.read_text().splitlines()
        if not ('"status":"done"' in line and ('"name":"A [' in line or '"name":"B [' in line))
    ]
    report.write_text("\n".join(kept) + "\n")
    rows.write_text("name,Amount\nA,1\nB,2\nC,3\nD,4\n")
    again = await tool(*args, env=env)
    assert again.code == 0, again.text
    assert (
        "launched 1 processes (and found 2 an earlier run had launched); 0 rows failed, "
        "0 unknown; 1 done in an earlier run" in again.out
    )
    assert rows_launched(fake, demo) == ["A", "B", "C", "D"]


async def test_a_second_launch_on_the_same_report_is_refused_while_the_first_runs(
    fake: FakeTallyfy, demo: DemoOrg, env: dict[str, str], tmp_path: Path
) -> None:
    rows = tmp_path / "many.csv"
    rows.write_text("name,Amount\n" + "".join(f"Order {n},{n}.00\n" for n in range(1, 21)))
    slow = fake.inject(path=r"/runs$", method="POST", delay=0.2)
    args = ["launch", "--csv", str(rows), "--blueprint", purchase(demo), "--concurrency", "2"]
    first = await start(*args, env=env)
    while not slow.hits:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    # Nothing is awaited until the first launch is stopped: the fake answers in this event
    # loop, so the first, its creates not all answered, cannot end (and unlock) before.
    assert slow.hits < 20
    os.kill(first.pid, signal.SIGSTOP)
    while not stopped(first.pid):
        time.sleep(0.01)  # noqa: ASYNC251 (blocking on purpose: see above)
    try:
        second = await tool(*args, env=env)
    finally:
        os.kill(first.pid, signal.SIGCONT)
    assert second.code == 5, second.text
    assert f"another launch is using {tmp_path / 'many.report.jsonl'}" in second.err
    no_traceback(second)
    out, err = await asyncio.wait_for(first.communicate(), timeout=120)
    assert first.returncode == 0, out.decode() + err.decode()
    assert rows_launched(fake, demo) == sorted(f"Order {n}" for n in range(1, 21))
    fake.clear_faults()
    assert (await tool(*args, env=env)).code == 0  # the lock went with the first launch


@pytest.mark.parametrize(
    ("blueprint", "problem"), [("nothex", "6 characters"), ("z" * 32, "not all hexadecimal")]
)
async def test_a_blueprint_id_that_cannot_be_one_is_refused_before_anything_is_sent(
    fake: FakeTallyfy, env: dict[str, str], tmp_path: Path, blueprint: str, problem: str
) -> None:
    rows = tmp_path / "rows.csv"
    rows.write_text("name\nfirst\n")
    result = await tool("launch", "--csv", str(rows), "--blueprint", blueprint, env=env)
    assert result.code == 2, result.text
    assert "is not a blueprint's id: its ids are 32 hexadecimal characters" in result.err
    assert problem in result.err
    assert len(fake.log) == 0
    no_traceback(result)
