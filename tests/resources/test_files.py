"""Files over real HTTP against FakeTallyfy: streamed uploads, downloads with a size cap.

Uploads are sent once (never retried); downloads land under a temporary name and are renamed
when complete, so an interrupted or refused one leaves nothing at the destination.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from tallyfy_async import (
    APIError,
    AuthenticationError,
    NotFoundError,
    OutcomeUnknownError,
    PermissionDeniedError,
    PersonalAccessToken,
    RateLimitError,
    RetryPolicy,
    TallyfyClient,
    TransportError,
    ValidationError,
)
from tallyfy_async.client import OrgClient
from tallyfy_async.errors import FileTooLargeError
from tallyfy_async.models.files import Asset, FileSubject
from tallyfy_async.resources._transfers import Upload
from tallyfy_async.resources.files import _ATTACHING
from tallyfy_async.testing import DemoOrg, FakeTallyfy
from tests.resources.conftest import RequestsTo

PDF = b"%PDF-1.4 " + bytes(range(256)) * 40


def written(folder: Path) -> list[str]:
    """What a folder holds, temporary files included."""
    return sorted(os.listdir(folder))


async def chunks(data: bytes, size: int = 1000) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def test_upload_from_a_path_read_it_back_and_delete_it(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy, tmp_path: Path, requests_to: RequestsTo
) -> None:
    source = tmp_path / "contract.pdf"
    source.write_bytes(PDF)
    task = demo.oneoff_task_ids[0]
    asset = await org.files.upload(
        content=source, subject_type="Task", subject_id=task, uploaded_from="field-1"
    )
    assert isinstance(asset, Asset) and asset.filename == "contract.pdf" and asset.version == 1
    assert asset.subject is not None and asset.subject.type == "Task"
    sent = requests_to("POST", f"/organizations/{demo.org_id}/assets")[-1]
    assert sent.headers["Content-Type"].startswith("multipart/form-data")
    assert sent.body == {"subject_type": "Task", "subject_id": task, "uploaded_from": "field-1"}
    stored = fake.state.orgs[demo.org_id].assets.get(asset.id)
    assert stored is not None and stored.content == PDF

    assert (await org.files.get(asset.id)).filename == "contract.pdf"
    target = await org.files.download(asset, to=tmp_path / "copy.pdf")
    assert target.read_bytes() == PDF and written(tmp_path) == ["contract.pdf", "copy.pdf"]
    download = requests_to("GET", f"/organizations/{demo.org_id}/file/{asset.id}/dl")[-1]
    assert download.headers["Accept"] == "application/json"

    await org.files.delete(asset)
    with pytest.raises(NotFoundError):
        await org.files.get(asset.id)
    with pytest.raises(NotFoundError):  # a JSON 404: Accept: application/json is kept
        await org.files.download(asset.id, to=tmp_path / "gone.pdf")
    assert written(tmp_path) == ["contract.pdf", "copy.pdf"]


@pytest.mark.parametrize("name", ["my contract.pdf", "résumé.pdf", "отчёт 2026.pdf"])
async def test_a_file_name_is_stored_as_it_is_written(
    org: OrgClient, demo: DemoOrg, tmp_path: Path, name: str
) -> None:
    # Sent as a browser sends it, not percent-encoded: Tallyfy stores what it is sent.
    asset = await org.files.upload(
        content=PDF,
        filename=name,
        subject_type="Task",
        subject_id=demo.oneoff_task_ids[0],
        uploaded_from="field-1",
    )
    assert asset.filename == name and (await org.files.get(asset.id)).filename == name
    target = await org.files.download(asset, to=tmp_path)
    assert target == tmp_path / name and target.read_bytes() == PDF


async def test_upload_bytes_and_an_async_iterator_to_a_process_task(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    process = await org.processes.get(demo.process_ids[0])
    [task, *_] = await org.processes.tasks.list(process).to_list()
    assert task.step_id is not None and process.checklist_id is not None
    from_bytes = await org.files.upload(
        content=PDF,
        filename="scan.PDF",
        subject_type=FileSubject.PROCESS,
        subject_id=process.id,
        uploaded_from="capture-1",
        step_id=task.step_id,
        checklist_id=process.checklist_id,
    )
    streamed = await org.files.upload(
        content=chunks(PDF),
        filename="stream.pdf",
        subject_type="Run",
        subject_id=process.id,
        uploaded_from="capture-1",
        step_id=task.step_id,
        checklist_id=process.checklist_id,
        route="file",
    )
    stored = fake.state.orgs[demo.org_id].assets
    assert stored.get(from_bytes.id).content == PDF  # type: ignore[union-attr]
    assert stored.get(streamed.id).content == PDF  # type: ignore[union-attr]
    assert [r.route for r in fake.log[-2:]] == ["files.upload", "files.upload_file"]
    assert streamed.step_id == task.step_id


async def test_bad_uploads_are_refused_before_sending(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy, tmp_path: Path
) -> None:
    fake.reset_log()
    task = demo.oneoff_task_ids[0]
    common = {"subject_id": task, "uploaded_from": "f"}
    with pytest.raises(FileNotFoundError, match="no file to upload"):
        await org.files.upload(content=tmp_path / "missing.pdf", subject_type="Task", **common)
    with pytest.raises(ValueError, match="case-sensitive: 'Task'"):
        await org.files.upload(content=PDF, filename="a.pdf", subject_type="task", **common)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Tallyfy accepts only files ending in"):
        await org.files.upload(content=PDF, filename="a.exe", subject_type="Task", **common)
    for unsendable in ('say "hi".pdf', "a\\b.pdf", "two\nlines.pdf", "a\x7fb.pdf"):
        with pytest.raises(ValueError, match=r"a file name cannot hold .* rename it"):
            await org.files.upload(content=PDF, filename=unsendable, subject_type="Task", **common)
    with pytest.raises(ValueError, match="filename is required"):
        await org.files.upload(content=PDF, subject_type="Task", **common)
    with pytest.raises(ValueError, match="a Run upload needs step_id"):
        await org.files.upload(content=PDF, filename="a.pdf", subject_type="Run", **common)
    with pytest.raises(ValueError, match="a Task upload takes no step_id"):
        await org.files.upload(
            content=PDF, filename="a.pdf", subject_type="Task", step_id="s", **common
        )
    with pytest.raises(FileTooLargeError) as too_large:
        await org.files.upload(
            content=PDF, filename="a.pdf", subject_type="Task", max_size=100, **common
        )
    assert too_large.value.size == len(PDF) and too_large.value.limit == 100
    with pytest.raises(TypeError, match="content must be a path, bytes or an async iterator"):
        await org.files.upload(content=[PDF], filename="a.pdf", subject_type="Task", **common)  # type: ignore[arg-type]
    assert fake.log == []


async def test_a_streamed_upload_past_the_limit_is_cut_short(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    with pytest.raises(FileTooLargeError, match="streamed"):
        await org.files.upload(
            content=chunks(PDF, 500),
            filename="a.pdf",
            subject_type="Task",
            subject_id=demo.oneoff_task_ids[0],
            uploaded_from="f",
            max_size=2000,
        )
    assert len(fake.state.orgs[demo.org_id].assets) == 0


async def test_a_path_that_grows_past_the_limit_after_its_check_is_cut_short(
    org: OrgClient,
    demo: DemoOrg,
    fake: FakeTallyfy,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source = tmp_path / "growing.pdf"
    source.write_bytes(PDF)
    check = Upload._check

    def check_then_grow(upload: Upload, size: int) -> None:
        check(upload, size)  # passes: the file is within the limit here
        with source.open("ab") as more:  # a writer still appending to it
            more.write(b"x" * 1_000_000)  # more than aiohttp reads at once

    monkeypatch.setattr(Upload, "_check", check_then_grow)
    with pytest.raises(FileTooLargeError, match="grown since checked") as too_large:
        await org.files.upload(
            content=source,
            subject_type="Task",
            subject_id=demo.oneoff_task_ids[0],
            uploaded_from="f",
            max_size=len(PDF) + 1000,
        )
    assert too_large.value.limit == len(PDF) + 1000
    assert too_large.value.size == source.stat().st_size  # the file's size, not a chunk's
    assert len(fake.state.orgs[demo.org_id].assets) == 0


async def test_an_iterator_that_fails_cuts_the_upload_short_with_its_own_error(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    async def text() -> AsyncIterator[bytes]:
        yield b"%PDF"
        yield "not bytes"  # type: ignore[misc]

    async def broken() -> AsyncIterator[bytes]:
        yield b"%PDF"
        raise OSError("the disk went away")

    common = {"filename": "a.pdf", "subject_type": "Task", "uploaded_from": "f",
              "subject_id": demo.oneoff_task_ids[0]}  # fmt: skip
    with pytest.raises(TypeError, match="gave str, not bytes"):
        await org.files.upload(content=text(), **common)  # type: ignore[arg-type]
    with pytest.raises(OSError, match="the disk went away"):
        await org.files.upload(content=broken(), **common)  # type: ignore[arg-type]
    assert len(fake.state.orgs[demo.org_id].assets) == 0


async def test_tallyfys_upload_limit_is_413_and_its_rules_are_422(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    fake.max_upload_size = 1000
    with pytest.raises(APIError) as refused:
        await org.files.upload(
            content=PDF,
            filename="big.pdf",
            subject_type="Task",
            subject_id=demo.oneoff_task_ids[0],
            uploaded_from="f",
            max_size=None,
        )
    assert refused.value.status == 413 and "kilobytes" in refused.value.message
    with pytest.raises(ValidationError) as unknown:
        await org.files.upload(
            content=b"x", filename="a.txt", subject_type="Task", subject_id="0" * 32,
            uploaded_from="f",
        )  # fmt: skip
    assert "subject_id" in unknown.value.errors
    assert len(fake.state.orgs[demo.org_id].assets) == 0


async def test_an_upload_is_never_retried(org: OrgClient, demo: DemoOrg, fake: FakeTallyfy) -> None:
    fake.inject(path=r"/assets$", method="POST", drop="after", times=1)
    with pytest.raises(OutcomeUnknownError):
        await org.files.upload(
            content=PDF, filename="a.pdf", subject_type="Task",
            subject_id=demo.oneoff_task_ids[0], uploaded_from="f",
        )  # fmt: skip
    assert fake.counters.applied("files.upload") == 1  # stored once, not sent again
    fake.inject(path=r"/assets$", method="POST", status=503, times=1)
    with pytest.raises(OutcomeUnknownError, match="503"):
        await org.files.upload(
            content=PDF, filename="a.pdf", subject_type="Task",
            subject_id=demo.oneoff_task_ids[0], uploaded_from="f",
        )  # fmt: skip
    assert [r.route for r in fake.log].count("files.upload") == 2


async def test_an_upload_is_not_replayed_after_a_401_nor_retried_after_a_429(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    upload = {"content": PDF, "filename": "a.pdf", "subject_type": "Task",
              "subject_id": demo.oneoff_task_ids[0], "uploaded_from": "f"}  # fmt: skip
    await org.tasks.get(demo.oneoff_task_ids[0])  # a token first
    fake.inject(path=r"/assets$", method="POST", status=401, times=1)
    with pytest.raises(AuthenticationError):
        await org.files.upload(**upload)  # type: ignore[arg-type]
    fake.inject(path=r"/assets$", method="POST", status=429, retry_after=0, times=1)
    with pytest.raises(RateLimitError):
        await org.files.upload(**upload)  # type: ignore[arg-type]
    assert [r.route for r in fake.log].count("files.upload") == 2
    assert len(fake.state.orgs[demo.org_id].assets) == 0
    assert (await org.files.upload(**upload)).filename == "a.pdf"  # type: ignore[arg-type]


async def test_an_upload_that_never_left_is_a_transport_error(
    fake: FakeTallyfy, demo: DemoOrg
) -> None:
    token = fake.add_personal_access_token(demo.admin_id)
    # A port nothing listens on: the connection never opens.
    async with TallyfyClient(
        PersonalAccessToken(token), base_url="http://127.0.0.1:9/api"
    ) as client:
        with pytest.raises(TransportError) as failed:
            await client.org(demo.org_id).files.upload(
                content=PDF, filename="a.pdf", subject_type="Task",
                subject_id=demo.oneoff_task_ids[0], uploaded_from="f",
            )  # fmt: skip
    assert not isinstance(failed.value, OutcomeUnknownError)


async def test_download_to_a_directory_keeps_tallyfys_name(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy, tmp_path: Path
) -> None:
    asset_id = fake.add_file(demo.org_id, PDF, filename="../../report.pdf")
    target = await org.files.download(asset_id, to=tmp_path)
    assert target == tmp_path / "report.pdf" and target.read_bytes() == PDF
    inline = await org.files.download(asset_id, to=tmp_path / "inline.pdf", inline=True)
    assert inline.read_bytes() == PDF
    assert fake.log[-1].route == "files.read"


async def test_a_download_over_the_cap_leaves_nothing(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy, tmp_path: Path
) -> None:
    asset_id = fake.add_file(demo.org_id, PDF)
    (tmp_path / "keep.pdf").write_bytes(b"old")
    with pytest.raises(FileTooLargeError, match="Content-Length") as refused:
        await org.files.download(asset_id, to=tmp_path / "keep.pdf", max_size=1000)
    assert refused.value.size == len(PDF)
    assert written(tmp_path) == ["keep.pdf"] and (tmp_path / "keep.pdf").read_bytes() == b"old"
    with pytest.raises(FileNotFoundError, match="no directory"):
        await org.files.download(asset_id, to=tmp_path / "missing" / "x.pdf")


async def test_an_interrupted_download_leaves_nothing_at_the_destination(
    fake: FakeTallyfy, demo: DemoOrg, tmp_path: Path
) -> None:
    asset_id = fake.add_file(demo.org_id, PDF)
    fault = fake.inject(path=r"/dl$", truncate=True)
    async with TallyfyClient(
        demo.credentials,
        base_url=fake.base_url,
        token_url=fake.token_url,
        retry=RetryPolicy(max_attempts=2, initial_delay=0.01),
    ) as client:
        org = client.org(demo.org_id)
        with pytest.raises(TransportError):
            await org.files.download(asset_id, to=tmp_path / "cut.pdf")
        assert fault.hits == 2  # a GET is tried again; each attempt starts afresh
        assert written(tmp_path) == []
        fault.remove()
        fake.inject(path=r"/dl$", truncate=True, times=1)
        complete = await org.files.download(asset_id, to=tmp_path / "whole.pdf")
        assert complete.read_bytes() == PDF and written(tmp_path) == ["whole.pdf"]


async def test_read_a_file_as_chunks(org: OrgClient, demo: DemoOrg, fake: FakeTallyfy) -> None:
    asset_id = fake.add_file(demo.org_id, PDF * 10, filename="big.pdf")
    async with org.files.open(asset_id) as file:
        assert file.filename == "big.pdf" and file.size == len(PDF) * 10
        assert file.content_type == "application/octet-stream"
        received = [chunk async for chunk in file]
    assert b"".join(received) == PDF * 10
    async with org.files.open(asset_id, max_size=None) as file:
        async for _ in file:
            break  # leaving early frees the connection (a leak fails the run)
    with pytest.raises(NotFoundError):
        async with org.files.open("0" * 32):
            pass
    with pytest.raises(FileTooLargeError):
        async with org.files.open(asset_id, max_size=100):
            pass
    with pytest.raises(RuntimeError, match="inside 'async with"):
        async for _ in org.files.open(asset_id):
            pass


async def test_archive_keeps_the_stored_file_and_logos_are_not_deleted(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy, tmp_path: Path
) -> None:
    asset_id = fake.add_file(
        demo.org_id, PDF, subject_type="Task", subject_id=demo.oneoff_task_ids[0]
    )
    await org.files.archive(asset_id)
    with pytest.raises(NotFoundError):
        await org.files.get(asset_id)
    still = await org.files.download(asset_id, to=tmp_path / "still.pdf")
    assert still.read_bytes() == PDF
    logo = fake.add_file(demo.org_id, b"png", filename="logo.png")
    with pytest.raises(PermissionDeniedError):
        await org.files.delete(logo)


async def test_attach_a_file_to_a_tasks_file_field(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    blueprint = fake.add_blueprint(
        demo.org_id,
        title="Papers",
        steps=[{"title": "Sign", "captures": [{"label": "Scan", "field_type": "file",
                                                "required": False}]}],
    )  # fmt: skip
    process = await org.processes.launch(blueprint, name="Papers 1")
    [task] = await org.processes.tasks.list(process).to_list()
    field = (await org.processes.tasks.get(task, with_="form_fields")).form_fields or []
    upload = {
        "subject_type": "Run",
        "subject_id": process.id,
        "uploaded_from": field[0].id,
        "step_id": task.step_id,
        "checklist_id": blueprint,
    }
    first = await org.files.upload(content=PDF, filename="one.pdf", **upload)
    second = await org.files.upload(content=PDF, filename="two.pdf", **upload)
    await org.files.attach(task, field_id=field[0].id, assets=first)
    updated = await org.files.attach(process.id, task.id, field_id="Scan", assets=[second])
    assert [a["id"] for a in updated.taskdata[field[0].id]] == [first.id, second.id]


async def test_attach_calls_at_once_to_one_field_keep_every_file(
    client: TallyfyClient, org: OrgClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    blueprint = fake.add_blueprint(
        demo.org_id,
        title="Papers",
        steps=[{"title": "Sign", "captures": [{"label": "Scan", "field_type": "file",
                                                "required": False}]}],
    )  # fmt: skip
    process = await org.processes.launch(blueprint, name="Papers 2")
    [task] = await org.processes.tasks.list(process).to_list()
    [field] = (await org.processes.tasks.get(task, with_="form_fields")).form_fields or []
    upload = {
        "subject_type": "Run",
        "subject_id": process.id,
        "uploaded_from": field.id,
        "step_id": task.step_id,
        "checklist_id": blueprint,
    }
    assets = [await org.files.upload(content=PDF, filename=f"{n}.pdf", **upload) for n in range(6)]
    # Through one view, another view of the organization, by the field's id and label:
    # all are one field of one task, so each call waits for the one before to write.
    views = [org.files, client.org(demo.org_id).files, OrgClient(client, demo.org_id).files]
    names = [field.id, "Scan"]
    await asyncio.gather(
        *(
            views[n % 3].attach(process.id, task.id, field_id=names[n % 2], assets=asset)
            for n, asset in enumerate(assets)
        )
    )
    stored = await org.processes.tasks.get(task)
    assert sorted(a["id"] for a in stored.taskdata[field.id]) == sorted(a.id for a in assets)
    assert not _ATTACHING[client].locks  # dropped with the last call: the table does not grow


# --- what a misbehaving server cannot do ------------------------------------------------


@pytest.fixture
async def odd_server() -> AsyncIterator[str]:
    """A server that redirects, and streams a file without Content-Length."""

    async def redirect(request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound("http://127.0.0.1:9/elsewhere")

    async def endless(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        for _ in range(20):
            await response.write(b"x" * 1000)
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_get("/api/organizations/{org}/file/redirect/dl", redirect)
    app.router.add_get("/api/organizations/{org}/file/endless/dl", endless)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}/api"
    finally:
        await runner.cleanup()


async def test_redirects_are_not_followed_and_the_cap_holds_without_a_length(
    odd_server: str, tmp_path: Path
) -> None:
    async with TallyfyClient(PersonalAccessToken("t" * 40), base_url=odd_server) as client:
        org = client.org("a" * 32)
        with pytest.raises(APIError, match="never follows redirects"):
            await org.files.download("redirect", to=tmp_path / "r.pdf")
        with pytest.raises(FileTooLargeError) as refused:
            await org.files.download("endless", to=tmp_path / "e.pdf", max_size=5000)
        assert refused.value.limit == 5000 and refused.value.size > 5000
        async with org.files.open("endless", max_size=None) as file:
            assert file.size is None and len(await file.read()) == 20_000
    assert written(tmp_path) == []


@pytest.fixture
async def late_head_server() -> AsyncIterator[tuple[str, list[str]]]:
    """A server that answers a download late, then streams it; it notes a dropped client."""
    events: list[str] = []

    async def late(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(0.3)
        response = web.StreamResponse()
        try:
            await response.prepare(request)
            for _ in range(200):
                await response.write(b"x" * 65536)
        except ConnectionError:
            events.append("dropped")
            raise
        events.append("sent whole")
        return response

    app = web.Application()
    app.router.add_get("/api/organizations/{org}/file/late/dl", late)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/api", events
    finally:
        await runner.cleanup()


async def test_a_stream_cancelled_before_its_head_ends_the_download(
    late_head_server: tuple[str, list[str]],
) -> None:
    base_url, events = late_head_server
    async with TallyfyClient(PersonalAccessToken("t" * 40), base_url=base_url) as client:
        entering = asyncio.ensure_future(
            client.org("a" * 32).files.open("late", max_size=None).__aenter__()
        )
        await asyncio.sleep(0.1)
        entering.cancel()
        with pytest.raises(asyncio.CancelledError):
            await entering
        # The connection is let go now, not when the client closes.
        for _ in range(100):
            if events:
                break
            await asyncio.sleep(0.02)
        assert events == ["dropped"]
