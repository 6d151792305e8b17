"""The read-only dict a model keeps its undeclared keys in (``extra``).

Models are frozen; their ``extra`` is frozen too, which lets every model without
undeclared keys share one empty ``extra`` (:data:`EMPTY`) instead of making a dict each.
That matters for paging more than the 64 bytes suggest: CPython starts a young garbage
collection once allocations of tracked objects, less their frees, pass 700. A page of 100
tasks parses into about 545 of them; a new ``extra`` per task and per nested model was 200
more, so a collection started on every page, found the page being read alive, promoted it,
and brought full collections of the whole process after enough pages (``benchmarks/NOTES.md``).

A ``dict`` subclass rather than ``types.MappingProxyType``: ``json.dumps``, orjson and
``isinstance(x, dict)`` keep working on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, NoReturn


class ReadOnlyDict(dict[str, Any]):
    """A ``dict`` that refuses to change: the ``extra`` of a model.

    ``dict(model.extra)`` gives a copy to change.
    """

    __slots__ = ()

    def __new__(cls, *args: Any, **kwargs: Any) -> ReadOnlyDict:
        # Filled here, not in __init__: calling __init__ again on an instance (the shared
        # EMPTY above all) would otherwise fill it through dict's own code.
        self = super().__new__(cls)
        dict.update(self, *args, **kwargs)
        return self

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Filled by ``__new__``; nothing more to do."""

    def _refuse(self, *_: object, **__: object) -> NoReturn:
        raise TypeError(
            "a model's extra is read-only, like the model: change a copy, dict(model.extra)"
        )

    __setitem__ = __delitem__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse
    __ior__ = _refuse

    def __reduce__(self) -> str | tuple[type[ReadOnlyDict], tuple[dict[str, Any]]]:
        # Pickle and copy rebuild it whole (the default sets its items one by one, which
        # it refuses); the empty one stays the shared one.
        if not self:
            return "EMPTY"
        return (type(self), (dict(self),))

    def __copy__(self) -> ReadOnlyDict:
        return self  # it cannot change: a copy would be the same


def read_only(extra: Mapping[str, Any]) -> ReadOnlyDict:
    """``extra`` as a :class:`ReadOnlyDict` (the shared :data:`EMPTY` when empty): the
    converter of ``Model.extra``, so a model made in code is as frozen as one read."""
    if type(extra) is ReadOnlyDict:
        return extra
    return ReadOnlyDict(extra) if extra else EMPTY


#: The ``extra`` of every model without undeclared keys.
EMPTY: Final = ReadOnlyDict()

__all__ = ["EMPTY", "ReadOnlyDict", "read_only"]
