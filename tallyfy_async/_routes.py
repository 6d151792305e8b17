"""Routes as data: a method and a path template, compiled with checked ids.

A resource method names its route, so the whole surface can be listed and compared
with ``api/endpoints.json``::

    GET_RUN = Route("GET", "/organizations/{org}/runs/{run_id}")
"""

from __future__ import annotations

import re

import attrs

from tallyfy_async._urls import check_id

_PLACEHOLDER = re.compile(r"^\{(\w+)\}$")


@attrs.frozen
class Route:
    """One Tallyfy route.

    Attributes:
        method: the HTTP method.
        path: the template, from the API root (``/organizations/{org}/runs``).
    """

    method: str
    path: str

    def compile(self, ids: dict[str, object]) -> list[str]:
        """The path's segments with each ``{name}`` replaced by the checked id.

        Raises:
            TypeError, ValueError: for an unsafe id (before anything is sent).
        """
        segments = []
        for part in self.path.strip("/").split("/"):
            match = _PLACEHOLDER.match(part)
            segments.append(check_id(ids[match.group(1)], match.group(1)) if match else part)
        return segments
