"""The mock cloud's public addresses: allocate, release, associate with an instance (spec §7.11)."""

import ipaddress
from collections.abc import Mapping

from deltacloud.driver import Filters
from deltacloud.errors import Forbidden
from deltacloud.model import Address, InstanceAddress
from deltacloud.state import Transaction

from .base import MockBase
from .state import found, matches

#: the first address handed out when none exists yet
FIRST_ADDRESS = "192.168.0.1"


def _address(record: Mapping[str, object]) -> Address:
    return Address.model_validate(record)


class MockAddresses(MockBase):
    def addresses(self, filters: Filters) -> list[Address]:
        records = self._state().list("addresses")
        records.sort(key=lambda r: ipaddress.ip_address(str(r["ip"])))
        return [_address(r) for r in records if matches(r, filters, ("id", "ip", "instance_id"))]

    def address(self, address_id: str) -> Address | None:
        record = self._state().get("addresses", address_id)
        return _address(record) if record else None

    def create_address(self) -> Address:
        def create(tx: Transaction) -> Address:
            taken = [ipaddress.ip_address(str(r["ip"])) for r in tx.list("addresses")]
            ip = str(max(taken) + 1) if taken else FIRST_ADDRESS
            record = {"id": ip, "ip": ip}
            tx.put("addresses", ip, record)
            return _address(record)

        return self._state().transact(create)

    def destroy_address(self, address_id: str) -> None:
        def destroy(tx: Transaction) -> None:
            address = found(tx, "addresses", address_id, "Address")
            if address.get("instance_id"):
                raise Forbidden(f"Address {address_id} is associated with instance '{address['instance_id']}': "
                                "disassociate it first")
            tx.delete("addresses", address_id)

        self._state().transact(destroy)

    def associate_address(self, address_id: str, instance_id: str) -> Address:
        def associate(tx: Transaction) -> Address:
            address = found(tx, "addresses", address_id, "Address")
            instance = found(tx, "instances", instance_id, "Instance")
            if address.get("instance_id"):
                raise Forbidden(f"Address {address_id} is already associated with instance "
                                f"'{address['instance_id']}'")
            for other in tx.list("addresses"):  # an instance has one public address: the old one is released
                if other.get("instance_id") == instance_id:
                    tx.put("addresses", str(other["id"]), {"id": other["id"], "ip": other["ip"]})
            public = [InstanceAddress(address=str(address["ip"]), type="ipv4").model_dump(exclude_none=True)]
            tx.put("instances", instance_id, {**instance, "public_addresses": public})
            updated = {**address, "instance_id": instance_id}
            tx.put("addresses", address_id, updated)
            return _address(updated)

        return self._state().transact(associate)

    def disassociate_address(self, address_id: str) -> Address:
        def disassociate(tx: Transaction) -> Address:
            address = found(tx, "addresses", address_id, "Address")
            if not address.get("instance_id"):
                raise Forbidden(f"Address {address_id} is not associated with any instance")
            return release_address(tx, address)

        return self._state().transact(disassociate)


def release_address(tx: Transaction, address: dict[str, object]) -> Address:
    """Take an address off its instance, which gets its own host name back."""
    instance_id = str(address["instance_id"])
    instance = tx.get("instances", instance_id)
    if instance is not None:
        hostname = InstanceAddress(address=f"{instance.get('image_id')}.{instance_id}.public.com", type="hostname")
        tx.put("instances", instance_id, {**instance, "public_addresses": [hostname.model_dump(exclude_none=True)]})
    updated = {"id": address["id"], "ip": address["ip"]}
    tx.put("addresses", str(address["id"]), updated)
    return _address(updated)
