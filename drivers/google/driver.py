"""Google Cloud Storage through its XML API with HMAC keys: buckets and blobs with metadata.

Credentials: ``username`` = HMAC access id, ``password`` = HMAC secret. Buckets may be created in
a location (``bucket_location``). Capabilities are what libcloud's ``GoogleStorageDriver``
implements (no metadata update: the XML API has none short of rewriting the object).
"""

from typing import Any

from deltacloud.credentials import ProviderCredentials
from deltacloud.drivers.libcloud_adapter import introspection
from deltacloud.drivers.libcloud_adapter.base import endpoint_parts, required
from deltacloud.drivers.libcloud_adapter.storage import LibcloudStorage

#: Declared as data, so that loading the driver class imports no libcloud; :func:`introspected`
#: derives the same from ``GoogleStorageDriver`` and the test suite checks they agree.
OFFERED: dict[str, set[str]] = {
    "buckets": {"index", "show", "create", "destroy", "blob_show", "blob_create", "blob_destroy", "blob_metadata",
                "blob_content"},
}
FEATURES: dict[str, list[str]] = {"buckets": ["bucket_location"]}


def introspected() -> tuple[dict[str, set[str]], dict[str, list[str]]]:
    """What libcloud's Google Storage class implements; ``bucket_location`` is its ``ex_location``."""
    from libcloud.storage.drivers.google_storage import GoogleStorageDriver

    return introspection.introspect(storage=GoogleStorageDriver), {"buckets": ["bucket_location"]}


class GoogleDriver(LibcloudStorage):
    name = "google"
    title = "Google"
    capabilities = introspection.build_capabilities(OFFERED, FEATURES)

    def open_sdk(self, kind: str, credentials: ProviderCredentials, timeout: float) -> Any:
        from libcloud.storage.drivers.google_storage import GoogleStorageDriver

        access_id, secret = required(credentials, "username", "password")
        endpoint = credentials.get("endpoint")
        if endpoint is None:
            return GoogleStorageDriver(access_id, secret, timeout=timeout)
        secure, host, port, _ = endpoint_parts(endpoint)
        return GoogleStorageDriver(access_id, secret, secure=secure, host=host, port=port, timeout=timeout)

    def create_container(self, name: str, location: str | None) -> Any:
        return self.storage().create_container(name) if not location else \
            self.storage().create_container(name, ex_location=location)
