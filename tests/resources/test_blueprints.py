"""org.blueprints over real HTTP against FakeTallyfy: what is sent, typed results, strict writes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tallyfy_async import NotFoundError, PersonalAccessToken, TallyfyClient, ValidationError
from tallyfy_async.client import OrgClient
from tallyfy_async.models.blueprints import (
    Automation,
    AutomationAction,
    AutomationCondition,
    Blueprint,
    BlueprintFormFields,
    BlueprintType,
    DeletedBlueprint,
    DeletedReference,
)
from tallyfy_async.models.common import Owners
from tallyfy_async.models.form_fields import FieldOption, FieldType, FormField
from tallyfy_async.models.steps import Step, StepDeadline
from tallyfy_async.testing import DemoOrg, FakeTallyfy, LoggedRequest

RequestsTo = Callable[[str, str], list[LoggedRequest]]


def checklists(demo: DemoOrg, *rest: str) -> str:
    return "/".join((f"/organizations/{demo.org_id}/checklists", *rest)).rstrip("/")


# -- reads ---------------------------------------------------------------------------------


async def test_list_sends_the_filters_and_returns_typed_blueprints(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    page = await org.blueprints.list(
        q="onboarding",
        type=BlueprintType.PROCEDURE,
        starred=False,
        folder=[demo.folder_ids[0]],
        owner_id=demo.admin_id,
        archived=False,
        with_=["steps", "tags"],
        sort="title",
        per_page=25,
    )
    [sent] = requests_to("GET", checklists(demo))
    assert sent.query == {
        "q": "onboarding",
        "type": "procedure",
        "starred": "false",
        "folder": demo.folder_ids[0],
        "owner_id": str(demo.admin_id),
        "archived": "false",
        "with": "steps,tags",
        "sort": "title",
        "page": "1",
        "per_page": "25",
    }
    [blueprint] = page.items
    assert isinstance(blueprint, Blueprint)
    assert blueprint.id == demo.kickoff_blueprint_id
    assert blueprint.title == "Client Onboarding"
    assert blueprint.type is BlueprintType.PROCEDURE
    assert blueprint.steps is not None and all(isinstance(s, Step) for s in blueprint.steps)
    assert [s.position for s in blueprint.steps] == [1, 2, 3]
    assert blueprint.tags == []
    assert isinstance(blueprint.created_at, datetime) and blueprint.created_at.tzinfo is UTC


async def test_list_walks_every_page_the_server_reports(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    blueprints = await org.blueprints.list(per_page=1).to_list()
    assert {b.id for b in blueprints} == set(demo.blueprint_ids)
    assert [r.query["page"] for r in requests_to("GET", checklists(demo))] == ["1", "2", "3"]
    assert all(b.steps is None for b in blueprints)  # not asked for: None, not []


async def test_list_archived_only(org: OrgClient, demo: DemoOrg, fake: FakeTallyfy) -> None:
    await org.blueprints.archive(demo.blueprint_ids[2])
    archived = await org.blueprints.list(archived="only").to_list()
    assert [b.id for b in archived] == [demo.blueprint_ids[2]]
    assert archived[0].archived_at is not None and archived[0].archived_at.tzinfo is UTC
    assert fake.log[-1].query["archived"] == "only"


@pytest.mark.parametrize(
    ("filters", "error", "names"),
    [
        ({"type": "checklist"}, ValueError, "type"),
        ({"starred": "yes"}, TypeError, "starred"),
        ({"owner_id": "42"}, TypeError, "owner_id"),
        ({"archived": "all"}, TypeError, "archived"),
        ({"with_": ["steps", 3]}, TypeError, r"with_\[1\]"),
        ({"folder": [1]}, TypeError, r"folder\[0\]"),
        ({"colour": "red"}, TypeError, "colour"),
    ],
)
async def test_list_refuses_bad_filters_before_sending(
    org: OrgClient, fake: FakeTallyfy, filters: dict[str, Any], error: type[Exception], names: str
) -> None:
    fake.reset_log()
    with pytest.raises(error, match=names):
        org.blueprints.list(**filters)
    assert fake.log == []


async def test_get_reads_inline_kickoff_fields_and_automations(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    blueprint = await org.blueprints.get(demo.kickoff_blueprint_id, version=1)
    [sent] = requests_to("GET", checklists(demo, demo.kickoff_blueprint_id))
    assert sent.query == {"version": "1"}
    assert blueprint.steps is None and blueprint.tags is None
    assert blueprint.automated_actions == []
    by_type = {field.field_type: field for field in blueprint.prerun}
    assert {t.value: f.id for t, f in by_type.items()} == demo.kickoff_field_ids
    region = by_type[FieldType.DROPDOWN]
    assert region.label == "Region" and region.required is True
    assert region.options[1] == FieldOption(id=2, text="Americas")
    assert by_type[FieldType.TABLE].columns[0].label == "Item"
    assert blueprint.folder_id == demo.folder_ids[0]
    assert blueprint.summary == "Bring a new client on board."
    assert blueprint.extra == {}  # every key Tallyfy sends is a declared field


async def test_get_with_includes_unwraps_steps_tags_and_folder(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    blueprint = await org.blueprints.get(demo.kickoff_blueprint_id, with_="steps, folder")
    [sent] = requests_to("GET", checklists(demo, demo.kickoff_blueprint_id))
    assert sent.query == {"with": "steps,folder"}
    assert blueprint.steps is not None
    first = blueprint.steps[0]
    assert first.title == "Collect documents"
    assert first.deadline == StepDeadline(value=1, unit="days", option="from", step="start_run")
    assert [c.label for c in first.captures] == ["Reference number", "Priority"]
    assert blueprint.folder is not None and blueprint.folder["id"] == demo.folder_ids[0]


async def test_get_unknown_blueprint_is_not_found(org: OrgClient) -> None:
    with pytest.raises(NotFoundError):
        await org.blueprints.get("0" * 32)


async def test_kickoff_fields_come_from_the_blueprint(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    fields = await org.blueprints.kickoff_fields(demo.kickoff_blueprint_id)
    assert len(requests_to("GET", checklists(demo, demo.kickoff_blueprint_id))) == 1
    assert all(isinstance(f, FormField) for f in fields)
    assert [f.position for f in fields] == list(range(1, 11))
    assert {f.id for f in fields} == set(demo.kickoff_field_ids.values())
    # The launch side reads the same fields, in the same order.
    assert await org.processes.kickoff_fields(demo.kickoff_blueprint_id) == fields


async def test_form_fields_returns_step_and_kickoff_fields(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    fields = await org.blueprints.form_fields(demo.kickoff_blueprint_id)
    assert len(requests_to("GET", checklists(demo, demo.kickoff_blueprint_id, "form-fields"))) == 1
    assert isinstance(fields, BlueprintFormFields)
    assert fields.id == demo.kickoff_blueprint_id and fields.title == "Client Onboarding"
    assert [f.label for f in fields.form_fields] == ["Reference number", "Priority"]
    assert {f.id for f in fields.ko_form_fields} == set(demo.kickoff_field_ids.values())


# -- create --------------------------------------------------------------------------------


async def test_create_sends_a_strict_body_and_returns_the_new_blueprint(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    blueprint = await org.blueprints.create(
        title="Vendor review",
        type="form",
        summary="Yearly review of a vendor.",
        starred=True,
        folder_id=demo.folder_ids[0],
        users=[demo.member_id],
        groups=[demo.group_id],
        prerun=[
            {"label": "Vendor", "field_type": FieldType.TEXT, "required": True},
            {
                "label": "Risk",
                "field_type": "radio",
                "required": False,
                "options": [FieldOption(id=1, text="Low"), {"id": 2, "text": "High"}],
            },
        ],
    )
    [sent] = requests_to("POST", checklists(demo))
    assert sent.status == 201
    assert sent.body == {
        "title": "Vendor review",
        "type": "form",
        "summary": "Yearly review of a vendor.",
        "starred": True,
        "folder_id": demo.folder_ids[0],
        "users": [demo.member_id],
        "groups": [demo.group_id],
        "prerun": [
            {"field_type": "text", "label": "Vendor", "required": True},
            {
                "field_type": "radio",
                "label": "Risk",
                "required": False,
                "options": [{"id": 1, "text": "Low"}, {"id": 2, "text": "High"}],
            },
        ],
    }
    assert blueprint.type is BlueprintType.FORM
    assert blueprint.users == [demo.member_id] and blueprint.groups == [demo.group_id]
    assert [(f.label, f.field_type) for f in blueprint.prerun] == [
        ("Vendor", FieldType.TEXT),
        ("Risk", FieldType.RADIO),
    ]
    low, high = FieldOption(id=1, text="Low"), FieldOption(id=2, text="High")
    assert blueprint.prerun[1].options == [low, high]
    assert (await org.blueprints.get(blueprint.id)).title == "Vendor review"


@pytest.mark.parametrize(
    ("arguments", "error", "names"),
    [
        ({"title": "T", "type": "procedure", "colour": "red"}, TypeError, "colour"),
        ({"type": "procedure"}, TypeError, "title"),
        ({"title": "T"}, TypeError, "type"),
        ({"title": " ", "type": "procedure"}, ValueError, "title is required"),
        ({"title": "x" * 251, "type": "procedure"}, ValueError, "title is 251 characters"),
        ({"title": "T", "type": "process"}, ValueError, "type must be one of"),
        ({"title": "T", "type": "form", "summary": "s" * 2001}, ValueError, "summary"),
        ({"title": "T", "type": "form", "starred": "true"}, TypeError, "starred"),
        ({"title": "T", "type": "form", "users": ["10001"]}, TypeError, r"users\[0\]"),
        ({"title": "T", "type": "form", "groups": "g1"}, TypeError, "groups must be a list"),
        (
            {"title": "T", "type": "form", "prerun": [{"label": "A", "field_type": "text"}]},
            ValueError,
            r"prerun\[0\]\.required must be given",
        ),
        (
            {
                "title": "T",
                "type": "form",
                "prerun": [{"label": "A", "field_type": "text", "required": True, "hint": "x"}],
            },
            TypeError,
            r"prerun\[0\] has unknown keys \['hint'\]",
        ),
        (
            {
                "title": "T",
                "type": "form",
                "prerun": [
                    {"label": "A", "field_type": "text", "required": True},
                    {
                        "label": "B",
                        "field_type": "radio",
                        "required": True,
                        "options": [{"id": 1, "text": "Only"}],
                    },
                ],
            },
            ValueError,
            r"prerun\[1\]\.options: a radio field needs at least 2",
        ),
    ],
)
async def test_create_refuses_bad_input_before_sending(
    org: OrgClient,
    fake: FakeTallyfy,
    arguments: dict[str, Any],
    error: type[Exception],
    names: str,
) -> None:
    fake.reset_log()
    with pytest.raises(error, match=names):
        await org.blueprints.create(**arguments)
    assert fake.log == []


async def test_create_refused_by_tallyfy_is_a_validation_error(org: OrgClient) -> None:
    with pytest.raises(ValidationError) as caught:
        await org.blueprints.create(title="T", type="form", folder_id="f" * 32)
    assert "folder_id" in caught.value.errors


# -- update --------------------------------------------------------------------------------


@pytest.fixture
def shared_blueprint(fake: FakeTallyfy, demo: DemoOrg) -> str:
    """A blueprint shared with a member and a group."""
    return fake.add_blueprint(
        demo.org_id,
        title="Shared",
        users=[demo.member_id],
        groups=[demo.group_id],
        kickoff=[{"label": "Name", "field_type": "text", "required": True}],
    )


async def test_update_re_sends_users_and_groups_the_caller_left_out(
    org: OrgClient, demo: DemoOrg, shared_blueprint: str, fake: FakeTallyfy
) -> None:
    fake.reset_log()
    updated = await org.blueprints.update(shared_blueprint, title="Shared v2", summary="New")
    assert [(r.method, r.path) for r in fake.log if r.route != "oauth.token"] == [
        ("GET", "/api" + checklists(demo, shared_blueprint)),
        ("PUT", "/api" + checklists(demo, shared_blueprint)),
    ]
    assert fake.log[-1].body == {
        "title": "Shared v2",
        "summary": "New",
        "users": [demo.member_id],
        "groups": [demo.group_id],
    }
    assert updated.title == "Shared v2" and updated.summary == "New"
    assert updated.users == [demo.member_id] and updated.groups == [demo.group_id]
    assert len(updated.prerun) == 1  # prerun left out: kick-off fields untouched


async def test_update_with_both_buckets_reads_nothing_first(
    org: OrgClient, demo: DemoOrg, shared_blueprint: str, requests_to: RequestsTo
) -> None:
    updated = await org.blueprints.update(
        shared_blueprint, title="Shared", users=[], groups=[demo.group_id], is_pinned=True
    )
    assert requests_to("GET", checklists(demo, shared_blueprint)) == []
    [sent] = requests_to("PUT", checklists(demo, shared_blueprint))
    assert sent.body == {
        "title": "Shared",
        "users": [],
        "groups": [demo.group_id],
        "is_pinned": True,
    }
    assert updated.users == [] and updated.is_pinned is True


async def test_update_with_one_bucket_re_sends_the_other(
    org: OrgClient, demo: DemoOrg, shared_blueprint: str, requests_to: RequestsTo
) -> None:
    await org.blueprints.update(shared_blueprint, title="Shared", users=[demo.admin_id])
    assert len(requests_to("GET", checklists(demo, shared_blueprint))) == 1
    [sent] = requests_to("PUT", checklists(demo, shared_blueprint))
    assert sent.body == {"title": "Shared", "users": [demo.admin_id], "groups": [demo.group_id]}


async def test_update_prerun_keeps_fields_passed_back_and_adds_new_ones(
    org: OrgClient, demo: DemoOrg, shared_blueprint: str, requests_to: RequestsTo
) -> None:
    [name] = await org.blueprints.kickoff_fields(shared_blueprint)
    updated = await org.blueprints.update(
        shared_blueprint,
        title="Shared",
        users=[demo.member_id],
        groups=[demo.group_id],
        prerun=[
            name,
            {"label": "Team", "field_type": "dropdown", "required": False, "options": [
                {"id": 7, "text": "Red"}
            ]},
        ],
    )  # fmt: skip
    [sent] = requests_to("PUT", checklists(demo, shared_blueprint))
    assert sent.body["prerun"][0] == {
        "id": name.id,
        "field_type": "text",
        "label": "Name",
        "required": True,
        "position": 1,
        "default_value_enabled": False,
        "collect_time": False,
        "use_wysiwyg_editor": False,
        "field_validation": [],
        "settings": {},
    }
    assert sent.body["prerun"][1] == {
        "field_type": "dropdown",
        "label": "Team",
        "required": False,
        "options": [{"id": 7, "text": "Red"}],
    }
    assert updated.prerun[0].id == name.id
    assert [f.label for f in updated.prerun] == ["Name", "Team"]


@pytest.mark.parametrize(
    ("arguments", "error", "names"),
    [
        ({}, TypeError, "title"),
        ({"title": ""}, ValueError, "title is required"),
        ({"title": None}, ValueError, "title is required"),
        ({"title": "T", "description": "x"}, TypeError, "description"),
        ({"title": "T", "owner_id": "10001"}, TypeError, "owner_id"),
        ({"title": "T", "type": "doc"}, ValueError, "type"),
        ({"title": "T", "prerun": "Name"}, TypeError, "prerun must be a list"),
    ],
)
async def test_update_refuses_bad_input_before_reading_or_sending(
    org: OrgClient,
    fake: FakeTallyfy,
    shared_blueprint: str,
    arguments: dict[str, Any],
    error: type[Exception],
    names: str,
) -> None:
    fake.reset_log()
    with pytest.raises(error, match=names):
        await org.blueprints.update(shared_blueprint, **arguments)
    assert fake.log == []


# -- archive, restore, delete, clone, publish ----------------------------------------------


async def test_archive_restore_and_delete(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    blueprint_id = demo.blueprint_ids[1]
    archived = await org.blueprints.archive(blueprint_id)
    assert requests_to("DELETE", checklists(demo, blueprint_id))[0].status == 200
    assert isinstance(archived, DeletedBlueprint)
    assert archived.message == "The Template was deleted, and references were also deleted from:"
    assert archived.deleted_references == []
    with pytest.raises(NotFoundError):
        await org.blueprints.get(blueprint_id)

    restored = await org.blueprints.restore(blueprint_id)
    assert len(requests_to("PUT", checklists(demo, blueprint_id, "restore"))) == 1
    assert restored.id == blueprint_id and restored.archived_at is None
    assert (await org.blueprints.get(blueprint_id)).title == "Purchase Request"

    await org.blueprints.archive(blueprint_id)
    deleted = await org.blueprints.delete(blueprint_id)
    assert requests_to("DELETE", checklists(demo, blueprint_id, "delete"))[0].status == 200
    assert isinstance(deleted, DeletedBlueprint) and deleted.message
    assert blueprint_id not in {b.id async for b in org.blueprints.list(archived=True)}


async def test_delete_of_a_live_blueprint_is_refused(org: OrgClient, demo: DemoOrg) -> None:
    with pytest.raises(ValidationError):
        await org.blueprints.delete(demo.blueprint_ids[0])
    assert (await org.blueprints.get(demo.blueprint_ids[0])).archived_at is None


@pytest.mark.parametrize(
    ("references", "expected"),
    [
        ({}, []),
        (
            {"0": {"type": "Step", "title": "Embed", "id": "a" * 32}},
            [DeletedReference(type="Step", title="Embed", id="a" * 32)],
        ),
        (
            [{"type": "Blueprint", "title": "Parent", "id": "b" * 32}],
            [DeletedReference(type="Blueprint", title="Parent", id="b" * 32)],
        ),
    ],
)
async def test_archive_reads_deleted_references_in_every_shape(
    references: Any, expected: list[DeletedReference]
) -> None:
    # FakeTallyfy always answers with a list; the docs' example shows an empty object, and
    # PHP writes an object for a keyed array. A tiny server of our own sends those shapes.
    org_id, blueprint_id = "1" * 32, "2" * 32
    seen: list[str] = []

    async def archive(request: web.Request) -> web.Response:
        seen.append(f"{request.method} {request.path}")
        return web.json_response({"message": "Deleted", "deleted_references": references})

    app = web.Application()
    app.router.add_delete("/api/organizations/{org}/checklists/{blueprint}", archive)
    async with (
        TestServer(app, host="127.0.0.1") as server,
        TallyfyClient(PersonalAccessToken("pat"), base_url=str(server.make_url("/api"))) as client,
    ):
        deleted = await client.org(org_id).blueprints.archive(blueprint_id)
    assert seen == [f"DELETE /api/organizations/{org_id}/checklists/{blueprint_id}"]
    assert deleted.message == "Deleted"
    assert deleted.deleted_references == expected


async def test_clone_sends_json_with_the_tenant(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    source = await org.blueprints.get(demo.kickoff_blueprint_id, with_=["steps"])
    copy = await org.blueprints.clone(demo.kickoff_blueprint_id, title="Onboarding (copy)")
    [sent] = requests_to("POST", checklists(demo, demo.kickoff_blueprint_id, "clone"))
    assert sent.headers["Content-Type"].startswith("application/json")
    assert sent.body == {"tenant": demo.org_id, "title": "Onboarding (copy)"}
    assert copy.id != source.id and copy.title == "Onboarding (copy)"
    assert len(copy.prerun) == len(source.prerun)
    assert {f.id for f in copy.prerun}.isdisjoint(f.id for f in source.prerun)
    assert copy.steps_count == 3


async def test_clone_refuses_a_bad_title_before_sending(org: OrgClient, fake: FakeTallyfy) -> None:
    fake.reset_log()
    with pytest.raises(TypeError, match="title"):
        await org.blueprints.clone("a" * 32, title=5)  # type: ignore[arg-type]
    assert fake.log == []


async def test_publish_puts_without_a_body(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    assert await org.blueprints.publish(demo.kickoff_blueprint_id) is None
    [sent] = requests_to("PUT", checklists(demo, demo.kickoff_blueprint_id, "publish"))
    assert sent.body is None
    assert sent.status in (200, 204)


# -- automations ---------------------------------------------------------------------------


async def test_automation_create_update_and_delete(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    blueprint = await org.blueprints.get(demo.kickoff_blueprint_id, with_=["steps"])
    assert blueprint.steps is not None
    first, second, third = blueprint.steps
    region = next(f for f in blueprint.prerun if f.field_type == FieldType.DROPDOWN)
    created = await org.blueprints.automations.create(
        blueprint.id,
        automated_alias="Skip review for EMEA",
        condition_logic="AND",
        conditions=[
            AutomationCondition(
                conditionable_id=region.id,
                conditionable_type="Prerun",
                operation="equals",
                statement="EMEA",
            )
        ],
        then_actions=[
            AutomationAction(action_type="visibility", action_verb="hide", target_step_id=second.id)
        ],
    )
    [sent] = requests_to("POST", checklists(demo, blueprint.id, "automated-actions"))
    assert sent.body == {
        "automated_alias": "Skip review for EMEA",
        "condition_logic": "AND",
        "conditions": [
            {
                "conditionable_id": region.id,
                "conditionable_type": "Prerun",
                "operation": "equals",
                "statement": "EMEA",
            }
        ],
        "then_actions": [
            {"action_type": "visibility", "action_verb": "hide", "target_step_id": second.id}
        ],
    }
    assert isinstance(created, Automation)
    assert created.automated_alias == "Skip review for EMEA"
    assert created.conditions[0].conditionable_id == region.id
    assert created.then_actions[0].target_step_id == second.id
    inline = (await org.blueprints.get(blueprint.id)).automated_actions
    assert [a.id for a in inline] == [created.id]

    updated = await org.blueprints.automations.update(
        blueprint.id,
        created.id,
        conditions=[AutomationCondition(conditionable_id=first.id, conditionable_type="Step",
                                        operation="completed")],
        then_actions=[
            AutomationAction(
                action_type="assignment",
                target_step_id=third.id,
                assignees=Owners(users=[demo.member_id]),
            ),
            AutomationAction(
                action_type="deadline",
                target_step_id=third.id,
                deadline=StepDeadline(value=2, unit="days"),
            ),
        ],
    )  # fmt: skip
    [put] = requests_to("PUT", checklists(demo, blueprint.id, "automated-actions", created.id))
    assert put.body["then_actions"] == [
        {
            "action_type": "assignment",
            "target_step_id": third.id,
            "assignees": {"users": [demo.member_id], "guests": [], "groups": []},
        },
        {
            "action_type": "deadline",
            "target_step_id": third.id,
            "deadline": {"value": 2, "unit": "days"},
        },
    ]
    assert "automated_alias" not in put.body
    assert updated.id == created.id
    assert [a.action_type for a in updated.then_actions] == ["assignment", "deadline"]
    assert updated.then_actions[0].assignees == Owners(users=[demo.member_id])

    assert await org.blueprints.automations.delete(blueprint.id, created.id) is None
    rule = checklists(demo, blueprint.id, "automated-actions", created.id)
    assert len(requests_to("DELETE", rule)) == 1
    assert (await org.blueprints.get(blueprint.id)).automated_actions == []


_STEP_DONE = AutomationCondition(conditionable_id="a" * 32, operation="completed")
_SHOW = AutomationAction(action_type="visibility", action_verb="show", target_step_id="b" * 32)


@pytest.mark.parametrize(
    ("arguments", "error", "names"),
    [
        ({"conditions": [], "then_actions": [_SHOW]}, ValueError, "conditions must hold"),
        ({"conditions": [_STEP_DONE], "then_actions": []}, ValueError, "then_actions must hold"),
        ({"then_actions": [_SHOW]}, TypeError, "conditions"),
        (
            {"conditions": [{"operation": "completed"}], "then_actions": [_SHOW]},
            TypeError,
            r"conditions\[0\] must be AutomationCondition",
        ),
        (
            {"conditions": [AutomationCondition(operation="completed")], "then_actions": [_SHOW]},
            ValueError,
            r"conditions\[0\]\.conditionable_id is required",
        ),
        (
            {"conditions": [_STEP_DONE], "then_actions": [AutomationAction(action_verb="show")]},
            ValueError,
            r"then_actions\[0\]\.action_type is required",
        ),
        (
            {"conditions": [_STEP_DONE], "then_actions": [_SHOW], "condition_logic": "XOR"},
            ValueError,
            "condition_logic must be one of",
        ),
        (
            {"conditions": [_STEP_DONE], "then_actions": [_SHOW], "logic": "AND"},
            TypeError,
            "logic",
        ),
    ],
)
async def test_automation_writes_refuse_bad_input_before_sending(
    org: OrgClient,
    fake: FakeTallyfy,
    demo: DemoOrg,
    arguments: dict[str, Any],
    error: type[Exception],
    names: str,
) -> None:
    fake.reset_log()
    with pytest.raises(error, match=names):
        await org.blueprints.automations.create(demo.kickoff_blueprint_id, **arguments)
    with pytest.raises(error, match=names):
        await org.blueprints.automations.update(demo.kickoff_blueprint_id, "c" * 32, **arguments)
    assert fake.log == []
