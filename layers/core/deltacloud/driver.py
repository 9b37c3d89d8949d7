"""The driver interface: one class per cloud, its capabilities declared as data.

A driver subclasses :class:`Driver`, sets ``capabilities`` with
:func:`deltacloud.capabilities.supports` and implements the method of every operation it
declares. :data:`OPERATION_METHODS` ties each (collection, operation) to its method; a driver
that declares an operation without implementing it fails at import, never at request time.

Drivers return :mod:`deltacloud.model` objects and raise :mod:`deltacloud.errors`; they know
nothing about HTTP or any wire format.
"""

from collections.abc import Callable, Iterator, Mapping
from functools import cached_property
from typing import ClassVar

from .capabilities import Capabilities
from .credentials import CredentialStore, ProviderCredentials, Tenant
from .errors import AuthenticationFailure, AuthenticationRequired, NotSupported
from .model import (
    Address,
    Blob,
    Bucket,
    DriverInfo,
    Firewall,
    HardwareProfile,
    Image,
    Instance,
    InstanceCreate,
    Key,
    LoadBalancer,
    Metric,
    Network,
    NetworkInterface,
    Provider,
    Realm,
    RunResult,
    StateMachine,
    StorageSnapshot,
    StorageVolume,
    StorageVolumeCreate,
    Subnet,
)
from .model.network import Listener, RuleSource
from .state import ScopedState, StateStore

Filters = Mapping[str, str]

#: (collection, operation) -> the Driver method that performs it
OPERATION_METHODS: dict[tuple[str, str], str] = {
    ("realms", "index"): "realms",
    ("realms", "show"): "realm",
    ("hardware_profiles", "index"): "hardware_profiles",
    ("hardware_profiles", "show"): "hardware_profile",
    ("images", "index"): "images",
    ("images", "show"): "image",
    ("images", "create"): "create_image",
    ("images", "destroy"): "destroy_image",
    ("instances", "index"): "instances",
    ("instances", "show"): "instance",
    ("instances", "create"): "create_instances",
    ("instances", "start"): "start_instance",
    ("instances", "stop"): "stop_instance",
    ("instances", "reboot"): "reboot_instance",
    ("instances", "destroy"): "destroy_instance",
    ("instances", "run"): "run_on_instance",
    ("keys", "index"): "keys",
    ("keys", "show"): "key",
    ("keys", "create"): "create_key",
    ("keys", "destroy"): "destroy_key",
    ("storage_volumes", "index"): "storage_volumes",
    ("storage_volumes", "show"): "storage_volume",
    ("storage_volumes", "create"): "create_storage_volume",
    ("storage_volumes", "destroy"): "destroy_storage_volume",
    ("storage_volumes", "attach"): "attach_storage_volume",
    ("storage_volumes", "detach"): "detach_storage_volume",
    ("storage_snapshots", "index"): "storage_snapshots",
    ("storage_snapshots", "show"): "storage_snapshot",
    ("storage_snapshots", "create"): "create_storage_snapshot",
    ("storage_snapshots", "destroy"): "destroy_storage_snapshot",
    ("buckets", "index"): "buckets",
    ("buckets", "show"): "bucket",
    ("buckets", "create"): "create_bucket",
    ("buckets", "destroy"): "destroy_bucket",
    ("buckets", "blob_show"): "blob",
    ("buckets", "blob_create"): "create_blob",
    ("buckets", "blob_destroy"): "destroy_blob",
    ("buckets", "blob_metadata"): "blob",
    ("buckets", "blob_update_metadata"): "update_blob_metadata",
    ("buckets", "blob_content"): "blob_content",
    ("addresses", "index"): "addresses",
    ("addresses", "show"): "address",
    ("addresses", "create"): "create_address",
    ("addresses", "destroy"): "destroy_address",
    ("addresses", "associate"): "associate_address",
    ("addresses", "disassociate"): "disassociate_address",
    ("firewalls", "index"): "firewalls",
    ("firewalls", "show"): "firewall",
    ("firewalls", "create"): "create_firewall",
    ("firewalls", "destroy"): "destroy_firewall",
    ("firewalls", "rule_create"): "create_firewall_rule",
    ("firewalls", "rule_destroy"): "destroy_firewall_rule",
    ("load_balancers", "index"): "load_balancers",
    ("load_balancers", "show"): "load_balancer",
    ("load_balancers", "create"): "create_load_balancer",
    ("load_balancers", "destroy"): "destroy_load_balancer",
    ("load_balancers", "register"): "register_instance",
    ("load_balancers", "unregister"): "unregister_instance",
    ("metrics", "index"): "metrics",
    ("metrics", "show"): "metric",
    ("networks", "index"): "networks",
    ("networks", "show"): "network",
    ("networks", "create"): "create_network",
    ("networks", "destroy"): "destroy_network",
    ("subnets", "index"): "subnets",
    ("subnets", "show"): "subnet",
    ("subnets", "create"): "create_subnet",
    ("subnets", "destroy"): "destroy_subnet",
    ("network_interfaces", "index"): "network_interfaces",
    ("network_interfaces", "show"): "network_interface",
    ("network_interfaces", "create"): "create_network_interface",
    ("network_interfaces", "destroy"): "destroy_network_interface",
}

#: collections whose presence is data rather than a method (spec §6.4)
_DATA_COLLECTIONS = {"drivers", "instance_states"}


class DriverContext:
    """Per-request facts a driver may need: who calls, at which provider, and where state lives.

    Credentials are demanded lazily: a route whose driver never reads them works unauthenticated
    (the Deltacloud entry point, hardware profiles, ...).
    """

    def __init__(
        self,
        driver: str,
        provider: str | None,
        credential_store: CredentialStore,
        state_store: StateStore,
        identify: Callable[[], Tenant | None],
    ) -> None:
        self.driver = driver
        self.provider = provider
        self._credential_store = credential_store
        self._state_store = state_store
        self._identify = identify

    @cached_property
    def tenant(self) -> Tenant:
        tenant = self._identify()
        if tenant is None:
            raise AuthenticationRequired()
        return tenant

    @property
    def established_tenant_id(self) -> str | None:
        """The caller's tenant if this request already established it (never forces authentication):
        what metering records for calls that fail before or without authenticating."""
        tenant = self.__dict__.get("tenant")
        return tenant.id if tenant is not None else None

    def credentials(self) -> ProviderCredentials:
        found = self._credential_store.provider_credentials(self.tenant, self.driver, self.provider)
        if found is None:
            raise AuthenticationFailure(f"No credentials for driver '{self.driver}' are registered for this tenant")
        return found

    def state(self, scope: str | None = None) -> ScopedState:
        """State private to this tenant, driver and provider (tenants never see each other's)."""
        tenant = scope if scope is not None else self.tenant.id
        return ScopedState(self._state_store, f"{tenant}/{self.driver}/{self.provider or 'default'}")


class Driver:
    """Base of every driver. Unsupported operations raise :class:`NotSupported`."""

    name: ClassVar[str]
    title: ClassVar[str]
    capabilities: ClassVar[Capabilities]
    state_machine: ClassVar[StateMachine | None] = None
    #: its providers are the regions an AWS client signs its requests for: the EC2 front-end then serves the
    #: signed region, and an unknown one is an error, never a quiet fall back to the driver's default
    providers_are_signing_regions: ClassVar[bool] = False
    #: the cloud creates instances powered off (RHEV-M): a front-end whose client asked for a started one
    #: (CIMI's initialState) starts it once it is created
    launches_stopped: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        caps = cls.__dict__.get("capabilities")
        if caps is None:
            return
        declared = [
            OPERATION_METHODS[(collection, operation)]
            for collection, support in caps.collections.items()
            for operation in support.operations
            if (collection, operation) in OPERATION_METHODS
        ]
        missing = [f"{method}()" for method in declared if getattr(cls, method) is getattr(Driver, method)]
        if missing:
            raise TypeError(f"driver {cls.__name__} declares operations it does not implement: {', '.join(missing)}")
        if caps.has_collection("instance_states") and cls.state_machine is None:
            raise TypeError(f"driver {cls.__name__} lists instance_states but has no state_machine")

    def __init__(self, context: DriverContext) -> None:
        self.context = context

    # -- metadata -------------------------------------------------------------------------
    @classmethod
    def providers(cls) -> list[Provider]:
        """Providers known without credentials (static catalogue)."""
        return []

    @classmethod
    def info(cls) -> DriverInfo:
        return DriverInfo(id=cls.name, name=cls.title, providers=cls.providers())

    @classmethod
    def check_provider(cls, provider: str | None) -> None:
        """Raise UnknownProvider for a provider this driver cannot serve; default: any is fine."""

    def introspect(self) -> Capabilities:
        """Capabilities for this provider (and credentials, where cheap): refined by drivers."""
        return self.capabilities

    def check_credentials(self) -> None:
        """Validate the caller's credentials with the cloud (``force_auth``)."""
        self.context.credentials()

    # -- compute --------------------------------------------------------------------------
    def realms(self, filters: Filters) -> list[Realm]:
        raise NotSupported("realms")

    def realm(self, realm_id: str) -> Realm | None:
        raise NotSupported("realms")

    def hardware_profiles(self, filters: Filters) -> list[HardwareProfile]:
        raise NotSupported("hardware_profiles")

    def hardware_profile(self, profile_id: str) -> HardwareProfile | None:
        raise NotSupported("hardware_profiles")

    def images(self, filters: Filters) -> list[Image]:
        raise NotSupported("images")

    def image(self, image_id: str) -> Image | None:
        raise NotSupported("image")

    def create_image(self, instance_id: str, name: str | None, description: str | None, *,
                     no_reboot: bool = False) -> Image:
        """``no_reboot``: image the instance as it runs, where the cloud would otherwise reboot it first
        (AWS does by default; clouds that never reboot for an image ignore it)."""
        raise NotSupported("create_image")

    def destroy_image(self, image_id: str) -> None:
        raise NotSupported("destroy_image")

    def instances(self, filters: Filters) -> list[Instance]:
        raise NotSupported("instances")

    def instance(self, instance_id: str) -> Instance | None:
        raise NotSupported("instances")

    def create_instances(self, request: InstanceCreate) -> list[Instance]:
        raise NotSupported("create_instance")

    def start_instance(self, instance_id: str) -> Instance:
        raise NotSupported("start_instance")

    def stop_instance(self, instance_id: str) -> Instance:
        raise NotSupported("stop_instance")

    def reboot_instance(self, instance_id: str) -> Instance:
        raise NotSupported("reboot_instance")

    def destroy_instance(self, instance_id: str) -> None:
        raise NotSupported("destroy_instance")

    def run_on_instance(
        self, instance_id: str, command: str, private_key: str | None, password: str | None,
        ip: str | None, port: int,
    ) -> RunResult:
        raise NotSupported("run_on_instance")

    def keys(self, filters: Filters) -> list[Key]:
        raise NotSupported("keys")

    def key(self, key_id: str) -> Key | None:
        raise NotSupported("keys")

    def create_key(self, name: str, public_key: str | None) -> Key:
        raise NotSupported("create_key")

    def destroy_key(self, key_id: str) -> None:
        raise NotSupported("destroy_key")

    # -- storage --------------------------------------------------------------------------
    def storage_volumes(self, filters: Filters) -> list[StorageVolume]:
        raise NotSupported("storage_volumes")

    def storage_volume(self, volume_id: str) -> StorageVolume | None:
        raise NotSupported("storage_volumes")

    def create_storage_volume(self, request: StorageVolumeCreate) -> StorageVolume:
        raise NotSupported("create_storage_volume")

    def destroy_storage_volume(self, volume_id: str) -> None:
        raise NotSupported("destroy_storage_volume")

    def attach_storage_volume(self, volume_id: str, instance_id: str, device: str) -> StorageVolume:
        raise NotSupported("attach_storage_volume")

    def detach_storage_volume(self, volume_id: str) -> StorageVolume:
        raise NotSupported("detach_storage_volume")

    def storage_snapshots(self, filters: Filters) -> list[StorageSnapshot]:
        raise NotSupported("storage_snapshots")

    def storage_snapshot(self, snapshot_id: str) -> StorageSnapshot | None:
        raise NotSupported("storage_snapshots")

    def create_storage_snapshot(self, volume_id: str, name: str | None, description: str | None) -> StorageSnapshot:
        raise NotSupported("create_storage_snapshot")

    def destroy_storage_snapshot(self, snapshot_id: str) -> None:
        raise NotSupported("destroy_storage_snapshot")

    def buckets(self, filters: Filters) -> list[Bucket]:
        raise NotSupported("buckets")

    def bucket(self, bucket_id: str) -> Bucket | None:
        raise NotSupported("buckets")

    def create_bucket(self, name: str, location: str | None) -> Bucket:
        raise NotSupported("create_bucket")

    def destroy_bucket(self, bucket_id: str) -> None:
        raise NotSupported("delete_bucket")

    def blob(self, bucket_id: str, blob_id: str) -> Blob | None:
        raise NotSupported("blob")

    def create_blob(
        self, bucket_id: str, blob_id: str, content: Iterator[bytes], content_type: str,
        user_metadata: Mapping[str, str],
    ) -> Blob:
        raise NotSupported("create_blob")

    def destroy_blob(self, bucket_id: str, blob_id: str) -> None:
        raise NotSupported("delete_blob")

    def update_blob_metadata(self, bucket_id: str, blob_id: str, user_metadata: Mapping[str, str]) -> Blob:
        raise NotSupported("update_blob_metadata")

    def blob_content(self, bucket_id: str, blob_id: str) -> Iterator[bytes]:
        raise NotSupported("blob")

    def blob_download_url(self, bucket_id: str, blob_id: str) -> str | None:
        """A time-limited URL the client can download the blob from directly, when the cloud offers one.

        Lets a front-end redirect large downloads (a Lambda response carries at most 6 MB); None: stream.
        """
        return None

    # -- network --------------------------------------------------------------------------
    def addresses(self, filters: Filters) -> list[Address]:
        raise NotSupported("addresses")

    def address(self, address_id: str) -> Address | None:
        raise NotSupported("addresses")

    def create_address(self) -> Address:
        raise NotSupported("create_address")

    def destroy_address(self, address_id: str) -> None:
        raise NotSupported("destroy_address")

    def associate_address(self, address_id: str, instance_id: str) -> Address:
        raise NotSupported("associate_address")

    def disassociate_address(self, address_id: str) -> Address:
        raise NotSupported("associate_address")

    def firewalls(self, filters: Filters) -> list[Firewall]:
        raise NotSupported("firewalls")

    def firewall(self, firewall_id: str) -> Firewall | None:
        raise NotSupported("firewalls")

    def create_firewall(self, name: str, description: str) -> Firewall:
        raise NotSupported("create_firewall")

    def destroy_firewall(self, firewall_id: str) -> None:
        raise NotSupported("delete_firewall")

    def create_firewall_rule(
        self, firewall_id: str, protocol: str, port_from: str, port_to: str, sources: list[RuleSource]
    ) -> Firewall:
        raise NotSupported("create_firewall_rule")

    def destroy_firewall_rule(self, firewall_id: str, rule_id: str) -> None:
        raise NotSupported("delete_firewall_rule")

    def load_balancers(self, filters: Filters) -> list[LoadBalancer]:
        raise NotSupported("load_balancers")

    def load_balancer(self, balancer_id: str) -> LoadBalancer | None:
        raise NotSupported("load_balancer")

    def create_load_balancer(self, name: str, realm_id: str, listeners: list[Listener]) -> LoadBalancer:
        raise NotSupported("create_load_balancer")

    def destroy_load_balancer(self, balancer_id: str) -> None:
        raise NotSupported("destroy_load_balancer")

    def register_instance(self, balancer_id: str, instance_id: str) -> LoadBalancer:
        raise NotSupported("lb_register_instance")

    def unregister_instance(self, balancer_id: str, instance_id: str) -> LoadBalancer:
        raise NotSupported("lb_unregister_instance")

    def metrics(self, filters: Filters) -> list[Metric]:
        raise NotSupported("metrics")

    def metric(self, metric_id: str) -> Metric | None:
        raise NotSupported("metrics")

    def networks(self, filters: Filters) -> list[Network]:
        raise NotSupported("networks")

    def network(self, network_id: str) -> Network | None:
        raise NotSupported("networks")

    def create_network(self, name: str | None, address_block: str | None) -> Network:
        raise NotSupported("create_network")

    def destroy_network(self, network_id: str) -> None:
        raise NotSupported("destroy_network")

    def subnets(self, filters: Filters) -> list[Subnet]:
        raise NotSupported("subnets")

    def subnet(self, subnet_id: str) -> Subnet | None:
        raise NotSupported("subnets")

    def create_subnet(self, network_id: str, address_block: str, name: str | None) -> Subnet:
        raise NotSupported("create_subnet")

    def destroy_subnet(self, subnet_id: str) -> None:
        raise NotSupported("destroy_subnet")

    def network_interfaces(self, filters: Filters) -> list[NetworkInterface]:
        raise NotSupported("network_interfaces")

    def network_interface(self, interface_id: str) -> NetworkInterface | None:
        raise NotSupported("network_interfaces")

    def create_network_interface(self, instance_id: str, network_id: str, name: str | None) -> NetworkInterface:
        raise NotSupported("create_network_interface")

    def destroy_network_interface(self, interface_id: str) -> None:
        raise NotSupported("destroy_network_interface")
