"""Custom fields over real HTTP against FakeTallyfy: keys, and values on every kind of record.

One class (``CustomFieldValues``) serves the ten kinds of record; the kinds differ only in
their paths, which the parametrized test below walks.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import attrs
import pytest

from tallyfy_async import (
    PermissionDeniedError,
    PersonalAccessToken,
    TallyfyClient,
    ValidationError,
)
from tallyfy_async.client import OrgClient
from tallyfy_async.models.custom_fields import (
    AppliesTo,
    CustomFieldKey,
    CustomFieldType,
    KeyType,
)
from tallyfy_async.resources.custom_fields import CustomFieldValues
from tallyfy_async.testing import DemoOrg, FakeTallyfy
from tests.resources.conftest import RequestsTo


def api_paths(fake: FakeTallyfy) -> list[str]:
    return [f"{r.method} {r.path.split('/organizations/')[1].split('/', 1)[1]}" for r in fake.log
            if r.route != "oauth.token"]  # fmt: skip


# --- keys -------------------------------------------------------------------------------


async def test_define_list_change_and_delete_keys(org: OrgClient, demo: DemoOrg) -> None:
    region = await org.custom_fields.create(
        key="region",
        applies_to=AppliesTo.PROCESS,
        field_type="dropdown",
        options=["EMEA", "APAC"],
    )
    assert isinstance(region, CustomFieldKey) and region.field_type is CustomFieldType.DROPDOWN
    assert region.choices == ["EMEA", "APAC"] and region.key_type is KeyType.CUSTOM
    await org.custom_fields.create(key="cost", applies_to="task", field_type="number")

    on_processes = await org.custom_fields.list(applies_to="process").to_list()
    assert [key.key for key in on_processes] == ["region"]
    numbers = await org.custom_fields.list(field_type=CustomFieldType.NUMBER).to_list()
    assert [key.key for key in numbers] == ["cost"]

    required = await org.custom_fields.update(region, is_required=True)
    assert required.is_required is True
    await org.custom_fields.delete(region.id)
    assert await org.custom_fields.list(applies_to="process").to_list() == []


async def test_key_definitions_are_checked_before_sending(
    org: OrgClient, fake: FakeTallyfy
) -> None:
    fake.reset_log()
    with pytest.raises(ValueError, match="a dropdown key needs options"):
        await org.custom_fields.create(key="k", applies_to="process", field_type="dropdown")
    with pytest.raises(ValueError, match="a text key takes no columns"):
        await org.custom_fields.create(
            key="k", applies_to="process", field_type="text", columns=["a"]
        )
    with pytest.raises(ValueError, match="applies_to must be one of"):
        await org.custom_fields.create(key="k", applies_to="processes", field_type="text")
    assert fake.log == []


async def test_only_administrators_define_keys(fake: FakeTallyfy, demo: DemoOrg) -> None:
    token = fake.add_personal_access_token(demo.member_id)
    async with TallyfyClient(PersonalAccessToken(token), base_url=fake.base_url) as member:
        with pytest.raises(PermissionDeniedError):
            await member.org(demo.org_id).custom_fields.create(
                key="k", applies_to="tag", field_type="text"
            )


# --- values, typed ----------------------------------------------------------------------


@pytest.fixture
async def keys(org: OrgClient) -> dict[str, CustomFieldKey]:
    """Keys on processes of several types; ``owner`` is required."""
    made = {}
    for key, field_type, extra in (
        ("owner", "text", {"is_required": True}),
        ("budget", "number", {}),
        ("signed", "boolean", {}),
        ("due", "date", {}),
        ("region", "dropdown", {"options": ["EMEA", "APAC"]}),
        ("channels", "multiselect", {"options": ["Slack", "Email"]}),
        ("site", "url", {}),
        ("lines", "table", {"columns": ["Item", "Qty"]}),
    ):
        made[key] = await org.custom_fields.create(
            key=key, applies_to="process", field_type=field_type, **extra
        )
    return made


async def test_values_are_typed_both_ways(
    org: OrgClient, demo: DemoOrg, keys: dict[str, CustomFieldKey], requests_to: RequestsTo
) -> None:
    process = demo.process_ids[0]
    due = datetime(2026, 12, 1, 9, 30, tzinfo=timezone(timedelta(hours=2)))
    values = await org.custom_fields.processes.replace(
        process,
        values={
            "owner": "Jane",
            "budget": 1200,
            "signed": True,
            "due": due,
            keys["region"]: "EMEA",
            "channels": ["Slack"],
            "site": "https://acme.example/x",
            "lines": [["Desk", "2"], {"Item": "Chair", "Qty": "4"}],
        },
    )
    sent = requests_to("PUT", f"/organizations/{demo.org_id}/runs/{process}/custom-fields")[-1]
    assert sent.body["custom_fields"]["due"] == "2026-12-01T07:30:00.000Z"
    assert sent.body["custom_fields"]["lines"] == [["Desk", "2"], ["Chair", "4"]]
    assert values["due"] == datetime(2026, 12, 1, 7, 30, tzinfo=UTC)
    assert values["budget"] == 1200 and values["signed"] is True
    assert values["channels"] == ["Slack"] and values["region"] == "EMEA"
    assert await org.custom_fields.processes.get(process) == values
    # The process itself carries them too, as Tallyfy sends them.
    read = await org.processes.get(process)
    assert read.custom_fields is not None and read.custom_fields["budget"] == 1200


async def test_replace_clears_what_it_leaves_out(
    org: OrgClient, demo: DemoOrg, keys: dict[str, CustomFieldKey]
) -> None:
    process = demo.process_ids[0]
    await org.custom_fields.processes.replace(process, values={"owner": "Jane", "budget": 5})
    after = await org.custom_fields.processes.replace(process, values={"owner": "Joe"})
    assert after == {"owner": "Joe"}
    cleared = await org.custom_fields.processes.replace(
        process, values={"owner": "Joe", "budget": None}
    )
    assert cleared == {"owner": "Joe"}


async def test_a_missing_required_key_is_a_validation_error_naming_it(
    org: OrgClient, demo: DemoOrg, keys: dict[str, CustomFieldKey]
) -> None:
    with pytest.raises(ValidationError) as refused:
        await org.custom_fields.processes.replace(demo.process_ids[0], values={"budget": 3})
    assert refused.value.status == 422
    assert "custom_fields.owner" in refused.value.errors
    assert "owner" in str(refused.value)


async def test_set_and_remove_one_value(
    org: OrgClient, demo: DemoOrg, keys: dict[str, CustomFieldKey], requests_to: RequestsTo
) -> None:
    process = demo.process_ids[1]
    await org.custom_fields.processes.replace(process, values={"owner": "Jane", "budget": 5})
    values = await org.custom_fields.processes.set(process, key="budget", value=7.5)
    assert values == {"owner": "Jane", "budget": 7.5}
    path = f"/organizations/{demo.org_id}/runs/{process}/custom-fields/budget"
    assert requests_to("PATCH", path)[-1].body == {"value": 7.5}
    await org.custom_fields.processes.remove(process, key=keys["budget"])
    assert requests_to("DELETE", path)[-1].status == 204
    assert await org.custom_fields.processes.get(process) == {"owner": "Jane"}


@pytest.mark.parametrize(
    ("key", "value", "error", "match"),
    [
        ("budget", "12", TypeError, "budget.*must be int or float"),
        ("budget", True, TypeError, "must be int or float"),
        ("budget", float("nan"), ValueError, "finite"),
        ("signed", "yes", TypeError, "must be bool"),
        ("due", "2026-12-01", TypeError, "aware datetime"),
        ("due", datetime(2026, 12, 1, 9, 0), ValueError, "naive datetime"),
        ("region", "LATAM", ValueError, "takes one of 'EMEA', 'APAC'"),
        ("channels", "Slack", TypeError, "a list of options"),
        ("site", "acme.example", ValueError, "absolute http"),
        ("lines", [["Desk"]], ValueError, "has 1 cells; the key has 2 columns"),
        ("lines", [{"Colour": "red"}], ValueError, "columns the key does not have"),
        ("nope", "x", ValueError, "no custom-field key 'nope' applies to process"),
    ],
)
async def test_a_value_of_the_wrong_type_is_refused_before_sending(
    org: OrgClient,
    demo: DemoOrg,
    fake: FakeTallyfy,
    keys: dict[str, CustomFieldKey],
    key: str,
    value: Any,
    error: type[Exception],
    match: str,
) -> None:
    await org.custom_fields.processes.get(demo.process_ids[0])  # the keys are read and kept
    fake.reset_log()
    with pytest.raises(error, match=match):
        await org.custom_fields.processes.set(demo.process_ids[0], key=key, value=value)
    # A value the kept keys refuse is final; an unknown key or option is read again once.
    reads = [r.route for r in fake.log]
    assert all(route == "custom_fields.keys.list" for route in reads)
    assert len(reads) <= 1


async def test_a_date_given_as_a_day_is_midnight_utc(
    org: OrgClient, demo: DemoOrg, keys: dict[str, CustomFieldKey]
) -> None:
    values = await org.custom_fields.processes.set(
        demo.process_ids[0], key="due", value=date(2026, 3, 1)
    )
    assert values["due"] == datetime(2026, 3, 1, tzinfo=UTC)


async def test_a_key_of_another_kind_is_refused(
    org: OrgClient, demo: DemoOrg, keys: dict[str, CustomFieldKey]
) -> None:
    tag_key = await org.custom_fields.create(key="shade", applies_to="tag", field_type="text")
    with pytest.raises(ValueError, match="applies to tag, not to process"):
        await org.custom_fields.processes.set(demo.process_ids[0], key=tag_key, value="x")


async def test_an_option_added_since_the_keys_were_read_is_found(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy, keys: dict[str, CustomFieldKey]
) -> None:
    process = demo.process_ids[0]
    await org.custom_fields.processes.get(process)  # keys read and kept
    key = fake.state.orgs[demo.org_id].custom_field_keys.get(keys["region"].id)
    assert key is not None
    key.update({"options": ["EMEA", "APAC", "LATAM"]})  # changed behind the SDK's back
    values = await org.custom_fields.processes.set(process, key="region", value="LATAM")
    assert values["region"] == "LATAM"


async def test_concurrent_writes_read_the_keys_once(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy, keys: dict[str, CustomFieldKey]
) -> None:
    fresh = await org.client.org(demo.org_id).custom_fields.list().first_page()
    assert fresh.total == len(keys)
    org.custom_fields._known.clear()
    fake.reset_log()
    await asyncio.gather(
        *(
            org.custom_fields.processes.set(process, key="budget", value=n)
            for n, process in enumerate(demo.process_ids)
        )
    )
    routes = [r.route for r in fake.log]
    assert routes.count("custom_fields.keys.list") == 1
    assert routes.count("custom_fields.process.set") == len(demo.process_ids)


# --- system keys ------------------------------------------------------------------------


async def test_system_keys_are_read_never_written(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy, keys: dict[str, CustomFieldKey]
) -> None:
    process = demo.process_ids[2]
    fake.add_custom_field_key(
        demo.org_id, "source", applies_to="process", field_type="text", key_type="system"
    )
    fake.set_custom_field(demo.org_id, "process", process, "source", "import")
    assert (await org.custom_fields.processes.get(process))["source"] == "import"

    fake.reset_log()
    with pytest.raises(ValueError, match="system key"):
        await org.custom_fields.processes.remove(process, key="source")
    with pytest.raises(ValueError, match="system key"):
        await org.custom_fields.processes.replace(process, values={"owner": "J", "source": "x"})
    assert all(r.route == "custom_fields.keys.list" for r in fake.log)

    # A replace keeps the system value; Tallyfy refuses to remove it (403).
    kept = await org.custom_fields.processes.replace(process, values={"owner": "J"})
    assert kept == {"source": "import", "owner": "J"}
    with pytest.raises(PermissionDeniedError):
        await org.request(
            "DELETE", f"/organizations/{demo.org_id}/runs/{process}/custom-fields/source"
        )


# --- every kind of record: one class, ten paths -------------------------------------------


@attrs.frozen
class Kind:
    name: str
    applies_to: str
    path: str
    ids: tuple[Any, ...]
    one_value: bool


@pytest.fixture
async def kinds(org: OrgClient, fake: FakeTallyfy, demo: DemoOrg) -> AsyncIterator[list[Kind]]:
    blueprint = await org.blueprints.get(demo.kickoff_blueprint_id, with_="steps")
    step = (blueprint.steps or [])[0]
    capture = fake.add_blueprint(
        demo.org_id,
        title="With a field",
        steps=[{"title": "Fill", "captures": [{"label": "N", "field_type": "text",
                                               "required": False}]}],
    )  # fmt: skip
    with_capture = await org.blueprints.get(capture, with_="steps")
    capture_step = (with_capture.steps or [])[0]
    field = capture_step.captures[0]
    kickoff = blueprint.prerun[0]
    process = demo.process_ids[0]
    task = (await org.processes.tasks.list(process).first_page()).items[0]
    root = f"/organizations/{demo.org_id}"
    yield [
        Kind("processes", "process", f"{root}/runs/{process}", (process,), True),
        Kind("tasks", "task", f"{root}/runs/{process}/tasks/{task.id}", (task,), True),
        Kind("members", "member", f"{root}/users/{demo.member_id}", (demo.member_id,), True),
        Kind("guests", "guest", f"{root}/guests/{demo.guest_id}", (demo.guest_id,), True),
        Kind("folders", "folder", f"{root}/folders/{demo.folder_ids[0]}", (demo.folder_ids[0],),
             True),
        Kind("tags", "tag", f"{root}/tags/{demo.tag_ids[0]}", (demo.tag_ids[0],), True),
        Kind("blueprints", "template", f"{root}/checklists/{blueprint.id}", (blueprint,), False),
        Kind("steps", "step", f"{root}/checklists/{blueprint.id}/steps/{step.id}", (step,),
             False),
        Kind("form_fields", "capture",
             f"{root}/checklists/{capture}/steps/{capture_step.id}/captures/{field.id}",
             (capture, field), False),
        Kind("kickoff_fields", "prerun", f"{root}/checklists/{blueprint.id}/preruns/{kickoff.id}",
             (kickoff,), False),
    ]  # fmt: skip


async def test_one_class_serves_every_kind_of_record(
    org: OrgClient, fake: FakeTallyfy, kinds: list[Kind]
) -> None:
    for kind in kinds:
        values = getattr(org.custom_fields, kind.name)
        assert type(values) is CustomFieldValues and values.applies_to.value == kind.applies_to
        await org.custom_fields.create(key="note", applies_to=kind.applies_to, field_type="text")
        await org.custom_fields.create(key="score", applies_to=kind.applies_to, field_type="number")
        await values.get(*kind.ids)  # keys read
        fake.reset_log()

        replaced = await values.replace(*kind.ids, values={"note": "hi", "score": 1})
        assert replaced == {"note": "hi", "score": 1}
        assert await values.set(*kind.ids, key="score", value=2) == {"note": "hi", "score": 2}
        await values.remove(*kind.ids, key="note")
        assert await values.get(*kind.ids) == {"score": 2}

        where = kind.path.split("/organizations/")[1].split("/", 1)[1] + "/custom-fields"
        if kind.one_value:
            assert api_paths(fake) == [
                f"PUT {where}",
                f"PATCH {where}/score",
                f"DELETE {where}/note",
                f"GET {where}",
            ], kind.name
        else:  # saved whole: a single change is a read and a replace
            assert api_paths(fake) == [f"PUT {where}", *[f"GET {where}", f"PUT {where}"] * 2,
                                       f"GET {where}"], kind.name  # fmt: skip


async def test_a_process_starts_with_its_blueprints_values(
    org: OrgClient, fake: FakeTallyfy, demo: DemoOrg
) -> None:
    await org.custom_fields.create(key="line", applies_to="template", field_type="text")
    await org.custom_fields.create(key="line", applies_to="process", field_type="text")
    blueprint = fake.add_blueprint(demo.org_id, title="Retail")
    await org.custom_fields.blueprints.set(blueprint, key="line", value="retail")
    process = await org.processes.launch(blueprint, name="Inherits")
    assert await org.custom_fields.processes.get(process) == {"line": "retail"}


async def test_missing_ids_are_refused_before_sending(
    org: OrgClient, fake: FakeTallyfy, demo: DemoOrg
) -> None:
    fake.reset_log()
    with pytest.raises(ValueError, match="task_id is required"):
        await org.custom_fields.tasks.get(demo.process_ids[0])
    with pytest.raises(TypeError, match="one argument too many"):
        await org.custom_fields.tags.get(demo.tag_ids[0], "extra")
    with pytest.raises(ValueError, match="remove\\(\\) clears a value"):
        await org.custom_fields.tags.set(demo.tag_ids[0], key="x", value=None)
    assert fake.log == []


async def test_a_value_whose_key_is_gone_comes_back_as_sent_without_rereading(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy, keys: dict[str, CustomFieldKey]
) -> None:
    process = demo.process_ids[0]
    fake.set_custom_field(demo.org_id, "process", process, "legacy", "2020-01-01")
    await org.custom_fields.processes.get(process)  # keys read, then read again for "legacy"
    fake.reset_log()
    values = await org.custom_fields.processes.get(process)
    assert values["legacy"] == "2020-01-01"
    assert [r.route for r in fake.log] == ["custom_fields.process.get"]
    fake.add_custom_field_key(demo.org_id, "fresh", applies_to="process", field_type="number")
    fake.set_custom_field(demo.org_id, "process", process, "fresh", "12")
    assert (await org.custom_fields.processes.get(process))["fresh"] == 12  # a new key: read
