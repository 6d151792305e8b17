"""Bad input: refused with a clear error before anything leaves the machine.

Every case goes through the public surface (resource methods, ``client.request``, the
client's constructor) of a client whose token is not fetched yet, and the fake's log
must stay empty: not even a token request was sent for a call that could not be made.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from tallyfy_async import PasswordGrant, TallyfyClient
from tallyfy_async.client import OrgClient
from tallyfy_async.testing import DemoOrg, FakeTallyfy

RUN = "a" * 32
TASK = "b" * 32
BLUEPRINT = "c" * 32
STEP = "d" * 32
SOON = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)

#: Ids that would change the path, smuggle bytes into the request, or are no id at all.
BAD_IDS: dict[str, Any] = {
    "slash": "a/b",
    "dot dot": "..",
    "dot dot inside": "runs/../../admin",
    "dot": ".",
    "backslash": "a\\b",
    "encoded slash": "a%2Fb",
    "encoded dot dot": "%2e%2e",
    "space": "a b",
    "leading space": " " + RUN,
    "trailing newline": RUN + "\n",
    "tab": "a\tb",
    "CRLF header injection": "a\r\nX-Evil: 1",
    "NUL": "a\x00b",
    "bell": "a\x07",
    "DEL": "a\x7f",
    "no-break space": "a\u00a0b",
    "line separator": "a\u2028b",
    "10 KB": "f" * 10_240,
    "empty": "",
    "None": None,
    "float": 1.5,
    "bytes": b"abc",
    "list": [RUN],
    "bool": True,
}

#: Resource methods taking an id into the path: (name, call with the bad id).
IdCall = Callable[[OrgClient, Any], Awaitable[Any]]
ID_CALLS: dict[str, IdCall] = {
    "processes.get": lambda org, bad: org.processes.get(bad),
    "processes.launch (blueprint)": lambda org, bad: org.processes.launch(bad),
    "processes.update": lambda org, bad: org.processes.update(bad, name="x"),
    "processes.archive": lambda org, bad: org.processes.archive(bad),
    "blueprints.get": lambda org, bad: org.blueprints.get(bad),
    "tasks.get": lambda org, bad: org.tasks.get(bad),
    "tasks.update": lambda org, bad: org.tasks.update(bad, title="x"),
    "tasks.complete": lambda org, bad: org.tasks.complete(bad),
    "processes.tasks.get": lambda org, bad: org.processes.tasks.get(bad, TASK),
    "processes.tasks.update (process)": lambda org, bad: org.processes.tasks.update(
        bad, TASK, title="x"
    ),
    "processes.tasks.update (task)": lambda org, bad: org.processes.tasks.update(
        RUN, bad, title="x"
    ),
    "processes.tasks.complete": lambda org, bad: org.processes.tasks.complete(bad, TASK),
    "processes.tasks.list": lambda org, bad: org.processes.tasks.list(bad).to_list(),
    "tasks.comments.add": lambda org, bad: org.tasks.comments.add(bad, content="Hello"),
    "tasks.comments.list": lambda org, bad: org.tasks.comments.list(bad),
    "processes.comments.add": lambda org, bad: org.processes.comments.add(bad, content="Hi"),
    "blueprints.automations.delete": lambda org, bad: org.blueprints.automations.delete(
        BLUEPRINT, bad
    ),
}


@pytest.fixture
async def offline(fake: FakeTallyfy, demo: DemoOrg) -> Any:
    """A client that has sent nothing yet; the test asserts it still has not."""
    async with TallyfyClient(
        demo.credentials, base_url=fake.base_url, token_url=fake.token_url
    ) as client:
        yield client
    assert fake.log == [], [f"{r.method} {r.path}" for r in fake.log]


def refused(watch: Any) -> Any:
    """The errors bad input raises: ValueError or TypeError (FormValuesError is both)."""
    return watch.raises((ValueError, TypeError))


def cases(table: dict[str, Any]) -> list[Any]:
    return [pytest.param(value, id=name) for name, value in table.items()]


@pytest.mark.parametrize(
    ("call", "bad"),
    [
        pytest.param(call, bad, id=f"{what}-{call}")
        for call in ID_CALLS
        for what, bad in BAD_IDS.items()
    ],
)
async def test_unsafe_ids_are_refused_by_every_resource(
    offline: TallyfyClient, demo: DemoOrg, watch: Any, call: str, bad: Any
) -> None:
    org = offline.org(demo.org_id)
    with refused(watch) as error:
        await ID_CALLS[call](org, bad)
    message = str(error.value)
    assert "id" in message or "must be" in message or "required" in message, message


@pytest.mark.parametrize("bad", cases(BAD_IDS))
async def test_unsafe_ids_are_refused_by_org_and_request(
    offline: TallyfyClient, demo: DemoOrg, watch: Any, bad: Any
) -> None:
    with refused(watch):
        offline.org(bad)
    if isinstance(bad, str) and bad and "/" not in bad:  # in a path, "/" splits segments
        with refused(watch):
            await offline.request("GET", f"/organizations/{demo.org_id}/runs/{bad}")
        with refused(watch):
            await offline.request("GET", f"/organizations/{demo.org_id}/runs", org=bad)


@pytest.mark.parametrize(
    "path",
    [
        "organizations/x/runs",  # relative
        "https://evil.example.com/steal",  # another host
        "//evil.example.com/steal",  # scheme-relative
        "/api/organizations/x/runs",  # would become /api/api/
        "/organizations/x/runs?q=1",  # query in the path
        "/organizations/x/runs#top",
        "/organizations/x/../../admin",
        "/organizations//runs",
        "/me/%2e%2e/admin",
    ],
)
async def test_unsafe_paths_are_refused(offline: TallyfyClient, watch: Any, path: str) -> None:
    with refused(watch):
        await offline.request("GET", path)


@pytest.mark.parametrize(
    "method", ["GET /admin HTTP/1.1\r\nX-Evil: 1", "GE T", "", "G\x00T", "POST\n"]
)
async def test_a_method_that_is_no_http_token_is_refused(
    offline: TallyfyClient, demo: DemoOrg, watch: Any, method: str
) -> None:
    with refused(watch):
        await offline.request(method, f"/organizations/{demo.org_id}/runs")


NAIVE = datetime(2030, 1, 1, 9, 0)
#: Aware, but their UTC time is not a date the API can read (or not a date at all).
OUT_OF_RANGE = {
    "year 1 at +01:00": datetime(1, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))),
    "year 9999 at -05:00": datetime(9999, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-5))),
}


DateCall = Callable[[OrgClient, Any], Awaitable[Any]]
DATE_CALLS: dict[str, DateCall] = {
    "tasks.create deadline": lambda org, when: org.tasks.create(
        title="Call Jane", task_type="task", owners={"users": [1]}, deadline=when
    ),
    "tasks.create started_at": lambda org, when: org.tasks.create(
        title="Call Jane", task_type="task", owners={"users": [1]}, deadline=SOON, started_at=when
    ),
    "processes.tasks.update deadline": lambda org, when: org.processes.tasks.update(
        RUN, TASK, deadline=when
    ),
    "tasks.update deadline": lambda org, when: org.tasks.update(
        TASK, title="x", owners={"users": [1], "guests": [], "groups": []}, deadline=when
    ),
    "processes.launch task deadline": lambda org, when: org.processes.launch(
        BLUEPRINT, kickoff_fields=[], tasks={STEP: {"deadline": when}}
    ),
    "client.request json": lambda org, when: org.request(
        "POST", f"/organizations/{org.org_id}/tasks", json={"title": "x", "deadline": when}
    ),
}


@pytest.mark.parametrize("where", list(DATE_CALLS))
@pytest.mark.parametrize("when", cases({"naive": NAIVE, **OUT_OF_RANGE}))
async def test_naive_and_out_of_range_datetimes_are_refused(
    offline: TallyfyClient, demo: DemoOrg, watch: Any, where: str, when: datetime
) -> None:
    with watch.raises(ValueError) as error:
        await DATE_CALLS[where](offline.org(demo.org_id), when)
    if when is NAIVE:
        assert "naive" in str(error.value)


@pytest.mark.parametrize(
    "call",
    cases(
        {
            "launch: unknown keyword": lambda org: org.processes.launch(
                BLUEPRINT, kickoff_fields=[], nmae="Onboard Jane"
            ),
            "launch: prerun_data (ignored by Tallyfy)": lambda org: org.processes.launch(
                BLUEPRINT, kickoff_fields=[], prerun_data={}
            ),
            "launch: unknown kick-off field": lambda org: org.processes.launch(
                BLUEPRINT, kickoff_fields=[], kickoff={"Full name": "Jane"}
            ),
            "launch: unknown task override": lambda org: org.processes.launch(
                BLUEPRINT, kickoff_fields=[], tasks={STEP: {"deadlin": SOON}}
            ),
            "tasks.create: unknown keyword": lambda org: org.tasks.create(
                title="x", task_type="task", owners={"users": [1]}, deadline=SOON, colour="red"
            ),
            "tasks.create: unknown owners bucket": lambda org: org.tasks.create(
                title="x", task_type="task", owners={"userz": [1]}, deadline=SOON
            ),
            "tasks.update: unknown keyword": lambda org: org.processes.tasks.update(
                RUN, TASK, titel="x"
            ),
            "comments.add: unknown keyword": lambda org: org.tasks.comments.add(
                TASK, content="Hello", labels="comment"
            ),
            "comments.add: unknown label": lambda org: org.tasks.comments.add(
                TASK, content="Hello", label="shout"
            ),
        }
    ),
)
async def test_unknown_write_fields_are_refused(
    offline: TallyfyClient, demo: DemoOrg, watch: Any, call: Callable[[OrgClient], Any]
) -> None:
    with refused(watch):
        await call(offline.org(demo.org_id))


@pytest.mark.parametrize(
    "call",
    cases(
        {
            "launch: name is an int": lambda org: org.processes.launch(
                BLUEPRINT, kickoff_fields=[], name=123
            ),
            "launch: name of 10 KB": lambda org: org.processes.launch(
                BLUEPRINT, kickoff_fields=[], name="x" * 10_240
            ),
            "launch: blueprint id is an int": lambda org: org.processes.launch(
                123, kickoff_fields=[]
            ),
            "launch: kickoff is a list": lambda org: org.processes.launch(
                BLUEPRINT, kickoff_fields=[], kickoff=[("a", 1)]
            ),
            "launch: starred is a str": lambda org: org.processes.launch(
                BLUEPRINT, kickoff_fields=[], starred="yes"
            ),
            "launch: users hold strs": lambda org: org.processes.launch(
                BLUEPRINT, kickoff_fields=[], users=["42"]
            ),
            "tasks.create: deadline is a str": lambda org: org.tasks.create(
                title="x", task_type="task", owners={"users": [1]}, deadline="2030-01-01"
            ),
            "tasks.create: deadline is a date": lambda org: org.tasks.create(
                title="x", task_type="task", owners={"users": [1]}, deadline=SOON.date()
            ),
            "tasks.create: title of 10 KB": lambda org: org.tasks.create(
                title="x" * 10_240, task_type="task", owners={"users": [1]}, deadline=SOON
            ),
            "tasks.create: title None": lambda org: org.tasks.create(
                title=None, task_type="task", owners={"users": [1]}, deadline=SOON
            ),
            "tasks.create: owner ids are strs": lambda org: org.tasks.create(
                title="x", task_type="task", owners={"users": ["42"]}, deadline=SOON
            ),
            "tasks.create: owners is a list": lambda org: org.tasks.create(
                title="x", task_type="task", owners=[42], deadline=SOON
            ),
            "tasks.update: position is a bool": lambda org: org.processes.tasks.update(
                RUN, TASK, position=True
            ),
            "tasks.update: title of 10 KB": lambda org: org.processes.tasks.update(
                RUN, TASK, title="x" * 10_240
            ),
            "tasks.complete: no task id": lambda org: org.processes.tasks.complete(RUN),
            "tasks.complete: is_approved is a str": lambda org: org.processes.tasks.complete(
                RUN, TASK, is_approved="yes"
            ),
            "tasks.complete (any task): is_approved is a str": lambda org: org.tasks.complete(
                TASK, is_approved="yes"
            ),
            "comments.add: content is an int": lambda org: org.tasks.comments.add(TASK, content=42),
            "comments.add: blank content": lambda org: org.tasks.comments.add(TASK, content="   "),
            "blueprints.get: version is a str": lambda org: org.blueprints.get(
                BLUEPRINT, version="2"
            ),
            "processes.list: per_page 0": lambda org: org.processes.list(per_page=0).to_list(),
            "request: params hold an object": lambda org: org.request(
                "GET", f"/organizations/{org.org_id}/runs", params={"q": object()}
            ),
            "request: json holds an object": lambda org: org.request(
                "POST", f"/organizations/{org.org_id}/runs", json={"name": object()}
            ),
        }
    ),
)
async def test_wrong_types_and_sizes_are_refused(
    offline: TallyfyClient, demo: DemoOrg, watch: Any, call: Callable[[OrgClient], Any]
) -> None:
    with refused(watch):
        await call(offline.org(demo.org_id))


@pytest.mark.parametrize(
    ("base_url", "token_url"),
    [
        ("http://go.tallyfy.com/api", "https://go.tallyfy.com/api/oauth/token"),
        ("https://go.tallyfy.com/api", "http://go.tallyfy.com/api/oauth/token"),
        ("http://10.0.0.7:8080/api", "https://go.tallyfy.com/api/oauth/token"),
        ("http://[2001:db8::1]/api", "https://go.tallyfy.com/api/oauth/token"),
        ("http://127.0.0.1.evil.example.com/api", "https://go.tallyfy.com/api/oauth/token"),
        ("http://localhost.evil.example.com/api", "https://go.tallyfy.com/api/oauth/token"),
        ("https://user:secret@go.tallyfy.com/api", "https://go.tallyfy.com/api/oauth/token"),
        ("https://go.tallyfy.com/api?debug=1", "https://go.tallyfy.com/api/oauth/token"),
        ("ftp://go.tallyfy.com/api", "https://go.tallyfy.com/api/oauth/token"),
        ("go.tallyfy.com/api", "https://go.tallyfy.com/api/oauth/token"),
    ],
)
def test_insecure_or_odd_base_urls_are_refused(
    demo: DemoOrg, watch: Any, base_url: str, token_url: str
) -> None:
    with watch.raises(ValueError) as error:
        TallyfyClient(demo.credentials, base_url=base_url, token_url=token_url)
    assert "url" in str(error.value).lower()
    assert "secret" not in str(error.value)


async def test_plain_http_stays_allowed_to_this_machine_and_on_request(
    fake: FakeTallyfy, demo: DemoOrg
) -> None:
    for host in ("127.0.0.1", "localhost", "[::1]", "127.8.9.10"):
        TallyfyClient(demo.credentials, base_url=f"http://{host}/api", token_url=fake.token_url)
    TallyfyClient(
        demo.credentials,
        base_url="http://10.0.0.7/api",
        token_url=fake.token_url,
        allow_insecure_http=True,
    )


async def test_an_org_of_another_credentials_set_is_refused(
    fake: FakeTallyfy, demo: DemoOrg, watch: Any
) -> None:
    other = fake.add_organization("Globex")
    fake.add_member(other, email="admin@globex.test", password="globex-password", role="admin")
    client_id, secret = fake.add_client([other])
    globex = PasswordGrant(
        client_id=client_id,
        client_secret=secret,
        username="admin@globex.test",
        password="globex-password",
    )
    watch.credentials(globex)
    async with TallyfyClient(
        {other: globex}, base_url=fake.base_url, token_url=fake.token_url
    ) as client:
        with watch.raises(ValueError, match="no credentials for organization"):
            client.org(demo.org_id)
        with watch.raises(ValueError, match="no credentials for organization"):
            await client.request("GET", f"/organizations/{demo.org_id}/runs")
        with watch.raises(ValueError, match="never sent to another"):
            await client.request("GET", f"/organizations/{demo.org_id}/runs", org=other)
        with watch.raises(ValueError, match="name the organization"):
            await client.request("GET", "/me")
        view = client.org(other)
        with watch.raises(ValueError, match="never sent to another"):
            await view.request("GET", f"/organizations/{demo.org_id}/runs")
    assert fake.log == []
