"""``bulk.Launcher``: many launches of one blueprint, its kick-off fields read once."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from tallyfy_async._job import declare_minimum
from tallyfy_async._unset import UNSET, UnsetOr
from tallyfy_async.models.form_fields import FormField
from tallyfy_async.models.processes import Process

if TYPE_CHECKING:
    from tallyfy_async.client import OrgClient


class Launcher:
    """Launches processes of one blueprint, reading its kick-off fields once per job.

    ``processes.launch`` reads the blueprint's kick-off fields before each launch unless
    they are given; the launcher reads them on first use (once, however many launches
    start at the same time) and passes them to every launch: a job of N launches takes
    N + 1 requests, which it declares as its minimum to the bulk report.

    Example::

        launcher = bulk.Launcher(org, blueprint_id)

        async def launch_one(row):
            return await launcher.launch(
                name=row["name"], kickoff={"Full name": row["name"]}, dedupe_key=row["id"]
            )

        report = await bulk.run(rows, launch_one, key=lambda row: row["id"])

    Args:
        org: the organization to launch in.
        blueprint_id: the blueprint to launch.
    """

    def __init__(self, org: OrgClient, blueprint_id: str) -> None:
        self.org = org
        self.blueprint_id = blueprint_id
        self._fields: list[FormField] | None = None
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        state = "fields read" if self._fields is not None else "fields not read yet"
        return f"<Launcher {self.blueprint_id} in {self.org.org_id}: {state}>"

    async def kickoff_fields(self) -> list[FormField]:
        """The blueprint's kick-off fields, read on first use.

        Raises:
            NotFoundError: no such (live) blueprint.
        """
        if self._fields is None:
            async with self._lock:
                if self._fields is None:
                    self._fields = await self.org.processes.kickoff_fields(self.blueprint_id)
                    declare_minimum(1)
        return self._fields

    async def launch(
        self,
        *,
        name: str,
        kickoff: Mapping[Any, Any] | None = None,
        dedupe_key: UnsetOr[str | int] = UNSET,
        **options: Any,
    ) -> Process:
        """Launch one process (``processes.launch`` with the cached kick-off fields).

        Args:
            name: the process name.
            kickoff: kick-off values keyed by field id, alias or label.
            dedupe_key: launch exactly once (see ``processes.launch``).
            options: any other keyword argument of ``processes.launch``.

        Returns:
            The new :class:`Process` (with ``dedupe_key``: or the one launched before).
        """
        fields = await self.kickoff_fields()
        refused = False
        try:
            return await self.org.processes.launch(
                self.blueprint_id,
                name=name,
                kickoff=kickoff,
                kickoff_fields=fields,
                dedupe_key=dedupe_key,
                **options,
            )
        except (TypeError, ValueError):  # bad values (FormValuesError...), refused unsent
            refused = True
            raise
        finally:
            if not refused:  # the launch was sent, or would have been
                declare_minimum(1)
