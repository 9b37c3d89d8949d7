"""OpenStack (Keystone v3): Nova servers, Glance images, flavors, key pairs, Cinder volumes and
snapshots, Neutron floating IPs and security groups, Swift buckets — one region of one project.

Capabilities are what libcloud's ``OpenStack_2_NodeDriver`` and ``OpenStackSwiftStorageDriver``
implement; declared by hand: the security-group and floating-IP extensions (as firewalls and
addresses), and the realm (libcloud's ``list_locations`` returns a placeholder, so the region is
the one realm).
"""

from typing import Any

from deltacloud.credentials import ProviderCredentials
from deltacloud.drivers.libcloud_adapter import addresses, introspection
from deltacloud.drivers.libcloud_adapter.addresses import LibcloudFloatingIps
from deltacloud.drivers.libcloud_adapter.errors import provider_errors
from deltacloud.drivers.libcloud_adapter.nova import NovaCompute, sending_admin_pass
from deltacloud.errors import ValidationError
from deltacloud.model import InstanceCreate, Realm

from .connection import catalogue_region, keystone_arguments, target
from .firewalls import SECURITY_GROUP_METHODS, SecurityGroupFirewalls

#: Declared as data, so that loading the driver class imports no libcloud (listing drivers stays
#: cheap); :func:`introspected` derives the same from libcloud's classes, and the test suite
#: checks that the two agree.
OFFERED: dict[str, frozenset[str]] = {
    **introspection.FULL_COMPUTE,
    "buckets": introspection.BUCKET_OPERATIONS,
    "addresses": introspection.ADDRESS_OPERATIONS,
    "firewalls": introspection.FIREWALL_OPERATIONS,
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

    offered, features = introspection.offered_by(compute=OpenStack_2_NodeDriver, storage=OpenStackSwiftStorageDriver)
    offered["realms"] = set(introspection.LISTED)
    if all(introspection.implements(OpenStack_2_NodeDriver, m) for m in addresses.FLOATING_IP_METHODS):
        offered["addresses"] = set(introspection.ADDRESS_OPERATIONS)
    if all(introspection.implements(OpenStack_2_NodeDriver, m) for m in SECURITY_GROUP_METHODS):
        offered["firewalls"] = set(introspection.FIREWALL_OPERATIONS)
    features["instances"] = sorted({*features["instances"], "firewalls"})
    return offered, features


class OpenStackDriver(LibcloudFloatingIps, SecurityGroupFirewalls, NovaCompute):
    name = "openstack"
    title = "Openstack"
    capabilities, state_machine = introspection.declared(OFFERED, FEATURES)

    def open_sdk(self, kind: str, credentials: ProviderCredentials, timeout: float) -> Any:
        from libcloud.compute.drivers.openstack import OpenStack_2_NodeDriver
        from libcloud.storage.drivers.cloudfiles import OpenStackSwiftStorageDriver

        found = target(self.context.provider, credentials)
        arguments = keystone_arguments(found, credentials, timeout)
        driver_class = sending_admin_pass(OpenStack_2_NodeDriver) if kind == "compute" else OpenStackSwiftStorageDriver
        region = catalogue_region(found, driver_class(**arguments))
        if region is not None:
            arguments["ex_force_service_region"] = region
        return driver_class(**arguments)

    def region_realm(self) -> Realm:
        found = target(self.context.provider, self.context.credentials())
        with provider_errors():
            region = catalogue_region(found, self.compute()) or "default"
        return Realm(id=region, name=region)

    def list_volume_snapshots(self) -> list[Any]:
        with provider_errors():
            return list(self.compute().ex_list_snapshots())

    def create_node_arguments(self, request: InstanceCreate) -> dict[str, Any]:
        arguments = super().create_node_arguments(request)
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
