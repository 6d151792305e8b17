"""Readers generated per response model: wire dicts in, frozen attrs objects out.

This is the hot path of typed paging, so each model gets Python source written for its
exact fields (``exec``) rather than a generic loop. Three ideas carry the speed:

- **Build in a mutable subclass, then hand over.** Writing the slots of a frozen class
  goes through its ``__setattr__`` override: about 40 ns a field, most of the cost of a
  58-field task. A subclass with ``object``'s own ``__setattr__`` and ``__delattr__`` lets
  CPython write slots in place (a few ns); it adds no slot, so ``obj.__class__ = cls``
  hands the finished object over without comparing layouts. Callers get a true, frozen
  ``cls``.
- **Take fields out of the dict.** The general path pops every field from the wire
  object: what is left is exactly ``extra``, with no check key by key.
- **Remember shapes.** Once an object has been read, its key set is remembered (by how
  many keys it had; keys the model lacks included). The next object with that many keys
  is read with one C-level ``itemgetter`` call instead of a ``pop`` per field; it has
  exactly those keys when the call finds them all. A listing's items all have the same
  shape, so after its first item every item takes this path, and the wire dict is left
  as it was.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from typing import Any, Final

import attrs

from tallyfy_async._readonly import EMPTY, ReadOnlyDict, read_only

#: The field every response model has for the keys it does not declare.
EXTRA: Final = "extra"
#: Field metadata key: the field is a Fractal include, sent as ``{"data": ...}``.
INCLUDE: Final = "tallyfy_include"

#: Class attribute marking a builder subclass (never a model of its own).
BUILDER: Final = "__tallyfy_builder__"

#: Shapes remembered per model (a listing has one; single reads a few more).
MAX_SHAPES: Final = 8

#: ``(var, type, namespace, slot) -> expression`` turning ``var`` (not None) into ``type``.
FieldExpr = Callable[[str, Any, dict[str, Any], str], str]


@attrs.frozen
class _Field:
    """One model field, as the generated source reads it."""

    name: str
    var: str
    expr: str  # turns `var` (not None) into the field's value
    default: str  # what an absent or null value reads as; "" when the field is required
    include: bool

    def assign(self, indent: str) -> list[str]:
        """Lines setting the field from ``var`` (None when the wire had null)."""
        lines = []
        if self.include:
            unwrap = f"if type({self.var}) is dict and 'data' in {self.var}"
            lines.append(f"{indent}{unwrap}: {self.var} = {self.var}['data']")
        default = self.default or "None"
        if self.expr == self.var and default == "None":
            lines.append(f"{indent}obj.{self.name} = {self.var}")
        else:
            lines.append(
                f"{indent}obj.{self.name} = {default} if {self.var} is None else {self.expr}"
            )
        return lines


class ModelReader:
    """The generated reader of one response model.

    Attributes:
        structure: ``structure(value, _=None)``, the cattrs hook: never changes ``value``.
        consume: ``consume(value)``, for listings: may take ``value`` apart.
    """

    def __init__(self, cls: type, hints: dict[str, Any], field_expr: FieldExpr) -> None:
        self.cls = cls
        self.namespace: dict[str, Any] = {
            "cls": cls,
            "builder": _builder(cls),
            "new": object.__new__,
            "shapes": {},
            "learn": self._learn,
            "EMPTY": EMPTY,
            "readonly": ReadOnlyDict,
            "read_only": read_only,
            "max_shapes": MAX_SHAPES,
        }
        namespace = self.namespace
        self.fields = [
            _Field(
                name=field.name,
                var=f"v{index}",
                expr=field_expr(f"v{index}", hints.get(field.name, Any), namespace, f"h{index}"),
                default=_default(field, namespace, f"d{index}"),
                include=bool(field.metadata.get(INCLUDE)),
            )
            for index, field in enumerate(attrs.fields(cls))
            if field.name != EXTRA
        ]
        exec("\n".join(self._source()), self.namespace)
        self.structure: Callable[..., Any] = self.namespace["structure"]
        self.consume: Callable[[Any], Any] = self.namespace["consume"]

    def _source(self) -> list[str]:
        name = self.cls.__name__
        refuse = f"raise TypeError('expected a JSON object for {name}, got ' + repr(value)[:80])"
        lines = [
            # A known shape is read without touching the dict; otherwise `structure` hands
            # `take_apart` a copy, so a caller's dict is never changed (nested models get
            # copies too: their hooks are the `structure` ones).
            "def structure(value, _=None):",
            "    if type(value) is not dict:",
            f"        {refuse}",
            *_try_shape,
            "    return take_apart(value.copy())",
            "def consume(value):",
            "    if type(value) is not dict:",
            f"        {refuse}",
            *_try_shape,
            "    return take_apart(value)",
            "def take_apart(value):",
            "    new_shape = len(value) not in shapes and len(shapes) < max_shapes",
            "    keys = tuple(value) if new_shape else None",
            "    take = value.pop",
            "    obj = new(builder)",
        ]
        present: list[str] = []  # includes, when the object has some
        absent: list[str] = []
        for index, field in enumerate(self.fields):
            if field.include:
                present.append(f"        {field.var} = take({field.name!r}, None)")
                present += field.assign("        ")
                absent.append(f"        obj.{field.name} = {field.default}")
            elif not field.default:  # required
                message = f"{name} needs {field.name!r}; the response has none"
                self.namespace[f"m{index}"] = message
                lines += [
                    "    try:",
                    f"        {field.var} = take({field.name!r})",
                    "    except KeyError:",
                    f"        raise KeyError(m{index}) from None",
                    *field.assign("    "),
                ]
            else:
                lines.append(f"    {field.var} = take({field.name!r}, None)")
                lines += field.assign("    ")
        # Keys are left only when the object carries includes (`with=`) or keys the model
        # lacks: one truth test in the common case. What is left is copied before it is
        # kept: its table still has room for every key it once held. Without keys left
        # the object shares the one empty extra (no new object per item for the garbage
        # collector to count): `read_only`, the rule `Model.extra` converts with.
        lines += [
            "    if value:",
            *present,
            "        obj.extra = read_only(value)",
            "    else:",
            *absent,
            "        obj.extra = EMPTY",
            "    if keys is not None:",
            "        learn(keys)",
            "    obj.__class__ = cls",
            "    return obj",
        ]
        return lines

    def _learn(self, keys: tuple[str, ...]) -> None:
        """Remember the key set ``keys`` as a shape read with one ``itemgetter``.

        Keys the model lacks are part of the shape (they become ``extra``), so a field
        Tallyfy adds tomorrow does not send every item down the general path.
        """
        shapes: dict[int, Any] = self.namespace["shapes"]
        if len(keys) < 2 or len(keys) in shapes:  # itemgetter of one key gives no tuple
            return
        if not all(type(key) is str for key in keys):  # JSON's keys are text; these go
            return  # into the generated source by repr, so nothing else is learned
        by_name = {field.name: field for field in self.fields}
        targets = []
        assign: list[str] = []
        extra: list[str] = []
        for position, key in enumerate(keys):
            field = by_name.get(key)
            if field is None:
                targets.append(f"x{position}")
                extra.append(f"{key!r}: x{position}")
            else:
                targets.append(field.var)
                assign += field.assign("    ")
        kept = f"readonly({{{', '.join(extra)}}})" if extra else "EMPTY"
        lines = [
            "def read_shape(values):",
            f"    ({', '.join(targets)},) = values",
            "    obj = new(builder)",
            *assign,
            *(f"    obj.{f.name} = {f.default}" for f in self.fields if f.name not in keys),
            f"    obj.extra = {kept}",
            "    obj.__class__ = cls",
            "    return obj",
        ]
        # Into a dict of its own, not the shared namespace: two threads learning two
        # shapes at once must not swap their functions.
        defined: dict[str, Any] = {}
        exec("\n".join(lines), self.namespace, defined)
        shapes.setdefault(len(keys), (operator.itemgetter(*keys), defined["read_shape"]))


#: Lines trying the remembered shape of `value`'s size (source shared by both entries).
_try_shape: Final = (
    "    shape = shapes.get(len(value))",
    "    if shape is not None:",
    "        get_values, read_shape = shape",
    "        try:",
    "            values = get_values(value)",
    "        except KeyError:",  # the same number of keys, not the same keys
    "            pass",
    "        else:",
    "            return read_shape(values)",
)


def _default(field: Any, namespace: dict[str, Any], slot: str) -> str:
    """What an absent or null ``field`` reads as: "" when it is required.

    Raises:
        TypeError: for a default the generated source cannot compute (a factory that
            takes ``self``, an include without a default).
    """
    default = field.default
    if default is attrs.NOTHING:
        if field.metadata.get(INCLUDE):
            raise TypeError(f"include {field.name!r} needs a default (it comes only on request)")
        return ""
    if default is None:
        return "None"
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        if default.takes_self:
            raise TypeError(f"field {field.name!r}: a default factory may not take self")
        namespace[slot] = default.factory
        return f"{slot}()"
    namespace[slot] = default
    return slot


@functools.cache  # one per model, whatever the number of converters
def _builder(cls: type) -> type:
    """A mutable subclass of ``cls`` to build objects in (see the module's docstring).

    Raises:
        TypeError: when ``cls`` is not a slotted class.
    """
    if "__slots__" not in cls.__dict__:
        raise TypeError(f"response model {cls.__name__} must be an attrs class with slots")
    return type(
        f"_{cls.__name__}Builder",
        (cls,),
        {
            "__slots__": (),
            "__setattr__": object.__setattr__,
            "__delattr__": object.__delattr__,
            "__module__": __name__,
            BUILDER: True,
        },
    )


def is_builder(cls: type) -> bool:
    """Whether ``cls`` is one of the mutable subclasses objects are built in."""
    return BUILDER in cls.__dict__
