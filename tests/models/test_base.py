"""Models print as one short line and turn into plain or JSON-ready dicts (read over HTTP)."""

from __future__ import annotations

import copy
import json
import pickle
from datetime import datetime
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tallyfy_async import TallyfyClient
from tallyfy_async.models import Blueprint, Model, Process, Task, TaskStatus
from tallyfy_async.testing import DemoOrg, FakeTallyfy


@pytest.fixture
def demo(fake: FakeTallyfy) -> DemoOrg:
    """A demo organization with processes in every status (complete, problem, archived)."""
    return fake.seed_demo(processes=10, tasks_per_process=3)


def every_model(value: Any) -> list[Model]:
    """``value`` and every model nested in it."""
    found: list[Model] = []
    if isinstance(value, Model):
        found.append(value)
        for field in attrs.fields(type(value)):
            found.extend(every_model(getattr(value, field.name)))
    elif isinstance(value, list | tuple):
        for item in value:
            found.extend(every_model(item))
    return found


async def read_everything(client: TallyfyClient, demo: DemoOrg) -> list[Model]:
    org = client.org(demo.org_id)
    blueprint = await org.blueprints.get(demo.kickoff_blueprint_id, with_=["steps", "tags"])
    processes = await org.processes.list(with_=["tasks", "tags"], archived=True).to_list()
    tasks = await org.tasks.list(with_=["threads", "step", "run"]).to_list()
    problem = demo.processes_by_status["problem"][0]
    comments = [
        c
        for t in await org.processes.tasks.list(problem).to_list()
        for c in await org.tasks.comments.list(t.id)
    ]
    fields = await org.processes.form_fields(demo.process_ids[0])
    return every_model([blueprint, *processes, *tasks, *comments, fields])


async def test_every_model_read_from_tallyfy_prints_as_one_short_line(
    client: TallyfyClient, demo: DemoOrg
) -> None:
    models = await read_everything(client, demo)
    kinds = {type(m).__name__ for m in models}
    assert {"Blueprint", "Step", "FormField", "Process", "Task", "Comment", "Owners"} <= kinds
    for model in models:
        text = repr(model)
        assert "\n" not in text and len(text) <= 120, text
        assert text.startswith(type(model).__name__ + "("), text
        if getattr(model, "id", None) is not None:
            assert repr(model.id) in text  # type: ignore[attr-defined]


async def test_a_repr_names_the_object_and_its_state(client: TallyfyClient, demo: DemoOrg) -> None:
    org = client.org(demo.org_id)
    process = await org.processes.get(demo.processes_by_status["complete"][0])
    assert repr(process) == (
        f"Process(id={process.id!r}, name={process.name!r}, status='complete')"
    )
    blueprint = await org.blueprints.get(demo.kickoff_blueprint_id, with_=["steps"])
    assert (
        repr(blueprint)
        == f"Blueprint(id={blueprint.id!r}, title='Client Onboarding', status='active')"
    )


@given(title=st.text(max_size=2_000))
def test_any_title_keeps_the_repr_on_one_short_line(title: str) -> None:
    task = Task(id="a" * 32, title=title, status=TaskStatus.IN_PROGRESS)
    text = repr(task)
    assert "\n" not in text and len(text) <= 120
    assert text.startswith("Task(id='" + "a" * 32 + "'")


async def test_to_dict_keeps_python_values_and_to_json_dict_is_ready_for_json(
    client: TallyfyClient, demo: DemoOrg
) -> None:
    org = client.org(demo.org_id)
    process = await org.processes.get(demo.process_ids[0], with_=["tasks"])
    plain = process.to_dict()
    assert isinstance(plain["created_at"], datetime)
    with pytest.raises(TypeError):
        json.dumps(plain)
    ready = process.to_json_dict()
    text = json.dumps(ready)
    assert ready["created_at"] == process.created_at.isoformat()  # type: ignore[union-attr]
    assert ready["status"] == process.status.value  # type: ignore[union-attr]
    assert isinstance(ready["tasks"][0]["status"], str)
    assert json.loads(process.to_json()) == json.loads(text)
    assert datetime.fromisoformat(ready["created_at"]) == process.created_at


async def test_models_keep_unknown_keys_in_to_dict(client: TallyfyClient, demo: DemoOrg) -> None:
    org = client.org(demo.org_id)
    blueprint = await org.blueprints.get(demo.kickoff_blueprint_id)
    assert isinstance(blueprint, Blueprint)
    for key, value in blueprint.extra.items():
        assert blueprint.to_dict()[key] == value


def test_nested_models_keep_their_unknown_keys_in_every_export() -> None:
    from tallyfy_async._rows import row_reader
    from tallyfy_async._serde import Converter

    converter = Converter()
    wire = {
        "id": "a" * 32,
        "title": "Review",
        "owners": {"users": [1], "guests": [], "groups": [], "teams": [7]},
        "run": {"data": {"id": "b" * 32, "name": "P", "new_key": {"x": 1}}},
    }
    task = converter.structure(json.loads(json.dumps(wire)), Task)
    plain = task.to_dict()
    assert plain["owners"]["teams"] == [7] and plain["run"]["new_key"] == {"x": 1}
    assert list(plain["owners"]) == ["teams", "users", "guests", "groups"]  # unknown first
    ready = json.loads(task.to_json())
    assert ready["owners"]["teams"] == [7] and ready["run"]["new_key"] == {"x": 1}
    # The export's row, read without the model, is the same row.
    assert row_reader(converter, Task)(json.loads(json.dumps(wire))) == task.to_json_dict()


async def test_pages_and_paginators_print_as_one_short_line(
    client: TallyfyClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    listing = client.org(demo.org_id).tasks.list(per_page=5, concurrency=2)
    assert repr(listing) == "<Paginator per_page=5 concurrency=2, not fetched yet>"
    page = await listing
    assert repr(page) == f"<Page 1/{page.total_pages}: 5 Task of {page.total}>"
    assert repr(listing) == (
        f"<Paginator {page.total} Task in {page.total_pages} pages of 5 concurrency=2>"
    )
    assert isinstance(page.items[0], Task) and not isinstance(page.items[0], Process)
    one = client.org(demo.org_id).tasks.list(limit=1)
    assert repr(one) == "<Paginator per_page=100 limit=1, not fetched yet>"


async def test_records_read_over_http_go_in_sets_and_serve_as_dict_keys(
    client: TallyfyClient, demo: DemoOrg
) -> None:
    org = client.org(demo.org_id)
    tasks = await org.tasks.list().to_list()
    again = await org.tasks.list().to_list()
    processes = await org.processes.list().to_list()
    group = await org.groups.get(demo.group_id)
    # Read twice, the same records are one set entry each: their hash is their id's.
    assert len(set(tasks) | set(again)) == len(tasks) == len({t.id for t in tasks})
    assert {task: task.title for task in again}[tasks[0]] == tasks[0].title
    assert len({*processes, *processes}) == len(processes)
    assert {group: 1}[await org.groups.get(demo.group_id)] == 1
    # Equality still compares every field: a changed copy differs, and shares the hash.
    renamed = attrs.evolve(tasks[0], title="Renamed")
    assert renamed != tasks[0] and hash(renamed) == hash(tasks[0])
    assert len({tasks[0], renamed}) == 2
    # Another class with the same id is another record.
    assert hash(attrs.evolve(processes[0], id=tasks[0].id)) != hash(tasks[0])


def test_every_model_with_an_id_hashes_by_it_and_still_copies_and_pickles() -> None:
    classes = [c for c in _every_model_class() if "id" in attrs.fields_dict(c)]
    assert {Task, Process, Blueprint} <= set(classes)
    for cls in classes:
        # Equal models must hash alike: equality has to compare the id.
        assert attrs.fields_dict(cls)["id"].eq, cls
    task = Task(id="a" * 32, title="Call", owners=None, extra={"k": [1]})
    for twin in (copy.copy(task), copy.deepcopy(task), pickle.loads(pickle.dumps(task))):
        assert twin == task and hash(twin) == hash(task) == hash((Task, "a" * 32))


def _every_model_class() -> list[type[Model]]:
    found: list[type[Model]] = []
    pending: list[type[Model]] = [Model]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found
