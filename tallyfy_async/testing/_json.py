"""JSON encoding for the fake: orjson when it is installed, the standard library otherwise.

Both decoders accept the same language, the one the fake can store and write back: UTF-8 text,
finite numbers, no lone surrogate (``"\\ud800"``) and at most :data:`MAX_DEPTH` levels of
nesting. orjson refuses the first three itself; the standard library is told to. Anything else
raises :class:`ValueError`, so a request body is refused before any of it is stored: a value
that could be read but not written back would break every later answer that includes it.
"""

from __future__ import annotations

import importlib
import json
import math
import re
from collections.abc import Callable
from typing import Any

#: Deepest nesting a request body may have. orjson writes at most 254 levels and stored values
#: sit a dozen levels down in some answers (a capture's settings inside a blueprint's steps),
#: so a body deeper than this could be stored but never shown again. Real bodies nest a few
#: levels; PHP's own limit is 512.
MAX_DEPTH = 128

#: A ``\\u`` escape of a UTF-16 surrogate: only these can decode to a lone surrogate.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _orjson() -> Any:
    # Imported by name so the type checker reads the same code with or without orjson.
    try:
        return importlib.import_module("orjson")
    except ImportError:  # pragma: no cover - orjson is in the "speed" extra
        return None


_fast = _orjson()


def _too_deep(value: Any) -> bool:
    """Whether containers nest more than :data:`MAX_DEPTH` levels in ``value``."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if depth > MAX_DEPTH:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _check_depth(data: bytes | str, value: Any) -> Any:
    # Counting brackets runs in C; only a body with more of them than the limit is walked.
    if isinstance(data, bytes):
        brackets = data.count(b"[") + data.count(b"{")
    else:
        brackets = data.count("[") + data.count("{")
    if brackets > MAX_DEPTH and isinstance(value, dict | list) and _too_deep(value):
        raise ValueError(f"JSON nested more than {MAX_DEPTH} levels deep")
    return value


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"the number {text[:40]} is too large")
    return number


if _fast is not None:
    dumps: Callable[[Any], bytes] = _fast.dumps

    def loads(data: bytes | str) -> Any:
        """Decode JSON text (:class:`ValueError` for anything the fake cannot store)."""
        return _check_depth(data, _fast.loads(data))

else:  # pragma: no cover

    def dumps(obj: Any) -> bytes:
        """Encode ``obj`` as compact UTF-8 JSON."""
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()

    def loads(data: bytes | str) -> Any:
        """Decode JSON text (:class:`ValueError` for anything the fake cannot store)."""
        # Strict UTF-8, as PHP and orjson read JSON (the standard library would also guess
        # UTF-16 and UTF-32, and let their lone surrogates through).
        text = data.decode() if isinstance(data, bytes) else data
        try:
            value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite)
        except RecursionError:
            raise ValueError(f"JSON nested more than {MAX_DEPTH} levels deep") from None
        if _SURROGATE_ESCAPE.search(text):
            try:
                dumps(value)
            except UnicodeEncodeError:
                raise ValueError("a string holds a lone UTF-16 surrogate") from None
        return _check_depth(text, value)
