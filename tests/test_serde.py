"""The converter: dates both ways, open enums, models that keep unknown keys."""

from __future__ import annotations

import copy
import json
import pickle
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tallyfy_async import RequestDateFormat
from tallyfy_async._readonly import EMPTY, ReadOnlyDict
from tallyfy_async._responses import decode_body
from tallyfy_async._serde import (
    Converter,
    OpenStrEnum,
    default_converter,
    format_request_datetime,
    json_encoding,
    parse_datetime,
)
from tallyfy_async.models._base import Model, included

AWARE = st.datetimes(
    min_value=datetime(1971, 1, 1),
    max_value=datetime(2999, 12, 31),
    timezones=st.sampled_from(
        [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=8))]
    ),
)


@pytest.mark.parametrize(
    "text",
    [
        "2023-05-15T14:30:00.000Z",
        "2023-05-15T14:30:00Z",
        "2023-05-15T14:30:00+00:00",
        "2023-05-15T14:30:00.000000Z",
        "2023-05-15 14:30:00",
        "2023-05-15T16:30:00+02:00",
    ],
)
def test_every_response_spelling_becomes_aware_utc(text: str) -> None:
    parsed = parse_datetime(text)
    assert parsed == datetime(2023, 5, 15, 14, 30, tzinfo=UTC)
    assert parsed.tzinfo is UTC


def test_unreadable_response_date_raises() -> None:
    with pytest.raises(ValueError, match="not an ISO 8601 date"):
        parse_datetime("15/05/2023")


def test_request_dates_are_utc_year_month_day() -> None:
    paris = timezone(timedelta(hours=2))
    assert (
        format_request_datetime(datetime(2023, 5, 15, 16, 30, tzinfo=paris))
        == "2023-05-15 14:30:00"
    )


def test_the_older_day_first_order_is_a_named_option() -> None:
    moment = datetime(2023, 5, 15, 14, 30, tzinfo=UTC)
    converter = Converter(RequestDateFormat.YEAR_DAY_MONTH)
    assert converter.unstructure(moment) == "2023-15-05 14:30:00"
    assert default_converter.unstructure(moment) == "2023-05-15 14:30:00"


def test_naive_datetimes_are_refused_with_a_fix() -> None:
    with pytest.raises(ValueError, match=r"naive datetime .* tzinfo=timezone\.utc"):
        default_converter.unstructure(datetime(2023, 5, 15, 14, 30))


@given(AWARE)
def test_request_then_response_round_trip(moment: datetime) -> None:
    wire = default_converter.unstructure(moment)
    assert parse_datetime(wire) == moment.replace(microsecond=0)


@given(AWARE)
def test_response_iso_round_trip_keeps_the_instant(moment: datetime) -> None:
    text = (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )
    assert parse_datetime(text) == moment.replace(microsecond=(moment.microsecond // 1000) * 1000)


class Colour(OpenStrEnum):
    RED = "red"


def test_open_enums_pass_unknown_values_through() -> None:
    assert Colour("red") is Colour.RED
    mauve = Colour("mauve")
    assert mauve == "mauve" and isinstance(mauve, Colour) and mauve.value == "mauve"
    # A known value in another case is the known member, not a look-alike.
    assert Colour("Red") is Colour.RED and Colour("RED") is Colour.RED
    assert Colour("Mauve") == "Mauve"


@attrs.frozen(kw_only=True)
class Leaf(Model):
    id: int


@attrs.frozen(kw_only=True)
class Tree(Model):
    id: str
    when: datetime | None = None
    colour: Colour | None = None
    leaves: list[Leaf] = attrs.Factory(list)
    parent: Leaf | None = included()
    tags: dict[str, Any] | None = None


def test_models_keep_unknown_keys_unwrap_includes_and_type_fields() -> None:
    tree = default_converter.structure(
        {
            "id": "t1",
            "when": "2023-05-15T14:30:00.000Z",
            "colour": "teal",
            "leaves": [{"id": 1, "shade": "dark"}],
            "parent": {"data": {"id": 9}},
            "brand_new": [1, 2],
        },
        Tree,
    )
    assert tree.when == datetime(2023, 5, 15, 14, 30, tzinfo=UTC)
    assert tree.colour == "teal"
    assert tree.leaves == [Leaf(id=1)] and tree.leaves[0].extra == {"shade": "dark"}
    assert tree.parent == Leaf(id=9)
    assert tree.extra == {"brand_new": [1, 2]}
    assert tree.to_dict()["brand_new"] == [1, 2]


def test_a_missing_include_and_null_lists_fall_back_to_defaults() -> None:
    tree = default_converter.structure({"id": "t", "leaves": None, "parent": {"data": None}}, Tree)
    assert tree.leaves == [] and tree.parent is None and tree.extra == {}


def test_a_model_missing_its_id_is_refused_clearly() -> None:
    with pytest.raises(KeyError, match="Tree needs 'id'"):
        default_converter.structure({"when": None}, Tree)
    with pytest.raises(TypeError, match="expected a JSON object for Tree"):
        default_converter.structure(["not", "an", "object"], Tree)


@attrs.frozen(kw_only=True)
class Parent(Model):
    id: str
    children: list[Child] | None = included()
    score: Leaf | float | None = None
    answers: dict[str, Any] = attrs.Factory(dict)


@attrs.frozen(kw_only=True)
class Child(Model):
    id: str
    parent: Parent | None = included()


def test_models_that_include_each_other_structure() -> None:
    parent = default_converter.structure(
        {"id": "p", "children": {"data": [{"id": "c", "parent": {"data": {"id": "p2"}}}]}}, Parent
    )
    assert parent.children is not None
    assert parent.children[0].parent == Parent(id="p2")


def test_a_model_or_a_bare_value() -> None:
    assert default_converter.structure({"id": "p", "score": {"id": 3}}, Parent).score == Leaf(id=3)
    assert default_converter.structure({"id": "p", "score": 42.5}, Parent).score == 42.5


def test_php_empty_arrays_become_empty_objects() -> None:
    assert default_converter.structure({"id": "p", "answers": []}, Parent).answers == {}
    assert default_converter.structure({"id": "p", "answers": {"a": 1}}, Parent).answers == {"a": 1}


def _response_models() -> list[type[Model]]:
    import tallyfy_async.models.blueprints
    import tallyfy_async.models.comments
    import tallyfy_async.models.form_fields
    import tallyfy_async.models.processes
    import tallyfy_async.models.steps
    import tallyfy_async.models.tasks  # noqa: F401

    found: list[type[Model]] = []
    pending = list(Model.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("tallyfy_async.models"):
            found.append(cls)
    return sorted(found, key=lambda c: c.__qualname__)


@pytest.mark.parametrize("model", _response_models(), ids=lambda m: m.__name__)
def test_every_response_model_reads_as_its_own_frozen_class(model: type[Model]) -> None:
    required = {a.name: "x1" for a in attrs.fields(model) if a.default is attrs.NOTHING}
    wire = {**required, "brand_new": {"n": 1}}
    before = {**wire}
    obj = default_converter.structure(wire, model)
    assert type(obj) is model
    assert wire == before  # the converter reads a copy: the caller's dict is left as it was
    assert obj.extra == {"brand_new": {"n": 1}}
    for field in attrs.fields(model):  # every slot written: nothing raises AttributeError
        getattr(obj, field.name)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        obj.extra = {}  # type: ignore[misc]
    assert obj == model(**required)  # absent fields read as their defaults
    assert pickle.loads(pickle.dumps(obj)) == obj
    assert attrs.evolve(obj).extra == obj.extra


def test_extra_is_read_only_and_models_without_one_share_it() -> None:
    # Three reads of each shape: the first goes through the general path, the next
    # through the shape it learned.
    plain = [default_converter.structure({"id": "t", "colour": "teal"}, Tree) for _ in range(3)]
    assert all(tree.extra is EMPTY for tree in plain)
    extras = [default_converter.structure({"id": "t", "new": [n]}, Tree).extra for n in range(3)]
    assert extras == [{"new": [0]}, {"new": [1]}, {"new": [2]}]
    assert all(type(extra) is ReadOnlyDict for extra in extras)
    assert Tree(id="made here").extra is EMPTY  # a model made in code shares it too
    made = Tree(id="made here", extra={"note": 1})  # and its extra is as read-only
    assert type(made.extra) is ReadOnlyDict and made.extra == {"note": 1}
    assert type(attrs.evolve(made, extra={"k": 2}).extra) is ReadOnlyDict
    assert Tree(id="made here", extra={}).extra is EMPTY
    EMPTY.__init__({"k": 1})  # dict's own way in refills nothing
    assert EMPTY == {}
    for extra in (EMPTY, extras[0]):
        for change in (
            lambda e: e.__setitem__("k", 1),
            lambda e: e.__delitem__("new"),
            lambda e: e.update(k=1),
            lambda e: e.setdefault("k", 1),
            lambda e: e.pop("new"),
            lambda e: e.popitem(),
            lambda e: e.clear(),
            lambda e: e.__ior__({"k": 1}),
        ):
            with pytest.raises(TypeError, match=r"read-only.*dict\(model.extra\)"):
                change(extra)
    assert EMPTY == {} and extras[0] == {"new": [0]}  # nothing changed
    # What users do with it still works: copy it, dump it, pickle and copy the model.
    assert dict(extras[0]) == {"new": [0]} and type(dict(extras[0])) is dict
    assert json.loads(json.dumps(extras[0])) == {"new": [0]}
    for copied in (pickle.loads(pickle.dumps(extras[0])), copy.copy(extras[0])):
        assert copied == extras[0] and type(copied) is ReadOnlyDict
    assert copy.deepcopy(extras[0])["new"] is not extras[0]["new"]
    # Keys that are not text (a Python caller's dict) are kept, never written into the
    # generated source of a learned shape.
    odd = [default_converter.structure({"id": "t", float("nan"): 1}, Tree) for _ in range(3)]
    assert all(list(tree.extra.values()) == [1] for tree in odd)
    # The empty one stays the shared one through copies and pickles, models included.
    for copied in (pickle.loads(pickle.dumps(plain[0])), copy.copy(plain[0])):
        assert copied.extra is EMPTY
    assert copy.deepcopy(plain[0]).extra is EMPTY


KNOWN = ("when", "colour", "leaves", "parent", "tags")
#: A value of each known field of Tree, as the wire sends it.
TREE_VALUES: dict[str, Any] = {
    "when": "2023-05-15T14:30:00Z",
    "colour": "teal",
    "leaves": [{"id": 1}],
    "parent": {"data": {"id": 2}},
    "tags": {"a": 1},
}
UNKNOWN = st.text(min_size=1, max_size=8).filter(lambda k: k not in {"id", "extra", *KNOWN})
JSONISH = st.none() | st.integers() | st.text(max_size=5) | st.lists(st.integers(), max_size=2)


@given(
    present=st.sets(st.sampled_from(KNOWN)),
    nulls=st.sets(st.sampled_from(KNOWN)),
    unknown=st.dictionaries(UNKNOWN, JSONISH, max_size=4),
)
def test_extra_holds_exactly_the_keys_the_model_lacks(
    present: set[str], nulls: set[str], unknown: dict[str, Any]
) -> None:
    wire = {"id": "t", **unknown}
    wire.update({k: None if k in nulls else TREE_VALUES[k] for k in present})
    before = copy.deepcopy(wire)
    tree = default_converter.structure(wire, Tree)
    assert wire == before  # nested objects too: only listings' own items are taken apart
    assert tree.extra == unknown
    given_ = {k for k in present if k not in nulls}
    assert (tree.when is not None) == ("when" in given_)
    assert (tree.colour is not None) == ("colour" in given_)
    assert tree.leaves == ([Leaf(id=1)] if "leaves" in given_ else [])
    assert tree.parent == (Leaf(id=2) if "parent" in given_ else None)
    assert tree.tags == (TREE_VALUES["tags"] if "tags" in given_ else None)


def test_repeated_timestamps_are_read_once_and_the_memory_of_them_is_bounded() -> None:
    converter = Converter()
    first = converter.structure({"id": "a", "when": "2023-05-15T14:30:00.000Z"}, Tree)
    again = converter.structure({"id": "b", "when": "2023-05-15T14:30:00.000Z"}, Tree)
    assert first.when is again.when  # one object for one timestamp
    start = datetime(2020, 1, 1, tzinfo=UTC)
    for minute in range(5000):
        moment = start + timedelta(minutes=minute)
        text = moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        assert converter.structure({"id": "c", "when": text}, Tree).when == moment
    assert len(converter._dates) <= 4096
    with pytest.raises(ValueError, match="not an ISO 8601 date"):
        converter.structure({"id": "d", "when": "15/05/2023"}, Tree)


WIRE_TREES = st.builds(
    lambda present, nulls, unknown: {
        "id": "t",
        **{k: None if k in nulls else TREE_VALUES[k] for k in present},
        **unknown,
    },
    st.sets(st.sampled_from(KNOWN)),
    st.sets(st.sampled_from(KNOWN)),
    st.dictionaries(UNKNOWN, JSONISH, max_size=2),
)


@given(st.lists(WIRE_TREES, min_size=1, max_size=12))
def test_remembered_shapes_read_exactly_like_the_first_read(wires: list[dict[str, Any]]) -> None:
    # A fresh converter reads each object twice: the first read of a shape takes it
    # apart (and remembers it), later reads of the same number of keys go through the
    # remembered shape, or fall back when the keys differ. All must agree.
    converter = Converter()
    consume = converter.item_structurer(Tree)
    for wire in wires:
        before = copy.deepcopy(wire)
        first = converter.structure(wire, Tree)
        again = converter.structure(wire, Tree)
        taken = consume(copy.deepcopy(wire))
        assert wire == before
        for tree in (again, taken):
            assert type(tree) is Tree
            assert tree == first and tree.extra == first.extra
            assert attrs.asdict(tree) == attrs.asdict(first)


def test_shapes_are_remembered_per_size_and_bounded() -> None:
    from tallyfy_async._readers import MAX_SHAPES

    converter = Converter()
    same_size = [{"id": "a", "colour": "teal"}, {"id": "b", "when": "2023-05-15T14:30:00Z"}]
    for wire in same_size * 2:  # the second shape of that size is read the general way
        tree = converter.structure(wire, Tree)
        assert tree.id == wire["id"] and tree.colour == wire.get("colour")
        assert (tree.when is None) == ("when" not in wire)
    names = [field.name for field in attrs.fields(Wide) if field.name != "extra"]
    for size in range(2, len(names) + 1):  # more sizes than are remembered
        wire = dict.fromkeys(names[:size], 1)
        assert converter.structure(wire, Wide) == Wide(**wire)
        assert converter.structure(wire, Wide) == Wide(**wire)
    remembered = converter._readers[Wide].namespace["shapes"]
    assert len(remembered) == MAX_SHAPES < len(names) - 1


@attrs.frozen(kw_only=True)
class Wide(Model):
    f0: int | None = None
    f1: int | None = None
    f2: int | None = None
    f3: int | None = None
    f4: int | None = None
    f5: int | None = None
    f6: int | None = None
    f7: int | None = None
    f8: int | None = None
    f9: int | None = None
    f10: int | None = None
    f11: int | None = None


def test_two_threads_learning_shapes_at_once_keep_each_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import builtins

    import tallyfy_async._readers as readers

    converter = Converter()
    converter.get_structure_hook(Tree)
    learn = converter._readers[Tree]._learn
    calls = {"n": 0}

    def exec_then_switch(source: str, *namespaces: Any) -> None:
        builtins.exec(source, *namespaces)
        calls["n"] += 1
        if calls["n"] == 1:  # another thread learns a shape of the same size right now
            learn(("id", "colour"))

    monkeypatch.setattr(readers, "exec", exec_then_switch, raising=False)
    learn(("id", "when"))
    monkeypatch.undo()
    for wire in ({"id": "a", "colour": "teal"}, {"id": "b", "when": "2023-05-15T14:30:00Z"}):
        tree = converter.structure(wire, Tree)
        assert tree.colour == wire.get("colour") and (tree.when is None) == ("when" not in wire)


def test_a_shape_with_keys_the_model_lacks_is_remembered_too() -> None:
    converter = Converter()
    consume = converter.item_structurer(Tree)
    wires = [{"id": str(n), "colour": "teal", "added_later": n} for n in range(3)]
    trees = [consume(dict(wire)) for wire in wires]
    assert [tree.extra for tree in trees] == [{"added_later": n} for n in range(3)]
    assert all(tree.colour == "teal" for tree in trees)
    assert 3 in converter._readers[Tree].namespace["shapes"]


def test_a_hook_registered_by_the_caller_serves_listings_too() -> None:
    converter = Converter()
    converter.structure({"id": "a"}, Leaf)  # the generated reader exists already
    converter.register_structure_hook(Leaf, lambda value, _: Leaf(id=-1))
    assert converter.item_structurer(Leaf)({"id": 5}) == Leaf(id=-1)


def test_builder_classes_are_not_models() -> None:
    from tallyfy_async._readers import is_builder
    from tallyfy_async._serde import _is_model

    tree = Converter().structure({"id": "a"}, Tree)
    builders = [cls for cls in Tree.__subclasses__() if is_builder(cls)]
    assert builders and type(tree) is Tree and _is_model(Tree)
    assert not any(_is_model(cls) for cls in builders)


@pytest.mark.parametrize(
    "field",
    [
        included(default=attrs.NOTHING),
        attrs.field(default=attrs.Factory(lambda self: [], takes_self=True)),
    ],
    ids=["required include", "factory taking self"],
)
def test_field_definitions_the_reader_cannot_serve_are_refused(field: Any) -> None:
    odd = attrs.make_class(
        "Odd", {"id": attrs.field(), "odd": field}, bases=(Model,), frozen=True, slots=True
    )
    with pytest.raises(TypeError, match="odd"):
        Converter().structure({"id": 1}, odd)


def test_a_date_out_of_range_in_utc_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="out of range"):
        parse_datetime("0001-01-01T00:00:00+01:00")


def test_a_tuple_field_reads_a_list_of_one_or_a_bare_value_alike() -> None:
    # Tallyfy's activity feed sends "verb": ["completed"] where a plain value belongs.
    from tallyfy_async.models import ActivityItem

    listed = default_converter.structure(
        {"id": 1, "verb": ["completed"], "actor_id": [7], "description": ["x"]}, ActivityItem
    )
    bare = default_converter.structure(
        {"id": 1, "verb": "completed", "actor_id": 7, "description": "x"}, ActivityItem
    )
    absent = default_converter.structure({"id": 1, "verb": None}, ActivityItem)
    assert (listed.verb, listed.actor_id, listed.description) == (("completed",), (7,), ("x",))
    assert (bare.verb, bare.actor_id, bare.description) == (("completed",), (7,), ("x",))
    assert (absent.verb, absent.actor, absent.extra) == ((), (), {})


@given(
    st.one_of(
        st.binary(max_size=8),
        st.sampled_from(
            ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32"]
        ).flatmap(lambda codec: st.text(max_size=4).map(lambda text: text.encode(codec))),
    )
)
def test_the_json_encoding_is_the_one_json_detect_encoding_gives(data: bytes) -> None:
    # A shortcut for the common UTF-8 body; never a different answer.
    assert json_encoding(data) == json.detect_encoding(data)


@pytest.mark.parametrize(
    ("content_type", "raw", "expected"),
    [
        ("application/json; charset=utf-8", b'{"a": 1}', {"a": 1}),
        ("Application/JSON", b"[1]", [1]),
        ("application/vnd.api+json", b"[1]", [1]),
        ("text/html; charset=latin-1", "café".encode("latin-1"), "café"),
        ('text/plain; format=flowed; charset="iso-8859-1"', b"\xe9", "é"),
        ("text/plain; charset=no-such-codec", "café".encode(), "café"),
        ("text/plain; profile=json", b"not json", "not json"),
        ("", b"plain", "plain"),
        # Not a media type at all, as aiohttp reads them: text, not JSON.
        ("json", b"not json", "not json"),
        ("application/json/x", b"not json", "not json"),
        # Parameters read as the email package reads them: quoted semicolons.
        ('text/plain; x="a;charset=utf-8"; charset=latin-1', b"\xe9", "é"),
        # A codec that is not for text reads as UTF-8, not as an error.
        ("text/plain; charset=idna", "café".encode(), "café"),
    ],
)
def test_a_body_is_read_from_the_content_type_header_as_it_came(
    content_type: str, raw: bytes, expected: Any
) -> None:
    assert decode_body(404, content_type, raw) == expected
