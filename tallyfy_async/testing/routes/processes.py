"""Processes (API: runs)."""

from __future__ import annotations

from typing import Any

from tallyfy_async.testing._actions.runs import activate_run, archive_run, delete_run, launch
from tallyfy_async.testing._actions.tasks import store_owners
from tallyfy_async.testing._actions.values import merge_values
from tallyfy_async.testing._context import Ctx
from tallyfy_async.testing._fields import Fields
from tallyfy_async.testing._http import Reply, data, empty, invalid_field, invalid_first, json_reply
from tallyfy_async.testing._pagination import paginate
from tallyfy_async.testing._router import RouteTable
from tallyfy_async.testing._state import Blueprint, Org, Run, Wire
from tallyfy_async.testing._state.org import tag_association
from tallyfy_async.testing._state.runs import refresh
from tallyfy_async.testing._validate import form_values, missing_required, owners_in
from tallyfy_async.testing.routes._common import (
    LISTING,
    csv,
    csv_ints,
    form_field_items,
    kickoff_items,
    run_dict,
    run_of,
    run_renderer,
    sort_by,
    task_dict,
)

routes = RouteTable()

_RUN_SORTS = ("created_at", "name", "last_updated", "started_at", "completed_at", "due_date")


def _people(fields: Fields, org: Org, values: Wire) -> None:
    """``users``/``groups`` of a run, when sent (they replace)."""
    if fields.has("users"):
        values["users"] = fields.known("users", org.members, integers=True)
    if fields.has("groups"):
        values["groups"] = fields.known("groups", org.groups.by_id)


def _common(fields: Fields, org: Org, values: Wire) -> None:
    """Fields POST and PUT runs share."""
    if fields.has("name"):
        values["name"] = fields.string("name", max_len=550)
    if fields.has("summary"):
        values["summary"] = fields.string("summary")
    if fields.has("owner_id"):
        owner = fields.integer("owner_id")
        if owner is not None and owner not in org.members:
            fields.fail("owner_id", "The selected owner id is invalid.")
        values["owner_id"] = owner
    for key in ("starred", "is_public"):
        if fields.has(key):
            values[key] = bool(fields.boolean(key))
    if fields.has("publicly_hidden_fields"):
        fields.array("publicly_hidden_fields")
    _people(fields, org, values)


def _overrides(fields: Fields, org: Org, blueprint: Blueprint | None) -> dict[str, Wire]:
    """The launch body's ``tasks``: per-step deadline, owners, position, max_assignable."""
    raw = fields.obj("tasks")
    if not raw or blueprint is None:
        return {}
    overrides: dict[str, Wire] = {}
    for step_id, item in raw.items():
        if blueprint.step(step_id) is None:
            continue  # unknown keys are dropped
        if not isinstance(item, dict):
            fields.fail(f"tasks.{step_id}", f"The tasks.{step_id} must be an object.")
            continue
        sub = fields.child(item, f"tasks.{step_id}")
        override: Wire = {}
        deadline = sub.date("deadline")
        if deadline is not None:
            override["deadline"] = deadline
        owners = owners_in(sub, "owners", org)
        if owners is not None:
            override["owners"] = owners
        position = sub.integer("position", minimum=1)
        if position is not None:
            override["position"] = position
        max_assignable = sub.integer("max_assignable", minimum=0)
        if max_assignable is not None:
            override["max_assignable"] = max_assignable
        overrides[step_id] = override
    return overrides


@routes.get(
    "/organizations/{org}/runs",
    "runs.list",
    query=(
        *LISTING,
        "status",
        "owners",
        "checklist_id",
        "blueprint_id",
        "archived",
        "starred",
        "tag",
        "tag_ids",
        "type",
        "sort_by",
    ),
)
def list_runs(ctx: Ctx) -> Reply:
    """Processes, oldest first by default (GUESS: stable while new ones are launched).

    Filters: status, checklist_id/blueprint_id, q, owners, starred, type, tag, archived.
    """
    org = ctx.the_org()
    query = ctx.query
    status = query.get("status")
    items = org.runs.scope("only" if status == "archived" else query.get("archived"))
    blueprint_id = query.get("checklist_id") or query.get("blueprint_id")
    q = query.get("q", "").lower()
    owners = csv_ints(query.get("owners"))
    starred = ctx.flag("starred")
    kind = query.get("type")
    tags = csv(query.get("tag")) | csv(query.get("tag_ids"))
    if status == "archived":
        status = None
    if status or blueprint_id or q or owners or starred is not None or kind or tags:

        def keep(run: Run) -> bool:
            wire = run.wire
            if status is not None and not _has_status(run, status):
                return False
            if blueprint_id and wire["checklist_id"] != blueprint_id:
                return False
            if q and q not in wire["name"].lower():
                return False
            if (
                owners
                and wire["owner_id"] not in owners
                and not owners & set(wire["collaborators"])
            ):
                return False
            if starred is not None and wire["starred"] != starred:
                return False
            if kind and wire["type"] != kind:
                return False
            return not tags or any(tag["tag_id"] in tags for tag in run.tags)

        items = [run for run in items if keep(run)]
    ordered = sort_by(ctx, items, _RUN_SORTS)
    return paginate(ctx, ordered, run_renderer(ctx.includes))


def _has_status(run: Run, status: str) -> bool:
    wire = run.wire
    if status in ("problem", "issue"):
        return bool(wire["has_open_issue"])
    if status == "starred":
        return bool(wire["starred"])
    if status == "delayed":
        return bool(wire["late_tasks"]) or bool(wire["due_date_passed"])
    if status == "improvement":
        return any(comment.wire["label"] == "improvement" for comment in run.threads)
    return bool(wire["status"] == status)


@routes.post("/organizations/{org}/runs", "runs.launch", status=201)
def launch_run(ctx: Ctx) -> Reply:
    """Launch a process (201); see ``_actions.runs.launch`` for what it creates."""
    org = ctx.the_org()
    fields = Fields(ctx.body)
    checklist_id = fields.string("checklist_id", required=True)
    blueprint = org.blueprints.get(checklist_id) if checklist_id else None
    if checklist_id is not None and (blueprint is None or blueprint.archived):
        fields.fail("checklist_id", "The selected checklist id is invalid.")
    values: Wire = {}
    _common(fields, org, values)
    for key in ("assign_someone_else",):
        if fields.has(key):
            values[key] = bool(fields.boolean(key))
    if fields.has("parent_id"):
        values["parent_id"] = fields.string("parent_id")
    overrides = _overrides(fields, org, blueprint)
    tag_ids: list[str] = fields.known("tags", org.tags.by_id)
    fields.obj("roles")
    fields.check()
    assert blueprint is not None
    prerun = form_values(
        blueprint.kickoff_fields(), fields.body.get("prerun"), key="prerun", org=org, require=True
    )
    for override in overrides.values():
        if "owners" in override:
            store_owners(ctx.fake.state, org, override["owners"], ctx.now)
    name = values.pop("name", None)
    run = launch(
        org,
        blueprint,
        ctx.the_user(),
        ctx.now,
        ctx.soon,
        name=name,
        prerun=prerun,
        overrides=overrides,
        fields=values,
    )
    for tag_id in tag_ids:
        tag = org.tags.get(tag_id)
        assert tag is not None
        run.tags.append(
            tag_association(ctx.fake.state.association_id(), tag, run.id, "Run", ctx.now)
        )
    ctx.fake.webhooks._on_launch(org, run)
    return data(run_dict(run, ctx.includes), 201)


@routes.get("/organizations/{org}/runs/{run_id}", "runs.get", query=("with",))
def get_run(ctx: Ctx) -> Reply:
    """One process, with ``with=`` includes."""
    return data(run_dict(run_of(ctx), ctx.includes))


@routes.put("/organizations/{org}/runs/{run_id}", "runs.update")
def update_run(ctx: Ctx) -> Reply:
    """Partial update; ``users``/``groups`` replace; ``prerun`` values merge in."""
    org = ctx.the_org()
    run = run_of(ctx)
    fields = Fields(ctx.body)
    values: Wire = {}
    _common(fields, org, values)
    fields.check()
    if "name" in values and values["name"] is None:
        values.pop("name")
    if fields.has("prerun") and run.blueprint is not None:
        prerun = form_values(
            run.blueprint.kickoff_fields(),
            fields.body["prerun"],
            key="prerun",
            org=org,
            require=False,
        )
        merged = merge_values(org, run, run.wire["prerun"], prerun)
        values["prerun"] = merged
        values["prerun_length"] = len(merged)
    run.update(values, ctx.now)
    return data(run_dict(run, ctx.includes))


@routes.delete("/organizations/{org}/runs/{run_id}", "runs.archive")
def archive(ctx: Ctx) -> Reply:
    """Archive (200 with the run, status ``archived``)."""
    run = run_of(ctx)
    archive_run(ctx.the_org(), run, ctx.now)
    return data(run_dict(run, ctx.includes))


@routes.put("/organizations/{org}/runs/{run_id}/activate", "runs.activate")
def activate(ctx: Ctx) -> Reply:
    """Restore an archived process."""
    run = run_of(ctx)
    if run.archived:
        activate_run(ctx.the_org(), run, ctx.now, ctx.soon)
    return data(run_dict(run, ctx.includes))


@routes.delete("/organizations/{org}/runs/{run_id}/delete", "runs.delete", empty=True)
def delete(ctx: Ctx) -> Reply:
    """Permanently delete an archived process: 200 with an empty body, 422 while live."""
    run = run_of(ctx)
    if not run.archived:
        raise invalid_field(
            "run_id", "Only an archived process can be deleted permanently.", specific=True
        )
    delete_run(ctx.the_org(), run)
    return empty(200)


@routes.post("/organizations/{org}/runs/{run_id}/complete-prerun", "runs.prerun.complete")
def complete_prerun(ctx: Ctx) -> Reply:
    """Complete the kick-off form (required kick-off fields must have values)."""
    run = run_of(ctx)
    if run.blueprint is not None:
        missing = missing_required(run.blueprint.wire["prerun"], run.wire["prerun"], "prerun")
        if missing:
            raise invalid_first(missing)
    run.update(
        {
            "prerun_status": "complete",
            "prerun_completed_at": ctx.now,
            "prerun_completed_by": ctx.the_user().id,
        },
        ctx.now,
    )
    return data(run.wire)


@routes.delete("/organizations/{org}/runs/{run_id}/complete-prerun", "runs.prerun.reopen")
def reopen_prerun(ctx: Ctx) -> Reply:
    """Re-open the kick-off form."""
    run = run_of(ctx)
    run.update(
        {"prerun_status": None, "prerun_completed_at": None, "prerun_completed_by": None}, ctx.now
    )
    refresh(run, ctx.now, ctx.soon)
    return data(run.wire)


@routes.post("/organizations/{org}/runs/{run_id}/export", "runs.export", write=False)
def export(ctx: Ctx) -> Reply:
    """The process, its template and its tasks as one raw JSON document."""
    run = run_of(ctx)
    every = frozenset(("form_fields", "threads", "summary"))
    document: dict[str, Any] = {
        "run": run.wire,
        "checklist": run.blueprint.wire if run.blueprint else None,
        "tasks": [task_dict(task, every) for task in run.tasks],
    }
    return json_reply(document)


@routes.get("/organizations/{org}/runs/{run_id}/form-fields", "runs.form_fields")
def form_fields(ctx: Ctx) -> Reply:
    """Every form field of a process and of its kick-off form, with values."""
    run = run_of(ctx)
    return data(
        {
            "id": run.id,
            "name": run.wire["name"],
            "form_fields": [item for task in run.tasks for item in form_field_items(task)],
            "ko_form_fields": kickoff_items(run),
        }
    )
