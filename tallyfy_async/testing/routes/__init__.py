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
    steps,
    tags,
    tasks,
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
    meta,
)


def all_routes() -> list[Route]:
    """Every route of every area."""
    return [route for module in _MODULES for route in module.routes.routes]
