"""Request bodies for handlers running in a worker thread: pulled from the event loop batch by batch.

Handlers are synchronous and run in the thread pool, while the request body is an async stream.
The bridge asks the event loop for the next batch only when the driver wants it (``from_thread``):
at most one batch (about BATCH bytes) is held at a time, the client is read exactly as fast as the
driver stores (TCP flow control slows it down meanwhile), and every byte is written once, straight
where the driver keeps it. Spooling the whole body to a temporary file first would write it twice
and keep the driver waiting until the upload ends. A read-ahead task filling a bounded queue was
measured too and gained nothing over large batches: what costs is the number of trips between the
event loop and the thread, not waiting for the disk. For the same reason a body announced as one batch
at most is read on the event loop before the handler's thread starts (``preload_small_body``).
"""

from collections.abc import AsyncGenerator, Iterator
from contextlib import suppress

from deltacloud.errors import ValidationError
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request

#: bytes handed over per trip from the event loop to the worker thread (the server receives 64-256 KB at a
#: time): 4 MB took a third less server CPU per byte than 1 MB; 8 or 16 MB saved nothing more and held more
BATCH = 4 * 1024 * 1024
CUT_OFF = "The request body ended before the whole upload arrived; nothing was stored"


async def _next_batch(stream: AsyncGenerator[bytes, None]) -> list[bytes] | None:
    """The body's next chunks, about BATCH bytes of them (not joined: that would copy them once more);
    None at the end of the body."""
    parts: list[bytes] = []
    size = 0
    try:
        while size < BATCH:
            part = await stream.__anext__()
            parts.append(part)
            size += len(part)
    except StopAsyncIteration:
        if not parts:
            return None
    except ClientDisconnect:
        raise ValidationError(CUT_OFF) from None
    return parts


async def preload_small_body(request: Request) -> None:
    """Read a body announced as one batch at most right here, on the event loop, before the handler's
    thread starts: it then comes from memory without the two trips back to the loop, a fifth of a 1 MB
    upload's time (measured, tests/benchmarks/bench_blobs.py). Not when the client waits for
    ``100 Continue``: it must not be asked for the body before the handler has checked the request."""
    length = request.headers.get("content-length", "")
    if not (length.isascii() and length.isdigit()) or int(length) > BATCH or "expect" in request.headers:
        return
    try:
        request.state.preloaded_body = await request.body()
    except ClientDisconnect:
        raise ValidationError(CUT_OFF) from None


def request_chunks(request: Request) -> Iterator[bytes]:
    """The body as a blocking iterator; raises ValidationError when the client goes away midway."""
    preloaded: bytes | None = getattr(request.state, "preloaded_body", None)
    if preloaded is not None:
        if preloaded:
            yield preloaded
        return
    from anyio import from_thread  # here: its thread bridge costs every cold start ~3 ms, yet few routes read bodies

    stream = request.stream()
    finished = False
    try:
        while (batch := from_thread.run(_next_batch, stream)) is not None:
            yield from batch
        finished = True
    finally:
        if not finished:  # the driver gave up midway: stop reading the body
            # RuntimeError: finalised on the event loop's own thread, whose async-generator hook closes it
            with suppress(RuntimeError):
                from_thread.run(stream.aclose)


def malformed_body(detail: object) -> ValidationError:
    """The 400 for a form or multipart body that cannot be parsed."""
    return ValidationError(f"Malformed request body: {detail}")


async def _form(request: Request) -> FormData:
    try:
        return await request.form()
    except HTTPException as error:  # python-multipart's complaint about a malformed body
        raise malformed_body(error.detail) from None
    except ClientDisconnect:
        raise ValidationError(CUT_OFF) from None


def request_form(request: Request) -> FormData:
    """The url-encoded or multipart form; file parts are spooled to temporary files, not memory."""
    from anyio import from_thread

    return from_thread.run(_form, request)
