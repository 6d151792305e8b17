"""JSON encoding for the fake: orjson when it is installed, the standard library otherwise."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from typing import Any


def _orjson() -> Any:
    # Imported by name so the type checker reads the same code with or without orjson.
    try:
        return importlib.import_module("orjson")
    except ImportError:  # pragma: no cover - orjson is in the "speed" extra
        return None


_fast = _orjson()

if _fast is not None:
    dumps: Callable[[Any], bytes] = _fast.dumps
    loads: Callable[[bytes | str], Any] = _fast.loads
else:  # pragma: no cover

    def dumps(obj: Any) -> bytes:
        """Encode ``obj`` as compact UTF-8 JSON."""
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()

    def loads(data: bytes | str) -> Any:
        """Decode JSON text."""
        return json.loads(data)
