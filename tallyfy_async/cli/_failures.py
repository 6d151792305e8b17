"""Exit codes, and expected failures as one clear line instead of a traceback.

An expected failure (refused credentials, an unknown organization, an unreadable file, the
network) ends the command with its exit code and a message on standard error; only a bug
shows a traceback.
"""

from __future__ import annotations

import asyncio
import enum
import importlib
import signal
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import click

from tallyfy_async.errors import (
    APIError,
    AuthenticationError,
    NotFoundError,
    OutcomeUnknownError,
    PaginationError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TransportError,
    UnexpectedResponseError,
)

T = TypeVar("T")


class ExitCode(enum.IntEnum):
    """What the tool's exit status means."""

    #: Everything asked was done.
    OK = 0
    #: The command ran but not all of it succeeded (rows of a launch failed), or Tallyfy
    #: refused a request (a validation error); the message or the report says which.
    FAILED = 1
    #: Bad arguments or options (click's own code for usage errors).
    USAGE = 2
    #: Credentials missing, or refused by Tallyfy.
    CREDENTIALS = 3
    #: An unknown organization or record, or one the user may not see.
    NOT_FOUND = 4
    #: A file could not be read or written (an unreadable CSV, a missing directory).
    FILE = 5
    #: Tallyfy could not be reached, or kept failing (network, 5xx, rate limit).
    NETWORK = 6
    #: Interrupted (Ctrl-C, or SIGTERM: timeout, docker stop, systemd); one code for both,
    #: as the command stops the same way (an export leaves no file, a launch writes its
    #: report) whichever signal asked.
    INTERRUPTED = 130


#: The exit codes as the help texts list them.
EXIT_CODES_HELP = (
    "Exit codes: 0 done; 1 some of the work failed (see the report) or Tallyfy refused a "
    "request; 2 bad usage; 3 credentials missing or refused; 4 unknown organization or "
    "record; 5 a file could not be read or written; 6 network failure or Tallyfy "
    "unavailable; 130 interrupted (Ctrl-C or SIGTERM)."
)


class Failure(click.ClickException):
    """An expected failure: printed as ``Error: <message>``, exiting with ``code``."""

    def __init__(self, code: ExitCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        vars(self)["exit_code"] = int(code)  # read by click as it exits


def explain(error: BaseException) -> Failure | None:
    """The :class:`Failure` an SDK error stands for, or None for a bug."""
    if isinstance(error, AuthenticationError):
        return Failure(ExitCode.CREDENTIALS, f"Tallyfy refused the credentials: {error}")
    if isinstance(error, NotFoundError | PermissionDeniedError):
        return Failure(ExitCode.NOT_FOUND, f"not found, or not visible to this user: {error}")
    if isinstance(error, RateLimitError | ServerError | TransportError | OutcomeUnknownError):
        return Failure(ExitCode.NETWORK, f"Tallyfy could not be reached or kept failing: {error}")
    if isinstance(error, APIError | PaginationError | UnexpectedResponseError):
        return Failure(ExitCode.FAILED, str(error))
    return None


def run(work: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a command's coroutine on a fresh event loop (uvloop when installed) and turn
    expected failures into their exit codes."""
    terminated = False

    async def main() -> T:
        # SIGTERM would end the process where it stands (an export's temporary file left
        # behind); cancelling the task instead unwinds it as Ctrl-C does.
        task = asyncio.current_task()
        assert task is not None

        def terminate() -> None:
            nonlocal terminated
            terminated = True
            task.cancel()

        loop = asyncio.get_running_loop()
        # Whoever runs the command in-process (click's CliRunner, an application) keeps its
        # own SIGTERM handler afterwards: removing ours alone would leave the default.
        previous = signal.getsignal(signal.SIGTERM)
        try:
            loop.add_signal_handler(signal.SIGTERM, terminate)
        except (NotImplementedError, RuntimeError, ValueError):  # Windows, or not main thread
            return await work()
        try:
            return await work()
        finally:
            loop.remove_signal_handler(signal.SIGTERM)
            if previous is not None:  # None: set outside Python, nothing to put back
                signal.signal(signal.SIGTERM, previous)

    try:
        with asyncio.Runner(loop_factory=loop_factory()) as runner:
            return runner.run(main())
    except KeyboardInterrupt:
        raise Failure(ExitCode.INTERRUPTED, "interrupted") from None
    except asyncio.CancelledError:
        if not terminated:
            raise
        raise Failure(ExitCode.INTERRUPTED, "interrupted (SIGTERM)") from None
    except click.ClickException:
        raise
    except Exception as error:
        failure = explain(error)
        if failure is None:
            raise
        raise failure from None


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop (the ``speed`` extra) when it is installed, else asyncio's."""
    try:
        factory: Callable[[], asyncio.AbstractEventLoop] = importlib.import_module(
            "uvloop"
        ).new_event_loop
    except ImportError:
        return None
    return factory
