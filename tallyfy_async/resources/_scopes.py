"""Scopes: the path a resource's routes hang from, and the parent ids it names.

One resource class serves every parent it can hang under. Comments are posted to
``/organizations/{org}/tasks/{task_id}/comment``, ``.../runs/{process_id}/comment``
and ``.../checklists/{blueprint_id}/comment``: the ``Comments`` class writes its
routes from its scope (``Route("POST", "/comment")``) and is built once per scope.
A scope's placeholders, the organization aside, are the ids its methods take first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Final

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
        model: the model of the record the path names (``Process``), if any.
        up: the scope this one was made under.
        parents: the ids the path names, in order, the organization's aside.
    """

    path: str
    model: type[Any] | None = attrs.field(default=None, eq=False)
    up: Scope | None = attrs.field(default=None, eq=False, repr=False)
    parents: tuple[str, ...] = attrs.field(init=False, eq=False)
    #: Routes hung from this scope, kept: resources ask on every call.
    _hung: dict[Route, Route] = attrs.field(init=False, factory=dict, eq=False, repr=False)

    @parents.default
    def _parents(self) -> tuple[str, ...]:
        return tuple(name for name in _PLACEHOLDER.findall(self.path) if name != "org")

    def under(self, path: str, model: type[Any] | None = None) -> Scope:
        """The scope ``path`` below this one (``ORG.under("/runs/{process_id}", Process)``)."""
        return Scope(self.path + path, model, self)

    def route(self, route: Route) -> Route:
        """``route`` hung from this scope; a route written from the API root stays as it is."""
        hung = self._hung.get(route)
        if hung is None:
            rooted = route.path.startswith("/organizations/")
            hung = route if rooted else Route(route.method, self.path + route.path)
            self._hung[route] = hung
        return hung

    def ids(self, given: Sequence[object]) -> dict[str, Any]:
        """The ids this scope's path names, from a method's positional arguments.

        Each argument is an id, or a model standing for the ids up to its own: a model
        of this scope's record or of one above it fills its own id and the parents' ids
        it carries (a ``Task`` says its process in ``run_id``). None leaves an id out.

        Raises:
            ValueError: an id missing, a model that does not carry one, or a model
                whose ids contradict the ones given.
            TypeError: more arguments than ids.
        """
        names = self.parents
        if len(given) == len(names):  # plain ids, the common case, in one pass
            for value in given:
                if type(value) is not str:
                    break
            else:
                # Lengths checked above, so zip without strict= (whose keyword parsing
                # costs as much as the zip), and a dict display for the one id most
                # methods take: a third of zip's cost.
                if len(given) == 1:
                    return {names[0]: given[0]}
                return dict(zip(names, given))  # noqa: B905
        ids: dict[str, Any] = {}
        models: dict[str, str] = {}
        for value in given:
            at = len(ids)
            scope = self._naming(value)
            if scope is None:
                if at >= len(names):
                    if value is None:
                        continue
                    raise TypeError(f"{value!r:.60} is one argument too many: pass {_list(names)}")
                ids[names[at]] = value
                continue
            kind, own = type(value).__name__, getattr(value, "id", None)
            end = len(scope.parents)
            if end <= at:
                raise TypeError(f"a {kind} stands for {_list(names[:end])}: pass nothing before it")
            for name, held in ids.items():
                if carried(value, name) not in (None, held):
                    raise ValueError(
                        f"{kind} {own} belongs to {name} {carried(value, name)}, not {held}"
                    )
            for name in names[at : end - 1]:
                ids[name], models[name] = carried(value, name), kind
            ids[names[end - 1]], models[names[end - 1]] = own, kind
        for name in names:
            if ids.get(name) is not None:
                continue
            if name in models:
                raise ValueError(
                    f"this {models[name]} does not say its {name}; pass the ids: {_list(names)}"
                )
            alone = f", or the {self.model.__name__} itself" if self.model else ""
            raise ValueError(f"{name} is required: pass {_list(names)} in that order{alone}")
        return ids

    def _naming(self, value: object) -> Scope | None:
        """The scope (this one or one above) whose record ``value`` is a model of."""
        scope: Scope | None = self
        while scope is not None:
            if scope.model is not None and isinstance(value, scope.model):
                return scope
            scope = scope.up
        return None


def _list(names: Sequence[str]) -> str:
    return ", ".join(names)


def carried(record: object, name: str) -> object | None:
    """The id ``name`` (``process_id``) as ``record`` carries it (``run_id``), or None."""
    return getattr(record, _CARRIED_AS.get(name, name), None)


#: The organization: the scope of the top-level resources (``org.processes``...).
ORG: Final = Scope("/organizations/{org}")
