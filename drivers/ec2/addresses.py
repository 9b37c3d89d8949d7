"""Elastic IP addresses, identified by their public IP (as the original driver did).

Operations on VPC addresses need the allocation and association ids, so each action first
reads the address: one extra call that also turns "in use" and "not associated" into clear
409s instead of AWS's varied answers.
"""

from typing import Any

from deltacloud.driver import Filters
from deltacloud.errors import Conflict, NotFound
from deltacloud.model import Address

from .base import EC2Base


def to_address(info: dict[str, Any]) -> Address:
    return Address(id=info["PublicIp"], ip=info["PublicIp"], instance_id=info.get("InstanceId") or None)


class EC2Addresses(EC2Base):
    def addresses(self, filters: Filters) -> list[Address]:
        if filters.get("id"):
            found = self.address(filters["id"])
            return [found] if found is not None else []
        return [to_address(a) for a in self.aws.call("ec2", "describe_addresses")["Addresses"]]

    def _find_address(self, address_id: str) -> dict[str, Any] | None:
        by = {"AllocationIds": [address_id]} if address_id.startswith("eipalloc-") else {"PublicIps": [address_id]}
        answer = self.aws.find("ec2", "describe_addresses", absent=("InvalidParameterValue",), **by)
        listed = (answer or {}).get("Addresses", [])
        return listed[0] if listed else None

    def _existing_address(self, address_id: str) -> dict[str, Any]:
        found = self._find_address(address_id)
        if found is None:
            raise NotFound(f"Address '{address_id}' not found")
        return found

    def address(self, address_id: str) -> Address | None:
        found = self._find_address(address_id)
        return to_address(found) if found is not None else None

    def create_address(self) -> Address:
        allocated = self.aws.call("ec2", "allocate_address", Domain="vpc")
        return Address(id=allocated["PublicIp"], ip=allocated["PublicIp"])

    def destroy_address(self, address_id: str) -> None:
        found = self._existing_address(address_id)
        if found.get("InstanceId") or found.get("AssociationId"):
            raise Conflict(f"Address '{address_id}' is associated with {found.get('InstanceId') or 'an interface'}")
        if found.get("AllocationId"):
            self.aws.call("ec2", "release_address", AllocationId=found["AllocationId"])
        else:
            self.aws.call("ec2", "release_address", PublicIp=found["PublicIp"])

    def associate_address(self, address_id: str, instance_id: str) -> Address:
        found = self._existing_address(address_id)
        if found.get("InstanceId"):
            raise Conflict(f"Address '{address_id}' is already associated with {found['InstanceId']}")
        target = {"AllocationId": found["AllocationId"]} if found.get("AllocationId") else {"PublicIp": address_id}
        self.aws.call("ec2", "associate_address", refers=True, InstanceId=instance_id, **target)
        return to_address(self._existing_address(address_id))

    def disassociate_address(self, address_id: str) -> Address:
        found = self._existing_address(address_id)
        if not (found.get("InstanceId") or found.get("AssociationId")):
            raise Conflict(f"Address '{address_id}' is not associated")
        if found.get("AssociationId"):
            self.aws.call("ec2", "disassociate_address", AssociationId=found["AssociationId"])
        else:
            self.aws.call("ec2", "disassociate_address", PublicIp=address_id)
        return to_address(self._existing_address(address_id))
