"""Delivering webhooks the way Tallyfy does: one POST, no retry, nobody waits for it.

When a process is launched or completed, or a task is completed, the fake builds the
documented payload at that moment and posts it from its own event loop, in the
background: the request that caused it is answered without waiting. Each POST carries
``X-Tallyfy-orgID`` and a JSON body, nothing else (Tallyfy signs nothing). A failure
(refused connection, timeout, an error status) is recorded in :attr:`WebhookSender.deliveries`
and never retried.

Where a delivery goes: launches and process completions to the blueprint's ``webhook``;
a task completion to the task's ``webhook`` (a process task inherits its step's), else its
step's, else its blueprint's (a step's webhook takes priority over the template's).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import aiohttp
import attrs

from tallyfy_async.testing._json import dumps, loads
from tallyfy_async.testing._state import Org, Run, State, Task
from tallyfy_async.testing._webhooks.payloads import DATE_FORMATS, HUMAN_FORMAT, Payloads

#: Seconds a delivery may take before it counts as failed (Tallyfy does not say).
DELIVERY_TIMEOUT = 10.0


@attrs.frozen(slots=True)
class WebhookDelivery:
    """One POST the fake made (or could not make).

    Attributes:
        url: where it went.
        org_id: the ``X-Tallyfy-orgID`` it carried.
        event: ``process.launched``, ``process.completed`` or ``task.completed``.
        body: the JSON body sent.
        copy: 1, or 2 for the second copy when told to deliver twice.
        status: the receiver's answer; ``None`` when none came.
        error: why no answer came (``None`` when one did).
        sent_at: ``time.time()`` when it was sent.
    """

    url: str
    org_id: str
    event: str
    body: bytes = attrs.field(repr=False)
    copy: int
    status: int | None
    error: str | None
    sent_at: float

    def json(self) -> Any:
        """The body, decoded."""
        return loads(self.body)


class WebhookSender:
    """The fake's webhook deliveries: ``fake.webhooks``.

    Attributes:
        deliveries: every delivery made, in the order they finished.
        deliver_twice: post every payload twice (as Tallyfy may: the same event can arrive
            more than once); the copies are identical.
        timeout: seconds one POST may take.
    """

    def __init__(self) -> None:
        self._state = State()  # the fake's own, given by _of()
        self.deliveries: list[WebhookDelivery] = []
        self.deliver_twice = False
        self.timeout = DELIVERY_TIMEOUT
        self._session: aiohttp.ClientSession | None = None
        self._sending: set[asyncio.Task[None]] = set()
        self._running = False

    @classmethod
    def _of(cls, state: State) -> WebhookSender:
        """The sender of a fake whose state is ``state``."""
        sender = cls()
        sender._state = state
        return sender

    # ------------------------------------------------------------------ settings

    def set_date_format(
        self, org_id: str, date_format: str, *, timezone: str | None = None
    ) -> None:
        """Set an organization's ``webhook_date_field_format`` (and its ``timezone``).

        ``date_format`` is ``"yyyy-MM-ddTHH:mm:ssZ"`` (ISO, the default) or
        ``"d/m/Y h:i A T"``; ``timezone`` an IANA name (``"America/Chicago"``).
        """
        org = self._state.orgs.get(org_id)
        if org is None:
            raise KeyError(f"no organization {org_id}")
        if date_format not in DATE_FORMATS:
            raise ValueError(f"date_format must be one of {DATE_FORMATS}, got {date_format!r}")
        if timezone is not None:
            try:
                ZoneInfo(timezone)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {timezone!r}") from None
            org.wire["timezone"] = timezone
        org.wire["webhook_date_field_format"] = date_format

    def uses_human_dates(self, org_id: str) -> bool:
        """Whether the organization's webhooks write ``d/m/Y h:i A T`` dates."""
        return self._state.orgs[org_id].wire.get("webhook_date_field_format") == HUMAN_FORMAT

    # ------------------------------------------------------------------ events

    # The fake's routes and data helpers call these when the state changes.

    def _on_launch(self, org: Org, run: Run) -> None:
        """A process was launched: tell its blueprint's webhook."""
        url = run.blueprint.wire["webhook"] if run.blueprint is not None else None
        if url:
            self._send(url, org, "process.launched", Payloads(self._state, org).process(run))

    def _on_completion(self, org: Org, task: Task, *, run_was_complete: bool) -> None:
        """A task was completed: tell its webhook, then, when that completed the process,
        the blueprint's webhook."""
        payloads = Payloads(self._state, org)
        url = _task_url(task)
        if url:
            self._send(url, org, "task.completed", payloads.task_completed(task))
        run = task.run
        if run is not None and not run_was_complete and run.wire["status"] == "complete":
            blueprint_url = run.blueprint.wire["webhook"] if run.blueprint is not None else None
            if blueprint_url:
                self._send(blueprint_url, org, "process.completed", payloads.process(run))

    # ------------------------------------------------------------------ sending

    def _start(self) -> None:
        """Deliver from now on (the fake started)."""
        self._running = True

    async def wait(self) -> None:
        """Wait until every delivery started so far has finished."""
        while self._sending:
            await asyncio.gather(*list(self._sending), return_exceptions=True)

    async def _close(self, grace: float = 5.0) -> None:
        """Finish the deliveries in flight (cancel them after ``grace`` s), close the session."""
        self._running = False
        if self._sending:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wait(), grace)
            for task in list(self._sending):
                task.cancel()
            await asyncio.gather(*list(self._sending), return_exceptions=True)
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    def _send(self, url: str, org: Org, event: str, payload: dict[str, Any]) -> None:
        body = dumps(payload)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if not self._running or loop is None:
            self._record(url, org.id, event, body, 1, None, "not sent: FakeTallyfy is not running")
            return
        task = loop.create_task(self._post(url, org.id, event, body))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _post(self, url: str, org_id: str, event: str, body: bytes) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        headers = {"Content-Type": "application/json", "X-Tallyfy-orgID": org_id}
        for copy in (1, 2) if self.deliver_twice else (1,):
            status: int | None = None
            error: str | None = None
            try:
                async with self._session.post(url, data=body, headers=headers) as response:
                    status = response.status
                    await response.read()
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                error = f"{type(exc).__name__}: {exc}"
            self._record(url, org_id, event, body, copy, status, error)

    def _record(
        self,
        url: str,
        org_id: str,
        event: str,
        body: bytes,
        copy: int,
        status: int | None,
        error: str | None,
    ) -> None:
        self.deliveries.append(
            WebhookDelivery(
                url=url,
                org_id=org_id,
                event=event,
                body=body,
                copy=copy,
                status=status,
                error=error,
                sent_at=time.time(),
            )
        )


def _task_url(task: Task) -> str | None:
    """The task's webhook, else its step's, else its blueprint's."""
    if task.wire["webhook"]:
        return str(task.wire["webhook"])
    if task.step is not None and task.step.wire["webhook"]:
        return str(task.step.wire["webhook"])
    run = task.run
    if run is not None and run.blueprint is not None and run.blueprint.wire["webhook"]:
        return str(run.blueprint.wire["webhook"])
    return None
