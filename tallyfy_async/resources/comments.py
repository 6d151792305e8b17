"""The comments resource (being written)."""

from __future__ import annotations

from tallyfy_async.resources._base import Resource


class Comments(Resource):
    """comments of one organization."""
