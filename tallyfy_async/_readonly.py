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

from typing import Any, Final, NoReturn


class ReadOnlyDict(dict[str, Any]):
    """A ``dict`` that refuses to change: the ``extra`` of a model read from Tallyfy.

    ``dict(model.extra)`` gives a copy to change.
    """

    __slots__ = ()

    def _refuse(self, *_: object, **__: object) -> NoReturn:
        raise TypeError(
            "a model's extra is read-only, like the model: change a copy, dict(model.extra)"
        )

    __setitem__ = __delitem__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse
    __ior__ = _refuse

    def __reduce__(self) -> tuple[type[ReadOnlyDict], tuple[dict[str, Any]]]:
        # Pickle and copy rebuild it whole: the default way sets its items one by one.
        return (type(self), (dict(self),))


#: The ``extra`` of every model without undeclared keys.
EMPTY: Final = ReadOnlyDict()

__all__ = ["EMPTY", "ReadOnlyDict"]
