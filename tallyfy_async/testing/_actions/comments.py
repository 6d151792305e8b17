"""Comments, problems and their resolution on tasks, processes and blueprints."""

from __future__ import annotations

from tallyfy_async.testing._state import Blueprint, Comment, Org, Run, Task, User, new_id
from tallyfy_async.testing._state.comments import comment_wire
from tallyfy_async.testing._state.runs import refresh

Subject = Task | Run | Blueprint


def _where(subject: Subject) -> dict[str, str | None]:
    if isinstance(subject, Task):
        return {"task_id": subject.id, "run_id": subject.wire["run_id"], "checklist_id": None}
    if isinstance(subject, Run):
        return {"task_id": None, "run_id": subject.id, "checklist_id": None}
    return {"task_id": None, "run_id": None, "checklist_id": subject.id}


def post(
    org: Org,
    subject: Subject,
    author: User,
    content: str,
    label: str,
    state: str,
    now: str,
    soon: str,
    *,
    resolve_id: str | None = None,
) -> Comment:
    """Add a comment; a ``problem`` one flags the task and its process until resolved."""
    comment = Comment(
        org.id,
        comment_wire(
            new_id(),
            content,
            label,
            state,
            author.wire,
            now,
            resolve_id=resolve_id,
            **_where(subject),
        ),
    )
    subject.threads.append(comment)
    org.comments[comment.id] = comment
    if label == "problem":
        _flag(subject, now, soon)
    return comment


def resolve(problem: Comment, subject: Subject, now: str, soon: str) -> None:
    """Close a problem thread; the subject stays flagged while another one is open."""
    problem.open_problem = False
    problem.update({"resolved_at": now}, now)
    _flag(subject, now, soon)


def delete(org: Org, subject: Subject, comment: Comment, now: str, soon: str) -> None:
    """Delete a comment (a deleted problem no longer flags anything)."""
    comment.open_problem = False
    subject.threads.remove(comment)
    org.comments.pop(comment.id, None)
    _flag(subject, now, soon)


def _flag(subject: Subject, now: str, soon: str) -> None:
    open_problem = any(comment.open_problem for comment in subject.threads)
    if isinstance(subject, Task):
        if subject.wire["problem"] != open_problem:
            subject.update({"problem": open_problem}, now)
        if subject.run is not None:
            refresh(subject.run, now, soon)
    elif isinstance(subject, Run):
        refresh(subject, now, soon)
