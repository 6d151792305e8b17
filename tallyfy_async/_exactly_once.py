"""Exactly-once creates over an API that has no idempotency keys.

A launch (``POST .../runs``) or a one-off task (``POST .../tasks``) whose answer was lost
ends in :class:`~tallyfy_async.errors.OutcomeUnknownError`: Tallyfy may or may not have
created it, and sending it again may create a second one. A *dedupe key* makes the question
answerable: the create records the key on the object it creates, and after an unknown
outcome the SDK looks the key up, before anything is sent again. It returns the object that
was created, or, when none was, sends the create once more (at most
``EXACTLY_ONCE_SENDS`` times in all, each after a lookup that found nothing).

Where the key is recorded: at the end of the process **name** or the task **title**, as
``" [key]"`` (``"Onboard Jane [row-17]"``). Why there:

- the create request itself writes it: no process ever exists without its key (a custom
  field or a comment would take a second request, and a crash between the two leaves a
  process the lookup cannot find);
- Tallyfy can list by it alone, in one request: ``GET .../runs?q=`` and ``GET .../tasks?q=``
  match text the name or title contains; the SDK then keeps only the exact ``" [key]"``
  ending, so ``row-1`` never matches ``row-17``. No listing filters processes by summary or
  custom field (tasks have a custom-field filter, but a one-off task cannot be created
  with custom fields).

The trade-offs: the key shows in the name people read (keep keys short: at most 100
characters, no brackets or control characters), and the name must leave room for it
(550 characters for a process, 600 for a task title). The lookup sees what Tallyfy's
listing shows at that moment: a create the server is still working on when the client gave
up (a read timeout against a slow server) can land after the lookup found nothing, so give
the read timeout room. Renaming a process (or dropping the ``" [key]"``) makes its key
unfindable. Archived processes and tasks are looked up too. A key names one create for
good: when a key is used again by another job (the row numbers of two spreadsheets
launching the same blueprint), a lookup (after a lost answer, or for a resumed item) finds
the earlier job's process and returns it in place of a launch that was never made; build
keys that cannot repeat (``"hr-2025-03:row-17"``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterable, Awaitable, Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING, TypeVar

from tallyfy_async import _constants as C
from tallyfy_async.errors import OutcomeUnknownError, TallyfyError

if TYPE_CHECKING:
    from tallyfy_async.models.processes import Process
    from tallyfy_async.models.tasks import Task
    from tallyfy_async.resources.processes import Processes
    from tallyfy_async.resources.tasks import Tasks

#: What became of a create whose answer was lost is told where bulk jobs tell their news.
log = logging.getLogger("tallyfy_async.bulk")

T = TypeVar("T")

#: Set (by ``bulk.run``) for an item retried after an earlier run failed or lost track of it:
#: its create may already exist, so the key is looked up before the first send.
LOOKUP_FIRST: ContextVar[bool] = ContextVar("tallyfy_async_lookup_first", default=False)

#: Set by :func:`create_once` when that first lookup found the object: an earlier run created
#: it and nothing was sent (so the command line counts it apart from what it launched).
FOUND_EARLIER: ContextVar[bool] = ContextVar("tallyfy_async_found_earlier", default=False)

_BAD_KEY = re.compile(r"[\[\]\x00-\x1f\x7f]")


def check_key(key: object) -> str:
    """The dedupe key as text, checked.

    Raises:
        TypeError: not a str or an int.
        ValueError: empty, too long, or with brackets or control characters.
    """
    if isinstance(key, bool) or not isinstance(key, str | int):
        raise TypeError(f"dedupe_key must be a str or an int, got {type(key).__name__}")
    text = str(key)
    if not text.strip():
        raise ValueError("dedupe_key must not be empty")
    if len(text) > C.DEDUPE_KEY_MAX:
        raise ValueError(
            f"dedupe_key is {len(text)} characters; at most {C.DEDUPE_KEY_MAX} (it is written "
            "into the name or title)"
        )
    if _BAD_KEY.search(text) or text != text.strip():
        raise ValueError(
            f"dedupe_key {text!r} has brackets, control characters or surrounding spaces; "
            "it is written into the name or title as ' [key]' and must read back exactly"
        )
    return text


def with_key(text: object, key: str, field: str, max_length: int) -> str:
    """``text`` with the key recorded at its end.

    Raises:
        TypeError: ``text`` is not a str.
        ValueError: the result is longer than ``max_length``.
    """
    if not isinstance(text, str) or not text.strip():
        raise TypeError(
            f"dedupe_key is recorded in the {field}: give a {field} (a non-empty str) as well"
        )
    marked = f"{text}{marker(key)}"
    if len(marked) > max_length:
        raise ValueError(
            f"{field} with its dedupe key is {len(marked)} characters, over Tallyfy's "
            f"{max_length}; shorten the {field} or the key"
        )
    return marked


def marker(key: str) -> str:
    """What the key adds to a name or title."""
    return f" [{key}]"


async def find_process(processes: Processes, blueprint_id: str, key: str) -> Process | None:
    """The process of ``blueprint_id`` launched with ``key``, archived or not (one request
    unless more than a page of names contain the key)."""
    listing = processes.list(q=marker(key).strip(), blueprint_id=blueprint_id, archived=True)
    return await _first_with_key(listing, lambda process: process.name, key)


async def find_task(tasks: Tasks, key: str) -> Task | None:
    """The task created with ``key``, archived or not."""
    listing = tasks.list(q=marker(key).strip(), archived=True)
    return await _first_with_key(listing, lambda task: task.title, key)


async def _first_with_key(
    found: AsyncIterable[T], text_of: Callable[[T], str | None], key: str
) -> T | None:
    """The first listed object whose name or title ends with the key's marker."""
    ending = marker(key)
    async for item in found:
        text = text_of(item)
        if text is not None and text.endswith(ending):
            return item
    return None


async def create_once(
    send: Callable[[], Awaitable[T]],
    find: Callable[[], Awaitable[T | None]],
    *,
    what: str,
) -> T:
    """Send a create at most until it is known to exist, looking it up after each unknown.

    Args:
        send: sends the create (raises ``OutcomeUnknownError`` when its answer was lost).
        find: looks the key up; None when nothing carries it.
        what: names the create in log lines (``"launch [row-17]"``).

    Raises:
        OutcomeUnknownError: every send was lost and no lookup found the object, or a
            lookup itself failed (nothing is sent after a lookup that did not answer).
        TallyfyError: what ``send`` or ``find`` raised otherwise.
    """
    if LOOKUP_FIRST.get():
        existing = await find()
        if existing is not None:
            log.info("%s: already created by an earlier run; not sent again", what)
            FOUND_EARLIER.set(True)
            return existing
    for sends in range(1, C.EXACTLY_ONCE_SENDS + 1):
        try:
            return await send()
        except OutcomeUnknownError as unknown:
            try:
                existing = await find()
            except TallyfyError as lookup_failed:
                unknown.add_note(
                    f"looking the dedupe key up failed too ({type(lookup_failed).__name__}: "
                    f"{lookup_failed}); not sent again"
                )
                raise unknown from lookup_failed
            if existing is not None:
                log.info("%s: the answer was lost but it was created; not sent again", what)
                return existing
            if sends == C.EXACTLY_ONCE_SENDS:
                unknown.add_note(f"sent {sends} times, each answer lost, and the key was not found")
                raise
            log.info("%s: the answer was lost and it was not created; sending again", what)
    raise AssertionError("unreachable")  # pragma: no cover
