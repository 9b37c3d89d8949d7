"""Blob contents of the mock cloud: one immutable file per stored version, under the data directory.

Contents never pass through the StateStore (its records are small JSON documents) and are never
held whole in memory: an upload is written chunk by chunk into a temporary file that is renamed
into place only once the last byte arrived, so a cut-off upload leaves nothing behind. Every
upload gets a fresh file name; the blob record in the StateStore points at it, which makes the
switch to the new content exactly as atomic as the record's transaction.
"""

import hashlib
import os
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path

from deltacloud.runtime import get_runtime

#: bytes per chunk handed to the front-end when downloading: each chunk costs the server a thread hop,
#: and 4 MB chunks took a quarter less CPU per byte than 1 MB ones (measured, tests/benchmarks/bench_blobs.py)
CHUNK_SIZE = 4 * 1024 * 1024
_PARTIAL = ".part"


class BlobFiles:
    """The content files of one mock cloud (one tenant / driver / provider scope)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @classmethod
    def for_scope(cls, scope: str) -> "BlobFiles":
        # A digest, not the scope itself: tenant ids must never shape a file system path.
        digest = hashlib.sha256(scope.encode()).hexdigest()[:32]
        return cls(get_runtime().settings.driver_files("mock") / digest)

    def write(self, chunks: Iterable[bytes], name: str | None = None) -> tuple[str, int]:
        """Store ``chunks`` as a complete file; returns (file name, size). Nothing remains on failure."""
        self.directory.mkdir(parents=True, exist_ok=True)
        name = name or uuid.uuid4().hex
        partial = self.directory / f"{uuid.uuid4().hex}{_PARTIAL}"
        size = 0
        try:
            with partial.open("wb", buffering=0) as out:
                for chunk in chunks:
                    out.write(chunk)
                    size += len(chunk)
            os.replace(partial, self.directory / name)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return name, size

    def read(self, name: str) -> Iterator[bytes]:
        """The file's chunks. It is opened at once, so replacing or deleting it later does not
        disturb a download already under way; FileNotFoundError if it is gone already."""
        handle = (self.directory / name).open("rb", buffering=0)

        def chunks() -> Iterator[bytes]:
            with handle:
                while chunk := handle.read(CHUNK_SIZE):
                    yield chunk

        return chunks()

    def remove(self, name: str | None) -> None:
        if name:
            (self.directory / name).unlink(missing_ok=True)
