"""Rackspace Cloud (next generation, OpenStack-based): one region per provider.

Providers are Rackspace's regions (``dfw``, ``ord``, ``iad``, ``lon``, ``syd``, ``hkg``; ``dfw``
when none is named); the region is the one realm. Credentials: ``username`` and ``password`` =
the account's API key (Rackspace identity's ``RAX-KSKEY:apiKeyCredentials``), optionally
``auth_url`` (another identity endpoint). Servers, flavors, images and key pairs come from
libcloud's ``RackspaceNodeDriver``, buckets from its ``CloudFilesStorageDriver``.

Capabilities are what those classes implement, declared by hand where Rackspace differs from the
OpenStack code they inherit: its servers API has no ``os-start``/``os-stop`` (a Rackspace server
cannot be powered off, so there is no start or stop), and its block storage is a separate service
(Cloud Block Storage) that libcloud's compute driver does not address, so there are no volumes or
snapshots. ``list_locations`` is a placeholder in libcloud: the region is the realm.
"""

from typing import Any

from deltacloud.credentials import ProviderCredentials
from deltacloud.driver import Filters
from deltacloud.drivers.libcloud_adapter import introspection
from deltacloud.drivers.libcloud_adapter.base import required
from deltacloud.drivers.libcloud_adapter.compute import LibcloudCompute
from deltacloud.drivers.libcloud_adapter.errors import provider_errors
from deltacloud.drivers.libcloud_adapter.swift import SwiftStorage
from deltacloud.errors import UnknownProvider
from deltacloud.model import Instance, InstanceCreate, Provider, Realm

DEFAULT_REGION = "dfw"
#: region id -> where it is
REGIONS: dict[str, str] = {
    "dfw": "Dallas-Fort Worth",
    "ord": "Chicago",
    "iad": "Northern Virginia",
    "lon": "London",
    "syd": "Sydney",
    "hkg": "Hong Kong",
}

#: Declared as data, so that loading the driver class imports no libcloud; :func:`introspected`
#: derives the same from libcloud's classes and the test suite checks that the two agree.
OFFERED: dict[str, set[str]] = {
    "realms": {"index", "show"},
    "hardware_profiles": {"index", "show"},
    "images": {"index", "show", "create", "destroy"},
    "instances": {"index", "show", "create", "reboot", "destroy"},
    "keys": {"index", "show", "create", "destroy"},
    "buckets": {"index", "show", "create", "destroy", "blob_show", "blob_create", "blob_destroy", "blob_metadata",
                "blob_content"},
}
FEATURES: dict[str, list[str]] = {
    "instances": ["authentication_key", "authentication_password", "user_data", "user_name"],
    "images": ["image_name"],
    "keys": ["import_key"],
}


def introspected() -> tuple[dict[str, set[str]], dict[str, list[str]]]:
    """What libcloud's Rackspace classes implement, with the declarations by hand described above."""
    from libcloud.compute.drivers.rackspace import RackspaceNodeDriver
    from libcloud.storage.drivers.cloudfiles import CloudFilesStorageDriver

    offered = introspection.introspect(compute=RackspaceNodeDriver, storage=CloudFilesStorageDriver)
    offered["realms"] = {"index", "show"}
    offered["instances"] -= {"start", "stop"}
    for block_storage in ("storage_volumes", "storage_snapshots"):
        offered.pop(block_storage, None)
    features = introspection.standard_features(RackspaceNodeDriver)
    features.pop("storage_volumes", None)
    return offered, features


class RackspaceDriver(LibcloudCompute, SwiftStorage):
    name = "rackspace"
    title = "Rackspace"
    capabilities = introspection.build_capabilities(OFFERED, FEATURES)
    state_machine = introspection.state_machine(OFFERED["instances"])
    sdk_kinds = ("compute", "storage")

    @classmethod
    def providers(cls) -> list[Provider]:
        return [Provider(id=region, entrypoints={"compute": f"https://{region}.servers.api.rackspacecloud.com/v2"})
                for region in REGIONS]

    @classmethod
    def check_provider(cls, provider: str | None) -> None:
        if provider not in (None, "default", *REGIONS):
            raise UnknownProvider(cls.name, provider, list(REGIONS))

    @property
    def region(self) -> str:
        provider = self.context.provider
        return DEFAULT_REGION if provider in (None, "default") else provider

    def open_sdk(self, kind: str, credentials: ProviderCredentials, timeout: float) -> Any:
        from deltacloud.drivers.libcloud_adapter.nova import sending_admin_pass
        from libcloud.compute.drivers.rackspace import RackspaceNodeDriver
        from libcloud.storage.drivers.cloudfiles import CloudFilesStorageDriver

        username, api_key = required(credentials, "username", "password")
        arguments: dict[str, Any] = {"region": self.region, "timeout": timeout}
        auth_url = credentials.get("auth_url")
        if auth_url:
            arguments["ex_force_auth_url"] = auth_url.rstrip("/").removesuffix("/v2.0")
        driver_class = sending_admin_pass(RackspaceNodeDriver) if kind == "compute" else CloudFilesStorageDriver
        return driver_class(username, api_key, **arguments)

    def probe(self) -> None:
        with provider_errors():
            self.compute().list_sizes()

    def realms(self, filters: Filters) -> list[Realm]:
        realm = Realm(id=self.region, name=f"{REGIONS[self.region]} ({self.region.upper()})")
        return [realm] if filters.get("id") in (None, "", realm.id) else []

    def to_instance(self, node: Any) -> Instance:
        return super().to_instance(node).model_copy(update={"realm_id": self.region})

    def find_node(self, instance_id: str) -> Any | None:
        with provider_errors():
            return self.compute().ex_get_node_details(instance_id)

    def create_node_arguments(self, request: InstanceCreate) -> dict[str, Any]:
        arguments = super().create_node_arguments(request)
        if request.password:
            arguments["ex_admin_pass"] = request.password
        if request.user_data:
            arguments["ex_config_drive"] = True  # Rackspace hands user data to cloud-init on a config drive
        return arguments
