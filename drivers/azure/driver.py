"""Azure Blob storage: containers as buckets, blobs with user metadata, streamed both ways.

The provider is the storage account's blob endpoint (``https://<account>.blob.core.windows.net``,
or an Azurite URL such as ``http://127.0.0.1:10000``); without one, the
account's public endpoint. Credentials: ``username`` = account name, ``password`` = account key.
Capabilities are what libcloud's ``AzureBlobsStorageDriver`` implements, including its metadata
update extension.
"""

import re
from collections.abc import Iterator
from typing import Any

from deltacloud.credentials import ProviderCredentials
from deltacloud.drivers.endpoints import endpoint_parts
from deltacloud.drivers.libcloud_adapter import introspection
from deltacloud.drivers.libcloud_adapter.base import required
from deltacloud.drivers.libcloud_adapter.storage import LibcloudStorage

from . import upload

#: Declared as data, so that loading the driver class imports no libcloud; :func:`introspected`
#: derives the same from ``AzureBlobsStorageDriver`` and the test suite checks they agree.
OFFERED: dict[str, frozenset[str]] = {"buckets": introspection.BUCKET_OPERATIONS | {"blob_update_metadata"}}


def introspected() -> tuple[dict[str, set[str]], dict[str, list[str]]]:
    """What libcloud's Azure Blobs class implements (nothing needs declaring by hand)."""
    from libcloud.storage.drivers.azure_blobs import AzureBlobsStorageDriver

    return introspection.offered_by(storage=AzureBlobsStorageDriver)


class AzureDriver(LibcloudStorage):
    name = "azure"
    title = "Azure"
    # Azure takes C# identifiers only: '.', '-' or a leading digit failed the upload's final commit
    metadata_names = (re.compile(r"[A-Za-z_][A-Za-z0-9_]*$"), "use letters, digits and '_', not starting with a digit")
    capabilities, state_machine = introspection.declared(OFFERED)

    def open_sdk(self, kind: str, credentials: ProviderCredentials, timeout: float) -> Any:
        from libcloud.storage.drivers.azure_blobs import AZURE_STORAGE_HOST_SUFFIX, AzureBlobsStorageDriver

        account, key = required(credentials, "username", "password")
        endpoint = credentials.get("endpoint") or self.context.provider
        if not endpoint:
            return AzureBlobsStorageDriver(account, key, timeout=timeout)
        secure, host, port, _ = endpoint_parts(endpoint)
        if host.endswith(f".{AZURE_STORAGE_HOST_SUFFIX}"):
            return AzureBlobsStorageDriver(account, key, timeout=timeout)
        # any other host is an emulator (Azurite): libcloud then names the account in the path
        return AzureBlobsStorageDriver(account, key, secure=secure, host=host, port=port, timeout=timeout)

    def upload_stream(self, container: Any, blob_id: str, content: Iterator[bytes], extra: dict[str, Any]) -> Any:
        # libcloud's own upload lets concurrent uploads of one blob take each other's blocks: see upload
        upload.upload(self.storage(), container, blob_id, content, extra["content_type"], extra["meta_data"])
