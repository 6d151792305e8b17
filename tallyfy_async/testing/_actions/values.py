"""Storing form-field values (task ``taskdata`` and run ``prerun``).

Each stored value gets an integer id, the "capture value id" that ``PUT form-field/value``
addresses; reads show it as ``value_id`` beside ``field_value``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tallyfy_async.testing._state import Org, Run, Task


def merge_values(
    org: Org, holder: Task | Run, current: Mapping[str, Any], clean: Mapping[str, Any]
) -> dict[str, Any]:
    """``current`` with checked values applied (``None`` clears a field); remembers value ids."""
    merged = dict(current)
    for field_id, value in clean.items():
        if value is None:
            merged.pop(field_id, None)
            continue
        merged[field_id] = value
        if field_id not in holder.value_ids:
            value_id = org.next_increment("value")
            holder.value_ids[field_id] = value_id
            org.capture_values[value_id] = (holder, field_id)
    return merged
