"""The tasks resource (being written)."""

from __future__ import annotations

from tallyfy_async.resources._base import Resource


class Tasks(Resource):
    """tasks of one organization."""
