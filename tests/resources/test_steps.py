"""org.steps over real HTTP against FakeTallyfy: what is sent, typed results, strict writes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any

import pytest

from tallyfy_async import NotFoundError, ValidationError
from tallyfy_async.client import OrgClient
from tallyfy_async.models.blueprints import AutomationAction, AutomationCondition
from tallyfy_async.models.form_fields import FieldType, FormField
from tallyfy_async.models.steps import Step, StepDeadline, StepStart
from tallyfy_async.testing import DemoOrg, FakeTallyfy, LoggedRequest

RequestsTo = Callable[[str, str], list[LoggedRequest]]


def steps_path(demo: DemoOrg, blueprint_id: str, *rest: str) -> str:
    return "/".join((f"/organizations/{demo.org_id}/checklists/{blueprint_id}/steps", *rest))


@pytest.fixture
def long_blueprint(fake: FakeTallyfy, demo: DemoOrg) -> str:
    """A blueprint of 12 steps: more than Tallyfy's default page of 10."""
    return fake.add_blueprint(demo.org_id, title="Long", steps=[f"Step {n}" for n in range(1, 13)])


@pytest.fixture
def staffed_blueprint(fake: FakeTallyfy, demo: DemoOrg) -> str:
    """A blueprint whose one step has an assignee, a guest, a group and a form field."""
    return fake.add_blueprint(
        demo.org_id,
        title="Staffed",
        steps=[
            {
                "title": "Review",
                "summary": "<p>Read it.</p>",
                "assignees": [demo.member_id],
                "guests": [demo.guest_email],
                "groups": [demo.group_id],
                "captures": [{"label": "Verdict", "field_type": "text", "required": True}],
            }
        ],
    )


async def step_of(org: OrgClient, blueprint_id: str, index: int = 0) -> Step:
    return (await org.steps.list(blueprint_id).to_list())[index]


# -- reads ---------------------------------------------------------------------------------


async def test_list_walks_every_page(
    org: OrgClient, demo: DemoOrg, long_blueprint: str, requests_to: RequestsTo
) -> None:
    steps = await org.steps.list(long_blueprint, per_page=5).to_list()
    sent = requests_to("GET", steps_path(demo, long_blueprint))
    assert [(r.query["page"], r.query["per_page"]) for r in sent] == [
        ("1", "5"),
        ("2", "5"),
        ("3", "5"),
    ]
    assert [s.title for s in steps] == [f"Step {n}" for n in range(1, 13)]
    assert [s.position for s in steps] == list(range(1, 13))
    assert all(isinstance(s, Step) and s.checklist_id == long_blueprint for s in steps)


async def test_list_first_page_and_limit(
    org: OrgClient, demo: DemoOrg, long_blueprint: str, requests_to: RequestsTo
) -> None:
    page = await org.steps.list(long_blueprint, per_page=10)
    assert (page.total, page.total_pages, len(page.items)) == (12, 2, 10)
    limited = await org.steps.list(long_blueprint, per_page=5, limit=7).to_list()
    assert [s.position for s in limited] == list(range(1, 8))
    assert len(requests_to("GET", steps_path(demo, long_blueprint))) == 1 + 2


async def test_get_returns_the_step_with_its_form_fields(
    org: OrgClient, demo: DemoOrg, staffed_blueprint: str, requests_to: RequestsTo
) -> None:
    listed = await step_of(org, staffed_blueprint)
    step = await org.steps.get(staffed_blueprint, listed.id)
    assert len(requests_to("GET", steps_path(demo, staffed_blueprint, listed.id))) == 1
    assert step.title == "Review" and step.summary == "<p>Read it.</p>"
    assert step.assignees == [demo.member_id]
    assert step.guests == [demo.guest_email]
    assert step.groups == [demo.group_id]
    [verdict] = step.captures
    assert isinstance(verdict, FormField)
    assert (verdict.label, verdict.field_type, verdict.required) == (
        "Verdict",
        FieldType.TEXT,
        True,
    )
    assert step.created_at is not None and step.created_at.tzinfo is UTC


async def test_get_unknown_step_is_not_found(org: OrgClient, demo: DemoOrg) -> None:
    with pytest.raises(NotFoundError):
        await org.steps.get(demo.kickoff_blueprint_id, "0" * 32)


# -- create --------------------------------------------------------------------------------


async def test_create_appends_and_sends_typed_fields(
    org: OrgClient, demo: DemoOrg, staffed_blueprint: str, requests_to: RequestsTo
) -> None:
    step = await org.steps.create(
        staffed_blueprint,
        title="Sign off",
        summary="<p>Sign.</p>",
        step_type="approval",
        assignees=[demo.admin_id],
        groups=[demo.group_id],
        deadline=StepDeadline(value=3, unit="days", option="from", step="start_run"),
        start_date=StepStart(value=1, unit="days"),
        everyone_must_complete=True,
        assign_run_starter=False,
    )
    [sent] = requests_to("POST", steps_path(demo, staffed_blueprint))
    assert sent.status == 201
    assert sent.body == {
        "title": "Sign off",
        "summary": "<p>Sign.</p>",
        "step_type": "approval",
        "assignees": [demo.admin_id],
        "groups": [demo.group_id],
        "deadline": {"value": 3, "unit": "days", "option": "from", "step": "start_run"},
        "start_date": {"value": 1, "unit": "days"},
        "everyone_must_complete": True,
        "assign_run_starter": False,
    }
    assert step.position == 2  # appended after "Review"
    assert step.deadline == StepDeadline(value=3, unit="days", option="from", step="start_run")
    assert step.start_date == StepStart(value=1, unit="days")
    assert step.everyone_must_complete is True and step.assign_run_starter is False
    assert [s.title for s in await org.steps.list(staffed_blueprint).to_list()] == [
        "Review",
        "Sign off",
    ]


async def test_create_never_invents_a_deadline_anchor(
    org: OrgClient, demo: DemoOrg, staffed_blueprint: str, requests_to: RequestsTo
) -> None:
    await org.steps.create(staffed_blueprint, title="Soon", deadline=StepDeadline(value=2))
    [sent] = requests_to("POST", steps_path(demo, staffed_blueprint))
    assert sent.body == {"title": "Soon", "deadline": {"value": 2}}


@pytest.mark.parametrize(
    ("arguments", "error", "names"),
    [
        ({}, TypeError, "title"),
        ({"title": "  "}, ValueError, "title is required"),
        ({"title": "T", "description": "x"}, TypeError, "description"),
        ({"title": "T", "position": 1}, TypeError, "position"),
        ({"title": "T", "assignees": ["10001"]}, TypeError, r"assignees\[0\]"),
        ({"title": "T", "guests": "a@b.c"}, TypeError, "guests must be a list"),
        ({"title": "T", "deadline": {"value": 1, "unit": "days"}}, TypeError, "deadline"),
        ({"title": "T", "start_date": StepDeadline(value=1)}, TypeError, "start_date"),
        ({"title": "T", "max_assignable": "2"}, TypeError, "max_assignable"),
        ({"title": "T", "top_secret": 1}, TypeError, "top_secret"),
        ({"title": "T", "max_assignable": -3}, ValueError, "max_assignable must be 0 or more"),
        ({"title": "T", "guests": ["not an email"]}, ValueError, r"guests\[0\] must be an email"),
        (
            {"title": "T", "deadline": StepDeadline(value="two", unit="days")},  # type: ignore[arg-type]
            TypeError,
            "deadline.value must be int, got str",
        ),
        (
            {"title": "T", "deadline": StepDeadline(value=True, unit="days")},
            TypeError,
            "deadline.value must be int, got bool",
        ),
        (
            {"title": "T", "deadline": StepDeadline(value=2, unit="fortnights")},
            ValueError,
            "deadline.unit must be one of days, hours, minutes, months, weeks; got 'fortnights'",
        ),
        (
            {"title": "T", "deadline": StepDeadline(unit="days")},
            TypeError,
            "deadline.value must be int, got NoneType",
        ),
        (
            {"title": "T", "start_date": StepStart(value=-5, unit="days")},
            ValueError,
            "start_date.value must be 0 or more, got -5",
        ),
    ],
)
async def test_create_refuses_bad_input_before_sending(
    org: OrgClient,
    fake: FakeTallyfy,
    demo: DemoOrg,
    arguments: dict[str, Any],
    error: type[Exception],
    names: str,
) -> None:
    fake.reset_log()
    with pytest.raises(error, match=names):
        await org.steps.create(demo.kickoff_blueprint_id, **arguments)
    assert fake.log == []


# -- update --------------------------------------------------------------------------------


async def test_update_re_sends_the_buckets_the_caller_left_out(
    org: OrgClient, demo: DemoOrg, staffed_blueprint: str, fake: FakeTallyfy
) -> None:
    step = await step_of(org, staffed_blueprint)
    fake.reset_log()
    updated = await org.steps.update(
        staffed_blueprint, step.id, title="Review", summary="<p>New</p>"
    )
    path = "/api" + steps_path(demo, staffed_blueprint, step.id)
    assert [(r.method, r.path) for r in fake.log if r.route != "oauth.token"] == [
        ("GET", path),
        ("PUT", path),
    ]
    assert fake.log[-1].body == {
        "title": "Review",
        "summary": "<p>New</p>",
        "assignees": [demo.member_id],
        "guests": [demo.guest_email],
        "groups": [demo.group_id],
    }
    assert updated.summary == "<p>New</p>"
    assert (updated.assignees, updated.guests, updated.groups) == (
        [demo.member_id],
        [demo.guest_email],
        [demo.group_id],
    )


async def test_update_with_every_bucket_reads_nothing_first(
    org: OrgClient, demo: DemoOrg, staffed_blueprint: str, requests_to: RequestsTo
) -> None:
    step = await step_of(org, staffed_blueprint)
    updated = await org.steps.update(
        staffed_blueprint, step.id, title="Review", assignees=[demo.admin_id], guests=[], groups=[]
    )
    path = steps_path(demo, staffed_blueprint, step.id)
    assert requests_to("GET", path) == []
    [sent] = requests_to("PUT", path)
    assert sent.body == {
        "title": "Review",
        "assignees": [demo.admin_id],
        "guests": [],
        "groups": [],
    }
    assert (updated.assignees, updated.guests, updated.groups) == ([demo.admin_id], [], [])


async def test_update_with_one_bucket_keeps_the_others(
    org: OrgClient, demo: DemoOrg, staffed_blueprint: str, requests_to: RequestsTo
) -> None:
    step = await step_of(org, staffed_blueprint)
    updated = await org.steps.update(staffed_blueprint, step.id, title="Review", groups=[])
    [sent] = requests_to("PUT", steps_path(demo, staffed_blueprint, step.id))
    assert sent.body == {
        "title": "Review",
        "groups": [],
        "assignees": [demo.member_id],
        "guests": [demo.guest_email],
    }
    assert updated.groups == [] and updated.assignees == [demo.member_id]


async def test_update_can_clear_a_deadline(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    step = await step_of(org, demo.kickoff_blueprint_id)
    assert step.deadline is not None
    updated = await org.steps.update(
        demo.kickoff_blueprint_id, step.id, title=step.title or "", deadline=None
    )
    [sent] = requests_to("PUT", steps_path(demo, demo.kickoff_blueprint_id, step.id))
    assert sent.body["deadline"] is None
    assert updated.deadline is None


@pytest.mark.parametrize(
    ("arguments", "error", "names"),
    [
        ({}, TypeError, "title"),
        ({"title": ""}, ValueError, "title is required"),
        ({"title": "T", "owners": {"users": [1]}}, TypeError, "owners"),
        ({"title": "T", "groups": [1]}, TypeError, r"groups\[0\]"),
        ({"title": "T", "summary": 5}, TypeError, "summary"),
        ({"title": "T", "start_date": StepStart(value=1, unit="years")}, ValueError, "unit"),
        ({"title": "T", "guests": ["a/b"]}, ValueError, r"guests\[0\]"),
    ],
)
async def test_update_refuses_bad_input_before_reading_or_sending(
    org: OrgClient,
    fake: FakeTallyfy,
    demo: DemoOrg,
    arguments: dict[str, Any],
    error: type[Exception],
    names: str,
) -> None:
    fake.reset_log()
    with pytest.raises(error, match=names):
        await org.steps.update(demo.kickoff_blueprint_id, "a" * 32, **arguments)
    assert fake.log == []


# -- delete, clone, reorder ----------------------------------------------------------------


async def test_delete_removes_the_step(
    org: OrgClient, demo: DemoOrg, long_blueprint: str, requests_to: RequestsTo
) -> None:
    step = await step_of(org, long_blueprint, 4)
    assert await org.steps.delete(long_blueprint, step.id) is None
    assert len(requests_to("DELETE", steps_path(demo, long_blueprint, step.id))) == 1
    with pytest.raises(NotFoundError):
        await org.steps.get(long_blueprint, step.id)
    remaining = await org.steps.list(long_blueprint).to_list()
    assert len(remaining) == 11 and step.id not in {s.id for s in remaining}


async def test_delete_refused_while_an_automation_depends_on_the_step(
    org: OrgClient, demo: DemoOrg, long_blueprint: str
) -> None:
    first, second = (await org.steps.list(long_blueprint, limit=2).to_list())[:2]
    await org.blueprints.automations.create(
        long_blueprint,
        conditions=[
            AutomationCondition(
                conditionable_id=first.id, conditionable_type="Step", operation="completed"
            )
        ],
        then_actions=[
            AutomationAction(action_type="visibility", action_verb="show", target_step_id=second.id)
        ],
    )
    with pytest.raises(ValidationError):
        await org.steps.delete(long_blueprint, first.id)
    assert (await org.steps.get(long_blueprint, first.id)).id == first.id


async def test_clone_copies_the_step_and_its_form_fields(
    org: OrgClient, demo: DemoOrg, staffed_blueprint: str, requests_to: RequestsTo
) -> None:
    step = await step_of(org, staffed_blueprint)
    copy = await org.steps.clone(staffed_blueprint, step.id)
    [sent] = requests_to("POST", steps_path(demo, staffed_blueprint, step.id, "clone"))
    assert sent.body is None
    assert isinstance(copy, Step) and copy.id != step.id
    assert copy.title == step.title and copy.checklist_id == staffed_blueprint
    assert [c.label for c in copy.captures] == ["Verdict"]
    assert copy.captures[0].id != step.captures[0].id
    assert len(await org.steps.list(staffed_blueprint).to_list()) == 2


async def test_reorder_moves_the_step(
    org: OrgClient, demo: DemoOrg, long_blueprint: str, requests_to: RequestsTo
) -> None:
    last = await step_of(org, long_blueprint, 11)
    moved = await org.steps.reorder(long_blueprint, last.id, position=1)
    [sent] = requests_to("PUT", steps_path(demo, long_blueprint, last.id, "reorder"))
    assert sent.body == {"position": 1}
    assert moved.id == last.id and moved.position == 1
    titles = [s.title for s in await org.steps.list(long_blueprint).to_list()]
    assert titles[:3] == ["Step 12", "Step 1", "Step 2"]


@pytest.mark.parametrize(
    ("position", "error"), [(0, ValueError), (-2, ValueError), ("1", TypeError), (True, TypeError)]
)
async def test_reorder_refuses_a_bad_position_before_sending(
    org: OrgClient, fake: FakeTallyfy, demo: DemoOrg, position: Any, error: type[Exception]
) -> None:
    fake.reset_log()
    with pytest.raises(error, match="position"):
        await org.steps.reorder(demo.kickoff_blueprint_id, "a" * 32, position=position)
    assert fake.log == []


@pytest.mark.parametrize("unsafe", ["../x", "a/b", "", "a b", 3.5])
async def test_unsafe_ids_are_refused_before_sending(
    org: OrgClient, fake: FakeTallyfy, demo: DemoOrg, unsafe: Any
) -> None:
    fake.reset_log()
    with pytest.raises((TypeError, ValueError), match="step_id"):
        await org.steps.get(demo.kickoff_blueprint_id, unsafe)
    with pytest.raises((TypeError, ValueError), match="blueprint_id"):
        await org.blueprints.archive(unsafe)
    with pytest.raises((TypeError, ValueError), match="field_id"):
        await org.form_fields.delete(demo.kickoff_blueprint_id, "a" * 32, unsafe)
    assert fake.log == []
