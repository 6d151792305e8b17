"""NaN and infinity are refused before sending: JSON has no such numbers, and the encoder
would send them as null without a word (a blank pandas cell is a NaN)."""

from __future__ import annotations

import math

import pytest

from tallyfy_async import FormValuesError, TallyfyClient
from tallyfy_async.client import OrgClient
from tallyfy_async.models.blueprints import AutomationAction, AutomationCondition
from tallyfy_async.testing import DemoOrg, FakeTallyfy


@pytest.mark.parametrize("number", [math.nan, math.inf, -math.inf])
async def test_a_table_kickoff_value_with_a_non_finite_cell_is_refused_naming_its_column(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy, number: float
) -> None:
    table = demo.kickoff_field_ids["table"]
    kickoff = {**demo.kickoff_example, table: [number, "3"]}
    await org.processes.kickoff_fields(demo.kickoff_blueprint_id)
    fake.reset_log()
    with pytest.raises(FormValuesError, match=f"takes a finite number, got {number!r}"):
        await org.processes.launch(demo.kickoff_blueprint_id, name="Order", kickoff=kickoff)
    assert [r.method for r in fake.log if r.method != "GET"] == []


@pytest.mark.parametrize("number", [math.nan, math.inf])
async def test_a_custom_field_table_cell_that_is_not_finite_is_refused(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy, number: float
) -> None:
    await org.custom_fields.create(
        key="lines", applies_to="process", field_type="table", columns=["Item", "Qty"]
    )
    process = demo.process_ids[0]
    fake.reset_log()
    for value in ([["Desk", number]], [{"Item": "Desk", "Qty": number}]):
        with pytest.raises(ValueError, match=r"\[0\] column 'Qty' takes a finite number"):
            await org.custom_fields.processes.set(process, key="lines", value=value)
    assert [r.method for r in fake.log if r.method != "GET"] == []


async def test_any_request_body_with_a_non_finite_float_is_refused_unsent(
    client: TallyfyClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    fake.reset_log()
    with pytest.raises(ValueError, match="cannot send nan in a request body"):
        await client.request(
            "POST", f"/organizations/{demo.org_id}/tags", json={"title": "x", "n": [math.nan]}
        )
    assert [r for r in fake.log if "oauth" not in r.path] == []


async def test_a_non_finite_value_inside_a_models_wire_form_is_refused_unsent(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    # A model sent as part of a body (an automation's condition) is written by its own
    # to_wire(); what that gives is checked like the rest of the body.
    condition = AutomationCondition(
        conditionable_id="x", conditionable_type="Capture", operation="equals", statement=math.nan
    )
    action = AutomationAction(action_type="visibility", action_verb="show", target_step_id="y")
    fake.reset_log()
    with pytest.raises(ValueError, match="cannot send nan in a request body"):
        await org.blueprints.automations.create(
            demo.blueprint_ids[0], conditions=[condition], then_actions=[action]
        )
    assert [r.method for r in fake.log if r.method != "GET"] == []
