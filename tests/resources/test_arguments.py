"""One argument order everywhere, and a model standing for the ids it carries.

Positional arguments are ids (the parents' first, then the record's own); everything
else is keyword-only, and an option not given defaults to ``UNSET`` (``UnsetOr[...]``).
A method acting on one record also takes the record's model in place of its ids.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from tallyfy_async import UNSET, PersonalAccessToken, TallyfyClient
from tallyfy_async.client import OrgClient
from tallyfy_async.models.comments import Comment
from tallyfy_async.models.tasks import Task, TaskStatus
from tallyfy_async.resources._base import Resource
from tallyfy_async.testing import DemoOrg, FakeTallyfy, LoggedRequest
from tests.resources.tree import resources

RequestsTo = Callable[[str, str], list[LoggedRequest]]

#: Options that shape a listing's walk; they have their own defaults.
PAGING = {"per_page", "limit", "concurrency"}
#: Options that say how the answer comes back, not what is sent (``get(..., raw=True)``).
MODES = {"raw"}


def public_methods() -> list[tuple[Resource, str, inspect.Signature]]:
    org = TallyfyClient(PersonalAccessToken("t" * 40)).org("a" * 32)
    found = []
    for resource in resources(org):
        for name, method in inspect.getmembers(resource, inspect.ismethod):
            if not name.startswith("_"):
                found.append((resource, name, inspect.signature(method)))
    return found


METHODS = public_methods()


def test_every_resource_is_reached() -> None:
    names = {type(resource).__name__ for resource, _, _ in METHODS}
    assert {"Tasks", "ProcessTasks", "Comments", "TaskComments", "Automations"} <= names


@pytest.mark.parametrize(
    ("resource", "name", "signature"),
    [pytest.param(*each, id=f"{type(each[0]).__name__}.{each[1]}") for each in METHODS],
)
def test_ids_come_first_then_keyword_options(
    resource: Resource, name: str, signature: inspect.Signature
) -> None:
    kinds = [parameter.kind for parameter in signature.parameters.values()]
    positional = [p for p in signature.parameters.values() if p.kind is p.POSITIONAL_ONLY]
    # Ids: ``..._id``, or what the path names a record by (a guest's ``email``).
    ids = resource._record_scope.parents
    assert all(p.name.endswith("_id") or p.name in ids for p in positional), positional
    assert kinds == sorted(kinds), "positional ids, then keyword-only options"
    assert inspect.Parameter.POSITIONAL_OR_KEYWORD not in kinds
    assert inspect.Parameter.VAR_KEYWORD not in kinds
    for parameter in signature.parameters.values():
        annotation = str(parameter.annotation)
        assert not re.search(r"\b_[A-Za-z]", annotation), f"private name in {annotation}"
        if parameter.kind is parameter.KEYWORD_ONLY and parameter.default is UNSET:
            assert annotation.startswith("UnsetOr["), (parameter.name, annotation)
        elif parameter.kind is parameter.KEYWORD_ONLY and parameter.default is not parameter.empty:
            assert parameter.name in PAGING | MODES or (name, parameter.name) == ("mine", "status")


@pytest.mark.parametrize(
    ("resource", "name", "signature"),
    [
        pytest.param(*each, id=f"{type(each[0]).__name__}.{each[1]}")
        for each in METHODS
        if each[0]._record_scope.parents
        and [p.name for p in each[2].parameters.values() if p.kind is p.POSITIONAL_ONLY]
        == list(each[0]._record_scope.parents)
    ],
)
def test_a_method_acting_on_one_record_takes_its_model(
    resource: Resource, name: str, signature: inspect.Signature
) -> None:
    assert resource.model is not None
    ids = [p for p in signature.parameters.values() if p.kind is p.POSITIONAL_ONLY]
    taking = [i for i, p in enumerate(ids) if resource.model.__name__ in str(p.annotation)]
    assert taking, [str(p.annotation) for p in ids]
    # The ids after the model's place are optional: the model carries them.
    assert all(p.default is None for p in ids[taking[0] + 1 :])


# --- a model stands for its ids -------------------------------------------------------


async def open_task(org: OrgClient, process_id: str) -> Task:
    tasks = await org.processes.tasks.list(process_id).to_list()
    return next(t for t in tasks if t.status != TaskStatus.COMPLETED and t.position != 1)


def api_routes(fake: FakeTallyfy) -> list[str | None]:
    return [r.route for r in fake.log if r.route != "oauth.token"]


async def test_a_task_stands_for_its_process_and_itself(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy, requests_to: RequestsTo
) -> None:
    task = await open_task(org, demo.process_ids[1])
    fake.reset_log()
    done = await org.processes.tasks.complete(task)
    assert api_routes(fake) == ["runs.tasks.complete"]
    path = f"/organizations/{demo.org_id}/runs/{task.run_id}/completed-tasks"
    assert requests_to("POST", path)[-1].body == {"task_id": task.id}
    assert done.status is TaskStatus.COMPLETED
    reopened = await org.processes.tasks.reopen(done)
    assert reopened.status is TaskStatus.IN_PROGRESS
    same = await org.processes.tasks.get(task.run_id or "", task.id)
    assert same.id == task.id


async def test_org_tasks_completes_a_process_task_through_its_process(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    task = await open_task(org, demo.process_ids[1])
    fake.reset_log()
    done = await org.tasks.complete(task)  # the model says its process: nothing is read
    assert api_routes(fake) == ["runs.tasks.complete"]
    assert done.run_id == task.run_id and done.status is TaskStatus.COMPLETED
    fake.reset_log()
    await org.tasks.reopen(task.id)  # an id: the task is read to learn its process
    assert api_routes(fake) == ["tasks.get", "runs.tasks.reopen"]


async def test_a_model_with_other_ids_is_refused_before_sending(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    task = await open_task(org, demo.process_ids[1])
    fake.reset_log()
    with pytest.raises(ValueError, match=f"belongs to process_id {task.run_id}"):
        await org.processes.tasks.complete(demo.process_ids[2], task)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="one argument too many"):
        await org.processes.tasks.get(task, task.id)
    oneoff = await org.tasks.get(demo.oneoff_task_ids[1])
    fake.reset_log()
    with pytest.raises(ValueError, match="does not say its process_id"):
        await org.processes.tasks.complete(oneoff)
    with pytest.raises(ValueError, match="process_id is required"):
        await org.processes.tasks.update(None, task.id, title="x")  # type: ignore[arg-type]
    assert fake.log == []


async def test_a_step_and_a_comment_stand_for_their_ids(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    [step, *_] = await org.steps.list(demo.blueprint_ids[0]).to_list()
    renamed = await org.steps.update(step, title="Renamed")
    path = f"/organizations/{demo.org_id}/checklists/{demo.blueprint_ids[0]}/steps/{step.id}"
    assert requests_to("PUT", path)[-1].body["title"] == "Renamed"
    assert (await org.steps.get(renamed)).title == "Renamed"

    task_id = demo.oneoff_task_ids[1]
    comment = await org.tasks.comments.add(task_id, content="Frist")
    assert isinstance(comment, Comment)
    edited = await org.tasks.comments.update(comment, content="First")
    assert edited.content == "First"
    await org.tasks.comments.delete(edited)
    assert await org.tasks.comments.list(task_id) == []


async def test_a_form_field_stands_for_its_step_and_itself(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    blueprint_id = demo.kickoff_blueprint_id
    [step, *_] = await org.steps.list(blueprint_id).to_list()
    field = await org.form_fields.create(
        blueprint_id, step.id, field_type="text", label="Notes", required=False
    )
    read = await org.form_fields.get(blueprint_id, field)
    assert read.id == field.id
    assert await org.form_fields.delete(blueprint_id, field) is None
    path = f"/organizations/{demo.org_id}/checklists/{blueprint_id}/steps/{step.id}/captures"
    assert requests_to("DELETE", f"{path}/{field.id}")[-1].status in (200, 204)


async def test_a_parent_stands_for_its_ids_in_the_resources_under_it(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    run = await org.processes.get(demo.process_ids[1])
    tasks = await org.processes.tasks.list(run).to_list()
    assert tasks and {t.run_id for t in tasks} == {run.id}
    note = await org.processes.comments.add(run, content="Kick-off moved")
    assert requests_to("POST", f"/organizations/{demo.org_id}/runs/{run.id}/comment")
    assert note.content == "Kick-off moved"
    comment = await org.tasks.comments.add(tasks[0], content="On it")
    assert [c.id for c in await org.tasks.comments.list(tasks[0])] == [comment.id]

    blueprint = await org.blueprints.get(demo.kickoff_blueprint_id)
    step = await org.steps.create(blueprint, title="Review")
    assert step.checklist_id == blueprint.id
    field = await org.form_fields.create(step, field_type="text", label="Notes", required=False)
    assert field.step_id == step.id
    with pytest.raises(ValueError, match=f"belongs to process_id {tasks[0].run_id}"):
        await org.processes.tasks.get(demo.process_ids[2], tasks[0])  # type: ignore[arg-type]


async def test_repr_says_where_a_child_resource_hangs(org: OrgClient, demo: DemoOrg) -> None:
    assert repr(org.tasks) == f"<Tasks of {demo.org_id}>"
    assert repr(org.processes.tasks) == (
        f"<ProcessTasks of {demo.org_id} at /organizations/{{org}}/runs/{{process_id}}>"
    )
    assert org.processes.tasks is org.processes.tasks  # built once, kept


# --- approvals need their decision ------------------------------------------------------


async def approval(org: OrgClient, fake: FakeTallyfy, demo: DemoOrg) -> Task:
    blueprint_id = fake.add_blueprint(
        demo.org_id, title="Sign-off", steps=[{"title": "Approve", "step_type": "approval"}]
    )
    process = await org.processes.launch(blueprint_id)
    [task] = await org.processes.tasks.list(process.id).to_list()
    return task


async def test_an_approval_given_as_a_task_is_refused_without_its_decision(
    org: OrgClient, fake: FakeTallyfy, demo: DemoOrg
) -> None:
    task = await approval(org, fake, demo)
    fake.reset_log()
    with pytest.raises(ValueError, match=r"is an approval: complete it with is_approved=True"):
        await org.processes.tasks.complete(task)
    with pytest.raises(ValueError, match="is an approval"):
        await org.tasks.complete(task)
    assert fake.log == []
    done = await org.processes.tasks.complete(task, is_approved=True)
    assert done.is_approved is True and done.status is TaskStatus.COMPLETED


async def test_an_approval_read_to_find_its_process_is_refused_without_its_decision(
    org: OrgClient, fake: FakeTallyfy, demo: DemoOrg
) -> None:
    task = await approval(org, fake, demo)
    fake.reset_log()
    with pytest.raises(ValueError, match="is an approval"):
        await org.tasks.complete(task.id)
    assert api_routes(fake) == ["tasks.get"]  # read to route it; the completion never left


async def test_a_one_off_approval_is_refused_without_its_decision(
    org: OrgClient, fake: FakeTallyfy, demo: DemoOrg
) -> None:
    task = await org.tasks.create(
        title="Approve the budget",
        task_type="approval",
        owners={"users": [demo.admin_id]},
        deadline=datetime(2030, 1, 1, tzinfo=UTC),
    )
    fake.reset_log()
    with pytest.raises(ValueError, match="is an approval"):
        await org.tasks.complete(task)
    assert fake.log == []
    done = await org.tasks.complete(task, is_approved=False)
    assert api_routes(fake) == ["tasks.complete"]
    assert done.is_approved is False


def test_a_signature_reads_as_written() -> None:
    signature = inspect.signature(TallyfyClient(PersonalAccessToken("t" * 40)).org("a" * 32)
                                  .processes.tasks.complete)  # fmt: skip
    assert str(signature) == (
        "(process_id: 'str | Task', task_id: 'str | None' = None, /, *, "
        "is_approved: 'UnsetOr[bool]' = UNSET, override_user: 'UnsetOr[int]' = UNSET) -> 'Task'"
    )
