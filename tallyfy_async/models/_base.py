"""What every response model shares.

Models are frozen, slotted attrs classes, structured by the SDK's one converter
(``_serde.Converter``): keys a model does not declare land in ``extra``, never
dropped; enumerations are :class:`~tallyfy_async._serde.OpenStrEnum` so unknown
values pass through; Fractal includes (``with=``) are unwrapped from their
``{"data": ...}`` envelope into typed fields declared with :func:`included`.
"""

from __future__ import annotations

from typing import Any, TypeVar

import attrs

from tallyfy_async._readers import INCLUDE

T = TypeVar("T")


@attrs.frozen(kw_only=True)
class Model:
    """Base of every response model.

    Attributes:
        extra: keys Tallyfy sent that the model does not declare, as received.
    """

    extra: dict[str, Any] = attrs.field(factory=dict, repr=False, eq=False)

    def to_dict(self) -> dict[str, Any]:
        """The model as a plain dict (nested models too), ``extra`` keys merged in.

        Handy for tables: ``pandas.DataFrame([t.to_dict() for t in tasks])``.
        """
        data = attrs.asdict(self, recurse=True, filter=lambda a, _: a.name != "extra")
        return {**self.extra, **data}


def included(*, default: Any = None) -> Any:
    """A field filled by a ``with=`` include, sent as ``{"data": ...}`` and unwrapped."""
    return attrs.field(default=default, metadata={INCLUDE: True})
