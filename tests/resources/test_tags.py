"""Tags over real HTTP against FakeTallyfy: CRUD, the literal ``all=true``, attachments."""

from __future__ import annotations

import pytest

from tallyfy_async import NotFoundError, ValidationError
from tallyfy_async.client import OrgClient
from tallyfy_async.models.tags import Tag, TagAssociation, TagSubject
from tallyfy_async.testing import DemoOrg, FakeTallyfy
from tests.resources.conftest import RequestsTo


async def test_create_read_update_and_delete_a_tag(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    tag = await org.tags.create(title="Urgent", color="#ff0000")
    assert isinstance(tag, Tag) and tag.title == "Urgent" and tag.color == "#ff0000"
    assert requests_to("POST", f"/organizations/{demo.org_id}/tags")[-1].status == 201

    same = await org.tags.get(tag.id, with_="statistics")
    assert same.statistics is not None and same.statistics.active_process == 0

    recolored = await org.tags.update(tag.id, color="#00ff00")
    # Tallyfy requires the title on every PUT: it was read and sent back.
    put = requests_to("PUT", f"/organizations/{demo.org_id}/tags/{tag.id}")[-1]
    assert put.body == {"title": "Urgent", "color": "#00ff00"}
    assert recolored.color == "#00ff00"
    renamed = await org.tags.update(recolored, title="Very urgent")
    assert renamed.title == "Very urgent"
    reads = len(requests_to("GET", f"/organizations/{demo.org_id}/tags/{tag.id}"))
    await org.tags.update(renamed, color="#0000ff")
    # Given the Tag, its title is sent back as it is, without a read.
    assert len(requests_to("GET", f"/organizations/{demo.org_id}/tags/{tag.id}")) == reads
    put = requests_to("PUT", f"/organizations/{demo.org_id}/tags/{tag.id}")[-1]
    assert put.body == {"title": "Very urgent", "color": "#0000ff"}

    await org.tags.delete(tag)
    with pytest.raises(NotFoundError):
        await org.tags.get(tag.id)
    await org.tags.delete(tag.id)  # Tallyfy answers 204 for a tag that is gone
    assert requests_to("DELETE", f"/organizations/{demo.org_id}/tags/{tag.id}")[-1].status == 204


async def test_a_taken_title_is_tallyfys_422(org: OrgClient) -> None:
    await org.tags.create(title="Dup")
    with pytest.raises(ValidationError) as refused:
        await org.tags.create(title="Dup")
    assert "title" in refused.value.errors


async def test_bad_tags_are_refused_before_sending(org: OrgClient, fake: FakeTallyfy) -> None:
    fake.reset_log()
    with pytest.raises(ValueError, match="#rrggbb"):
        await org.tags.create(title="Red", color="red")
    with pytest.raises(ValueError, match="at most 30"):
        await org.tags.create(title="x" * 31)
    with pytest.raises(ValueError, match="title is required"):
        await org.tags.create(title=" ")
    with pytest.raises(TypeError, match="exactly one of blueprint_id and process_id"):
        await org.tags.attach("a" * 32)
    with pytest.raises(TypeError, match="association_id must be int"):
        await org.tags.detach("12")  # type: ignore[arg-type]
    assert fake.log == []


async def test_listing_hides_auto_generated_tags_unless_all(
    org: OrgClient, fake: FakeTallyfy, demo: DemoOrg
) -> None:
    fake.add_tag(demo.org_id, "task:Review")
    shown = {tag.title for tag in await org.tags.list().to_list()}
    every = {tag.title for tag in await org.tags.list(all=True).to_list()}
    assert "task:Review" not in shown and "task:Review" in every
    assert fake.log[-1].raw_query.startswith("all=true")
    found = await org.tags.list(q="review", all=True).to_list()
    assert [tag.title for tag in found] == ["task:Review"]


async def test_attach_and_detach_with_integer_association_ids(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    tag = await org.tags.create(title="Q3")
    process = await org.processes.get(demo.process_ids[0])
    association = await org.tags.attach(tag, process_id=process)
    assert isinstance(association, TagAssociation) and isinstance(association.id, int)
    assert association.subject_type is TagSubject.PROCESS and association.subject_id == process.id
    sent = requests_to("POST", f"/organizations/{demo.org_id}/checklists/tags")[-1].body
    assert sent == {"subject_id": process.id, "subject_type": "Run", "tag_id": tag.id}

    again = await org.tags.attach(tag.id, process_id=process.id)
    assert again.id == association.id  # attached once

    on_blueprint = await org.tags.attach(tag, blueprint_id=demo.blueprint_ids[0])
    assert on_blueprint.subject_type is TagSubject.BLUEPRINT
    read = await org.processes.get(process.id, with_="tags")
    assert association.id in [a.id for a in read.tags or []]

    await org.tags.detach(association)
    await org.tags.detach(on_blueprint.id)
    path = f"/organizations/{demo.org_id}/checklists/tags/{on_blueprint.id}"
    assert requests_to("DELETE", path)[-1].status == 204
    with pytest.raises(NotFoundError):
        await org.tags.detach(association.id)


async def test_an_archived_process_cannot_be_tagged(org: OrgClient, demo: DemoOrg) -> None:
    tag = await org.tags.create(title="Late")
    await org.processes.archive(demo.process_ids[1])
    with pytest.raises(ValidationError, match="Subject not found"):
        await org.tags.attach(tag, process_id=demo.process_ids[1])
