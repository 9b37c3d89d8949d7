"""VMware vSphere through vCenter's Automation REST API: datacenters as realms, content-library
VM templates as images, VMs as instances (deploy from a template, start, stop, reset, remove).

The provider is the vCenter URL (``https://vcenter.example.com``); credentials: ``username``
(``alice@vsphere.local``) and ``password``. TLS certificates are verified against the system's
trust store. The client is a small libcloud driver of our own (:mod:`.api`, which says why not
libcloud's), so the generic adapter maps it and introspection reads its capabilities like any
libcloud class: what it does not implement (hardware profiles — vSphere sizes a VM from its
template —, keys, volumes) is not offered.
"""

from typing import Any

from deltacloud.credentials import ProviderCredentials
from deltacloud.drivers.endpoints import UrlProvider
from deltacloud.drivers.libcloud_adapter import introspection
from deltacloud.drivers.libcloud_adapter.base import required
from deltacloud.drivers.libcloud_adapter.compute import LibcloudCompute
from deltacloud.drivers.libcloud_adapter.errors import provider_errors

#: Declared as data, so that loading the driver class imports no libcloud; :func:`introspected`
#: derives the same from :class:`.api.VSphereRestNodeDriver` and the test suite checks they agree.
OFFERED: dict[str, frozenset[str]] = {
    "realms": introspection.LISTED,
    "images": introspection.LISTED,
    "instances": introspection.INSTANCE_OPERATIONS,
}
FEATURES: dict[str, list[str]] = {"instances": ["user_name"]}


def introspected() -> tuple[dict[str, set[str]], dict[str, list[str]]]:
    """What the REST client implements (nothing needs declaring by hand)."""
    from .api import VSphereRestNodeDriver

    return introspection.offered_by(compute=VSphereRestNodeDriver)


class VSphereDriver(UrlProvider, LibcloudCompute):
    name = "vsphere"
    title = "VSphere"
    endpoint_is = "the vCenter URL"
    endpoint_example = "https://vcenter.example.com"
    capabilities, state_machine = introspection.declared(OFFERED, FEATURES)

    def open_sdk(self, kind: str, credentials: ProviderCredentials, timeout: float) -> Any:
        from .api import VSphereRestNodeDriver

        username, password = required(credentials, "username", "password")
        secure, host, port, _ = self.endpoint(credentials)
        return VSphereRestNodeDriver(username, password, secure=secure, host=host, port=port, timeout=timeout)

    def probe(self) -> None:
        with provider_errors():
            self.compute().list_locations()

    def find_node(self, instance_id: str) -> Any | None:
        with provider_errors():
            return next(iter(self.compute().list_nodes(ex_vm_ids=[instance_id])), None)
