"""The SDK under test, driven through its public resource methods.

Imported only inside a client process, after the ``sdk`` client has hidden orjson.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from benchmarks.jobs import OrgLogin, Target
from tallyfy_async import PasswordGrant, TallyfyClient
from tallyfy_async import _serde as serde
from tallyfy_async._transport import Attempt
from tallyfy_async.models.form_fields import FormField
from tallyfy_async.models.tasks import Task
from tallyfy_async.pagination import Paginator

#: What each workload calls, for the report.
CALLS = {
    "small_get": "org.tasks.get(task_id)",
    "paging": "org.tasks.list(per_page=100, limit=..., concurrency=N).pages()",
    "export": "async for task in org.tasks.list(per_page=100, concurrency=8)",
    "token_storm": "org.tasks.get(task_id) x N at once",
    "launch": "org.processes.launch(blueprint_id, name=..., kickoff=..., kickoff_fields=...)",
    "bulk": "bulk.run(range(N), org.tasks.get) under a rate limit; bulk.export(org)",
}


def json_library() -> str:
    """Which JSON decoder the SDK picked up (``orjson`` with the speed extra)."""
    return str(getattr(serde.json_loads, "__module__", None) or type(serde.json_loads).__name__)


class SdkClient:
    """One ``TallyfyClient`` and the organization view a workload uses."""

    def __init__(
        self,
        target: Target,
        login: OrgLogin,
        *,
        max_concurrency: int | None = None,
        on_attempt: Callable[[Attempt], None] | None = None,
    ) -> None:
        self.target = target
        self.client = TallyfyClient(
            PasswordGrant(
                client_id=login.client_id,
                client_secret=login.client_secret,
                username=login.username,
                password=login.password,
            ),
            base_url=target.base_url,
            token_url=target.token_url,
            **({} if max_concurrency is None else {"max_concurrency": max_concurrency}),
            on_attempt=on_attempt,
        )
        self.org = self.client.org(login.org_id)
        #: The limit in force (the SDK's default unless one was given), for the results.
        self.max_concurrency = self.client._transport.max_concurrency
        self._kickoff_fields: list[FormField] | None = None

    async def close(self) -> None:
        """Close the connection pool."""
        await self.client.close()

    async def get_task(self, _: int = 0) -> Task:
        """One typed task."""
        return await self.org.tasks.get(self.target.task_id)

    def tasks(self, *, per_page: int, limit: int | None, concurrency: int) -> Paginator[Task]:
        """The organization's task listing."""
        return self.org.tasks.list(per_page=per_page, limit=limit, concurrency=concurrency)

    async def prepare_launch(self) -> None:
        """Read the blueprint's kick-off fields once, as a bulk launcher should."""
        self._kickoff_fields = await self.org.processes.kickoff_fields(self.target.blueprint_id)

    async def launch(self, index: int) -> Any:
        """Launch one process with kick-off values."""
        return await self.org.processes.launch(
            self.target.blueprint_id,
            name=f"Bench launch {index}",
            kickoff=self.target.kickoff,
            kickoff_fields=self._kickoff_fields,
        )
