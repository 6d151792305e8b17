"""Scopes: the path a resource's routes hang from, and the parent ids it names.

One resource class serves every parent it can hang under. Comments are posted to
``/organizations/{org}/tasks/{task_id}/comment``, ``.../runs/{process_id}/comment``
and ``.../checklists/{blueprint_id}/comment``: the ``Comments`` class writes its
routes from its scope (``Route("POST", "/comment")``) and is built once per scope.
A scope's placeholders, the organization aside, are the ids its methods take first.
"""

from __future__ import annotations

import functools
import re
from typing import Final

import attrs

from tallyfy_async._routes import Route

_PLACEHOLDER = re.compile(r"\{(\w+)\}")

#: Parent ids a model carries under its wire name (the SDK says process and blueprint
#: where the API says run and checklist).
_CARRIED_AS: Final = {"process_id": "run_id", "blueprint_id": "checklist_id"}


@attrs.frozen
class Scope:
    """A path prefix, written from the API root: ``/organizations/{org}/runs/{process_id}``.

    Attributes:
        path: the prefix.
        parents: the ids it names, in order, the organization's aside (``("process_id",)``).
    """

    path: str
    parents: tuple[str, ...] = attrs.field(init=False, eq=False)

    @parents.default
    def _parents(self) -> tuple[str, ...]:
        return tuple(name for name in _PLACEHOLDER.findall(self.path) if name != "org")

    def under(self, path: str) -> Scope:
        """The scope ``path`` below this one (``ORG.under("/runs/{process_id}")``)."""
        return Scope(self.path + path)

    def route(self, route: Route) -> Route:
        """``route`` hung from this scope; a route written from the API root stays as it is."""
        return _joined(self.path, route)


@functools.cache
def _joined(prefix: str, route: Route) -> Route:
    if route.path.startswith("/organizations/"):
        return route
    return Route(route.method, prefix + route.path)


def carried(record: object, name: str) -> object | None:
    """The id ``name`` (``process_id``) as ``record`` carries it (``run_id``), or None."""
    return getattr(record, _CARRIED_AS.get(name, name), None)


#: The organization: the scope of the top-level resources (``org.processes``...).
ORG: Final = Scope("/organizations/{org}")
