"""Raw-HTTP helpers for the FakeTallyfy tests (no SDK code: the fake is tested on its own)."""

from __future__ import annotations

from typing import Any

import aiohttp
import attrs

from tallyfy_async.testing import FakeTallyfy


@attrs.frozen
class Answer:
    """A response read in full."""

    status: int
    headers: Any
    text: str
    json: Any


class Api:
    """Raw HTTP calls with Tallyfy's headers (``token=None`` sends none)."""

    def __init__(
        self, fake: FakeTallyfy, session: aiohttp.ClientSession, token: str | None
    ) -> None:
        self.fake = fake
        self.session = session
        self.token = token

    def headers(self, token: str | None = "default", **extra: str) -> dict[str, str]:
        """Tallyfy's three headers, plus ``extra``."""
        headers = {"X-Tallyfy-Client": "APIClient", "Accept": "application/json"}
        token = self.token if token == "default" else token
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        headers.update(extra)
        return headers

    async def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: Any = None,
        params: Any = None,
        headers: dict[str, str] | None = None,
        token: str | None = "default",
        root: bool = False,
    ) -> Answer:
        """One request; ``path`` is appended to the base URL (``root``: to the host root)."""
        url = (self.fake.root_url if root else self.fake.base_url) + path
        async with self.session.request(
            method,
            url,
            json=json,
            data=data,
            params=params,
            headers=headers if headers is not None else self.headers(token),
        ) as response:
            text = await response.text()
            try:
                body = await response.json(content_type=None)
            except ValueError:
                body = None
            return Answer(response.status, response.headers, text, body)

    async def get(self, path: str, **options: Any) -> Answer:
        """GET."""
        return await self.call("GET", path, **options)

    async def post(self, path: str, **options: Any) -> Answer:
        """POST."""
        return await self.call("POST", path, **options)

    async def put(self, path: str, **options: Any) -> Answer:
        """PUT."""
        return await self.call("PUT", path, **options)

    async def delete(self, path: str, **options: Any) -> Answer:
        """DELETE."""
        return await self.call("DELETE", path, **options)


def add_vendor_review(fake: FakeTallyfy, org_id: str, webhook: str, /, **step_two: Any) -> str:
    """A blueprint whose webhook is ``webhook``: a required kick-off field "Vendor", three
    steps (Review, Approve, Sign), an optional form field "Value" on Approve (``step_two``
    adds fields to that step)."""
    return fake.add_blueprint(
        org_id,
        title="Vendor review",
        kickoff=[{"label": "Vendor", "field_type": "text", "required": True}],
        steps=[
            "Review",
            {
                "title": "Approve",
                "captures": [{"label": "Value", "field_type": "text", "required": False}],
                **step_two,
            },
            "Sign",
        ],
        webhook=webhook,
    )
