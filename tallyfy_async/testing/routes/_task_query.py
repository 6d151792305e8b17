"""Filters and sorts of the task lists (process, organization and user task lists)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from tallyfy_async.testing._context import Ctx
from tallyfy_async.testing._state import Task
from tallyfy_async.testing.routes._common import csv, csv_ints

Check = Callable[[Task], bool]


def status_check(status: str, now: str, soon: str) -> Check | None:
    """The test for one ``status`` filter value; ``None``: no filtering."""
    if status in ("complete", "completed"):
        return lambda task: task.wire["status"] == "completed"
    if status in ("active", "incomplete", "active_visible"):
        return lambda task: not task.done
    if status == "inprogress":
        return lambda task: task.wire["status"] == "in-progress"
    if status == "not-started":
        return lambda task: task.wire["status"] == "not-started"
    if status == "hasproblem":
        return lambda task: bool(task.wire["problem"])
    if status == "overdue":
        return lambda task: not task.done and _before(task, now)
    if status == "due_soon":
        return lambda task: not task.done and not _before(task, now) and _before(task, soon, True)
    return None


def _before(task: Task, moment: str, inclusive: bool = False) -> bool:
    deadline = task.wire["deadline"]
    if deadline is None:
        return False
    return bool(deadline <= moment if inclusive else deadline < moment)


def filter_tasks(
    ctx: Ctx, items: Sequence[Task], *, default_status: str | None = None
) -> Sequence[Task]:
    """Apply the filters the task lists share: status, owners, guests, groups, unassigned,
    is_oneoff, q and the deadline ranges (dates as ``YYYY-MM-DD``)."""
    query = ctx.query
    checks: list[Check] = []
    status = query.get("status") or default_status
    if status:
        check = status_check(status, ctx.now, ctx.soon)
        if check is not None:
            checks.append(check)
    owners = csv_ints(query.get("owners"))
    if owners:
        checks.append(lambda task: not owners.isdisjoint(task.wire["owners"]["users"]))
    guests = csv(query.get("guests"))
    if guests:
        checks.append(lambda task: not guests.isdisjoint(task.wire["owners"]["guests"]))
    groups = csv(query.get("groups"))
    if groups:
        checks.append(lambda task: not groups.isdisjoint(task.wire["owners"]["groups"]))
    if ctx.flag("unassigned"):
        checks.append(lambda task: not any(task.wire["owners"].values()))
    oneoff = ctx.flag("is_oneoff")
    if oneoff is not None:
        checks.append(lambda task: task.wire["is_oneoff_task"] == oneoff)
    q = query.get("q", "").lower()
    if q:
        checks.append(lambda task: q in task.wire["title"].lower())
    for name, test in (
        ("deadline_before", lambda day, limit: day < limit),
        ("deadline_after", lambda day, limit: day > limit),
        ("deadline_on", lambda day, limit: day == limit),
        ("deadline_start_range", lambda day, limit: day >= limit),
        ("deadline_end_range", lambda day, limit: day <= limit),
    ):
        limit = query.get(name)
        if limit:
            checks.append(_deadline_check(test, limit[:10]))
    if not checks:
        return items
    return [task for task in items if all(check(task) for check in checks)]


def _deadline_check(test: Callable[[str, str], bool], limit: str) -> Check:
    def check(task: Task) -> bool:
        deadline = task.wire["deadline"]
        return deadline is not None and test(deadline[:10], limit)

    return check


_SORT_FIELDS = {
    "position": "position",
    "deadline": "deadline",
    "newest": "created_at",
    "created_at": "created_at",
    "completed_newest": "completed_at",
    "title": "title",
}


def sort_tasks(ctx: Ctx, items: Sequence[Task]) -> Sequence[Task]:
    """``sort``/``sort_by``: position, deadline, newest, completed_newest, problems, title."""
    spec = ctx.query.get("sort") or ctx.query.get("sort_by")
    if not spec:
        return items
    descending = spec.startswith("-")
    name = spec.lstrip("-")
    if name in ("newest", "completed_newest"):
        descending = not descending  # "newest" is already newest first
    if name == "problems":
        return sorted(items, key=lambda task: not task.wire["problem"])
    field = _SORT_FIELDS.get(name)
    if field is None:
        return items
    present = [task for task in items if task.wire[field] is not None]
    absent = [task for task in items if task.wire[field] is None]
    return sorted(present, key=lambda task: task.wire[field], reverse=descending) + absent


def user_meta(tasks: Sequence[Task], now: str, soon: str) -> dict[str, int]:
    """``overdue_tasks`` and ``tasks_due_soon`` beside the pagination."""
    overdue = due_soon = 0
    for task in tasks:
        if task.done or task.wire["deadline"] is None:
            continue
        if task.wire["deadline"] < now:
            overdue += 1
        elif task.wire["deadline"] <= soon:
            due_soon += 1
    return {"overdue_tasks": overdue, "tasks_due_soon": due_soon}
