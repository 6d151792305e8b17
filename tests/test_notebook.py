"""Models, pages and lists of models as tables: HTML for Jupyter, dicts, DataFrames."""

from __future__ import annotations

import html
import re
import sys
from datetime import UTC, datetime

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tallyfy_async import TallyfyClient
from tallyfy_async.models import Guest, Model, Process, Task
from tallyfy_async.notebook import Table, table, to_pandas
from tallyfy_async.testing import DemoOrg, FakeTallyfy
from tests.models.test_base import read_everything

#: Bounds of what Jupyter is handed (a page of 100 models with every field set is under it).
MODEL_HTML_LIMIT = 40_000
PAGE_HTML_LIMIT = 400_000
TAG = re.compile(r"<(/?)([a-z]+)")
ALLOWED_TAGS = {"div", "style", "p", "b", "small", "table", "thead", "tbody", "tr", "th", "td"}


def well_formed(markup: str) -> None:
    """Only the renderer's own tags, each closed, in order: no value escaped its cell."""
    stack: list[str] = []
    for closing, tag in TAG.findall(markup):
        assert tag in ALLOWED_TAGS, tag
        if closing:
            assert stack.pop() == tag
        else:
            stack.append(tag)
    assert stack == []


@pytest.fixture
def demo(fake: FakeTallyfy) -> DemoOrg:
    return fake.seed_demo(processes=10, tasks_per_process=3)


async def test_every_model_and_page_renders_as_a_bounded_table_without_secrets(
    client: TallyfyClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    org = client.org(demo.org_id)
    models = await read_everything(client, demo)
    guests = await org.guests.list()
    members = await org.members.list()
    models += [*guests, *members]
    pages = [
        await org.processes.list(archived=True),
        await org.tasks.list(),
        await org.blueprints.list(with_=["steps"]),
        guests,
        members,
    ]
    secrets = [demo.client_secret, demo.admin_password, *fake.issued_tokens()]
    secrets += [guest.link for guest in guests if guest.link]
    assert len(secrets) > 3
    assert len({type(m).__name__ for m in models}) >= 8
    for model in models:
        markup = model._repr_html_()
        well_formed(markup)
        assert len(markup) < MODEL_HTML_LIMIT
        assert html.escape(repr(model)[:40]) in markup  # the caption names it
        for secret in secrets:
            assert secret not in markup
    for page in pages:
        markup = page._repr_html_()
        well_formed(markup)
        assert len(markup) < PAGE_HTML_LIMIT
        assert markup.count("<tr>") == len(page) + 1  # a header, then a row per item
        assert f"{len(page)} {type(page[0]).__name__} of {page.total}" in markup
        for item in page:
            assert f"<td>{item.id}</td>" in markup  # type: ignore[attr-defined]
        for secret in secrets:
            assert secret not in markup


@settings(max_examples=50, deadline=None)
@given(text=st.text(min_size=1, max_size=5_000))
def test_any_text_is_escaped_and_cut(text: str) -> None:
    process = Process(id="a" * 32, name=text, summary=text, extra={"note": text})
    for markup in (process._repr_html_(), table([process, process])._repr_html_()):
        well_formed(markup)
        assert len(markup) < 6_000
    assert "<script>" not in Process(id="b" * 32, name="<script>x</script>")._repr_html_()


def test_secret_keys_are_masked_but_flags_are_not() -> None:
    task = Task(
        id="c" * 32,
        title="Rotate keys",
        top_secret=True,
        extra={"access_token": "tok-123", "client_secret": "sec-456", "api_key": "key-789"},
    )
    guest = Guest(id=1, email="casey@example.com", link="https://go.tallyfy.com/guest/abc")
    markup = (
        task._repr_html_()
        + table([task])._repr_html_()
        + guest._repr_html_()
        + repr(table([guest]))
    )
    # A dict keeps the guest's link but not its field's mark: masked by its name.
    markup += table(table([guest]).to_dicts())._repr_html_() + repr(table([guest.to_dict()]))
    for secret in ("tok-123", "sec-456", "key-789", "guest/abc"):
        assert secret not in markup
    assert "<th>top_secret</th><td>true</td>" in task._repr_html_()
    assert task.to_dict()["access_token"] == "tok-123"  # the data itself is whole


def test_a_long_list_draws_a_bounded_table_and_says_what_it_left_out() -> None:
    processes = [Process(id=f"{n:032x}", name=f"P{n}", status="active") for n in range(250)]
    view = table(processes)
    markup = view._repr_html_()
    assert markup.count("<tr>") == 101
    assert "150 more rows" in markup
    assert view.caption == "250 Process"
    assert isinstance(view[:10], Table) and len(view[:10]) == 10
    text = repr(view[:3])
    assert text.splitlines()[1].split() == ["id", "name", "status"]
    assert text.splitlines()[3].split() == [f"{0:032x}", "P0", "active"]


async def test_listings_become_dicts_and_dataframes_with_aware_datetimes(
    client: TallyfyClient, demo: DemoOrg
) -> None:
    org = client.org(demo.org_id)
    page = await org.processes.list(archived=True, per_page=5)
    assert page.to_dicts() == [process.to_dict() for process in page]
    frame = page.to_pandas()
    assert list(frame["id"]) == [process.id for process in page]
    assert isinstance(frame["created_at"].dtype, pd.DatetimeTZDtype)
    assert str(frame["created_at"].dt.tz) == "UTC"
    first = page[0]
    assert first.created_at is not None
    assert frame["created_at"][0] == pd.Timestamp(first.created_at)
    archived = frame[frame["archived_at"].notna()]
    assert all(isinstance(moment, pd.Timestamp) for moment in archived["archived_at"])

    # Whole numbers stay whole where some rows have none (not 10001.0).
    tasks_frame = await org.tasks.list().to_pandas()
    assert str(tasks_frame["completer_id"].dtype) == "Int64"
    assert tasks_frame["completer_id"].isna().any() and tasks_frame["completer_id"].notna().any()
    assert str(frame["increment_id"].dtype) == "Int64"

    every = await org.tasks.list(per_page=7).to_pandas()
    tasks = await org.tasks.list().to_list()
    assert len(every) == len(tasks) > 7  # every page, not the first
    assert isinstance(every["deadline"].dtype, pd.DatetimeTZDtype)
    assert await org.tasks.list(limit=3).to_dicts() == [t.to_dict() for t in tasks[:3]]


async def test_an_empty_listing_gives_a_frame_with_the_models_columns(
    client: TallyfyClient, demo: DemoOrg
) -> None:
    org = client.org(demo.org_id)
    empty = await org.tasks.list(q="no task has this title").to_pandas()
    full = await org.tasks.list(limit=3).to_pandas()
    assert len(empty) == 0 and list(empty.columns) == list(full.columns)
    assert isinstance(empty["deadline"].dtype, pd.DatetimeTZDtype)
    assert empty[empty["deadline"] < pd.Timestamp.now(tz="UTC")].empty  # column code works
    # An empty page has them too, and so do the listings built outside the resources
    # layer (search, the user's organizations); a page of plain dicts has no model.
    page = await org.tasks.list(q="no task has this title")
    assert len(page) == 0 and list(page.to_pandas().columns) == list(full.columns)
    shown = table(page)  # a table of the page, and a slice of it, keep them too
    assert list(shown.to_pandas().columns) == list(full.columns)
    assert list(shown[:1].to_pandas().columns) == list(full.columns)
    assert list((await org.tasks.list(q="no task has this title").raw()).to_pandas().columns) == []
    hits = org.search.list(q="no process has this name", type="process")
    [process] = await org.processes.list(limit=1).to_list()
    assert process.name is not None
    some = await org.search.list(q=process.name, type="process", limit=2).to_pandas()
    assert len(some) > 0
    no_hits = await hits.to_pandas()
    assert len(no_hits) == 0 and list(no_hits.columns) == list(some.columns)
    first = await hits
    assert len(first) == 0 and list(first.to_pandas().columns) == list(some.columns)
    orgs = await client.organizations().to_pandas()
    no_orgs = await client.organizations(limit=0).to_pandas()
    # The model's fields; a listing with rows adds the keys the model lacks after them.
    columns = list(no_orgs.columns)
    assert len(orgs) > 0 and len(no_orgs) == 0 and "id" in columns
    assert list(orgs.columns)[: len(columns)] == columns


def test_a_whole_number_column_pandas_cannot_hold_as_int64_is_left_as_it_made_it() -> None:
    frame = table([Process(id="a" * 32, increment_id=2**70), Process(id="b" * 32)]).to_pandas()
    assert frame["increment_id"][0] == 2**70  # not lost, not an error


def test_a_table_of_dicts_has_every_key_of_every_row() -> None:
    view = table([{"id": "a", "name": "One"}, {"id": "b", "owner": "Ann", "name": "Two"}])
    assert repr(view).splitlines()[1].split() == ["id", "name", "owner"]
    assert "<th>owner</th>" in view._repr_html_()


def test_extra_keys_come_after_the_fields_and_mixed_models_share_one_frame() -> None:
    moment = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)
    rows: list[Model] = [
        Process(id="a" * 32, name="One", created_at=moment, extra={"new_key": 1}),
        Task(id="b" * 32, title="Two", deadline=moment),
    ]
    frame = to_pandas(rows)
    assert frame.columns[-1] == "new_key"
    assert frame["created_at"][0] == pd.Timestamp(moment)
    assert pd.isna(frame["created_at"][1])
    assert frame["deadline"][1] == pd.Timestamp(moment)


def test_without_pandas_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r'pip install "tallyfy-async\[pandas\]"'):
        table([Process(id="a" * 32)]).to_pandas()


def test_importing_the_sdk_does_not_import_pandas() -> None:
    import subprocess

    code = "import sys, tallyfy_async.notebook; assert 'pandas' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
