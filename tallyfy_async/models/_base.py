"""What every response model shares.

Models are frozen, slotted attrs classes, structured by the SDK's one converter
(``_serde.Converter``): keys a model does not declare land in ``extra``, never
dropped; enumerations are :class:`~tallyfy_async._serde.OpenStrEnum` so unknown
values pass through; Fractal includes (``with=``) are unwrapped from their
``{"data": ...}`` envelope into typed fields declared with :func:`included`.

A model prints as one short line (``Process(id='…', name='Onboard Jane',
status='active')``): a notebook shows a listing of a thousand of them without scrolling
through pages of ``None``. ``to_dict()`` gives every field. In Jupyter a model shows as a
table of the fields it has set (``_repr_html_``), secrets masked.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any, Final, TypeVar

import attrs

from tallyfy_async._readers import EXTRA, INCLUDE
from tallyfy_async._readonly import EMPTY, read_only

T = TypeVar("T")

#: Fields a model's repr shows, in order: its id, what a person calls it, its state.
NAMING = ("title", "name", "label", "full_name", "text", "automated_alias", "content", "message")
STATE = ("status", "state")
#: Field metadata key: the value grants access (a guest's forever link); tables mask it.
SENSITIVE: Final = "tallyfy_sensitive"
#: The longest repr, and the longest text of a naming field in it.
_REPR_LIMIT = 120
_TEXT_LIMIT = 40


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())  # one line, whatever the title holds
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _jsonable(value: Any) -> Any:
    """``value`` with datetimes, dates and times as ISO 8601 strings and enums as values."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, enum.Enum):
        return _jsonable(value.value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def _plain(value: Any) -> Any:
    """``value`` as :meth:`Model.to_dict` gives it: every model (nested ones too) a dict
    of its fields after its ``extra`` keys; lists, tuples and sets as lists; dicts copied.
    """
    cls = type(value)
    if attrs.has(cls):
        data = {
            field.name: _plain(getattr(value, field.name))
            for field in attrs.fields(cls)
            if field.name != EXTRA
        }
        extra = getattr(value, EXTRA, None)
        return {**extra, **data} if extra else data
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {_plain(key): _plain(item) for key, item in value.items()}
    return value


@attrs.frozen(kw_only=True)
class Model:
    """Base of every response model.

    A model with an ``id`` hashes by its class and id, so records go in sets and serve as
    dict keys; equality still compares every field (equal models have equal ids).

    Attributes:
        extra: keys Tallyfy sent that the model does not declare, as received; read-only
            like the model (``dict(model.extra)`` is a copy to change).
    """

    extra: Mapping[str, Any] = attrs.field(default=EMPTY, converter=read_only, repr=False, eq=False)

    @classmethod
    def __attrs_init_subclass__(cls) -> None:
        # attrs writes a repr of every field for each model class; the short one replaces it.
        cls.__repr__ = Model.__repr__  # type: ignore[method-assign]
        # attrs hashes every field, and dict and list values cannot be hashed; the id
        # alone keeps hash consistent with equality (equal models share their id).
        if "id" in attrs.fields_dict(cls):
            cls.__hash__ = Model._hash_by_id  # type: ignore[method-assign,assignment]

    def _hash_by_id(self) -> int:
        return hash((type(self), self.id))  # type: ignore[attr-defined]  # subclasses have it

    def __repr__(self) -> str:
        names = {a.name for a in attrs.fields(type(self))}
        shown: list[tuple[str, Any]] = []
        for group in (("id",), NAMING, STATE):
            for name in group:
                value = getattr(self, name) if name in names else None
                if value is not None and value != "":
                    shown.append((name, value))
                    break
        if not shown:  # a small part of a model (owners, an option): its set fields
            for field in attrs.fields(type(self)):
                value = getattr(self, field.name)
                if field.repr and value not in (None, "", [], {}):
                    shown.append((field.name, value))
        return self._fit(shown)

    def _fit(self, shown: list[tuple[str, Any]]) -> str:
        head = type(self).__name__
        parts = []
        for name, value in shown:
            if isinstance(value, enum.Enum):
                value = value.value
            text = repr(_shorten(value, _TEXT_LIMIT)) if isinstance(value, str) else repr(value)
            parts.append(f"{name}={text}")
        line = f"{head}({', '.join(parts)})"
        if len(line) > _REPR_LIMIT:
            line = line[: _REPR_LIMIT - 2] + "…)"
        return line

    def _repr_html_(self) -> str:
        """The model as an HTML table of the fields it has set (Jupyter shows it)."""
        from tallyfy_async._tables import html_model

        return html_model(self)

    def to_dict(self) -> dict[str, Any]:
        """The model as a plain dict (nested models too), ``extra`` keys merged in (a
        nested model's into its own dict), before the declared fields.

        Datetimes and enums stay as they are; :meth:`to_json_dict` turns them into text.
        Handy for tables: ``pandas.DataFrame([t.to_dict() for t in tasks])``.
        """
        result: dict[str, Any] = _plain(self)
        return result

    def to_json_dict(self) -> dict[str, Any]:
        """:meth:`to_dict` made JSON-ready: datetimes as ISO 8601 text (with their UTC
        offset), enums as their values. ``json.dumps(model.to_json_dict())`` always works.
        """
        result: dict[str, Any] = _jsonable(self.to_dict())
        return result

    def to_json(self, **dumps_kwargs: Any) -> str:
        """:meth:`to_json_dict` as JSON text; keyword arguments go to :func:`json.dumps`."""
        return json.dumps(self.to_json_dict(), **dumps_kwargs)


def included(*, default: Any = None) -> Any:
    """A field filled by a ``with=`` include, sent as ``{"data": ...}`` and unwrapped."""
    return attrs.field(default=default, metadata={INCLUDE: True})


def sensitive(*, default: Any = None) -> Any:
    """A field whose value grants access (a guest's forever link): tables mask it."""
    return attrs.field(default=default, metadata={SENSITIVE: True})
