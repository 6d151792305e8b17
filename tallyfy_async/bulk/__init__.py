"""Bulk jobs: many calls, bounded, paced, reported and resumable.

``report = await bulk.run(rows, launch_one, concurrency=32, progress=True)`` runs an async
function over every item and returns a :class:`BulkReport` (each item done, failed or
unknown; counts, time, requests). ``processes.launch(..., dedupe_key=row_id)`` and
``tasks.create(..., dedupe_key=...)`` make creates exactly-once, so a job that loses
answers, or is killed and resumed from its report, never creates anything twice.
:class:`Launcher` reads a blueprint's kick-off fields once per job; :func:`export`
streams an organization with the fewest requests the listings allow.
"""

from tallyfy_async._progress import Progress
from tallyfy_async.bulk._export import ExportRecord, OrganizationExport, export
from tallyfy_async.bulk._launcher import Launcher
from tallyfy_async.bulk._report import BulkReport, ItemOutcome, ItemStatus, Key
from tallyfy_async.bulk._run import run

__all__ = [
    "BulkReport",
    "ExportRecord",
    "ItemOutcome",
    "ItemStatus",
    "Key",
    "Launcher",
    "OrganizationExport",
    "Progress",
    "export",
    "run",
]
