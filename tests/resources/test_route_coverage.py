"""Every high- and medium-confidence route of the covered areas has an SDK method.

Reads ``../shared/api/endpoints.json`` (issue 4 asks for it) and compares it with the
``Route`` constants of the resource modules; a route constant counts only if a
method of its module uses it.
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import re
from pathlib import Path

import tallyfy_async.resources as resources_pkg
from tallyfy_async._routes import Route

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
    found = set()
    for info in pkgutil.iter_modules(resources_pkg.__path__):
        module = importlib.import_module(f"{resources_pkg.__name__}.{info.name}")
        source = inspect.getsource(module)
        for name, value in vars(module).items():
            if isinstance(value, Route) and len(re.findall(rf"\b{name}\b", source)) >= 2:
                found.add(normalise(value.method, value.path))
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
