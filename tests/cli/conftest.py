"""Drive ``tallyfy-async`` as a user does: a separate process, against a FakeTallyfy.

The fake runs in the test's event loop; the tool runs as a subprocess awaited without
blocking that loop, so the fake keeps answering it and the test can read the fake's state.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import attrs
import pytest

from tallyfy_async.testing import DemoOrg, FakeTallyfy

ROOT = Path(__file__).resolve().parents[2]
#: The installed console script when there is one (as a user runs it), else the module.
SCRIPT = Path(sys.executable).with_name("tallyfy-async")
TOOL = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "tallyfy_async"]


@attrs.frozen
class Result:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


def clean_env(**extra: str) -> dict[str, str]:
    """The test's environment without any TALLYFY_ variable, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TALLYFY_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(ROOT), env.get("PYTHONPATH"))))
    env["PYTHONWARNINGS"] = "error::ResourceWarning"
    return {**env, **extra}


def login_env(fake: FakeTallyfy, demo: DemoOrg, **extra: str) -> dict[str, str]:
    """Environment variables that point the tool at ``demo`` with a password grant."""
    login = {
        "TALLYFY_BASE_URL": fake.base_url,
        "TALLYFY_TOKEN_URL": fake.token_url,
        "TALLYFY_ORG_ID": demo.org_id,
        "TALLYFY_CLIENT_ID": demo.client_id,
        "TALLYFY_CLIENT_SECRET": demo.client_secret,
        "TALLYFY_USERNAME": demo.admin_email,
        "TALLYFY_PASSWORD": demo.admin_password,
    }
    return clean_env(**{**login, **extra})


async def start(
    *args: str, env: dict[str, str], cwd: Path | None = None, stdin: bytes | None = None
) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        *TOOL, *args, env=env, cwd=cwd,
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def tool(
    *args: str,
    env: dict[str, str],
    cwd: Path | None = None,
    stdin: bytes | None = None,
) -> Result:
    """Run the tool to its end (two minutes at most)."""
    process = await start(*args, env=env, cwd=cwd, stdin=stdin)
    out, err = await asyncio.wait_for(process.communicate(stdin), timeout=120)
    assert process.returncode is not None
    return Result(process.returncode, out.decode(), err.decode())


def names(folder: Path) -> list[str]:
    """The names of the files in ``folder``."""
    return sorted(path.name for path in folder.iterdir())


def no_traceback(result: Result) -> None:
    assert "Traceback" not in result.text, result.text


@pytest.fixture
def env(fake: FakeTallyfy, demo: DemoOrg) -> dict[str, str]:
    return login_env(fake, demo)
