"""Route.compile: the path's placeholders filled with checked, encoded ids."""

from __future__ import annotations

import pytest

from tallyfy_async._routes import Route

TASK = Route("GET", "/organizations/{org}/runs/{process_id}/tasks/{task_id}")
ORG = "0" * 32


def test_the_organization_given_apart_fills_its_placeholder() -> None:
    ids = {"process_id": "p1", "task_id": "t1"}
    assert TASK.compile(ids, ORG) == f"organizations/{ORG}/runs/p1/tasks/t1"
    # Given apart, it wins over an "org" the ids hold; without it the ids' is used.
    assert TASK.compile({**ids, "org": "other"}, ORG).split("/")[1] == ORG
    assert TASK.compile({**ids, "org": ORG}).split("/")[1] == ORG


def test_ids_are_encoded_each_on_its_own() -> None:
    ids = {"process_id": 42, "task_id": "jane+x@example.com"}
    assert TASK.compile(ids, ORG) == f"organizations/{ORG}/runs/42/tasks/jane%2Bx%40example.com"


def test_a_missing_or_unsafe_id_is_refused_before_anything_is_sent() -> None:
    with pytest.raises(KeyError):
        TASK.compile({"process_id": "p1"}, ORG)
    with pytest.raises(KeyError):
        TASK.compile({"process_id": "p1", "task_id": "t1"})  # no organization at all
    with pytest.raises(ValueError, match="task_id"):
        TASK.compile({"process_id": "p1", "task_id": "../x"}, ORG)
    with pytest.raises(TypeError, match="org"):
        TASK.compile({"process_id": "p1", "task_id": "t1", "org": None})
