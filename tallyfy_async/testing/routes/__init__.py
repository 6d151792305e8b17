"""The fake's routes, one module per API area; ``all_routes()`` collects them."""

from __future__ import annotations

from tallyfy_async.testing._router import Route
from tallyfy_async.testing.routes import (
    activity,
    authorize,
    automations,
    blueprints,
    captures,
    comments,
    custom_fields,
    files,
    folders,
    form_values,
    groups,
    guests,
    identity,
    members,
    meta,
    oauth,
    org_tasks,
    processes,
    search,
    steps,
    tags,
    tasks,
    watchers,
)

_MODULES = (
    oauth,
    authorize,
    identity,
    activity,
    blueprints,
    steps,
    captures,
    automations,
    processes,
    tasks,
    org_tasks,
    comments,
    form_values,
    members,
    guests,
    groups,
    tags,
    folders,
    files,
    search,
    custom_fields,
    watchers,
    meta,
)


def all_routes() -> list[Route]:
    """Every route of every area."""
    return [route for module in _MODULES for route in module.routes.routes]
