"""The form-value encoder: kick-off (``prerun``) and task (``taskdata``) values.

Pure unit tests of ``encode_form_values``; the launches and task updates that use it are
tested over HTTP in test_processes.py and test_tasks.py.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tallyfy_async import FormValuesError
from tallyfy_async._serde import parse_datetime
from tallyfy_async.models.common import Owners
from tallyfy_async.models.form_fields import FieldColumn, FieldOption, FieldType, FormField
from tallyfy_async.resources._form_values import encode_date, encode_form_values


def field(
    field_id: str,
    label: str,
    field_type: str,
    *,
    required: bool = False,
    alias: str | None = None,
    options: list[tuple[int, str]] = (),  # type: ignore[assignment]
    columns: list[str] = (),  # type: ignore[assignment]
) -> FormField:
    return FormField(
        id=field_id,
        label=label,
        field_type=FieldType(field_type),
        required=required,
        alias=alias,
        options=[FieldOption(id=i, text=t) for i, t in options],
        columns=[FieldColumn(id=n, label=c) for n, c in enumerate(columns, start=1)],
    )


NAME = field("a" * 32, "Client name", "text", required=True, alias="client-name")
NOTES = field("b" * 32, "Background", "textarea")
EMAIL = field("c" * 32, "Contact email", "email")
START = field("d" * 32, "Start date", "date", required=True)
SIZE = field("e" * 32, "Company size", "radio", options=[(1, "Small"), (2, "Medium")])
REGION = field(
    "f" * 32, "Region", "dropdown", required=True, options=[(1, "EMEA"), (2, "Americas")]
)
CHANNELS = field("1" * 32, "Channels", "multiselect", options=[(1, "Slack"), (2, "Email")])
ITEMS = field("2" * 32, "Line items", "table", columns=["Item", "Quantity"])
TEAM = field("3" * 32, "Account team", "assignees_form")
FILES = field("4" * 32, "Signed contract", "file")
FIELDS = [NAME, NOTES, EMAIL, START, SIZE, REGION, CHANNELS, ITEMS, TEAM, FILES]


def encode(values: dict[Any, Any], fields: list[FormField] = FIELDS, **options: Any) -> Any:
    return encode_form_values(fields, values, what="kickoff", require_all=False, **options)


def refused(values: dict[Any, Any], fields: list[FormField] = FIELDS) -> FormValuesError:
    with pytest.raises(FormValuesError) as caught:
        encode(values, fields)
    return caught.value


# --- keys ---------------------------------------------------------------------------


def test_values_are_keyed_by_id_alias_or_label_and_sent_by_timeline_id() -> None:
    out = encode({NAME.id: "Globex", "background": "x", "  CONTACT   email ": "a@b.co"})
    assert out == {NAME.id: "Globex", NOTES.id: "x", EMAIL.id: "a@b.co"}
    assert encode({"client-name": "Globex"}) == {NAME.id: "Globex"}


def test_an_unknown_key_is_refused_with_the_fields_listed() -> None:
    error = refused({"Client nme": "Globex"})
    assert "'Client nme' names no form field" in str(error)
    assert "'Client name'" in str(error) and "'Signed contract'" in str(error)


def test_a_label_two_fields_share_is_refused_never_guessed() -> None:
    twins = [field("a" * 32, "Notes", "text"), field("b" * 32, "notes", "textarea")]
    error = refused({"Notes": "x"}, twins)
    assert "names 2 fields" in str(error) and "key it by id" in str(error)
    assert encode({"a" * 32: "x"}, twins) == {"a" * 32: "x"}


def test_a_field_given_twice_is_refused() -> None:
    error = refused({NAME.id: "a", "Client name": "b"})
    assert "'Client name' is given twice" in str(error)


def test_a_non_string_key_is_refused() -> None:
    assert "key 5 is a int" in str(refused({5: "x"}))


# --- required fields (the commonest launch failure) ----------------------------------------------


def test_every_missing_required_field_is_listed_by_label() -> None:
    with pytest.raises(FormValuesError) as caught:
        encode_form_values(FIELDS, {}, what="kickoff", require_all=True)
    error = caught.value
    assert error.missing == ["Client name", "Start date", "Region"]
    text = str(error)
    assert text.startswith("kickoff refused before anything was sent")
    for label in ("'Client name' is required", "'Start date' is required", "'Region' is required"):
        assert label in text
    assert isinstance(error, ValueError) and isinstance(error, TypeError)


def test_blank_values_do_not_satisfy_a_required_field() -> None:
    with pytest.raises(FormValuesError) as caught:
        encode_form_values(
            [NAME, REGION], {NAME.id: "  ", "Region": None}, what="kickoff", require_all=True
        )
    assert caught.value.missing == ["Client name", "Region"]


def test_required_fields_are_not_checked_for_task_values() -> None:
    assert encode({}) == {}


def test_a_blank_value_clears_the_field() -> None:
    assert encode({NAME.id: None, "Line items": [], "Channels": []}) == {
        NAME.id: None,
        ITEMS.id: None,
        CHANNELS.id: None,
    }


def test_every_problem_is_reported_at_once() -> None:
    error = refused({"Client name": 5, "Region": "Mars", "nope": 1})
    assert len(error.problems) == 3


# --- text, email ----------------------------------------------------------------------


def test_text_textarea_and_email_are_bare_strings() -> None:
    assert encode({"Client name": "G", "Background": "B\nC", "Contact email": " a@b.co "}) == {
        NAME.id: "G",
        NOTES.id: "B\nC",
        EMAIL.id: "a@b.co",
    }


def test_a_wrong_type_for_text_is_refused_naming_the_field() -> None:
    error = refused({"Client name": 42})
    assert "'Client name': expected text (str), got int" in str(error)


def test_an_email_that_is_not_one_is_refused() -> None:
    assert "'Contact email': 'nobody' is not an email address" in str(
        refused({"Contact email": "nobody"})
    )


# --- dates ----------------------------------------------------------------------------


def test_a_date_is_written_iso_8601_in_utc() -> None:
    paris = timezone(timedelta(hours=2))
    moment = datetime(2026, 6, 1, 11, 30, 15, 123456, tzinfo=paris)
    assert encode({"Start date": moment}) == {START.id: "2026-06-01T09:30:15.123Z"}
    assert encode({"Start date": date(2026, 6, 1)}) == {START.id: "2026-06-01T00:00:00.000Z"}
    assert encode({"Start date": "2026-06-01T09:30:00+02:00"}) == {
        START.id: "2026-06-01T07:30:00.000Z"
    }
    assert encode({"Start date": "2026-06-01"}) == {START.id: "2026-06-01T00:00:00.000Z"}


def test_a_naive_date_is_refused() -> None:
    assert "naive datetime" in str(refused({"Start date": datetime(2026, 6, 1, 9, 0)}))
    assert "has no time zone" in str(refused({"Start date": "2026-06-01 09:00:00"}))
    assert "not an ISO 8601 date" in str(refused({"Start date": "1 June"}))
    assert "expected an aware datetime" in str(refused({"Start date": 1_780_000_000}))


@given(
    st.datetimes(
        min_value=datetime(1900, 1, 1),
        max_value=datetime(2200, 1, 1),
        timezones=st.sampled_from(
            [UTC, timezone(timedelta(hours=-7)), timezone(timedelta(hours=5, minutes=30))]
        ),
    )
)
def test_dates_round_trip_through_the_encoder(moment: datetime) -> None:
    wire = encode_date(moment)
    assert wire.endswith("Z") and "T" in wire
    expected = moment.astimezone(UTC).replace(microsecond=moment.microsecond // 1000 * 1000)
    assert parse_datetime(wire) == expected
    assert encode_date(wire) == wire  # a wire value may be sent back as it was read


# --- choices --------------------------------------------------------------------------


def test_radio_sends_the_option_text() -> None:
    assert encode({"Company size": " medium "}) == {SIZE.id: "Medium"}
    assert encode({"Company size": 1}) == {SIZE.id: "Small"}


def test_dropdown_sends_id_text_and_a_null_value() -> None:
    wire = {REGION.id: {"id": 2, "text": "Americas", "value": None}}
    assert encode({"Region": "americas"}) == wire
    assert encode({"Region": 2}) == wire
    assert encode({"Region": "2"}) == wire
    assert encode({"Region": {"id": 2, "text": "Americas", "value": None}}) == wire
    assert encode({"Region": {"text": "AMERICAS"}}) == wire
    assert encode({"Region": FieldOption(id=2, text="Americas")}) == wire


def test_an_invalid_choice_lists_the_valid_ones() -> None:
    error = refused({"Region": "Mars"})
    assert (
        "'Region': 'Mars' is not a choice; the choices are: 'EMEA' (id 1), 'Americas' (id 2)"
        in (str(error))
    )
    assert "there is no option 9" in str(refused({"Region": {"id": 9}}))


def test_an_id_and_a_text_naming_different_options_are_refused() -> None:
    error = refused({"Region": {"id": 1, "text": "Americas"}})
    assert "id 1 is 'EMEA' but the text given is 'Americas'" in str(error)


def test_an_ambiguous_id_versus_text_collision_is_an_error_never_resolved_silently() -> None:
    numbers = field("5" * 32, "Floor", "dropdown", options=[(2, "Ground"), (5, "2")])
    error = refused({"Floor": "2"}, [numbers])
    assert "'2' is ambiguous: it is the id of option 2 ('Ground') and the text of option 5" in (
        str(error)
    )
    assert "ambiguous" in str(refused({"Floor": 2}, [numbers]))
    assert encode({"Floor": {"id": 5}}, [numbers]) == {
        numbers.id: {"id": 5, "text": "2", "value": None}
    }
    # Id and text naming the same option is no collision.
    same = field("6" * 32, "Level", "dropdown", options=[(2, "2"), (3, "Three")])
    assert encode({"Level": "2"}, [same]) == {same.id: {"id": 2, "text": "2", "value": None}}


def test_duplicate_option_texts_are_refused() -> None:
    twins = field("7" * 32, "Pick", "dropdown", options=[(1, "A"), (2, " a ")])
    assert "matches 2 options by text" in str(refused({"Pick": "A"}, [twins]))


def test_multiselect_sends_every_choice_selected() -> None:
    assert encode({"Channels": ["slack", 2, {"id": 1}]}) == {
        CHANNELS.id: [
            {"id": 1, "text": "Slack", "value": None, "selected": True},
            {"id": 2, "text": "Email", "value": None, "selected": True},
        ]
    }


def test_multiselect_needs_a_list() -> None:
    assert "expected a list of choices, got str" in str(refused({"Channels": "Slack"}))
    assert "'Pigeon' is not a choice" in str(refused({"Channels": ["Slack", "Pigeon"]}))


def test_a_choice_of_the_wrong_type_is_refused() -> None:
    assert "expected an option's text or id, got float" in str(refused({"Region": 1.5}))
    assert "not 'colour'" in str(refused({"Region": {"id": 1, "colour": "red"}}))


# --- tables -----------------------------------------------------------------------------


def test_a_table_is_one_cell_per_column_in_column_order() -> None:
    assert encode({"Line items": ["Widget", 3]}) == {ITEMS.id: ["Widget", 3]}
    assert encode({"Line items": {"quantity": "3", "ITEM": "Widget"}}) == {
        ITEMS.id: ["Widget", "3"]
    }


def test_a_table_with_the_wrong_cells_is_refused() -> None:
    assert "exactly one cell per column (2: 'Item', 'Quantity'), got 3" in str(
        refused({"Line items": ["a", "b", "c"]})
    )
    assert "missing: 'Quantity'" in str(refused({"Line items": {"Item": "a"}}))
    assert "'Price' names no column" in str(refused({"Line items": {"Item": "a", "Price": 1}}))
    assert "column 'Quantity' takes a str or a number, got bool" in str(
        refused({"Line items": ["a", True]})
    )
    assert "expected a list of cells" in str(refused({"Line items": "a,b"}))


# --- assignees, files, other types -------------------------------------------------------


def test_assignees_send_all_three_buckets() -> None:
    assert encode({"Account team": {"users": [7]}}) == {
        TEAM.id: {"users": [7], "guests": [], "groups": []}
    }
    owners = Owners(users=[7], guests=["g@x.io"], groups=["a" * 32])
    assert encode({"Account team": owners}) == {
        TEAM.id: {"users": [7], "guests": ["g@x.io"], "groups": ["a" * 32]}
    }


def test_assignees_of_the_wrong_shape_are_refused() -> None:
    assert "unknown bucket 'members'" in str(refused({"Account team": {"members": [7]}}))
    assert "users holds member ids (int), got str" in str(
        refused({"Account team": {"users": ["7"]}})
    )
    assert "guests holds emails" in str(refused({"Account team": {"guests": ["bob"]}}))
    assert "users must be a list" in str(refused({"Account team": {"users": 7}}))


def test_files_are_asset_objects_passed_through() -> None:
    asset = {"id": "9" * 32, "filename": "c.pdf", "version": 1, "source": "local"}
    assert encode({"Signed contract": [asset]}) == {FILES.id: [asset]}
    assert "uploaded asset objects" in str(refused({"Signed contract": asset}))
    assert "str 'id'" in str(refused({"Signed contract": [{"filename": "c.pdf"}]}))


def test_a_field_type_the_sdk_does_not_know_passes_the_value_through() -> None:
    future = FormField(id="8" * 32, label="Rating", field_type=FieldType("stars"))
    assert encode({"Rating": 4}, [future]) == {future.id: 4}
