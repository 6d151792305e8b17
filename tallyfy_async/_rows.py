"""Wire dicts straight to JSON-ready rows: what ``model.to_json_dict()`` gives, without the model.

An export to a file needs the row, not the model. Building a frozen model per record and
then taking it apart again (``attrs.asdict``, then every value made JSON-ready) costs more
than reading the JSON; :func:`row_reader` reads a wire dict (as a listing's ``.raw()``
yields it) into the very row ``to_json_dict()`` would give for the model the converter
builds from it: the keys the model does not declare first, then every field in the
model's order, defaults for the absent ones, includes unwrapped, dates as ISO 8601 with
their UTC offset, enums as their values, nested models as dicts (their own unknown keys
first, as ``to_dict()`` puts them).

Fields whose wire value is already the row's (text, numbers, flags, plain lists and dicts)
are copied as they are; every other field goes through the expression the converter's
generated reader uses for it, then as ``to_json_dict()`` turns its value into JSON.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Any

import attrs

from tallyfy_async._readers import EXTRA, INCLUDE
from tallyfy_async._serde import Converter
from tallyfy_async.models._base import _jsonable, _plain

#: A wire dict in (taken apart), its row out.
RowReader = Callable[[dict[str, Any]], dict[str, Any]]

_REQUIRED = object()


def _default(field: attrs.Attribute[Any]) -> Any:
    """A factory of the field's default (the row's value when the wire has none)."""
    default: Any = field.default
    if default is attrs.NOTHING:
        return _REQUIRED
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        factory: Callable[[], Any] = default.factory
        return lambda: _jsonable(_plain(factory()))
    value = _jsonable(_plain(default))
    return lambda: value


def row_reader(converter: Converter, model: type[Any]) -> RowReader:
    """A function reading wire dicts of ``model`` into ``to_json_dict()`` rows.

    It takes each dict apart as it reads it: give it only dicts nobody else will read.

    Raises (from the returned function):
        KeyError: a required field is missing.
        TypeError, ValueError: a value does not read as its field's type.
    """
    hints = typing.get_type_hints(model)
    plan: list[tuple[str, bool, Any, Callable[[Any], Any] | None]] = []
    for index, field in enumerate(attrs.fields(model)):
        if field.name == EXTRA:
            continue
        namespace: dict[str, Any] = {}
        expr = converter._field_expr("v", hints.get(field.name, Any), namespace, f"h{index}")
        read: Callable[[Any], Any] | None = None
        if expr != "v":
            namespace["finish"] = lambda value: _jsonable(_plain(value))
            exec(f"def read(v):\n    return finish({expr})", namespace)
            read = namespace["read"]
        plan.append((field.name, bool(field.metadata.get(INCLUDE)), _default(field), read))

    def read_row(item: dict[str, Any]) -> dict[str, Any]:
        if type(item) is not dict:
            raise TypeError(f"expected a JSON object for {model.__name__}, got {item!r:.80}")
        values: dict[str, Any] = {}
        take = item.pop
        for name, include, default, read in plan:
            value = take(name, _REQUIRED)
            if value is _REQUIRED:
                if default is _REQUIRED:
                    raise KeyError(f"{model.__name__} needs {name!r}; the response has none")
                values[name] = default()
                continue
            if include and type(value) is dict and "data" in value:
                value = value["data"]
            if value is None:
                values[name] = None if default is _REQUIRED else default()
            elif read is None:
                values[name] = value
            else:
                values[name] = read(value)
        # What is left is what the model would keep in `extra`: first, as to_dict() puts it.
        return {**item, **values} if item else values

    return read_row


__all__ = ["RowReader", "row_reader"]
