"""The API's description of itself: ``GET /docs/index``."""

from __future__ import annotations

from tallyfy_async.testing._context import Ctx
from tallyfy_async.testing._http import Reply
from tallyfy_async.testing._router import RouteTable

routes = RouteTable()


@routes.get("/docs/index", "docs.index", auth="none")
def api_description(ctx: Ctx) -> Reply:
    """The Swagger 2.0 description of every route the fake answers.

    Tallyfy serves its live description on this path, without authentication.
    """
    return Reply(200, ctx.fake.api_description_json())
