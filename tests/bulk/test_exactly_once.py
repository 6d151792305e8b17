"""Exactly-once launches and one-off tasks by a dedupe key, over real HTTP against the fake."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import pytest

from tallyfy_async import OutcomeUnknownError, TallyfyClient
from tallyfy_async._exactly_once import LOOKUP_FIRST
from tallyfy_async.client import OrgClient
from tallyfy_async.testing import DemoOrg, FakeTallyfy, LoggedRequest
from tests.bulk.conftest import api_requests, launches_sent, process_names

DEADLINE = datetime(2031, 1, 1, 9, 0, tzinfo=UTC)


def calls(fake: FakeTallyfy) -> list[LoggedRequest]:
    """Requests of the creates and their lookups (the kick-off field reads left out)."""
    return [r for r in api_requests(fake) if r.route != "blueprints.get"]


async def launch(org: OrgClient, demo: DemoOrg, key: Any, name: str = "Onboard Jane") -> Any:
    return await org.processes.launch(
        demo.kickoff_blueprint_id, name=name, kickoff=demo.kickoff_example, dedupe_key=key
    )


async def test_the_key_is_recorded_at_the_end_of_the_name(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    run = await launch(org, demo, "row-17")
    assert run.name == "Onboard Jane [row-17]"
    assert launches_sent(fake)[-1].body["name"] == "Onboard Jane [row-17]"


async def test_a_lost_answer_of_an_applied_launch_returns_the_process_without_resending(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    fake.inject(path=r"/runs$", method="POST", drop="after", times=1)
    fake.reset_log()
    run = await launch(org, demo, "row-1")
    assert process_names(fake, demo.org_id).count("Onboard Jane [row-1]") == 1
    assert run.id in {r.id for r in fake.state.orgs[demo.org_id].runs.every()}
    sent = [(r.method, r.route) for r in calls(fake)]
    # The launch (applied, answer lost), then one lookup, and nothing sent again.
    assert sent[-2:] == [("POST", "runs.launch"), ("GET", "runs.list")]
    lookup = calls(fake)[-1]
    assert lookup.query["q"] == "[row-1]"
    assert lookup.query["archived"] == "true"
    assert lookup.query["checklist_id"] == demo.kickoff_blueprint_id


async def test_what_became_of_a_lost_answer_is_logged_at_info_under_tallyfy_async_bulk(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="tallyfy_async")
    fake.inject(path=r"/runs$", method="POST", drop="after", times=1)
    await launch(org, demo, "row-8")
    fake.inject(path=r"/runs$", method="POST", drop="before", times=1)
    await launch(org, demo, "row-9")
    told = [r.getMessage() for r in caplog.records if r.name == "tallyfy_async.bulk"]
    assert told == [
        "launch [row-8]: the answer was lost but it was created; not sent again",
        "launch [row-9]: the answer was lost and it was not created; sending again",
    ]
    assert {r.levelname for r in caplog.records if r.name == "tallyfy_async.bulk"} == {"INFO"}


async def test_a_launch_lost_before_it_was_applied_is_sent_once_more(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    fake.inject(path=r"/runs$", method="POST", drop="before", times=1)
    fake.reset_log()
    run = await launch(org, demo, "row-2")
    assert run.name == "Onboard Jane [row-2]"
    assert process_names(fake, demo.org_id).count("Onboard Jane [row-2]") == 1
    sent = [(r.method, r.route, r.applied) for r in calls(fake)]
    assert sent == [
        ("POST", "runs.launch", False),
        ("GET", "runs.list", False),
        ("POST", "runs.launch", True),
    ]


async def test_a_key_is_matched_exactly_not_as_a_prefix(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    await launch(org, demo, "row-17", name="Someone else")
    fake.inject(path=r"/runs$", method="POST", drop="before", times=1)
    run = await launch(org, demo, "row-1")
    assert run.name == "Onboard Jane [row-1]"
    names = process_names(fake, demo.org_id)
    assert names.count("Onboard Jane [row-1]") == 1
    assert names.count("Someone else [row-17]") == 1


async def test_a_failed_lookup_is_outcome_unknown_and_nothing_is_sent_again(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    fake.inject(path=r"/runs$", method="POST", drop="after", times=1)
    fake.inject(path=r"/runs$", method="GET", status=403)
    fake.reset_log()
    with pytest.raises(OutcomeUnknownError) as raised:
        await launch(org, demo, "row-3")
    assert "looking the dedupe key up failed too" in "".join(raised.value.__notes__)
    assert len(launches_sent(fake)) == 1


async def test_every_send_lost_ends_outcome_unknown_after_three_sends(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    fake.inject(path=r"/runs$", method="POST", drop="before")
    fake.reset_log()
    with pytest.raises(OutcomeUnknownError):
        await launch(org, demo, "row-4")
    sent = [(r.method, r.route) for r in calls(fake)]
    assert sent == [("POST", "runs.launch"), ("GET", "runs.list")] * 3
    assert "Onboard Jane [row-4]" not in process_names(fake, demo.org_id)


async def test_lookup_first_finds_what_an_earlier_run_created(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    first = await launch(org, demo, "row-5")
    fake.reset_log()
    token = LOOKUP_FIRST.set(True)
    try:
        again = await launch(org, demo, "row-5")
        fresh = await launch(org, demo, "row-6")
    finally:
        LOOKUP_FIRST.reset(token)
    assert again.id == first.id
    assert fresh.name == "Onboard Jane [row-6]"
    sent = [(r.method, r.route) for r in calls(fake)]
    assert sent == [("GET", "runs.list"), ("GET", "runs.list"), ("POST", "runs.launch")]


async def test_an_archived_process_is_found_too(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    first = await launch(org, demo, "row-7")
    await org.processes.archive(first.id)
    token = LOOKUP_FIRST.set(True)
    try:
        again = await launch(org, demo, "row-7")
    finally:
        LOOKUP_FIRST.reset(token)
    assert again.id == first.id


@pytest.mark.parametrize(
    ("key", "name", "error", "says"),
    [
        ("", "Jane", ValueError, "must not be empty"),
        ("a]b", "Jane", ValueError, "brackets"),
        ("line\nbreak", "Jane", ValueError, "control characters"),
        (" padded", "Jane", ValueError, "surrounding spaces"),
        ("k" * 101, "Jane", ValueError, "at most 100"),
        (1.5, "Jane", TypeError, "str or an int"),
        (True, "Jane", TypeError, "str or an int"),
        ("row-1", None, TypeError, "give a name"),
        ("row-1", "n" * 545, ValueError, "over Tallyfy's 550"),
    ],
)
async def test_bad_keys_and_names_are_refused_before_sending(
    org: OrgClient,
    demo: DemoOrg,
    fake: FakeTallyfy,
    key: Any,
    name: Any,
    error: type[Exception],
    says: str,
) -> None:
    fake.reset_log()
    arguments: dict[str, Any] = {"kickoff": demo.kickoff_example, "dedupe_key": key}
    if name is not None:
        arguments["name"] = name
    with pytest.raises(error, match=says):
        await org.processes.launch(demo.kickoff_blueprint_id, **arguments)
    assert api_requests(fake) == []


async def test_an_int_key_works(org: OrgClient, demo: DemoOrg) -> None:
    run = await launch(org, demo, 42)
    assert run.name == "Onboard Jane [42]"


async def test_one_off_task_created_once_when_its_answer_is_lost(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    fake.inject(path=r"/tasks$", method="POST", drop="after", times=1)
    fake.reset_log()
    task = await org.tasks.create(
        title="Call Jane",
        task_type="task",
        owners={"users": [demo.admin_id]},
        deadline=DEADLINE,
        dedupe_key="call-1",
    )
    assert task.title == "Call Jane [call-1]"
    titles = [t.wire["title"] for t in fake.state.orgs[demo.org_id].tasks.every()]
    assert titles.count("Call Jane [call-1]") == 1
    sent = [(r.method, r.route) for r in calls(fake)]
    assert sent == [("POST", "tasks.create"), ("GET", "tasks.list")]
    assert calls(fake)[-1].query["q"] == "[call-1]"


async def test_one_off_task_title_must_leave_room_for_the_key(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    fake.reset_log()
    with pytest.raises(ValueError, match="over Tallyfy's 600"):
        await org.tasks.create(
            title="t" * 595,
            task_type="task",
            owners={"users": [demo.admin_id]},
            deadline=DEADLINE,
            dedupe_key="call-2",
        )
    assert api_requests(fake) == []


async def test_without_a_key_a_lost_launch_stays_outcome_unknown(
    client: TallyfyClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    org = client.org(demo.org_id)
    fake.inject(path=r"/runs$", method="POST", drop="after", times=1)
    with pytest.raises(OutcomeUnknownError):
        await org.processes.launch(
            demo.kickoff_blueprint_id, name="No key", kickoff=demo.kickoff_example
        )
    assert process_names(fake, demo.org_id).count("No key") == 1
