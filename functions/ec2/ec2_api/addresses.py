"""Elastic IP actions over the core's addresses: allocationId is the address id, the association is derived."""

from collections.abc import Mapping

from deltacloud.model import Address

from .actions import action
from .context import Ec2Call
from .errors import ADDRESS, INSTANCE, Ec2Error, missing_parameter
from .filters import Extractor, compile_filters
from .mappings import address_id_of_association, association_id
from .parameter_names import FILTERS
from .xml import item_set, leaf, tag_set

AddressView = tuple[Address, dict[str, str]]

ADDRESS_FILTERS: Mapping[str, Extractor[AddressView]] = {
    "public-ip": lambda a: [a[0].ip],
    "allocation-id": lambda a: [a[0].id],
    "instance-id": lambda a: [a[0].instance_id],
    "association-id": lambda a: [association_id(a[0].id)] if a[0].instance_id else [],
    "domain": lambda a: ["vpc"],
}


def _address_fields(address: Address, tags: dict[str, str]) -> str:
    associated = address.instance_id is not None
    return (
        leaf("publicIp", address.ip) + leaf("allocationId", address.id) + leaf("domain", "vpc")
        + leaf("instanceId", address.instance_id)
        + leaf("associationId", association_id(address.id) if associated else None) + tag_set(tags)
    )


@action("DescribeAddresses", kind=ADDRESS, params=("PublicIp.N", "AllocationId.N", *FILTERS))
def describe_addresses(call: Ec2Call) -> str:
    # A back-end without addresses has no Elastic IPs: an empty list, not an error, because libcloud's
    # list_nodes() calls DescribeAddresses and fails as a whole if it fails (docs/differences.md).
    select = compile_filters(call.params.filters(), ADDRESS_FILTERS, tags_of=lambda a: a[1])
    addresses = call.driver.addresses({}) if call.supports("addresses", "index") else []
    ips = call.params.values("PublicIp")
    ids = call.params.values("AllocationId")
    missing = [ip for ip in ips if not any(a.ip == ip for a in addresses)]
    if missing:
        raise Ec2Error("InvalidAddress.NotFound", f"Address '{missing[0]}' not found.")
    missing = [i for i in ids if not any(a.id == i for a in addresses)]
    if missing:
        raise ADDRESS.missing(*missing)
    if ips or ids:
        addresses = [a for a in addresses if a.ip in ips or a.id in ids]
    views = [(a, call.tags.effective(a.id, {})) for a in addresses]
    return item_set("addressesSet", (_address_fields(a, tags) for a, tags in select(views)))


def _find(call: Ec2Call, allocation_id: str | None, public_ip: str | None) -> Address:
    if allocation_id:
        found = call.driver.address(allocation_id)
        if found is None:
            raise ADDRESS.missing(allocation_id)
        return found
    if public_ip:
        match = next((a for a in call.driver.addresses({}) if a.ip == public_ip), None)
        if match is None:
            raise Ec2Error("InvalidAddress.NotFound", f"Address '{public_ip}' not found.")
        return match
    raise missing_parameter("AllocationId")


@action("AllocateAddress", "addresses.create", kind=ADDRESS, params=("Domain",))
def allocate_address(call: Ec2Call) -> str:
    domain = call.params.text("Domain") or "vpc"
    if domain not in ("vpc", "standard"):
        raise Ec2Error("InvalidParameterValue", f"Invalid value '{domain[:20]}' for Domain.")
    address = call.driver.create_address()
    return leaf("publicIp", address.ip) + leaf("allocationId", address.id) + leaf("domain", "vpc")


@action("ReleaseAddress", "addresses.destroy", kind=ADDRESS, params=("AllocationId", "PublicIp"))
def release_address(call: Ec2Call) -> str:
    address = _find(call, call.params.text("AllocationId"), call.params.text("PublicIp"))
    if address.instance_id:
        raise Ec2Error("InvalidIPAddress.InUse", f"Address '{address.ip}' is in use by {address.instance_id}.")
    call.driver.destroy_address(address.id)
    call.tags.forget(address.id)
    return leaf("return", "true")


@action("AssociateAddress", "addresses.associate", kind=ADDRESS,
        params=("InstanceId", "AllocationId", "PublicIp", "AllowReassociation", "NetworkInterfaceId"))
def associate_address(call: Ec2Call) -> str:
    p = call.params
    if p.text("NetworkInterfaceId"):
        raise Ec2Error("UnsupportedOperation", "Associating an address with a network interface is not supported; "
                                               "use InstanceId.")
    instance_id = p.required("InstanceId")
    address = _find(call, p.text("AllocationId"), p.text("PublicIp"))
    if call.driver.instance(instance_id) is None:
        raise INSTANCE.missing(instance_id)
    if address.instance_id and address.instance_id != instance_id:
        if not p.boolean("AllowReassociation"):
            raise Ec2Error("Resource.AlreadyAssociated", f"Address '{address.ip}' is already associated with "
                                                         f"{address.instance_id}.")
        call.driver.disassociate_address(address.id)
    if address.instance_id != instance_id:
        call.driver.associate_address(address.id, instance_id)
    return leaf("return", "true") + leaf("associationId", association_id(address.id))


@action("DisassociateAddress", "addresses.disassociate", kind=ADDRESS, params=("AssociationId", "PublicIp"))
def disassociate_address(call: Ec2Call) -> str:
    association = call.params.text("AssociationId")
    public_ip = call.params.text("PublicIp")
    if association:
        address_id = address_id_of_association(association)
        address = call.driver.address(address_id) if address_id else None
        if address is None or not address.instance_id:
            raise Ec2Error("InvalidAssociationID.NotFound", f"The association ID '{association}' does not exist")
    else:
        if not public_ip:
            raise missing_parameter("AssociationId")
        address = _find(call, None, public_ip)
        if not address.instance_id:
            raise Ec2Error("InvalidAssociationID.NotFound", f"Address '{public_ip}' is not associated.")
    call.driver.disassociate_address(address.id)
    return leaf("return", "true")
