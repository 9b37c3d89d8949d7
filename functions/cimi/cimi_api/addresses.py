"""Addresses (the driver's public addresses) and AddressTemplates (spec §4.13, fixing defects 3 and 22).

Clouds allocate addresses themselves: a template may say it wants a dynamic IPv4 or IPv6 address,
never which one. An Address associated with an instance references its Machine.
"""

import ipaddress
from typing import Any

from deltacloud.errors import NotFound, ValidationError
from deltacloud.model import Address
from starlette.responses import Response

from .common import Document, common_attributes, operation
from .context import CimiCall
from .jobs import Job, job_headers, start_job
from .listing import collection_document, resource_document
from .local_kinds import LocalKind, resolve
from .representation import document_response, empty_response
from .storage import Overlay, edit_fields, editable_fields, now


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


def overlay(call: CimiCall) -> Overlay:
    return Overlay(call.state, "address")


def _protocol(ip: str) -> str | None:
    try:
        return f"ipv{ipaddress.ip_address(ip).version}"
    except ValueError:
        return None


def address_document(call: CimiCall, address: Address, extra: dict[str, Any]) -> Document:
    url = call.url("addresses", address.id)
    document = common_attributes(url, extra, address.ip, f"Address {address.ip}")
    document["ip"] = address.ip
    document["allocation"] = "dynamic"
    protocol = _protocol(address.ip)
    if protocol:
        document["protocol"] = protocol
    if address.instance_id:
        document["resource"] = call.ref("machines", address.instance_id)
    ops = [operation("edit", url)]
    if call.supports("addresses", "destroy"):
        ops.append(operation("delete", url))
    document["operations"] = ops
    return document


def _find(call: CimiCall) -> Address:
    address = call.driver.address(call.params["id"])
    if address is None:
        raise NotFound(f"Address '{call.params['id']}' not found")
    return address


def addresses_collection(call: CimiCall) -> Document:
    call.require("addresses", "index")
    extras = overlay(call).all()
    entries = [address_document(call, a, extras.get(a.id, {})) for a in call.driver.addresses({})]
    ops = [operation("add", call.url("addresses"))] if call.supports("addresses", "create") else []
    document = collection_document(call, "addresses", "addresses", entries, ops)
    return document


def show_address(call: CimiCall) -> Response:
    call.require("addresses", "show")
    address = _find(call)
    document = address_document(call, address, overlay(call).get(address.id))
    return document_response(call.fmt, resource_document(call, document), "Address")


def allocate(call: CimiCall, body: dict[str, Any]) -> tuple[Address, Job]:
    """Allocate the Address an AddressCreate document describes."""
    call.require("addresses", "create")
    fields = editable_fields(body)
    if body.get("addressTemplate"):
        template = resolve(call, body["addressTemplate"], ADDRESS_TEMPLATES, "addressTemplate")
        protocol = str(template.get("protocol") or "").lower()
    else:
        protocol = ""
    address = call.driver.create_address()
    if protocol and _protocol(address.ip) != protocol:
        call.driver.destroy_address(address.id)  # the cloud gave what the template excludes: undo
        raise ValidationError(f"The {call.driver_name} driver allocates {_protocol(address.ip)} addresses, "
                              f"not {protocol}")
    overlay(call).save(address.id, {**fields, "created": now()})
    return address, start_job(call, "add", f"addresses/{address.id}", None)


def create_address(call: CimiCall) -> Response:
    address, job = allocate(call, call.body)
    location = call.url("addresses", address.id)
    document = address_document(call, address, overlay(call).get(address.id))
    return document_response(call.fmt, document, "Address", status=201, headers=job_headers(call, job, location))


def edit_address(call: CimiCall) -> Response:
    call.require("addresses", "show")
    address = _find(call)
    extra = overlay(call).save(address.id, edit_fields(call.body, call.query("$select")))
    return document_response(call.fmt, address_document(call, address, extra), "Address")


def delete_address(call: CimiCall) -> Response:
    call.require("addresses", "destroy")
    address_id = call.params["id"]
    call.driver.destroy_address(address_id)
    overlay(call).forget(address_id)
    job = start_job(call, "delete", f"addresses/{address_id}", None)
    return empty_response(200, job_headers(call, job))
