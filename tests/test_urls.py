"""Ids, paths, base URLs and query strings: checked and encoded before anything is sent."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st
from yarl import URL

from tallyfy_async._urls import (
    build_url,
    check_id,
    encode_path,
    encode_query,
    parse_base_url,
    path_segment,
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
    url = build_url("https://go.tallyfy.com/api", encode_path(["organizations", segment, "runs"]))
    assert url.raw_path.count("/") == 4
    assert url.parts[-2] == value
    alone = build_url("https://go.tallyfy.com/api", f"x/{path_segment(value)}")
    assert alone.parts[-1] == value


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
    path = encode_path(split_path("/organizations/o1/runs"))
    assert str(build_url(str(url).rstrip("/"), path)) == expected


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
    with pytest.raises(ValueError, match="tag: the list value 'a,b' contains a comma"):
        encode_query({"tag": ["c", "a,b"]}, str)
    with pytest.raises(ValueError, match=r"owners=\[\] is an empty list: leave owners out"):
        encode_query({"owners": []}, str)
    with pytest.raises(ValueError, match=r"tag: the list \['a', ' '\] holds a blank value"):
        encode_query({"tag": ["a", " "]}, str)
    assert encode_query({"q": "a,b"}, str) == "q=a,b"  # one text value may hold commas


_QUERY_TEXT = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=12)


@given(
    params=st.dictionaries(
        _QUERY_TEXT,
        st.one_of(
            _QUERY_TEXT,
            st.integers(),
            st.booleans(),
            st.none(),
            # An empty list, a blank item or an item with a comma is refused (test above).
            st.lists(
                st.one_of(_QUERY_TEXT.filter(lambda t: "," not in t and t.strip()), st.integers()),
                min_size=1,
                max_size=3,
            ),
        ),
        max_size=5,
    )
)
def test_a_query_string_is_what_urlencode_with_quote_writes(
    params: dict[str, Any],
) -> None:
    # encode_query skips urlencode for plain text; the string must not change.
    def text(value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, list):
            return ",".join(text(v) for v in value)
        return str(value)

    pairs = [(key, text(value)) for key, value in params.items() if value is not None]
    assert encode_query(params, str) == urlencode(pairs, safe=",", quote_via=quote)


@given(
    segments=st.lists(
        st.one_of(
            st.text(alphabet=st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=20),
            st.integers(min_value=0),
        ),
        min_size=1,
        max_size=4,
    ),
    query=st.sampled_from(["", "q=a%20b&page=2"]),
)
def test_path_segments_are_checked_as_ids_and_read_back_as_sent(
    segments: list[str | int], query: str
) -> None:
    try:
        checked = [check_id(s) for s in segments]
    except ValueError:
        for segment in segments:  # refused by one, refused by the other
            try:
                check_id(segment)
            except ValueError:
                with pytest.raises(ValueError):
                    path_segment(segment)
        return
    encoded = [path_segment(s) for s in segments]
    assert encoded == encode_path(checked).split("/")
    url = build_url("https://go.tallyfy.com/api", "/".join(encoded), query)
    assert url.parts[2:] == tuple(checked)
    assert url.raw_query_string == query
    # Only unreserved characters and escapes reach the wire: nothing a server could split.
    assert all(
        ch.isascii() and (ch.isalnum() or ch in "-._~%") for ch in url.raw_path[1:].replace("/", "")
    )
