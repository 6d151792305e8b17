"""Comments on tasks, processes and blueprints over real HTTP against FakeTallyfy."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tallyfy_async import ValidationError
from tallyfy_async.client import OrgClient
from tallyfy_async.models.comments import Comment, CommentLabel, CommentState
from tallyfy_async.models.processes import ProcessStatus
from tallyfy_async.models.tasks import TaskStatus
from tallyfy_async.testing import DemoOrg, FakeTallyfy, LoggedRequest

RequestsTo = Callable[[str, str], list[LoggedRequest]]


def task_path(demo: DemoOrg, task_id: str) -> str:
    return f"/organizations/{demo.org_id}/tasks/{task_id}"


async def open_task(org: OrgClient, process_id: str) -> str:
    """A task of the process that is not completed and collects no required field."""
    tasks = await org.processes.tasks.list(process_id).to_list()
    return next(t.id for t in tasks if t.status != TaskStatus.COMPLETED and t.position != 1)


async def test_list_reads_the_task_s_threads(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    task_id = demo.oneoff_task_ids[1]
    assert await org.tasks.comments.list(task_id) == []
    assert requests_to("GET", task_path(demo, task_id))[-1].query == {"with": "threads"}


async def test_add_then_list(org: OrgClient, demo: DemoOrg, requests_to: RequestsTo) -> None:
    task_id = demo.oneoff_task_ids[1]
    comment = await org.tasks.comments.add(
        task_id,
        content=f"Please check @[{demo.member_id}]",
        label=CommentLabel.ADVICE,
        state="open",
    )
    [sent] = requests_to("POST", f"{task_path(demo, task_id)}/comment")
    assert sent.body == {
        "content": f"Please check @[{demo.member_id}]",
        "label": "advice",
        "state": "open",
    }
    assert isinstance(comment, Comment)
    assert comment.task_id == task_id and comment.author_id == demo.admin_id
    assert comment.label is CommentLabel.ADVICE and comment.state is CommentState.OPEN
    assert comment.author is not None and comment.author.first_name == "Alice"
    assert comment.created_at is not None and comment.created_at.tzinfo is not None
    listed = await org.tasks.comments.list(task_id)
    assert [c.id for c in listed] == [comment.id]


async def test_add_sends_only_what_was_given(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    task_id = demo.oneoff_task_ids[1]
    await org.tasks.comments.add(task_id, content="Plain")
    assert requests_to("POST", f"{task_path(demo, task_id)}/comment")[-1].body == {
        "content": "Plain"
    }


async def test_update_and_delete(org: OrgClient, demo: DemoOrg, requests_to: RequestsTo) -> None:
    task_id = demo.oneoff_task_ids[1]
    comment = await org.tasks.comments.add(task_id, content="Frist")
    edited = await org.tasks.comments.update(
        task_id, comment.id, content="First", state="collapsed"
    )
    path = f"{task_path(demo, task_id)}/comment/{comment.id}"
    assert requests_to("PUT", path)[-1].body == {"content": "First", "state": "collapsed"}
    assert edited.id == comment.id and edited.content == "First"
    assert edited.state is CommentState.COLLAPSED
    await org.tasks.comments.delete(task_id, comment.id)
    assert requests_to("DELETE", path)[-1].status in (200, 204)
    assert await org.tasks.comments.list(task_id) == []


async def test_a_problem_blocks_completion_until_resolved(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    process_id = demo.process_ids[1]
    task_id = await open_task(org, process_id)
    problem = await org.tasks.comments.report_problem(
        task_id, content="The supplier has not replied."
    )
    assert requests_to("POST", f"{task_path(demo, task_id)}/problem")[-1].body == {
        "content": "The supplier has not replied."
    }
    assert problem.label is CommentLabel.PROBLEM
    assert (await org.tasks.get(task_id)).problem is True
    assert (await org.processes.get(process_id)).status is ProcessStatus.PROBLEM
    with pytest.raises(ValidationError):
        await org.processes.tasks.complete(process_id, task_id)

    resolution = await org.tasks.comments.resolve(task_id, problem.id, content="They replied.")
    assert requests_to("POST", f"{task_path(demo, task_id)}/resolved-threads")[-1].body == {
        "content": "They replied.",
        "thread_id": problem.id,
    }
    assert resolution.label is CommentLabel.RESOLVE and resolution.resolve_id == problem.id
    assert (await org.tasks.get(task_id)).problem is False
    done = await org.processes.tasks.complete(process_id, task_id)
    assert done.status is TaskStatus.COMPLETED


async def test_add_as_bot(org: OrgClient, demo: DemoOrg, requests_to: RequestsTo) -> None:
    task_id = demo.oneoff_task_ids[1]
    comment = await org.tasks.comments.add_as_bot(task_id, content="Synced from the CRM")
    assert requests_to("POST", f"{task_path(demo, task_id)}/bot-comment")[-1].body == {
        "content": "Synced from the CRM"
    }
    assert comment.content == "Synced from the CRM"


async def test_process_threads(org: OrgClient, demo: DemoOrg, requests_to: RequestsTo) -> None:
    process_id = demo.process_ids[2]
    path = f"/organizations/{demo.org_id}/runs/{process_id}"
    note = await org.processes.comments.add(process_id, content="Kick-off moved")
    assert requests_to("POST", f"{path}/comment")[-1].body == {"content": "Kick-off moved"}
    assert note.content == "Kick-off moved"
    problem = await org.processes.comments.report_problem(process_id, content="Budget frozen")
    assert requests_to("POST", f"{path}/problem")[-1].body == {"content": "Budget frozen"}
    assert problem.label is CommentLabel.PROBLEM
    assert (await org.processes.get(process_id)).status is ProcessStatus.PROBLEM
    await org.processes.comments.resolve(process_id, problem.id, content="Unfrozen")
    assert requests_to("POST", f"{path}/resolved-threads")[-1].body == {
        "content": "Unfrozen",
        "thread_id": problem.id,
    }
    assert (await org.processes.get(process_id)).status is not ProcessStatus.PROBLEM


async def test_blueprint_threads(org: OrgClient, demo: DemoOrg, requests_to: RequestsTo) -> None:
    blueprint_id = demo.blueprint_ids[1]
    path = f"/organizations/{demo.org_id}/checklists/{blueprint_id}"
    note = await org.blueprints.comments.add(blueprint_id, content="Step 2 is unclear")
    assert requests_to("POST", f"{path}/comment")[-1].body == {"content": "Step 2 is unclear"}
    assert note.checklist_id == blueprint_id
    problem = await org.blueprints.comments.report_problem(blueprint_id, content="Wrong approver")
    assert problem.label is CommentLabel.PROBLEM
    resolution = await org.blueprints.comments.resolve(blueprint_id, problem.id, content="Fixed")
    assert requests_to("POST", f"{path}/resolved-threads")[-1].body == {
        "content": "Fixed",
        "thread_id": problem.id,
    }
    assert resolution.resolve_id == problem.id


async def test_bad_comments_are_refused_before_sending(org: OrgClient, fake: FakeTallyfy) -> None:
    task_id = "a" * 32
    with pytest.raises(ValueError, match="content is required"):
        await org.tasks.comments.add(task_id, content="  ")
    with pytest.raises(ValueError, match="label must be one of"):
        await org.tasks.comments.add(task_id, content="Hi", label="question")
    with pytest.raises(ValueError, match="state must be one of"):
        await org.tasks.comments.add(task_id, content="Hi", state="hidden")
    with pytest.raises(TypeError, match="content must be str"):
        await org.tasks.comments.update(task_id, "b" * 32, content=42)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="thread_id is required"):
        await org.tasks.comments.resolve(task_id, "", content="Done")
    with pytest.raises(TypeError, match="unexpected keyword argument 'sent_to'"):
        await org.tasks.comments.add(task_id, content="Hi", sent_to=[1])  # type: ignore[call-arg]
    assert fake.log == []
