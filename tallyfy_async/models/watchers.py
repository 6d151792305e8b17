"""Watchers: organization-level webhook subscriptions.

Low confidence: only Tallyfy's n8n node uses these routes, and it says the backend is
still rolling out. Payloads delivered through them carry an ``event`` field
(``process.launched``, ``task.completed``...).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from tallyfy_async.models._base import Model


@attrs.frozen(kw_only=True)
class Watcher(Model):
    """A subscription that posts the organization's events to a URL.

    Attributes:
        id: the subscription's id, as Tallyfy sends it (what :meth:`Watchers.remove
            <tallyfy_async.resources.watchers.Watchers.remove>` takes).
        object_type: ``organization``.
        object_id: the organization's id.
        notification_type: ``webhook``.
        frequency: ``electric`` (as events happen).
        webhook: the URL deliveries go to.
        user_id: the member who subscribed.
    """

    id: Any
    object_type: str | None = None
    object_id: str | None = None
    notification_type: str | None = None
    frequency: str | None = None
    webhook: str | None = None
    user_id: int | None = None
    created_at: datetime | None = None


__all__ = ["Watcher"]
