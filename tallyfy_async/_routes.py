"""Routes as data: a method and a path template, compiled with checked ids.

A resource method names its route, so the whole surface can be listed and compared
with Tallyfy's route table (the tests keep a copy, ``tests/data/endpoints.json``). A
resource writes its routes from the scope it hangs under (see ``resources._scopes``)::

    GET_PROCESS = Route("GET", "/runs/{process_id}")  # /organizations/{org}/runs/{process_id}
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from tallyfy_async._urls import path_segment

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@attrs.frozen(cache_hash=True)  # a key of the scopes' route cache, hashed per request
class Route:
    """One Tallyfy route.

    Attributes:
        method: the HTTP method.
        path: the template, from the API root (``/organizations/{org}/runs``).
    """

    method: str
    path: str

    def compile(self, ids: Mapping[str, object], org: str | None = None) -> str:
        """The path, without its leading slash, with each ``{name}`` replaced by the id,
        checked and percent-encoded (``organizations/3b0c.../runs``).

        ``org`` fills ``{org}`` when given, whatever ``ids`` holds (the request path's
        way: no merged dict): an organization id already checked, as ``OrgClient``
        checks its own when it is made (its resources pass it). Without it ``{org}`` is
        read from ``ids`` and checked as any id.

        Raises:
            KeyError: a placeholder with no id.
            TypeError, ValueError: for an unsafe id (before anything is sent).
        """
        return _filler(self.path)(ids, org)


@functools.cache
def _filler(path: str) -> Callable[[Mapping[str, object], str | None], str]:
    """:meth:`Route.compile` for one template, written once as a function (as attrs writes
    an ``__init__``): a single f-string, each id checked by :func:`path_segment`. A
    ``str.format`` or a join over the parts costs twice the instructions per request."""
    pieces = []
    for part in path.strip("/").split("/"):
        match = _PLACEHOLDER.fullmatch(part)
        if match is None:
            literal = path_segment(part, "path")  # percent-encoded: no quote, no brace
            pieces.append(literal)
            continue
        name = match.group(1)
        checked = f"segment(ids[{name!r}], {name!r})"
        if name == "org":
            checked = f"org if org is not None else {checked}"
        pieces.append(f"{{{checked}}}")
    source = f'def fill(ids, org):\n    return f"{"/".join(pieces)}"\n'
    namespace: dict[str, Any] = {"segment": path_segment}
    exec(compile(source, f"<route {path}>", "exec"), namespace)
    fill: Callable[[Mapping[str, object], str | None], str] = namespace["fill"]
    return fill
