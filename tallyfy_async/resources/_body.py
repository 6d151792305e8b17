"""What a request sends, built one field at a time: a JSON body or a query string.

Tallyfy silently drops body keys it does not know and answers 200, so a typo would
lose data without a word. A write therefore takes typed keyword arguments only (an
unknown one is Python's ``TypeError`` naming it), and states each field once with its
*kind* (:mod:`~tallyfy_async.resources._kinds`): how it is checked and sent. A
resource keeps the kinds of its fields in one table, shared by its create and update::

    STEP_FIELDS = {"title": kinds.Text(required=True), "top_secret": kinds.FLAG}

    body = Body(converter)
    body.put_all(STEP_FIELDS, arguments)      # or, for one field:
    body.put("position", position, kinds.Int(minimum=1, required=True))
    await send(route, json=body.json())

:class:`Body` checks each value as its kind says (every error names the argument),
leaves out what was not given (:data:`~tallyfy_async.UNSET`), and converts what is
sent with the client's converter (aware datetimes in the request format, enums as
their values, models through ``to_wire()``).
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from tallyfy_async._serde import Converter
from tallyfy_async._unset import UNSET
from tallyfy_async._urls import check_id
from tallyfy_async.resources._kinds import ANY, Kind


class Body:
    """The fields of one request, checked as they are put; see the module's docstring.

    Args:
        converter: the client's converter, for :meth:`json`.
        where: prefixes every name in errors (``"prerun[2]."``).
    """

    __slots__ = ("_converter", "_values", "_where")

    def __init__(self, converter: Converter | None = None, *, where: str = "") -> None:
        self._converter = converter
        self._where = where
        self._values: dict[str, Any] = {}

    def put(self, name: str, value: Any, kind: Kind = ANY) -> None:
        """Check ``value`` as ``kind`` and keep it; :data:`UNSET` is left out.

        Raises:
            ValueError: a required field not given, None or blank.
            TypeError, ValueError: the kind refused the value.
        """
        at = self._where + name
        if kind.required and (
            value is UNSET or value is None or (isinstance(value, str) and not value.strip())
        ):
            raise ValueError(kind.missing(at))
        if value is UNSET:
            return
        checked = kind.check(at, value)
        if kind.sent and checked is not UNSET:
            self._values[kind.wire or name] = checked

    def put_all(self, kinds: Mapping[str, Kind], arguments: Mapping[str, Any]) -> None:
        """:meth:`put` every argument with the kind ``kinds`` gives it.

        A field of ``kinds`` that is required and missing from ``arguments`` is refused
        too (a definition given as a mapping).

        Raises:
            TypeError: an argument ``kinds`` does not know, or a value refused.
            ValueError: a required field missing, or a value refused.
        """
        for name, value in arguments.items():
            kind = kinds.get(name)
            if kind is None:
                unknown = sorted(arguments.keys() - kinds.keys())
                raise TypeError(
                    f"{self._where.rstrip('.') or 'this write'} has unknown keys {unknown}; "
                    f"it takes {', '.join(sorted(kinds))}"
                )
            if value is not UNSET or kind.required:  # most options are not given
                self.put(name, value, kind)
        if len(arguments) < len(kinds):
            for name, kind in kinds.items():
                if kind.required and name not in arguments:
                    raise ValueError(kind.missing(self._where + name))

    def __contains__(self, name: object) -> bool:
        return name in self._values

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def get(self, name: str, default: Any = None) -> Any:
        """The checked value put under ``name``, or ``default``."""
        return self._values.get(name, default)

    def __setitem__(self, name: str, value: Any) -> None:
        """Set a field the caller built and checked itself (merged owners, form values)."""
        self._values[name] = value

    def unsent(self, names: Iterable[str]) -> list[str]:
        """The ``names`` not put (yet)."""
        return [name for name in names if name not in self._values]

    async def resend(
        self,
        names: Iterable[str],
        read: Callable[[], Awaitable[object]],
        *,
        given: object | None = None,
        required: bool = False,
    ) -> None:
        """Fill the fields in ``names`` not given with their current values.

        Tallyfy empties a list a PUT leaves out, so leaving an argument out must send
        back what is stored. ``read`` (the record's current state) is awaited once,
        and only when a field is missing; ``given``, the record as the caller passed it
        in place of its ids, is used as it is instead, when there is one.

        Raises:
            ValueError: ``required`` fields (Tallyfy refuses a PUT without them) the record
                has no value for: sending ``null`` would only earn a 422.
        """
        unsent = self.unsent(names)
        if unsent:
            current = given if given is not None else await read()
            for name in unsent:
                value = getattr(current, name)
                if required and value is None:
                    raise ValueError(
                        f"{self._where}{name} is required on every update and the record has "
                        f"none to send back; pass {name}="
                    )
                self._values[name] = value

    def values(self) -> dict[str, Any]:
        """The checked fields, not converted (for a definition nested in another body)."""
        return dict(self._values)

    def json(self) -> dict[str, Any]:
        """The JSON body: each value through the converter.

        Ids in a body are held to the rules of ids in a path: Tallyfy builds paths and
        queries from them.

        Raises:
            TypeError, ValueError: an unsafe id, or a value JSON cannot carry.
        """
        assert self._converter is not None, "Body(converter) is needed for a JSON body"
        to_wire = self._converter.to_wire
        body = {}
        for name, value in self._values.items():
            if name.endswith("_id") and isinstance(value, str | int):
                check_id(value, self._where + name)
            body[name] = to_wire(value)
        return body

    def query(self) -> dict[str, Any]:
        """Query parameters: enums as their values, lists kept (sent comma-separated)."""
        return {
            name: value.value if isinstance(value, enum.Enum) else value
            for name, value in self._values.items()
        }
