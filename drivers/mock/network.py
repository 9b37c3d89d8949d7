"""The mock cloud's private networks, their subnets and the instances' interfaces (spec §7.15-7.17)."""

import ipaddress
from collections.abc import Iterator

from deltacloud.driver import Filters
from deltacloud.errors import Conflict, NotFound, ValidationError
from deltacloud.model import Network, NetworkInterface, Subnet
from deltacloud.names import path_segment_name
from deltacloud.state import Transaction

from .base import MockBase
from .state import found, matches, unused_id

Block = ipaddress.IPv4Network | ipaddress.IPv6Network


def _block(raw: str) -> Block:
    try:
        return ipaddress.ip_network(raw.strip(), strict=False)
    except ValueError:
        raise ValidationError(f"address_block must be a CIDR block such as 10.0.0.0/16, not {raw!r}") from None


def _new_id(tx: Transaction, collection: str, name: str | None, prefix: str, kind: str) -> str:
    if not name:
        return unused_id(tx, collection, prefix)
    path_segment_name(name, kind)
    if tx.get(collection, name) is not None:
        raise Conflict(f"{kind} '{name}' already exists")
    return name


def _free_addresses(block: Block, used: set[str]) -> Iterator[str]:
    """Host addresses not in use, lowest first; the first host is the gateway, as in real clouds."""
    hosts = block.hosts()
    next(hosts, None)
    return (str(ip) for ip in hosts if str(ip) not in used)


class MockNetwork(MockBase):
    # -- networks -------------------------------------------------------------------------
    def networks(self, filters: Filters) -> list[Network]:
        records = self._state().list("networks")
        return [Network.model_validate(r) for r in records if matches(r, filters, ("id", "name", "state"))]

    def network(self, network_id: str) -> Network | None:
        record = self._state().get("networks", network_id)
        return Network.model_validate(record) if record else None

    def create_network(self, name: str | None, address_block: str | None) -> Network:
        blocks = [str(_block(address_block))] if address_block else []

        def create(tx: Transaction) -> Network:
            network_id = _new_id(tx, "networks", name, "net_", "Network")
            network = Network(id=network_id, name=network_id, address_blocks=blocks)
            tx.put("networks", network_id, network.model_dump(mode="json"))
            return network

        return self._state().transact(create)

    def destroy_network(self, network_id: str) -> None:
        def destroy(tx: Transaction) -> None:
            network = found(tx, "networks", network_id, "Network")
            subnet_ids = set(network.get("subnet_ids", []))
            in_use = [str(n["id"]) for n in tx.list("network_interfaces") if n.get("network_id") in subnet_ids]
            if in_use:
                raise Conflict(f"Network '{network_id}' still has network interfaces: {', '.join(in_use)}")
            for subnet_id in subnet_ids:
                tx.delete("subnets", subnet_id)
            tx.delete("networks", network_id)

        self._state().transact(destroy)

    # -- subnets --------------------------------------------------------------------------
    def subnets(self, filters: Filters) -> list[Subnet]:
        records = self._state().list("subnets")
        return [Subnet.model_validate(r) for r in records if matches(r, filters, ("id", "name", "network_id"))]

    def subnet(self, subnet_id: str) -> Subnet | None:
        record = self._state().get("subnets", subnet_id)
        return Subnet.model_validate(record) if record else None

    def create_subnet(self, network_id: str, address_block: str, name: str | None) -> Subnet:
        block = _block(address_block)

        def create(tx: Transaction) -> Subnet:
            network = found(tx, "networks", network_id, "Network")
            outer = [_block(b) for b in network.get("address_blocks", [])]
            if outer and not any(block.version == o.version and block.subnet_of(o) for o in outer):  # type: ignore[arg-type]
                raise ValidationError(f"{block} is not inside the address blocks of network '{network_id}' "
                                      f"({', '.join(str(o) for o in outer)})")
            for sibling_id in network.get("subnet_ids", []):
                sibling = tx.get("subnets", sibling_id)
                if sibling is not None and block.overlaps(_block(str(sibling["address_block"]))):
                    raise Conflict(f"{block} overlaps subnet '{sibling_id}' ({sibling['address_block']})")
            subnet_id = _new_id(tx, "subnets", name, "subnet_", "Subnet")
            subnet = Subnet(id=subnet_id, name=subnet_id, address_block=str(block), network_id=network_id)
            tx.put("subnets", subnet_id, subnet.model_dump(mode="json"))
            tx.put("networks", network_id, {**network, "subnet_ids": [*network.get("subnet_ids", []), subnet_id]})
            return subnet

        return self._state().transact(create)

    def destroy_subnet(self, subnet_id: str) -> None:
        def destroy(tx: Transaction) -> None:
            subnet = found(tx, "subnets", subnet_id, "Subnet")
            in_use = [str(n["id"]) for n in tx.list("network_interfaces") if n.get("network_id") == subnet_id]
            if in_use:
                raise Conflict(f"Subnet '{subnet_id}' still has network interfaces: {', '.join(in_use)}")
            network = tx.get("networks", str(subnet["network_id"]))
            if network is not None:
                remaining = [s for s in network.get("subnet_ids", []) if s != subnet_id]
                tx.put("networks", str(network["id"]), {**network, "subnet_ids": remaining})
            tx.delete("subnets", subnet_id)

        self._state().transact(destroy)

    # -- network interfaces ---------------------------------------------------------------
    def network_interfaces(self, filters: Filters) -> list[NetworkInterface]:
        records = self._state().list("network_interfaces")
        return [NetworkInterface.model_validate(r) for r in records
                if matches(r, filters, ("id", "name", "instance_id", "network_id"))]

    def network_interface(self, interface_id: str) -> NetworkInterface | None:
        record = self._state().get("network_interfaces", interface_id)
        return NetworkInterface.model_validate(record) if record else None

    def create_network_interface(self, instance_id: str, network_id: str, name: str | None) -> NetworkInterface:
        """``network_id`` names a subnet, or a network whose first subnet with room is used."""

        def create(tx: Transaction) -> NetworkInterface:
            instance = found(tx, "instances", instance_id, "Instance")
            subnet_ids = [network_id] if tx.get("subnets", network_id) is not None else None
            if subnet_ids is None:
                network = tx.get("networks", network_id)
                if network is None:
                    raise NotFound(f"Subnet or network '{network_id}' not found")
                subnet_ids = list(network.get("subnet_ids", []))
                if not subnet_ids:
                    raise ValidationError(f"Network '{network_id}' has no subnets to put an interface in")
            used = {str(n.get("ip_address")) for n in tx.list("network_interfaces")}
            for subnet_id in subnet_ids:
                subnet = tx.get("subnets", subnet_id)
                ip = next(_free_addresses(_block(str(subnet["address_block"])), used), None) if subnet else None
                if ip is not None:
                    break
            else:
                raise Conflict(f"No free address left in '{network_id}'")
            interface_id = _new_id(tx, "network_interfaces", name, "nic_", "Network interface")
            interface = NetworkInterface(id=interface_id, name=interface_id, instance_id=instance_id,
                                         network_id=subnet_id, ip_address=ip)
            tx.put("network_interfaces", interface_id, interface.model_dump(mode="json"))
            attached = [*(instance.get("network_interface_ids") or []), interface_id]
            tx.put("instances", instance_id, {**instance, "network_interface_ids": attached})
            return interface

        return self._state().transact(create)

    def destroy_network_interface(self, interface_id: str) -> None:
        def destroy(tx: Transaction) -> None:
            interface = found(tx, "network_interfaces", interface_id, "Network interface")
            instance = tx.get("instances", str(interface["instance_id"]))
            if instance is not None:
                remaining = [n for n in instance.get("network_interface_ids") or [] if n != interface_id]
                tx.put("instances", str(instance["id"]), {**instance, "network_interface_ids": remaining})
            tx.delete("network_interfaces", interface_id)

        self._state().transact(destroy)
