"""JSON encoding for the fake: orjson when it is installed, the standard library otherwise."""

from __future__ import annotations

from typing import Any

try:
    import orjson
except ImportError:  # pragma: no cover - orjson is in the "speed" extra
    import json

    def dumps(obj: Any) -> bytes:
        """Encode ``obj`` as compact UTF-8 JSON."""
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()

    def loads(data: bytes | str) -> Any:
        """Decode JSON text."""
        return json.loads(data)

else:

    def dumps(obj: Any) -> bytes:
        """Encode ``obj`` as compact UTF-8 JSON."""
        return orjson.dumps(obj)

    def loads(data: bytes | str) -> Any:
        """Decode JSON text."""
        return orjson.loads(data)
