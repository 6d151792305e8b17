"""``orgs``, ``whoami``, ``get`` and ``list``: JSON when piped, tables when asked."""

from __future__ import annotations

import json

import pytest

from tallyfy_async.testing import DemoOrg, FakeTallyfy
from tests.cli.conftest import no_traceback, tool


@pytest.fixture
def demo(fake: FakeTallyfy) -> DemoOrg:
    return fake.seed_demo(processes=30, tasks_per_process=2)


async def test_orgs_and_whoami_print_json_when_piped(
    fake: FakeTallyfy, demo: DemoOrg, env: dict[str, str]
) -> None:
    orgs = await tool("orgs", env=env)
    assert orgs.code == 0, orgs.text
    assert [(o["id"], o["user_role"]) for o in json.loads(orgs.out)] == [(demo.org_id, "admin")]
    me = await tool("whoami", env=env)
    assert json.loads(me.out)["email"] == demo.admin_email
    table = await tool("whoami", "--table", env=env)
    assert table.out.splitlines()[0].split() == ["id", str(demo.admin_id)]
    for text in (orgs.text, me.text, table.text):
        assert demo.client_secret not in text and demo.admin_password not in text


async def test_list_filters_and_limits_and_says_how_many_it_left_out(
    fake: FakeTallyfy, demo: DemoOrg, env: dict[str, str]
) -> None:
    active = set(demo.processes_by_status["active"])
    result = await tool("list", "processes", "status=active", "--limit", "0", env=env)
    assert result.code == 0, result.text
    assert {p["id"] for p in json.loads(result.out)} == active

    archived = await tool("list", "process", "archived=only", env=env)
    assert {p["id"] for p in json.loads(archived.out)} == set(demo.processes_by_status["archived"])

    few = await tool("list", "tasks", "--limit", "7", env=env)
    total = len(fake.state.orgs[demo.org_id].tasks.scope(None))
    assert len(json.loads(few.out)) == 7
    assert f"7 of {total} tasks (--limit 0 shows every one)" in few.err

    table = await tool(
        "list", "processes", "status=active", "--table", "--columns", "id,name,status", env=env
    )
    lines = table.out.splitlines()
    assert lines[0].split() == ["id", "name", "status"]
    assert {line.split()[0] for line in lines[2:]} == active
    assert all(line.rstrip().endswith("active") for line in lines[2:])


async def test_list_columns_may_name_keys_tallyfy_sent_but_refuses_unknown_names(
    fake: FakeTallyfy, demo: DemoOrg, env: dict[str, str]
) -> None:
    # A key the model does not know (a field Tallyfy added later) is a column too.
    runs = fake.state.orgs[demo.org_id].runs
    labelled = demo.processes_by_status["active"][0]
    runs.by_id[labelled].wire["priority_label"] = "urgent"
    table = await tool(
        "list", "processes", "status=active", "--limit", "0", "--table",
        "--columns", "id, priority_label,", env=env,
    )  # fmt: skip
    assert table.code == 0, table.text
    lines = table.out.splitlines()
    assert lines[0].split() == ["id", "priority_label"]
    assert [line.split() for line in lines[2:] if line.startswith(labelled)] == [
        [labelled, "urgent"]
    ]

    # Members list as Member, whose fields (role...) are columns as well.
    members = await tool("list", "members", "--table", "--columns", "id,role", env=env)
    assert members.code == 0, members.text
    assert members.out.splitlines()[0].split() == ["id", "role"]
    # No rows: nothing to judge a name by, nothing refused; JSON shows every key anyway.
    none = await tool("list", "processes", "q=nothing-is-called-this", "--columns", "x", env=env)
    assert none.code == 0 and json.loads(none.out) == [], none.text
    as_json = await tool("list", "processes", "--json", "--columns", "colour", env=env)
    assert as_json.code == 0 and json.loads(as_json.out), as_json.text

    wrong = await tool("list", "processes", "--table", "--columns", "id,colour,nmae", env=env)
    assert wrong.code == 2, wrong.text
    assert "--columns: no column 'colour', 'nmae' in processes; the columns: id, " in wrong.err
    assert "name" in wrong.err.partition("the columns:")[2].split(", ")
    assert wrong.out == ""
    no_traceback(wrong)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["list", "processes", "colour=red"], "filters are NAME=VALUE with NAME one of q, status"),
        (["list", "process", "status"], "filters are NAME=VALUE"),
        (["list", "widgets"], "'widgets' is not one of: blueprints, processes, tasks"),
        (["get", "member", "ten"], "'ten' is not an id of members: its ids are whole numbers"),
        (["export", "--out", "x.jsonl", "--org", "acme"], "32 lowercase hexadecimal"),
        (["export", "--out", "x.jsonl", "--since", "2026-03-01T09:00"], "has no time zone"),
        (["export", "--out", "x.jsonl", "--since", "last week"], "is not a date"),
    ],
)
async def test_bad_usage_exits_2_saying_what_is_wrong(
    env: dict[str, str], args: list[str], message: str
) -> None:
    result = await tool(*args, env=env)
    assert result.code == 2, result.text
    assert message in result.err
    no_traceback(result)


async def test_get_shows_one_record_and_a_missing_one_exits_4(
    fake: FakeTallyfy, demo: DemoOrg, env: dict[str, str]
) -> None:
    process_id = demo.process_ids[0]
    result = await tool("get", "process", process_id, env=env)
    assert result.code == 0, result.text
    shown = json.loads(result.out)
    wire = fake.snapshot(demo.org_id, "runs", process_id)
    assert wire is not None
    assert (shown["id"], shown["name"], shown["status"]) == (
        wire["id"],
        wire["name"],
        wire["status"],
    )
    member = await tool("get", "members", str(demo.member_id), "--table", env=env)
    assert "email" in member.out and "sam@acme.test" in member.out
    missing = await tool("get", "task", "f" * 32, env=env)
    assert missing.code == 4, missing.text
    assert "not found" in missing.err and "404" in missing.err
    no_traceback(missing)


@pytest.mark.parametrize(
    ("kind", "record_id", "problem"),
    [
        ("task", "f" * 31, "this one is 31 characters"),
        ("process", "f" * 33, "this one is 33 characters"),
        ("blueprint", "g" + "f" * 31, "this one is not all hexadecimal"),
        ("groups", "acme-managers", "this one is 13 characters"),
        ("tag", "f" * 30 + "-1", "this one is not all hexadecimal"),
        ("folder", "", "this one is 0 characters"),
    ],
)
async def test_get_refuses_an_id_that_cannot_be_one_and_sends_nothing(
    fake: FakeTallyfy, env: dict[str, str], kind: str, record_id: str, problem: str
) -> None:
    result = await tool("get", kind, record_id, env=env)
    assert result.code == 2, result.text
    assert "its ids are 32 hexadecimal characters (0-9, a-f)" in result.err
    assert problem in result.err
    assert len(fake.log) == 0  # refused before signing in, let alone asking for the record
    no_traceback(result)
