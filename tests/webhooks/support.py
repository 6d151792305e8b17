"""What the webhook tests share: the documented payloads, a receiver on a real port."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import attrs
from aiohttp import web

from tallyfy_async.models._base import Model
from tallyfy_async.webhooks import WebhookReceiver

DATA = Path(__file__).resolve().parent.parent / "data"
#: The organization the documented payloads come from.
EXAMPLE_ORG = "org789xyz123"


def example(kind: str) -> dict[str, Any]:
    """A fresh copy of a documented payload (``"process"`` or ``"task"``)."""
    payload: dict[str, Any] = json.loads(
        (DATA / f"webhook-{kind}-payload.example.json").read_text(encoding="utf-8")
    )
    return copy.deepcopy(payload)


def body(payload: Any) -> bytes:
    """A payload as Tallyfy posts it."""
    return json.dumps(payload).encode()


def headers(org_id: str = EXAMPLE_ORG) -> dict[str, str]:
    """Tallyfy's delivery headers."""
    return {"Content-Type": "application/json", "X-Tallyfy-orgID": org_id}


def models_in(value: Any, path: str = "event") -> Iterator[tuple[str, Model]]:
    """Every model inside ``value`` (itself included), with where it is."""
    if isinstance(value, Model):
        yield path, value
        for field in attrs.fields(type(value)):
            if field.name != "extra":
                yield from models_in(getattr(value, field.name), f"{path}.{field.name}")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from models_in(item, f"{path}[{key!r}]")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from models_in(item, f"{path}[{index}]")


class Served:
    """A receiver served by aiohttp on 127.0.0.1, and a client session to post to it."""

    def __init__(self, receiver: WebhookReceiver, url: str, session: aiohttp.ClientSession):
        self.receiver = receiver
        self.url = url
        self.session = session

    async def post(self, payload: Any, org_id: str = EXAMPLE_ORG, **kw: Any) -> tuple[int, str]:
        """Post a payload (a dict; bytes or a stream as they are); (status, text) of the answer."""
        data = body(payload) if isinstance(payload, dict | list) else payload
        async with self.session.post(
            self.url, data=data, headers=kw.pop("headers", None) or headers(org_id), **kw
        ) as response:
            return response.status, await response.text()


@asynccontextmanager
async def served(receiver: WebhookReceiver, *, install: bool = True) -> AsyncIterator[Served]:
    """Serve ``receiver`` at ``/hooks/tallyfy``; the server (and with ``install`` the
    receiver, through the application's cleanup) is stopped on exit."""
    app = web.Application()
    if install:
        receiver.install(app)
    else:
        app.router.add_post("/hooks/tallyfy", receiver)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        async with aiohttp.ClientSession() as session:
            yield Served(receiver, f"http://127.0.0.1:{port}/hooks/tallyfy", session)
    finally:
        await runner.cleanup()
