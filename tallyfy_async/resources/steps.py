"""The steps resource (being written)."""

from __future__ import annotations

from tallyfy_async.resources._base import Resource


class Steps(Resource):
    """steps of one organization."""
