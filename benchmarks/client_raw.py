"""Raw aiohttp: the floor (``resp.json()``) and the ceiling (orjson) of an aiohttp client.

No retries, no typed models, no error mapping beyond a status check: what is left is
what any aiohttp-based SDK pays. Imported only inside a client process.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import aiohttp

from benchmarks.jobs import OrgLogin, Target


def _orjson_loads() -> Callable[[bytes], Any]:
    import orjson

    return orjson.loads


class RawClient:
    """An aiohttp session with the headers Tallyfy needs and a bearer token."""

    def __init__(self, target: Target, login: OrgLogin, token: str, *, use_orjson: bool) -> None:
        self.target = target
        self.use_orjson = use_orjson
        self.loads: Callable[[bytes], Any] = _orjson_loads() if use_orjson else json.loads
        self.org_url = f"{target.base_url}/organizations/{login.org_id}"
        self.task_url = f"{self.org_url}/tasks/{target.task_id}"
        self.tasks_url = f"{self.org_url}/tasks"
        self.runs_url = f"{self.org_url}/runs"
        # limit=0: the connector never queues (its default limit of 100 starves a few
        # requests at 256 in flight).
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0),
            headers={
                "Authorization": f"Bearer {token}",
                "X-Tallyfy-Client": "APIClient",
                "Accept": "application/json",
            },
        )

    async def close(self) -> None:
        """Close the session."""
        await self.session.close()

    async def _get(self, url: str, params: dict[str, str] | None = None) -> Any:
        async with self.session.get(url, params=params) as resp:
            if self.use_orjson:
                body = self.loads(await resp.read())
            else:
                body = await resp.json()
            if resp.status != 200:
                raise RuntimeError(f"HTTP {resp.status}: {str(body)[:200]}")
            return body

    async def get_task(self, _: int = 0) -> dict[str, Any]:
        """One task as a dict."""
        body = await self._get(self.task_url)
        data: dict[str, Any] = body["data"]
        return data

    async def page(self, number: int, per_page: int) -> dict[str, Any]:
        """One page of the organization's tasks, decoded to dicts."""
        body: dict[str, Any] = await self._get(
            self.tasks_url, {"page": str(number), "per_page": str(per_page)}
        )
        return body

    async def launch(self, index: int) -> dict[str, Any]:
        """Launch one process with kick-off values."""
        payload = {
            "checklist_id": self.target.blueprint_id,
            "name": f"Bench launch {index}",
            "prerun": self.target.kickoff,
        }
        if self.use_orjson:
            import orjson

            request = self.session.post(
                self.runs_url,
                data=orjson.dumps(payload),
                headers={"Content-Type": "application/json"},
            )
        else:
            request = self.session.post(self.runs_url, json=payload)
        async with request as resp:
            body = self.loads(await resp.read()) if self.use_orjson else await resp.json()
            if resp.status != 201:
                raise RuntimeError(f"HTTP {resp.status}: {str(body)[:200]}")
            data: dict[str, Any] = body["data"]
            return data
