"""Organization-level webhook subscriptions ("watchers").

Low confidence: only Tallyfy's n8n node uses these routes, and it says the backend is still
rolling out. Administrators only.
"""

from __future__ import annotations

from tallyfy_async.testing._context import Ctx
from tallyfy_async.testing._fields import Fields, text_id
from tallyfy_async.testing._http import Reply, data, empty, forbidden, not_found
from tallyfy_async.testing._pagination import paginate
from tallyfy_async.testing._router import RouteTable

routes = RouteTable()


@routes.post("/organizations/{org}/users/{user_id}/add-watcher", "watchers.add")
def add_watcher(ctx: Ctx) -> Reply:
    """Subscribe a webhook URL to the organization's events (administrators only)."""
    org = ctx.the_org()
    user = ctx.the_user()
    if user.roles.get(org.id) != "admin":
        raise forbidden()
    user_id = text_id(ctx.params["user_id"])
    if user_id is None or user_id not in org.members:
        raise not_found()
    fields = Fields(ctx.body)
    object_type = fields.choice("object_type", ("organization",), required=True)
    object_id = fields.string("object_id", required=True)
    if object_id is not None and object_id != org.id:
        fields.fail("object_id", "The selected object id is invalid.")
    notification = fields.choice("notification_type", ("webhook",), required=True)
    frequency = fields.choice("frequency", ("electric",), required=True)
    webhook = fields.string("webhook", required=True)
    if webhook is not None and not webhook.startswith(("http://", "https://")):
        fields.fail("webhook", "The webhook format is invalid.")
    fields.check()
    watcher_id = ctx.fake.state.association_id()
    wire = {
        "id": watcher_id,
        "object_type": object_type,
        "object_id": object_id,
        "notification_type": notification,
        "frequency": frequency,
        "webhook": webhook,
        "user_id": user_id,
        "created_at": ctx.now,
    }
    org.watchers[watcher_id] = wire
    return data(wire)


@routes.get(
    "/organizations/{org}/watchers", "watchers.list", query=("notification", "page", "per_page")
)
def list_watchers(ctx: Ctx) -> Reply:
    """The organization's subscriptions (``notification=webhook`` for webhooks only)."""
    watchers = list(ctx.the_org().watchers.values())
    kind = ctx.query.get("notification")
    if kind:
        watchers = [w for w in watchers if w["notification_type"] == kind]
    return paginate(ctx, watchers, lambda watcher: watcher)


@routes.delete("/organizations/{org}/remove-watcher/{watcher_id}", "watchers.remove", status=204)
def remove_watcher(ctx: Ctx) -> Reply:
    """End a subscription."""
    org = ctx.the_org()
    if ctx.the_user().roles.get(org.id) != "admin":
        raise forbidden()
    watcher = org.watchers.pop(text_id(ctx.params["watcher_id"]) or 0, None)
    if watcher is None:
        raise not_found()
    return empty(204)
