"""What the orchestrator hands a client process: plain, picklable data (stdlib only).

This module is imported by the orchestrator and by every child process, so it must not
import aiohttp, orjson or the SDK: the ``sdk`` client hides orjson before its first import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from benchmarks.config import Sizes

#: Client ids, in the order they run within one repetition, and how the report names them.
CLIENT_LABELS: dict[str, str] = {
    "sdk": "tallyfy-async (asyncio, json)",
    "sdk_speed": "tallyfy-async + speed (uvloop, orjson)",
    "sdk_raw_speed": "tallyfy-async .raw() dicts + speed (uvloop, orjson)",
    "sdk_wide": "tallyfy-async (asyncio, json), max_concurrency = in flight",
    "sdk_speed_wide": "tallyfy-async + speed (uvloop, orjson), max_concurrency = in flight",
    "raw_json": "raw aiohttp, resp.json(), asyncio",
    "raw_orjson_uvloop": "raw aiohttp + orjson + uvloop",
    "official": "tallyfy 3.1.0 (official, sync)",
    "decode": "decoding micro-benchmark",
    "hook_bare": "bare aiohttp.web handler (reads the body)",
    "hook_sdk": "tallyfy-async webhooks.handler (json)",
    "hook_sdk_orjson": "tallyfy-async webhooks.handler (orjson)",
}

#: The decoder every other decoder is compared with.
MSGSPEC = "msgspec -> Structs"

#: The SDK with ``max_concurrency`` set to the number in flight (small GETs above the SDK's
#: default), where the other SDK clients keep the default.
WIDE_CLIENTS = ("sdk_wide", "sdk_speed_wide")
SDK_CLIENTS = frozenset({"sdk", "sdk_speed", "sdk_raw_speed", *WIDE_CLIENTS})
#: Clients that run on uvloop.
UVLOOP_CLIENTS = frozenset({"sdk_speed", "sdk_raw_speed", "sdk_speed_wide", "raw_orjson_uvloop"})
#: Clients that must not see orjson (the SDK without its `speed` extra; the raw floor).
NO_ORJSON_CLIENTS = frozenset({"sdk", "sdk_wide", "raw_json"})


@dataclass(frozen=True)
class OrgLogin:
    """One demo organization of the fake and the password grant of its administrator."""

    org_id: str
    client_id: str
    client_secret: str
    username: str
    password: str


@dataclass(frozen=True)
class Target:
    """The running fake server and the ids the workloads use."""

    base_url: str
    token_url: str
    control_url: str
    #: The organization of the big export (also used for small GETs and paging).
    export_org: OrgLogin
    #: Tasks the export organization lists (``meta.pagination.total``).
    export_total: int
    #: The organization processes are launched in (kept apart so the export stays fixed).
    launch_org: OrgLogin
    #: The one task the small GETs read.
    task_id: str
    blueprint_id: str
    #: A valid ``prerun`` (kick-off values keyed by field id) for ``blueprint_id``.
    kickoff: dict[str, Any]


@dataclass(frozen=True)
class Job:
    """One measured run of one client on one workload, in its own process."""

    workload: str
    client: str
    target: Target
    sizes: Sizes
    rep: int
    #: Requests in flight (or threads, for the official SDK).
    in_flight: int = 1
    #: The core the process is pinned to; ``None`` leaves it unpinned.
    core: int | None = None
    #: The server's core (watched for other processes' load).
    server_core: int | None = None
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """Human name of the run, for progress lines and errors."""
        return f"{self.workload}/{self.client}@{self.in_flight} rep {self.rep}"
