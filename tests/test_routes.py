"""Route.compile: the path's placeholders filled with checked, encoded ids."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tallyfy_async._routes import Route
from tallyfy_async._urls import path_segment

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


_SEGMENT = st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=12)
_NAMES = ["org", "process_id", "task_id", "email", "é"]
_LITERAL = st.text(
    alphabet=st.one_of(st.sampled_from("\"'{}\\%é~._-"), st.characters(codec="utf-8")),
    min_size=1,
    max_size=8,
).filter(lambda text: "/" not in text and re.fullmatch(r"\{\w+\}", text) is None)
_TEMPLATE = st.lists(
    st.one_of(
        st.from_regex(r"[a-z][a-z_-]{0,10}", fullmatch=True),  # a literal, as routes have
        _LITERAL,  # anything else: the generated f-string must neither break nor run it
        st.sampled_from([f"{{{name}}}" for name in _NAMES]),
    ),
    min_size=1,
    max_size=6,
)


@given(
    template=_TEMPLATE,
    values=st.dictionaries(
        st.sampled_from(_NAMES),
        st.one_of(_SEGMENT, st.integers(), st.none()),
    ),
)
def test_compile_fills_every_template_as_segment_by_segment_encoding_would(
    template: list[str], values: dict[str, object]
) -> None:
    # The generated filler must agree with the plain rule: each literal checked and
    # encoded, each placeholder replaced by path_segment of its id (or the same error,
    # before anything is sent), "{org}" taken from ``org`` when given.
    route = Route("GET", "/" + "/".join(template))

    def placeholder(part: str) -> bool:
        return re.fullmatch(r"\{\w+\}", part) is not None

    for org in (None, ORG):

        def expected(org: str | None = org) -> str:
            literals = {
                part: path_segment(part, "path") for part in template if not placeholder(part)
            }
            return "/".join(
                path_segment(
                    org if part == "{org}" and org is not None else values[part[1:-1]], part[1:-1]
                )
                if placeholder(part)
                else literals[part]
                for part in template
            )

        try:
            want: str | type[BaseException] = expected()
        except (KeyError, TypeError, ValueError) as exc:
            want = type(exc)
        if isinstance(want, str):
            assert route.compile(values, org) == want
        else:
            with pytest.raises(want):
                route.compile(values, org)
