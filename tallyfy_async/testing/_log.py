"""The request log and the counters tests read."""

from __future__ import annotations

from collections import Counter
from typing import Any

import attrs

#: Route names whose applied writes count as launches, comments and completions.
LAUNCH_ROUTES = ("runs.launch",)
COMMENT_ROUTES = (
    "tasks.comment",
    "tasks.problem",
    "tasks.resolve",
    "tasks.bot_comment",
    "runs.comment",
    "runs.problem",
    "runs.resolve",
    "blueprints.comment",
    "blueprints.problem",
    "blueprints.resolve",
)
COMPLETION_ROUTES = ("runs.tasks.complete", "tasks.complete")


@attrs.frozen(slots=True)
class LoggedRequest:
    """One request the fake received and what became of it."""

    method: str
    #: The path as received (``/api`` prefix included when sent).
    path: str
    #: The matched route's name (``"runs.launch"``), or ``None`` when no route matched.
    route: str | None
    query: dict[str, str]
    #: The query string exactly as sent (to check how it was encoded).
    raw_query: str
    headers: dict[str, str]
    #: Parsed JSON, a form dict, raw text, or ``None`` without a body.
    body: Any
    #: The status sent; ``None`` when the connection was dropped instead.
    status: int | None
    org_id: str | None
    #: The user the token acted as (``None`` for app tokens and unauthenticated requests).
    user_id: int | None
    #: Whether the request changed the state.
    applied: bool
    #: ``time.monotonic()`` when the request arrived.
    time: float
    #: The injected fault that acted on it ("status", "drop-before", "truncate", ...), if any.
    fault: str | None = None
    #: The path exactly as sent, percent-encoding and all (``path`` is decoded).
    raw_path: str = ""


@attrs.define
class Counters:
    """Counts a test can assert on; ``reset()`` starts again."""

    #: Successful token issuances per organization ("app" for client-credentials tokens).
    token_grants: Counter[str] = attrs.Factory(Counter)
    #: Successful token issuances per ``grant_type`` ("password", "refresh_token",
    #: "client_credentials"; "app_user" for member tokens minted by an application).
    grants_by_type: Counter[str] = attrs.Factory(Counter)
    #: How many times each refresh token was presented to the token endpoint, keyed by a
    #: digest of it (never the secret): a count above 1 is a rotated token used again.
    refresh_presentations: Counter[str] = attrs.Factory(Counter)
    #: Writes that changed the state, per route name.
    writes_applied: Counter[str] = attrs.Factory(Counter)
    #: Writes that changed the state, per (route name, organization id).
    writes_by_org: Counter[tuple[str, str]] = attrs.Factory(Counter)

    def applied(self, *routes: str, org_id: str | None = None) -> int:
        """Applied writes of these routes, in one organization or all."""
        if org_id is None:
            return sum(self.writes_applied[route] for route in routes)
        return sum(self.writes_by_org[(route, org_id)] for route in routes)

    def launches(self, org_id: str | None = None) -> int:
        """Processes launched."""
        return self.applied(*LAUNCH_ROUTES, org_id=org_id)

    def comments(self, org_id: str | None = None) -> int:
        """Comments, problems and resolutions posted."""
        return self.applied(*COMMENT_ROUTES, org_id=org_id)

    def completions(self, org_id: str | None = None) -> int:
        """Tasks completed (process and one-off)."""
        return self.applied(*COMPLETION_ROUTES, org_id=org_id)

    def refresh_reuses(self) -> int:
        """Presentations of a refresh token that had been presented before."""
        return sum(count - 1 for count in self.refresh_presentations.values() if count > 1)

    def reset(self) -> None:
        """Zero every counter."""
        self.token_grants.clear()
        self.grants_by_type.clear()
        self.refresh_presentations.clear()
        self.writes_applied.clear()
        self.writes_by_org.clear()
