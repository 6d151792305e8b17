"""Comments (the API's threads) on tasks, processes and blueprints."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from tallyfy_async._serde import OpenStrEnum
from tallyfy_async.models._base import Model


class CommentLabel(OpenStrEnum):
    """``label`` of a comment: what kind of thread it is."""

    COMMENT = "comment"
    PROBLEM = "problem"
    RESOLVE = "resolve"
    IMPROVEMENT = "improvement"
    ADVICE = "advice"


class CommentState(OpenStrEnum):
    """``state`` of a comment: who sees it and how (``hide-for-guests`` is the server default)."""

    OPEN = "open"
    HIDE_FOR_GUESTS = "hide-for-guests"
    COLLAPSED = "collapsed"


@attrs.frozen(kw_only=True)
class CommentAuthor(Model):
    """Who wrote a comment, as the comment carries it."""

    id: int | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    full_name: str | None = None
    profile_pic: str | None = None


@attrs.frozen(kw_only=True)
class Comment(Model):
    """A comment, a reported problem or a resolution.

    Attributes:
        id: the comment's 32-hex id (also the ``thread_id`` a resolution names).
        content: the text; mentions are ``@[<user_id>]`` markup inside it.
        label: :class:`CommentLabel` (``problem`` for an issue, ``resolve`` for its fix).
        state: :class:`CommentState`.
        author_id: the member who wrote it.
        task_id: the task it is on (``None`` on process or blueprint threads).
        resolve_id: on a resolution, the problem thread it resolved.
        sent_to: members notified (derived by Tallyfy from the mentions).
        author: the author's name and picture.
    """

    id: str
    content: str | None = None
    label: CommentLabel | None = None
    state: CommentState | None = None
    author_id: int | None = None
    author_type: str | None = None
    task_id: str | None = None
    run_id: str | None = None
    checklist_id: str | None = None
    resolve_id: str | None = None
    sent_to: list[Any] = attrs.Factory(list)
    sent_by: int | None = None
    created_ago: str | None = None
    author: CommentAuthor | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    last_updated_at: datetime | None = None
    archived_at: datetime | None = None
    resolved_at: datetime | None = None
