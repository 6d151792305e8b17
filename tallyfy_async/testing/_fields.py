"""Laravel-style request rules: read a body field, or record why it is refused.

One :class:`Fields` per request collects every error, so a 422 names all bad fields at once,
keyed by dotted path as api-v2 does. Keys no rule reads are simply never looked
at: that is how the API drops unknown keys.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Container, Mapping
from typing import Any, TypeGuard

from tallyfy_async.testing._dates import fmt, parse_request_date
from tallyfy_async.testing._http import invalid

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
HEX_ID = re.compile(r"^[0-9a-f]{32}$")
#: An integer as text: ASCII digits only (``str.isdigit()`` also takes "²" and "①", which
#: ``int()`` then refuses).
INTEGER = re.compile(r"[+-]?[0-9]+")
#: PHP integers are 64-bit: a larger JSON number decodes to a float there, and orjson cannot
#: write one back.
INT_MIN, INT_MAX = -(2**63), 2**63 - 1


def attribute(key: str) -> str:
    """How Laravel names a field in its messages."""
    return key.replace("_", " ")


def is_blank(value: object) -> bool:
    """Laravel's ``required`` fails for these."""
    return value is None or value == "" or value == [] or value == {}


def is_int(value: object) -> TypeGuard[int]:
    """A 64-bit integer, not a bool (JSON ``true`` is no id)."""
    return isinstance(value, int) and not isinstance(value, bool) and INT_MIN <= value <= INT_MAX


def text_int(text: str | None) -> int | None:
    """The 64-bit integer ``text`` spells in ASCII (``"-12"``, ``"+3"``), else ``None``."""
    if text is None or len(text) > 20 or not INTEGER.fullmatch(text):
        return None
    value = int(text)
    return value if INT_MIN <= value <= INT_MAX else None


def text_id(text: str | None) -> int | None:
    """An id in a path or query: ASCII digits within 64 bits (``None`` for anything else)."""
    if text is None or not (text.isascii() and text.isdigit()):
        return None
    return text_int(text)


class Fields:
    """Validation of one request body."""

    def __init__(self, body: object, prefix: str = "") -> None:
        self.body: Mapping[str, Any] = body if isinstance(body, dict) else {}
        self.prefix = prefix
        self.errors: dict[str, list[str]] = {}

    def child(self, body: object, key: str) -> Fields:
        """The fields of an object nested under ``key``; its errors are this body's errors."""
        nested = Fields(body, f"{self.prefix}{key}.")
        nested.errors = self.errors
        return nested

    def has(self, key: str) -> bool:
        """Whether the key was sent at all (``null`` counts as sent)."""
        return key in self.body

    def fail(self, key: str, text: str) -> None:
        """Record an error for ``key``."""
        self.errors.setdefault(self.prefix + key, []).append(text)

    def check(self, message: str | None = None) -> None:
        """Raise the 422 when anything failed."""
        if self.errors:
            raise invalid(self.errors, message)

    def _present(self, key: str, required: bool) -> Any:
        value = self.body.get(key)
        if is_blank(value):
            if required:
                self.fail(key, f"The {attribute(key)} field is required.")
            return None
        return value

    def string(self, key: str, *, required: bool = False, max_len: int | None = None) -> str | None:
        """A string, optionally bounded."""
        value = self._present(key, required)
        if value is None:
            return None
        if not isinstance(value, str):
            self.fail(key, f"The {attribute(key)} must be a string.")
            return None
        if max_len is not None and len(value) > max_len:
            self.fail(key, f"The {attribute(key)} may not be greater than {max_len} characters.")
            return None
        return value

    def boolean(self, key: str, *, required: bool = False) -> bool | None:
        """``true``/``false`` (Laravel also takes 0, 1, "0", "1")."""
        value = self.body.get(key)
        if value is None:
            if required:
                self.fail(key, f"The {attribute(key)} field is required.")
            return None
        if isinstance(value, bool):
            return value
        if value in (0, 1, "0", "1"):
            return value in (1, "1")
        self.fail(key, f"The {attribute(key)} field must be true or false.")
        return None

    def integer(
        self, key: str, *, required: bool = False, minimum: int | None = None
    ) -> int | None:
        """An integer (numeric strings too, as Laravel's ``integer`` rule allows)."""
        value = self._present(key, required)
        if value is None:
            return None
        if isinstance(value, str):
            value = text_int(value.strip())
        if not is_int(value):
            self.fail(key, f"The {attribute(key)} must be an integer.")
            return None
        if minimum is not None and value < minimum:
            self.fail(key, f"The {attribute(key)} must be at least {minimum}.")
            return None
        return int(value)

    def choice(self, key: str, choices: Collection[str], *, required: bool = False) -> str | None:
        """One of ``choices``."""
        value = self._present(key, required)
        if value is None:
            return None
        if value not in choices:
            self.fail(key, f"The selected {attribute(key)} is invalid.")
            return None
        return str(value)

    def date(self, key: str, *, required: bool = False) -> str | None:
        """A request date, returned in the response format."""
        value = self._present(key, required)
        if value is None:
            return None
        moment = parse_request_date(value)
        if moment is None:
            self.fail(key, f"The {attribute(key)} is not a valid date.")
            return None
        return fmt(moment)

    def obj(self, key: str, *, required: bool = False) -> dict[str, Any] | None:
        """A JSON object."""
        value = self._present(key, required)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.fail(key, f"The {attribute(key)} must be an object.")
            return None
        return value

    def array(self, key: str, *, required: bool = False) -> list[Any] | None:
        """A JSON array (``[]`` is returned as an empty list, not ``None``)."""
        value = self.body.get(key)
        if value is None or value == "":
            if required:
                self.fail(key, f"The {attribute(key)} field is required.")
            return None
        if not isinstance(value, list):
            self.fail(key, f"The {attribute(key)} must be an array.")
            return None
        return value

    def int_list(self, key: str) -> list[int] | None:
        """An array of integers (user ids)."""
        values = self.array(key)
        if values is None:
            return None
        for index, value in enumerate(values):
            if not is_int(value):
                self.fail(f"{key}.{index}", f"The {key}.{index} must be an integer.")
                return None
        return list(values)

    def str_list(self, key: str) -> list[str] | None:
        """An array of strings (emails, group ids)."""
        values = self.array(key)
        if values is None:
            return None
        for index, value in enumerate(values):
            if not isinstance(value, str):
                self.fail(f"{key}.{index}", f"The {key}.{index} must be a string.")
                return None
        return list(values)

    def known(self, key: str, known: Container[Any], *, integers: bool = False) -> list[Any]:
        """An array of ids that must all be in ``known`` (members, groups, tags); ``[]`` when
        absent."""
        ids: list[Any] = (self.int_list(key) if integers else self.str_list(key)) or []
        for index, item in enumerate(ids):
            if item not in known:
                self.fail(f"{key}.{index}", f"The selected {key}.{index} is invalid.")
        return ids

    def emails(self, key: str) -> list[str]:
        """An array of email addresses; ``[]`` when absent."""
        values = self.str_list(key) or []
        for index, email in enumerate(values):
            if not EMAIL.match(email):
                self.fail(f"{key}.{index}", f"The {key}.{index} must be a valid email address.")
        return values
