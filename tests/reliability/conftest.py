"""Fixtures of the reliability suite.

- DEBUG logging is on for every test here, and every record is kept.
- ``watch`` (autouse) scans, after each test, every log record and every object the
  test showed it (reprs, strs, exceptions with their chains) for the secrets it knows:
  the tokens each watched FakeTallyfy issued and the credentials' secrets.
- ``fake`` is a FakeTallyfy registered with the watch whose request count is bounded
  (``@pytest.mark.max_requests(n)``, 300 by default).
- The chaos run's figures go to pytest's terminal summary.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tallyfy_async.testing import DemoOrg, FakeTallyfy

#: The chaos run's summary line, for the terminal summary.
CHAOS_LINES = pytest.StashKey[list[str]]()
#: Requests a test's fake may receive unless ``max_requests`` says otherwise.
DEFAULT_MAX_REQUESTS = 300
#: Seconds an async test may run unless ``time_limit`` says otherwise.
DEFAULT_TIME_LIMIT = 60.0
#: Attributes of credentials and tokens that hold secrets.
SECRET_ATTRIBUTES = ("client_secret", "password", "refresh_token", "token", "access_token")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "max_requests(n): the most requests the test's FakeTallyfy may receive"
    )
    config.addinivalue_line("markers", "time_limit(seconds): how long the test may run")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Bound every async test of this directory in time: it stops by itself."""
    here = Path(__file__).parent
    for item in items:
        if not isinstance(item, pytest.Function) or here not in item.path.parents:
            continue
        if inspect.iscoroutinefunction(item.obj):
            marker = item.get_closest_marker("time_limit")
            limit = float(marker.args[0]) if marker else DEFAULT_TIME_LIMIT
            item.obj = _within(item.obj, limit)


def _within(test: Callable[..., Awaitable[None]], seconds: float) -> Callable[..., Any]:
    @functools.wraps(test)
    async def bounded(*args: Any, **kwargs: Any) -> None:
        async with asyncio.timeout(seconds):
            await test(*args, **kwargs)

    return bounded


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    lines = config.stash.get(CHAOS_LINES, [])
    if lines:
        terminalreporter.write_sep("=", "reliability: chaos run")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture
def chaos_report(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Print a line and add it to pytest's terminal summary."""

    def report(line: str) -> None:
        print(line)
        request.config.stash.setdefault(CHAOS_LINES, []).append(line)

    return report


class _Recorder(logging.Handler):
    """Keeps the formatted text of every record (exception tracebacks included)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(self.format(record))


class SecretWatch:
    """What a test exposed, scanned for secrets when the test ends."""

    def __init__(self, recorder: _Recorder) -> None:
        self.recorder = recorder
        self.fakes: list[FakeTallyfy] = []
        self.secrets: set[str] = set()
        self.shown: list[object] = []

    def fake(self, fake: FakeTallyfy) -> FakeTallyfy:
        """Watch for every token this fake issues."""
        self.fakes.append(fake)
        return fake

    def credentials(self, *objects: Any) -> None:
        """Watch for the secrets these credentials (or tokens, or mappings of them) hold."""
        for obj in objects:
            if isinstance(obj, dict):
                self.credentials(*obj.values())
                continue
            for name in SECRET_ATTRIBUTES:
                value = getattr(obj, name, None)
                if isinstance(value, str) and value:
                    self.secrets.add(value)
            self.shown.append(obj)

    def secret(self, *values: str) -> None:
        """Watch for these exact strings."""
        self.secrets.update(v for v in values if v)

    def show(self, *objects: object) -> None:
        """Scan the repr and str of these objects (exceptions: their whole traceback)."""
        self.shown.extend(objects)

    @contextmanager
    def raises(
        self,
        expected: type[BaseException] | tuple[type[BaseException], ...],
        match: str | None = None,
    ) -> Iterator[Any]:
        """``pytest.raises`` that also shows the exception to the watch."""
        with pytest.raises(expected, match=match) as info:
            yield info
        self.shown.append(info.value)

    def texts(self) -> Iterator[tuple[str, str]]:
        """(where, text) pairs to scan."""
        for index, text in enumerate(self.recorder.texts):
            yield f"log record {index}", text
        for obj in self.shown:
            yield f"repr of {type(obj).__name__}", repr(obj)
            yield f"str of {type(obj).__name__}", str(obj)
            if isinstance(obj, BaseException):
                yield f"traceback of {type(obj).__name__}", "".join(traceback.format_exception(obj))

    def all_secrets(self) -> set[str]:
        found = set(self.secrets)
        for fake in self.fakes:
            found.update(fake.issued_tokens())
        return {s for s in found if len(s) >= 8}

    def leaks(self) -> list[str]:
        """Where a secret appears (empty when none does)."""
        secrets = self.all_secrets()
        found = []
        for where, text in self.texts():
            for secret in secrets:
                if secret in text:
                    found.append(f"{where}: ...{secret[:4]}... in {text[:200]!r}")
        return found


@pytest.fixture(autouse=True)
def watch() -> Iterator[SecretWatch]:
    """DEBUG logging for the test; afterwards, no secret in any record or shown object."""
    recorder = _Recorder()
    root = logging.getLogger()
    level = root.level
    root.addHandler(recorder)
    root.setLevel(logging.DEBUG)
    secret_watch = SecretWatch(recorder)
    try:
        yield secret_watch
    finally:
        root.removeHandler(recorder)
        root.setLevel(level)
    assert secret_watch.leaks() == []


@pytest.fixture
async def fake(request: pytest.FixtureRequest, watch: SecretWatch) -> AsyncIterator[FakeTallyfy]:
    """A running FakeTallyfy, watched for secrets, whose request count is bounded."""
    marker = request.node.get_closest_marker("max_requests")
    bound = int(marker.args[0]) if marker else DEFAULT_MAX_REQUESTS
    async with FakeTallyfy(seed=1234) as server:
        watch.fake(server)
        yield server
    assert len(server.log) <= bound, f"{len(server.log)} requests, at most {bound} expected"


@pytest.fixture
def demo(fake: FakeTallyfy, watch: SecretWatch) -> DemoOrg:
    """The small demo organization, its credentials watched for leaks."""
    seeded = fake.seed_demo(processes=4, tasks_per_process=3)
    watch.credentials(seeded.credentials, seeded.app_credentials)
    watch.secret(seeded.admin_password, seeded.client_secret)
    return seeded


class RawServer:
    """A bare asyncio HTTP/1.1 server on 127.0.0.1 for answers FakeTallyfy cannot give
    (a lying Content-Length, a slow drip, an endless body, a compression bomb).

    ``answer(request_head, writer)`` writes whatever it likes; every connection and the
    bytes written to it are counted.
    """

    def __init__(self, answer: Callable[[bytes, asyncio.StreamWriter], Awaitable[None]]) -> None:
        self.answer = answer
        self.connections = 0
        self.requests: list[bytes] = []
        self.bytes_written = 0
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    async def start(self) -> RawServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def close(self) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._handlers):
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        await self._server.wait_closed()

    async def write(self, writer: asyncio.StreamWriter, data: bytes) -> None:
        """Write and count; raises ConnectionError once the client has gone."""
        if writer.is_closing():
            raise ConnectionResetError("the client closed the connection")
        writer.write(data)
        self.bytes_written += len(data)
        await writer.drain()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip())
                if length:
                    await reader.readexactly(length)
                self.requests.append(head)
                await self.answer(head, writer)
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self._handlers.discard(task)
            writer.close()


@pytest.fixture
async def raw_server() -> AsyncIterator[Callable[..., Awaitable[RawServer]]]:
    """Start RawServers for the test: ``server = await raw_server(answer)``."""
    started: list[RawServer] = []

    async def start(answer: Callable[[bytes, asyncio.StreamWriter], Awaitable[None]]) -> RawServer:
        server = await RawServer(answer).start()
        started.append(server)
        return server

    yield start
    for server in started:
        await server.close()
