"""From a delivery (headers and body) to a typed event.

The organization header is checked first (it is the only authenticity signal Tallyfy
sends), then the body's size, then the body itself: JSON, one of the two documented
shapes, every date readable without guessing. Each refusal is a
:class:`~tallyfy_async.webhooks.WebhookError` subclass carrying the HTTP status a
receiver answers with.
"""

from __future__ import annotations

import functools
import hashlib
import json
import types
import typing
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import datetime, tzinfo
from typing import Any, Final, TypeVar

import attrs

from tallyfy_async._constants import WEBHOOK_MAX_BODY_BYTES
from tallyfy_async._serde import (
    Converter,
    _is_model,
    _without_none,
    json_loads,
    orjson,
    stdlib_json_loads,
)
from tallyfy_async.webhooks._dates import read_webhook_date, time_zone
from tallyfy_async.webhooks._errors import (
    MissingOrganizationError,
    UnexpectedOrganizationError,
    WebhookError,
    WebhookNotJSONError,
    WebhookShapeError,
    WebhookTooLargeError,
)
from tallyfy_async.webhooks._events import (
    EventKind,
    OtherEvent,
    ProcessEvent,
    TaskCompletedEvent,
    WebhookEvent,
)

T = TypeVar("T")

#: The header Tallyfy names the organization in.
ORG_HEADER: Final = "X-Tallyfy-orgID"

#: Wire names that are not Python names (top level), and ``this_task``, read as ``task``.
_TOP_LEVEL: Final[dict[str, str]] = {
    "this_task": "task",
    "process-tasks": "process_tasks",
    "form-fields": "form_fields",
    "ko-form-fields": "ko_form_fields",
    "guest-links": "guest_links",
}

#: Keys only a process payload has (a task payload nests its process under ``process``).
_PROCESS_KEYS: Final = frozenset({"checklist_id", "process_tasks", "increment_id", "prerun"})

_KINDS: Final = {kind.value: kind for kind in EventKind}
#: The events read into models; any other named event is an :class:`OtherEvent`.
_MODELLED: Final = frozenset(
    {EventKind.PROCESS_LAUNCHED, EventKind.PROCESS_COMPLETED, EventKind.TASK_COMPLETED}
)

#: What a time-zone argument may be: one zone for every organization, or one per org id.
TimeZones = str | tzinfo | Mapping[str, str | tzinfo] | None


class Organizations:
    """The organizations a receiver accepts, and the time zone of each."""

    __slots__ = ("_given", "_zone", "_zones", "expected")

    def __init__(self, org_id: str | Iterable[str], timezone: TimeZones = None) -> None:
        if isinstance(org_id, str):
            ids: list[object] = [org_id]
        else:
            ids = list(org_id) if isinstance(org_id, Iterable) else []
        if not ids or not all(isinstance(i, str) and i.strip() for i in ids):
            raise ValueError(
                "org_id must name the organization(s) whose deliveries to accept: an id, "
                f"or a collection of ids; got {org_id!r:.80}"
            )
        #: Each id as the receiver was given it, by its lower-case form.
        self._given = {str(i).strip().lower(): str(i).strip() for i in ids}
        #: Lower-case ids (Tallyfy's ids are lower-case hex; the header is compared as is).
        self.expected = frozenset(self._given)
        self._zone: tzinfo | None = None
        self._zones: dict[str, tzinfo] = {}
        if isinstance(timezone, Mapping):
            self._zones = {str(k).strip().lower(): time_zone(v) for k, v in timezone.items()}
        elif timezone is not None:
            self._zone = time_zone(timezone)

    def check(self, headers: Mapping[str, str]) -> str:
        """The organization id of a delivery, once the header is found acceptable.

        Raises:
            MissingOrganizationError, UnexpectedOrganizationError: 403.
        """
        org_id = _header(headers, ORG_HEADER)
        if org_id is None or not org_id.strip():
            raise MissingOrganizationError()
        org_id = org_id.strip()
        if org_id.lower() not in self.expected:
            raise UnexpectedOrganizationError(org_id, self.expected)
        # As the receiver was given it: events and their dedupe keys then name the
        # organization the same way whatever case a delivery's header used.
        return self._given[org_id.lower()]

    def zone(self, org_id: str) -> tzinfo | None:
        """The time zone of ``org_id``'s webhook dates, when one was given."""
        if self._zones:
            return self._zones.get(org_id.lower(), self._zone)
        return self._zone


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """A header by name, whatever its case (aiohttp's headers already ignore case)."""
    value = headers.get(name)
    if value is not None:
        return value
    lower = name.lower()
    for key, found in headers.items():
        if key.lower() == lower:
            return found
    return None


def check_size(size: int, limit: int) -> None:
    """Raise :class:`WebhookTooLargeError` when ``size`` is over ``limit``."""
    if size > limit:
        raise WebhookTooLargeError(size, limit)


def read_event(body: bytes | str, org_id: str, zone: tzinfo | None) -> WebhookEvent:
    """The event in a body whose organization header was accepted.

    Raises:
        WebhookNotJSONError, WebhookShapeError, WebhookDateError: 400.
        UnexpectedOrganizationError: when the body names another organization (403).
    """
    try:
        data = _loads(body)
    except (ValueError, RecursionError, UnicodeDecodeError):
        raise WebhookNotJSONError(
            "webhook refused: the body is not JSON (Tallyfy posts a JSON object)"
        ) from None
    if not isinstance(data, dict):
        raise WebhookShapeError(
            f"webhook refused: the body is JSON {type(data).__name__}, not the object of a "
            "process or task-completion payload"
        )
    named = data.get("event")
    if named is not None and not (isinstance(named, str) and named.strip()):
        raise WebhookShapeError(f"webhook refused: its event is {named!r:.60}, not a name")
    kind = None if named is None else _KINDS.get(named)
    if named is not None and kind not in _MODELLED:
        # Named, but not one the SDK reads into a model: acknowledged as it came.
        return OtherEvent(
            org_id=org_id, event=named, kind=kind, payload=data, payload_digest=_digest(data)
        )
    is_task = "this_task" in data
    fields: dict[str, Any] = data  # freshly parsed: ours to rename keys in
    for wire, name in _TOP_LEVEL.items():
        if wire in fields:
            fields[name] = fields.pop(wire)
    fields["org_id"] = org_id
    converter = _converter(zone)
    if is_task:
        if kind not in (None, EventKind.TASK_COMPLETED):
            raise WebhookShapeError(f"webhook refused: a task payload named {named!r:.60}")
        task = fields["task"]
        if type(task) is dict:
            # Who completed it, and with what answers: what tells a second completion
            # within the minute of the first apart from a second delivery of it.
            fields["completion_digest"] = _digest(
                [fields.get("completer"), task.get("completed_by"), task.get("captures")]
            )
        fields["kind"] = EventKind.TASK_COMPLETED
        _tidy_task_payload(fields, org_id)
        return _structure(converter, fields, TaskCompletedEvent)
    if "id" in fields and not _PROCESS_KEYS.isdisjoint(fields):
        if kind is EventKind.TASK_COMPLETED:
            raise WebhookShapeError("webhook refused: a process payload named task.completed")
        if kind is None:
            done = fields.get("completed_at") is not None
            kind = EventKind.PROCESS_COMPLETED if done else EventKind.PROCESS_LAUNCHED
        fields["kind"] = kind
        return _structure(converter, fields, ProcessEvent)
    keys = sorted(str(key) for key in data if key != "org_id")
    shown = ", ".join(f"{key:.40}" for key in keys[:8]) or "none"
    if len(keys) > 8:
        shown += f" and {len(keys) - 8} more"
    raise WebhookShapeError(
        "webhook refused: neither a task-completion payload (no this_task) nor a process "
        f"payload (id with checklist_id, process-tasks...); top-level keys: {shown}"
    )


def _loads(body: bytes | str) -> Any:
    """The body's JSON. orjson refuses half a surrogate pair (``"\ud800"``), which JSON's
    grammar allows: such a body is read again by ``json``, as a receiver without orjson
    reads it, rather than refused and lost (Tallyfy never sends a delivery again)."""
    try:
        return json_loads(body)
    except ValueError:
        if orjson is None:
            raise
    return stdlib_json_loads(body)


def _digest(value: Any) -> str:
    """A digest of decoded JSON, whatever the order of its keys or the layout of its text."""
    try:
        return hashlib.blake2b(_canonical(value), digest_size=12).hexdigest()
    except RecursionError:  # orjson reads deeper than json writes
        raise WebhookShapeError("webhook refused: its JSON is nested too deeply") from None


#: Canonical JSON: keys sorted, no spaces, text as it is (not ``\u`` escapes).
_CANONICAL: Final = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _canonical(value: Any) -> bytes:
    """``value`` as canonical JSON in UTF-8, the same bytes in every process of a fleet
    (the digests are dedupe keys in a shared store), with orjson or without it.

    orjson writes it ten times faster and byte for byte as ``json`` does, except floats
    under 1e-4 (``0.00001``, ``1e-7`` where ``json`` writes ``1e-05``, ``1e-07``) and
    integers past 64 bits (which it refuses): those are left to ``json``. A lone
    surrogate (``"\ud800"``, which only ``json`` parses) is kept as it came.
    """
    if orjson is not None:
        try:
            text: bytes = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
        except TypeError:  # JSONEncodeError: an integer past 64 bits
            pass
        else:
            if not _small_float_in(text):
                return text
    return _CANONICAL.encode(value).encode("utf-8", "surrogatepass")


def _small_float_in(text: bytes) -> bool:
    """Whether orjson's ``text`` may hold a float under 1e-4 (a string that looks like
    one only costs the slower path)."""
    if b"0.0000" in text:
        return True
    at = text.find(b"e-")
    while at > 0:
        if 48 <= text[at - 1] <= 57:  # a digit before: 1e-7
            return True
        at = text.find(b"e-", at + 2)
    return False


def _tidy_task_payload(fields: dict[str, Any], org_id: str) -> None:
    """The task payload's ``ClientURL``; and the organization named in the body must be
    the header's."""
    process = fields.get("process")
    if type(process) is dict:
        if "ClientURL" in process:
            process["client_url"] = process.pop("ClientURL")
        named = process.get("organization_id")
        if isinstance(named, str) and named.strip().lower() != org_id.lower():
            raise UnexpectedOrganizationError(
                org_id,
                {org_id},
                detail=f"webhook refused: X-Tallyfy-orgID is {org_id!r:.60} but the "
                f"payload's process belongs to {named!r:.60}",
            )


def _structure(converter: _EventConverter, fields: dict[str, Any], model: type[T]) -> T:
    try:
        return converter.read(model, fields)
    except WebhookError:
        raise
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise WebhookShapeError(
            f"webhook refused: not a {model.__name__} payload as documented ({exc!s:.200})"
        ) from None


# --- the converter ------------------------------------------------------------------

_JSON_TYPES: Final[dict[Any, type | tuple[type, ...]]] = {
    str: str,
    int: int,
    float: (int, float),
    bool: bool,
    list: list,
    dict: dict,
    type(None): type(None),
}


def _json_union(tp: Any) -> bool:
    """``int | str``, ``FieldValue``...: unions of plain JSON types."""
    if typing.get_origin(tp) not in (typing.Union, types.UnionType):
        return False
    return all((typing.get_origin(a) or a) in _JSON_TYPES for a in typing.get_args(tp))


def _any_json(tp: Any) -> bool:
    """A union every JSON value belongs to (``FieldValue``): nothing to check or convert."""
    if not _json_union(tp):
        return False
    return {typing.get_origin(a) or a for a in typing.get_args(tp)} >= {
        str,
        int,
        float,
        bool,
        list,
        dict,
    }


def _check_json(tp: Any) -> Callable[[Any, Any], Any]:
    accepted = tuple(
        {t for a in typing.get_args(tp) for t in _flat(_JSON_TYPES[typing.get_origin(a) or a])}
    )

    def hook(value: Any, _: Any) -> Any:
        if not isinstance(value, accepted):
            raise TypeError(f"{type(value).__name__} {value!r:.40} where {tp} belongs")
        return value

    return hook


#: Plain field types, and what JSON values each takes (a bool is no int, nor a float).
_SCALARS: Final[dict[type, tuple[type, ...]]] = {
    str: (str,),
    int: (int,),
    float: (int, float),
    bool: (bool,),
}


def _scalar(tp: Any) -> type | None:
    """``str``, ``int``, ``float`` or ``bool`` when ``tp`` is one (or it ``| None``)."""
    plain, _ = _without_none(tp)
    return plain if plain in _SCALARS else None


def _check_scalar(tp: type) -> Callable[[Any], Any]:
    """The slow path of a plain field's check: the value, if JSON gave it that type."""
    accepted = _SCALARS[tp]

    def check(value: Any) -> Any:
        if isinstance(value, accepted) and (tp is bool or not isinstance(value, bool)):
            return value
        raise TypeError(f"{type(value).__name__} {value!r:.40} where {tp.__name__} belongs")

    return check


def _refuse_null(
    read: Callable[..., Any], model: type, required: tuple[str, ...]
) -> Callable[..., Any]:
    """``read``, refusing a null where ``model`` requires a value (an event without an
    id would be deduplicated and reported as ``None``)."""

    def checked(value: Any, *rest: Any) -> Any:
        read_model = read(value, *rest)
        for name in required:
            if getattr(read_model, name) is None:
                raise TypeError(f"{model.__name__}.{name} is null; a value is required")
        return read_model

    return checked


def _is_mapping(tp: Any) -> bool:
    return typing.get_origin(tp) is dict


def _flat(value: type | tuple[type, ...]) -> tuple[type, ...]:
    return value if isinstance(value, tuple) else (value,)


class _EventConverter(Converter):
    """The SDK's converter, reading dates in the organization's webhook format.

    PHP writes an empty object as ``[]``: every mapping field reads ``[]`` as empty.
    """

    def __init__(self, zone: tzinfo | None) -> None:
        super().__init__()
        self.zone = zone
        self._events: dict[type, Callable[[Any], Any]] = {}
        self.register_structure_hook(datetime, lambda v, _: self._read_date(v))
        self.register_structure_hook_factory(_json_union, _check_json)
        self.register_structure_hook_factory(_is_mapping, self._mapping_hook)

    def read(self, model: type[T], fields: dict[str, Any]) -> T:
        """``fields`` (freshly parsed, taken apart as they are read) as ``model``."""
        read = self._events.get(model)
        if read is None:
            read = self._events[model] = self.item_structurer(model)
        event: T = read(fields)
        return event

    def _field_expr(self, var: str, tp: Any, namespace: dict[str, Any], slot: str) -> str:
        if _any_json(tp):
            return var
        plain, optional = _without_none(tp)
        if optional and _is_model(plain):
            # PHP writes an empty object as []: documented for next_task ("no next
            # task"), and so for any optional object (a guest's completion has no
            # completed_by member, an unassigned task no owners): read as None.
            read = super()._field_expr(var, tp, namespace, slot)
            return f"(None if type({var}) is list and not {var} else {read})"
        scalar = _scalar(tp)
        if scalar is not None:  # the client's converter trusts these; a delivery is checked
            namespace[slot] = _check_scalar(scalar)
            namespace[slot + "_t"] = scalar
            return f"({var} if type({var}) is {slot}_t else {slot}({var}))"
        return super()._field_expr(var, tp, namespace, slot)

    def _make_model_hook(self, cls: type) -> Callable[[Any, Any], Any]:
        hook = super()._make_model_hook(cls)
        required = tuple(
            field.name
            for field in attrs.fields(cls)
            if field.default is attrs.NOTHING and field.name != "kind"  # kind: set here
        )
        reader = self._readers[cls]
        if not required or hook is not reader.structure:
            return hook
        # A generated reader reads a null as None even where a value is required.
        reader.structure = _refuse_null(reader.structure, cls, required)
        reader.consume = _refuse_null(reader.consume, cls, required)
        return reader.structure

    def _model_hook(self, model: type) -> Callable[[Any], Any]:
        # Every object of a payload is freshly parsed: nested models too are read by
        # taking their dicts apart, not copies of them.
        hook = super()._model_hook(model)
        reader = self._readers.get(model)
        if reader is not None and hook is reader.structure:
            consume: Callable[[Any], Any] = reader.consume
            return consume
        return hook

    def _read_date(self, text: str) -> datetime:
        parsed = read_webhook_date(text, self.zone)
        if len(self._dates) >= 4096:
            self._dates.clear()
        self._dates[text] = parsed
        return parsed

    def _mapping_hook(self, tp: Any) -> Callable[[Any, Any], Any]:
        value_type = (typing.get_args(tp) or (Any, Any))[1]
        plain = value_type in (Any, object) or _any_json(value_type)
        # The values are freshly parsed: read them apart rather than copy them.
        read = None if plain else self.item_structurer(value_type)

        def hook(value: Any, _: Any) -> dict[Any, Any]:
            if type(value) is list and not value:
                return {}
            if not isinstance(value, dict):
                raise TypeError(f"expected a JSON object, got {type(value).__name__}")
            if read is None:
                return value  # plain JSON values, freshly parsed
            return {key: read(item) for key, item in value.items()}

        return hook


@functools.lru_cache(maxsize=64)
def _converter(zone: tzinfo | None) -> _EventConverter:
    """One converter per time zone (a converter remembers the dates it has read)."""
    return _EventConverter(zone)


# --- the public function -------------------------------------------------------------


def parse(
    body: bytes | str,
    headers: Mapping[str, str],
    *,
    expected_org_id: str | Collection[str],
    timezone: TimeZones = None,
    max_body_size: int = WEBHOOK_MAX_BODY_BYTES,
) -> WebhookEvent:
    """Turn one webhook delivery into a typed event.

    Args:
        body: the request body, as received.
        headers: the request headers (any mapping; the name is matched whatever its case).
        expected_org_id: the organization whose deliveries are accepted, or a collection
            of them (a service receiving for many customers).
        timezone: the organization's IANA time zone (``"America/Chicago"``), or a mapping
            of organization id to time zone. Needed only when the organization writes
            webhook dates as ``d/m/Y h:i A T`` with an abbreviation that means several
            offsets (``CST``...); see :class:`WebhookDateError`.
        max_body_size: bodies longer than this many bytes are refused before parsing.

    Returns:
        A :class:`ProcessEvent` (launched or completed) or a :class:`TaskCompletedEvent`;
        an :class:`OtherEvent` for a payload whose ``event`` names another event
        (``task.assigned``...), its payload as sent.

    Raises:
        MissingOrganizationError, UnexpectedOrganizationError: the ``X-Tallyfy-orgID``
            header is missing or not expected (a receiver answers 403).
        WebhookTooLargeError: the body is over ``max_body_size`` (413).
        WebhookNotJSONError, WebhookShapeError, WebhookDateError: the body is not JSON,
            not a documented payload, or has a date that cannot be read without a
            guess (400).
        ValueError: for an unknown time zone name.
    """
    organizations = Organizations(expected_org_id, timezone)
    org_id = organizations.check(headers)
    size = len(body) if isinstance(body, bytes | bytearray) else len(body.encode())
    check_size(size, max_body_size)
    return read_event(body, org_id, organizations.zone(org_id))
