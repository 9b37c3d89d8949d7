"""Addresses (the driver's public addresses) and AddressTemplates (spec §4.13, fixing defects 3 and 22).

Clouds allocate addresses themselves: a template may say it wants a dynamic IPv4 or IPv6 address,
never which one. An Address associated with an instance references its Machine.
"""

import ipaddress
from typing import Any

from deltacloud.errors import ValidationError
from deltacloud.model import Address

from .common import Document, common_attributes
from .context import CimiCall
from .driver_kinds import Creation, DriverKind, member_operations
from .jobs import Job
from .local_kinds import LocalKind, resolve
from .storage import Record, editable_fields


def _check_template(call: CimiCall, template: dict[str, Any]) -> None:
    for fixed in ("ip", "hostname", "defaultGateway", "dns", "mask"):
        if template.get(fixed):
            raise ValidationError(f"{fixed} cannot be chosen: the cloud allocates addresses itself")
    allocation = str(template.get("allocation") or "dynamic").lower()
    if allocation != "dynamic":
        raise ValidationError(f"allocation must be dynamic, not '{allocation}'")


ADDRESS_TEMPLATES = LocalKind(
    path="address_templates", resource="AddressTemplate", entries="addressTemplates",
    # the fixed-address attributes are read only to be refused with a reason
    attributes=("ip", "hostname", "allocation", "defaultGateway", "dns", "protocol", "mask", "network"),
    check=_check_template,
)


def _protocol(ip: str) -> str | None:
    try:
        return f"ipv{ipaddress.ip_address(ip).version}"
    except ValueError:
        return None


def address_document(call: CimiCall, address: Address, extra: Record) -> Document:
    url = call.url("addresses", address.id)
    document = common_attributes(url, extra, address.ip, f"Address {address.ip}")
    document["ip"] = address.ip
    document["allocation"] = "dynamic"
    protocol = _protocol(address.ip)
    if protocol:
        document["protocol"] = protocol
    if address.instance_id:
        document["resource"] = call.ref("machines", address.instance_id)
    document["operations"] = member_operations(call, "addresses", url)
    return document


def allocate(call: CimiCall, body: dict[str, Any]) -> Creation[Address]:
    """The Address an AddressCreate document describes."""
    call.require("addresses", "create")
    fields = editable_fields(body)
    if body.get("addressTemplate"):
        template = resolve(call, body["addressTemplate"], ADDRESS_TEMPLATES, "addressTemplate")
        protocol = str(template.get("protocol") or "").lower()
    else:
        protocol = ""

    def create() -> tuple[Address, Job]:
        address = call.driver.create_address()
        if protocol and _protocol(address.ip) != protocol:
            call.driver.destroy_address(address.id)  # the cloud gave what the template excludes: undo
            raise ValidationError(f"The {call.driver_name} driver allocates {_protocol(address.ip)} addresses, "
                                  f"not {protocol}")
        return ADDRESSES.added(call, address, fields)

    return create


ADDRESSES: DriverKind[Address] = DriverKind(
    path="addresses", resource="Address", entries="addresses", collection="addresses",
    render=address_document, plan=allocate,
)
