"""Lookups and renderers the route modules share.

Renderers return the object's stored dict when no ``with=`` include applies, and a copy with
the includes wrapped in ``{"data": ...}`` otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from tallyfy_async.testing._context import Ctx
from tallyfy_async.testing._fields import text_id
from tallyfy_async.testing._http import not_found
from tallyfy_async.testing._state import Blueprint, Record, Run, Step, Task, Wire

# ---------------------------------------------------------------- query parameters

#: What most listings read: pages, the unpaginated switch, includes, search and sort.
LISTING = ("page", "per_page", "without_pagination", "with", "q", "sort")
#: What the task listings read (their shared filters are in ``_task_query``).
TASK_QUERY = (
    *LISTING,
    "sort_by", "status", "owners", "guests", "groups", "unassigned", "is_oneoff",
    "deadline_before", "deadline_after", "deadline_on", "deadline_start_range",
    "deadline_end_range",
)  # fmt: skip

# ---------------------------------------------------------------- lookups


def blueprint_of(ctx: Ctx, *, archived: bool = True) -> Blueprint:
    """The blueprint named by ``{checklist_id}``; archived ones only when ``archived``."""
    blueprint = ctx.the_org().blueprints.get(ctx.params["checklist_id"])
    if blueprint is None or (blueprint.archived and not archived):
        raise not_found()
    return blueprint


def step_of(ctx: Ctx, blueprint: Blueprint) -> Step:
    """The step named by ``{step_id}``."""
    step = blueprint.step(ctx.params["step_id"])
    if step is None:
        raise not_found()
    return step


def run_of(ctx: Ctx) -> Run:
    """The process named by ``{run_id}`` (archived ones included)."""
    run = ctx.the_org().runs.get(ctx.params["run_id"])
    if run is None:
        raise not_found()
    return run


def task_of(ctx: Ctx, run: Run | None = None) -> Task:
    """The task named by ``{task_id}``, inside ``run`` when given."""
    task = ctx.the_org().tasks.get(ctx.params["task_id"])
    if task is None or (run is not None and task.run is not run):
        raise not_found()
    return task


# ---------------------------------------------------------------- renderers


def wrap(value: Any) -> Wire:
    """A Fractal include: ``{"data": value}``."""
    return {"data": value}


def form_field_items(task: Task) -> list[Wire]:
    """A task's form fields with their answers.

    The answer is ``field_value``, as measured in production by the MCP server, not the docs'
    ``value``.
    """
    taskdata = task.wire["taskdata"]
    return [
        {
            **capture,
            "task_id": task.id,
            "field_value": taskdata.get(capture["id"]),
            "value_id": task.value_ids.get(capture["id"]),
        }
        for capture in task.captures()
    ]


def kickoff_items(run: Run) -> list[Wire]:
    """A run's kick-off fields with their answers."""
    if run.blueprint is None:
        return []
    values = run.wire["prerun"]
    return [
        {
            **field,
            "field_value": values.get(field["id"]),
            "value_id": run.value_ids.get(field["id"]),
        }
        for field in run.blueprint.wire["prerun"]
    ]


TASK_INCLUDES = frozenset(
    ("summary", "step", "run", "run.checklist", "threads", "comments", "form_fields", "tags",
     "assets", "folders", "activities", "issues", "threads_count", "member_watchers",
     "guest_watchers")
)  # fmt: skip


def task_dict(task: Task, includes: frozenset[str], *, single: bool = False) -> Wire:
    """A task with ``summary`` (single reads) and the requested includes."""
    out = dict(task.wire)
    if single or "summary" in includes:
        out["summary"] = task.summary
    if "step" in includes:
        out["step"] = wrap(task.step.wire if task.step else None)
    if "run" in includes or "run.checklist" in includes:
        run = task.run
        if run is None:
            out["run"] = wrap(None)
        elif "run.checklist" in includes:
            blueprint = run.blueprint
            out["run"] = wrap(
                {**run.wire, "checklist": wrap(blueprint.wire if blueprint else None)}
            )
        else:
            out["run"] = wrap(run.wire)
    if "threads" in includes or "comments" in includes:
        threads = [comment.wire for comment in task.threads if not comment.archived]
        if "threads" in includes:
            out["threads"] = wrap(threads)
        if "comments" in includes:
            out["comments"] = wrap(threads)
    if "threads_count" in includes:
        out["threads_count"] = sum(1 for comment in task.threads if not comment.archived)
    if "form_fields" in includes:
        out["form_fields"] = wrap(form_field_items(task))
    for empty in ("tags", "assets", "folders", "activities", "issues", "member_watchers",
                  "guest_watchers"):  # fmt: skip
        if empty in includes:
            out[empty] = wrap([])
    return out


def wire_of(record: Record) -> Wire:
    """A record's stored dict, as is."""
    return record.wire


def task_renderer(includes: frozenset[str]) -> Callable[[Task], Wire]:
    """How to show each task of a list."""
    if not includes & TASK_INCLUDES:
        return wire_of
    return lambda task: task_dict(task, includes)


def next_task_item(run: Run) -> list[Wire]:
    """``next_task`` as the API includes it: a collection of one."""
    task = run.next_task()
    if task is None:
        return []
    wire = task.wire
    return [
        {key: wire[key] for key in ("id", "increment_id", "title", "alias", "owners", "deadline")}
    ]


RUN_INCLUDES = frozenset(
    ("checklist", "tasks", "tags", "next_task", "form_fields", "ko_form_fields", "folders",
     "assets", "stages", "permissions", "tasks_meta", "member_watchers", "guest_watchers",
     "tasks.threads", "tasks.form_fields", "threads")
)  # fmt: skip


def run_dict(run: Run, includes: frozenset[str]) -> Wire:
    """A run with the requested includes."""
    out = dict(run.wire)
    if "checklist" in includes:
        out["checklist"] = wrap(run.blueprint.wire if run.blueprint else None)
    if "tasks" in includes or "tasks.threads" in includes or "tasks.form_fields" in includes:
        nested = frozenset(name[6:] for name in includes if name.startswith("tasks."))
        out["tasks"] = wrap([task_dict(task, nested) for task in run.tasks])
    if "tags" in includes:
        out["tags"] = wrap(run.tags)
    if "next_task" in includes:
        out["next_task"] = wrap(next_task_item(run))
    if "form_fields" in includes:
        out["form_fields"] = wrap([item for task in run.tasks for item in form_field_items(task)])
    if "ko_form_fields" in includes:
        out["ko_form_fields"] = wrap(kickoff_items(run))
    if "threads" in includes:
        out["threads"] = wrap([comment.wire for comment in run.threads])
    if "tasks_meta" in includes:
        out["tasks_meta"] = wrap(dict(run.wire["progress"]))
    if "permissions" in includes:
        out["permissions"] = wrap({})
    for empty in ("folders", "assets", "stages", "member_watchers", "guest_watchers"):
        if empty in includes:
            out[empty] = wrap([])
    return out


def run_renderer(includes: frozenset[str]) -> Callable[[Run], Wire]:
    """How to show each run of a list."""
    if not includes & RUN_INCLUDES:
        return wire_of
    return lambda run: run_dict(run, includes)


BLUEPRINT_INCLUDES = frozenset(
    ("steps", "tags", "folder", "linked_tasks", "permissions", "stages", "assets",
     "member_watchers", "guest_watchers", "threads")
)  # fmt: skip


def blueprint_dict(ctx: Ctx, blueprint: Blueprint, includes: frozenset[str]) -> Wire:
    """A blueprint with the requested includes (``prerun``/``automated_actions`` are inline)."""
    out = dict(blueprint.wire)
    if "steps" in includes:
        out["steps"] = wrap([step.wire for step in blueprint.steps])
    if "tags" in includes:
        out["tags"] = wrap(blueprint.tags)
    if "folder" in includes:
        folder = ctx.the_org().folders.get(blueprint.wire["folder_id"] or "")
        out["folder"] = wrap(folder.wire if folder else None)
    if "threads" in includes:
        out["threads"] = wrap([comment.wire for comment in blueprint.threads])
    if "permissions" in includes:
        out["permissions"] = wrap({})
    for empty in ("linked_tasks", "stages", "assets", "member_watchers", "guest_watchers"):
        if empty in includes:
            out[empty] = wrap([])
    return out


def blueprint_renderer(ctx: Ctx) -> Callable[[Blueprint], Wire]:
    """How to show each blueprint of a list."""
    includes = ctx.includes
    if not includes & BLUEPRINT_INCLUDES:
        return wire_of
    return lambda blueprint: blueprint_dict(ctx, blueprint, includes)


# ---------------------------------------------------------------- sorting and filters


def sort_by(
    ctx: Ctx, items: Sequence[Any], allowed: Sequence[str] | Mapping[str, str]
) -> Sequence[Any]:
    """Apply ``sort``/``sort_by`` (``field`` or ``-field``) when it names an allowed field;
    any other field leaves the default order. A mapping gives the record key each field
    sorts on, where the query's name is not the record's."""
    spec = ctx.query.get("sort") or ctx.query.get("sort_by")
    if not spec:
        return items
    descending = spec.startswith("-")
    field = spec.lstrip("-")
    if field not in allowed:
        return items
    if isinstance(allowed, Mapping):
        field = allowed[field]
    present = [item for item in items if item.wire.get(field) is not None]
    absent = [item for item in items if item.wire.get(field) is None]

    def key(item: Any) -> Any:
        value = item.wire[field]
        return value.lower() if isinstance(value, str) else value

    return sorted(present, key=key, reverse=descending) + absent


def csv_ints(text: str | None) -> set[int]:
    """``"1,2"`` as ``{1, 2}`` (ignoring anything that is not a number)."""
    if not text:
        return set()
    ids = (text_id(part.strip()) for part in text.split(","))
    return {value for value in ids if value is not None}


def csv(text: str | None) -> set[str]:
    """``"a,b"`` as ``{"a", "b"}``."""
    if not text:
        return set()
    return {part.strip() for part in text.split(",") if part.strip()}
