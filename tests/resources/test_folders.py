"""Folders over real HTTP against FakeTallyfy: CRUD, the name resent, filing objects."""

from __future__ import annotations

import pytest

from tallyfy_async import NotFoundError, ValidationError
from tallyfy_async.client import OrgClient
from tallyfy_async.models.folders import Folder, FolderObject, FolderSubject, FolderType
from tallyfy_async.testing import DemoOrg, FakeTallyfy
from tests.resources.conftest import RequestsTo


async def test_create_list_update_and_delete_folders(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    parent = await org.folders.create(name="Clients", folder_type=FolderType.PROCESSES)
    assert isinstance(parent, Folder) and parent.folder_type is FolderType.PROCESSES
    child = await org.folders.create(name="EMEA", folder_type="run", parent_id=parent.id)
    assert child.parent_id == parent.id

    runs = await org.folders.list(folder_type="run", with_="children").to_list()
    assert {parent.id, child.id} <= {f.id for f in runs}
    assert {f.folder_type for f in runs} == {FolderType.PROCESSES}
    listed = next(f for f in runs if f.id == parent.id)
    assert [f.id for f in listed.children or []] == [child.id]
    assert {f.folder_type for f in await org.folders.list().to_list()} >= {FolderType.BLUEPRINTS}

    moved = await org.folders.update(child.id, parent_id=None)
    # Tallyfy requires the name on every PUT: it was read and sent back.
    put = requests_to("PUT", f"/organizations/{demo.org_id}/folders/{child.id}")[-1]
    assert put.body == {"name": "EMEA", "parent_id": None}
    assert moved.parent_id is None
    renamed = await org.folders.update(moved, name="Europe")
    assert renamed.name == "Europe" and (await org.folders.get(renamed)).name == "Europe"
    reads = len(requests_to("GET", f"/organizations/{demo.org_id}/folders/{child.id}"))
    await org.folders.update(renamed, parent_id=parent.id)
    # Given the Folder, its name is sent back as it is, without a read.
    assert len(requests_to("GET", f"/organizations/{demo.org_id}/folders/{child.id}")) == reads
    put = requests_to("PUT", f"/organizations/{demo.org_id}/folders/{child.id}")[-1]
    assert put.body == {"name": "Europe", "parent_id": parent.id}

    await org.folders.delete(renamed)
    with pytest.raises(NotFoundError):
        await org.folders.get(renamed.id)


async def test_file_a_process_and_a_task_and_take_them_out(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    folder = await org.folders.create(name="Filed", folder_type="run")
    process = await org.processes.get(demo.process_ids[0])
    filed = await org.folders.add_object(folder, process_id=process)
    assert isinstance(filed, FolderObject) and isinstance(filed.id, int)
    assert filed.subject_type is FolderSubject.PROCESS and filed.folder_id == folder.id
    sent = requests_to("POST", f"/organizations/{demo.org_id}/folders/add-object")[-1].body
    assert sent == {"folder_id": folder.id, "subject_id": process.id, "subject_type": "Run"}
    task = await org.folders.add_object(folder.id, task_id=demo.oneoff_task_ids[0])
    assert task.subject_type is FolderSubject.TASK
    assert (await org.folders.get(folder)).total == 2

    await org.folders.remove_object(filed)
    await org.folders.remove_object(task.id)
    assert (await org.folders.get(folder)).total == 0
    with pytest.raises(NotFoundError):
        await org.folders.remove_object(task.id)


async def test_bad_folders_are_refused_before_sending(org: OrgClient, fake: FakeTallyfy) -> None:
    fake.reset_log()
    with pytest.raises(ValueError, match="at most 32"):
        await org.folders.create(name="x" * 33)
    with pytest.raises(ValueError, match="checklist, run"):
        await org.folders.create(name="Odd", folder_type="template")
    with pytest.raises(TypeError, match="exactly one of process_id and task_id"):
        await org.folders.add_object("a" * 32, process_id="b" * 32, task_id="c" * 32)
    with pytest.raises(TypeError, match="folder_object_id must be int"):
        await org.folders.remove_object("3")  # type: ignore[arg-type]
    assert fake.log == []


async def test_an_unknown_parent_or_subject_is_tallyfys_422(org: OrgClient) -> None:
    with pytest.raises(ValidationError) as refused:
        await org.folders.create(name="Orphan", parent_id="f" * 32)
    assert "parent_id" in refused.value.errors
    folder = await org.folders.create(name="Box", folder_type="run")
    with pytest.raises(ValidationError) as unknown:
        await org.folders.add_object(folder, process_id="0" * 32)
    assert "subject_id" in unknown.value.errors
