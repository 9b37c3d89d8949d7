"""Google Cloud Storage through its XML API with HMAC keys: buckets and blobs with metadata.

Credentials: ``username`` = HMAC access id, ``password`` = HMAC secret. Buckets may be created in
a location (``bucket_location``). Capabilities are what libcloud's ``GoogleStorageDriver``
implements (no metadata update: the XML API has none short of rewriting the object).
"""

from typing import Any

from deltacloud.credentials import ProviderCredentials
from deltacloud.drivers.endpoints import endpoint_parts
from deltacloud.drivers.libcloud_adapter import introspection
from deltacloud.drivers.libcloud_adapter.base import required
from deltacloud.drivers.libcloud_adapter.storage import LibcloudStorage

#: Declared as data, so that loading the driver class imports no libcloud; :func:`introspected`
#: derives the same from ``GoogleStorageDriver`` and the test suite checks they agree.
OFFERED: dict[str, frozenset[str]] = {"buckets": introspection.BUCKET_OPERATIONS}
FEATURES: dict[str, list[str]] = {"buckets": ["bucket_location"]}


def introspected() -> tuple[dict[str, set[str]], dict[str, list[str]]]:
    """What libcloud's Google Storage class implements; ``bucket_location`` is its ``ex_location``."""
    from libcloud.storage.drivers.google_storage import GoogleStorageDriver

    return introspection.introspect(storage=GoogleStorageDriver), {"buckets": ["bucket_location"]}


class GoogleDriver(LibcloudStorage):
    name = "google"
    title = "Google"
    capabilities, state_machine = introspection.declared(OFFERED, FEATURES)

    def open_sdk(self, kind: str, credentials: ProviderCredentials, timeout: float) -> Any:
        from libcloud.storage.drivers.google_storage import GoogleStorageDriver

        access_id, secret = required(credentials, "username", "password")
        opened = GoogleStorageDriver(access_id, secret, timeout=timeout)
        endpoint = credentials.get("endpoint")
        if endpoint is not None:
            # libcloud 3.9 hands a ``host`` argument to its connection as the auth type (so HMAC
            # signing silently turns into OAuth): point the opened connection itself elsewhere
            secure, host, port, _ = endpoint_parts(endpoint)
            connection = opened.connection
            connection.host, connection.port, connection.secure = host, port or (443 if secure else 80), secure
            connection.connect()
        return opened

    def create_container(self, name: str, location: str | None) -> Any:
        # libcloud's S3-style create_container takes no location; it sends the driver's
        # ``ex_location_name`` as the XML API's CreateBucketConfiguration. Opened drivers are per
        # thread, so setting it for this one call affects no other request.
        storage = self.storage()
        storage.ex_location_name = location or ""
        try:
            return storage.create_container(name)
        finally:
            storage.ex_location_name = ""
