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
from libcloud.storage.drivers.google_storage import GoogleStorageDriver

_OFFERED = introspection.introspect(storage=GoogleStorageDriver)


class GoogleDriver(LibcloudStorage):
    name = "google"
    title = "Google"
    capabilities = introspection.build_capabilities(_OFFERED, {"buckets": ["bucket_location"]})

    def open_sdk(self, kind: str, credentials: ProviderCredentials, timeout: float) -> Any:
        access_id, secret = required(credentials, "username", "password")
        endpoint = credentials.get("endpoint")
        if endpoint is None:
            return GoogleStorageDriver(access_id, secret, timeout=timeout)
        secure, host, port, _ = endpoint_parts(endpoint)
        return GoogleStorageDriver(access_id, secret, secure=secure, host=host, port=port, timeout=timeout)

    def create_container(self, name: str, location: str | None) -> Any:
        return self.storage().create_container(name) if not location else \
            self.storage().create_container(name, ex_location=location)
