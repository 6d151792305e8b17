"""``get(..., raw=True)`` on every single read: the record as the dict Tallyfy sent.

Each read is checked over real HTTP against the same route read through the escape hatch
(``org.request``), and every ``get`` of every resource is found by introspection, so a
new one without ``raw`` fails here.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Awaitable, Callable
from typing import Any

import attrs
import pytest

import tallyfy_async.resources
from tallyfy_async.client import OrgClient
from tallyfy_async.resources._base import Resource
from tallyfy_async.testing import DemoOrg
from tests.resources.conftest import RequestsTo

#: ``get`` methods that are not a GET of one record, with why (they take no ``raw``).
NOT_ONE_RECORD = {
    # The values of a record's custom fields, typed by key: already a dict, not a record.
    "CustomFieldValues.get",
    # Tallyfy answers 405 to a GET on one capture: this reads the step and picks it out.
    "FormFields.get",
}

#: A read: ``(org, demo) -> (the raw read, its path from the API root, its query)``.
Read = Callable[[OrgClient, DemoOrg], Awaitable[tuple[Any, Any, str, dict[str, str]]]]


async def _task(org: OrgClient, demo: DemoOrg) -> tuple[Any, Any, str, dict[str, str]]:
    task_id = demo.oneoff_task_ids[0]
    raw = await org.tasks.get(task_id, with_="run", raw=True)
    typed = await org.tasks.get(task_id, with_="run")
    return raw, typed, f"/organizations/{demo.org_id}/tasks/{task_id}", {"with": "run"}


async def _process(org: OrgClient, demo: DemoOrg) -> tuple[Any, Any, str, dict[str, str]]:
    process_id = demo.process_ids[0]
    raw = await org.processes.get(process_id, raw=True)
    typed = await org.processes.get(process_id)
    return raw, typed, f"/organizations/{demo.org_id}/runs/{process_id}", {}


async def _process_task(org: OrgClient, demo: DemoOrg) -> tuple[Any, Any, str, dict[str, str]]:
    process_id = demo.process_ids[0]
    task = (await org.processes.tasks.list(process_id).to_list())[0]
    raw = await org.processes.tasks.get(process_id, task.id, with_="step", raw=True)
    typed = await org.processes.tasks.get(task, with_="step")
    path = f"/organizations/{demo.org_id}/runs/{process_id}/tasks/{task.id}"
    return raw, typed, path, {"with": "step"}


async def _blueprint(org: OrgClient, demo: DemoOrg) -> tuple[Any, Any, str, dict[str, str]]:
    blueprint_id = demo.blueprint_ids[0]
    raw = await org.blueprints.get(blueprint_id, raw=True)
    typed = await org.blueprints.get(blueprint_id)
    return raw, typed, f"/organizations/{demo.org_id}/checklists/{blueprint_id}", {}


async def _step(org: OrgClient, demo: DemoOrg) -> tuple[Any, Any, str, dict[str, str]]:
    blueprint_id = demo.blueprint_ids[0]
    step = (await org.steps.list(blueprint_id).to_list())[0]
    raw = await org.steps.get(blueprint_id, step.id, raw=True)
    typed = await org.steps.get(step)
    path = f"/organizations/{demo.org_id}/checklists/{blueprint_id}/steps/{step.id}"
    return raw, typed, path, {}


async def _file(org: OrgClient, demo: DemoOrg) -> tuple[Any, Any, str, dict[str, str]]:
    asset = await org.files.upload(
        content=b"%PDF-1.4 raw",
        filename="raw.pdf",
        subject_type="Task",
        subject_id=demo.oneoff_task_ids[0],
        uploaded_from="field-1",
    )
    raw = await org.files.get(asset.id, raw=True)
    typed = await org.files.get(asset)
    return raw, typed, f"/organizations/{demo.org_id}/assets/{asset.id}", {}


async def _folder(org: OrgClient, demo: DemoOrg) -> tuple[Any, Any, str, dict[str, str]]:
    folder_id = demo.folder_ids[0]
    raw = await org.folders.get(folder_id, raw=True)
    typed = await org.folders.get(folder_id)
    return raw, typed, f"/organizations/{demo.org_id}/folders/{folder_id}", {}


async def _group(org: OrgClient, demo: DemoOrg) -> tuple[Any, Any, str, dict[str, str]]:
    raw = await org.groups.get(demo.group_id, raw=True)
    typed = await org.groups.get(demo.group_id)
    return raw, typed, f"/organizations/{demo.org_id}/groups/{demo.group_id}", {}


async def _guest(org: OrgClient, demo: DemoOrg) -> tuple[Any, Any, str, dict[str, str]]:
    raw = await org.guests.get(demo.guest_email, with_="stats", raw=True)
    typed = await org.guests.get(demo.guest_email, with_="stats")
    path = f"/organizations/{demo.org_id}/guests/{demo.guest_email}"
    return raw, typed, path, {"with": "stats"}


async def _member(org: OrgClient, demo: DemoOrg) -> tuple[Any, Any, str, dict[str, str]]:
    raw = await org.members.get(demo.member_id, raw=True)
    typed = await org.members.get(demo.member_id)
    return raw, typed, f"/organizations/{demo.org_id}/users/{demo.member_id}", {}


async def _tag(org: OrgClient, demo: DemoOrg) -> tuple[Any, Any, str, dict[str, str]]:
    tag_id = demo.tag_ids[0]
    raw = await org.tags.get(tag_id, with_="statistics", raw=True)
    typed = await org.tags.get(tag_id, with_="statistics")
    path = f"/organizations/{demo.org_id}/tags/{tag_id}"
    return raw, typed, path, {"with": "statistics"}


async def _organization(org: OrgClient, demo: DemoOrg) -> tuple[Any, Any, str, dict[str, str]]:
    raw = await org.get(raw=True)
    typed = await org.get()
    return raw, typed, f"/organizations/{demo.org_id}", {}


READS: dict[str, Read] = {
    "Tasks.get": _task,
    "Processes.get": _process,
    "ProcessTasks.get": _process_task,
    "Blueprints.get": _blueprint,
    "Steps.get": _step,
    "Files.get": _file,
    "Folders.get": _folder,
    "Groups.get": _group,
    "Guests.get": _guest,
    "Members.get": _member,
    "Tags.get": _tag,
    "Details.get": _organization,  # through ``org.get``
}


@pytest.mark.parametrize("name", list(READS))
async def test_a_raw_read_is_the_dict_tallyfy_sent(
    name: str, org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    raw, typed, path, query = await READS[name](org, demo)
    sent = requests_to("GET", path)
    # The raw read, then the typed one: the same query, ``raw`` never sent.
    assert [r.query for r in sent[-2:]] == [query, query]
    assert type(raw) is dict
    assert raw == (await org.request("GET", path, params=query or None)).data
    assert attrs.has(type(typed))
    assert raw["id"] == typed.id


def _resource_classes() -> set[type[Resource]]:
    for module in pkgutil.iter_modules(tallyfy_async.resources.__path__):
        importlib.import_module(f"tallyfy_async.resources.{module.name}")
    found: set[type[Resource]] = set()
    todo = [Resource]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    return found


GETS = {
    f"{kind.__name__}.get": kind.get  # type: ignore[attr-defined]
    for kind in _resource_classes()
    if "get" in vars(kind)
}


def test_every_get_is_read_here_or_named_as_not_one_record() -> None:
    assert set(GETS) == set(READS) | NOT_ONE_RECORD


@pytest.mark.parametrize(
    "method",
    [
        pytest.param(method, id=name)
        for name, method in sorted(GETS.items())
        if name not in NOT_ONE_RECORD
    ]
    + [pytest.param(OrgClient.get, id="OrgClient.get")],
)
def test_every_single_read_takes_raw(method: Callable[..., Any]) -> None:
    parameter = inspect.signature(method).parameters.get("raw")
    assert parameter is not None, "a single read takes raw=True for the dict Tallyfy sent"
    assert parameter.kind is parameter.KEYWORD_ONLY and parameter.default is False
    assert "raw: True for the record as the dict Tallyfy sent" in (method.__doc__ or "")
