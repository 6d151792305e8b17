"""Receiving Tallyfy's webhooks: typed events, duplicates dropped, nothing lost.

Tallyfy posts a JSON payload when a process is launched or completed and when a task is
completed, to the URL set on the blueprint, step or task. It signs nothing (the
``X-Tallyfy-orgID`` header is the only authenticity signal), tries once, never retries, and
may deliver one event twice. So:

- :func:`parse` checks the organization header and turns a body into a
  :class:`ProcessEvent` or a :class:`TaskCompletedEvent` (an :class:`OtherEvent`, its
  payload as sent, for an event the SDK does not model), or refuses it with a
  :class:`WebhookError` subclass saying why;
- :func:`handler` builds an aiohttp.web receiver that answers at once, drops duplicates
  (:class:`DedupeStore`), runs your callback from a bounded queue, keeps the events whose
  callback raised, and hands back what it could not deliver when it closes::

    from aiohttp import web
    from tallyfy_async import webhooks

    async def on_event(event: webhooks.WebhookEvent) -> None:
        if isinstance(event, webhooks.TaskCompletedEvent):
            print(event.task.title, "completed by", event.completer)

    app = web.Application()
    webhooks.handler(on_event, org_id=ORG_ID).install(app, "/hooks/tallyfy")
"""

from tallyfy_async.webhooks._dates import AMBIGUOUS, UNAMBIGUOUS
from tallyfy_async.webhooks._dedupe import DedupeStore, MemoryDedupeStore
from tallyfy_async.webhooks._errors import (
    MissingOrganizationError,
    UnexpectedOrganizationError,
    WebhookDateError,
    WebhookError,
    WebhookNotJSONError,
    WebhookOrganizationError,
    WebhookPayloadError,
    WebhookShapeError,
    WebhookTooLargeError,
)
from tallyfy_async.webhooks._events import (
    Asset,
    Capture,
    EventKind,
    EventOwners,
    EventProcess,
    EventTag,
    EventTask,
    EventTemplate,
    FieldValue,
    GuestLink,
    OtherEvent,
    Person,
    ProcessEvent,
    ProcessGroup,
    ProcessUser,
    TaskCompletedEvent,
    UserId,
    WebhookEvent,
)
from tallyfy_async.webhooks._parse import ORG_HEADER, TimeZones, parse
from tallyfy_async.webhooks._receiver import (
    EventCallback,
    FailedEvent,
    ReceiverStats,
    RejectedDelivery,
    WebhookReceiver,
    handler,
)

__all__ = [
    "AMBIGUOUS",
    "ORG_HEADER",
    "UNAMBIGUOUS",
    "Asset",
    "Capture",
    "DedupeStore",
    "EventCallback",
    "EventKind",
    "EventOwners",
    "EventProcess",
    "EventTag",
    "EventTask",
    "EventTemplate",
    "FailedEvent",
    "FieldValue",
    "GuestLink",
    "MemoryDedupeStore",
    "MissingOrganizationError",
    "OtherEvent",
    "Person",
    "ProcessEvent",
    "ProcessGroup",
    "ProcessUser",
    "ReceiverStats",
    "RejectedDelivery",
    "TaskCompletedEvent",
    "TimeZones",
    "UnexpectedOrganizationError",
    "UserId",
    "WebhookDateError",
    "WebhookError",
    "WebhookEvent",
    "WebhookNotJSONError",
    "WebhookOrganizationError",
    "WebhookPayloadError",
    "WebhookReceiver",
    "WebhookShapeError",
    "WebhookTooLargeError",
    "handler",
    "parse",
]
