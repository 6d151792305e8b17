"""One worker of the fleet tests: its own TallyfyClient and RedisTokenStore (or FileTokenStore).

Run as a subprocess; the configuration comes as JSON in the ``FLEET_WORKER`` environment
variable (secrets stay off the command line). It prints ``READY`` once its first call
succeeded, then keeps calling the API until ``stop`` arrives on stdin, and prints one JSON
line with its counts. ``stall`` on stdin makes it take the organization's refresh lock and
hold it (printing ``STALLED``) until it is killed: a holder that dies inside the lock.
``once`` makes it do one call, print the access token's fingerprint and exit.
``die_on_save`` makes it exit (status 3) right after it presented a refresh token and before
it saved the rotated one: the case no store can recover.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections import Counter
from typing import Any

from tallyfy_async import TallyfyClient, Token
from tallyfy_async.auth import FileTokenStore, StoredToken, TokenStore
from tallyfy_async.stores import RedisTokenStore
from tests.fleet._workers import worker_credentials, worker_store_key


class DyingStore(RedisTokenStore):
    """Dies after the refresh token was presented, before the rotated one is saved."""

    async def save_versioned(self, key: str, token: Token, version: int) -> StoredToken:
        os._exit(3)


def say(line: str) -> None:
    print(line, flush=True)


async def main() -> None:
    config: dict[str, Any] = json.loads(os.environ["FLEET_WORKER"])
    org = config["org_id"]
    store: TokenStore
    if "redis_url" in config:
        kind = DyingStore if config.get("die_on_save") else RedisTokenStore
        store = kind(config["redis_url"], lock_timeout=config["lock_timeout"])
    else:
        store = FileTokenStore(config["token_file"])
    credentials = worker_credentials(config)
    outcomes: Counter[str] = Counter()
    async with TallyfyClient(
        credentials,
        base_url=config["base_url"],
        token_url=config["token_url"],
        token_store=store,
        refresh_margin=config["refresh_margin"],
    ) as tallyfy:
        if config.get("once"):
            say("CALLING")
            await tallyfy.request("GET", f"/organizations/{org}/me")
            say((await tallyfy.tokens.token(org)).fingerprint())
            return
        stopping = asyncio.Event()

        async def call_loop() -> None:
            while not stopping.is_set():
                try:
                    await tallyfy.request("GET", f"/organizations/{org}/me")
                    outcomes["ok"] += 1
                except Exception as exc:
                    outcomes[type(exc).__name__] += 1
                    print(f"failure: {exc!r}", file=sys.stderr, flush=True)
                await asyncio.sleep(0.05)

        await tallyfy.request("GET", f"/organizations/{org}/me")
        loops = [asyncio.create_task(call_loop()) for _ in range(config["concurrency"])]
        say("READY")
        while True:
            command = (await asyncio.to_thread(sys.stdin.readline)).strip()
            if command == "stall":
                assert isinstance(store, RedisTokenStore)
                async with store.lock(worker_store_key(config)):
                    say("STALLED")
                    await asyncio.sleep(3600)
            elif command in ("stop", ""):
                break
        stopping.set()
        await asyncio.gather(*loops)
    say(json.dumps(dict(outcomes)))


if __name__ == "__main__":
    asyncio.run(main())
