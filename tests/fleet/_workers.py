"""Start and talk to fleet worker subprocesses (``fleet_worker.py``) from a test's event loop."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from tallyfy_async import PasswordGrant, RefreshToken, Token
from tallyfy_async.auth import Credentials
from tallyfy_async.auth.cache import store_key

WORKER = Path(__file__).with_name("fleet_worker.py")
ROOT = Path(__file__).parents[2]


class Worker:
    """One worker process, its pipes, and what it printed."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.killed = False

    @classmethod
    async def start(cls, config: dict[str, Any]) -> Worker:
        env = {**os.environ, "FLEET_WORKER": json.dumps(config), "PYTHONPATH": str(ROOT)}
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(WORKER),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
            cwd=ROOT,
        )
        return cls(process)

    async def line(self) -> str:
        """The next line it printed (within a minute: only a hung worker takes longer)."""
        assert self.process.stdout is not None
        raw = await asyncio.wait_for(self.process.stdout.readline(), 60.0)
        if not raw:
            raise AssertionError(f"the worker exited: {await self.stderr()}")
        return raw.decode().strip()

    async def expect(self, expected: str) -> None:
        line = await self.line()
        assert line == expected, f"{line!r}; stderr: {await self.stderr()}"

    def send(self, command: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(f"{command}\n".encode())

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.killed = True

    async def stderr(self) -> str:
        assert self.process.stderr is not None
        if self.process.returncode is None and not self.killed:
            return "(still running)"
        return (await self.process.stderr.read()).decode()[-2000:]

    async def finish(self) -> dict[str, int]:
        """Stop it and return its counts."""
        self.send("stop")
        counts: dict[str, int] = json.loads(await self.line())
        await self.close()
        return counts

    async def close(self) -> None:
        """Kill it if it still runs; wait for it and close its pipes."""
        if self.process.returncode is None:
            self.process.kill()
        assert self.process.stdin is not None
        self.process.stdin.close()
        await self.process.wait()
        # Drain what is left so the transports close cleanly.
        assert self.process.stdout is not None and self.process.stderr is not None
        await self.process.stdout.read()
        await self.process.stderr.read()


async def first_refresh_token(fake: Any, demo: Any) -> str:
    """A refresh token from the administrator's password grant; the fake's counters and its
    log are then cleared, so a test counts only what its workers did (this grant is no
    refresh of theirs: the first of theirs follows it by however long they take to start)."""
    from tallyfy_async import TallyfyClient

    async with TallyfyClient(
        demo.credentials, base_url=fake.base_url, token_url=fake.token_url
    ) as tallyfy:
        token = await tallyfy.tokens.token(demo.org_id)
    assert token.refresh_token is not None
    fake.reset_log()  # the counters too
    return token.refresh_token


def worker_config(fake: Any, demo: Any, refresh_token: str, **extra: Any) -> dict[str, Any]:
    """What every worker of one fleet shares."""
    return {
        "base_url": fake.base_url,
        "token_url": fake.token_url,
        "org_id": demo.org_id,
        "client_id": demo.client_id,
        "client_secret": demo.client_secret,
        "refresh_token": refresh_token,
        **extra,
    }


def worker_credentials(config: dict[str, Any]) -> Credentials:
    """The credentials of a worker of ``config``: the password grant when it has a password,
    else the refresh token."""
    if "password" in config:
        return PasswordGrant(
            client_id=config["client_id"],
            client_secret=config["client_secret"],
            username=config["username"],
            password=config["password"],
        )
    return RefreshToken(
        client_id=config["client_id"],
        client_secret=config["client_secret"],
        refresh_token=config["refresh_token"],
    )


def worker_store_key(config: dict[str, Any]) -> str:
    """Where the workers of ``config`` keep their organization's token in the store."""
    return store_key(config["org_id"], worker_credentials(config))


def token_grant_times(fake: Any) -> list[float]:
    """When the fake issued each token (monotonic time, in order)."""
    return [
        entry.time
        for entry in fake.log
        if entry.path.endswith("/oauth/token") and entry.status == 200
    ]


def stored_token(name: str) -> Token:
    """A token named ``name`` (``access-<name>``, ``refresh-<name>``), valid for an hour."""
    now = time.time()
    return Token(
        access_token=f"access-{name}",
        expires_at=now + 3600,
        obtained_at=now,
        refresh_token=f"refresh-{name}",
    )
