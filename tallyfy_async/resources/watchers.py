"""Watchers (``org.watchers``): organization-level webhook subscriptions.

**Low confidence.** Only Tallyfy's n8n node uses these routes, and it says the backend
is still rolling out: the routes and their answers may differ in production. The
classic webhooks are URLs stored on blueprints, steps and tasks (their ``set_webhook``
methods); this is the organization-wide kind, for administrators. Deliveries through
it carry an ``event`` field (``process.launched``, ``process.completed``,
``task.completed``, ``task.assigned``, ``task.comment_added``, ``task.issue_raised``,
``task.issue_resolved``).
"""

from __future__ import annotations

from typing import Final

from tallyfy_async import _constants as C
from tallyfy_async._routes import Route
from tallyfy_async._unset import UNSET, UnsetOr
from tallyfy_async.models.watchers import Watcher
from tallyfy_async.pagination import Paginator
from tallyfy_async.resources import _kinds as kinds
from tallyfy_async.resources._base import Resource
from tallyfy_async.resources._body import Body
from tallyfy_async.resources._checks import web_url

ADD_WATCHER: Final = Route("POST", "/users/{user_id}/add-watcher")
LIST_WATCHERS: Final = Route("GET", "/watchers")
REMOVE_WATCHER: Final = Route("DELETE", "/remove-watcher/{watcher_id}")

WATCHER_FILTERS: Final = {"notification": kinds.TEXT}
WATCHER_FIELDS: Final = {
    "object_type": kinds.TEXT,
    "object_id": kinds.TEXT,
    "notification_type": kinds.TEXT,
    "frequency": kinds.TEXT,
    "webhook": kinds.Checked(function=web_url, required=True),
}


class Watchers(Resource):
    """Organization-level webhook subscriptions (``org.watchers``). Low confidence:
    see the module's docstring."""

    records = "/remove-watcher/{watcher_id}"
    model = Watcher

    async def add(self, user_id: int, /, *, webhook: str) -> Watcher:
        """Send every event of the organization to ``webhook``:
        ``POST .../users/{user_id}/add-watcher``. Low confidence (see the module).

        Administrators only.

        Args:
            user_id: the administrator subscribing (usually the caller's own member id).
            webhook: the absolute http(s) URL deliveries go to.

        Returns:
            The :class:`Watcher`.

        Raises:
            TypeError, ValueError: a URL that is not absolute http(s) (nothing is sent).
            PermissionDeniedError: the user is not an administrator.
        """
        body = Body(self._converter)
        body.put_all(
            WATCHER_FIELDS,
            {
                "object_type": "organization",
                "object_id": self._org.org_id,
                "notification_type": "webhook",
                "frequency": "electric",
                "webhook": webhook,
            },
        )
        return await self._item(ADD_WATCHER, Watcher, {"user_id": user_id}, json=body.json())

    def list(
        self,
        *,
        notification: UnsetOr[str] = UNSET,
        per_page: int = C.MAX_PER_PAGE,
        limit: int | None = None,
        concurrency: int = 1,
    ) -> Paginator[Watcher]:
        """The organization's subscriptions: ``GET .../watchers``. Low confidence.

        Args:
            notification: ``"webhook"`` for webhook subscriptions only.
            per_page: page size (Tallyfy caps it at 100).
            limit: stop after this many.
            concurrency: pages fetched at once after the first.
        """
        return self._list(LIST_WATCHERS, Watcher, locals(), WATCHER_FILTERS)

    async def remove(self, watcher_id: int | str | Watcher, /) -> None:
        """End a subscription: ``DELETE .../remove-watcher/{watcher_id}``. Low confidence.

        Args:
            watcher_id: the subscription's id, or the :class:`Watcher`.

        Raises:
            NotFoundError: no such subscription.
        """
        await self._send(REMOVE_WATCHER, self._ids(watcher_id))


__all__ = ["Watchers"]
