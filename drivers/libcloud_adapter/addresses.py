"""Addresses as floating IPs, for libcloud drivers offering the ``ex_*floating_ip*`` extension.

The extension has the same shape in the OpenStack (Neutron) and DigitalOcean drivers: list,
create, delete, attach to a node, detach from a node. The address id is the IP itself, as in
the original Deltacloud.
"""

from typing import Any

from deltacloud.driver import Filters
from deltacloud.drivers.typed_errors import listing
from deltacloud.errors import Forbidden, NotFound
from deltacloud.model import Address

from . import mapping
from .base import matches
from .compute import LibcloudCompute
from .errors import provider_errors

#: the extension methods a libcloud class must have for the addresses collection
FLOATING_IP_METHODS = (
    "ex_list_floating_ips", "ex_create_floating_ip", "ex_delete_floating_ip",
    "ex_attach_floating_ip_to_node", "ex_detach_floating_ip_from_node",
)


def _node_id(floating: Any) -> str | None:
    getter = getattr(floating, "get_node_id", None)
    node_id = getter() if getter is not None else floating.node_id
    return str(node_id) if node_id else None


class LibcloudFloatingIps(LibcloudCompute):
    def allocate_floating_ip(self) -> Any:
        """Allocate a floating IP; the provider says from which pool or region."""
        raise NotImplementedError

    def _floating_ips(self) -> list[Any]:
        with listing(), provider_errors():
            return list(self.compute().ex_list_floating_ips())

    def _floating_ip(self, address_id: str) -> Any:
        found = next((f for f in self._floating_ips() if f.ip_address == address_id), None)
        if found is None:
            raise NotFound(f"Address '{address_id}' not found")
        return found

    def _address(self, floating: Any) -> Address:
        with provider_errors():
            return mapping.address(floating.ip_address, floating.ip_address, _node_id(floating))

    def addresses(self, filters: Filters) -> list[Address]:
        found = [self._address(f) for f in self._floating_ips()]
        return [a for a in found if matches(a.model_dump(), filters, ("id",))]

    def address(self, address_id: str) -> Address | None:
        return next(iter(self.addresses({"id": address_id})), None)

    def create_address(self) -> Address:
        with provider_errors():
            created = self.allocate_floating_ip()
        if created is None:
            raise NotFound("No floating IP pool to allocate from")
        return self._address(created)

    def destroy_address(self, address_id: str) -> None:
        floating = self._floating_ip(address_id)
        if self._address(floating).instance_id:
            raise Forbidden(f"Address '{address_id}' is associated with an instance")
        with provider_errors():
            self.compute().ex_delete_floating_ip(floating)

    def associate_address(self, address_id: str, instance_id: str) -> Address:
        floating = self._floating_ip(address_id)
        if self._address(floating).instance_id:
            raise Forbidden(f"Address '{address_id}' is already associated")
        node = self._node(instance_id)
        with provider_errors():
            self.compute().ex_attach_floating_ip_to_node(node, floating)
        return Address(id=address_id, ip=address_id, instance_id=instance_id)

    def disassociate_address(self, address_id: str) -> Address:
        floating = self._floating_ip(address_id)
        instance_id = self._address(floating).instance_id
        if not instance_id:
            raise Forbidden(f"Address '{address_id}' is not associated")
        node = self._node(instance_id)
        with provider_errors():
            self.compute().ex_detach_floating_ip_from_node(node, floating)
        return Address(id=address_id, ip=address_id)
