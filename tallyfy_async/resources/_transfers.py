"""Files moving in and out in chunks: memory stays flat whatever their size.

An upload is a multipart body streamed from a path (read in chunks by aiohttp), from
bytes, or from an async iterator of bytes; a path and an iterator are counted as they
go, and cut short past the size limit. A download is read as it arrives, either into a
temporary file beside the destination, renamed once complete (an interrupted download
leaves nothing at the destination), or into a small queue a caller iterates. Both go
through the transport's one pipeline (:class:`~tallyfy_async._transport.Transfer`).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import tempfile
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

import aiohttp
import attrs

from tallyfy_async import _constants as C
from tallyfy_async._transport import Response
from tallyfy_async.errors import FileTooLargeError, TransportError

#: What an upload reads: a path, bytes, or an async iterator of bytes.
Content = str | os.PathLike[str] | bytes | bytearray | memoryview | AsyncIterable[bytes]


def _too_large(what: str, size: int, limit: int) -> FileTooLargeError:
    return FileTooLargeError(
        f"{what} is {size} bytes, over the limit of {limit} bytes", size=size, limit=limit
    )


# --- uploads ---------------------------------------------------------------------------


class Upload:
    """The multipart body of one upload, and the file it may have opened.

    Built before anything is sent, so a path that does not exist or a size over the
    limit is refused first. Use it as a context manager: the file is closed whatever
    happens to the request.
    """

    def __init__(
        self,
        content: Content,
        filename: str,
        fields: dict[str, str],
        limit: int | None,
    ) -> None:
        self.filename = filename
        self.limit = limit
        #: What an async iterator raised while it was sent (past the limit, not bytes, or
        #: its own error): the body was cut short, so Tallyfy stored nothing.
        self.failure: Exception | None = None
        self._file: BinaryIO | None = None
        file_part: Any
        if isinstance(content, bytes | bytearray | memoryview):
            self._check(len(content))
            file_part = bytes(content)
        elif isinstance(content, str | os.PathLike):
            path = Path(content)
            if not path.is_file():
                raise FileNotFoundError(f"no file to upload at {str(path)!r}")
            self._check(path.stat().st_size)
            self._file = _CappedFile(path, self)
            file_part = self._file
        elif isinstance(content, AsyncIterable):
            file_part = aiohttp.payload.AsyncIterablePayload(self._counted(content))
        else:
            raise TypeError(
                "content must be a path, bytes or an async iterator of bytes, got "
                f"{type(content).__name__}"
            )
        self.body = aiohttp.MultipartWriter("form-data")
        for name, value in fields.items():
            self.body.append(value).set_content_disposition("form-data", name=name)
        part = self.body.append(file_part, {"Content-Type": "application/octet-stream"})
        # The name as it is (UTF-8), as a browser sends it: aiohttp would percent-encode it
        # by default ("my%20contract.pdf"), and Tallyfy (PHP) stores what it is sent.
        # files._filename refuses the characters that would break the header.
        part.set_content_disposition(
            "form-data", quote_fields=False, name="name", filename=filename
        )

    def _check(self, size: int) -> None:
        if self.limit is not None and size > self.limit:
            raise _too_large(f"{self.filename!r}", size, self.limit)

    async def _counted(self, chunks: AsyncIterable[bytes]) -> AsyncIterator[bytes]:
        sent = 0
        try:
            async for chunk in chunks:
                if not isinstance(chunk, bytes | bytearray | memoryview):
                    raise TypeError(f"the upload's iterator gave {type(chunk).__name__}, not bytes")
                sent += len(chunk)
                if self.limit is not None and sent > self.limit:
                    raise _too_large(f"{self.filename!r} (streamed)", sent, self.limit)
                yield bytes(chunk)
        except Exception as exc:
            # aiohttp reports it as a failed connection; the caller gets it as it was.
            self.failure = exc
            raise

    def __enter__(self) -> Upload:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._file is not None:
            self._file.close()


class _CappedFile(io.BufferedReader):
    """An upload's file that refuses to be read past the upload's limit.

    Its size is checked before sending, but a file still being written can grow after
    that, and aiohttp sends what it then finds: counted here as aiohttp reads its
    chunks, the body is cut short past the limit, so Tallyfy stores nothing.
    """

    def __init__(self, path: Path, upload: Upload) -> None:
        super().__init__(io.FileIO(path, "rb"))
        self._upload = upload

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        limit, read = self._upload.limit, self.tell()  # tell(): aiohttp may seek back
        if limit is not None and read > limit:
            # The file's size now, not the bytes read so far (aiohttp reads in chunks).
            size = max(read, os.fstat(self.fileno()).st_size)
            failure = _too_large(f"{self._upload.filename!r} (grown since checked)", size, limit)
            self._upload.failure = failure  # aiohttp reports it as a failed connection
            raise failure
        return chunk


# --- downloads -------------------------------------------------------------------------


@attrs.frozen
class FileHead:
    """What a download's answer says about the file before its bytes arrive.

    Attributes:
        filename: the name in ``Content-Disposition``, if any.
        content_type: the MIME type Tallyfy sent.
        size: ``Content-Length``, when sent.
    """

    filename: str | None
    content_type: str
    size: int | None


class Capped:
    """Reads a download's body in chunks, refusing it past ``limit`` bytes: first by its
    ``Content-Length``, then by counting what arrives."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit

    def head(self, resp: aiohttp.ClientResponse) -> FileHead:
        size = resp.content_length
        if self.limit is not None and size is not None and size > self.limit:
            raise _too_large("the file (Content-Length)", size, self.limit)
        disposition = resp.content_disposition
        filename = disposition.filename if disposition is not None else None
        return FileHead(filename, resp.content_type, size)

    async def chunks(self, resp: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
        received = 0
        async for chunk in resp.content.iter_chunked(C.TRANSFER_CHUNK_BYTES):
            received += len(chunk)
            if self.limit is not None and received > self.limit:
                raise _too_large("the file", received, self.limit)
            yield chunk


async def to_path(
    send: Callable[[Callable[[aiohttp.ClientResponse], Awaitable[Any]]], Awaitable[Response]],
    destination: Path,
    limit: int | None,
) -> Path:
    """Download into a temporary file beside ``destination``, renamed once complete.

    ``send(consume)`` makes the request; ``consume`` reads a 2xx answer. A retried
    attempt starts the temporary file again. A directory destination keeps the name
    Tallyfy gives the file.

    Raises:
        FileTooLargeError: over ``limit`` (nothing is left behind).
    """
    capped = Capped(limit)
    written: dict[str, Any] = {}

    async def consume(resp: aiohttp.ClientResponse) -> Path:
        target = _target(destination, capped.head(resp).filename)
        _discard(written.pop("temp", None))
        handle, temp = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".part"
        )
        written["temp"] = temp
        with os.fdopen(handle, "wb") as out:
            async for chunk in capped.chunks(resp):
                await asyncio.to_thread(out.write, chunk)
            await asyncio.to_thread(_flush, out)
        os.replace(temp, target)
        written.pop("temp")
        return target

    try:
        response = await send(consume)
    finally:
        _discard(written.pop("temp", None))
    return Path(response.body)


def checked_destination(to: str | os.PathLike[str]) -> Path:
    """Where a download goes, once its directory is known to exist.

    Raises:
        FileNotFoundError: no such directory.
    """
    destination = Path(to)
    if not destination.is_dir() and not destination.parent.is_dir():
        raise FileNotFoundError(f"no directory to download into: {str(destination.parent)!r}")
    return destination


def _target(destination: Path, filename: str | None) -> Path:
    """The file a download writes: the destination, or Tallyfy's name inside it."""
    return destination / _safe_name(filename) if destination.is_dir() else destination


def _flush(out: BinaryIO) -> None:
    out.flush()
    os.fsync(out.fileno())


def _discard(temp: str | None) -> None:
    if temp is not None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)


def _safe_name(filename: str | None) -> str:
    """A name Tallyfy gave a file, kept to its last part (never a path out of the
    destination directory)."""
    name = Path((filename or "").replace("\\", "/")).name
    if name in ("", ".", ".."):
        raise ValueError(
            "Tallyfy did not name the file; give the destination as a file path, not a directory"
        )
    return name


_END = object()


class FileStream:
    """A file downloading as chunks: ``async with org.files.open(asset_id) as file:``.

    Inside the block, ``async for chunk in file`` reads it (``await file.read()`` reads
    the rest at once); leaving the block ends the download and frees its connection.
    At most a few chunks wait in memory: the download goes at the reader's pace.

    Attributes:
        filename: the name Tallyfy gives the file, if any.
        content_type: its MIME type.
        size: its ``Content-Length``, when sent.
    """

    filename: str | None
    content_type: str
    size: int | None

    def __init__(
        self,
        send: Callable[[Callable[[aiohttp.ClientResponse], Awaitable[Any]]], Awaitable[Response]],
        limit: int | None,
    ) -> None:
        self._send = send
        self._capped = Capped(limit)
        self._queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=4)
        self._task: asyncio.Task[Any] | None = None
        self._headed = False
        self._delivered = False
        self._done = False

    async def __aenter__(self) -> FileStream:
        if self._task is not None:
            raise RuntimeError("a FileStream is entered once")
        self._task = asyncio.ensure_future(self._run())
        try:
            head = await self._next()
        except BaseException:
            # No block will run to end the download (cancelled, or refused): end it here.
            await self._stop()
            raise
        assert isinstance(head, FileHead)
        self.filename, self.content_type, self.size = head.filename, head.content_type, head.size
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._stop()

    async def _stop(self) -> None:
        """End the download and free its connection; its own outcome is not raised here."""
        task = self._task
        if task is not None:
            task.cancel()
            # wait() neither raises the download's outcome nor swallows a cancellation of
            # the caller.
            await asyncio.wait([task])

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._chunks()

    async def _chunks(self) -> AsyncIterator[bytes]:
        if self._task is None:
            raise RuntimeError("read a FileStream inside 'async with org.files.open(...) as file:'")
        while not self._done:
            item = await self._next()
            if item is _END:
                self._done = True
                return
            yield item

    async def read(self) -> bytes:
        """The rest of the file at once (within the size limit)."""
        return b"".join([chunk async for chunk in self])

    async def _next(self) -> Any:
        item = await self._queue.get()
        if isinstance(item, BaseException):
            self._done = True
            raise item
        return item

    async def _run(self) -> None:
        try:
            await self._send(self._consume)
        except Exception as exc:  # handed to the reader, who raises it
            await self._queue.put(exc)

    async def _consume(self, resp: aiohttp.ClientResponse) -> None:
        if self._delivered:  # a retry after bytes were handed out would repeat them
            raise TransportError(
                "the connection failed after part of the file was read; read it again",
                method=resp.method,
                url=str(resp.url),
            )
        head = self._capped.head(resp)
        if not self._headed:
            self._headed = True
            await self._queue.put(head)
        try:
            async for chunk in self._capped.chunks(resp):
                self._delivered = True
                await self._queue.put(chunk)
        except (aiohttp.ClientError, TimeoutError) as exc:
            if not self._delivered:
                raise  # nothing handed out yet: the transport may try again
            raise TransportError(
                f"the connection failed after part of the file was read ({exc}); read it again",
                method=resp.method,
                url=str(resp.url),
            ) from exc
        await self._queue.put(_END)
