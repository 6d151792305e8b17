"""Credentials, organizations and the network: each failure its exit code and message."""

from __future__ import annotations

import asyncio
import json
import socket
import sqlite3
from pathlib import Path

import pytest

from tallyfy_async.cli import app
from tallyfy_async.testing import DemoOrg, FakeTallyfy
from tests.cli.conftest import clean_env, login_env, no_traceback, start, tool


async def test_fake_needs_no_credentials_and_prints_what_it_did(tmp_path: Path) -> None:
    result = await tool(
        "export", "--fake", "--fake-processes", "40", "--out", "demo.sqlite",
        env=clean_env(), cwd=tmp_path,
    )  # fmt: skip
    assert result.code == 0, result.text
    assert result.out.startswith("exported 3 blueprints, 40 processes (4 archived), 210 tasks")
    assert " records/s), " in result.out and "to demo.sqlite (SQLite," in result.out
    with sqlite3.connect(tmp_path / "demo.sqlite") as db:
        assert db.execute("SELECT count(*) FROM tasks").fetchone()[0] == 210
    for command in (["orgs"], ["whoami"], ["list", "blueprints"]):
        looked = await tool(*command, "--fake", "--fake-processes", "1", env=clean_env())
        assert looked.code == 0 and json.loads(looked.out), looked.text


async def test_fake_works_in_the_organization_the_environment_names(tmp_path: Path) -> None:
    org_id = "3b0c5f2e8d7a4c1b9e6f0a2d4c8b7e13"
    result = await tool(
        "export", "--fake", "--fake-processes", "5", "--out", "demo.jsonl", "--no-progress",
        env=clean_env(TALLYFY_ORG_ID=org_id), cwd=tmp_path,
    )  # fmt: skip
    assert result.code == 0, result.text
    assert f"demo organization {org_id}" in result.err + result.out
    looked = await tool("orgs", "--fake", "--fake-processes", "0", "--json",
                        env=clean_env(TALLYFY_ORG_ID=org_id))  # fmt: skip
    assert looked.code == 0 and [o["id"] for o in json.loads(looked.out)] == [org_id], looked.text


async def test_no_credentials_exit_3_saying_how_to_give_them() -> None:
    result = await tool("whoami", env=clean_env())
    assert result.code == 3, result.text
    assert "no credentials: set TALLYFY_ACCESS_TOKEN" in result.err and "--fake" in result.err
    partial = await tool("whoami", env=clean_env(TALLYFY_USERNAME="a@b.test"))
    assert partial.code == 3
    assert "missing: client id, client secret, password" in partial.err


async def test_refused_credentials_exit_3_without_the_secret(
    fake: FakeTallyfy, demo: DemoOrg
) -> None:
    env = login_env(fake, demo, TALLYFY_PASSWORD="wrong-password-123")
    result = await tool("list", "processes", env=env)
    assert result.code == 3, result.text
    assert "Tallyfy refused the credentials" in result.err and "invalid_grant" in result.err
    assert "wrong-password-123" not in result.text and demo.client_secret not in result.text
    no_traceback(result)
    token = await tool("whoami", env=clean_env(
        TALLYFY_BASE_URL=fake.base_url, TALLYFY_ACCESS_TOKEN="not-a-token-456"
    ))  # fmt: skip
    assert token.code == 3 and "personal access token" in token.err
    assert "not-a-token-456" not in token.text


async def test_a_personal_access_token_from_the_environment_or_a_file(
    fake: FakeTallyfy, demo: DemoOrg, tmp_path: Path
) -> None:
    token = fake.add_personal_access_token(demo.admin_id)
    base = {"TALLYFY_BASE_URL": fake.base_url}
    from_env = await tool("whoami", env=clean_env(TALLYFY_ACCESS_TOKEN=token, **base))
    assert json.loads(from_env.out)["id"] == demo.admin_id, from_env.text
    from_stdin = await tool(
        "whoami", "--access-token-file", "-", env=clean_env(**base), stdin=token.encode() + b"\n"
    )
    assert json.loads(from_stdin.out)["id"] == demo.admin_id, from_stdin.text
    secret_file = tmp_path / "secret"
    secret_file.write_text(demo.client_secret)
    env = login_env(fake, demo)
    del env["TALLYFY_CLIENT_SECRET"]
    from_file = await tool("whoami", "--client-secret-file", str(secret_file), env=env)
    assert json.loads(from_file.out)["id"] == demo.admin_id, from_file.text
    for result in (from_env, from_stdin, from_file):
        assert token not in result.text and demo.client_secret not in result.text


async def test_an_unknown_organization_exits_4(fake: FakeTallyfy, demo: DemoOrg) -> None:
    other = "0123456789abcdef0123456789abcdef"
    result = await tool("list", "tasks", "--org", other, env=login_env(fake, demo))
    assert result.code == 4, result.text
    assert f"unknown organization {other}: the user belongs to 1 other" in result.err
    no_traceback(result)
    fake.add_organization("Second", org_id="f" * 32)
    fake.add_member("f" * 32, email=demo.admin_email, role="standard")
    env = login_env(fake, demo)
    del env["TALLYFY_ORG_ID"]
    several = await tool("list", "tasks", env=env)
    assert several.code == 2 and "the user belongs to 2" in several.err


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_a_network_failure_exits_6(demo: DemoOrg, fake: FakeTallyfy) -> None:
    root = f"http://127.0.0.1:{closed_port()}/api"
    env = login_env(fake, demo, TALLYFY_BASE_URL=root, TALLYFY_TOKEN_URL=f"{root}/oauth/token")
    result = await tool("orgs", env=env)
    assert result.code == 6, result.text
    assert "Tallyfy could not be reached or kept failing" in result.err
    no_traceback(result)


def listing(pid: int) -> tuple[str, list[str]]:
    """A process's command line as ``ps`` shows it to every user, and its children."""
    argv = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    return argv, Path(f"/proc/{pid}/task/{pid}/children").read_text().split()


async def test_secrets_from_the_environment_are_not_in_the_process_listing(
    fake: FakeTallyfy, demo: DemoOrg, tmp_path: Path
) -> None:
    fake.inject(path=r"/runs$", method="GET", delay=2)
    process = await start("export", "--out", str(tmp_path / "x.jsonl"), env=login_env(fake, demo))
    try:
        await asyncio.sleep(1.0)
        assert process.returncode is None
        argv, children = listing(process.pid)
        assert "export" in argv and children == []  # the tool itself, no helper process
        for secret in (demo.client_secret, demo.admin_password):
            assert secret not in argv
    finally:
        out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    for secret in (demo.client_secret, demo.admin_password, *fake.issued_tokens()):
        assert secret not in out.decode() + err.decode()


@pytest.mark.parametrize("command", [[], *([name] for name in app.commands)])
async def test_every_command_has_help(command: list[str]) -> None:
    result = await tool(*command, "--help", env=clean_env())
    assert result.code == 0, result.text
    assert result.out.startswith("Usage: tallyfy-async")
    if command and command[0] not in ("serve-fake",):
        assert "--fake" in result.out and "TALLYFY_ORG_ID" in result.out
