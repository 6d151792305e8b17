"""Search results: one block per type of record, each paginated on its own."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

import attrs

from tallyfy_async._serde import OpenStrEnum
from tallyfy_async.models._base import Model
from tallyfy_async.models.common import Owners
from tallyfy_async.pagination import Page


class SearchType(OpenStrEnum):
    """What a search looks in (the API's ``on``)."""

    BLUEPRINT = "blueprint"
    PROCESS = "process"
    TASK = "task"
    SNIPPET = "snippet"
    CAPTURE = "capture"
    STEP = "step"


@attrs.frozen(kw_only=True)
class BlueprintHit(Model):
    """A blueprint found by a search."""

    id: str
    title: str | None = None
    type: str | None = None
    steps_count: int | None = None
    icon: str | None = None
    is_public: bool | None = None
    is_featured: bool | None = None
    organization_id: str | None = None
    folders: list[Any] = attrs.Factory(list)


@attrs.frozen(kw_only=True)
class ProcessHit(Model):
    """A process found by a search."""

    id: str
    increment_id: int | None = None
    name: str | None = None
    status: str | None = None
    due_date_passed: bool | None = None
    due_soon: bool | None = None


@attrs.frozen(kw_only=True)
class TaskHit(Model):
    """A task found by a search.

    Tallyfy does not say the task's process here: read the task
    (``org.tasks.get(hit.id)``) for its ``run_id``.
    """

    id: str
    title: str | None = None
    status: str | None = None
    status_label: str | None = None
    position: int | None = None
    deadline: datetime | None = None
    created_at: datetime | None = None
    starter_id: int | None = None
    is_oneoff_task: bool | None = None
    owners: Owners | None = None


@attrs.frozen(kw_only=True)
class SnippetHit(Model):
    """A snippet found by a search."""

    id: str
    title: str | None = None
    content: str | None = None


@attrs.frozen(kw_only=True)
class CaptureHit(Model):
    """A form field (capture) of a blueprint step found by a search."""

    id: str
    label: str | None = None
    field_type: str | None = None
    step_id: str | None = None
    checklist_id: str | None = None


@attrs.frozen(kw_only=True)
class StepHit(Model):
    """A blueprint step found by a search."""

    id: str
    title: str | None = None
    checklist_id: str | None = None
    position: int | None = None


H = TypeVar("H")


@attrs.frozen
class SearchBlock(Generic[H]):
    """The results of one type: its first page, and how to walk the others.

    Attributes:
        type: the :class:`SearchType` searched.
        page: the page read (``page.total`` counts every hit of this type).
    """

    type: SearchType
    page: Page[H]

    @property
    def items(self) -> list[H]:
        """The hits of this page."""
        return self.page.items

    @property
    def total(self) -> int:
        """Hits of this type across every page."""
        return self.page.total

    def __iter__(self) -> Any:
        return iter(self.page.items)

    def __len__(self) -> int:
        return len(self.page.items)

    def __repr__(self) -> str:
        return f"<SearchBlock {self.type.value}: {len(self.page.items)} of {self.page.total}>"


@attrs.frozen(kw_only=True)
class SearchResults:
    """What :meth:`Search.__call__ <tallyfy_async.resources.search.Search.__call__>`
    found: one :class:`SearchBlock` per type asked for (None for a type not asked for).

    ``org.search.walk(q, type)`` walks every page of one type.
    """

    query: str
    blueprint: SearchBlock[BlueprintHit] | None = None
    process: SearchBlock[ProcessHit] | None = None
    task: SearchBlock[TaskHit] | None = None
    snippet: SearchBlock[SnippetHit] | None = None
    capture: SearchBlock[CaptureHit] | None = None
    step: SearchBlock[StepHit] | None = None

    def blocks(self) -> list[SearchBlock[Any]]:
        """The blocks of the types asked for, in the order :class:`SearchType` lists them."""
        found = (self.blueprint, self.process, self.task, self.snippet, self.capture, self.step)
        return [block for block in found if block is not None]

    def __repr__(self) -> str:
        counts = ", ".join(f"{b.type.value} {b.total}" for b in self.blocks())
        return f"<SearchResults {self.query!r}: {counts or 'nothing asked'}>"


__all__ = [
    "BlueprintHit",
    "CaptureHit",
    "ProcessHit",
    "SearchBlock",
    "SearchResults",
    "SearchType",
    "SnippetHit",
    "StepHit",
    "TaskHit",
]
