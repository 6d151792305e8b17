"""Comments, problems and resolutions.

Task comments are read through the task (``?with=threads``); process and blueprint threads
through ``?with=threads`` on them too.
"""

from __future__ import annotations

from tallyfy_async.testing._actions import comments
from tallyfy_async.testing._actions.comments import Subject
from tallyfy_async.testing._context import Ctx
from tallyfy_async.testing._fields import Fields
from tallyfy_async.testing._http import Reply, data, empty, invalid_field, not_found
from tallyfy_async.testing._router import RouteTable
from tallyfy_async.testing._state import Comment, User
from tallyfy_async.testing._state.comments import LABELS, STATES
from tallyfy_async.testing.routes._common import blueprint_of, run_of, task_of

routes = RouteTable()

#: The author of ``bot-comment`` posts (GUESS: no source shows the bot user's fields).
BOT = User(0, "bot@tallyfy.com", "", {
    "id": 0, "username": "tallyfy-bot", "first_name": "Tallyfy", "last_name": "Bot",
    "full_name": "Tallyfy Bot", "profile_pic": None,
})  # fmt: skip


def _post(
    ctx: Ctx, subject: Subject, *, label: str | None = None, author: User | None = None
) -> Reply:
    fields = Fields(ctx.body)
    content = fields.string("content", required=True)
    chosen = label or fields.choice("label", LABELS) or "comment"
    state = fields.choice("state", STATES) or ("open" if chosen == "problem" else "hide-for-guests")
    fields.check()
    assert content is not None
    comment = comments.post(
        ctx.the_org(), subject, author or ctx.the_user(), content, chosen, state, ctx.now, ctx.soon
    )
    return data(comment.wire)


def _resolve(ctx: Ctx, subject: Subject) -> Reply:
    fields = Fields(ctx.body)
    thread_id = fields.string("thread_id", required=True)
    content = fields.string("content", required=True)
    state = fields.choice("state", STATES) or "hide-for-guests"
    fields.check()
    assert thread_id is not None and content is not None
    problem = next((c for c in subject.threads if c.id == thread_id and c.open_problem), None)
    if problem is None:
        raise invalid_field("thread_id", "The selected thread id is invalid.")
    comments.resolve(problem, subject, ctx.now, ctx.soon)
    resolution = comments.post(
        ctx.the_org(), subject, ctx.the_user(), content, "resolve", state, ctx.now, ctx.soon,
        resolve_id=problem.id,
    )  # fmt: skip
    return data(resolution.wire)


def _comment(ctx: Ctx, subject: Subject) -> Comment:
    threads: list[Comment] = subject.threads
    for comment in threads:
        if comment.id == ctx.params["comment_id"]:
            return comment
    raise not_found()


_TASK = "/organizations/{org}/tasks/{task_id}"


@routes.post(f"{_TASK}/comment", "tasks.comment")
def comment_task(ctx: Ctx) -> Reply:
    """Comment on a task (``content`` required; ``label`` and ``state`` from their lists)."""
    return _post(ctx, task_of(ctx))


@routes.put(f"{_TASK}/comment/{{comment_id}}", "tasks.comment.update")
def update_comment(ctx: Ctx) -> Reply:
    """Edit a comment's content, label or state."""
    task = task_of(ctx)
    comment = _comment(ctx, task)
    fields = Fields(ctx.body)
    content = fields.string("content", required=True)
    label = fields.choice("label", LABELS)
    state = fields.choice("state", STATES)
    fields.check()
    values = {"content": content, "updated_at": ctx.now, "last_updated_at": ctx.now}
    if label is not None:
        values["label"] = label
    if state is not None:
        values["state"] = state
    comment.update(values)
    return data(comment.wire)


@routes.delete(f"{_TASK}/comment/{{comment_id}}", "tasks.comment.delete", status=204)
def delete_comment(ctx: Ctx) -> Reply:
    """Delete a comment."""
    task = task_of(ctx)
    comments.delete(ctx.the_org(), task, _comment(ctx, task), ctx.now, ctx.soon)
    return empty(204)


@routes.post(f"{_TASK}/problem", "tasks.problem")
def task_problem(ctx: Ctx) -> Reply:
    """Report a problem: the task (and its process) are flagged until it is resolved."""
    return _post(ctx, task_of(ctx), label="problem")


@routes.post(f"{_TASK}/resolved-threads", "tasks.resolve")
def resolve_task_problem(ctx: Ctx) -> Reply:
    """Resolve an open problem thread (``thread_id`` and ``content`` required)."""
    return _resolve(ctx, task_of(ctx))


@routes.post(f"{_TASK}/bot-comment", "tasks.bot_comment")
def bot_comment(ctx: Ctx) -> Reply:
    """A comment posted as the bot user."""
    return _post(ctx, task_of(ctx), label="comment", author=BOT)


_RUN = "/organizations/{org}/runs/{run_id}"
_BLUEPRINT = "/organizations/{org}/checklists/{checklist_id}"


@routes.post(f"{_RUN}/comment", "runs.comment")
def comment_run(ctx: Ctx) -> Reply:
    """Comment on a process."""
    return _post(ctx, run_of(ctx), label="comment")


@routes.post(f"{_RUN}/problem", "runs.problem")
def run_problem(ctx: Ctx) -> Reply:
    """Report a problem on a process (its status becomes ``problem``)."""
    return _post(ctx, run_of(ctx), label="problem")


@routes.post(f"{_RUN}/resolved-threads", "runs.resolve")
def resolve_run_problem(ctx: Ctx) -> Reply:
    """Resolve a process problem."""
    return _resolve(ctx, run_of(ctx))


@routes.post(f"{_BLUEPRINT}/comment", "blueprints.comment")
def comment_blueprint(ctx: Ctx) -> Reply:
    """Comment on a blueprint."""
    return _post(ctx, blueprint_of(ctx, archived=False), label="comment")


@routes.post(f"{_BLUEPRINT}/problem", "blueprints.problem")
def blueprint_problem(ctx: Ctx) -> Reply:
    """Report a problem on a blueprint."""
    return _post(ctx, blueprint_of(ctx, archived=False), label="problem")


@routes.post(f"{_BLUEPRINT}/resolved-threads", "blueprints.resolve")
def resolve_blueprint_problem(ctx: Ctx) -> Reply:
    """Resolve a blueprint problem."""
    return _resolve(ctx, blueprint_of(ctx, archived=False))
