"""Buckets and blobs over a libcloud ``StorageDriver``; blob content streams both ways."""

import re
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from deltacloud.driver import Filters
from deltacloud.drivers.typed_errors import listing
from deltacloud.errors import BackendError, NotFound, ValidationError
from deltacloud.model import Blob, Bucket

from . import mapping
from .base import LibcloudBase, matches
from .errors import guarded_stream, provider_errors

CHUNK_SIZE = 64 * 1024


class LibcloudStorage(LibcloudBase):
    sdk_kinds: ClassVar[tuple[str, ...]] = ("storage",)
    #: the cloud's own rule for metadata names, stricter than the API's, and the words that say it
    metadata_names: ClassVar[tuple[re.Pattern[str], str] | None] = None

    def _check_metadata(self, user_metadata: Mapping[str, str]) -> None:
        """Names the cloud would refuse (after the upload: a 502) are the caller's mistake, said before."""
        if self.metadata_names is None:
            return
        pattern, rule = self.metadata_names
        for name in user_metadata:
            if not pattern.match(name):
                raise ValidationError(f"Blob metadata name {name!r} is not valid on {self.title}: {rule}")

    def storage(self) -> Any:
        return self.sdk("storage")

    def probe(self) -> None:
        with listing(), provider_errors():
            next(iter(self.storage().iterate_containers()), None)

    def _container(self, bucket_id: str) -> Any:
        with provider_errors():
            return self.storage().get_container(bucket_id)

    def buckets(self, filters: Filters) -> list[Bucket]:
        with listing(), provider_errors():
            containers = list(self.storage().iterate_containers())
        return [b for b in map(mapping.bucket, containers) if matches(b.model_dump(), filters, ("id",))]

    def bucket(self, bucket_id: str) -> Bucket | None:
        try:
            container = self._container(bucket_id)
        except NotFound:
            return None
        with provider_errors():
            names = [o.name for o in self.storage().iterate_container_objects(container)]
        return mapping.bucket(container, names)

    def create_container(self, name: str, location: str | None) -> Any:
        """Create the provider container; clouds with placement use ``location``."""
        return self.storage().create_container(name)

    def create_bucket(self, name: str, location: str | None) -> Bucket:
        if not name.strip():
            raise ValidationError("Bucket name must not be empty")
        with provider_errors():
            return mapping.bucket(self.create_container(name, location), [])

    def destroy_bucket(self, bucket_id: str) -> None:
        container = self._container(bucket_id)
        with provider_errors():
            self.storage().delete_container(container)

    def _object(self, bucket_id: str, blob_id: str) -> Any:
        with provider_errors():
            return self.storage().get_object(bucket_id, blob_id)

    def blob(self, bucket_id: str, blob_id: str) -> Blob | None:
        try:
            return mapping.blob(self._object(bucket_id, blob_id))
        except NotFound:
            self._container(bucket_id)  # an unknown bucket is a 404 of its own
            return None

    def create_blob(
        self, bucket_id: str, blob_id: str, content: Iterator[bytes], content_type: str,
        user_metadata: Mapping[str, str],
    ) -> Blob:
        self._check_metadata(user_metadata)
        container = self._container(bucket_id)
        stored_type = content_type or "application/octet-stream"
        extra = {"content_type": stored_type, "meta_data": dict(user_metadata)}
        sent = 0

        def counted() -> Iterator[bytes]:
            nonlocal sent
            for chunk in content:
                sent += len(chunk)
                yield chunk

        try:
            with provider_errors():
                self.upload_stream(container, blob_id, counted(), extra)
        except BackendError:
            # libcloud's upload failure carries no status (Swift, Google): a bucket deleted meanwhile is its 404
            self._container(bucket_id)
            raise
        try:
            return mapping.blob(self._object(bucket_id, blob_id))
        except NotFound:  # another request deleted it right after it was stored: this upload still happened
            return Blob(id=blob_id, bucket_id=bucket_id, content_length=sent, content_type=stored_type,
                        user_metadata=dict(user_metadata))

    def upload_stream(self, container: Any, blob_id: str, content: Iterator[bytes], extra: dict[str, Any]) -> Any:
        """Stream ``content`` into a new object; providers whose libcloud upload needs care override this."""
        return self.storage().upload_object_via_stream(iterator=content, container=container, object_name=blob_id,
                                                       extra=extra)

    def destroy_blob(self, bucket_id: str, blob_id: str) -> None:
        obj = self._object(bucket_id, blob_id)
        with provider_errors():
            self.storage().delete_object(obj)

    def update_blob_metadata(self, bucket_id: str, blob_id: str, user_metadata: Mapping[str, str]) -> Blob:
        self._check_metadata(user_metadata)
        obj = self._object(bucket_id, blob_id)
        with provider_errors():
            self.storage().ex_set_object_metadata(obj, dict(user_metadata))
        return mapping.blob(self._object(bucket_id, blob_id))

    def blob_content(self, bucket_id: str, blob_id: str) -> Iterator[bytes]:
        obj = self._object(bucket_id, blob_id)
        with provider_errors():
            chunks = self.download_stream(obj)
        return guarded_stream(iter(chunks))

    def download_stream(self, obj: Any) -> Iterator[bytes]:
        """The object's content as the SDK streams it; providers whose SDK gets that wrong override this."""
        return iter(self.storage().download_object_as_stream(obj, chunk_size=CHUNK_SIZE))
