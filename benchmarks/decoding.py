"""Turning response bytes into objects, µs per task, for every decoder side by side.

The bytes are read from the fake once (a page of tasks and one task); the timing uses no
network. Decoders run interleaved, round after round; each figure is the best round
(as timeit reports it: other processes on the machine only ever add time).
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from datetime import datetime
from typing import Any

from benchmarks.jobs import MSGSPEC, Job
from benchmarks.measure import fetch_token

Decoder = Callable[[bytes], list[Any]]


try:
    import msgspec
except ImportError:  # the `bench` extra is not installed
    msgspec = None  # type: ignore[assignment]

if msgspec is not None:
    # Module level: msgspec resolves the (string) annotations in the module's namespace.
    class OwnersStruct(msgspec.Struct):
        """``owners`` as msgspec reads it."""

        users: list[Any] = msgspec.field(default_factory=list)
        guests: list[str] = msgspec.field(default_factory=list)
        groups: list[str] = msgspec.field(default_factory=list)

    class TaskStruct(msgspec.Struct):
        """The SDK's ``Task`` fields as a msgspec Struct (dates as datetimes, enums as str)."""

        id: str
        increment_id: int | None = None
        title: str | None = None
        original_title: str | None = None
        summary: str | None = None
        original_summary: str | None = None
        run_id: str | None = None
        checklist_id: str | None = None
        step_id: str | None = None
        linked_step_id: str | None = None
        alias: str | None = None
        taskdata: dict[str, Any] = msgspec.field(default_factory=dict)
        owners: OwnersStruct | None = None
        is_completable: bool | None = None
        status: str | None = None
        status_label: str | None = None
        task_type: str | None = None
        is_approved: bool | None = None
        position: int | None = None
        blueprint_position: int | None = None
        started_at: datetime | None = None
        deadline: datetime | None = None
        created_at: datetime | None = None
        last_updated: datetime | None = None
        archived_at: datetime | None = None
        completed_at: datetime | None = None
        starter_id: int | None = None
        completer_id: int | None = None
        completer_guest: Any = None
        completer_guest_id: int | None = None
        is_oneoff_task: bool | None = None
        everyone_must_complete: bool | None = None
        completion_progress: Any = None
        has_deadline_dependent_child_tasks: bool | None = None
        can_complete_only_assignees: bool | None = None
        max_assignable: int | None = None
        webhook: str | None = None
        prevent_guest_comment: bool | None = None
        stage_id: str | None = None
        problem: bool | None = None
        is_soft_start_date: bool | None = None
        send_chromeless: bool | None = None
        run_status: str | None = None
        top_secret: bool | None = None
        tasks_changed_by_rules: Any = None
        custom_fields: Any = None

    class PageStruct(msgspec.Struct):
        """A list response: only ``data`` is decoded into structs (meta is skipped)."""

        data: list[TaskStruct]

    class OneStruct(msgspec.Struct):
        """A single-task response."""

        data: TaskStruct


def _msgspec_decoders() -> tuple[Decoder, Decoder] | None:
    """msgspec into Structs mirroring the SDK's ``Task`` (None without msgspec)."""
    if msgspec is None:
        return None
    page_decoder = msgspec.json.Decoder(PageStruct)
    one_decoder = msgspec.json.Decoder(OneStruct)
    return (
        lambda raw: page_decoder.decode(raw).data,
        lambda raw: [one_decoder.decode(raw).data],
    )


def _decoders() -> dict[str, tuple[Decoder, Decoder]]:
    """name -> (decode a page into its tasks, decode one task); missing packages skipped."""
    from tallyfy_async._serde import default_converter
    from tallyfy_async.models.tasks import Task

    hook = default_converter.get_structure_hook(Task)

    def sdk(loads: Callable[[bytes], Any]) -> tuple[Decoder, Decoder]:
        # What the SDK does: its JSON loads, then the converter's structure hook per item
        # (pagination.read_page, and a typed read's reader in Resource._item).
        return (
            lambda raw: [hook(item, Task) for item in loads(raw)["data"]],
            lambda raw: [hook(loads(raw)["data"], Task)],
        )

    out: dict[str, tuple[Decoder, Decoder]] = {}
    structs = _msgspec_decoders()
    if structs is not None:
        out[MSGSPEC] = structs
    try:
        import orjson
    except ImportError:
        orjson = None  # type: ignore[assignment]
    if orjson is not None:
        out["orjson.loads -> dicts"] = (
            lambda raw: orjson.loads(raw)["data"],
            lambda raw: [orjson.loads(raw)["data"]],
        )
    out["json.loads -> dicts"] = (
        lambda raw: json.loads(raw)["data"],
        lambda raw: [json.loads(raw)["data"]],
    )
    if orjson is not None:
        out["tallyfy-async: orjson + converter (speed extra)"] = sdk(orjson.loads)
    out["tallyfy-async: json + converter"] = sdk(json.loads)
    try:
        from tallyfy.models import Task as OfficialTask
        from tallyfy.models import TasksList
    except ImportError:
        return out
    out["tallyfy 3.1.0: json + from_dict"] = (
        lambda raw: TasksList.from_dict(json.loads(raw)).data,
        lambda raw: [OfficialTask.from_dict(json.loads(raw)["data"])],
    )
    return out


def _fetch(url: str, token: str) -> bytes:
    request = urllib.request.Request(
        url,
        headers={
            "Authorization": f"Bearer {token}",
            "X-Tallyfy-Client": "APIClient",
            "Accept": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as resp:
        body: bytes = resp.read()
    return body


def _per_item_us(decoder: Decoder, raw: bytes, min_s: float) -> float:
    """µs per decoded item: as many calls as fit in ``min_s`` (at least 3, at most 100,000)."""
    items = len(decoder(raw))
    calls = 0
    started = time.perf_counter()
    elapsed = 0.0
    for _ in range(100_000):
        decoder(raw)
        calls += 1
        elapsed = time.perf_counter() - started
        if calls >= 3 and elapsed >= min_s:
            break
    return elapsed / calls / max(items, 1) * 1e6


def run_decoding(job: Job) -> dict[str, Any]:
    """The decoding table: per decoder, µs per task in a page and for a single task."""
    sizes, target = job.sizes, job.target
    login = target.export_org
    token = fetch_token(target.token_url, login)
    org_url = f"{target.base_url}/organizations/{login.org_id}"
    page_raw = _fetch(f"{org_url}/tasks?page=1&per_page={sizes.per_page}", token)
    one_raw = _fetch(f"{org_url}/tasks/{target.task_id}", token)
    decoders = _decoders()
    page_us: dict[str, list[float]] = {name: [] for name in decoders}
    one_us: dict[str, list[float]] = {name: [] for name in decoders}
    for page, one in decoders.values():  # warm: hooks generated, caches filled
        page(page_raw)
        one(one_raw)
    for _ in range(sizes.decode_rounds):
        for name, (page, one) in decoders.items():
            page_us[name].append(_per_item_us(page, page_raw, sizes.decode_min_s))
            one_us[name].append(_per_item_us(one, one_raw, sizes.decode_min_s))
    return {
        "page_bytes": len(page_raw),
        "page_items": len(json.loads(page_raw)["data"]),
        "task_bytes": len(one_raw),
        "rounds": sizes.decode_rounds,
        "decoders": {
            name: {
                # Best round, as timeit reports: other processes only ever add time.
                "page_us_per_task": min(page_us[name]),
                "single_us_per_task": min(one_us[name]),
                "page_rounds": page_us[name],
                "single_rounds": one_us[name],
            }
            for name in decoders
        },
    }
