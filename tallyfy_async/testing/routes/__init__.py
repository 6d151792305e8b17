"""The fake's routes, one module per API area; ``all_routes()`` collects them."""

from __future__ import annotations

from tallyfy_async.testing._router import Route
from tallyfy_async.testing.routes import (
    automations,
    blueprints,
    captures,
    comments,
    form_values,
    identity,
    oauth,
    org_tasks,
    processes,
    steps,
    tasks,
)

_MODULES = (
    oauth,
    identity,
    blueprints,
    steps,
    captures,
    automations,
    processes,
    tasks,
    org_tasks,
    comments,
    form_values,
)


def all_routes() -> list[Route]:
    """Every route of every area."""
    return [route for module in _MODULES for route in module.routes.routes]
