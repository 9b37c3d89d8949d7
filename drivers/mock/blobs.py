"""The mock cloud's object storage: buckets and their blobs, contents streamed (spec §7.10)."""

import re
from collections.abc import Iterator, Mapping

from deltacloud.driver import Filters
from deltacloud.errors import BackendError, Conflict, Forbidden, NotFound, ValidationError
from deltacloud.model import Blob, Bucket
from deltacloud.state import ScopedState, Transaction

from .base import MockBase
from .blobfiles import BlobFiles
from .state import blobs_namespace, found, matches, restore_seed_file, timestamp

#: what a bucket or blob id may look like: one URL path segment, no matrix-parameter separator
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,254}$")
_INTERNAL = ("content_file",)


def _blob(record: Mapping[str, object]) -> Blob:
    return Blob.model_validate({k: v for k, v in record.items() if k not in _INTERNAL})


def _check_name(kind: str, name: str) -> None:
    if not _NAME.match(name):
        raise ValidationError(f"{kind} name {name!r} is not valid: use letters, digits, '.', '_' and '-' "
                              "(starting with a letter or digit, at most 255 characters)")


class MockBlobs(MockBase):
    def _files(self, state: ScopedState) -> BlobFiles:
        return BlobFiles.for_scope(state.scope)

    def _bucket(self, state: ScopedState, record: Mapping[str, object]) -> Bucket:
        blob_ids = [str(b["id"]) for b in state.list(blobs_namespace(str(record["id"])))]
        return Bucket.model_validate({**record, "size": len(blob_ids), "blob_ids": blob_ids})

    # -- buckets --------------------------------------------------------------------------
    def buckets(self, filters: Filters) -> list[Bucket]:
        state = self._state()
        return [self._bucket(state, r) for r in state.list("buckets") if matches(r, filters, ("id", "name"))]

    def bucket(self, bucket_id: str) -> Bucket | None:
        state = self._state()
        record = state.get("buckets", bucket_id)
        return self._bucket(state, record) if record else None

    def create_bucket(self, name: str, location: str | None) -> Bucket:
        _check_name("Bucket", name)

        def create(tx: Transaction) -> Bucket:
            if tx.get("buckets", name) is not None:
                raise Conflict(f"Bucket '{name}' already exists")
            bucket = Bucket(id=name, name=name, location=location or None)
            tx.put("buckets", name, bucket.model_dump(mode="json", exclude_none=True, exclude={"size", "blob_ids"}))
            return bucket

        return self._state().transact(create)

    def destroy_bucket(self, bucket_id: str) -> None:
        def destroy(tx: Transaction) -> None:
            found(tx, "buckets", bucket_id, "Bucket")
            if tx.list(blobs_namespace(bucket_id)):
                raise Forbidden("Delete operation not valid for non-empty bucket")
            tx.delete("buckets", bucket_id)

        self._state().transact(destroy)

    # -- blobs ----------------------------------------------------------------------------
    def blob(self, bucket_id: str, blob_id: str) -> Blob | None:
        record = self._state().get(blobs_namespace(bucket_id), blob_id)
        return _blob(record) if record else None

    def create_blob(
        self, bucket_id: str, blob_id: str, content: Iterator[bytes], content_type: str,
        user_metadata: Mapping[str, str],
    ) -> Blob:
        _check_name("Blob", blob_id)
        state = self._state()
        if state.get("buckets", bucket_id) is None:  # before a single byte of the body is read
            raise NotFound(f"Bucket '{bucket_id}' not found")
        files = self._files(state)
        name, size = files.write(content)

        def store(tx: Transaction) -> tuple[Blob, str | None]:
            bucket = found(tx, "buckets", bucket_id, "Bucket")
            tx.put("buckets", bucket_id, bucket)  # touch: a concurrent bucket delete now conflicts
            previous = tx.get(blobs_namespace(bucket_id), blob_id)
            record = {
                "id": blob_id, "bucket_id": bucket_id, "content_length": size, "content_type": content_type,
                "last_modified": timestamp(), "user_metadata": dict(user_metadata), "content_file": name,
            }
            tx.put(blobs_namespace(bucket_id), blob_id, record)
            return _blob(record), str(previous["content_file"]) if previous else None

        try:
            blob, replaced = state.transact(store)
        except BaseException:
            files.remove(name)
            raise
        files.remove(replaced)
        return blob

    def destroy_blob(self, bucket_id: str, blob_id: str) -> None:
        state = self._state()

        def destroy(tx: Transaction) -> str:
            found(tx, "buckets", bucket_id, "Bucket")
            record = found(tx, blobs_namespace(bucket_id), blob_id, "Blob")
            tx.delete(blobs_namespace(bucket_id), blob_id)
            return str(record["content_file"])

        self._files(state).remove(state.transact(destroy))

    def update_blob_metadata(self, bucket_id: str, blob_id: str, user_metadata: Mapping[str, str]) -> Blob:
        def update(tx: Transaction) -> Blob:
            record = found(tx, blobs_namespace(bucket_id), blob_id, "Blob")
            updated = {**record, "user_metadata": dict(user_metadata)}
            tx.put(blobs_namespace(bucket_id), blob_id, updated)
            return _blob(updated)

        return self._state().transact(update)

    def blob_content(self, bucket_id: str, blob_id: str) -> Iterator[bytes]:
        state = self._state()
        files = self._files(state)
        for _ in range(3):  # the file of the version just read may be replaced meanwhile: read again
            record = state.get(blobs_namespace(bucket_id), blob_id)
            if record is None:
                raise NotFound(f"Blob '{blob_id}' not found in bucket '{bucket_id}'")
            name = str(record["content_file"])
            try:
                return files.read(name)
            except FileNotFoundError:
                if restore_seed_file(files, name):
                    continue
                current = state.get(blobs_namespace(bucket_id), blob_id)
                if current is not None and current.get("content_file") == name:
                    raise BackendError(f"The content of blob '{blob_id}' is not on this server: the mock cloud "
                                       "keeps blob contents on the local disk of the server that stored them") from None
        raise Conflict(f"Blob '{blob_id}' is being replaced by another request; try again")
