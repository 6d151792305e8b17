"""Every high- and medium-confidence route of the covered areas has an SDK method.

Reads ``../shared/api/endpoints.json`` and compares it with the routes the resources
send: every resource reachable from an ``OrgClient`` (its attributes, then each
resource's child resources), each ``Route`` constant its class (or a base) uses,
hung from the scope the resource was built with.
"""

from __future__ import annotations

import inspect
import json
import re
import sys
from pathlib import Path

from tallyfy_async import PersonalAccessToken, TallyfyClient
from tallyfy_async._routes import Route
from tallyfy_async.resources._base import Resource
from tests.resources.tree import resources

ENDPOINTS = Path(__file__).resolve().parents[3] / "shared" / "api" / "endpoints.json"
COVERED_AREAS = {
    "templates",
    "steps",
    "form_fields",
    "automations",
    "processes",
    "tasks",
    "comments",
}


def normalise(method: str, path: str) -> tuple[str, str]:
    return method.upper(), re.sub(r"\{[^}]+\}", "{}", path.rstrip("/"))


def sdk_routes() -> set[tuple[str, str]]:
    org = TallyfyClient(PersonalAccessToken("t" * 40)).org("a" * 32)
    found = set()
    for resource in resources(org):
        classes = [c for c in type(resource).__mro__ if issubclass(c, Resource)]
        for cls in classes[: classes.index(Resource)]:
            source = inspect.getsource(cls)
            for name, value in vars(sys.modules[cls.__module__]).items():
                if isinstance(value, Route) and re.search(rf"\b{name}\b", source):
                    route = resource._scope.route(value)
                    found.add(normalise(route.method, route.path))
    return found


def test_every_route_of_the_covered_areas_has_a_method() -> None:
    endpoints = json.loads(ENDPOINTS.read_text(encoding="utf-8"))
    wanted = {
        normalise(e["method"], e["path"]): e["summary"]
        for e in endpoints
        if e["resource"] in COVERED_AREAS and e["confidence"] in ("high", "medium")
    }
    assert len(wanted) > 50  # the catalogue was read, not an empty file
    missing = sorted(f"{m} {p}  ({wanted[(m, p)][:60]})" for m, p in set(wanted) - sdk_routes())
    assert missing == [], "routes without an SDK method:\n" + "\n".join(missing)
