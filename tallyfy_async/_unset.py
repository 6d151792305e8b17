"""``UNSET``, the "not given" of optional arguments, and its type alias ``UnsetOr``.

``None`` cannot mean "not given": for many fields it is a value Tallyfy stores
(``summary=None`` clears a summary). So an optional write argument defaults to
``UNSET``, and a body leaves out every field that is still ``UNSET``::

    async def update(self, process_id: str, /, *, summary: UnsetOr[str | None] = UNSET): ...
"""

from __future__ import annotations

import enum
from typing import Final, TypeAlias, TypeVar

T = TypeVar("T")


class Unset(enum.Enum):
    """The type of :data:`UNSET` (one member, so ``value is UNSET`` narrows types)."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


#: An argument nobody gave: the field is left out of what is sent.
UNSET: Final = Unset.UNSET

#: ``UnsetOr[T]``: a ``T``, or :data:`UNSET` when the caller did not give one.
UnsetOr: TypeAlias = T | Unset
