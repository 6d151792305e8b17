"""Webhooks sent by the fake: the documented payloads (``payloads``) and their delivery
(``sender``)."""

from tallyfy_async.testing._webhooks.payloads import DATE_FORMATS, HUMAN_FORMAT, ISO_FORMAT
from tallyfy_async.testing._webhooks.sender import WebhookDelivery, WebhookSender

__all__ = ["DATE_FORMATS", "HUMAN_FORMAT", "ISO_FORMAT", "WebhookDelivery", "WebhookSender"]
