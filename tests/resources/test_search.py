"""Search over real HTTP against FakeTallyfy: one typed block per type, each paginated."""

from __future__ import annotations

import pytest

from tallyfy_async import ValidationError
from tallyfy_async.client import OrgClient
from tallyfy_async.models.search import (
    BlueprintHit,
    ProcessHit,
    SearchResults,
    SearchType,
    StepHit,
    TaskHit,
)
from tallyfy_async.testing import DemoOrg, FakeTallyfy


@pytest.fixture
def relocation(fake: FakeTallyfy, demo: DemoOrg) -> str:
    """A blueprint and 25 processes whose names say "Relocation"."""
    blueprint = fake.add_blueprint(demo.org_id, title="Relocation", steps=["Relocation call"])
    for number in range(25):
        fake.launch(demo.org_id, blueprint, name=f"Relocation {number:02}")
    return blueprint


async def test_one_block_per_type_asked_for(
    org: OrgClient, fake: FakeTallyfy, relocation: str
) -> None:
    await org.search("warm up", types="task")  # the token request goes before the test
    fake.reset_log()
    results = await org.search("relocation", types=["process", SearchType.BLUEPRINT, "step"])
    assert isinstance(results, SearchResults)
    assert len(fake.log) == 1 and fake.log[0].query["on"] == "process,blueprint,step"
    assert results.task is None and results.snippet is None
    assert [b.type for b in results.blocks()] == [
        SearchType.BLUEPRINT,
        SearchType.PROCESS,
        SearchType.STEP,
    ]
    assert results.blueprint is not None and results.process is not None
    assert [hit.id for hit in results.blueprint] == [relocation]
    assert all(isinstance(hit, BlueprintHit) for hit in results.blueprint)
    # Each block is paginated on its own: 25 processes, 20 on the first page.
    assert results.process.total == 25 and len(results.process) == 20
    assert results.process.page.total_pages == 2
    assert all(isinstance(hit, ProcessHit) for hit in results.process.items)
    assert results.step is not None and isinstance(results.step.items[0], StepHit)
    assert results.blueprint.total == 1 and results.blueprint.page.total_pages == 1


async def test_walk_every_page_of_one_type(
    org: OrgClient, fake: FakeTallyfy, relocation: str
) -> None:
    await org.search("warm up", types="task")
    fake.reset_log()
    hits = await org.search.list(q="Relocation", type="process", per_page=10).to_list()
    assert len(hits) == 25 and len({hit.id for hit in hits}) == 25
    assert [entry.query.get("page") for entry in fake.log] == ["1", "2", "3"]
    assert {entry.query["on"] for entry in fake.log} == {"process"}


async def test_a_first_page_above_tallyfy_s_cap_asks_for_the_cap_as_listings_do(
    org: OrgClient, fake: FakeTallyfy, relocation: str
) -> None:
    await org.search("warm up", types="task")
    fake.reset_log()
    results = await org.search("relocation", types="process", per_page=500)
    assert [entry.query["per_page"] for entry in fake.log] == ["100"]
    assert results.process is not None and len(results.process) == 25
    assert results.process.page.per_page == 100 and results.process.page.total_pages == 1


async def test_task_hits_are_typed_and_do_not_say_their_process(
    org: OrgClient, demo: DemoOrg
) -> None:
    task = await org.tasks.get(demo.oneoff_task_ids[0])
    assert task.title is not None
    results = await org.search(task.title, types="task")
    assert results.task is not None
    hit = next(hit for hit in results.task if hit.id == task.id)
    assert isinstance(hit, TaskHit) and "run_id" not in hit.extra
    assert hit.deadline is not None and hit.deadline.tzinfo is not None


async def test_a_type_with_no_hits_is_an_empty_block(org: OrgClient, relocation: str) -> None:
    results = await org.search("relocation", types=["snippet"])
    assert results.snippet is not None and results.snippet.total == 0 and not results.snippet


async def test_bad_searches_are_refused_before_sending(org: OrgClient, fake: FakeTallyfy) -> None:
    fake.reset_log()
    with pytest.raises(ValueError, match="blueprint, capture, process, snippet, step, task"):
        await org.search("x", types=["processes"])
    with pytest.raises(ValueError, match="q is required"):
        await org.search(" ")
    with pytest.raises(TypeError, match="one type or more"):
        await org.search("x", types=[])
    with pytest.raises(ValueError, match="types"):
        org.search.list(q="x", type="Process")
    with pytest.raises(TypeError, match=r"search\.list walks the hits of one type"):
        org.search.list(q="x", type=["process", "task"])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="per_page must be 1 or more"):
        await org.search("x", per_page=0)
    with pytest.raises(TypeError, match="per_page must be int"):
        await org.search("x", per_page="20")  # type: ignore[arg-type]
    assert fake.log == []


async def test_tallyfy_refuses_a_search_without_text(org: OrgClient, demo: DemoOrg) -> None:
    with pytest.raises(ValidationError) as refused:
        await org.request("GET", f"/organizations/{demo.org_id}/search", params={"on": "task"})
    assert "search" in refused.value.errors
