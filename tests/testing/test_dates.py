"""Request dates in, response dates out."""

from __future__ import annotations

import re

import pytest

from tallyfy_async.testing import DemoOrg, FakeTallyfy
from tests.testing.support import Api

STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$")


def task_body(demo: DemoOrg, deadline: str) -> dict[str, object]:
    return {
        "title": "Call the client",
        "task_type": "task",
        "owners": {"users": [demo.admin_id]},
        "deadline": deadline,
    }


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("2026-05-15 14:30:00", "2026-05-15T14:30:00.000Z"),
        ("2026-05-15T14:30:00Z", "2026-05-15T14:30:00.000Z"),
        ("2026-05-15T14:30:00.000Z", "2026-05-15T14:30:00.000Z"),
        ("2026-05-15T14:30:00.123456Z", "2026-05-15T14:30:00.000Z"),
        ("2026-05-15T16:30:00+02:00", "2026-05-15T14:30:00.000Z"),
        ("2026-05-15T09:30:00-05:00", "2026-05-15T14:30:00.000Z"),
        ("2026-05-15", "2026-05-15T00:00:00.000Z"),
    ],
)
async def test_request_dates_are_accepted_and_written_back_in_utc(
    api: Api, org_path: str, tallyfy_demo: DemoOrg, sent: str, stored: str
) -> None:
    answer = await api.post(f"{org_path}/tasks", json=task_body(tallyfy_demo, sent))
    assert answer.status == 201, answer.text
    assert answer.json["data"]["deadline"] == stored


@pytest.mark.parametrize(
    "sent",
    [
        "2023-15-05 14:30:00",
        "2023-02-30 10:00:00",
        "15/05/2023",
        "soon",
        # Valid ISO, but the offset moves them past the calendar's edge in UTC.
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-05:00",
    ],
)
async def test_impossible_dates_are_refused_naming_the_field(
    api: Api, org_path: str, tallyfy_demo: DemoOrg, sent: str
) -> None:
    answer = await api.post(f"{org_path}/tasks", json=task_body(tallyfy_demo, sent))
    assert answer.status == 422
    assert answer.json["errors"] == {"deadline": ["The deadline is not a valid date."]}


async def test_a_date_past_the_calendar_in_utc_is_refused_wherever_a_date_is_read(
    api: Api, org_path: str, tallyfy_demo: DemoOrg, tallyfy_fake: FakeTallyfy
) -> None:
    edge = "9999-12-31T23:59:59-05:00"
    created = await api.post(f"{org_path}/tasks", json=task_body(tallyfy_demo, "2030-01-01"))
    task_path = f"{org_path}/tasks/{created.json['data']['id']}"
    prerun = {**tallyfy_demo.kickoff_example, tallyfy_demo.kickoff_field_ids["date"]: edge}
    refused = [
        await api.post(
            f"{org_path}/tasks", json={**task_body(tallyfy_demo, "2030-01-01"), "started_at": edge}
        ),
        await api.put(task_path, json=task_body(tallyfy_demo, edge)),
        await api.post(
            f"{org_path}/guests", json={"email": "far@example.test", "external_date_creation": edge}
        ),
        await api.post(
            f"{org_path}/runs",
            json={"checklist_id": tallyfy_demo.kickoff_blueprint_id, "name": "R", "prerun": prerun},
        ),
    ]
    assert [answer.status for answer in refused] == [422] * 4
    assert [list(answer.json["errors"]) for answer in refused[:3]] == [
        ["started_at"],
        ["deadline"],
        ["external_date_creation"],
    ]
    assert (await api.get(task_path)).json["data"]["deadline"] == "2030-01-01T00:00:00.000Z"
    assert tallyfy_fake.server_errors == []


async def test_every_response_date_has_milliseconds_and_z(
    api: Api, org_path: str, tallyfy_demo: DemoOrg
) -> None:
    run = (await api.get(f"{org_path}/runs/{tallyfy_demo.process_ids[0]}?with=tasks")).json["data"]
    dates = [run["created_at"], run["started_at"], run["last_updated"], run["due_date"]]
    for task in run["tasks"]["data"]:
        dates += [task["created_at"], task["deadline"], task["started_at"], task["last_updated"]]
    assert dates and all(STAMP.match(value) for value in dates)
