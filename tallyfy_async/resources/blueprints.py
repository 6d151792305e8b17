"""The blueprints resource (being written)."""

from __future__ import annotations

from tallyfy_async.resources._base import Resource


class Blueprints(Resource):
    """blueprints of one organization."""
