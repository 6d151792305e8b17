"""Ids, paths, base URLs and query strings: checked and encoded before anything is sent."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from yarl import URL

from tallyfy_async._urls import (
    build_url,
    check_id,
    encode_query,
    join,
    parse_base_url,
    split_path,
    with_query,
)

BAD_IDS = [
    "a/b",
    "..",
    "a..b",
    "%2F",
    "abc%2e%2e",
    "a b",
    "tab\there",
    "new\nline",
    "nul\x00",
    "del\x7f",
    "back\\slash",
    "",
    "x" * 10_000,
]


@pytest.mark.parametrize("bad", BAD_IDS)
def test_unsafe_ids_are_refused_with_the_reason(bad: str) -> None:
    with pytest.raises(ValueError, match="cannot be used in a URL path"):
        check_id(bad, "run_id")


@pytest.mark.parametrize("bad", [None, 1.5, True, ["a"], b"abc"])
def test_ids_must_be_str_or_int(bad: object) -> None:
    with pytest.raises(TypeError, match="run_id must be a str or an int"):
        check_id(bad, "run_id")


def test_good_ids_pass() -> None:
    assert check_id("3b0c9d1e2f3a4b5c6d7e8f9a0b1c2d3e") == "3b0c9d1e2f3a4b5c6d7e8f9a0b1c2d3e"
    assert check_id(42) == "42"
    assert check_id("jane.doe+x@example.com") == "jane.doe+x@example.com"


@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=40))
def test_a_checked_segment_never_changes_the_path_shape(value: str) -> None:
    try:
        segment = check_id(value)
    except ValueError:
        return
    url = join(URL("https://go.tallyfy.com/api"), ["organizations", segment, "runs"])
    assert url.raw_path.count("/") == 4
    assert url.parts[-2] == value


def test_paths_are_written_from_the_api_root_and_never_double_api() -> None:
    assert split_path("/organizations/abc/runs") == ["organizations", "abc", "runs"]
    assert split_path("/me") == ["me"]
    with pytest.raises(ValueError, match="/api/api/"):
        split_path("/api/organizations/abc/runs")
    with pytest.raises(ValueError, match="must start with '/'"):
        split_path("organizations/abc")
    with pytest.raises(ValueError, match="params="):
        split_path("/organizations/abc/runs?page=2")
    with pytest.raises(ValueError, match=r"contains '\.\.'"):
        split_path("/organizations/../users")


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("https://go.tallyfy.com/api", "https://go.tallyfy.com/api/organizations/o1/runs"),
        ("https://go.tallyfy.com/api/", "https://go.tallyfy.com/api/organizations/o1/runs"),
        ("https://api.tallyfy.com", "https://api.tallyfy.com/organizations/o1/runs"),
        ("https://api.tallyfy.com/", "https://api.tallyfy.com/organizations/o1/runs"),
    ],
)
def test_both_official_base_urls_work(base: str, expected: str) -> None:
    url = parse_base_url(base, what="base_url", allow_insecure_http=False)
    assert str(join(url, split_path("/organizations/o1/runs"))) == expected


def test_plain_http_is_only_for_this_machine() -> None:
    for local in ("http://127.0.0.1:8080/api", "http://localhost:1/api", "http://[::1]:9/api"):
        parse_base_url(local, what="base_url", allow_insecure_http=False)
    with pytest.raises(ValueError, match="plain http"):
        parse_base_url("http://tallyfy.example.com/api", what="base_url", allow_insecure_http=False)
    assert (
        parse_base_url("http://10.0.0.5/api", what="base_url", allow_insecure_http=True).host
        == "10.0.0.5"
    )
    with pytest.raises(ValueError, match="absolute http"):
        parse_base_url("ftp://go.tallyfy.com", what="base_url", allow_insecure_http=False)
    with pytest.raises(ValueError, match="credentials"):
        parse_base_url(
            "https://user:pw@go.tallyfy.com/api", what="base_url", allow_insecure_http=False
        )


def test_query_strings_use_percent_20_and_tallyfy_conventions() -> None:
    query = encode_query(
        {"q": "Onboard Jane+Co", "archived": False, "owners": [1, 2], "skip": None, "page": 2},
        str,
    )
    assert query == "q=Onboard%20Jane%2BCo&archived=false&owners=1,2&page=2"
    url = with_query(URL("https://go.tallyfy.com/api/x"), query)
    assert url.raw_query_string == query
    with pytest.raises(TypeError, match="query parameter"):
        encode_query({"bad": object()}, str)


@given(
    segments=st.lists(
        st.text(alphabet=st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=20),
        min_size=1,
        max_size=4,
    ),
    query=st.sampled_from(["", "q=a%20b&page=2"]),
)
def test_the_one_string_fast_path_builds_the_same_url(segments: list[str], query: str) -> None:
    try:
        checked = [check_id(s) for s in segments]
    except ValueError:
        return
    base = URL("https://go.tallyfy.com/api")
    fast = build_url(base, "https://go.tallyfy.com/api", checked, query)
    assert fast == with_query(join(base, checked), query)
    assert str(fast) == str(with_query(join(base, checked), query))
