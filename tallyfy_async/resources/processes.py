"""The processes resource (being written)."""

from __future__ import annotations

from tallyfy_async.resources._base import Resource


class Processes(Resource):
    """processes of one organization."""
