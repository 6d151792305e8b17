"""Lifecycle, the pytest plugin, the command line, and cached JSON staying correct."""

from __future__ import annotations

import asyncio
import os
import re
import sys
import textwrap
from pathlib import Path

import aiohttp
import pytest

from tallyfy_async.testing import DemoOrg, FakeTallyfy
from tests.testing.support import Api

ROOT = Path(__file__).resolve().parents[2]


async def test_close_with_open_keepalive_connections() -> None:
    async with aiohttp.ClientSession() as session:
        fake = await FakeTallyfy().start()
        demo = fake.seed_demo(processes=1, tasks_per_process=1)
        api = Api(fake, session, fake.issue_token(demo.admin_id))
        assert (await api.get("/me")).status == 200
        await asyncio.wait_for(fake.close(), timeout=10)
        await fake.close()  # idempotent
        with pytest.raises(aiohttp.ClientError):
            await api.get("/me")


async def test_urls(tallyfy_fake: FakeTallyfy) -> None:
    port = tallyfy_fake.port
    assert tallyfy_fake.root_url == f"http://127.0.0.1:{port}"
    assert tallyfy_fake.base_url == f"http://127.0.0.1:{port}/api"
    assert tallyfy_fake.token_url == f"http://127.0.0.1:{port}/api/oauth/token"
    with pytest.raises(RuntimeError):
        _ = FakeTallyfy().base_url


async def test_cached_json_follows_every_write(
    api: Api, org_path: str, tallyfy_demo: DemoOrg
) -> None:
    run_id = tallyfy_demo.process_ids[0]
    before = (await api.get(f"{org_path}/runs/{run_id}/tasks")).json["data"]
    await api.put(f"{org_path}/runs/{run_id}/tasks/{before[1]['id']}", json={"title": "Changed"})
    after = (await api.get(f"{org_path}/runs/{run_id}/tasks")).json["data"]
    assert after[1]["title"] == "Changed" and after[1]["last_updated"] >= before[1]["last_updated"]
    listed = (await api.get(f"{org_path}/tasks?q=changed")).json["data"]
    assert [task["id"] for task in listed] == [before[1]["id"]]


async def test_fixtures_work_in_a_plain_pytest_run(tmp_path: Path) -> None:
    test_file = tmp_path / "test_uses_plugin.py"
    test_file.write_text(
        textwrap.dedent(
            """
            import aiohttp

            async def test_fake(tallyfy_fake, tallyfy_demo):
                async with aiohttp.ClientSession() as session:
                    async with session.get(tallyfy_fake.base_url + "/me") as response:
                        assert response.status == 401
                assert tallyfy_demo.org_id in tallyfy_fake.state.orgs
            """
        )
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "pytest", "-p", "pytest_asyncio.plugin",
        "-p", "tallyfy_async.testing.plugin", "-q",
        "-o", "asyncio_mode=auto", "-W", "error::ResourceWarning", "-p", "no:cacheprovider",
        str(test_file), cwd=tmp_path, env=_env(PYTEST_DISABLE_PLUGIN_AUTOLOAD="1"),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, output.decode()
    assert b"1 passed" in output


def _env(**extra: str) -> dict[str, str]:
    # Load the plugin by name, whether or not the package (and its entry point) is installed.
    env = dict(os.environ, **extra)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(ROOT), env.get("PYTHONPATH"))))
    return env


async def test_command_line_server(session: aiohttp.ClientSession) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tallyfy_async", "serve-fake", "--port", "0",
        "--processes", "5", "--tasks-per-process", "2",
        cwd=ROOT, env=_env(), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        banner: list[str] = []
        while not any("/runs -H" in line for line in banner):
            line = await asyncio.wait_for(process.stdout.readline(), timeout=30)
            assert line, "the server exited before printing its banner"
            banner.append(line.decode().strip())
        text = "\n".join(banner)
        pattern = r"^(base URL|org id|client_id|client_secret|username|password):\s+(\S+)$"
        fields = dict(re.findall(pattern, text, re.M))
        assert fields["base URL"].startswith("http://127.0.0.1:") and fields["base URL"].endswith(
            "/api"
        )
        assert "curl -s -X POST" in text and "/runs -H" in text
        form = {
            "grant_type": "password",
            "client_id": fields["client_id"],
            "client_secret": fields["client_secret"],
            "username": fields["username"],
            "password": fields["password"],
        }
        async with session.post(fields["base URL"] + "/oauth/token", data=form) as response:
            assert response.status == 200
            access = (await response.json())["access_token"]
        headers = {
            "Authorization": f"Bearer {access}",
            "X-Tallyfy-Client": "APIClient",
            "Accept": "application/json",
        }
        url = f"{fields['base URL']}/organizations/{fields['org id']}/runs"
        async with session.get(url, headers=headers) as response:
            assert response.status == 200
            assert (await response.json())["meta"]["pagination"]["total"] == 5
    finally:
        if process.returncode is None:
            process.terminate()
        await asyncio.wait_for(process.wait(), timeout=30)
    assert process.returncode == 0


async def test_a_plus_in_a_query_string_is_a_plus_as_tallyfy_reads_it(
    api: Api, org_path: str, tallyfy_fake: FakeTallyfy
) -> None:
    # Tallyfy does not read "+" as a space: a client sending q=Client+Onboarding finds
    # nothing in production, and must find nothing here.
    spaced = await api.get(f"{org_path}/runs?q=Client%20Onboarding&without_pagination=true")
    assert spaced.status == 200 and spaced.json["data"]
    assert tallyfy_fake.log[-1].query["q"] == "Client Onboarding"
    plus = await api.get(f"{org_path}/runs?q=Client+Onboarding&without_pagination=true")
    assert tallyfy_fake.log[-1].raw_query.startswith("q=Client+Onboarding&")  # sent as is
    assert tallyfy_fake.log[-1].query["q"] == "Client+Onboarding"
    assert plus.status == 200 and plus.json["data"] == []
    await api.get(f"{org_path}/runs?q=first&q=a%2Bb+c&x+y=1")
    assert tallyfy_fake.log[-1].query == {"q": "a+b+c", "x+y": "1"}  # the last of a name
