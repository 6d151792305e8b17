"""Every high- and medium-confidence route of the route table is sent by its SDK method.

``tests/data/endpoints.json`` is the project's copy of Tallyfy's route table (method, path,
area, confidence). Each of its high- and medium-confidence routes is in exactly one of two
places below:

- ``MAPPED``: the SDK call that sends the route. The test makes that call against FakeTallyfy
  and reads the fake's request log: the route must have been sent exactly once, with exactly
  that method and path (ids filled in), and answered 2xx (or the redirect of ``REDIRECTS``);
  anything else the call sent must be a read or a token request.
- ``NOT_YET``: routes that have no SDK method yet; the list empties as methods arrive.

A route of the table in neither place fails, and so does a key of either place that the
table does not list. Renaming an SDK method is a one-line change to ``MAPPED``.

The scene each call acts on (``Scene``) is set up with raw requests through the escape
hatch, so that only the call under test goes through a resource method.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import attrs
import pytest

from tallyfy_async import ApplicationUser, BrowserToken, TallyfyClient
from tallyfy_async.client import OrgClient
from tallyfy_async.models.blueprints import AutomationAction, AutomationCondition
from tallyfy_async.oauth import authorize_url, token_from_redirect
from tallyfy_async.testing import DemoOrg, FakeTallyfy

ROUTE_TABLE = Path(__file__).resolve().parents[1] / "data" / "endpoints.json"


@attrs.frozen(kw_only=True)
class Scene:
    """What the mapped calls act on: a scratch blueprint and process, and demo objects."""

    fake: FakeTallyfy
    demo: DemoOrg
    client: TallyfyClient
    #: A client that has not asked for a token yet.
    newcomer: TallyfyClient
    #: A client acting as the administrator through an application (ApplicationUser).
    application: TallyfyClient
    #: The application itself: a client-credentials token, for the /applications routes.
    app: TallyfyClient
    #: A member an administrator disabled, and one invited who has not joined yet.
    disabled_member: int
    invited_member: int
    blueprint: str
    archived_blueprint: str
    step: str
    other_step: str
    field: str
    other_field: str
    kickoff_field: str
    automation: str
    process: str
    archived_process: str
    task: str
    completed_task: str
    comment: str
    #: An open issue, on ``problem_task``.
    problem: str
    problem_task: str
    field_value: int
    oneoff: str
    completed_oneoff: str
    archived_oneoff: str
    #: A tag attached to ``blueprint`` (``association``), a folder holding ``oneoff``
    #: (``folder_object``), a file on ``oneoff``.
    tag: str
    association: int
    folder: str
    folder_object: int
    asset: str

    @property
    def org(self) -> OrgClient:
        return self.client.org(self.demo.org_id)


Call = Callable[[Scene], Awaitable[object]]

SOON = datetime(2030, 1, 15, 9, 0, tzinfo=UTC)


def hide_last_step(s: Scene) -> dict[str, Any]:
    """Automation arguments: hide the last step when the kick-off note says "x"."""
    condition = AutomationCondition(
        conditionable_id=s.kickoff_field,
        conditionable_type="Prerun",
        operation="equals",
        statement="x",
    )
    action = AutomationAction(
        action_type="visibility", action_verb="hide", target_step_id=s.other_step
    )
    return {"conditions": [condition], "then_actions": [action]}


# fmt: off
MAPPED: dict[str, Call] = {
    # OAuth and the application flow
    "POST https://go.tallyfy.com/oauth/token": lambda s: s.newcomer.tokens.token(s.demo.org_id),
    "POST /applications/{org}/users/{email}/token":
        lambda s: s.application.tokens.token(s.demo.org_id),
    # blueprints (the API's checklists)
    "GET /organizations/{org}/checklists": lambda s: s.org.blueprints.list(),
    "POST /organizations/{org}/checklists":
        lambda s: s.org.blueprints.create(title="New", type="procedure"),
    "GET /organizations/{org}/checklists/{checklist_id}":
        lambda s: s.org.blueprints.get(s.blueprint),
    "PUT /organizations/{org}/checklists/{checklist_id}":
        lambda s: s.org.blueprints.update(s.blueprint, title="Renamed"),
    "DELETE /organizations/{org}/checklists/{checklist_id}":
        lambda s: s.org.blueprints.archive(s.blueprint),
    "DELETE /organizations/{org}/checklists/{checklist_id}/delete":
        lambda s: s.org.blueprints.delete(s.archived_blueprint),
    "PUT /organizations/{org}/checklists/{checklist_id}/restore":
        lambda s: s.org.blueprints.restore(s.archived_blueprint),
    "POST /organizations/{org}/checklists/{checklist_id}/clone":
        lambda s: s.org.blueprints.clone(s.blueprint),
    "PUT /organizations/{org}/checklists/{checklist_id}/publish":
        lambda s: s.org.blueprints.publish(s.blueprint),
    "GET /organizations/{org}/checklists/{checklist_id}/form-fields":
        lambda s: s.org.blueprints.form_fields(s.blueprint),
    # steps
    "GET /organizations/{org}/checklists/{checklist_id}/steps":
        lambda s: s.org.steps.list(s.blueprint),
    "POST /organizations/{org}/checklists/{checklist_id}/steps":
        lambda s: s.org.steps.create(s.blueprint, title="Added"),
    "GET /organizations/{org}/checklists/{checklist_id}/steps/{step_id}":
        lambda s: s.org.steps.get(s.blueprint, s.step),
    "PUT /organizations/{org}/checklists/{checklist_id}/steps/{step_id}":
        lambda s: s.org.steps.update(s.blueprint, s.step, title="Renamed"),
    "DELETE /organizations/{org}/checklists/{checklist_id}/steps/{step_id}":
        lambda s: s.org.steps.delete(s.blueprint, s.step),
    "POST /organizations/{org}/checklists/{checklist_id}/steps/{step_id}/clone":
        lambda s: s.org.steps.clone(s.blueprint, s.step),
    "PUT /organizations/{org}/checklists/{checklist_id}/steps/{step_id}/reorder":
        lambda s: s.org.steps.reorder(s.blueprint, s.step, position=2),
    # form fields (captures) and kick-off fields
    "POST /organizations/{org}/checklists/{checklist_id}/steps/{step_id}/captures":
        lambda s: s.org.form_fields.create(
            s.blueprint, s.step, field_type="text", label="Added", required=False
        ),
    "PUT /organizations/{org}/checklists/{checklist_id}/steps/{step_id}/captures":
        lambda s: s.org.form_fields.reorder(s.blueprint, s.step, s.other_field, position=1),
    "PUT /organizations/{org}/checklists/{checklist_id}/steps/{step_id}/captures/{capture_id}":
        lambda s: s.org.form_fields.update(
            s.blueprint, s.step, s.field, field_type="text", label="Renamed", required=False
        ),
    "DELETE /organizations/{org}/checklists/{checklist_id}/steps/{step_id}/captures/{capture_id}":
        lambda s: s.org.form_fields.delete(s.blueprint, s.step, s.field),
    "PUT /organizations/{org}/checklists/{checklist_id}/steps/{step_id}/captures/{capture_id}/move-out":  # noqa: E501
        lambda s: s.org.form_fields.move(s.blueprint, s.step, s.field, target_step_id=s.other_step),
    "DELETE /organizations/{org}/checklists/{checklist_id}/preruns/{prerun_id}":
        lambda s: s.org.form_fields.delete_kickoff_field(s.blueprint, s.kickoff_field),
    "PUT /organizations/{org}/form-field/value":
        lambda s: s.org.form_fields.set_value(s.field_value, form_value="changed"),
    # automations
    "POST /organizations/{org}/checklists/{checklist_id}/automated-actions":
        lambda s: s.org.blueprints.automations.create(s.blueprint, **hide_last_step(s)),
    "PUT /organizations/{org}/checklists/{checklist_id}/automated-actions/{automation_id}":
        lambda s: s.org.blueprints.automations.update(
            s.blueprint, s.automation, **hide_last_step(s)
        ),
    "DELETE /organizations/{org}/checklists/{checklist_id}/automated-actions/{automation_id}":
        lambda s: s.org.blueprints.automations.delete(s.blueprint, s.automation),
    # processes (the API's runs)
    "GET /organizations/{org}/runs": lambda s: s.org.processes.list(),
    "POST /organizations/{org}/runs": lambda s: s.org.processes.launch(s.blueprint, name="New"),
    "GET /organizations/{org}/runs/{run_id}": lambda s: s.org.processes.get(s.process),
    "PUT /organizations/{org}/runs/{run_id}":
        lambda s: s.org.processes.update(s.process, name="Renamed"),
    "DELETE /organizations/{org}/runs/{run_id}": lambda s: s.org.processes.archive(s.process),
    "DELETE /organizations/{org}/runs/{run_id}/delete":
        lambda s: s.org.processes.delete(s.archived_process),
    "PUT /organizations/{org}/runs/{run_id}/activate":
        lambda s: s.org.processes.activate(s.archived_process),
    "POST /organizations/{org}/runs/{run_id}/complete-prerun":
        lambda s: s.org.processes.complete_kickoff(s.process),
    "DELETE /organizations/{org}/runs/{run_id}/complete-prerun":
        lambda s: s.org.processes.reopen_kickoff(s.process),
    "POST /organizations/{org}/runs/{run_id}/export": lambda s: s.org.processes.export(s.process),
    "GET /organizations/{org}/runs/{run_id}/form-fields":
        lambda s: s.org.processes.form_fields(s.process),
    # tasks of processes
    "GET /organizations/{org}/runs/{run_id}/tasks": lambda s: s.org.processes.tasks.list(s.process),
    "GET /organizations/{org}/runs/{run_id}/tasks/{task_id}":
        lambda s: s.org.processes.tasks.get(s.process, s.task),
    "PUT /organizations/{org}/runs/{run_id}/tasks/{task_id}":
        lambda s: s.org.processes.tasks.update(s.process, s.task, title="Renamed"),
    "POST /organizations/{org}/runs/{run_id}/completed-tasks":
        lambda s: s.org.processes.tasks.complete(s.process, s.task),
    "DELETE /organizations/{org}/runs/{run_id}/completed-tasks/{task_id}":
        lambda s: s.org.processes.tasks.reopen(s.process, s.completed_task),
    # tasks of the organization, one-off tasks
    "GET /organizations/{org}/tasks": lambda s: s.org.tasks.list(),
    "GET /organizations/{org}/me/tasks": lambda s: s.org.tasks.mine(),
    "GET /organizations/{org}/users/{user_id}/tasks":
        lambda s: s.org.tasks.for_user(s.demo.member_id),
    "GET /organizations/{org}/guests/{guest_id}/tasks":
        lambda s: s.org.tasks.for_guest(s.demo.guest_id),
    "POST /organizations/{org}/tasks":
        lambda s: s.org.tasks.create(
            title="Call Jane", task_type="task", owners={"users": [s.demo.admin_id]}, deadline=SOON
        ),
    "GET /organizations/{org}/tasks/{task_id}": lambda s: s.org.tasks.get(s.oneoff),
    "PUT /organizations/{org}/tasks/{task_id}":
        lambda s: s.org.tasks.update(s.oneoff, title="Renamed"),
    "DELETE /organizations/{org}/tasks/{task_id}": lambda s: s.org.tasks.archive(s.oneoff),
    "DELETE /organizations/{org}/tasks/{task_id}/delete": lambda s: s.org.tasks.delete(s.oneoff),
    "PUT /organizations/{org}/tasks/{task_id}/restore":
        lambda s: s.org.tasks.restore(s.archived_oneoff),
    "POST /organizations/{org}/completed-tasks": lambda s: s.org.tasks.complete(s.oneoff),
    "DELETE /organizations/{org}/completed-tasks/{task_id}":
        lambda s: s.org.tasks.reopen(s.completed_oneoff),
    # comments and issues
    "POST /organizations/{org}/tasks/{task_id}/comment":
        lambda s: s.org.tasks.comments.add(s.task, content="Looks good"),
    "PUT /organizations/{org}/tasks/{task_id}/comment/{comment_id}":
        lambda s: s.org.tasks.comments.update(s.task, s.comment, content="Edited"),
    "DELETE /organizations/{org}/tasks/{task_id}/comment/{comment_id}":
        lambda s: s.org.tasks.comments.delete(s.task, s.comment),
    "POST /organizations/{org}/tasks/{task_id}/problem":
        lambda s: s.org.tasks.comments.report_problem(s.task, content="Blocked"),
    "POST /organizations/{org}/tasks/{task_id}/resolved-threads":
        lambda s: s.org.tasks.comments.resolve(s.problem_task, s.problem, content="Fixed"),
    # the caller and their organizations
    "GET /me": lambda s: s.client.me(),
    "GET /me/organizations": lambda s: s.client.organizations(),
    "GET /organizations/{org}": lambda s: s.org.get(),
    "GET /organizations/{org}/me": lambda s: s.org.me(),
    "PUT /organizations/{org}/me":
        lambda s: s.org.me.update(first_name="Alice", last_name="Admin", timezone="UTC"),
    "GET /organizations/{org}/activity-feeds": lambda s: s.org.activity.list(),
    "GET https://api.tallyfy.com/docs/index": lambda s: s.client.api_description(),
    # the browser sign-in and application provisioning
    "GET https://account.tallyfy.com/oauth/authorize": lambda s: sign_in(s),
    "POST /applications/{org}/users":
        lambda s: s.app.org(s.demo.org_id).applications.provision(
            email="bot@acme.test", first_name="Sync", last_name="Bot"
        ),
    # members (the API's users)
    "GET /organizations/{org}/users": lambda s: s.org.members.list(),
    "GET /organizations/{org}/users-list": lambda s: s.org.members.list_minimal(),
    "GET /organizations/{org}/users/{user_id}": lambda s: s.org.members.get(s.demo.member_id),
    "POST /organizations/{org}/users/invite":
        lambda s: s.org.members.invite(
            email="nia@acme.test", first_name="Nia", last_name="West", role="standard"
        ),
    "PUT /organizations/{org}/users/{user_id}":
        lambda s: s.org.members.update(
            s.demo.member_id, first_name="Sam", last_name="Stone", timezone="UTC"
        ),
    "DELETE /organizations/{org}/users/{user_id}":
        lambda s: s.org.members.remove(s.demo.member_id, reassign_to=s.demo.admin_id),
    "PUT /organizations/{org}/users/{user_id}/role":
        lambda s: s.org.members.set_role(s.demo.light_member_id, role="standard"),
    "DELETE /organizations/{org}/users/{user_id}/disable":
        lambda s: s.org.members.disable(s.demo.member_id),
    "PUT /organizations/{org}/users/{user_id}/enable":
        lambda s: s.org.members.enable(s.disabled_member),
    "PUT /organizations/{org}/users/{user_id}/approve":
        lambda s: s.org.members.approve(s.invited_member),
    "DELETE /organizations/{org}/users/{user_id}/delete":
        lambda s: s.org.members.delete(s.disabled_member),
    # guests, addressed by email
    "GET /organizations/{org}/guests": lambda s: s.org.guests.list(),
    "GET /organizations/{org}/guests-list": lambda s: s.org.guests.list_minimal(),
    "POST /organizations/{org}/guests":
        lambda s: s.org.guests.create(email="pat@partner.example", phone_1="555"),
    "GET /organizations/{org}/guests/{email}": lambda s: s.org.guests.get(s.demo.guest_email),
    "PUT /organizations/{org}/guests/{email}":
        lambda s: s.org.guests.update(s.demo.guest_email, associated_members=[s.demo.member_id]),
    "DELETE /organizations/{org}/guests/{email}":
        lambda s: s.org.guests.delete(s.demo.guest_email),
    "DELETE /organizations/{org}/guests/{email}/disable":
        lambda s: s.org.guests.disable(s.demo.guest_email),
    "PUT /organizations/{org}/guests/{email}/enable":
        lambda s: s.org.guests.enable(s.demo.guest_email),
    # groups
    "GET /organizations/{org}/groups": lambda s: s.org.groups.list(),
    "GET /organizations/{org}/groups/{group_id}": lambda s: s.org.groups.get(s.demo.group_id),
    "POST /organizations/{org}/groups": lambda s: s.org.groups.create(name="Night shift"),
    "PUT /organizations/{org}/groups/{group_id}":
        lambda s: s.org.groups.update(
            s.demo.group_id, name="Money", members=[s.demo.admin_id], guests=[]
        ),
    "DELETE /organizations/{org}/groups/{group_id}": lambda s: s.org.groups.delete(s.demo.group_id),
    # tags
    "GET /organizations/{org}/tags": lambda s: s.org.tags.list(),
    "GET /organizations/{org}/tags/{tag_id}": lambda s: s.org.tags.get(s.tag),
    "POST /organizations/{org}/tags": lambda s: s.org.tags.create(title="New", color="#112233"),
    "PUT /organizations/{org}/tags/{tag_id}": lambda s: s.org.tags.update(s.tag, title="Renamed"),
    "DELETE /organizations/{org}/tags/{tag_id}": lambda s: s.org.tags.delete(s.tag),
    "POST /organizations/{org}/checklists/tags":
        lambda s: s.org.tags.attach(s.tag, process_id=s.process),
    "DELETE /organizations/{org}/checklists/tags/{association_id}":
        lambda s: s.org.tags.detach(s.association),
    # folders
    "GET /organizations/{org}/folders": lambda s: s.org.folders.list(),
    "GET /organizations/{org}/folders/{folder_id}": lambda s: s.org.folders.get(s.folder),
    "POST /organizations/{org}/folders": lambda s: s.org.folders.create(name="New"),
    "PUT /organizations/{org}/folders/{folder_id}":
        lambda s: s.org.folders.update(s.folder, name="Renamed"),
    "DELETE /organizations/{org}/folders/{folder_id}": lambda s: s.org.folders.delete(s.folder),
    "POST /organizations/{org}/folders/add-object":
        lambda s: s.org.folders.add_object(s.folder, process_id=s.process),
    "DELETE /organizations/{org}/folders-objects/{folder_object_id}":
        lambda s: s.org.folders.remove_object(s.folder_object),
    # files
    "POST /organizations/{org}/assets": lambda s: s.org.files.upload(**upload(s)),
    "POST /organizations/{org}/file": lambda s: s.org.files.upload(**upload(s), route="file"),
    "GET /organizations/{org}/assets/{asset_id}": lambda s: s.org.files.get(s.asset),
    "DELETE /organizations/{org}/assets/{asset_id}": lambda s: s.org.files.archive(s.asset),
    "GET /organizations/{org}/file/{file_id}": lambda s: read_file(s, inline=True),
    "GET /organizations/{org}/file/{file_id}/dl": lambda s: read_file(s, inline=False),
    "DELETE /organizations/{org}/file/{asset_id}": lambda s: s.org.files.delete(s.asset),
    # search
    "GET /organizations/{org}/search": lambda s: s.org.search("Scratch", types=["blueprint"]),
    # custom fields: the keys (values below, one class for every kind of record)
    "GET /organizations/{org}/custom-field-keys": lambda s: s.org.custom_fields.list(),
    "POST /organizations/{org}/custom-field-keys":
        lambda s: s.org.custom_fields.create(key="cost", applies_to="tag", field_type="number"),
}
# fmt: on

#: Where each kind of record keeps its custom-field values, the values resource serving it,
#: the ids a call names one by, and whether it takes one-value writes.
CUSTOM_FIELDS: dict[str, tuple[str, Callable[[Scene], tuple[Any, ...]], bool]] = {
    "/runs/{run_id}": ("processes", lambda s: (s.process,), True),
    "/runs/{run_id}/tasks/{task_id}": ("tasks", lambda s: (s.process, s.task), True),
    "/users/{user_id}": ("members", lambda s: (s.demo.member_id,), True),
    "/guests/{guest_code}": ("guests", lambda s: (s.demo.guest_id,), True),
    "/folders/{folder_id}": ("folders", lambda s: (s.folder,), True),
    "/tags/{tag_id}": ("tags", lambda s: (s.tag,), True),
    "/checklists/{checklist_id}": ("blueprints", lambda s: (s.blueprint,), False),
    "/checklists/{checklist_id}/steps/{step_id}": (
        "steps", lambda s: (s.blueprint, s.step), False
    ),
    "/checklists/{checklist_id}/steps/{step_id}/captures/{capture_id}": (
        "form_fields", lambda s: (s.blueprint, s.step, s.field), False
    ),
    "/checklists/{checklist_id}/preruns/{prerun_id}": (
        "kickoff_fields", lambda s: (s.blueprint, s.kickoff_field), False
    ),
}  # fmt: skip


def _custom_field_calls() -> dict[str, Call]:
    calls: dict[str, Call] = {}
    for path, (kind, ids, one_value) in CUSTOM_FIELDS.items():
        where = f"/organizations/{{org}}{path}/custom-fields"

        def values(s: Scene, kind: str = kind) -> Any:
            return getattr(s.org.custom_fields, kind)

        calls[f"GET {where}"] = lambda s, v=values, i=ids: v(s).get(*i(s))
        calls[f"PUT {where}"] = lambda s, v=values, i=ids: v(s).replace(
            *i(s), values={"note": "all of them"}
        )
        if one_value:  # the kinds on the blueprint side are saved whole
            calls[f"PATCH {where}/{{key}}"] = lambda s, v=values, i=ids: v(s).set(
                *i(s), key="note", value="one"
            )
            calls[f"DELETE {where}/{{key}}"] = lambda s, v=values, i=ids: v(s).remove(
                *i(s), key="note"
            )
    return calls


MAPPED.update(_custom_field_calls())


def upload(s: Scene) -> dict[str, Any]:
    """An upload to the one-off task ``oneoff``."""
    return {"content": b"%PDF-1.4", "filename": "a.pdf", "subject_type": "Task",
            "subject_id": s.oneoff, "uploaded_from": "f"}  # fmt: skip


async def read_file(s: Scene, *, inline: bool) -> bytes:
    async with s.org.files.open(s.asset, inline=inline) as file:
        return await file.read()


#: Routes of the table that no SDK method sends yet.
NOT_YET: list[str] = []


def table_routes() -> list[str]:
    """``"METHOD path"`` of every high- and medium-confidence route of the table."""
    routes = json.loads(ROUTE_TABLE.read_text(encoding="utf-8"))
    return [
        f"{route['method']} {route['path']}"
        for route in routes
        if route["confidence"] in ("high", "medium")
    ]


def path_pattern(key: str) -> tuple[str, re.Pattern[str]]:
    """The method of a route key, and a pattern its path matches with any ids filled in."""
    method, template = key.split(" ", 1)
    path = urlsplit(template).path  # the token endpoint is written as a full URL
    parts = re.split(r"\{[^}]+\}", path)
    return method, re.compile("[^/]+".join(re.escape(part) for part in parts) + "$")


#: Routes whose success is a redirect: the browser sign-in page sends the browser back.
REDIRECTS = {"GET https://account.tallyfy.com/oauth/authorize": 302}
SIGN_IN_REDIRECT = "https://app.example.com/tallyfy/callback"


async def sign_in(s: Scene) -> BrowserToken:
    """The browser sign-in: the SDK builds the URL, a browser follows it, the SDK reads the
    token from where the fake redirects it."""
    client_id, _ = s.fake.add_client(redirect_uris=[SIGN_IN_REDIRECT])
    s.fake.sign_in_browser(s.demo.member_id)
    request = authorize_url(client_id, SIGN_IN_REDIRECT, endpoint=s.fake.authorize_url)
    async with (
        aiohttp.ClientSession() as browser,
        browser.get(request.url, allow_redirects=False) as page,
    ):
        landed = page.headers["Location"]
    return token_from_redirect(landed, expected_state=request.state, redirect_uri=SIGN_IN_REDIRECT)


# -- the scene ---------------------------------------------------------------------------------


async def build_scene(fake: FakeTallyfy, demo: DemoOrg, stack: list[TallyfyClient]) -> Scene:
    """Prepare every object a mapped call acts on, with raw requests only."""

    def connect(credentials: Any) -> TallyfyClient:
        client = TallyfyClient(credentials, base_url=fake.base_url, token_url=fake.token_url)
        stack.append(client)
        return client

    client = connect(demo.credentials)
    org = client.org(demo.org_id)
    root = f"/organizations/{demo.org_id}"

    async def send(method: str, path: str, body: Any = None, **params: str) -> Any:
        return (await org.request(method, root + path, params=params, json=body)).data

    blueprint = fake.add_blueprint(
        demo.org_id,
        title="Scratch",
        steps=[
            {
                "title": "Fill in",
                "captures": [
                    {"label": "First", "field_type": "text", "required": False},
                    {"label": "Second", "field_type": "text", "required": False},
                ],
            },
            "Check",
            "Sign off",
        ],
        kickoff=[{"label": "Note", "field_type": "text", "required": False}],
    )
    archived_blueprint = fake.add_blueprint(demo.org_id, title="Old")
    await send("DELETE", f"/checklists/{archived_blueprint}")
    read = await send("GET", f"/checklists/{blueprint}", **{"with": "steps"})
    steps = read["steps"]["data"]
    kickoff_field = read["prerun"][0]["id"]
    fields = [capture["id"] for capture in steps[0]["captures"]]
    automation = await send(
        "POST",
        f"/checklists/{blueprint}/automated-actions",
        {
            "conditions": [
                {
                    "conditionable_id": kickoff_field,
                    "conditionable_type": "Prerun",
                    "operation": "equals",
                    "statement": "x",
                }
            ],
            "then_actions": [
                {
                    "action_type": "visibility",
                    "action_verb": "hide",
                    "target_step_id": steps[2]["id"],
                }
            ],
        },
    )
    process = fake.launch(demo.org_id, blueprint, kickoff={kickoff_field: "hello"})
    archived_process = fake.launch(demo.org_id, blueprint)
    await send("DELETE", f"/runs/{archived_process}")
    tasks = await send("GET", f"/runs/{process}/tasks")
    task, completed_task, problem_task = (t["id"] for t in tasks)
    await send("POST", f"/runs/{process}/completed-tasks", {"task_id": completed_task})
    comment = await send("POST", f"/tasks/{task}/comment", {"content": "First look"})
    problem = await send("POST", f"/tasks/{problem_task}/problem", {"content": "Stuck"})
    values = await send("GET", f"/runs/{process}/form-fields")
    oneoffs = demo.oneoff_task_ids  # the first is completed, the next ones open
    await send("DELETE", f"/tasks/{oneoffs[2]}")
    disabled_member = fake.add_member(demo.org_id, email="gone@acme.test")
    await send("DELETE", f"/users/{disabled_member}/disable")
    invitation = {"first_name": "Ivy", "last_name": "New", "role": "light", "message": "Hi"}
    invited = await send("POST", "/users/invite", {**invitation, "email": "ivy@acme.test"})
    tag = await send("POST", "/tags", {"title": "Scratch"})
    association = await send(
        "POST",
        "/checklists/tags",
        {"subject_id": blueprint, "subject_type": "Checklist", "tag_id": tag["id"]},
    )
    folder = await send("POST", "/folders", {"name": "Scratch", "folder_type": "run"})
    folder_object = await send(
        "POST",
        "/folders/add-object",
        {"folder_id": folder["id"], "subject_id": oneoffs[1], "subject_type": "Task"},
    )
    asset = fake.add_file(demo.org_id, b"%PDF-1.4", subject_type="Task", subject_id=oneoffs[1])
    kinds = ("process", "task", "member", "guest", "folder", "tag", "template", "step",
             "capture", "prerun")  # fmt: skip
    for kind in kinds:
        fake.add_custom_field_key(demo.org_id, "note", applies_to=kind, field_type="text")
    fake.reset_log()
    return Scene(
        fake=fake,
        demo=demo,
        client=client,
        newcomer=connect(demo.credentials),
        application=connect(
            ApplicationUser(
                client_id=demo.client_id,
                client_secret=demo.client_secret,
                email=demo.admin_email,
            )
        ),
        app=connect(demo.app_credentials),
        disabled_member=disabled_member,
        invited_member=invited["id"],
        blueprint=blueprint,
        archived_blueprint=archived_blueprint,
        step=steps[0]["id"],
        other_step=steps[2]["id"],
        field=fields[0],
        other_field=fields[1],
        kickoff_field=kickoff_field,
        automation=automation["id"],
        process=process,
        archived_process=archived_process,
        task=task,
        completed_task=completed_task,
        comment=comment["id"],
        problem=problem["id"],
        problem_task=problem_task,
        field_value=values["ko_form_fields"][0]["value_id"],
        oneoff=oneoffs[1],
        completed_oneoff=oneoffs[0],
        archived_oneoff=oneoffs[2],
        tag=tag["id"],
        association=association["id"],
        folder=folder["id"],
        folder_object=folder_object["id"],
        asset=asset,
    )


@pytest.fixture
async def scene(fake: FakeTallyfy) -> AsyncIterator[Scene]:
    demo = fake.seed_demo(processes=2, tasks_per_process=2, oneoff_tasks=4)
    clients: list[TallyfyClient] = []
    try:
        yield await build_scene(fake, demo, clients)
    finally:
        for client in clients:
            await client.close()


# -- the tests ---------------------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(MAPPED))
async def test_a_mapped_route_is_sent_by_its_method(scene: Scene, key: str) -> None:
    await MAPPED[key](scene)
    method, pattern = path_pattern(key)
    sent = [(r.method, r.path.removeprefix("/api"), r.status, r.route) for r in scene.fake.log]
    mine = [r for r in sent if r[0] == method and pattern.match(r[1])]
    assert len(mine) == 1, f"{key}: expected one such request, the fake saw {sent}"
    status = mine[0][2] or 0
    assert status == REDIRECTS.get(key) or 200 <= status < 300, f"{key}: answered {status}"
    others = [r for r in sent if r is not mine[0]]
    assert all(r[0] == "GET" or r[3] == "oauth.token" for r in others), (
        f"{key}: the call also sent {others}"
    )


def test_every_route_of_the_table_is_mapped_or_listed_as_not_yet() -> None:
    table = table_routes()
    assert len(table) == len(set(table)) > 100  # the table was read, and has no repeats
    mapped, not_yet = set(MAPPED), set(NOT_YET)
    assert len(NOT_YET) == len(not_yet), "NOT_YET lists a route twice"
    assert mapped.isdisjoint(not_yet), f"both mapped and not yet: {sorted(mapped & not_yet)}"
    unplaced = sorted(set(table) - mapped - not_yet)
    assert unplaced == [], "routes with no SDK method and not in NOT_YET:\n" + "\n".join(unplaced)
    unknown = sorted((mapped | not_yet) - set(table))
    assert unknown == [], "keys the route table does not list:\n" + "\n".join(unknown)


def test_the_route_table_is_the_projects_own_copy() -> None:
    # The suite runs on a fresh clone with nothing beside it.
    assert ROUTE_TABLE.is_file()
    assert Path(__file__).resolve().parents[2] in ROUTE_TABLE.parents
