"""Networks (the driver's subnets), their configurations and templates, and ForwardingGroups (the
driver's networks, which connect their subnets) (spec §4.10, §4.11, §4.14; fixing defect 6).

A subnet needs an address block, which CIMI does not model: a NetworkConfiguration carries it as
``addressBlock`` (a Deltacloud extension), and the NetworkTemplate's ``forwardingGroup`` names the
network to carve it from. Every network is a ForwardingGroup, also one with a single subnet (the
original hid those).
"""

from typing import Any

from deltacloud.errors import NotFound, ValidationError
from deltacloud.model import Network, Subnet
from starlette.responses import Response

from .bodies import text
from .common import Document, common_attributes, operation
from .context import CimiCall
from .jobs import Job, job_headers, start_job
from .listing import collection_document, resource_document
from .local_kinds import LocalKind, find_local, reference_id, resolve
from .representation import document_response, empty_response
from .storage import Overlay, edit_fields, editable_fields, now

NETWORK_STATES = {"UP": "STARTED", "DOWN": "STOPPED"}


def _check_configuration(call: CimiCall, config: dict[str, Any]) -> None:
    if not config.get("addressBlock"):
        raise ValidationError("Required attributes not set: addressBlock (the subnet's CIDR block)")
    network_type = str(config.get("networkType") or "PRIVATE").upper()
    if network_type not in ("PRIVATE", "PUBLIC"):
        raise ValidationError(f"networkType must be PRIVATE or PUBLIC, not '{network_type}'")
    config["networkType"] = network_type


NETWORK_CONFIGURATIONS = LocalKind(
    path="network_configurations", resource="NetworkConfiguration", entries="networkConfigurations",
    attributes=("networkType", "mtu", "classOfService", "addressBlock"), required=("addressBlock",),
    check=_check_configuration,
)


def _check_template(call: CimiCall, template: dict[str, Any]) -> None:
    network_config(call, template)
    group = reference_id(template.get("forwardingGroup"), "forwarding_groups")
    if group is None:
        raise ValidationError("Required attributes not set: forwardingGroup (the network to create the subnet in)")
    if call.driver.network(group) is None:
        raise ValidationError(f"forwardingGroup '{group}' does not exist")


NETWORK_TEMPLATES = LocalKind(
    path="network_templates", resource="NetworkTemplate", entries="networkTemplates",
    attributes=("networkConfig", "forwardingGroup"), required=("networkConfig", "forwardingGroup"),
    check=_check_template,
)


def network_config(call: CimiCall, template: dict[str, Any]) -> dict[str, Any]:
    config = template.get("networkConfig")
    config_id = reference_id(config, "network_configurations")
    if config_id is not None:
        try:
            return find_local(call, NETWORK_CONFIGURATIONS, config_id)
        except NotFound:
            raise ValidationError(f"networkConfig '{config_id}' does not exist") from None
    if not isinstance(config, dict) or not config:
        raise ValidationError("Required attributes not set: networkConfig")
    config = dict(config)
    _check_configuration(call, config)
    return config


# -- networks (subnets) -----------------------------------------------------------------------
def network_overlay(call: CimiCall) -> Overlay:
    return Overlay(call.state, "network")


def network_document(call: CimiCall, subnet: Subnet, extra: dict[str, Any]) -> Document:
    url = call.url("networks", subnet.id)
    name = extra.get("name") or subnet.name or subnet.id
    document = common_attributes(url, extra, name, f"No description set for Network {name}")
    document["state"] = NETWORK_STATES.get(subnet.state.upper(), subnet.state.upper())
    document["networkType"] = subnet.type
    document["addressBlock"] = subnet.address_block
    document["forwardingGroup"] = call.ref("forwarding_groups", subnet.network_id)
    ops = [operation("edit", url)]
    if call.supports("subnets", "destroy"):
        ops.append(operation("delete", url))
    document["operations"] = ops
    return document


def _subnet(call: CimiCall) -> Subnet:
    subnet = call.driver.subnet(call.params["id"])
    if subnet is None:
        raise NotFound(f"Network '{call.params['id']}' not found")
    return subnet


def networks_collection(call: CimiCall) -> Document:
    call.require("subnets", "index")
    extras = network_overlay(call).all()
    entries = [network_document(call, s, extras.get(s.id, {})) for s in call.driver.subnets({})]
    ops = [operation("add", call.url("networks"))] if call.supports("subnets", "create") else []
    document = collection_document(call, "networks", "networks", entries, ops)
    return document


def show_network(call: CimiCall) -> Response:
    call.require("subnets", "show")
    subnet = _subnet(call)
    document = network_document(call, subnet, network_overlay(call).get(subnet.id))
    return document_response(call.fmt, resource_document(call, document), "Network")


def carve(call: CimiCall, body: dict[str, Any]) -> tuple[Subnet, Job]:
    """Create the Network (a subnet of a ForwardingGroup) a NetworkCreate document describes."""
    call.require("subnets", "create")
    fields = editable_fields(body)
    template = resolve(call, body.get("networkTemplate"), NETWORK_TEMPLATES, "networkTemplate")
    config = network_config(call, template)
    group = reference_id(template.get("forwardingGroup"), "forwarding_groups")
    if group is None:
        raise ValidationError("Required attributes not set: networkTemplate.forwardingGroup")
    subnet = call.driver.create_subnet(group, text(config["addressBlock"], "addressBlock"), fields.get("name") or None)
    network_overlay(call).save(subnet.id, {**fields, "created": now()})
    return subnet, start_job(call, "add", f"networks/{subnet.id}", None)


def create_network(call: CimiCall) -> Response:
    subnet, job = carve(call, call.body)
    location = call.url("networks", subnet.id)
    document = network_document(call, subnet, network_overlay(call).get(subnet.id))
    return document_response(call.fmt, document, "Network", status=201, headers=job_headers(call, job, location))


def edit_network(call: CimiCall) -> Response:
    call.require("subnets", "show")
    subnet = _subnet(call)
    extra = network_overlay(call).save(subnet.id, edit_fields(call.body, call.query("$select")))
    return document_response(call.fmt, network_document(call, subnet, extra), "Network")


def delete_network(call: CimiCall) -> Response:
    call.require("subnets", "destroy")
    subnet_id = call.params["id"]
    call.driver.destroy_subnet(subnet_id)
    network_overlay(call).forget(subnet_id)
    job = start_job(call, "delete", f"networks/{subnet_id}", None)
    return empty_response(200, job_headers(call, job))


# -- forwarding groups (networks) -------------------------------------------------------------
def group_overlay(call: CimiCall) -> Overlay:
    return Overlay(call.state, "forwarding_group")


def group_document(call: CimiCall, network: Network, extra: dict[str, Any]) -> Document:
    url = call.url("forwarding_groups", network.id)
    name = extra.get("name") or network.name or network.id
    document = common_attributes(url, extra, name, f"No description set for Forwarding Group {name}")
    if network.address_blocks:
        document["addressBlocks"] = network.address_blocks
    if network.subnet_ids:
        document["networks"] = [call.ref("networks", subnet_id) for subnet_id in network.subnet_ids]
    ops = [operation("edit", url)]
    if call.supports("networks", "destroy"):
        ops.append(operation("delete", url))
    document["operations"] = ops
    return document


def _network(call: CimiCall) -> Network:
    network = call.driver.network(call.params["id"])
    if network is None:
        raise NotFound(f"ForwardingGroup '{call.params['id']}' not found")
    return network


def groups_collection(call: CimiCall) -> Document:
    call.require("networks", "index")
    extras = group_overlay(call).all()
    entries = [group_document(call, n, extras.get(n.id, {})) for n in call.driver.networks({})]
    ops = [operation("add", call.url("forwarding_groups"))] if call.supports("networks", "create") else []
    document = collection_document(call, "forwarding_groups", "forwardingGroups", entries, ops)
    return document


def show_group(call: CimiCall) -> Response:
    call.require("networks", "show")
    network = _network(call)
    document = group_document(call, network, group_overlay(call).get(network.id))
    return document_response(call.fmt, resource_document(call, document), "ForwardingGroup")


def create_group(call: CimiCall) -> Response:
    """ForwardingGroupCreate: a new network; its template may give an ``addressBlock`` (extension)."""
    call.require("networks", "create")
    body = call.body
    fields = editable_fields(body)
    template = body.get("forwardingGroupTemplate") or {}
    if not isinstance(template, dict):
        raise ValidationError("forwardingGroupTemplate must be a structure")
    block = text(template.get("addressBlock"), "addressBlock") if template.get("addressBlock") else None
    network = call.driver.create_network(fields.get("name") or None, block)
    group_overlay(call).save(network.id, {**fields, "created": now()})
    job = start_job(call, "add", f"forwarding_groups/{network.id}", None)
    location = call.url("forwarding_groups", network.id)
    document = group_document(call, network, group_overlay(call).get(network.id))
    return document_response(call.fmt, document, "ForwardingGroup", status=201,
                             headers=job_headers(call, job, location))


def edit_group(call: CimiCall) -> Response:
    call.require("networks", "show")
    network = _network(call)
    extra = group_overlay(call).save(network.id, edit_fields(call.body, call.query("$select")))
    return document_response(call.fmt, group_document(call, network, extra), "ForwardingGroup")


def delete_group(call: CimiCall) -> Response:
    call.require("networks", "destroy")
    network_id = call.params["id"]
    call.driver.destroy_network(network_id)
    group_overlay(call).forget(network_id)
    job = start_job(call, "delete", f"forwarding_groups/{network_id}", None)
    return empty_response(200, job_headers(call, job))
