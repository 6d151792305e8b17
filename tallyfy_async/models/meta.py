"""Tallyfy's description of its own API (a Swagger 2.0 document)."""

from __future__ import annotations

from typing import Any

import attrs

from tallyfy_async.models._base import Model

_METHODS = ("get", "post", "put", "patch", "delete", "head", "options")


@attrs.frozen
class ApiOperation:
    """One operation of the description: a method and a path, as the API writes them.

    Attributes:
        method: ``GET``, ``POST``...
        path: the path from the API root (``/organizations/{org}/runs``).
        operation_id: the description's name for it, if any.
        summary: one line, if any.
    """

    method: str
    path: str
    operation_id: str | None = None
    summary: str | None = None


@attrs.frozen(kw_only=True)
class ApiDescription(Model):
    """The API's description of itself, as ``GET /docs/index`` serves it (Swagger 2.0).

    Attributes:
        swagger: the Swagger version (``"2.0"``).
        info: title, version and description.
        host: the host it describes (absent: the host that served it).
        paths: operations by path, then by lower-case method, as the document has them.
        definitions: the shared schemas.
    """

    swagger: str | None = None
    info: dict[str, Any] = attrs.Factory(dict)
    host: str | None = None
    paths: dict[str, Any] = attrs.Factory(dict)
    definitions: dict[str, Any] = attrs.Factory(dict)

    @property
    def base_path(self) -> str | None:
        """Where the paths are mounted (``basePath``: ``/api``), if the document says."""
        value = self.extra.get("basePath")
        return value if isinstance(value, str) else None

    def operations(self) -> list[ApiOperation]:
        """Every operation, sorted by path then method."""
        found = []
        for path, item in sorted(self.paths.items()):
            if not isinstance(item, dict):
                continue
            for method in _METHODS:
                operation = item.get(method)
                if isinstance(operation, dict):
                    found.append(
                        ApiOperation(
                            method.upper(),
                            path,
                            operation.get("operationId"),
                            operation.get("summary"),
                        )
                    )
        return found
