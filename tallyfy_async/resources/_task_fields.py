"""What the two task resources share: field tables, list filters, owners and completion.

``org.tasks`` (every task; one-off tasks' writes) and ``org.processes.tasks`` (the
tasks of one process) write the same task fields and filter on the same ones, so
both read them from here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final

from tallyfy_async._serde import Converter
from tallyfy_async._unset import UNSET
from tallyfy_async.models.common import Owners
from tallyfy_async.models.tasks import Task, TaskType
from tallyfy_async.resources import _kinds as kinds
from tallyfy_async.resources._body import Body
from tallyfy_async.resources._form_values import OWNER_BUCKETS, encode_form_values

TITLE_MAX: Final = 600
TASK_TYPES: Final = frozenset(member.value for member in TaskType)
#: Values of the ``status`` filter of task lists (not the task statuses themselves).
LIST_STATUSES: Final = frozenset(
    (
        "all",
        "active",
        "active_visible",
        "incomplete",
        "inprogress",
        "not-started",
        "complete",
        "completed",
        "hasproblem",
        "overdue",
        "due_soon",
    )
)
#: The statuses a write may set (Tallyfy moves tasks to the others itself).
WRITE_STATUSES: Final = frozenset(("not-started", "in-progress"))


#: The fields of a task update, through its process or not.
TASK_FIELDS: Final[dict[str, kinds.Kind]] = {
    "title": kinds.Text(max_len=TITLE_MAX, filled=True),
    "summary": kinds.TEXT_OR_NONE,
    "owners": kinds.Owners(complete=False),
    "deadline": kinds.AWARE_DATE,
    "started_at": kinds.AWARE_DATE,
    "status": kinds.Choice(choices=WRITE_STATUSES),
    "position": kinds.Int(minimum=1),
    "max_assignable": kinds.Int(minimum=0),
    "task_type": kinds.Choice(choices=TASK_TYPES),
    "webhook": kinds.WEBHOOK,
    **kinds.flags("top_secret", "prevent_guest_comment"),
    # kinds.Checked against the task's form fields, read first, and sent as ``taskdata``.
    "form_values": kinds.Instance(types=Mapping, sent=False),
}

#: The filters both task lists take.
TASK_FILTERS: Final[dict[str, kinds.Kind]] = {
    "status": kinds.Choice(choices=LIST_STATUSES),
    "owners": kinds.OneOrMany(item=int),
    "guests": kinds.OneOrMany(item=str),
    "groups": kinds.OneOrMany(item=str),
    "unassigned": kinds.FLAG,
    **dict.fromkeys(
        (
            "deadline_on",
            "deadline_before",
            "deadline_after",
            "deadline_start_range",
            "deadline_end_range",
        ),
        kinds.DAY,
    ),
    "with_": kinds.WITH,
    "sort": kinds.TEXT,
}


async def owners_and_values(
    body: Body,
    read: Callable[[bool], Awaitable[Task]],
    form_values: Any,
    *,
    one_off: bool,
    need: bool = False,
) -> Task | None:
    """Complete ``body``'s ``owners`` and ``taskdata``, reading the task when needed.

    Tallyfy empties an owner bucket that an ``owners`` object leaves out, so buckets
    not given are filled from the task's current owners. A one-off task's PUT needs
    ``owners`` every time; form values are checked against the task's form fields.

    Args:
        body: the update's body, its ``owners`` (when given) checked.
        read: reads the task, with its form fields when told True.
        form_values: the answers to encode as ``taskdata``, or UNSET.
        one_off: the PUT is the organization's, which requires ``owners``.
        need: read the task in any case (other fields need it).

    Returns:
        The task as read, or None when it was not read.

    Raises:
        FormValuesError: form values refused (each problem naming its field).
    """
    given = body.get("owners")
    partial = given is not None and len(given) < len(OWNER_BUCKETS)
    if need or partial or (one_off and given is None) or form_values is not UNSET:
        current = await read(form_values is not UNSET)
    else:
        return None
    if given is not None and partial:
        body["owners"] = {**(current.owners or Owners()).to_wire(), **given}
    elif given is None and one_off:
        body["owners"] = (current.owners or Owners()).to_wire()
    if form_values is not UNSET:
        body["taskdata"] = encode_form_values(
            current.form_fields or [], form_values, what="form_values", require_all=False
        )
    return current


def completion_body(
    converter: Converter, task_id: object, is_approved: Any, override_user: Any
) -> Body:
    """A completion's body: the task's id, the approval's decision, who completes it.

    Raises:
        TypeError, ValueError: a value of the wrong type, or no task id.
    """
    body = Body(converter)
    body.put("task_id", task_id, kinds.Text(required=True))
    body.put("is_approved", is_approved, kinds.FLAG)
    body.put("override_user", override_user, kinds.INT)
    return body


def refuse_undecided_approval(task: Task | None, body: Body) -> None:
    """Refuse to complete an approval task without its decision.

    Tallyfy answers 422 "The is approved field is required"; where the task is known
    (given, or read anyway), the call is refused before anything is sent.

    Raises:
        ValueError: ``task`` is an approval and ``body`` has no ``is_approved``.
    """
    if task is not None and task.task_type == TaskType.APPROVAL and "is_approved" not in body:
        raise ValueError(
            f"task {task.id} is an approval: complete it with is_approved=True (approve) or "
            "is_approved=False (reject); Tallyfy refuses it without the decision"
        )
