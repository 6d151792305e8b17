"""The body builder and scopes, without a network: what is kept, refused and converted."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tallyfy_async import UNSET
from tallyfy_async._routes import Route
from tallyfy_async._serde import default_converter
from tallyfy_async.models.tasks import TaskType
from tallyfy_async.resources._body import Body
from tallyfy_async.resources._kinds import (
    AWARE_DATE,
    FLAG,
    WITH,
    Choice,
    Days,
    Int,
    ListOf,
    OneOrMany,
    Text,
)
from tallyfy_async.resources._scopes import ORG, Scope

TABLE = {
    "title": Text(max_len=10, required=True),
    "summary": Text(nullable=True),
    "starred": FLAG,
    "position": Int(minimum=1),
    "task_type": Choice(choices=frozenset(t.value for t in TaskType)),
    "deadline": AWARE_DATE,
    "users": ListOf(item=int),
    "blueprint_id": Text(wire="checklist_id"),
}


def body_of(**arguments: Any) -> dict[str, Any]:
    body = Body(default_converter)
    body.put_all(TABLE, arguments)
    return body.json()


def test_what_is_not_given_is_left_out_and_the_rest_converted() -> None:
    sent = body_of(
        title="Call",
        summary=None,
        starred=UNSET,
        task_type=TaskType.APPROVAL,
        deadline=datetime(2026, 12, 1, 9, 0, tzinfo=timezone(timedelta(hours=-5))),
        users=(1, 2),
        blueprint_id="a" * 32,
    )
    assert sent == {
        "title": "Call",
        "summary": None,
        "task_type": "approval",
        "deadline": "2026-12-01 14:00:00",
        "users": [1, 2],
        "checklist_id": "a" * 32,
    }


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({}, ValueError, "title is required"),
        ({"title": "  "}, ValueError, "title is required"),
        ({"title": None}, ValueError, "title is required"),
        ({"title": "x" * 11}, ValueError, "at most 10"),
        ({"title": "T", "starred": 1}, TypeError, "starred must be bool"),
        ({"title": "T", "position": 0}, ValueError, "position must be 1 or more"),
        ({"title": "T", "position": True}, TypeError, "position must be int"),
        ({"title": "T", "task_type": "chore"}, ValueError, "task_type must be one of"),
        ({"title": "T", "deadline": datetime(2030, 1, 1)}, ValueError, "naive datetime"),
        ({"title": "T", "users": ["1"]}, TypeError, r"users\[0\] must be int"),
        ({"title": "T", "colour": "red"}, TypeError, r"unknown keys \['colour'\]"),
        ({"title": "T", "blueprint_id": "../x"}, ValueError, "checklist_id"),
    ],
)
def test_bad_values_are_refused_naming_the_field(
    arguments: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        body_of(**arguments)


def test_nested_bodies_name_where_they_are() -> None:
    body = Body(where="tasks['s1'].")
    with pytest.raises(TypeError, match=r"tasks\['s1'\] has unknown keys \['deadlin'\]"):
        body.put_all(TABLE, {"deadlin": 1})
    with pytest.raises(ValueError, match=r"tasks\['s1'\]\.title is required"):
        body.put_all(TABLE, {})


async def test_resend_reads_once_and_only_when_a_field_is_missing() -> None:
    reads = []

    async def read() -> SimpleNamespace:
        reads.append(1)
        return SimpleNamespace(users=[7], groups=["g"])

    body = Body(default_converter)
    body.put("users", [1], ListOf(item=int))
    await body.resend(("users",), read)
    assert reads == []
    await body.resend(("users", "groups"), read)
    assert reads == [1]
    assert body.json() == {"users": [1], "groups": ["g"]}


def test_a_query_keeps_lists_and_sends_enums_as_values() -> None:
    body = Body()
    body.put("owners", 5, OneOrMany(item=int))
    body.put("created", (date(2026, 1, 1), date(2026, 1, 31)), Days())
    body.put("with_", "run, step", WITH)
    body.put("task_type", TaskType.TASK, Choice(choices=frozenset({"task"})))
    assert body.query() == {
        "owners": [5],
        "created": "2026-01-01:2026-01-31",
        "with": ["run", "step"],
        "task_type": "task",
    }


@given(st.text(max_size=20))
def test_text_within_its_length_is_kept_as_given(text: str) -> None:
    body = Body(default_converter)
    if not text.strip():
        with pytest.raises(ValueError, match="title is required"):
            body.put("title", text, TABLE["title"])
    elif len(text) > 10:
        with pytest.raises(ValueError, match="at most 10"):
            body.put("title", text, TABLE["title"])
    else:
        body.put("title", text, TABLE["title"])
        assert body.json() == {"title": text}


def test_a_scope_names_its_parents_and_hangs_routes_from_its_path() -> None:
    task = ORG.under("/runs/{process_id}").under("/tasks/{task_id}")
    assert task == Scope("/organizations/{org}/runs/{process_id}/tasks/{task_id}")
    assert task.parents == ("process_id", "task_id")
    assert task.route(Route("GET", "/custom-fields")) == Route(
        "GET", "/organizations/{org}/runs/{process_id}/tasks/{task_id}/custom-fields"
    )
    root = Route("PUT", "/organizations/{org}/form-field/value")
    assert task.route(root) is root  # written from the API root: kept as it is


def test_an_aware_datetime_in_any_zone_is_sent_in_utc() -> None:
    paris = datetime(2026, 7, 1, 11, 0, tzinfo=timezone(timedelta(hours=2)))
    assert body_of(title="T", deadline=paris)["deadline"] == "2026-07-01 09:00:00"
    assert body_of(title="T", deadline=paris.astimezone(UTC))["deadline"] == "2026-07-01 09:00:00"
