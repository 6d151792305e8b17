"""Comments and issues (the API's threads) on tasks, processes and blueprints.

One class serves every parent: ``org.processes.comments`` and
``org.blueprints.comments`` post to a process's or a blueprint's threads;
``org.tasks.comments`` also reads, edits and deletes a task's comments.
"""

from __future__ import annotations

import builtins
from typing import Any, Final, Generic, TypeVar

from tallyfy_async._routes import Route
from tallyfy_async._unset import UNSET, UnsetOr
from tallyfy_async.models.comments import Comment, CommentLabel, CommentState
from tallyfy_async.models.tasks import Task
from tallyfy_async.resources import _kinds as kinds
from tallyfy_async.resources._base import Resource

ADD_COMMENT: Final = Route("POST", "/comment")
UPDATE_COMMENT: Final = Route("PUT", "/comment/{comment_id}")
DELETE_COMMENT: Final = Route("DELETE", "/comment/{comment_id}")
REPORT_PROBLEM: Final = Route("POST", "/problem")
RESOLVE_PROBLEM: Final = Route("POST", "/resolved-threads")
ADD_BOT_COMMENT: Final = Route("POST", "/bot-comment")

#: The model of the record comments hang from (``Task``, ``Process``, ``Blueprint``).
P = TypeVar("P")

#: The fields of thread writes.
COMMENT_FIELDS: Final = {
    "content": kinds.Text(required=True),
    "label": kinds.Choice(choices=frozenset(member.value for member in CommentLabel)),
    "state": kinds.Choice(choices=frozenset(member.value for member in CommentState)),
    "thread_id": kinds.Text(filled=True),
}


class Comments(Resource, Generic[P]):
    """Comments and issues on the records of one parent (``org.processes.comments``...).

    An issue (a comment labelled ``problem``) flags its record until it is resolved
    with :meth:`resolve`. Mention a member with ``@[<user_id>]`` inside the content.
    Tallyfy caps comment posting at 120 an hour per organization.
    """

    records = "/comment/{comment_id}"
    model = Comment

    async def add(self, parent_id: str | P, /, *, content: str) -> Comment:
        """Comment on a record: ``POST .../comment``.

        Args:
            parent_id: the task's, process's or blueprint's id, or the record itself.
            content: the text (HTML allowed); ``@[<user_id>]`` mentions a member.

        Returns:
            The new :class:`Comment`.

        Raises:
            TypeError, ValueError: blank content; nothing was sent.
            NotFoundError: no such record.
            RateLimitError: the hourly comment cap was reached.
        """
        return await self._post(ADD_COMMENT, parent_id, locals())

    async def report_problem(self, parent_id: str | P, /, *, content: str) -> Comment:
        """Report an issue on a record: ``POST .../problem``.

        A task with an open issue cannot be completed; its process (or a process with
        an issue of its own) shows the ``problem`` status until :meth:`resolve`.

        Returns:
            The problem :class:`Comment`; its ``id`` is the thread to resolve.

        Raises:
            ValueError: blank content.
            NotFoundError: no such record.
        """
        return await self._post(REPORT_PROBLEM, parent_id, locals())

    async def resolve(self, parent_id: str | P, thread_id: str, /, *, content: str) -> Comment:
        """Resolve an issue: ``POST .../resolved-threads``.

        Posting a comment labelled ``resolve`` does not clear an issue; this does.

        Args:
            parent_id: the record the issue is on (its id, or the record).
            thread_id: the problem comment's id.
            content: the resolution's text.

        Returns:
            The resolution :class:`Comment`.

        Raises:
            TypeError, ValueError: blank content or thread id.
            NotFoundError: no such record.
            ValidationError: no such open issue (422).
        """
        return await self._post(RESOLVE_PROBLEM, parent_id, locals())

    async def _post(self, route: Route, parent_id: str | P, arguments: dict[str, Any]) -> Comment:
        body = self._body(COMMENT_FIELDS, arguments, skip=("parent_id",))
        return await self._item(route, Comment, self._parent_ids(parent_id), json=body.json())


class TaskComments(Comments[Task]):
    """Comments and issues on tasks (``org.tasks.comments``), process tasks and one-off tasks.

    A comment's ``label`` says what it is: ``comment``, ``problem`` (an issue, which
    blocks the task's completion until resolved), ``resolve``, ``improvement`` or
    ``advice``.
    """

    async def list(self, task_id: str | Task, /) -> builtins.list[Comment]:
        """The comments of a task, read with it: ``GET .../tasks/{task_id}?with=threads``.

        Returns:
            The task's :class:`Comment` objects, as Tallyfy orders them.

        Raises:
            NotFoundError: no such task.
        """
        task = await self._org.tasks.get(task_id, with_="threads")
        return list(task.threads or [])

    async def add(
        self,
        task_id: str | Task,
        /,
        *,
        content: str,
        label: UnsetOr[CommentLabel | str] = UNSET,
        state: UnsetOr[CommentState | str] = UNSET,
    ) -> Comment:
        """Comment on a task: ``POST /organizations/{org}/tasks/{task_id}/comment``.

        Args:
            task_id: the task's id, or the :class:`Task`.
            content: the text (HTML allowed); ``@[<user_id>]`` mentions a member.
            label: :class:`CommentLabel` (``comment`` when left out).
            state: :class:`CommentState` (Tallyfy's default is ``hide-for-guests``).

        Returns:
            The new :class:`Comment`.

        Raises:
            TypeError, ValueError: blank content, an unknown label or state.
            NotFoundError: no such task.
            RateLimitError: the hourly comment cap was reached.
        """
        return await self._post(ADD_COMMENT, task_id, locals())

    async def resolve(
        self,
        task_id: str | Task,
        thread_id: str,
        /,
        *,
        content: str,
        state: UnsetOr[CommentState | str] = UNSET,
    ) -> Comment:
        """Resolve an issue on a task: ``POST .../tasks/{task_id}/resolved-threads``.

        Args:
            task_id: the task the issue is on.
            thread_id: the problem comment's id.
            content: the resolution's text.
            state: :class:`CommentState` of the resolution.

        Returns:
            The resolution :class:`Comment`.

        Raises:
            TypeError, ValueError: blank content or thread id.
            NotFoundError: no such task.
            ValidationError: no such open issue (422).
        """
        return await self._post(RESOLVE_PROBLEM, task_id, locals())

    async def update(
        self,
        task_id: str | Comment,
        comment_id: str | None = None,
        /,
        *,
        content: str,
        label: UnsetOr[CommentLabel | str] = UNSET,
        state: UnsetOr[CommentState | str] = UNSET,
    ) -> Comment:
        """Edit a comment: ``PUT .../tasks/{task_id}/comment/{comment_id}``.

        Args:
            task_id: the task the comment is on, or the :class:`Comment` itself.
            comment_id: the comment's id.
            content: the new text.
            label: :class:`CommentLabel`.
            state: :class:`CommentState`.

        Returns:
            The updated :class:`Comment`.

        Raises:
            TypeError, ValueError: blank content, an unknown label or state.
            NotFoundError: no such task or comment.
        """
        body = self._body(COMMENT_FIELDS, locals())
        ids = self._ids(task_id, comment_id)
        return await self._item(UPDATE_COMMENT, Comment, ids, json=body.json())

    async def delete(self, task_id: str | Comment, comment_id: str | None = None, /) -> None:
        """Delete a comment: ``DELETE .../tasks/{task_id}/comment/{comment_id}``.

        Args:
            task_id: the task the comment is on, or the :class:`Comment` itself.
            comment_id: the comment's id.

        Raises:
            NotFoundError: no such task or comment.
        """
        await self._send(DELETE_COMMENT, self._ids(task_id, comment_id))

    async def add_as_bot(self, task_id: str | Task, /, *, content: str) -> Comment:
        """Comment on a task as the organization's bot user: ``POST .../bot-comment``.

        Only Tallyfy's n8n node is known to use this route.

        Raises:
            ValueError: blank content.
            NotFoundError: no such task.
        """
        return await self._post(ADD_BOT_COMMENT, task_id, locals())
