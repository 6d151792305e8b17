"""``org.processes`` over real HTTP against FakeTallyfy: what was sent, what came back."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from tallyfy_async import FormValuesError, NotFoundError, ValidationError
from tallyfy_async.client import OrgClient
from tallyfy_async.models.common import Progress
from tallyfy_async.models.form_fields import FieldType, FormField
from tallyfy_async.models.processes import Process, ProcessFormFields, ProcessStatus
from tallyfy_async.models.tasks import Task
from tallyfy_async.testing import DemoOrg, FakeTallyfy, LoggedRequest

RequestsTo = Callable[[str, str], list[LoggedRequest]]

ASSET = {
    "id": "5f0c3a2e9b8d4c7a8e1f2b3c4d5e6f70",
    "filename": "contract.pdf",
    "version": 1,
    "uploaded_from": "ko_field",
    "source": "local",
}
PARIS = timezone(timedelta(hours=2))


def runs(demo: DemoOrg) -> str:
    return f"/organizations/{demo.org_id}/runs"


def checklist(demo: DemoOrg, blueprint_id: str) -> str:
    return f"/organizations/{demo.org_id}/checklists/{blueprint_id}"


# --- listing and reading --------------------------------------------------------------


async def test_list_sends_typed_filters_and_returns_processes(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    blueprint_id = demo.blueprint_ids[0]
    page = await org.processes.list(
        blueprint_id=blueprint_id,
        status=ProcessStatus.ACTIVE,
        owners=[demo.admin_id, demo.member_id],
        starred=False,
        with_=["tasks", "next_task"],
        sort="-created_at",
        per_page=50,
    )
    sent = requests_to("GET", runs(demo))[-1].query
    assert sent["checklist_id"] == blueprint_id
    assert sent["status"] == "active"
    assert sent["owners"] == f"{demo.admin_id},{demo.member_id}"
    assert sent["starred"] == "false"
    assert sent["with"] == "tasks,next_task"
    assert sent["sort"] == "-created_at" and sent["per_page"] == "50"
    assert page.items and all(isinstance(p, Process) for p in page.items)
    for process in page.items:
        assert process.checklist_id == blueprint_id
        assert process.status is ProcessStatus.ACTIVE
        assert isinstance(process.progress, Progress)
        assert process.created_at is not None and process.created_at.tzinfo is not None
        assert process.tasks and all(isinstance(t, Task) for t in process.tasks)
        assert process.next_task is not None


async def test_list_walks_every_process_and_archived_only(org: OrgClient, demo: DemoOrg) -> None:
    live = await org.processes.list(per_page=1).to_list()
    archived = await org.processes.list(archived="only").to_list()
    every = await org.processes.list(archived=True).to_list()
    assert {p.id for p in archived} == set(demo.processes_by_status.get("archived", ()))
    assert {p.id for p in every} == set(demo.process_ids)
    assert {p.id for p in live} == set(demo.process_ids) - {p.id for p in archived}


async def test_list_refuses_a_bad_filter_before_sending(org: OrgClient, fake: FakeTallyfy) -> None:
    before = len(fake.log)
    with pytest.raises(TypeError, match="starred must be bool"):
        org.processes.list(starred="yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"owners\[0\] must be int"):
        org.processes.list(owners=["1"])  # type: ignore[list-item]
    assert len(fake.log) == before


async def test_a_list_value_with_a_comma_is_refused_before_sending(
    org: OrgClient, fake: FakeTallyfy
) -> None:
    # Tallyfy splits list values at commas: "x,y" would be read as two tags.
    before = len(fake.log)
    # Refused by .list() itself, as every other bad filter is: nothing to await.
    with pytest.raises(ValueError, match="'x,y' contains a comma: Tallyfy splits list values"):
        org.processes.list(tag=["plain", "x,y"])
    with pytest.raises(ValueError, match="contains a comma"):
        await org.request("GET", "/runs", params={"tag": ["x,y"]})
    assert len(fake.log) == before
    # An empty list would select everything if left out, and `owners=` filters nothing.
    with pytest.raises(ValueError, match=r"owners=\[\] is an empty list: leave owners out"):
        org.processes.list(owners=[])
    assert len(fake.log) == before
    await org.processes.list(tag=["plain", "other"])  # commas between values are the rule
    assert fake.log[-1].query["tag"] == "plain,other"


async def test_includes_are_names_joined_by_commas_in_either_form(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    for nothing in ("", " , ", [], [" ", ""]):
        await org.processes.get(demo.process_ids[0], with_=nothing)
        assert "with" not in fake.log[-1].query
    for given in ("tasks, tags", ["tasks,tags"], ["tasks", " tags "]):
        await org.processes.get(demo.process_ids[0], with_=given)
        assert fake.log[-1].query["with"] == "tasks,tags"


async def test_a_blank_list_value_is_refused_before_sending(
    org: OrgClient, fake: FakeTallyfy
) -> None:
    before = len(fake.log)
    for blank in (["a", ""], [" "]):
        with pytest.raises(ValueError, match=r"tag: the list .* holds a blank value; leave it out"):
            org.processes.list(tag=blank)
    assert len(fake.log) == before


async def test_get_with_includes(org: OrgClient, demo: DemoOrg, requests_to: RequestsTo) -> None:
    process_id = demo.process_ids[0]
    process = await org.processes.get(
        process_id, with_="checklist,tasks,ko_form_fields", form_fields_values=True
    )
    sent = requests_to("GET", f"{runs(demo)}/{process_id}")[-1].query
    assert sent == {"with": "checklist,tasks,ko_form_fields", "form_fields_values": "true"}
    assert process.id == process_id
    assert process.checklist is not None and process.checklist["id"] == process.checklist_id
    assert process.tasks and process.tasks[0].run_id == process_id
    assert process.ko_form_fields is not None
    assert all(isinstance(f, FormField) for f in process.ko_form_fields)
    assert process.prerun  # the kick-off answers, keyed by timeline id


async def test_get_an_unknown_process_is_not_found(org: OrgClient) -> None:
    with pytest.raises(NotFoundError):
        await org.processes.get("0" * 32)


async def test_form_fields(org: OrgClient, demo: DemoOrg, requests_to: RequestsTo) -> None:
    process_id = demo.process_ids[0]
    fields = await org.processes.form_fields(process_id)
    assert requests_to("GET", f"{runs(demo)}/{process_id}/form-fields")
    assert isinstance(fields, ProcessFormFields)
    assert fields.id == process_id
    labels = {f.label for f in fields.ko_form_fields}
    assert {"Client name", "Region", "Line items"} <= labels
    region = next(f for f in fields.ko_form_fields if f.label == "Region")
    assert region.field_type is FieldType.DROPDOWN
    assert region.field_value == {"id": 2, "text": "Americas", "value": None}
    assert {f.label for f in fields.form_fields} >= {"Reference number"}


async def test_kickoff_fields(org: OrgClient, demo: DemoOrg, requests_to: RequestsTo) -> None:
    fields = await org.processes.kickoff_fields(demo.kickoff_blueprint_id)
    assert requests_to(
        "GET", f"/organizations/{demo.org_id}/checklists/{demo.kickoff_blueprint_id}"
    )
    assert {f.field_type for f in fields} == set(FieldType)
    assert {f.id for f in fields} == set(demo.kickoff_field_ids.values())


# --- launching ----------------------------------------------------------------------------


def _one_field_blueprint(fake: FakeTallyfy, demo: DemoOrg, definition: dict[str, Any]) -> str:
    return fake.add_blueprint(
        demo.org_id,
        title=f"One {definition['field_type']} field",
        steps=["Do it"],
        kickoff=[{"label": "The field", "required": True, **definition}],
    )


CHOICES = [{"id": 1, "text": "Red"}, {"id": 2, "text": "Green"}, {"id": 3, "text": "Blue"}]

#: (definition, value given to launch, what must be on the wire)
FIELD_CASES: dict[str, tuple[dict[str, Any], Any, Any]] = {
    "text": ({"field_type": "text"}, "Globex", "Globex"),
    "textarea": ({"field_type": "textarea"}, "Line one\nLine two", "Line one\nLine two"),
    "email": ({"field_type": "email"}, "hank@globex.example", "hank@globex.example"),
    "date": (
        {"field_type": "date"},
        datetime(2026, 6, 1, 11, 30, tzinfo=PARIS),
        "2026-06-01T09:30:00.000Z",
    ),
    "radio": ({"field_type": "radio", "options": CHOICES}, " green ", "Green"),
    "dropdown": (
        {"field_type": "dropdown", "options": CHOICES},
        "BLUE",
        {"id": 3, "text": "Blue", "value": None},
    ),
    "multiselect": (
        {"field_type": "multiselect", "options": CHOICES},
        ["Red", 3],
        [
            {"id": 1, "text": "Red", "value": None, "selected": True},
            {"id": 3, "text": "Blue", "value": None, "selected": True},
        ],
    ),
    "table": (
        {"field_type": "table", "columns": [{"id": 1, "label": "Item"}, {"id": 2, "label": "Qty"}]},
        {"qty": 3, "Item": "Widget"},
        ["Widget", 3],
    ),
    "assignees_form": (
        {"field_type": "assignees_form"},
        {"guests": ["client@example.com"]},
        {"users": [], "guests": ["client@example.com"], "groups": []},
    ),
    "file": ({"field_type": "file"}, [ASSET], [ASSET]),
}


@pytest.mark.parametrize("field_type", sorted(FIELD_CASES))
async def test_launch_encodes_each_field_type(
    field_type: str,
    org: OrgClient,
    fake: FakeTallyfy,
    demo: DemoOrg,
    requests_to: RequestsTo,
) -> None:
    definition, given, wire = FIELD_CASES[field_type]
    blueprint_id = _one_field_blueprint(fake, demo, definition)
    field_id = fake.snapshot(demo.org_id, "blueprints", blueprint_id)["prerun"][0]["id"]  # type: ignore[index]

    process = await org.processes.launch(
        blueprint_id, name=f"Launch {field_type}", kickoff={"the field": given}
    )

    body = requests_to("POST", runs(demo))[-1].body
    assert body["checklist_id"] == blueprint_id
    assert isinstance(body["prerun"], dict)  # never a list: a list always 422s
    assert body["prerun"] == {field_id: wire}
    assert isinstance(process, Process)
    assert process.checklist_id == blueprint_id
    assert process.name == f"Launch {field_type}"
    stored = process.prerun[field_id]
    if field_type == "multiselect":
        assert [c["id"] for c in stored] == [1, 3]
    else:
        assert stored == wire
    assert fake.counters.launches(demo.org_id) == 1


async def test_launch_every_field_type_at_once(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    process = await org.processes.launch(
        demo.kickoff_blueprint_id,
        kickoff={
            "Client name": "Globex",
            "Background": "Referred",
            "Contact email": "hank@globex.example",
            "Start date": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
            "Company size": "Large",
            "Region": {"id": 1, "text": "EMEA"},
            "Channels": ["Email"],
            "Line items": ["Widget", "3"],
            "Account team": {"users": [demo.admin_id], "groups": [demo.group_id]},
            "Signed contract": [ASSET],
        },
    )
    prerun = requests_to("POST", runs(demo))[-1].body["prerun"]
    assert set(prerun) == set(demo.kickoff_field_ids.values())
    ids = demo.kickoff_field_ids
    assert prerun[ids["date"]] == "2026-01-02T03:04:05.000Z"
    assert prerun[ids["assignees_form"]] == {
        "users": [demo.admin_id],
        "guests": [],
        "groups": [demo.group_id],
    }
    assert process.prerun_status == "complete"


async def test_launch_without_required_kickoff_values_is_refused_before_sending(
    org: OrgClient, fake: FakeTallyfy, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    """The commonest launch failure: required kick-off fields left out."""
    with pytest.raises(FormValuesError) as caught:
        await org.processes.launch(demo.kickoff_blueprint_id, name="Onboard Jane")
    error = caught.value
    assert error.missing == [
        "Client name",
        "Background",
        "Contact email",
        "Start date",
        "Company size",
        "Region",
        "Channels",
        "Line items",
        "Account team",
        "Signed contract",
    ]
    for label in error.missing:
        assert f"'{label}' is required" in str(error)
    # The blueprint was read; nothing was launched.
    assert requests_to(
        "GET", f"/organizations/{demo.org_id}/checklists/{demo.kickoff_blueprint_id}"
    )
    assert requests_to("POST", runs(demo)) == []
    assert fake.counters.launches() == 0


async def test_launch_with_one_required_field_missing_names_it(
    org: OrgClient, fake: FakeTallyfy, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    kickoff = dict(demo.kickoff_example)
    del kickoff[demo.kickoff_field_ids["date"]]
    with pytest.raises(FormValuesError, match="'Start date' is required") as caught:
        await org.processes.launch(demo.kickoff_blueprint_id, kickoff=kickoff)
    assert caught.value.missing == ["Start date"]
    assert requests_to("POST", runs(demo)) == []


async def test_launch_with_an_unknown_label_is_refused(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    kickoff = {**demo.kickoff_example, "Client nmae": "Globex"}
    with pytest.raises(FormValuesError, match="'Client nmae' names no form field"):
        await org.processes.launch(demo.kickoff_blueprint_id, kickoff=kickoff)
    assert requests_to("POST", runs(demo)) == []


async def test_launch_with_an_invalid_choice_lists_the_valid_ones(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    kickoff = {**demo.kickoff_example, demo.kickoff_field_ids["dropdown"]: "Antarctica"}
    with pytest.raises(FormValuesError) as caught:
        await org.processes.launch(demo.kickoff_blueprint_id, kickoff=kickoff)
    assert (
        "'Region': 'Antarctica' is not a choice; the choices are: 'EMEA' (id 1), "
        "'Americas' (id 2), 'APAC' (id 3)"
    ) in str(caught.value)
    assert requests_to("POST", runs(demo)) == []


async def test_launch_with_known_kickoff_fields_skips_the_read(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    fields = await org.processes.kickoff_fields(demo.kickoff_blueprint_id)
    fake.reset_log()
    for number in range(2):
        await org.processes.launch(
            demo.kickoff_blueprint_id,
            name=f"Bulk {number}",
            kickoff=demo.kickoff_example,
            kickoff_fields=fields,
        )
    assert [(r.method, r.route) for r in fake.log] == [("POST", "runs.launch")] * 2


async def test_launch_a_blueprint_without_kickoff_fields_sends_no_prerun(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    offboarding = demo.blueprint_ids[2]
    process = await org.processes.launch(offboarding, name="Leaver")
    assert "prerun" not in requests_to("POST", runs(demo))[-1].body
    assert process.name == "Leaver"


async def test_launch_sends_overrides_and_sharing(
    org: OrgClient, fake: FakeTallyfy, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    offboarding = demo.blueprint_ids[2]
    steps = await org.client.request(
        "GET", f"/organizations/{demo.org_id}/checklists/{offboarding}", params={"with": "steps"}
    )
    step_id = steps.data["steps"]["data"][0]["id"]
    deadline = datetime(2026, 12, 1, 11, 0, tzinfo=PARIS)
    process = await org.processes.launch(
        offboarding,
        name="Leaver",
        summary="Last day Friday",
        starred=True,
        users=[demo.member_id],
        tags=[demo.tag_ids[0]],
        tasks={step_id: {"deadline": deadline, "owners": {"users": [demo.member_id]}}},
    )
    body = requests_to("POST", runs(demo))[-1].body
    assert body["tasks"] == {
        step_id: {
            "deadline": "2026-12-01 09:00:00",
            "owners": {"users": [demo.member_id], "guests": [], "groups": []},
        }
    }
    assert body["users"] == [demo.member_id] and body["tags"] == [demo.tag_ids[0]]
    assert body["starred"] is True and body["summary"] == "Last day Friday"
    assert process.starred is True and process.users == [demo.member_id]
    first = (await org.processes.tasks.list(process.id).first_page()).items[0]
    assert first.owners is not None and first.owners.users == [demo.member_id]
    assert first.deadline == deadline


async def test_launch_refuses_bad_arguments_before_sending(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    offboarding = demo.blueprint_ids[2]
    with pytest.raises(ValueError, match="naive datetime"):
        await org.processes.launch(
            offboarding, tasks={"a" * 32: {"deadline": datetime(2026, 12, 1, 9, 0)}}
        )
    with pytest.raises(TypeError, match="unknown keys"):
        await org.processes.launch(offboarding, tasks={"a" * 32: {"assignees": [1]}})
    with pytest.raises(TypeError, match="users must be a list"):
        await org.processes.launch(offboarding, users=demo.admin_id)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at most 550"):
        await org.processes.launch(offboarding, name="x" * 551)
    with pytest.raises(TypeError, match="unexpected keyword"):
        await org.processes.launch(offboarding, prerun_data={})  # type: ignore[call-arg]
    assert fake.log == []  # not even a token was asked for


# --- changing -------------------------------------------------------------------------------


async def test_update_sends_only_what_was_passed(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy, requests_to: RequestsTo
) -> None:
    process_id = demo.process_ids[0]
    await org.processes.update(process_id, groups=[demo.group_id])
    process = await org.processes.update(process_id, name="Renamed", starred=True)
    bodies = [r.body for r in requests_to("PUT", f"{runs(demo)}/{process_id}")]
    assert bodies == [{"groups": [demo.group_id]}, {"name": "Renamed", "starred": True}]
    assert process.name == "Renamed" and process.starred is True
    assert process.groups == [demo.group_id]  # not cleared by the second update


async def test_update_users_replaces_the_list(org: OrgClient, demo: DemoOrg) -> None:
    process_id = demo.process_ids[1]
    await org.processes.update(process_id, users=[demo.admin_id, demo.member_id])
    process = await org.processes.update(process_id, users=[demo.member_id])
    assert process.users == [demo.member_id]


async def test_update_kickoff_values_are_checked_and_merged(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    process_id = demo.process_ids[0]  # launched from the kick-off blueprint
    process = await org.processes.update(
        process_id, kickoff={"Region": "apac", "Client name": "Initech"}
    )
    assert requests_to("GET", f"{runs(demo)}/{process_id}/form-fields")
    body = requests_to("PUT", f"{runs(demo)}/{process_id}")[-1].body
    ids = demo.kickoff_field_ids
    assert body == {
        "prerun": {
            ids["dropdown"]: {"id": 3, "text": "APAC", "value": None},
            ids["text"]: "Initech",
        }
    }
    assert process.prerun[ids["text"]] == "Initech"
    assert process.prerun[ids["radio"]] == "Medium"  # untouched values stay
    with pytest.raises(FormValuesError, match="'Colour' names no form field"):
        await org.processes.update(process_id, kickoff={"Colour": "red"})


async def test_archive_activate_and_delete(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    process_id = demo.process_ids[1]
    with pytest.raises(ValidationError):
        await org.processes.delete(process_id)  # only an archived process can be deleted
    archived = await org.processes.archive(process_id)
    assert requests_to("DELETE", f"{runs(demo)}/{process_id}")
    assert archived.status is ProcessStatus.ARCHIVED and archived.archived_at is not None
    restored = await org.processes.activate(process_id)
    assert requests_to("PUT", f"{runs(demo)}/{process_id}/activate")
    assert restored.status is ProcessStatus.ACTIVE and restored.archived_at is None
    await org.processes.archive(process_id)
    await org.processes.delete(process_id)
    assert requests_to("DELETE", f"{runs(demo)}/{process_id}/delete")[-1].status == 200
    with pytest.raises(NotFoundError):
        await org.processes.get(process_id)


async def test_complete_and_reopen_the_kickoff_form(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    process_id = demo.process_ids[0]
    reopened = await org.processes.reopen_kickoff(process_id)
    assert requests_to("DELETE", f"{runs(demo)}/{process_id}/complete-prerun")
    assert reopened is not None and reopened.prerun_status is None
    completed = await org.processes.complete_kickoff(process_id)
    assert requests_to("POST", f"{runs(demo)}/{process_id}/complete-prerun")
    assert completed is not None and completed.prerun_status == "complete"
    assert completed.prerun_completed_at is not None


async def test_export(org: OrgClient, demo: DemoOrg, requests_to: RequestsTo) -> None:
    process_id = demo.process_ids[0]
    document = await org.processes.export(process_id)
    assert requests_to("POST", f"{runs(demo)}/{process_id}/export")
    assert isinstance(document, dict)
    assert document["run"]["id"] == process_id
