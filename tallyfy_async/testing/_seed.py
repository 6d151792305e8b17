"""``seed_demo``: a realistic organization, fast enough for 100,000 tasks.

Everything goes through the same actions the routes use (``create_blueprint``, ``launch``,
comments), minus the HTTP checks: kick-off values are checked once per blueprint and the
checked values shared by every process (stored values are never mutated in place).
"""

from __future__ import annotations

import gc
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import attrs

from tallyfy_async.auth.credentials import ClientCredentials, PasswordGrant
from tallyfy_async.testing._actions import comments
from tallyfy_async.testing._actions.blueprints import create_blueprint
from tallyfy_async.testing._actions.runs import archive_run, launch
from tallyfy_async.testing._dates import DUE_SOON, fmt, now
from tallyfy_async.testing._fields import HEX_ID
from tallyfy_async.testing._state import Org, Record, State, User, Wire, new_id
from tallyfy_async.testing._state.org import folder_wire, group_wire, tag_association, tag_wire
from tallyfy_async.testing._state.runs import refresh
from tallyfy_async.testing._validate import capture_definition, form_values

if TYPE_CHECKING:
    from tallyfy_async.testing._builders import DataHelpers


@attrs.frozen(kw_only=True)
class DemoOrg:
    """What ``seed_demo`` created: ids to use in tests and credentials to log in with."""

    org_id: str
    #: Password grant for the administrator (numeric client id, secret, email, password).
    credentials: PasswordGrant
    #: Client credentials of the same client (linked to the organization: it may mint
    #: user tokens through ``/applications/{org}/users/{email}/token``).
    app_credentials: ClientCredentials
    admin_id: int
    admin_email: str
    admin_password: str = attrs.field(repr=False)
    client_id: str
    client_secret: str = attrs.field(repr=False)
    #: A standard member and a light member.
    member_id: int
    light_member_id: int
    member_ids: tuple[int, ...]
    guest_email: str
    guest_id: int
    group_id: str
    tag_ids: tuple[str, ...]
    folder_ids: tuple[str, ...]
    blueprint_ids: tuple[str, ...]
    #: The blueprint whose kick-off form has one required field of every type.
    kickoff_blueprint_id: str
    #: Its kick-off field ids by field type (``"text"``, ``"dropdown"``, ...).
    kickoff_field_ids: dict[str, str]
    #: A valid ``prerun`` for that blueprint, keyed by field id.
    kickoff_example: dict[str, Any]
    process_ids: tuple[str, ...]
    #: Processes by status ("active", "complete", "problem", "archived").
    processes_by_status: dict[str, tuple[str, ...]]
    oneoff_task_ids: tuple[str, ...]


_STEP_TITLES = (
    "Collect documents",
    "Review contract",
    "Approve budget",
    "Set up accounts",
    "Schedule kickoff call",
    "Send welcome pack",
    "Verify identity",
    "Assign account manager",
    "Configure billing",
    "Final sign-off",
)

_EVERY_FIELD = (
    {"label": "Client name", "field_type": "text", "required": True},
    {"label": "Background", "field_type": "textarea", "required": True},
    {"label": "Contact email", "field_type": "email", "required": True},
    {"label": "Start date", "field_type": "date", "required": True},
    {
        "label": "Company size",
        "field_type": "radio",
        "required": True,
        "options": [
            {"id": 1, "text": "Small"},
            {"id": 2, "text": "Medium"},
            {"id": 3, "text": "Large"},
        ],
    },
    {
        "label": "Region",
        "field_type": "dropdown",
        "required": True,
        "options": [
            {"id": 1, "text": "EMEA"},
            {"id": 2, "text": "Americas"},
            {"id": 3, "text": "APAC"},
        ],
    },
    {
        "label": "Channels",
        "field_type": "multiselect",
        "required": True,
        "options": [
            {"id": 1, "text": "Slack"},
            {"id": 2, "text": "Email"},
            {"id": 3, "text": "Phone"},
        ],
    },
    {
        "label": "Line items",
        "field_type": "table",
        "required": True,
        "columns": [{"id": 1, "label": "Item"}, {"id": 2, "label": "Quantity"}],
    },
    {"label": "Account team", "field_type": "assignees_form", "required": True},
    {"label": "Signed contract", "field_type": "file", "required": True},
)


def _definitions(items: tuple[dict[str, Any], ...]) -> list[Wire]:
    errors: dict[str, list[str]] = {}
    checked = [capture_definition(item, "", errors) for item in items]
    assert not errors, errors
    return [item for item in checked if item is not None]


def _steps(count: int, admin: int, member: int, group: str) -> list[Wire]:
    steps: list[Wire] = []
    for index in range(count):
        step: Wire = {
            "title": _STEP_TITLES[index % len(_STEP_TITLES)]
            + ("" if index < len(_STEP_TITLES) else f" ({index + 1})"),
            "summary": f"<p>Instructions for step {index + 1}.</p>",
            "deadline": {"value": index + 1, "unit": "days", "option": "from", "step": "start_run"},
            "assignees": [admin] if index % 2 == 0 else [member],
            "groups": [group] if index % 3 == 2 else [],
            "step_type": "approval" if index % 4 == 3 else "task",
        }
        if index == 0:
            step["captures"] = _definitions(
                (
                    {"label": "Reference number", "field_type": "text", "required": True},
                    {
                        "label": "Priority",
                        "field_type": "dropdown",
                        "required": False,
                        "options": [{"id": 1, "text": "Low"}, {"id": 2, "text": "High"}],
                    },
                )
            )
        steps.append(step)
    return steps


def seed_demo(
    fake: DataHelpers,
    *,
    processes: int = 20,
    tasks_per_process: int = 5,
    org_name: str = "Acme Demo",
    admin_email: str = "admin@acme.test",
    admin_password: str = "demo-password",
    client_id: str | None = None,
    client_secret: str | None = None,
    oneoff_tasks: int = 10,
    org_id: str | None = None,
) -> DemoOrg:
    """Populate ``fake`` with one demo organization and return its handles.

    Members (admin, standard, light and a few more), guests, groups, tags, folders, three
    blueprints with ``tasks_per_process`` steps each (one with a required kick-off field of
    every type, one with a few, one with none), ``processes`` processes in every status
    (active with some tasks done, complete, problem, archived, overdue) and one-off tasks.
    Synchronous; works before or after the server starts.
    """
    if org_id is not None:
        if not HEX_ID.fullmatch(org_id):
            raise ValueError(f"org_id must be 32 lowercase hexadecimal characters, got {org_id!r}")
        if org_id in fake.state.orgs:
            raise ValueError(f"organization {org_id} exists already")
    # Millions of new objects would trigger the cyclic collector again and again for nothing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _seed(
            fake,
            processes=processes,
            tasks_per_process=tasks_per_process,
            org_name=org_name,
            admin_email=admin_email,
            admin_password=admin_password,
            client_id=client_id,
            client_secret=client_secret,
            oneoff_tasks=oneoff_tasks,
            org_id=org_id,
        )
    finally:
        if collecting:
            gc.enable()


def _seed(
    fake: DataHelpers,
    *,
    processes: int,
    tasks_per_process: int,
    org_name: str,
    admin_email: str,
    admin_password: str,
    client_id: str | None,
    client_secret: str | None,
    oneoff_tasks: int,
    org_id: str | None,
) -> DemoOrg:
    state = fake.state
    moment = now()
    stamp = fmt(moment)
    org = state.add_org(org_name, stamp, org_id)
    admin = state.add_user(admin_email, admin_password, "Alice", "Admin", stamp)
    state.add_member(org, admin, "admin")
    member = state.add_user("sam@acme.test", "demo-password", "Sam", "Standard", stamp)
    state.add_member(org, member, "standard")
    light = state.add_user("lee@acme.test", "demo-password", "Lee", "Light", stamp)
    state.add_member(org, light, "light")
    others = []
    for number, (first, last) in enumerate(
        (("Priya", "Patel"), ("Tom", "Nguyen"), ("Maria", "Garcia"), ("Ken", "Okafor"))
    ):
        user = state.add_user(f"{first.lower()}@acme.test", "demo-password", first, last, stamp)
        state.add_member(org, user, "standard" if number % 2 else "admin")
        others.append(user)
    guest = state.add_guest(org, "client@example.com", stamp, "Casey", "Client")
    state.add_guest(org, "vendor@example.com", stamp, "Val", "Vendor")
    group_id = new_id()
    org.groups.add(
        Record(org.id, group_wire(group_id, "Finance", [admin.id, member.id], [], stamp))
    )
    org.groups.add(
        Record(org.id, group_wire(new_id(), "Legal", [others[0].id], [guest.email], stamp))
    )
    tag_ids = []
    for title, color in (("urgent", "#e11d48"), ("client", "#3b82f6"), ("internal", "#10b981")):
        tag_id = new_id()
        org.tags.add(Record(org.id, tag_wire(tag_id, title, color, stamp)))
        tag_ids.append(tag_id)
    folder_ids = []
    for position, (name, kind) in enumerate(
        (("Onboarding", "checklist"), ("Active clients", "run")), 1
    ):
        folder_id = new_id()
        org.folders.add(Record(org.id, folder_wire(folder_id, name, kind, position, stamp)))
        folder_ids.append(folder_id)
    client = state.add_client({org.id}, client_id, client_secret)

    steps = _steps(tasks_per_process, admin.id, member.id, group_id)
    onboarding = create_blueprint(
        org, admin.id, stamp, title="Client Onboarding", kickoff=_definitions(_EVERY_FIELD),
        steps=steps, fields={"folder_id": folder_ids[0], "summary": "Bring a new client on board."},
    )  # fmt: skip
    purchase = create_blueprint(
        org, admin.id, stamp, title="Purchase Request", steps=steps,
        kickoff=_definitions(
            (
                {"label": "Amount", "field_type": "text", "required": True},
                {"label": "Vendor email", "field_type": "email", "required": False},
                {"label": "Needed by", "field_type": "date", "required": False},
            )
        ),
    )  # fmt: skip
    offboarding = create_blueprint(org, admin.id, stamp, title="Employee Offboarding", steps=steps)
    blueprints = (onboarding, purchase, offboarding)
    field_ids = {field["field_type"]: field["id"] for field in onboarding.wire["prerun"]}
    example = _kickoff_example(field_ids, admin, onboarding.id, stamp)
    values = {
        onboarding.id: form_values(
            onboarding.kickoff_fields(), example, key="prerun", org=org, require=True
        ),
        purchase.id: {purchase.wire["prerun"][0]["id"]: "1200.00"},
        offboarding.id: {},
    }
    by_status: dict[str, list[str]] = {"active": [], "complete": [], "problem": [], "archived": []}
    run_ids = _launch_all(
        state, org, blueprints, values, admin, member, processes, moment, by_status
    )
    oneoffs = _oneoff_tasks(fake, org, admin, member, oneoff_tasks, moment)
    return DemoOrg(
        org_id=org.id,
        credentials=PasswordGrant(
            client_id=client.client_id,
            client_secret=client.secret,
            username=admin_email,
            password=admin_password,
        ),
        app_credentials=ClientCredentials(client_id=client.client_id, client_secret=client.secret),
        admin_id=admin.id,
        admin_email=admin_email,
        admin_password=admin_password,
        client_id=client.client_id,
        client_secret=client.secret,
        member_id=member.id,
        light_member_id=light.id,
        member_ids=tuple(org.members),
        guest_email=guest.email,
        guest_id=guest.id,
        group_id=group_id,
        tag_ids=tuple(tag_ids),
        folder_ids=tuple(folder_ids),
        blueprint_ids=tuple(bp.id for bp in blueprints),
        kickoff_blueprint_id=onboarding.id,
        kickoff_field_ids=field_ids,
        kickoff_example=example,
        process_ids=tuple(run_ids),
        processes_by_status={key: tuple(ids) for key, ids in by_status.items()},
        oneoff_task_ids=tuple(oneoffs),
    )


def _kickoff_example(field_ids: dict[str, str], admin: User, blueprint_id: str, stamp: str) -> Wire:
    return {
        field_ids["text"]: "Globex Corporation",
        field_ids["textarea"]: "Referred by the Springfield office.",
        field_ids["email"]: "hank@globex.example",
        field_ids["date"]: stamp,
        field_ids["radio"]: "Medium",
        field_ids["dropdown"]: {"id": 2, "text": "Americas", "value": None},
        field_ids["multiselect"]: [{"id": 1, "text": "Slack", "value": None, "selected": True}],
        field_ids["table"]: ["Widget", "3"],
        field_ids["assignees_form"]: {"users": [admin.id], "guests": [], "groups": []},
        field_ids["file"]: [
            {
                "id": "5f0c3a2e9b8d4c7a8e1f2b3c4d5e6f70",
                "filename": "contract.pdf",
                "version": 1,
                "uploaded_from": "ko_field",
                "subject": {"id": blueprint_id, "type": "Checklist"},
                "source": "local",
            }
        ],
    }


def _launch_all(
    state: State,
    org: Org,
    blueprints: tuple[Any, ...],
    values: dict[str, Wire],
    admin: User,
    member: User,
    count: int,
    moment: datetime,
    by_status: dict[str, list[str]],
) -> list[str]:
    """Launch ``count`` processes spread over the last weeks, in a mix of statuses; every
    fifth one is tagged."""
    run_ids = []
    tags = org.tags.every()
    earliest = moment - timedelta(hours=count)
    for number in range(count):
        blueprint = blueprints[number % len(blueprints)]
        kind = number % 10
        # Overdue ones started long ago, so their deadlines have passed.
        started = moment - timedelta(days=30) if kind == 9 else earliest + timedelta(hours=number)
        stamp = fmt(started)
        run = launch(
            org, blueprint, admin if number % 2 == 0 else member, stamp, fmt(started + DUE_SOON),
            name=f"{blueprint.wire['title']} #{number + 1}", prerun=values[blueprint.id],
        )  # fmt: skip
        run_ids.append(run.id)
        done = {5: len(run.tasks), 6: len(run.tasks)}.get(kind, kind % max(len(run.tasks), 1))
        now_text = fmt(moment)
        for task in run.tasks[:done]:
            task.set_status("completed", None, completed_at=stamp, completer_id=admin.id)
        if done < len(run.tasks):
            run.tasks[done].set_status("in-progress", None)
        refresh(run, now_text, fmt(moment + DUE_SOON))
        if kind == 7 and done < len(run.tasks):
            comments.post(
                org, run.tasks[done], member, "The supplier has not replied.",
                "problem", "open", now_text, fmt(moment + DUE_SOON),
            )  # fmt: skip
        if number % 5 == 0:
            tag = tags[number // 5 % len(tags)]
            run.tags.append(tag_association(state.association_id(), tag, run.id, "Run", stamp))
        if kind == 8:
            archive_run(org, run, now_text)
        by_status.setdefault(run.wire["status"], []).append(run.id)
    return run_ids


def _oneoff_tasks(
    fake: DataHelpers, org: Org, admin: User, member: User, count: int, moment: datetime
) -> list[str]:
    ids = []
    for number in range(count):
        deadline = fmt(moment + timedelta(days=number - 2))
        task_id = fake.add_task(
            org.id,
            title=f"Follow up call #{number + 1}",
            owners={"users": [admin.id if number % 2 else member.id]},
            deadline=deadline,
            user_id=admin.id,
        )
        if number % 4 == 0:
            task = org.tasks.get(task_id)
            assert task is not None
            task.set_status(
                "completed", fmt(moment), completed_at=fmt(moment), completer_id=admin.id
            )
        ids.append(task_id)
    return ids
