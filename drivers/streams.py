"""Blob contents as drivers hand them to their clouds: re-cut into the pieces a cloud's upload takes."""

from collections.abc import Iterator
from itertools import chain


def pieces(content: Iterator[bytes], size: int) -> Iterator[bytes]:
    """``content`` re-cut into pieces of exactly ``size`` bytes, the last one shorter; none for an empty body."""
    buffer = bytearray()
    for chunk in content:
        buffer += chunk
        while len(buffer) >= size:
            yield bytes(buffer[:size])
            del buffer[:size]
    if buffer:
        yield bytes(buffer)


def whole_or_pieces(content: Iterator[bytes], size: int) -> bytes | Iterator[bytes]:
    """The whole body when it fits in one piece of ``size`` bytes (for one plain upload, which a cloud applies
    at once), else all its pieces, read as they are taken (for a multi-part upload)."""
    cut = pieces(content, size)
    first = next(cut, b"")
    second = next(cut, None)
    return first if second is None else chain((first, second), cut)
