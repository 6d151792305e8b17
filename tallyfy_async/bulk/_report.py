"""What a bulk job did, item by item, and its JSON Lines file.

One file format serves both ways of keeping it: :meth:`BulkReport.save` writes each
item's outcome and a summary line; a job given ``journal=`` appends a ``started`` line
before each item and its outcome after, as it goes, so a job killed outright (power cut,
``kill -9``) leaves a file :meth:`BulkReport.load` reads: an item started without an
outcome is *unknown* (it may have been applied), and the last line of a key wins.
"""

from __future__ import annotations

import enum
import json
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import attrs

from tallyfy_async.errors import APIError

#: An item's key: what identifies it across runs (a row id, an email...).
Key = str | int
PathArg = str | os.PathLike[str]


class ItemStatus(enum.Enum):
    """How an item ended."""

    DONE = "done"
    FAILED = "failed"
    #: The item may or may not have been applied (an answer was lost, or the job stopped
    #: while it was in flight). A rerun retries it, and exactly-once creates look their
    #: key up before sending.
    UNKNOWN = "unknown"


@attrs.frozen
class ItemOutcome:
    """One item's outcome.

    Attributes:
        key: the item's key.
        status: done, failed or unknown.
        result: what the function returned (done items of this run, unless the job was
            told not to keep results); for items read from a file, a short description
            (``{"type": "Process", "id": ..., "name": ...}``).
        error: the exception raised (items of this run only).
        error_type: the exception's class name.
        message: the exception's message.
        status_code: the HTTP status of an API error.
        seconds: how long the item took.
    """

    key: Key
    status: ItemStatus
    result: Any = attrs.field(default=None, repr=False)
    error: BaseException | None = attrs.field(default=None, eq=False, repr=False)
    error_type: str | None = None
    message: str | None = None
    status_code: int | None = None
    seconds: float = 0.0

    @classmethod
    def of_error(
        cls, key: Key, status: ItemStatus, error: BaseException, seconds: float
    ) -> ItemOutcome:
        """The outcome of an item that raised ``error``."""
        return cls(
            key,
            status,
            error=error,
            error_type=type(error).__name__,
            message=str(error),
            status_code=error.status if isinstance(error, APIError) else None,
            seconds=seconds,
        )

    def to_json(self) -> dict[str, Any]:
        """The outcome as one JSON Lines record."""
        record: dict[str, Any] = {"key": self.key, "status": self.status.value}
        if self.status is ItemStatus.DONE:
            record["result"] = describe_result(self.result)
        if self.error_type is not None:
            record["error_type"] = self.error_type
            record["message"] = self.message
        if self.status_code is not None:
            record["status_code"] = self.status_code
        record["seconds"] = round(self.seconds, 4)
        return record

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> ItemOutcome:
        """An outcome read back from a record."""
        status = record["status"]
        if status == "started":
            return cls(
                record["key"],
                ItemStatus.UNKNOWN,
                message="in flight when the job stopped (it may have been applied)",
            )
        return cls(
            record["key"],
            ItemStatus(status),
            result=record.get("result"),
            error_type=record.get("error_type"),
            message=record.get("message"),
            status_code=record.get("status_code"),
            seconds=float(record.get("seconds", 0.0)),
        )


def describe_result(result: Any) -> Any:
    """A short JSON form of a function's result: the model's type, id and name, or the
    value itself when it is plain JSON."""
    if result is None or isinstance(result, str | int | float | bool):
        return result
    if attrs.has(type(result)):
        described: dict[str, Any] = {"type": type(result).__name__}
        for name in ("id", "name", "title", "status"):
            value = getattr(result, name, None)
            value = getattr(value, "value", value)  # enums
            if isinstance(value, str | int):
                described[name] = value
        return described
    try:
        json.dumps(result)
    except (TypeError, ValueError):
        return repr(result)[:500]
    return result


@attrs.define(eq=False)
class BulkReport:
    """What a bulk job did: one outcome per item, counts, time and requests.

    Attributes:
        outcomes: the last outcome of each key, in the order the keys first finished
            (items done in an earlier run that this one skipped included).
        elapsed: seconds this run took.
        processed: items this run ran.
        carried_over: items done in an earlier run (the report resumed from), skipped.
        duplicate_keys: items skipped because their key was already seen in this run.
        requests: API requests this run sent (retries included, token requests not).
        rate_limited: of them, answered 429.
        minimum_requests: the fewest requests the routes allow for the work this run did,
            when the helpers used (or ``requests_per_item``) declare it; None otherwise.
        allowances: each organization's adaptive allowance when the job ended.
        interrupted: the job was cancelled (Ctrl-C) before it took every item.
        stopped_on_error: the job stopped at an error (``stop_on_error=True``).
        meta: what the file's ``{"meta": {...}}`` record says about the job (the command
            line records the organization and blueprint of a launch), read back by
            :meth:`load`; empty when there is none.
    """

    outcomes: dict[Key, ItemOutcome] = attrs.Factory(dict)
    elapsed: float = 0.0
    processed: int = 0
    carried_over: int = 0
    duplicate_keys: int = 0
    requests: int = 0
    rate_limited: int = 0
    minimum_requests: int | None = None
    allowances: dict[str, int] = attrs.Factory(dict)
    interrupted: bool = False
    stopped_on_error: bool = False
    meta: dict[str, Any] = attrs.Factory(dict)

    def _with(self, status: ItemStatus) -> list[ItemOutcome]:
        return [outcome for outcome in self.outcomes.values() if outcome.status is status]

    @property
    def done(self) -> list[ItemOutcome]:
        """Outcomes of the items done."""
        return self._with(ItemStatus.DONE)

    @property
    def failed(self) -> list[ItemOutcome]:
        """Outcomes of the items that failed."""
        return self._with(ItemStatus.FAILED)

    @property
    def unknown(self) -> list[ItemOutcome]:
        """Outcomes of the items whose outcome is unknown."""
        return self._with(ItemStatus.UNKNOWN)

    @property
    def counts(self) -> dict[str, int]:
        """Items per status: ``{"done": ..., "failed": ..., "unknown": ...}``."""
        counted = Counter(outcome.status.value for outcome in self.outcomes.values())
        return {status.value: counted[status.value] for status in ItemStatus}

    @property
    def rate(self) -> float:
        """Items this run ran, per second."""
        return self.processed / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def complete(self) -> bool:
        """Whether every item is done."""
        return all(outcome.status is ItemStatus.DONE for outcome in self.outcomes.values())

    def errors(self) -> Counter[str]:
        """Failed and unknown items per error type."""
        return Counter(
            outcome.error_type or outcome.status.value
            for outcome in self.outcomes.values()
            if outcome.status is not ItemStatus.DONE
        )

    def summary(self) -> str:
        """One line: counts, time, rate and requests."""
        counts = self.counts
        text = (
            f"{len(self.outcomes):,} items: {counts['done']:,} done, {counts['failed']:,} failed, "
            f"{counts['unknown']:,} unknown; this run {self.processed:,} in {self.elapsed:.1f} s "
            f"({self.rate:,.1f}/s), {self.requests:,} requests"
        )
        if self.minimum_requests is not None:
            text += f" (minimum {self.minimum_requests:,})"
        if self.rate_limited:
            text += f", {self.rate_limited:,} answered 429"
        if self.carried_over:
            text += f"; {self.carried_over:,} done earlier"
        if self.interrupted:
            text += "; interrupted"
        if self.stopped_on_error:
            text += "; stopped at an error"
        return text

    def __repr__(self) -> str:
        return f"<BulkReport {self.summary()}>"

    def _summary_json(self) -> dict[str, Any]:
        return {
            "elapsed": round(self.elapsed, 3),
            "processed": self.processed,
            "carried_over": self.carried_over,
            "duplicate_keys": self.duplicate_keys,
            "requests": self.requests,
            "rate_limited": self.rate_limited,
            "minimum_requests": self.minimum_requests,
            "allowances": self.allowances,
            "interrupted": self.interrupted,
            "stopped_on_error": self.stopped_on_error,
            "counts": self.counts,
        }

    def save(self, path: PathArg) -> None:
        """Write the report as JSON Lines: one outcome per line, then a summary line."""
        with open(path, "w", encoding="utf-8") as file:
            if self.meta:
                _write(file, {"meta": self.meta})
            for outcome in self.outcomes.values():
                _write(file, outcome.to_json())
            _write(file, {"summary": self._summary_json()})

    @classmethod
    def load(cls, path: PathArg) -> BulkReport:
        """Read a report saved by :meth:`save`, or a job's journal.

        The last line of each key wins; an item started without an outcome is unknown.
        A cut last line (a job killed while writing it) is ignored.

        Raises:
            OSError: the file cannot be read.
            ValueError: a line other than the last is not a report record.
        """
        report = cls()
        for record in _records(Path(path)):
            if "meta" in record:
                report.meta = dict(record["meta"])
                continue
            if "summary" in record:
                summary = record["summary"]
                for name in (
                    "elapsed",
                    "processed",
                    "carried_over",
                    "duplicate_keys",
                    "requests",
                    "rate_limited",
                    "minimum_requests",
                    "allowances",
                    "interrupted",
                    "stopped_on_error",
                ):
                    if name in summary:
                        setattr(report, name, summary[name])
                continue
            outcome = ItemOutcome.from_json(record)
            report.outcomes.pop(outcome.key, None)  # keep the order in which keys last ended
            report.outcomes[outcome.key] = outcome
        return report


def _records(path: Path) -> Iterator[dict[str, Any]]:
    cut: int | None = None
    # Bytes, decoded line by line: a job killed while writing may cut a character short.
    with open(path, "rb") as file:
        for number, raw in enumerate(file, 1):
            if not raw.strip():
                continue
            if cut is not None:
                raise ValueError(f"{path}:{cut}: not a JSON Lines report record")
            try:
                line = raw.decode("utf-8")
                record = json.loads(line)
            except (UnicodeDecodeError, json.JSONDecodeError):
                cut = number  # fine if it is the last line
                continue
            if not isinstance(record, dict) or not (
                isinstance(record.get("meta"), dict)
                or "summary" in record
                or ("key" in record and "status" in record)
            ):
                raise ValueError(f"{path}:{number}: not a bulk report record: {line[:80]!r}")
            yield record


#: How every record :func:`_write` writes begins.
_RECORD_STARTS = (b'{"key":', b'{"summary":', b'{"meta":')


def _drop_cut_record(path: Path) -> None:
    """Cut off a record the file ends in without its line break (a job killed while
    writing it; :meth:`BulkReport.load` ignores it), so that lines appended next are read
    as lines of their own rather than glued to it. A last line that is not one of our
    records is left alone."""
    try:
        file = open(path, "rb+")  # noqa: SIM115
    except FileNotFoundError:
        return
    with file:
        end = file.seek(0, os.SEEK_END)
        if end == 0:
            return
        file.seek(end - 1)
        if file.read(1) == b"\n":
            return
        cut = b""
        while end > 0:
            start = max(0, end - 64 * 1024)
            file.seek(start)
            cut = file.read(end - start) + cut
            newline = cut.rfind(b"\n")
            if newline >= 0:
                start += newline + 1
                cut = cut[newline + 1 :]
                break
            end = start
        if any(cut.startswith(begin) or begin.startswith(cut) for begin in _RECORD_STARTS):
            file.truncate(start)


def _write(file: IO[str], record: dict[str, Any]) -> None:
    file.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")


def start_file(path: PathArg, meta: dict[str, Any]) -> None:
    """Create a report file beginning with a ``meta`` record, unless it exists (a report
    written before meta records were, or by this job, is left as it is).

    Raises:
        OSError: the file cannot be written.
    """
    try:
        file = open(path, "x", encoding="utf-8")  # noqa: SIM115
    except FileExistsError:
        return
    with file:
        _write(file, {"meta": meta})


class Journal:
    """Appends each item's start and outcome to a report file as the job goes.

    The file is line-buffered: every line reaches the operating system as it is written,
    so a killed job loses nothing it had written.
    """

    def __init__(self, path: PathArg) -> None:
        self.path = Path(path)
        _drop_cut_record(self.path)
        self._file: IO[str] = open(self.path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115

    def started(self, key: Key) -> None:
        """An item is about to run."""
        _write(self._file, {"key": key, "status": "started"})

    def finished(self, outcome: ItemOutcome) -> None:
        """An item ended."""
        _write(self._file, outcome.to_json())

    def close(self, report: BulkReport) -> None:
        """Write the run's summary line and close the file."""
        try:
            _write(self._file, {"summary": report._summary_json()})
        finally:
            self._file.close()
