"""org.form_fields over real HTTP against FakeTallyfy: what is sent, typed results, checks."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from tallyfy_async import NotFoundError, RetryPolicy, ServerError, TallyfyClient
from tallyfy_async.client import OrgClient
from tallyfy_async.models.form_fields import FieldColumn, FieldOption, FieldType, FormField
from tallyfy_async.testing import DemoOrg, FakeTallyfy, LoggedRequest

RequestsTo = Callable[[str, str], list[LoggedRequest]]


@pytest.fixture
def blueprint(fake: FakeTallyfy, demo: DemoOrg) -> str:
    """Two steps; the first has a text field and a dropdown."""
    return fake.add_blueprint(
        demo.org_id,
        title="Forms",
        steps=[
            {
                "title": "Collect",
                "captures": [
                    {"label": "Name", "field_type": "text", "required": True},
                    {
                        "label": "Size",
                        "field_type": "dropdown",
                        "required": False,
                        "options": [{"id": 1, "text": "S"}, {"id": 2, "text": "L"}],
                    },
                ],
            },
            "Check",
        ],
        kickoff=[
            {"label": "Customer", "field_type": "text", "required": True},
            {"label": "Notes", "field_type": "textarea", "required": False},
        ],
    )


@pytest.fixture
async def step_ids(org: OrgClient, blueprint: str) -> list[str]:
    """The ids of the blueprint's two steps, read through the API."""
    return [step.id for step in await org.steps.list(blueprint).to_list()]


def captures_path(demo: DemoOrg, blueprint: str, step_id: str, *rest: str) -> str:
    return "/".join(
        (f"/organizations/{demo.org_id}/checklists/{blueprint}/steps/{step_id}/captures", *rest)
    )


# -- create --------------------------------------------------------------------------------


async def test_create_text_field(
    org: OrgClient, demo: DemoOrg, blueprint: str, step_ids: list[str], requests_to: RequestsTo
) -> None:
    field = await org.form_fields.create(
        blueprint,
        step_ids[1],
        field_type=FieldType.TEXT,
        label="Reference",
        required=False,
        guidance="As printed on the invoice.",
        field_validation="alpha_num",
    )
    [sent] = requests_to("POST", captures_path(demo, blueprint, step_ids[1]))
    assert sent.status == 201
    assert sent.body == {
        "field_type": "text",
        "label": "Reference",
        "required": False,
        "guidance": "As printed on the invoice.",
        "field_validation": "alpha_num",
    }
    assert isinstance(field, FormField)
    assert (field.label, field.field_type, field.required) == ("Reference", FieldType.TEXT, False)
    assert field.guidance == "As printed on the invoice."
    assert field.step_id == step_ids[1] and field.position == 1
    assert [c.id for c in (await org.steps.get(blueprint, step_ids[1])).captures] == [field.id]


async def test_create_choice_and_table_fields(
    org: OrgClient, demo: DemoOrg, blueprint: str, step_ids: list[str], requests_to: RequestsTo
) -> None:
    channels = await org.form_fields.create(
        blueprint,
        step_ids[1],
        field_type="multiselect",
        label="Channels",
        required=True,
        options=[FieldOption(id=1, text="Slack"), {"id": 2, "text": "Email"}],
        position=1,
    )
    items = await org.form_fields.create(
        blueprint,
        step_ids[1],
        field_type="table",
        label="Items",
        required=False,
        columns=[FieldColumn(id=1, label="Item"), {"id": 2, "label": "Qty"}],
    )
    first, second = requests_to("POST", captures_path(demo, blueprint, step_ids[1]))
    assert first.body == {
        "field_type": "multiselect",
        "label": "Channels",
        "required": True,
        "position": 1,
        "options": [{"id": 1, "text": "Slack"}, {"id": 2, "text": "Email"}],
    }
    assert second.body == {
        "field_type": "table",
        "label": "Items",
        "required": False,
        "columns": [{"id": 1, "label": "Item"}, {"id": 2, "label": "Qty"}],
    }
    assert channels.options == [FieldOption(id=1, text="Slack"), FieldOption(id=2, text="Email")]
    assert items.columns == [FieldColumn(id=1, label="Item"), FieldColumn(id=2, label="Qty")]
    assert items.field_type is FieldType.TABLE


_TWO = [{"id": 1, "text": "A"}, {"id": 2, "text": "B"}]


@pytest.mark.parametrize(
    ("arguments", "error", "names"),
    [
        ({"field_type": "text", "required": True}, TypeError, "label"),
        ({"field_type": "text", "label": " ", "required": True}, ValueError, "label is required"),
        ({"field_type": "text", "label": 5, "required": True}, TypeError, "label"),
        ({"label": "A", "required": True}, TypeError, "field_type"),
        ({"field_type": "number", "label": "A", "required": True}, ValueError, "field_type"),
        ({"field_type": "text", "label": "A"}, TypeError, "required"),
        ({"field_type": "text", "label": "A", "required": None}, ValueError, "required must be"),
        ({"field_type": "text", "label": "A", "required": "yes"}, TypeError, "required"),
        ({"field_type": "text", "label": "A", "required": True, "description": "x"}, TypeError,
         "description"),
        ({"field_type": "text", "label": "A", "required": True, "position": 0}, ValueError,
         "position"),
        ({"field_type": "radio", "label": "A", "required": True}, ValueError,
         "options are required for a radio field"),
        ({"field_type": "radio", "label": "A", "required": True, "options": _TWO[:1]}, ValueError,
         "a radio field needs at least 2"),
        ({"field_type": "dropdown", "label": "A", "required": True, "options": []}, ValueError,
         "a dropdown field needs at least 1"),
        ({"field_type": "dropdown", "label": "A", "required": True,
          "options": [{"id": "1", "text": "A"}]}, TypeError, r"options\[0\]\.id must be int"),
        ({"field_type": "dropdown", "label": "A", "required": True,
          "options": [{"id": True, "text": "A"}]}, TypeError, r"options\[0\]\.id must be int"),
        ({"field_type": "dropdown", "label": "A", "required": True,
          "options": [{"text": "A"}]}, ValueError, r"options\[0\]\.id is required"),
        ({"field_type": "dropdown", "label": "A", "required": True,
          "options": [{"id": 1, "text": ""}]}, ValueError, r"options\[0\]\.text is required"),
        ({"field_type": "dropdown", "label": "A", "required": True,
          "options": [{"id": 1, "label": "A"}]}, TypeError, r"options\[0\] has unknown keys"),
        ({"field_type": "multiselect", "label": "A", "required": True,
          "options": [{"id": 1, "text": "A"}, {"id": 1, "text": "B"}]}, ValueError,
         r"options\[1\]\.id 1 is used twice"),
        ({"field_type": "multiselect", "label": "A", "required": True, "options": ["A", "B"]},
         TypeError, r"options\[0\] must be FieldOption or Mapping"),
        ({"field_type": "text", "label": "A", "required": True, "options": _TWO}, ValueError,
         "options only apply to radio, dropdown and multiselect"),
        ({"field_type": "table", "label": "A", "required": True}, ValueError,
         "columns are required for a table field"),
        ({"field_type": "table", "label": "A", "required": True,
          "columns": [{"id": 1, "text": "A"}]}, TypeError, r"columns\[0\] has unknown keys"),
        ({"field_type": "table", "label": "A", "required": True,
          "columns": [{"id": 1.0, "label": "A"}]}, TypeError, r"columns\[0\]\.id must be int"),
        ({"field_type": "date", "label": "A", "required": True,
          "columns": [{"id": 1, "label": "A"}]}, ValueError, "columns only apply to table"),
        ({"field_type": "text", "label": "A", "required": True, "settings": "wide"}, TypeError,
         "settings"),
        ({"field_type": "text", "label": "A", "required": True, "default_value": object()},
         TypeError, "default_value must be JSON data"),
        ({"field_type": "text", "label": "A", "required": True, "field_validation": [1]},
         TypeError, r"field_validation\[0\]"),
    ],
)  # fmt: skip
async def test_create_and_update_refuse_what_tallyfy_would_refuse_before_sending(
    org: OrgClient,
    fake: FakeTallyfy,
    demo: DemoOrg,
    arguments: dict[str, Any],
    error: type[Exception],
    names: str,
) -> None:
    fake.reset_log()
    with pytest.raises(error, match=names):
        await org.form_fields.create(demo.kickoff_blueprint_id, "a" * 32, **arguments)
    with pytest.raises(error, match=names):
        await org.form_fields.update(demo.kickoff_blueprint_id, "a" * 32, "b" * 32, **arguments)
    assert fake.log == []


# -- read, update, delete ------------------------------------------------------------------


async def test_get_reads_the_parent_step(
    org: OrgClient, demo: DemoOrg, blueprint: str, step_ids: list[str], requests_to: RequestsTo
) -> None:
    step = await org.steps.get(blueprint, step_ids[0])
    size_id = step.captures[1].id
    field = await org.form_fields.get(blueprint, step_ids[0], size_id)
    step_path = f"/organizations/{demo.org_id}/checklists/{blueprint}/steps/{step_ids[0]}"
    assert len(requests_to("GET", step_path)) == 2
    assert requests_to("GET", captures_path(demo, blueprint, step_ids[0], size_id)) == []
    assert field == step.captures[1]
    assert field.label == "Size" and field.options[1] == FieldOption(id=2, text="L")


async def test_get_of_a_field_the_step_lacks_is_not_found(
    org: OrgClient, blueprint: str, step_ids: list[str]
) -> None:
    with pytest.raises(NotFoundError, match="has no form field"):
        await org.form_fields.get(blueprint, step_ids[0], "f" * 32)


async def test_update_sends_the_full_field(
    org: OrgClient, demo: DemoOrg, blueprint: str, step_ids: list[str], requests_to: RequestsTo
) -> None:
    size_id = (await org.steps.get(blueprint, step_ids[0])).captures[1].id
    size = await org.form_fields.get(blueprint, step_ids[0], size_id)
    updated = await org.form_fields.update(
        blueprint,
        step_ids[0],
        size.id,
        field_type=size.field_type or "dropdown",
        label="Size",
        required=True,
        options=[*size.options, FieldOption(id=3, text="XL")],
    )
    [sent] = requests_to("PUT", captures_path(demo, blueprint, step_ids[0], size.id))
    assert sent.body == {
        "field_type": "dropdown",
        "label": "Size",
        "required": True,
        "options": [{"id": 1, "text": "S"}, {"id": 2, "text": "L"}, {"id": 3, "text": "XL"}],
    }
    assert updated.id == size.id and updated.required is True
    assert [o.text for o in updated.options] == ["S", "L", "XL"]


async def test_delete_removes_the_field(
    org: OrgClient, demo: DemoOrg, blueprint: str, step_ids: list[str], requests_to: RequestsTo
) -> None:
    name = (await org.steps.get(blueprint, step_ids[0])).captures[0]
    assert await org.form_fields.delete(blueprint, step_ids[0], name.id) is None
    assert len(requests_to("DELETE", captures_path(demo, blueprint, step_ids[0], name.id))) == 1
    remaining = (await org.steps.get(blueprint, step_ids[0])).captures
    assert [(c.label, c.position) for c in remaining] == [("Size", 1)]


async def test_reorder_moves_one_field_within_its_step(
    org: OrgClient, demo: DemoOrg, blueprint: str, step_ids: list[str], requests_to: RequestsTo
) -> None:
    size = (await org.steps.get(blueprint, step_ids[0])).captures[1]
    assert await org.form_fields.reorder(blueprint, step_ids[0], size.id, position=1) is None
    [sent] = requests_to("PUT", captures_path(demo, blueprint, step_ids[0]))
    assert sent.body == {"capture_id": size.id, "position": 1}
    labels = [c.label for c in (await org.steps.get(blueprint, step_ids[0])).captures]
    assert labels == ["Size", "Name"]


async def test_move_puts_the_field_on_another_step(
    org: OrgClient, demo: DemoOrg, blueprint: str, step_ids: list[str], requests_to: RequestsTo
) -> None:
    name = (await org.steps.get(blueprint, step_ids[0])).captures[0]
    moved = await org.form_fields.move(
        blueprint, step_ids[0], name.id, target_step_id=step_ids[1], position=1
    )
    [sent] = requests_to("PUT", captures_path(demo, blueprint, step_ids[0], name.id, "move-out"))
    assert sent.body == {"target_step_id": step_ids[1], "position": 1}
    assert moved.id == name.id and moved.step_id == step_ids[1]
    assert [c.id for c in (await org.steps.get(blueprint, step_ids[1])).captures] == [name.id]
    assert name.id not in {c.id for c in (await org.steps.get(blueprint, step_ids[0])).captures}


@pytest.mark.parametrize(
    ("call", "error", "names"),
    [
        ({"position": 0}, ValueError, "position"),
        ({"position": "1"}, TypeError, "position"),
    ],
)
async def test_reorder_and_move_refuse_bad_positions_before_sending(
    org: OrgClient, fake: FakeTallyfy, call: dict[str, Any], error: type[Exception], names: str
) -> None:
    fake.reset_log()
    with pytest.raises(error, match=names):
        await org.form_fields.reorder("a" * 32, "b" * 32, "c" * 32, position=call["position"])
    with pytest.raises(error, match=names):
        await org.form_fields.move(
            "a" * 32, "b" * 32, "c" * 32, target_step_id="d" * 32, position=call["position"]
        )
    with pytest.raises(TypeError, match="target_step_id"):
        await org.form_fields.move("a" * 32, "b" * 32, "c" * 32)  # type: ignore[call-arg]
    assert fake.log == []


# -- kick-off fields and values ------------------------------------------------------------


async def test_delete_kickoff_field(
    org: OrgClient, demo: DemoOrg, blueprint: str, requests_to: RequestsTo
) -> None:
    customer, notes = await org.blueprints.kickoff_fields(blueprint)
    assert await org.form_fields.delete_kickoff_field(blueprint, notes.id) is None
    path = f"/organizations/{demo.org_id}/checklists/{blueprint}/preruns/{notes.id}"
    assert requests_to("DELETE", path)[0].status == 204
    assert [f.id for f in await org.blueprints.kickoff_fields(blueprint)] == [customer.id]
    with pytest.raises(NotFoundError):
        await org.form_fields.delete_kickoff_field(blueprint, notes.id)


@pytest.fixture
async def single_attempt(fake: FakeTallyfy, demo: DemoOrg) -> AsyncIterator[OrgClient]:
    """The demo organization through a client that never retries (a 500 answers at once)."""
    async with TallyfyClient(
        demo.credentials,
        base_url=fake.base_url,
        token_url=fake.token_url,
        retry=RetryPolicy(max_attempts=1),
    ) as client:
        yield client.org(demo.org_id)


async def test_set_value_without_a_stored_value_is_a_server_error(
    single_attempt: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    # Tallyfy answers 500 when no CaptureValue exists under that id.
    with pytest.raises(ServerError):
        await single_attempt.form_fields.set_value(
            987654, form_value={"id": 2, "text": "L", "value": None}
        )
    [sent] = requests_to("PUT", f"/organizations/{demo.org_id}/form-field/value")
    assert sent.body == {"id": 987654, "form_value": {"id": 2, "text": "L", "value": None}}
    assert sent.status == 500


async def test_set_value_replaces_a_stored_value(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    # A stored value's id is read beside its answer; the process's kick-off text field has one.
    run_id = demo.processes_by_status["active"][0]
    path = f"/organizations/{demo.org_id}/runs/{run_id}/form-fields"
    before = (await org.request("GET", path)).data["ko_form_fields"]
    client_name = next(f for f in before if f["field_type"] == "text")
    assert client_name["field_value"] == "Globex Corporation"

    stored = await org.form_fields.set_value(client_name["value_id"], form_value="Initech")
    [sent] = requests_to("PUT", f"/organizations/{demo.org_id}/form-field/value")
    assert sent.body == {"id": client_name["value_id"], "form_value": "Initech"}
    assert stored["field_value"] == "Initech"
    after = (await org.request("GET", path)).data["ko_form_fields"]
    assert next(f for f in after if f["id"] == client_name["id"])["field_value"] == "Initech"


async def test_set_value_refuses_a_bad_id_before_sending(org: OrgClient, fake: FakeTallyfy) -> None:
    fake.reset_log()
    with pytest.raises(TypeError, match="capture_value_id"):
        await org.form_fields.set_value(1.5, form_value="x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="capture_value_id"):
        await org.form_fields.set_value("", form_value="x")
    assert fake.log == []
