"""Reading a request body whole, with a limit: for front-ends whose requests are small documents."""

from starlette.requests import Request

from .errors import DeltacloudError


class BodyTooLarge(DeltacloudError):
    status = 413
    generic_message = "Request Entity Too Large"

    def __init__(self, limit: int, message: str | None = None) -> None:
        self.limit = limit
        super().__init__(message or f"The request body exceeds the limit of {limit} bytes")


async def read_limited(request: Request, limit: int) -> bytes:
    """The body, refused past ``limit`` bytes without reading the rest (nor trusting Content-Length)."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)
