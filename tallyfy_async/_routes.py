"""Routes as data: a method and a path template, compiled with checked ids.

A resource method names its route, so the whole surface can be listed and compared
with Tallyfy's route table (the tests keep a copy, ``tests/data/endpoints.json``). A
resource writes its routes from the scope it hangs under (see ``resources._scopes``)::

    GET_PROCESS = Route("GET", "/runs/{process_id}")  # /organizations/{org}/runs/{process_id}
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

import attrs

from tallyfy_async._urls import path_segment

_PLACEHOLDER = re.compile(r"^\{(\w+)\}$")


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
        way: no merged dict); without it ``{org}`` is read from ``ids``.

        Raises:
            KeyError: a placeholder with no id.
            TypeError, ValueError: for an unsafe id (before anything is sent).
        """
        return "/".join(
            [
                path_segment(org if text == "org" and org is not None else ids[text], text)
                if is_id
                else text
                for text, is_id in _parts(self.path)
            ]
        )


@functools.cache
def _parts(path: str) -> tuple[tuple[str, bool], ...]:
    """A path template split once: per segment, (literal, False) or (placeholder, True);
    literals come encoded."""
    parts = []
    for part in path.strip("/").split("/"):
        match = _PLACEHOLDER.match(part)
        parts.append((match.group(1), True) if match else (path_segment(part, "path"), False))
    return tuple(parts)
