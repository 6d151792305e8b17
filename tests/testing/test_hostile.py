"""Hostile requests, one table: every answer is JSON in Tallyfy's error shape and a 4xx, or a 2xx.

Each row is one raw request (method, path, headers, body bytes) and the status it must get.
Whatever the row, the fake records no server error, logs the request with the status it sent,
and applies no write it refused.
"""

from __future__ import annotations

import gc
import gzip
import json
import logging
import warnings
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import attrs
import pytest
import pytest_asyncio

from tallyfy_async.testing import DemoOrg, FakeTallyfy

#: Small enough that the 413 rows stay cheap.
MAX_BODY = 256 * 1024
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


@attrs.frozen
class Hostile:
    """One request: ``path`` below the API base, with ``{org}``, ``{run}``, ``{task}``,
    ``{blueprint}`` and ``{user}`` filled from the demo organization."""

    method: str
    path: str
    status: int
    body: bytes | None = None
    content_type: str | None = None
    #: Headers to add; a ``None`` value removes one of Tallyfy's three.
    headers: dict[str, str | None] = attrs.Factory(dict)
    #: "admin", "other-org" (a member of another organization only), "app" (a
    #: client-credentials token) or "bogus".
    token: str = "admin"


def nested(depth: int) -> bytes:
    """A JSON object whose ``checklist_id`` holds lists nested to ``depth`` levels in all."""
    return b'{"checklist_id":' + b"[" * (depth - 1) + b"]" * (depth - 1) + b"}"


def multipart_with_file() -> tuple[bytes, str]:
    boundary = "hostileboundary"
    body = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="name"\r\n\r\n'
        "From a form\r\n"
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="file"; filename="a.txt"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
        "file bytes\r\n"
        f"--{boundary}--\r\n"
    ).encode()
    return body, f"multipart/form-data; boundary={boundary}"


def multipart_field(value: bytes) -> tuple[bytes, str]:
    boundary = "hostileboundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="name"\r\n'.encode()
        + b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        + value
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def upload(filename: str, size: int = 10) -> tuple[bytes, str]:
    """An upload's multipart body: a file part ``name`` and the fields of a Task upload."""
    boundary = "hostileboundary"
    fields = {"subject_type": "Task", "subject_id": "{task}", "uploaded_from": "f"}
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields.items()
    )
    body += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="name"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    return body + b"x" * size + f"\r\n--{boundary}--\r\n".encode(), (
        f"multipart/form-data; boundary={boundary}"
    )


def upload_then(part: bytes) -> tuple[bytes, str]:
    """An upload's multipart body with ``part`` (its headers and content) after the file."""
    body, content_type = upload("notes.txt")
    boundary = "hostileboundary"
    body = body.removesuffix(f"--{boundary}--\r\n".encode())
    return body + f"--{boundary}\r\n".encode() + part + f"\r\n--{boundary}--\r\n".encode(), (
        content_type
    )


FILE_FORM, FILE_FORM_TYPE = multipart_with_file()
#: A file part, then a part that cannot be read: aiohttp's own form reader left the file's
#: temporary file open when that happened.
AFTER_FILE_NO_NAME, _ = upload_then(b"Content-Disposition: form-data\r\n\r\nx")
AFTER_FILE_BAD_BASE64, _ = upload_then(
    b'Content-Disposition: form-data; name="n"\r\nContent-Transfer-Encoding: base64\r\n\r\nA'
)
AFTER_FILE_NOT_UTF8, _ = upload_then(
    b'Content-Disposition: form-data; name="n"\r\nContent-Type: text/plain\r\n\r\n\xff\xfe'
)
UPLOAD, UPLOAD_TYPE = upload("notes.txt")
UPLOAD_EXE, _ = upload("run.exe")
UPLOAD_BIG, _ = upload("big.txt", MAX_BODY)
BAD_FIELD, BAD_FIELD_TYPE = multipart_field(b"\xff\xfe")
RUNS = "/organizations/{org}/runs"
TASK = "/organizations/{org}/runs/{run}/tasks/{task}"
ASSETS = "/organizations/{org}/assets"
VALUES = "/organizations/{org}/runs/{run}/custom-fields"

ROWS = {
    # ---- bodies that claim a format and do not hold to it
    "multipart without boundary": Hostile("POST", RUNS, 400, b"x", "multipart/form-data"),
    "multipart without boundary, no token": Hostile(
        "POST", RUNS, 401, b"x", "multipart/form-data", token="bogus"
    ),
    "multipart garbage": Hostile(
        "POST", RUNS, 400, b"garbage", "multipart/form-data; boundary=xyz"
    ),
    "multipart field not UTF-8": Hostile("POST", RUNS, 400, BAD_FIELD, BAD_FIELD_TYPE),
    "multipart with a file part": Hostile("POST", RUNS, 422, FILE_FORM, FILE_FORM_TYPE),
    "form not UTF-8": Hostile("POST", RUNS, 400, b"name=\xff\xfe", FORM),
    "form escape not UTF-8": Hostile("POST", RUNS, 400, b"name=%FF", FORM),
    "form charset making a lone surrogate": Hostile(
        "POST", RUNS, 400, b"name=\\ud800", f"{FORM}; charset=unicode_escape"
    ),
    "form unknown charset": Hostile("POST", RUNS, 400, b"name=x", f"{FORM}; charset=x-nope"),
    "JSON malformed": Hostile("POST", RUNS, 400, b'{"name":', JSON),
    "JSON nested 100,000 deep": Hostile("POST", RUNS, 400, b"[" * 100_000 + b"]" * 100_000, JSON),
    "JSON nested 5,000 deep": Hostile("POST", RUNS, 400, b"[" * 5_000 + b"]" * 5_000, JSON),
    "JSON nested 129 deep": Hostile("POST", RUNS, 400, nested(129), JSON),
    "JSON nested 128 deep is read": Hostile("POST", RUNS, 422, nested(128), JSON),
    "JSON lone surrogate": Hostile("POST", RUNS, 400, b'{"name":"\\ud800"}', JSON),
    "JSON lone low surrogate": Hostile("POST", RUNS, 400, b'{"name":"a\\udfffb"}', JSON),
    "JSON in UTF-16": Hostile("POST", RUNS, 400, '{"name": "x"}'.encode("utf-16"), JSON),
    "JSON not UTF-8": Hostile("POST", RUNS, 400, b'{"name":"\xff"}', JSON),
    "JSON NaN": Hostile("POST", RUNS, 400, b'{"checklist_id":NaN}', JSON),
    "JSON Infinity": Hostile("POST", RUNS, 400, b'{"checklist_id":-Infinity}', JSON),
    "JSON number too large for a float": Hostile("POST", RUNS, 400, b'{"a":1e999}', JSON),
    "JSON integer of 5,000 digits": Hostile("POST", RUNS, 400, b'{"a":' + b"9" * 5000 + b"}", JSON),
    "JSON array body": Hostile("POST", RUNS, 422, b"[1,2]", JSON),
    "JSON string body": Hostile("POST", RUNS, 422, b'"x"', JSON),
    "JSON content type, empty body": Hostile("POST", RUNS, 422, b"", JSON),
    "text body is not input": Hostile("POST", RUNS, 422, b'{"checklist_id":"x"}', "text/plain"),
    "malformed JSON on a GET": Hostile("GET", RUNS, 400, b"{", JSON),
    "unknown content encoding": Hostile(
        "POST", RUNS, 400, b"garbage", JSON, {"Content-Encoding": "deflate"}
    ),
    # ---- size
    "body over the limit": Hostile("POST", RUNS, 413, b"[" + b"1," * MAX_BODY + b"1]", JSON),
    "compressed body over the limit": Hostile(
        "POST", RUNS, 413, gzip.compress(b" " * (4 * MAX_BODY)), JSON, {"Content-Encoding": "gzip"}
    ),
    # ---- numbers and ids
    "page ²": Hostile("GET", RUNS + "?page=%C2%B2", 200),
    "per_page ①": Hostile("GET", RUNS + "?per_page=%E2%91%A0", 200),
    "page -1": Hostile("GET", RUNS + "?page=-1", 200),
    "page 0": Hostile("GET", RUNS + "?page=0", 200),
    "page past 64 bits": Hostile("GET", RUNS + "?page=99999999999999999999999999", 200),
    "page of 5,000 digits": Hostile("GET", RUNS + "?page=" + "9" * 5000, 200),
    "per_page huge": Hostile("GET", RUNS + "?per_page=100000", 200),
    "owners ² and ①": Hostile("GET", RUNS + "?owners=%C2%B2,%E2%91%A0", 200),
    "task owners ²": Hostile("GET", "/organizations/{org}/runs/{run}/tasks?owners=%C2%B2", 200),
    "user id ²": Hostile("GET", "/organizations/{org}/users/%C2%B2", 404),
    "user id past 64 bits": Hostile("GET", "/organizations/{org}/users/99999999999999999999", 404),
    "user id -1": Hostile("GET", "/organizations/{org}/users/-1", 404),
    "user tasks of ²": Hostile("GET", "/organizations/{org}/users/%C2%B2/tasks", 404),
    "guest tasks of ①": Hostile("GET", "/organizations/{org}/guests/%E2%91%A0/tasks", 404),
    "association id ²": Hostile("DELETE", "/organizations/{org}/checklists/tags/%C2%B2", 404),
    "folder object id ²": Hostile("DELETE", "/organizations/{org}/folders-objects/%C2%B2", 404),
    "integer field ²": Hostile("PUT", TASK, 422, b'{"position":"\xc2\xb2"}', JSON),
    "integer field --5": Hostile("PUT", TASK, 422, b'{"position":"--5"}', JSON),
    "integer field past 64 bits": Hostile(
        "PUT", TASK, 422, b'{"position":1' + b"0" * 30 + b"}", JSON
    ),
    "integer text past 64 bits": Hostile(
        "PUT", TASK, 422, b'{"position":"99999999999999999999999"}', JSON
    ),
    "override user ²": Hostile(
        "POST",
        "/organizations/{org}/runs/{run}/completed-tasks",
        422,
        b'{"task_id":"{task}","override_user":"\xc2\xb2"}',
        JSON,
    ),
    "client id ² at the token endpoint": Hostile(
        "POST",
        "/oauth/token",
        401,
        b"grant_type=client_credentials&client_id=%C2%B2&client_secret=x",
        FORM,
        token="none",
    ),
    # ---- paths and query strings
    "unicode path segment": Hostile("GET", RUNS + "/%E6%97%A5%E6%9C%AC", 404),
    "NUL in a path segment": Hostile("GET", RUNS + "/a%00b", 404),
    "newline in a path segment": Hostile("GET", RUNS + "/a%0Ab", 404),
    "escape that is not UTF-8": Hostile("GET", RUNS + "/%FF%FE", 404),
    "dot segments": Hostile("GET", RUNS + "/..%2F..%2Fme", 404),
    "unknown path": Hostile("GET", "/no/such/route", 404),
    "long query string": Hostile("GET", RUNS + "?q=" + "x" * 7000, 200),
    "NUL in the query": Hostile("GET", RUNS + "?q=a%00b", 200),
    "query escape not UTF-8": Hostile("GET", RUNS + "?q=%FF", 200),
    # ---- methods
    "PATCH on a listing": Hostile("PATCH", RUNS, 405),
    "WebDAV method": Hostile("PROPFIND", RUNS, 405),
    "purge method on an unknown path": Hostile("PURGE", "/no/such/route", 404),
    "OPTIONS": Hostile("OPTIONS", RUNS, 405),
    "HEAD on a listing": Hostile("HEAD", RUNS, 200),
    # ---- tokens and headers
    "token of another organization": Hostile("GET", RUNS, 403, token="other-org"),
    "unknown token": Hostile("GET", RUNS, 401, token="bogus"),
    "application token on a user route": Hostile("GET", RUNS, 401, token="app"),
    "no Authorization": Hostile("GET", RUNS, 401, headers={"Authorization": None}),
    "empty bearer": Hostile("GET", RUNS, 401, headers={"Authorization": "Bearer "}),
    "basic scheme": Hostile("GET", RUNS, 401, headers={"Authorization": "Basic dTpw"}),
    "no X-Tallyfy-Client": Hostile("GET", RUNS, 401, headers={"X-Tallyfy-Client": None}),
    "no headers at all": Hostile(
        "GET", RUNS, 401, headers={"Authorization": None, "X-Tallyfy-Client": None}
    ),
    "organization that does not exist": Hostile("GET", "/organizations/" + "0" * 32 + "/runs", 404),
    # ---- files, search, custom fields
    "upload": Hostile("POST", ASSETS, 200, UPLOAD, UPLOAD_TYPE),
    "upload as JSON, no file": Hostile("POST", ASSETS, 422, b'{"subject_type":"Task"}', JSON),
    "upload of an extension Tallyfy refuses": Hostile("POST", ASSETS, 422, UPLOAD_EXE, UPLOAD_TYPE),
    "upload over the body limit": Hostile("POST", ASSETS, 413, UPLOAD_BIG, UPLOAD_TYPE),
    "upload, then a part without a name": Hostile(
        "POST", ASSETS, 400, AFTER_FILE_NO_NAME, UPLOAD_TYPE
    ),
    "upload, then a part that is not base64": Hostile(
        "POST", ASSETS, 400, AFTER_FILE_BAD_BASE64, UPLOAD_TYPE
    ),
    "upload, then a field that is not UTF-8": Hostile(
        "POST", ASSETS, 400, AFTER_FILE_NOT_UTF8, UPLOAD_TYPE
    ),
    "upload garbage multipart": Hostile(
        "POST", ASSETS, 400, b"garbage", "multipart/form-data; boundary=xyz"
    ),
    "download of an id ²": Hostile("GET", "/organizations/{org}/file/%C2%B2/dl", 404),
    "search without text": Hostile("GET", "/organizations/{org}/search?on=task", 422),
    "search of an unknown type": Hostile("GET", "/organizations/{org}/search?search=a&on=x", 422),
    "search per_page ①": Hostile(
        "GET", "/organizations/{org}/search?search=a&per_page=%E2%91%A0", 200
    ),
    "custom fields as a list": Hostile("PUT", VALUES, 422, b'{"custom_fields":[1]}', JSON),
    "custom fields of an unknown key": Hostile(
        "PUT", VALUES, 422, b'{"custom_fields":{"nope":1}}', JSON
    ),
    "one custom field of an unknown key": Hostile(
        "PATCH", VALUES + "/nope", 404, b'{"value":1}', JSON
    ),
    "custom fields of a guest ²": Hostile(
        "GET", "/organizations/{org}/guests/%C2%B2/custom-fields", 404
    ),
    "custom field key that does not exist": Hostile(
        "PUT", "/organizations/{org}/custom-field-keys/nope", 404, b"{}", JSON
    ),
    "watcher id ²": Hostile("DELETE", "/organizations/{org}/remove-watcher/%C2%B2", 404),
}


@pytest_asyncio.fixture
async def hostile() -> AsyncIterator[tuple[FakeTallyfy, DemoOrg, dict[str, str]]]:
    async with FakeTallyfy(max_body_size=MAX_BODY) as fake:
        demo = fake.seed_demo(processes=2, tasks_per_process=2)
        other_org = fake.add_organization("Elsewhere")
        outsider = fake.add_member(other_org, email="outsider@example.com")
        app = fake.tokens.issue("client_credentials", client_id=demo.client_id, user_id=None,
                                lifetime=3600)  # fmt: skip
        tokens = {
            "admin": fake.issue_token(demo.admin_id),
            "other-org": fake.issue_token(outsider),
            "app": app.access_token,
            "bogus": "not-a-token",
        }
        yield fake, demo, tokens


def fill(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


@pytest.mark.parametrize("row", ROWS.values(), ids=ROWS.keys())
async def test_hostile_request(
    hostile: tuple[FakeTallyfy, DemoOrg, dict[str, str]], row: Hostile
) -> None:
    fake, demo, tokens = hostile
    run = fake.state.orgs[demo.org_id].runs.get(demo.process_ids[0])
    assert run is not None
    values = {
        "org": demo.org_id,
        "run": run.id,
        "task": run.tasks[1].id,
        "blueprint": demo.blueprint_ids[2],
        "user": str(demo.member_id),
    }
    headers: dict[str, str] = {"X-Tallyfy-Client": "APIClient", "Accept": JSON}
    if row.token in tokens:
        headers["Authorization"] = f"Bearer {tokens[row.token]}"
    if row.content_type is not None:
        headers["Content-Type"] = row.content_type
    for name, value in row.headers.items():
        if value is None:
            headers.pop(name, None)
        else:
            headers[name] = value
    body = fill(row.body.decode("latin-1"), values).encode("latin-1") if row.body else row.body
    url = fake.base_url + fill(row.path, values)
    before = sum(fake.counters.writes_applied.values())
    async with (
        aiohttp.ClientSession(auto_decompress=False) as session,
        session.request(
            row.method, url, data=body, headers=headers, skip_auto_headers={"Content-Type"}
        ) as response,
    ):
        content = await response.read()
        content_type = response.headers.get("Content-Type", "")
    assert response.status == row.status, content[:300]
    assert fake.server_errors == []
    if row.method != "HEAD":
        assert content_type.startswith(JSON), (content_type, content[:200])
        answer: Any = json.loads(content)
        if response.status >= 400:
            assert isinstance(answer["message"], str) and answer["message"]
    # Whatever the fake read lives no longer than the request (a file part's temporary file
    # left open would warn here, when it is collected).
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always", ResourceWarning)
        gc.collect()
    assert [str(w.message) for w in warned if w.category is ResourceWarning] == []
    logged = fake.log[-1]
    assert (logged.method, logged.status) == (row.method, row.status)
    if response.status >= 400:
        assert sum(fake.counters.writes_applied.values()) == before
        assert not logged.applied


async def test_a_404_for_a_client_that_does_not_ask_for_json_is_tallyfys_html_page(
    api: Any, org_path: str
) -> None:
    # The one answer that is not JSON, as production sends it.
    headers = {"X-Tallyfy-Client": "x", "Authorization": f"Bearer {api.token}"}
    answer = await api.get(f"{org_path}/runs/{'0' * 32}", headers=headers)
    assert answer.status == 404 and answer.headers["Content-Type"].startswith("text/html")


async def test_a_lone_surrogate_is_refused_before_anything_is_stored(
    hostile: tuple[FakeTallyfy, DemoOrg, dict[str, str]],
) -> None:
    fake, demo, tokens = hostile
    org = fake.state.orgs[demo.org_id]
    headers = {
        "Authorization": f"Bearer {tokens['admin']}",
        "X-Tallyfy-Client": "APIClient",
        "Accept": JSON,
        "Content-Type": JSON,
    }
    runs = f"{fake.base_url}/organizations/{demo.org_id}/runs"
    launch = b'{"checklist_id":"%s","name":"bad \\ud800 name"}' % demo.blueprint_ids[2].encode()
    rename = b'{"name":"\\udc00"}'
    run_id = demo.process_ids[0]
    name_before = org.runs.get(run_id).wire["name"]  # type: ignore[union-attr]
    async with aiohttp.ClientSession() as session:
        async with session.post(runs, data=launch, headers=headers) as refused:
            assert refused.status == 400
        async with session.put(f"{runs}/{run_id}", data=rename, headers=headers) as refused:
            assert refused.status == 400
        async with session.get(f"{runs}?per_page=100", headers=headers) as listed:
            assert listed.status == 200
            names = [run["name"] for run in (await listed.json())["data"]]
    assert len(names) == len(demo.process_ids)
    assert org.runs.get(run_id).wire["name"] == name_before  # type: ignore[union-attr]
    good = launch.replace(b"\\ud800", b"\\ud83d\\ude00")  # a pair is one character: stored
    async with (
        aiohttp.ClientSession() as session,
        session.post(runs, data=good, headers=headers) as created,
    ):
        assert created.status == 201
        assert (await created.json())["data"]["name"] == "bad \U0001f600 name"
    assert fake.server_errors == []


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_a_body_that_does_not_inflate_is_refused_and_its_connection_closed_cleanly(
    hostile: tuple[FakeTallyfy, DemoOrg, dict[str, str]],
    caplog: pytest.LogCaptureFixture,
    encoding: str,
) -> None:
    fake, demo, tokens = hostile
    headers = {
        "Authorization": f"Bearer {tokens['admin']}",
        "X-Tallyfy-Client": "APIClient",
        "Accept": JSON,
        "Content-Type": JSON,
    }
    tags = f"{fake.base_url}/organizations/{demo.org_id}/tags"
    async with aiohttp.ClientSession() as session:
        bad = {**headers, "Content-Encoding": encoding}
        async with session.post(tags, data=b"not compressed", headers=bad) as refused:
            assert refused.status == 400
            assert refused.headers["Connection"] == "close"
            message = (await refused.json())["message"]
        # A refusal that comes before the body is looked at closes the connection too.
        unknown = {**bad, "Authorization": "Bearer nobody"}
        async with session.post(tags, data=b"not compressed", headers=unknown) as unknown_token:
            assert unknown_token.status == 401
            assert unknown_token.headers["Connection"] == "close"
        # The same session goes on: the pool did not keep the closed connections.
        async with session.post(tags, data=b'{"title":"After"}', headers=headers) as created:
            assert created.status == 201
    assert f"Content-Encoding ({encoding})" in message
    assert fake.server_errors == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_an_exception_in_the_pipeline_is_answered_json_logged_and_recorded(
    hostile: tuple[FakeTallyfy, DemoOrg, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, demo, tokens = hostile

    async def broken(request: Any) -> Any:
        raise RuntimeError("the body reader broke")

    monkeypatch.setattr("tallyfy_async.testing._server.read_body", broken)
    headers = {"Authorization": f"Bearer {tokens['admin']}", "X-Tallyfy-Client": "APIClient"}
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{fake.base_url}/organizations/{demo.org_id}/runs", headers=headers) as answer,
    ):
        assert answer.status == 500
        assert answer.headers["Content-Type"].startswith(JSON)
        assert await answer.json() == {"message": "Server Error"}
    assert [str(error) for error in fake.server_errors] == ["the body reader broke"]
    assert (fake.log[-1].status, fake.log[-1].path) == (
        500,
        f"/api/organizations/{demo.org_id}/runs",
    )
