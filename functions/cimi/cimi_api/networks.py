"""Networks (the driver's subnets), their configurations and templates, and ForwardingGroups (the
driver's networks, which connect their subnets) (spec §4.10, §4.11, §4.14; fixing defect 6).

A subnet needs an address block, which CIMI does not model: a NetworkConfiguration carries it as
``addressBlock`` (a Deltacloud extension), and the NetworkTemplate's ``forwardingGroup`` names the
network to carve it from. Every network is a ForwardingGroup, also one with a single subnet (the
original hid those).
"""

from typing import Any

from deltacloud.errors import ValidationError
from deltacloud.model import Network, Subnet

from .bodies import text
from .common import Document, common_attributes
from .context import CimiCall
from .driver_kinds import Creation, DriverKind, member_operations
from .jobs import Job
from .local_kinds import LocalKind, reference_id, resolve, template_configuration
from .storage import Record, editable_fields

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
    template_configuration(call, template, "networkConfig", NETWORK_CONFIGURATIONS)
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


# -- networks (subnets) -----------------------------------------------------------------------
def network_document(call: CimiCall, subnet: Subnet, extra: Record) -> Document:
    url = call.url("networks", subnet.id)
    name = extra.get("name") or subnet.name or subnet.id
    document = common_attributes(url, extra, name, f"No description set for Network {name}")
    document["state"] = NETWORK_STATES.get(subnet.state.upper(), subnet.state.upper())
    document["networkType"] = subnet.type
    document["addressBlock"] = subnet.address_block
    document["forwardingGroup"] = call.ref("forwarding_groups", subnet.network_id)
    document["operations"] = member_operations(call, "subnets", url)
    return document


def carve(call: CimiCall, body: dict[str, Any]) -> Creation[Subnet]:
    """The Network (a subnet of a ForwardingGroup) a NetworkCreate document describes."""
    call.require("subnets", "create")
    fields = editable_fields(body)
    template = resolve(call, body.get("networkTemplate"), NETWORK_TEMPLATES, "networkTemplate")
    config = template_configuration(call, template, "networkConfig", NETWORK_CONFIGURATIONS)
    group = reference_id(template.get("forwardingGroup"), "forwarding_groups")
    if group is None:
        raise ValidationError("Required attributes not set: networkTemplate.forwardingGroup")
    block = text(config["addressBlock"], "addressBlock")

    def create() -> tuple[Subnet, Job]:
        return NETWORKS.added(call, call.driver.create_subnet(group, block, fields.get("name") or None), fields)

    return create


NETWORKS: DriverKind[Subnet] = DriverKind(
    path="networks", resource="Network", entries="networks", collection="subnets",
    render=network_document, plan=carve,
)


# -- forwarding groups (networks) -------------------------------------------------------------
def group_document(call: CimiCall, network: Network, extra: Record) -> Document:
    url = call.url("forwarding_groups", network.id)
    name = extra.get("name") or network.name or network.id
    document = common_attributes(url, extra, name, f"No description set for Forwarding Group {name}")
    if network.address_blocks:
        document["addressBlocks"] = network.address_blocks
    if network.subnet_ids:
        document["networks"] = [call.ref("networks", subnet_id) for subnet_id in network.subnet_ids]
    document["operations"] = member_operations(call, "networks", url)
    return document


def create_group(call: CimiCall, body: dict[str, Any]) -> Creation[Network]:
    """ForwardingGroupCreate: a new network; its template may give an ``addressBlock`` (extension)."""
    call.require("networks", "create")
    fields = editable_fields(body)
    template = body.get("forwardingGroupTemplate") or {}
    if not isinstance(template, dict):
        raise ValidationError("forwardingGroupTemplate must be a structure")
    block = text(template.get("addressBlock"), "addressBlock") if template.get("addressBlock") else None

    def create() -> tuple[Network, Job]:
        return FORWARDING_GROUPS.added(call, call.driver.create_network(fields.get("name") or None, block), fields)

    return create


FORWARDING_GROUPS: DriverKind[Network] = DriverKind(
    path="forwarding_groups", resource="ForwardingGroup", entries="forwardingGroups", collection="networks",
    render=group_document, plan=create_group,
)
