"""The standalone fake (`tallyfy-async serve-fake`) as a script in another language drives it."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[2]
ORG_ID = "0123456789abcdef0123456789abcdef"


async def start(*flags: str) -> tuple[asyncio.subprocess.Process, dict[str, Any]]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(ROOT), env.get("PYTHONPATH"))))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tallyfy_async", "serve-fake", "--port", "0", "--json", *flags,
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), timeout=30)
    assert line, "the server exited before printing its login"
    return process, json.loads(line)


async def stop(process: asyncio.subprocess.Process) -> None:
    process.terminate()
    await asyncio.wait_for(process.wait(), timeout=30)


async def token(session: aiohttp.ClientSession, login: dict[str, Any]) -> dict[str, str]:
    form = {
        "grant_type": "password",
        "client_id": login["client_id"],
        "client_secret": login["client_secret"],
        "username": login["username"],
        "password": login["password"],
    }
    async with session.post(login["token_url"], data=form) as response:
        assert response.status == 200, await response.text()
        access = (await response.json())["access_token"]
    return {
        "Authorization": f"Bearer {access}",
        "X-Tallyfy-Client": "APIClient",
        "Accept": "application/json",
    }


async def test_every_login_value_can_be_pinned(session: aiohttp.ClientSession) -> None:
    process, login = await start(
        "--processes", "3", "--org-id", ORG_ID, "--client-id", "4242",
        "--client-secret", "pinned-secret", "--admin-email", "ops@example.com",
        "--admin-password", "pinned-password",
    )  # fmt: skip
    try:
        assert login["org_id"] == ORG_ID
        assert (login["client_id"], login["client_secret"]) == ("4242", "pinned-secret")
        assert (login["username"], login["password"]) == ("ops@example.com", "pinned-password")
        assert set(login["blueprints"]) == {
            "Client Onboarding",
            "Purchase Request",
            "Employee Offboarding",
        }
        headers = await token(session, login)
        url = f"{login['base_url']}/organizations/{ORG_ID}/runs"
        async with session.get(url, headers=headers) as response:
            assert response.status == 200
            assert (await response.json())["meta"]["pagination"]["total"] == 3
    finally:
        await stop(process)


async def test_without_the_demo_the_pinned_values_still_apply(
    session: aiohttp.ClientSession,
) -> None:
    process, login = await start("--no-demo", "--client-secret", "s3", "--org-id", ORG_ID)
    try:
        assert (login["org_id"], login["client_secret"]) == (ORG_ID, "s3")
        headers = await token(session, login)
        async with session.get(
            f"{login['base_url']}/organizations/{ORG_ID}/me", headers=headers
        ) as r:
            assert r.status == 200
    finally:
        await stop(process)


async def test_the_tenant_can_read_request_dates_day_first(session: aiohttp.ClientSession) -> None:
    process, login = await start("--processes", "1", "--request-dates", "YYYY-DD-MM")
    try:
        headers = await token(session, login)
        me_url = f"{login['base_url']}/organizations/{login['org_id']}/me"
        async with session.get(me_url, headers=headers) as response:
            me = (await response.json())["data"]
        url = f"{login['base_url']}/organizations/{login['org_id']}/tasks"
        body = {
            "title": "Call",
            "task_type": "task",
            "owners": {"users": [me["id"]], "guests": [], "groups": []},
            "deadline": "2030-15-05 14:30:00",  # 15 May, day first
        }
        async with session.post(url, json=body, headers=headers) as response:
            assert response.status == 201, await response.text()
            assert (await response.json())["data"]["deadline"] == "2030-05-15T14:30:00.000Z"
    finally:
        await stop(process)


async def failed(*flags: str) -> tuple[int, str]:
    """Run serve-fake to its end: its exit code and standard error."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(ROOT), env.get("PYTHONPATH"))))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tallyfy_async", "serve-fake", *flags,
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode is not None
    return process.returncode, err.decode()


async def test_a_port_in_use_is_one_error_line_naming_it() -> None:
    process, login = await start()
    try:
        port = login["base_url"].split(":")[-1].split("/")[0]
        code, err = await failed("--port", port)
    finally:
        await stop(process)
    assert code == 5, err
    assert err == (
        f"Error: port {port} on 127.0.0.1 is in use: stop what uses it, or choose another "
        "port with --port (--port 0: any free port)\n"
    )


async def test_an_address_not_of_this_machine_is_one_error_line() -> None:
    code, err = await failed("--host", "192.0.2.1", "--port", "0")  # TEST-NET-1: nobody's
    assert code == 5, err
    assert err.startswith("Error: cannot listen on 192.0.2.1 port 0: ") and "--host must be" in err
    assert "Traceback" not in err


async def test_malformed_login_values_are_refused_before_serving() -> None:
    code, err = await failed("--port", "0", "--org-id", "ABC")
    assert code == 2, err
    assert "Invalid value for '--org-id': it must be an organization id" in err
    assert "Traceback" not in err
    code, err = await failed("--port", "0", "--no-demo", "--org-id", ORG_ID[:-1])
    assert code == 2 and "'--org-id'" in err, err
    code, err = await failed("--port", "0", "--admin-password", "")
    assert code == 2 and "Invalid value for '--admin-password': must not be empty" in err, err
