"""The fake's description of its own API: a Swagger 2.0 document built from its routes.

Tallyfy serves its live description at ``GET /docs/index`` as Swagger 2.0; the fake serves this
one there. Every operation comes from the router, so the document cannot drift from what the
fake answers: the path and its parameters, the query parameters the handler reads, the status
of a successful answer, and every error status the request pipeline can give it, each with the
JSON error shape it carries. ``host`` is left out, which in Swagger 2.0 means "the host that
served this document".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tallyfy_async.testing._json import MAX_DEPTH
from tallyfy_async.testing._router import Route

Schema = dict[str, Any]

HEX_ID: Schema = {"type": "string", "pattern": "^[0-9a-f]{32}$"}
INTEGER_ID: Schema = {"type": "integer", "minimum": 1, "format": "int64"}

#: Path parameters by name; any other is a plain string.
PATH_PARAMETERS: dict[str, Schema] = {
    "org": {**HEX_ID, "description": "Organization id."},
    "email": {"type": "string", "format": "email", "description": "A guest's email address."},
    "user_id": {**INTEGER_ID, "description": "Member (user) id."},
    "guest_id": {**INTEGER_ID, "description": "Guest id, as in the guest's link."},
    "association_id": {**INTEGER_ID, "description": "Tag association id (integer)."},
    "folder_object_id": {**INTEGER_ID, "description": "Folder relation id (integer)."},
}

#: Query parameters by name; any other is a plain string.
QUERY_PARAMETERS: dict[str, Schema] = {
    "page": {"type": "integer", "minimum": 1, "description": "Page number, from 1."},
    "per_page": {
        "type": "integer",
        "minimum": 1,
        "maximum": 100,
        "description": "Items per page (a larger request is capped at 100).",
    },
    "with": {"type": "string", "description": "Comma-separated relations to include."},
    "q": {"type": "string", "description": "Text search."},
    "sort": {"type": "string", "description": "A field, or -field for descending order."},
    "sort_by": {"type": "string", "description": "An alias of sort."},
    "without_pagination": {
        "type": "string",
        "enum": ["true", "false"],
        "description": "true: every item, without meta.",
    },
    "owners": {"type": "string", "description": "Comma-separated member ids."},
    "all": {"type": "string", "description": "The literal true also lists auto-generated tags."},
}

ERROR: Schema = {
    "type": "object",
    "description": 'Tallyfy\'s error shape: always "message"; "error": true and a "code" on '
    'most refusals; field errors under "errors" on 422.',
    "required": ["message"],
    "properties": {
        "message": {"type": "string"},
        "error": {"description": "true; on /oauth/token, an OAuth error code (a string)."},
        "code": {"type": "string"},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
}


def _error(description: str, **extra: Any) -> Schema:
    return {"description": description, "schema": {"$ref": "#/definitions/Error"}, **extra}


#: Every error the pipeline can answer, by status; which ones an operation lists depends on it.
#: Operations refer to them by name (``#/responses/NotFound``).
RESPONSES: dict[str, tuple[str, Schema]] = {
    "400": (
        "BadBody",
        _error(
            "The body claims a format it does not hold to (malformed JSON or form data, text that "
            f"is not UTF-8, a lone surrogate, JSON nested more than {MAX_DEPTH} levels)."
        ),
    ),
    "401": ("Unauthenticated", _error("No valid bearer token, or no X-Tallyfy-Client header.")),
    "403": ("Forbidden", _error("The token may not act in this organization, or on this route.")),
    "404": (
        "NotFound",
        _error(
            "No such organization or object (RESOURCE_NOT_FOUND). Without Accept: application/json "
            "production answers its HTML page instead, and so does the fake."
        ),
    ),
    "413": ("TooLarge", _error("The body is larger than the server accepts.")),
    "422": ("Invalid", _error("The body or the state does not allow it; errors names the fields.")),
    "429": (
        "TooManyRequests",
        _error(
            "Too many requests: wait Retry-After seconds.",
            headers={
                "Retry-After": {"type": "integer"},
                "X-RateLimit-Remaining": {"type": "integer"},
            },
        ),
    ),
}

SUCCESS = {200: "OK", 201: "Created", 204: "No content", 302: "Found: a redirect (Location)"}


def describe(routes: Iterable[Route]) -> Schema:
    """The Swagger 2.0 document of ``routes`` (the same dict for the same routes)."""
    paths: dict[str, Schema] = {}
    for route in sorted(routes, key=lambda r: (r.path, r.method)):
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route)
    return {
        "swagger": "2.0",
        "info": {
            "title": "Tallyfy API (FakeTallyfy)",
            "version": "v2",
            "description": "The routes FakeTallyfy answers, generated from its router. Every "
            "route also answers under the host root, without /api. Every answer is JSON except "
            "a 404 to a request that does not accept JSON, which is Tallyfy's HTML page; a "
            "5xx comes only from a fault a test injected.",
        },
        "basePath": "/api",
        "schemes": ["http"],
        "consumes": ["application/json", "application/x-www-form-urlencoded"],
        "produces": ["application/json"],
        "securityDefinitions": {
            "bearer": {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": "Bearer <access token>, from /oauth/token.",
            },
            "client": {
                "type": "apiKey",
                "in": "header",
                "name": "X-Tallyfy-Client",
                "description": "Required on every authenticated call; any non-empty value "
                "(APIClient as documented).",
            },
        },
        "security": [{"bearer": [], "client": []}],
        "definitions": {"Error": ERROR},
        "responses": dict(RESPONSES.values()),
        "paths": paths,
    }


def _operation(route: Route) -> Schema:
    doc = (route.handler.__doc__ or route.name).strip()
    summary, _, rest = doc.partition("\n")
    operation: Schema = {
        "operationId": route.name,
        "summary": summary.strip(),
        "tags": [route.name.split(".")[0]],
        "parameters": [_path_parameter(name) for name in route.params]
        + [_query_parameter(name) for name in route.query],
        "responses": _responses(route),
    }
    if rest.strip():
        operation["description"] = " ".join(rest.split())
    if route.form:
        operation["consumes"] = ["multipart/form-data"]
        file_part, *others = route.form
        operation["parameters"].append(
            {"name": file_part, "in": "formData", "type": "file", "required": False}
        )
        operation["parameters"] += [
            {"name": name, "in": "formData", "type": "string", "required": False} for name in others
        ]
    elif route.method in ("POST", "PUT", "PATCH"):
        operation["parameters"].append(
            {
                "name": "body",
                "in": "body",
                "required": False,
                "description": "Fields the route reads; others are dropped.",
                "schema": {"type": "object"},
            }
        )
    if route.produces:
        operation["produces"] = [route.produces, "application/json"]
    if route.auth == "none":
        operation["security"] = []
    return operation


def _path_parameter(name: str) -> Schema:
    schema = PATH_PARAMETERS.get(name, {"type": "string"})
    return {"name": name, "in": "path", "required": True, **schema}


def _query_parameter(name: str) -> Schema:
    schema = QUERY_PARAMETERS.get(name, {"type": "string"})
    return {"name": name, "in": "query", "required": False, **schema}


def _responses(route: Route) -> Schema:
    responses: Schema = {}
    success: Schema = {"description": SUCCESS.get(route.status, "OK")}
    if route.produces:
        success["schema"] = {"type": "file"}
    elif not route.empty:
        success["schema"] = {"type": "object"}
    responses[str(route.status)] = success
    statuses = ["400", "413"]
    if route.auth != "none":
        statuses += ["401", "403", "429"]
    if route.params or route.auth != "none":
        statuses.append("404")
    if route.method != "GET" or route.auth == "none" or route.checks_query:
        statuses.append("422")
    for status in sorted(statuses):
        responses[status] = {"$ref": f"#/responses/{RESPONSES[status][0]}"}
    return responses
