"""Search: one block of results per type asked for, each paginated on its own."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from tallyfy_async.testing._context import Ctx
from tallyfy_async.testing._http import Reply, invalid_field, json_reply
from tallyfy_async.testing._pagination import page_of
from tallyfy_async.testing._router import RouteTable
from tallyfy_async.testing._state import Org, Wire

routes = RouteTable()

TYPES = ("blueprint", "process", "task", "snippet", "capture", "step")


def _pick(wire: Wire, keys: tuple[str, ...]) -> Wire:
    return {key: wire.get(key) for key in keys}


def _blueprints(org: Org, q: str) -> Iterator[Wire]:
    for blueprint in org.blueprints.live():
        wire = blueprint.wire
        if q in f"{wire['title']} {wire['summary'] or ''}".lower():
            yield {
                **_pick(wire, ("id", "title", "type", "steps_count", "icon", "is_public")),
                "is_featured": wire["is_featured"],
                "organization_id": org.id,
                "folders": [],
            }


def _processes(org: Org, q: str) -> Iterator[Wire]:
    keys = ("id", "increment_id", "name", "status", "due_date_passed", "due_soon")
    for run in org.runs.live():
        if q in run.wire["name"].lower():
            yield _pick(run.wire, keys)


def _tasks(org: Org, q: str) -> Iterator[Wire]:
    # Task hits do not say their process (production leaves run_id out).
    keys = ("id", "title", "status", "status_label", "position", "deadline", "created_at",
            "starter_id", "is_oneoff_task", "owners")  # fmt: skip
    for task in org.tasks.live():
        if q in task.wire["title"].lower():
            yield _pick(task.wire, keys)


def _captures(org: Org, q: str) -> Iterator[Wire]:
    for blueprint in org.blueprints.live():
        for step in blueprint.steps:
            for capture in step.captures():
                if q in capture["label"].lower():
                    yield {
                        **_pick(capture, ("id", "label", "field_type", "step_id")),
                        "checklist_id": blueprint.id,
                    }


def _steps(org: Org, q: str) -> Iterator[Wire]:
    for blueprint in org.blueprints.live():
        for step in blueprint.steps:
            if q in step.wire["title"].lower():
                yield _pick(step.wire, ("id", "title", "checklist_id", "position"))


def _snippets(org: Org, q: str) -> Iterator[Wire]:
    return iter(())  # the fake keeps no snippets


FINDERS: dict[str, Callable[[Org, str], Iterator[Wire]]] = {
    "blueprint": _blueprints,
    "process": _processes,
    "task": _tasks,
    "snippet": _snippets,
    "capture": _captures,
    "step": _steps,
}


@routes.get(
    "/organizations/{org}/search",
    "search",
    query=("search", "on", "page", "per_page"),
    checks_query=True,
)
def search(ctx: Ctx) -> Reply:
    """Search: ``{"<type>": {"data": [...], "meta": {"pagination": ...}}, ...}`` for each type
    of ``on`` (comma-separated; every type when absent), without a ``data`` envelope.

    Matching ignores case; archived records are left out.
    """
    q = ctx.query.get("search", "").strip().lower()
    if not q:
        raise invalid_field("search", "The search field is required.")
    wanted = [part.strip() for part in ctx.query.get("on", ",".join(TYPES)).split(",")]
    unknown = [part for part in wanted if part not in TYPES]
    if unknown or not any(wanted):
        raise invalid_field("on", "The selected on is invalid.")
    org = ctx.the_org()
    answer: dict[str, Any] = {}
    for kind in dict.fromkeys(wanted):
        hits = list(FINDERS[kind](org, q))
        answer[kind] = page_of(ctx, hits, lambda hit: hit, per_page=20)
    return json_reply(answer)
