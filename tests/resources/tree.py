"""Every resource an ``OrgClient`` reaches: its attributes, then their child resources."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property

from tallyfy_async.client import OrgClient
from tallyfy_async.resources._base import Child, Resource


def _mounted(resource: Resource) -> Iterator[Resource]:
    yield resource
    for name, attribute in vars(type(resource)).items():
        if isinstance(attribute, Child):
            yield from _mounted(getattr(resource, name))


def resources(org: OrgClient) -> list[Resource]:
    """``org.processes``, ``org.processes.tasks``, ``org.tasks.comments``..."""
    top = [
        getattr(org, name)
        for name, attribute in vars(OrgClient).items()
        if isinstance(attribute, cached_property)
    ]
    return [each for root in top for each in _mounted(root)]
