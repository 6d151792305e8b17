"""Comments and issues (the API's threads) on tasks, processes and blueprints (catalogue §18)."""

from __future__ import annotations

import builtins
from typing import Any, Final

from tallyfy_async._routes import Route
from tallyfy_async.models.comments import Comment, CommentLabel, CommentState
from tallyfy_async.models.tasks import Task
from tallyfy_async.resources._base import Resource
from tallyfy_async.resources._payload import UNSET, _Unset, expect, one_of, payload, require
from tallyfy_async.resources.tasks import GET_TASK

ADD_COMMENT: Final = Route("POST", "/organizations/{org}/tasks/{task_id}/comment")
UPDATE_COMMENT: Final = Route("PUT", "/organizations/{org}/tasks/{task_id}/comment/{comment_id}")
DELETE_COMMENT: Final = Route("DELETE", "/organizations/{org}/tasks/{task_id}/comment/{comment_id}")
REPORT_PROBLEM: Final = Route("POST", "/organizations/{org}/tasks/{task_id}/problem")
RESOLVE_PROBLEM: Final = Route("POST", "/organizations/{org}/tasks/{task_id}/resolved-threads")
ADD_BOT_COMMENT: Final = Route("POST", "/organizations/{org}/tasks/{task_id}/bot-comment")
# Process and blueprint threads: documented once, used by no official client (low confidence).
ADD_PROCESS_COMMENT: Final = Route("POST", "/organizations/{org}/runs/{process_id}/comment")
REPORT_PROCESS_PROBLEM: Final = Route("POST", "/organizations/{org}/runs/{process_id}/problem")
RESOLVE_PROCESS_PROBLEM: Final = Route(
    "POST", "/organizations/{org}/runs/{process_id}/resolved-threads"
)
ADD_BLUEPRINT_COMMENT: Final = Route(
    "POST", "/organizations/{org}/checklists/{blueprint_id}/comment"
)
REPORT_BLUEPRINT_PROBLEM: Final = Route(
    "POST", "/organizations/{org}/checklists/{blueprint_id}/problem"
)
RESOLVE_BLUEPRINT_PROBLEM: Final = Route(
    "POST", "/organizations/{org}/checklists/{blueprint_id}/resolved-threads"
)

LABELS: Final = frozenset(member.value for member in CommentLabel)
STATES: Final = frozenset(member.value for member in CommentState)

_Label = CommentLabel | str | _Unset
_State = CommentState | str | _Unset


def _body(
    content: Any, *, label: Any = UNSET, state: Any = UNSET, thread_id: Any = UNSET
) -> dict[str, Any]:
    """A thread body, checked: ``content`` required, ``label``/``state`` known values.

    Raises:
        TypeError, ValueError: naming the field.
    """
    require("content", content)
    expect("content", content, str)
    if thread_id is not UNSET:
        require("thread_id", thread_id)
        expect("thread_id", thread_id, str)
    return {
        "content": content,
        "thread_id": thread_id,
        "label": UNSET if label is UNSET else one_of("label", label, LABELS),
        "state": UNSET if state is UNSET else one_of("state", state, STATES),
    }


class Comments(Resource):
    """Comments of one organization (``org.comments``).

    A comment's ``label`` says what it is: ``comment``, ``problem`` (an issue, which
    blocks the task's completion until resolved), ``resolve``, ``improvement`` or
    ``advice``. Mention a member with ``@[<user_id>]`` inside the content. Tallyfy
    caps comment posting at 120 an hour per organization.
    """

    async def list(self, task_id: str) -> builtins.list[Comment]:
        """The comments of a task: ``GET /organizations/{org}/tasks/{task_id}?with=threads``.

        Args:
            task_id: the task's id (a process task or a one-off task).

        Returns:
            The task's :class:`Comment` objects, as Tallyfy orders them.

        Raises:
            NotFoundError: no such task.
        """
        task = await self._item(GET_TASK, Task, {"task_id": task_id}, params={"with": "threads"})
        return list(task.threads or [])

    async def add(
        self, task_id: str, content: str, *, label: _Label = UNSET, state: _State = UNSET
    ) -> Comment:
        """Comment on a task: ``POST /organizations/{org}/tasks/{task_id}/comment``.

        Args:
            task_id: the task's id.
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
        return await self._post(ADD_COMMENT, {"task_id": task_id}, content, label, state)

    async def update(
        self,
        task_id: str,
        comment_id: str,
        content: str,
        *,
        label: _Label = UNSET,
        state: _State = UNSET,
    ) -> Comment:
        """Edit a comment: ``PUT /organizations/{org}/tasks/{task_id}/comment/{comment_id}``.

        Args:
            task_id: the task the comment is on.
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
        body = payload(self._org.client.converter, _body(content, label=label, state=state))
        return await self._item(
            UPDATE_COMMENT, Comment, {"task_id": task_id, "comment_id": comment_id}, json=body
        )

    async def delete(self, task_id: str, comment_id: str) -> None:
        """Delete a comment: ``DELETE /organizations/{org}/tasks/{task_id}/comment/{comment_id}``.

        Raises:
            NotFoundError: no such task or comment.
        """
        await self._send(DELETE_COMMENT, {"task_id": task_id, "comment_id": comment_id})

    async def report_problem(self, task_id: str, content: str) -> Comment:
        """Report an issue on a task: ``POST /organizations/{org}/tasks/{task_id}/problem``.

        The task cannot be completed until the issue is resolved (:meth:`resolve`); its
        process shows the ``problem`` status meanwhile.

        Returns:
            The problem :class:`Comment`; its ``id`` is the ``thread_id`` to resolve.

        Raises:
            ValueError: blank content.
            NotFoundError: no such task.
        """
        return await self._post(REPORT_PROBLEM, {"task_id": task_id}, content)

    async def resolve(
        self, task_id: str, thread_id: str, content: str, *, state: _State = UNSET
    ) -> Comment:
        """Resolve an issue: ``POST /organizations/{org}/tasks/{task_id}/resolved-threads``.

        Posting a comment labelled ``resolve`` does not clear an issue; this does.

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
        return await self._post(
            RESOLVE_PROBLEM, {"task_id": task_id}, content, state=state, thread_id=thread_id
        )

    async def add_as_bot(self, task_id: str, content: str) -> Comment:
        """Comment on a task as the organization's bot user.

        ``POST /organizations/{org}/tasks/{task_id}/bot-comment`` (low confidence: only
        Tallyfy's n8n node uses it).

        Raises:
            ValueError: blank content.
            NotFoundError: no such task.
        """
        return await self._post(ADD_BOT_COMMENT, {"task_id": task_id}, content)

    # -- process and blueprint threads (documented once; no official client uses them) --

    async def add_to_process(self, process_id: str, content: str) -> Comment:
        """Comment on a process: ``POST /organizations/{org}/runs/{process_id}/comment``.

        Raises:
            ValueError: blank content.
            NotFoundError: no such process.
        """
        return await self._post(ADD_PROCESS_COMMENT, {"process_id": process_id}, content)

    async def report_process_problem(self, process_id: str, content: str) -> Comment:
        """Report an issue on a process: ``POST .../runs/{process_id}/problem``.

        Raises:
            ValueError: blank content.
            NotFoundError: no such process.
        """
        return await self._post(REPORT_PROCESS_PROBLEM, {"process_id": process_id}, content)

    async def resolve_process_problem(
        self, process_id: str, thread_id: str, content: str
    ) -> Comment:
        """Resolve an issue on a process: ``POST .../runs/{process_id}/resolved-threads``.

        Raises:
            ValueError: blank content or thread id.
            NotFoundError: no such process.
        """
        return await self._post(
            RESOLVE_PROCESS_PROBLEM, {"process_id": process_id}, content, thread_id=thread_id
        )

    async def add_to_blueprint(self, blueprint_id: str, content: str) -> Comment:
        """Comment on a blueprint: ``POST .../checklists/{blueprint_id}/comment``.

        Raises:
            ValueError: blank content.
            NotFoundError: no such blueprint.
        """
        return await self._post(ADD_BLUEPRINT_COMMENT, {"blueprint_id": blueprint_id}, content)

    async def report_blueprint_problem(self, blueprint_id: str, content: str) -> Comment:
        """Report an issue on a blueprint: ``POST .../checklists/{blueprint_id}/problem``.

        Raises:
            ValueError: blank content.
            NotFoundError: no such blueprint.
        """
        return await self._post(REPORT_BLUEPRINT_PROBLEM, {"blueprint_id": blueprint_id}, content)

    async def resolve_blueprint_problem(
        self, blueprint_id: str, thread_id: str, content: str
    ) -> Comment:
        """Resolve an issue on a blueprint: ``POST .../checklists/{id}/resolved-threads``.

        Raises:
            ValueError: blank content or thread id.
            NotFoundError: no such blueprint.
        """
        return await self._post(
            RESOLVE_BLUEPRINT_PROBLEM,
            {"blueprint_id": blueprint_id},
            content,
            thread_id=thread_id,
        )

    async def _post(
        self,
        route: Route,
        path_ids: dict[str, object],
        content: Any,
        label: Any = UNSET,
        state: Any = UNSET,
        *,
        thread_id: Any = UNSET,
    ) -> Comment:
        fields = _body(content, label=label, state=state, thread_id=thread_id)
        body = payload(self._org.client.converter, fields)
        return await self._item(route, Comment, path_ids, json=body)
