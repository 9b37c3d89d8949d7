"""DigitalOcean (API v2): regions as realms, sizes as hardware profiles, droplets as instances.

Credentials: ``password`` = the API token (any user name). Capabilities are what libcloud's
``DigitalOcean_v2_NodeDriver`` implements; declared by hand where its names differ from
libcloud's standard ones: start/stop are its power-on/shutdown extensions, snapshot removal is
``delete_volume_snapshot``, keys are created by importing a public key, floating IPs are addresses,
and ``keyname`` at launch becomes the key's id in ``ssh_keys``.
"""

from functools import cached_property
from typing import Any, TypeVar

from deltacloud.credentials import ProviderCredentials
from deltacloud.drivers.endpoints import endpoint_parts
from deltacloud.drivers.libcloud_adapter import addresses, introspection, mapping
from deltacloud.drivers.libcloud_adapter.addresses import LibcloudFloatingIps
from deltacloud.drivers.libcloud_adapter.base import required
from deltacloud.drivers.libcloud_adapter.errors import provider_errors
from deltacloud.errors import ValidationError
from deltacloud.model import Instance, InstanceCreate, Key, StorageSnapshot, StorageVolume, StorageVolumeCreate

#: what is created in a region: a droplet, a volume
Regional = TypeVar("Regional", InstanceCreate, StorageVolumeCreate)

#: Declared as data, so that loading the driver class imports no libcloud; :func:`introspected`
#: derives the same from ``DigitalOcean_v2_NodeDriver`` and the test suite checks they agree.
OFFERED: dict[str, frozenset[str]] = {**introspection.FULL_COMPUTE, "addresses": introspection.ADDRESS_OPERATIONS}
FEATURES: dict[str, list[str]] = {
    "instances": ["authentication_key", "user_data", "user_name"],
    "images": ["image_name"],
    "keys": ["import_key"],
    "storage_volumes": ["volume_name"],
}


def introspected() -> tuple[dict[str, set[str]], dict[str, list[str]]]:
    """What libcloud's DigitalOcean class implements, with this provider's declarations by hand."""
    from libcloud.compute.drivers.digitalocean import DigitalOcean_v2_NodeDriver as sdk_class

    offered, features = introspection.offered_by(compute=sdk_class)
    implements = introspection.implements
    if implements(sdk_class, "ex_power_on_node") and implements(sdk_class, "ex_shutdown_node"):
        offered["instances"] |= {"start", "stop"}
    if implements(sdk_class, "delete_volume_snapshot"):
        offered["storage_snapshots"].add("destroy")
    if implements(sdk_class, "create_key_pair"):
        offered["keys"].add("create")
    if all(implements(sdk_class, m) for m in addresses.FLOATING_IP_METHODS):
        offered["addresses"] = set(introspection.ADDRESS_OPERATIONS)
    features["keys"] = ["import_key"]  # create_key_pair(name, public_key)
    features["instances"] = sorted({*features["instances"], "authentication_key"})  # ex_ssh_key_ids
    return offered, features


class DigitalOceanDriver(LibcloudFloatingIps):
    name = "digitalocean"
    title = "Digitalocean"
    images_found_by_name = True  # libcloud's create_image answers True, the snapshot action's acceptance
    capabilities, state_machine = introspection.declared(OFFERED, FEATURES)

    def open_sdk(self, kind: str, credentials: ProviderCredentials, timeout: float) -> Any:
        from libcloud.compute.drivers.digitalocean import DigitalOcean_v2_NodeDriver

        (token,) = required(credentials, "password")
        # libcloud 3.9's DigitalOcean __new__ forwards keyword arguments to object.__new__ and fails
        # on any of them (timeout included): allocate the instance directly, then initialise it.
        opened = object.__new__(DigitalOcean_v2_NodeDriver)
        DigitalOcean_v2_NodeDriver.__init__(opened, token, timeout=timeout)
        endpoint = credentials.get("endpoint")
        if endpoint is not None:  # its __init__ also drops host and port: point the connection itself
            secure, host, port, _ = endpoint_parts(endpoint)
            port = port or (443 if secure else 80)
            opened.connection.base_url = f"{'https' if secure else 'http'}://{host}:{port}"
            opened.connection.secure = secure
            opened.connection.connect()  # libcloud connected at init, to the public API
        return opened

    def find_node(self, instance_id: str) -> Any | None:
        return next((n for n in self._nodes() if str(n.id) == instance_id), None)

    @cached_property
    def _region_slugs(self) -> dict[str, str]:
        """Region name -> slug: libcloud keeps only a droplet's region name, realms are slugs."""
        return {r.name: r.id for r in self.realms({})}

    def to_storage_volume(self, volume: Any) -> StorageVolume:
        # libcloud keeps the region as DigitalOcean's object (its slug aside) and the droplets it is attached to
        droplets = volume.extra.get("droplet_ids") or []
        return super().to_storage_volume(volume).model_copy(update={
            "realm_id": volume.extra.get("region_slug"),
            "instance_id": str(droplets[0]) if droplets else None,
            "state": "IN-USE" if droplets else "AVAILABLE",
        })

    def to_storage_snapshot(self, snapshot: Any) -> StorageSnapshot:
        # DigitalOcean's snapshots have no state: it lists one once it is taken (libcloud's "unknown" is no
        # state an EC2 client's snapshot_completed waiter could ever see end)
        mapped = super().to_storage_snapshot(snapshot)
        return mapped.model_copy(update={"state": "COMPLETED"}) if mapped.state == "UNKNOWN" else mapped

    def to_instance(self, node: Any) -> Instance:
        instance = mapping.instance(node)
        region = node.extra.get("region")
        return instance.model_copy(update={"realm_id": self._region_slugs.get(region, region),
                                           "hardware_profile_id": node.extra.get("size_slug")})

    def start_instance(self, instance_id: str) -> Instance:
        return self._act(instance_id, "ex_power_on_node")

    def stop_instance(self, instance_id: str) -> Instance:
        return self._act(instance_id, "ex_shutdown_node")

    def create_key(self, name: str, public_key: str | None) -> Key:
        if not public_key:
            raise ValidationError("DigitalOcean only imports keys: give public_key")
        with provider_errors():
            return mapping.key(self.compute().create_key_pair(name, public_key))

    def destroy_storage_snapshot(self, snapshot_id: str) -> None:
        snapshot = self._snapshot(snapshot_id)
        with provider_errors():
            self.compute().delete_volume_snapshot(snapshot)

    def create_node_arguments(self, request: InstanceCreate) -> dict[str, Any]:
        arguments = super().create_node_arguments(request)
        if request.keyname:
            with provider_errors():
                pairs = {p.name: p for p in self.compute().list_key_pairs()}
            if request.keyname not in pairs:
                raise ValidationError(f"Key '{request.keyname}' does not exist")
            arguments["ex_ssh_key_ids"] = [str(pairs[request.keyname].extra["id"])]
        return arguments

    def _in_a_region(self, request: Regional) -> Regional:
        """DigitalOcean needs a region for a droplet or a volume: the first one offered when none is asked
        for, as its API docs do (libcloud would send none and fail)."""
        if request.realm_id:
            return request
        realms = self.realms({})
        return request.model_copy(update={"realm_id": realms[0].id if realms else None})

    def create_instances(self, request: InstanceCreate) -> list[Instance]:
        return super().create_instances(self._in_a_region(request))

    def create_storage_volume(self, request: StorageVolumeCreate) -> StorageVolume:
        return super().create_storage_volume(self._in_a_region(request))

    def allocate_floating_ip(self) -> Any:
        with provider_errors():
            location = next(iter(self.compute().list_locations()), None)
        return self.compute().ex_create_floating_ip(location)
