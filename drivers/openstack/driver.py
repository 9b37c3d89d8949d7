"""OpenStack (Keystone v3): Nova servers, Glance images, flavors, key pairs, Cinder volumes and
snapshots, Neutron floating IPs and security groups, Swift buckets — one region of one project.

Capabilities are what libcloud's ``OpenStack_2_NodeDriver`` and ``OpenStackSwiftStorageDriver``
implement; declared by hand: the security-group and floating-IP extensions (as firewalls and
addresses), and the realm (libcloud's ``list_locations`` returns a placeholder, so the region is
the one realm).
"""

from typing import Any

from deltacloud.credentials import ProviderCredentials
from deltacloud.driver import Filters
from deltacloud.drivers.libcloud_adapter import addresses, introspection
from deltacloud.drivers.libcloud_adapter.addresses import LibcloudFloatingIps
from deltacloud.drivers.libcloud_adapter.errors import provider_errors
from deltacloud.drivers.libcloud_adapter.swift import SwiftStorage
from deltacloud.errors import ValidationError
from deltacloud.model import Instance, InstanceCreate, Realm

from .connection import catalogue_region, keystone_arguments, target
from .firewalls import SECURITY_GROUP_METHODS, SecurityGroupFirewalls

#: Declared as data, so that loading the driver class imports no libcloud (listing drivers stays
#: cheap); :func:`introspected` derives the same from libcloud's classes, and the test suite
#: checks that the two agree.
OFFERED: dict[str, set[str]] = {
    "realms": {"index", "show"},
    "hardware_profiles": {"index", "show"},
    "images": {"index", "show", "create", "destroy"},
    "instances": {"index", "show", "create", "start", "stop", "reboot", "destroy"},
    "keys": {"index", "show", "create", "destroy"},
    "storage_volumes": {"index", "show", "create", "destroy", "attach", "detach"},
    "storage_snapshots": {"index", "show", "create", "destroy"},
    "buckets": {"index", "show", "create", "destroy", "blob_show", "blob_create", "blob_destroy", "blob_metadata",
                "blob_content"},
    "addresses": {"index", "show", "create", "destroy", "associate", "disassociate"},
    "firewalls": {"index", "show", "create", "destroy", "rule_create", "rule_destroy"},
}
FEATURES: dict[str, list[str]] = {
    "instances": ["authentication_key", "authentication_password", "firewalls", "user_data", "user_name"],
    "images": ["image_name"],
    "keys": ["import_key"],
    "storage_volumes": ["volume_name"],
}


def introspected() -> tuple[dict[str, set[str]], dict[str, list[str]]]:
    """What libcloud's OpenStack classes implement, with this provider's declarations by hand."""
    from libcloud.compute.drivers.openstack import OpenStack_2_NodeDriver
    from libcloud.storage.drivers.cloudfiles import OpenStackSwiftStorageDriver

    offered = introspection.introspect(compute=OpenStack_2_NodeDriver, storage=OpenStackSwiftStorageDriver)
    offered["realms"] = {"index", "show"}
    if all(introspection.implements(OpenStack_2_NodeDriver, m) for m in addresses.FLOATING_IP_METHODS):
        offered["addresses"] = {"index", "show", "create", "destroy", "associate", "disassociate"}
    if all(introspection.implements(OpenStack_2_NodeDriver, m) for m in SECURITY_GROUP_METHODS):
        offered["firewalls"] = {"index", "show", "create", "destroy", "rule_create", "rule_destroy"}
    features = introspection.standard_features(OpenStack_2_NodeDriver)
    features["instances"] = sorted({*features["instances"], "firewalls"})
    return offered, features


class OpenStackDriver(LibcloudFloatingIps, SecurityGroupFirewalls, SwiftStorage):
    name = "openstack"
    title = "Openstack"
    capabilities = introspection.build_capabilities(OFFERED, FEATURES)
    state_machine = introspection.state_machine(OFFERED["instances"])
    sdk_kinds = ("compute", "storage")

    def open_sdk(self, kind: str, credentials: ProviderCredentials, timeout: float) -> Any:
        from deltacloud.drivers.libcloud_adapter.nova import sending_admin_pass
        from libcloud.compute.drivers.openstack import OpenStack_2_NodeDriver
        from libcloud.storage.drivers.cloudfiles import OpenStackSwiftStorageDriver

        found = target(self.context.provider, credentials)
        arguments = keystone_arguments(found, credentials, timeout)
        driver_class = sending_admin_pass(OpenStack_2_NodeDriver) if kind == "compute" else OpenStackSwiftStorageDriver
        region = catalogue_region(found, driver_class(**arguments))
        if region is not None:
            arguments["ex_force_service_region"] = region
        return driver_class(**arguments)

    def probe(self) -> None:
        with provider_errors():
            self.compute().list_sizes()

    def _region(self) -> str:
        found = target(self.context.provider, self.context.credentials())
        with provider_errors():
            return catalogue_region(found, self.compute()) or "default"

    def realms(self, filters: Filters) -> list[Realm]:
        region = self._region()
        return [Realm(id=region, name=region)] if filters.get("id") in (None, "", region) else []

    def to_instance(self, node: Any) -> Instance:
        return super().to_instance(node).model_copy(update={"realm_id": self._region()})

    def find_node(self, instance_id: str) -> Any | None:
        with provider_errors():
            return self.compute().ex_get_node_details(instance_id)

    def list_volume_snapshots(self) -> list[Any]:
        with provider_errors():
            return list(self.compute().ex_list_snapshots())

    def create_node_arguments(self, request: InstanceCreate) -> dict[str, Any]:
        arguments = super().create_node_arguments(request)
        if request.password:
            arguments["ex_admin_pass"] = request.password
        if request.firewall_ids:
            groups = {str(g.id): g for g in self._groups()} | {g.name: g for g in self._groups()}
            unknown = [f for f in request.firewall_ids if f not in groups]
            if unknown:
                raise ValidationError(f"Firewalls do not exist: {', '.join(unknown)}")
            arguments["ex_security_groups"] = [groups[f] for f in request.firewall_ids]
        return arguments

    def allocate_floating_ip(self) -> Any:
        pool = self.context.credentials().get("floating_ip_pool")
        return self.compute().ex_create_floating_ip(pool)
