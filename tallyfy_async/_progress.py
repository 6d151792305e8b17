"""Progress of long work: a tqdm bar, a plain line every few seconds, or a callback.

``progress=True`` shows a tqdm bar (the ``progress`` extra) when standard error is a
terminal, and otherwise writes a plain line there every few seconds (a log file, a CI job).
A callable gets a :class:`Progress` snapshot twice a second and once at the end. False shows
nothing. A display that fails (a callback that raises) is logged once at WARNING on the
``tallyfy_async.bulk`` logger and shows no more: the work goes on and keeps its result.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import sys
import time
from collections.abc import Callable
from typing import IO, Any

import attrs

from tallyfy_async import _constants as C

log = logging.getLogger("tallyfy_async.bulk")


@attrs.frozen
class Progress:
    """A snapshot of long work, as a progress callback receives it.

    Attributes:
        label: what is counted ("launches", "tasks"...).
        done: items finished successfully.
        failed: items that failed with an error.
        unknown: items whose outcome is unknown.
        total: items in all, when known.
        elapsed: seconds since the work started.
        allowance: the organizations' adaptive allowance of requests in flight
            (``"32"``, or ``"8-32"`` across several), when the work is paced.
        final: whether this is the last snapshot.
    """

    label: str
    done: int
    failed: int
    unknown: int
    total: int | None
    elapsed: float
    allowance: str | None = None
    final: bool = False

    @property
    def finished(self) -> int:
        """Items finished, whatever their outcome."""
        return self.done + self.failed + self.unknown

    @property
    def rate(self) -> float:
        """Items finished a second."""
        return self.finished / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        """Seconds left at the current rate, when the total is known."""
        if self.total is None or self.rate <= 0:
            return None
        return max(self.total - self.finished, 0) / self.rate

    def line(self) -> str:
        """The snapshot as one plain line."""
        count = f"{self.finished:,}"
        if self.total is not None:
            share = self.finished / self.total * 100 if self.total else 100.0
            count += f"/{self.total:,} ({share:.0f} %)"
        parts = [f"{self.label}: {count}", f"failed {self.failed:,}", f"unknown {self.unknown:,}"]
        parts.append(f"{self.rate:,.1f}/s")
        eta = self.eta
        if eta is not None and not self.final:
            parts.append(f"ETA {_duration(eta)}")
        if self.final:
            parts.append(f"in {_duration(self.elapsed)}")
        if self.allowance is not None:
            parts.append(f"allowance {self.allowance}")
        return ", ".join(parts)


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


ProgressArg = bool | Callable[[Progress], None]


def check_progress(progress: object) -> None:
    """Raises TypeError unless ``progress`` is a bool or a callable."""
    if not isinstance(progress, bool) and not callable(progress):
        raise TypeError(
            f"progress must be True, False or a callable taking a Progress, got "
            f"{type(progress).__name__}"
        )


class ProgressView:
    """Shows the progress of one piece of work while it is used as an async context.

    Args:
        progress: True (a bar on a terminal, plain lines otherwise), False, or a callable.
        label: what is counted.
        total: items in all, when known (can be set later through :attr:`total`).
        allowance: returns the allowance to show, if any.
        stream: where bars and lines go (standard error by default).
    """

    def __init__(
        self,
        progress: ProgressArg,
        *,
        label: str,
        total: int | None = None,
        allowance: Callable[[], str | None] | None = None,
        stream: IO[str] | None = None,
    ) -> None:
        check_progress(progress)
        self.label = label
        self.total = total
        self.done = self.failed = self.unknown = 0
        self._allowance = allowance
        self._stream = stream if stream is not None else sys.stderr
        self._callback = progress if callable(progress) else None
        self._on = progress is not False
        self._bar: Any = None
        self._ticker: asyncio.Task[None] | None = None
        self._started = time.monotonic()

    def snapshot(self, *, final: bool = False) -> Progress:
        """The progress so far."""
        return Progress(
            label=self.label,
            done=self.done,
            failed=self.failed,
            unknown=self.unknown,
            total=self.total,
            elapsed=time.monotonic() - self._started,
            allowance=self._allowance() if self._allowance is not None else None,
            final=final,
        )

    def advance(self, done: int = 0, failed: int = 0, unknown: int = 0) -> None:
        """Count finished items."""
        self.done += done
        self.failed += failed
        self.unknown += unknown
        bar = self._bar
        if bar is not None:
            if bar.total != self.total:
                bar.total = self.total
            bar.update(done + failed + unknown)

    async def __aenter__(self) -> ProgressView:
        self._started = time.monotonic()
        if not self._on:
            return self
        interval = C.PROGRESS_CALLBACK_INTERVAL
        if self._callback is None:
            self._bar = _tqdm_bar(self.label, self.total, self._stream)
            if self._bar is None:
                interval = C.PROGRESS_LINE_INTERVAL
        self._ticker = asyncio.create_task(self._tick(interval))
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        ticker, self._ticker = self._ticker, None
        if ticker is not None:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
        self._show(final=True)
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    async def _tick(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            self._show(final=False)

    def _show(self, *, final: bool) -> None:
        if not self._on:
            return
        snapshot = self.snapshot(final=final)
        try:
            if self._callback is not None:
                self._callback(snapshot)
            elif self._bar is not None:
                extra = f"failed {snapshot.failed}, unknown {snapshot.unknown}"
                if snapshot.allowance is not None:
                    extra += f", allowance {snapshot.allowance}"
                self._bar.set_postfix_str(extra, refresh=final)
            else:
                self._stream.write(snapshot.line() + "\n")
                self._stream.flush()
        except Exception:
            # Progress only watches the work: a display that fails must not cost the work
            # its result (a finished job's report), nor fail it hours later.
            self._on = False
            log.warning(
                "%s: the progress display failed; no more progress", self.label, exc_info=True
            )


def _in_jupyter_kernel() -> bool:
    """Whether this code runs in a Jupyter kernel (not merely in a process that imported
    ipykernel): IPython's running shell has a kernel."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and hasattr(shell, "kernel")


def _tqdm_bar(label: str, total: int | None, stream: IO[str]) -> Any:
    """A tqdm bar when tqdm is installed and ``stream`` is a terminal (or the work runs in
    a Jupyter kernel, where tqdm draws a widget), else None."""
    isatty = getattr(stream, "isatty", None)
    terminal = isatty is not None and isatty()
    if not terminal and not _in_jupyter_kernel():
        return None
    try:
        auto = importlib.import_module("tqdm.auto")
    except ImportError:
        return None
    return auto.tqdm(total=total, desc=label, unit=" items", file=stream, dynamic_ncols=True)
