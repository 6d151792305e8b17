"""``webhooks.parse``: the documented payloads, typed; every refusal typed and explained."""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tallyfy_async import TallyfyError, webhooks
from tallyfy_async.models.common import Progress
from tallyfy_async.webhooks import (
    Capture,
    EventKind,
    MissingOrganizationError,
    OtherEvent,
    ProcessEvent,
    TaskCompletedEvent,
    UnexpectedOrganizationError,
    WebhookError,
    WebhookNotJSONError,
    WebhookShapeError,
    WebhookTooLargeError,
    _parse,
)
from tests.webhooks.support import EXAMPLE_ORG, body, example, headers, models_in


def parse(payload: Any, org_id: str = EXAMPLE_ORG, **kw: Any) -> webhooks.WebhookEvent:
    return webhooks.parse(body(payload), headers(org_id), expected_org_id=EXAMPLE_ORG, **kw)


def test_the_documented_process_payload_leaves_nothing_in_extra() -> None:
    event = parse(example("process"))

    assert isinstance(event, ProcessEvent)
    assert [(path, m.extra) for path, m in models_in(event) if m.extra] == []
    assert event.kind is EventKind.PROCESS_LAUNCHED  # completed_at is null
    assert event.org_id == EXAMPLE_ORG
    assert event.id == "abc123def456ghi789jkl012mno345pq"
    assert event.status == "in-progress"
    assert event.progress == 60
    assert event.started_at == datetime(2025, 10, 1, 9, 15, tzinfo=UTC)
    assert event.completed_at is None
    assert event.due_soon is True
    assert event.process_tasks["legal-review"] == "task002def"
    assert event.ko_form_fields["vendor-name"] == "Widget Suppliers Inc"
    assert event.guest_links["compliance@vendor.com"].link_for_guest.endswith("guestcode456def")
    assert [u.full_name for u in event.users] == ["John Smith", "Jane Doe"]
    assert event.groups[0].name == "Legal Team"
    assert event.launcher is not None and event.launcher.email == "john@acmecorp.com"


def test_the_documented_task_payload_leaves_nothing_in_extra() -> None:
    event = parse(example("task"))

    assert isinstance(event, TaskCompletedEvent)
    assert [(path, m.extra) for path, m in models_in(event) if m.extra] == []
    assert event.kind is EventKind.TASK_COMPLETED
    task = event.task
    assert task.id == "task003ghi789xyz"
    assert task.completed_at == datetime(2025, 10, 2, 14, 30, tzinfo=UTC)
    assert task.completed_by is not None and task.completed_by.full_name == "John Smith"
    assert task.captures["capture123timeline"] == Capture(
        alias="contract-value", label="Contract Value", value="50000"
    )
    assert task.owners is not None and task.owners.guests == ["external.reviewer@vendor.com"]
    assert task.assets[0].filename == "signed-contract.pdf"
    assert event.form_fields["approval-date"] == "2025-10-02"
    assert event.process_tasks["task004jkl"] == "task004jkl"
    assert event.template is not None and event.template.alias == "vendor-contract-review"
    process = event.process
    assert process is not None
    assert process.client_url == "https://go.tallyfy.com/tracker/run123abc456"
    assert process.process_forms["step002"]["capture002timeline"].value == "Approved"
    assert process.tags[0].color == "#FF6B6B"
    assert event.next_task is not None and event.next_task.title == "Execute Contract"
    assert event.next_task.captures == {}


def test_keys_tallyfy_adds_tomorrow_are_kept_in_extra_at_every_level() -> None:
    payload = example("task")
    payload["brand-new"] = 1
    payload["this_task"]["sla"] = "gold"
    payload["process"]["stage"] = {"id": "s1"}

    event = parse(payload)

    assert event.extra == {"brand-new": 1}
    assert isinstance(event, TaskCompletedEvent)
    assert event.task.extra == {"sla": "gold"}
    assert event.process is not None and event.process.extra == {"stage": {"id": "s1"}}


def test_php_empty_arrays_read_as_nothing() -> None:
    payload = example("task")
    payload["next_task"] = []
    payload["launcher"] = payload["completer"] = payload["template"] = []
    payload["this_task"]["captures"] = []
    payload["guest-links"] = []
    payload["form-fields"] = []
    payload["process"]["process_forms"] = {"step001": []}

    event = parse(payload)

    assert isinstance(event, TaskCompletedEvent)
    assert event.next_task is None
    assert event.launcher is None and event.completer is None and event.template is None
    assert event.task.captures == {}
    assert event.guest_links == {}
    assert event.form_fields == {}
    assert event.process is not None and event.process.process_forms == {"step001": {}}


def test_php_empty_arrays_read_as_nothing_in_nested_objects_too() -> None:
    # A guest's completion has no member for completed_by; an unassigned task no owners.
    payload = example("task")
    payload["this_task"]["completed_by"] = []
    payload["this_task"]["owners"] = []
    payload["next_task"] = dict(payload["this_task"], id="task004", owners=[])
    payload["process"] = []

    event = parse(payload)

    assert isinstance(event, TaskCompletedEvent)
    assert event.task.completed_by is None and event.task.owners is None
    assert event.next_task is not None and event.next_task.owners is None
    assert event.process is None
    # A required object is still required: [] is no task.
    payload["this_task"] = []
    with pytest.raises(WebhookShapeError):
        parse(payload)


def test_a_process_payload_reads_an_empty_launcher_as_nothing() -> None:
    payload = example("process")
    payload["launcher"] = []
    event = parse(payload)
    assert isinstance(event, ProcessEvent) and event.launcher is None


def test_a_process_with_completed_at_is_a_completion_and_an_object_progress_is_typed() -> None:
    payload = example("process")
    payload.update(
        completed_at="2025-10-03T10:00:00Z",
        status="complete",
        progress={"complete": 4, "total": 4, "percent": 100},
    )

    event = parse(payload)

    assert isinstance(event, ProcessEvent)
    assert event.kind is EventKind.PROCESS_COMPLETED
    assert event.progress == Progress(complete=4, total=4, percent=100)


def test_the_event_name_of_organization_webhooks_decides_the_kind() -> None:
    payload = example("process")
    payload["event"] = "process.completed"
    assert parse(payload).kind is EventKind.PROCESS_COMPLETED

    task = example("task")
    task["event"] = "process.launched"
    with pytest.raises(WebhookShapeError):
        parse(task)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("task.assigned", EventKind.TASK_ASSIGNED),
        ("task.comment_added", EventKind.TASK_COMMENT_ADDED),
        ("task.issue_raised", EventKind.TASK_ISSUE_RAISED),
        ("task.issue_resolved", EventKind.TASK_ISSUE_RESOLVED),
        ("task.teleported", None),  # one Tallyfy adds later
    ],
)
def test_events_the_sdk_does_not_model_arrive_with_their_payload(
    name: str, kind: EventKind | None
) -> None:
    # Tallyfy sends each delivery once: refusing an event it names would lose it.
    payload = {"event": name, "this_task": {"id": "t1"}, "comment": {"content": "Hi"}}
    event = parse(payload)

    assert isinstance(event, OtherEvent)
    assert (event.event, event.kind, event.org_id) == (name, kind, EXAMPLE_ORG)
    assert event.payload == payload
    assert event.dedupe_key == parse(payload).dedupe_key
    assert event.dedupe_key != parse(dict(payload, comment={"content": "Bye"})).dedupe_key
    assert "Hi" not in repr(event)  # the payload stays out of the repr


@pytest.mark.parametrize("named", ["", "  ", 7, ["task.completed"], {}])
def test_an_event_that_is_no_name_is_refused(named: Any) -> None:
    payload = example("task")
    payload["event"] = named
    with pytest.raises(WebhookShapeError, match="not a name"):
        parse(payload)


def test_a_completion_again_within_the_minute_is_a_new_event_when_its_payload_differs() -> None:
    # d/m/Y h:i A T dates show the minute: a task reopened and completed again within it
    # has the same completed_at, and only its payload tells the two completions apart.
    first = example("task")
    first["this_task"]["completed_at"] = "02/10/2025 09:30 AM UTC"
    again = copy.deepcopy(first)
    again["completer"]["full_name"] = "Someone Else"

    assert parse(first).dedupe_key == parse(copy.deepcopy(first)).dedupe_key
    assert parse(again).dedupe_key != parse(first).dedupe_key
    answered = copy.deepcopy(first)
    next(iter(answered["this_task"]["captures"].values()))["value"] = "another answer"
    assert parse(answered).dedupe_key != parse(first).dedupe_key


def test_one_completion_has_one_key_through_every_webhook_and_any_json_layout() -> None:
    # The step's or template's webhook, and the organization's (which names the event),
    # may both deliver a completion; a proxy may lay the JSON out anew.
    plain = example("task")
    named = dict(plain, event="task.completed")
    laid_out = json.dumps(plain, indent=2, sort_keys=True).encode()
    keys = {
        parse(plain).dedupe_key,
        parse(named).dedupe_key,
        webhooks.parse(laid_out, headers(), expected_org_id=EXAMPLE_ORG).dedupe_key,
    }
    assert len(keys) == 1
    other = {"event": "task.assigned", "this_task": {"id": "t1"}, "assignee": {"id": 7}}
    reordered = json.dumps(dict(reversed(other.items())), indent=1).encode()
    assert (
        webhooks.parse(reordered, headers(), expected_org_id=EXAMPLE_ORG).dedupe_key
        == parse(other).dedupe_key
    )


def test_the_organization_is_named_as_expected_whatever_the_header_case() -> None:
    lower = parse(example("task"), org_id=EXAMPLE_ORG.lower())
    upper = parse(example("task"), org_id=EXAMPLE_ORG.upper())
    assert upper.org_id == lower.org_id == EXAMPLE_ORG.lower()
    assert upper.dedupe_key == lower.dedupe_key
    # Named as the receiver was given it, whatever case the header used.
    given = webhooks.parse(
        body(example("process")), headers("ACMEorg42"), expected_org_id="AcmeOrg42"
    )
    assert given.org_id == "AcmeOrg42"


def test_dedupe_keys_identify_the_event_not_the_delivery() -> None:
    first = parse(example("task"))
    again = parse(example("task"))
    recompleted = example("task")
    recompleted["this_task"]["completed_at"] = "2025-10-02T15:00:00Z"
    launched = parse(example("process"))
    completed = example("process")
    completed["completed_at"] = "2025-10-03T10:00:00Z"

    assert first.dedupe_key == again.dedupe_key
    assert parse(recompleted).dedupe_key != first.dedupe_key
    assert parse(completed).dedupe_key != launched.dedupe_key
    assert EXAMPLE_ORG in first.dedupe_key


# --- refusals --------------------------------------------------------------------------


def test_a_delivery_without_the_organization_header_is_refused_403() -> None:
    with pytest.raises(MissingOrganizationError) as refused:
        webhooks.parse(body(example("task")), {}, expected_org_id=EXAMPLE_ORG)
    assert refused.value.status == 403
    assert "X-Tallyfy-orgID" in str(refused.value)


def test_a_delivery_from_another_organization_is_refused_403() -> None:
    with pytest.raises(UnexpectedOrganizationError) as refused:
        parse(example("process"), org_id="someone-else")
    assert refused.value.status == 403
    assert refused.value.org_id == "someone-else"
    assert "someone-else" in str(refused.value)


def test_the_header_is_found_whatever_its_case_and_any_of_several_orgs_is_accepted() -> None:
    event = webhooks.parse(
        body(example("process")),
        {"x-tallyfy-orgid": EXAMPLE_ORG},
        expected_org_id={"another", EXAMPLE_ORG},
    )
    assert event.org_id == EXAMPLE_ORG


def test_a_task_payload_naming_another_organization_than_its_header_is_refused() -> None:
    payload = example("task")
    payload["process"]["organization_id"] = "someone-else"
    with pytest.raises(UnexpectedOrganizationError, match="belongs to 'someone-else'"):
        parse(payload)


def test_a_body_over_the_limit_is_refused_before_it_is_parsed() -> None:
    with pytest.raises(WebhookTooLargeError) as refused:
        webhooks.parse(b"x" * 101, headers(), expected_org_id=EXAMPLE_ORG, max_body_size=100)
    assert refused.value.status == 413
    assert (refused.value.size, refused.value.limit) == (101, 100)


@pytest.mark.parametrize("raw", [b"", b"not json", b"{", b'{"a": NaN}', b"\xff\xfe"])
def test_a_body_that_is_not_json_is_refused_400(raw: bytes) -> None:
    with pytest.raises(WebhookNotJSONError) as refused:
        webhooks.parse(raw, headers(), expected_org_id=EXAMPLE_ORG)
    assert refused.value.status == 400


@pytest.mark.parametrize(
    "payload",
    [
        [],
        "text",
        {"hello": "world"},
        {"this_task": "not an object"},
        {"this_task": {"title": "no id"}},
        {"id": "r1", "checklist_id": "c1", "users": "everyone"},
        {"id": "r1", "checklist_id": "c1", "started_by": {"id": 1}},
        {"id": "r1", "checklist_id": "c1", "created_at": "yesterday"},
    ],
)
def test_json_of_an_unknown_shape_is_refused_400(payload: Any) -> None:
    with pytest.raises(WebhookError) as refused:
        parse(payload)
    assert refused.value.status == 400


@pytest.mark.parametrize(
    ("kind", "path", "value", "why"),
    [
        ("process", ["id"], None, "ProcessEvent.id is null"),
        ("process", ["id"], {"x": 1}, "dict {'x': 1} where str belongs"),
        ("process", ["name"], 42, "int 42 where str belongs"),
        ("process", ["increment_id"], "abc", "str 'abc' where int belongs"),
        ("process", ["late_tasks"], True, "bool True where int belongs"),
        ("process", ["due_soon"], "no", "str 'no' where bool belongs"),
        ("task", ["this_task"], None, "TaskCompletedEvent.task is null"),
        ("task", ["this_task", "id"], None, "EventTask.id is null"),
        ("task", ["this_task", "position"], "3", "str '3' where int belongs"),
        ("task", ["completer", "email"], ["a@b.c"], "where str belongs"),
    ],
)
def test_a_documented_field_of_the_wrong_type_is_refused_400(
    kind: str, path: list[str], value: Any, why: str
) -> None:
    payload = example(kind)
    parent = payload
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    with pytest.raises(WebhookShapeError, match=re.escape(why)):
        parse(payload)


def _huge(where: str) -> Any:
    """A payload with a 100 kB value where ``where`` says."""
    long = "9" * 100_000
    payload = example("task")
    if where == "date":
        payload["this_task"]["completed_at"] = "2025-" + long
    elif where == "human date":
        payload["this_task"]["completed_at"] = "02/10/2025 " + long
    elif where == "organization":
        payload["process"]["organization_id"] = long
    else:
        payload = {f"{n}{long}": 1 for n in range(20)}
    return payload


@pytest.mark.parametrize("where", ["date", "human date", "organization", "keys"])
def test_refusals_never_repeat_a_long_value_of_the_body(where: str) -> None:
    with pytest.raises(WebhookError) as refused:
        parse(_huge(where))
    assert len(str(refused.value)) < 500


def test_every_refusal_is_a_tallyfy_error_and_payload_errors_are_value_errors() -> None:
    for cls in (MissingOrganizationError, WebhookTooLargeError, WebhookShapeError):
        assert issubclass(cls, WebhookError)
        assert issubclass(cls, TallyfyError)
    assert issubclass(WebhookNotJSONError, ValueError)
    assert issubclass(webhooks.WebhookDateError, ValueError)


@pytest.mark.parametrize("org_id", ["", [], ["  "], 42])
def test_a_missing_expected_organization_is_a_usage_error(org_id: Any) -> None:
    with pytest.raises(ValueError, match="org_id"):
        webhooks.parse(body(example("task")), headers(), expected_org_id=org_id)


def test_an_unknown_time_zone_name_is_a_usage_error() -> None:
    with pytest.raises(ValueError, match="Mars/Olympus"):
        parse(example("task"), timezone="Mars/Olympus")


# --- the canonical JSON behind completion and payload digests ----------------------------

_JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()  # past 64 bits too
    | st.floats(allow_nan=False, allow_infinity=False)  # 1e-7, 1e+16, -0.0...
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


def _as_json_writes_it(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8", "surrogatepass"
    )


@given(_JSON_VALUES)
@settings(max_examples=400, deadline=None)
def test_the_digested_json_is_the_same_bytes_with_orjson_or_without(value: Any) -> None:
    # A fleet's processes share their dedupe keys: with the speed extra or without it,
    # one payload must give one key.
    assert _parse._canonical(value) == _as_json_writes_it(value)


@pytest.mark.parametrize("text", ["1e-05", "0.00001", "e-mail", "v2e-1"])
def test_text_that_looks_like_a_small_float_is_digested_the_same(text: str) -> None:
    value = {"value": text, "number": 1e-05, "big": 2**70}
    assert _parse._canonical(value) == _as_json_writes_it(value)
    assert _parse._canonical([text]) == _as_json_writes_it([text])


def test_a_lone_surrogate_in_a_payload_is_read_with_orjson_or_without() -> None:
    # JSON may escape half a surrogate pair ("\ud800"): json reads it into a str that
    # UTF-8 cannot encode; orjson refuses it. Either way the event is read, one key.
    task = example("task")
    next(iter(task["this_task"]["captures"].values()))["value"] = "half \ud800 a pair"
    other = {"event": "task.assigned", "this_task": {"id": "t1"}, "note": "\udfff"}
    for payload in (task, other):
        event = parse(payload)
        assert event.dedupe_key == parse(copy.deepcopy(payload)).dedupe_key
    assert isinstance(event, OtherEvent) and event.payload["note"] == "\udfff"


def test_a_body_nested_past_what_json_writes_is_refused_not_a_crash() -> None:
    # Anyone who knows the organization id can post one; orjson reads 1,024 levels deep.
    deep = "[" * 1000 + '"bottom"' + "]" * 1000
    text = '{"event": "task.assigned", "this_task": {"id": "t1"}, "deep": ' + deep + "}"
    try:
        event = webhooks.parse(text.encode(), headers(), expected_org_id=EXAMPLE_ORG)
    except (WebhookNotJSONError, WebhookShapeError) as refused:
        assert refused.status == 400
    else:  # read and digested: this build's parser and writer both went that deep
        assert isinstance(event, OtherEvent)
