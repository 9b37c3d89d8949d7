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
from deltacloud.drivers.libcloud_adapter import introspection
from deltacloud.drivers.libcloud_adapter.base import required
from deltacloud.drivers.libcloud_adapter.nova import NovaCompute, sending_admin_pass
from deltacloud.errors import UnknownProvider
from deltacloud.model import InstanceCreate, Provider, Realm

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
OFFERED: dict[str, frozenset[str]] = {
    "realms": introspection.LISTED,
    "hardware_profiles": introspection.LISTED,
    "images": introspection.MANAGED,
    "instances": introspection.INSTANCE_OPERATIONS - {"start", "stop"},
    "keys": introspection.MANAGED,
    "buckets": introspection.BUCKET_OPERATIONS,
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

    offered, features = introspection.offered_by(compute=RackspaceNodeDriver, storage=CloudFilesStorageDriver,
                                                 leave_out=("storage_volumes", "storage_snapshots"))
    offered["realms"] = set(introspection.LISTED)
    offered["instances"] -= {"start", "stop"}
    return offered, features


class RackspaceDriver(NovaCompute):
    name = "rackspace"
    title = "Rackspace"
    capabilities, state_machine = introspection.declared(OFFERED, FEATURES)

    @classmethod
    def providers(cls) -> list[Provider]:
        return [Provider(id=region, entrypoints={"compute": f"https://{region}.servers.api.rackspacecloud.com/v2"})
                for region in REGIONS]

    @classmethod
    def check_provider(cls, provider: str | None) -> None:
        if provider is not None and provider not in ("default", *REGIONS):
            raise UnknownProvider(cls.name, provider, list(REGIONS))

    @property
    def region(self) -> str:
        provider = self.context.provider
        return DEFAULT_REGION if provider in (None, "default") else provider

    def open_sdk(self, kind: str, credentials: ProviderCredentials, timeout: float) -> Any:
        from libcloud.compute.drivers.rackspace import RackspaceNodeDriver
        from libcloud.storage.drivers.cloudfiles import CloudFilesStorageDriver

        username, api_key = required(credentials, "username", "password")
        arguments: dict[str, Any] = {"region": self.region, "timeout": timeout}
        auth_url = credentials.get("auth_url")
        if auth_url:
            arguments["ex_force_auth_url"] = auth_url.rstrip("/").removesuffix("/v2.0")
        driver_class = sending_admin_pass(RackspaceNodeDriver) if kind == "compute" else CloudFilesStorageDriver
        return driver_class(username, api_key, **arguments)

    def region_realm(self) -> Realm:
        return Realm(id=self.region, name=f"{REGIONS[self.region]} ({self.region.upper()})")

    def create_node_arguments(self, request: InstanceCreate) -> dict[str, Any]:
        arguments = super().create_node_arguments(request)
        if request.user_data:
            arguments["ex_config_drive"] = True  # Rackspace hands user data to cloud-init on a config drive
        return arguments
