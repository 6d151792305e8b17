"""The form fields resource (being written)."""

from __future__ import annotations

from tallyfy_async.resources._base import Resource


class FormFields(Resource):
    """form fields of one organization."""
