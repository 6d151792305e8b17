"""A faithful, in-memory Tallyfy API for tests: :class:`FakeTallyfy`.

It is an independent implementation of the API as Tallyfy's documentation and official clients
describe it (it shares no code
with the SDK's models, converter or transport), so tests run against it catch the SDK's
mistakes rather than repeat them. Use it with ``async with FakeTallyfy() as fake:``, through
the pytest fixtures ``tallyfy_fake``/``tallyfy_demo`` (``tallyfy_async.testing.plugin``), or as
a command: ``tallyfy-async serve-fake``.
"""

from tallyfy_async.testing._faults import Fault, RateLimit
from tallyfy_async.testing._log import Counters, LoggedRequest
from tallyfy_async.testing._seed import DemoOrg
from tallyfy_async.testing._server import FakeTallyfy
from tallyfy_async.testing._webhooks import WebhookDelivery, WebhookSender

__all__ = [
    "Counters",
    "DemoOrg",
    "FakeTallyfy",
    "Fault",
    "LoggedRequest",
    "RateLimit",
    "WebhookDelivery",
    "WebhookSender",
]
