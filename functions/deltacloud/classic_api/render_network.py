"""XML and JSON shapes of addresses, firewalls, load balancers, networks, subnets, interfaces (spec §7.11-7.17)."""

from dataclasses import dataclass, field
from typing import Any

from deltacloud.model import Address, Firewall, FirewallRule, Instance, LoadBalancer, Network, NetworkInterface, Subnet

from .context import Call
from .render_compute import instance_json
from .rendering import Renderer, action_link, actions_xml, destroy_link, ref, refs_xml
from .xml import XmlWriter


# -- addresses ----------------------------------------------------------------------------
def _address_actions(call: Call, address: Address) -> list[dict[str, str]]:
    links = destroy_link(call, "addresses", address.id)
    action = "disassociate" if address.instance_id else "associate"
    if call.capabilities.supports("addresses", action):
        links.append(action_link(f"{call.url('addresses', address.id)}/{action}", action))
    return links


def address_xml(out: XmlWriter, call: Call, address: Address) -> None:
    out.open("address", {"href": call.url("addresses", address.id), "id": address.id})
    out.leaf("ip", address.ip)
    actions_xml(out, _address_actions(call, address))
    if address.instance_id:
        out.empty("instance", {"href": call.url("instances", address.instance_id), "id": address.instance_id})
    out.close("address")


def address_json(call: Call, address: Address) -> dict[str, Any]:
    data: dict[str, Any] = {"id": address.id, "href": call.url("addresses", address.id),
                            "associated": address.instance_id is not None}
    if address.instance_id:
        data["instance_id"] = address.instance_id
    return data


ADDRESS = Renderer("address", "addresses", address_xml, address_json)


# -- firewalls ----------------------------------------------------------------------------
def _rule_xml(out: XmlWriter, call: Call, firewall: Firewall, rule: FirewallRule, listed: bool) -> None:
    href = call.url("firewalls", firewall.id, rule.id)
    out.open("rule", {"id": rule.id} if listed else {"href": href, "id": rule.id})
    if not listed and call.capabilities.supports("firewalls", "rule_destroy"):
        actions_xml(out, [action_link(href, "destroy", "delete")])
    out.leaf("allow_protocol", rule.allow_protocol).leaf("port_from", rule.port_from).leaf("port_to", rule.port_to)
    out.leaf("direction", rule.direction).leaf("rule_action", rule.rule_action).leaf("log_rule", rule.log_rule)
    out.open("sources")
    for source in rule.sources:
        if source.type == "group":
            out.empty("source", {"name": source.name, "owner": source.owner, "type": "group"})
        else:
            out.empty("source", {"address": source.address, "family": source.family, "prefix": source.prefix,
                                 "type": "address"})
    out.close("sources").close("rule")


def _firewall_xml(out: XmlWriter, call: Call, firewall: Firewall, listed: bool) -> None:
    """``listed``: the index form (rules without href, actions named as the original's index named them)."""
    member = call.url("firewalls", firewall.id)
    out.open("firewall", {"href": member, "id": firewall.id})
    links = destroy_link(call, "firewalls", firewall.id)
    if call.capabilities.supports("firewalls", "rule_create"):
        links.append(action_link(f"{member}/rules", "add_rule" if listed else "update"))
    actions_xml(out, [{**link, "id": firewall.id} if listed else link for link in links])
    out.cdata("name", firewall.name).cdata("description", firewall.description)
    out.leaf("owner_id", firewall.owner_id)
    out.open("rules")
    for rule in firewall.rules:
        _rule_xml(out, call, firewall, rule, listed)
    out.close("rules").close("firewall")


def firewall_json(call: Call, firewall: Firewall) -> dict[str, Any]:
    rules = []
    for rule in firewall.rules:
        data = rule.model_dump(exclude_none=True, exclude={"sources"})
        data["sources"] = [s.model_dump(exclude_none=True) for s in rule.sources]
        rules.append(data)
    return {"id": firewall.id, "href": call.url("firewalls", firewall.id), "name": firewall.name,
            "description": firewall.description, "owner_id": firewall.owner_id, "rules": rules}


def firewall_xml(out: XmlWriter, call: Call, firewall: Firewall) -> None:
    _firewall_xml(out, call, firewall, listed=False)


def listed_firewall_xml(out: XmlWriter, call: Call, firewall: Firewall) -> None:
    _firewall_xml(out, call, firewall, listed=True)


FIREWALL = Renderer("firewall", "firewalls", firewall_xml, firewall_json)
#: the index document's form of a firewall
FIREWALL_LISTED = Renderer("firewall", "firewalls", listed_firewall_xml, firewall_json)


# -- load balancers -----------------------------------------------------------------------
@dataclass(frozen=True)
class BalancerView:
    """A load balancer with its registered instances, which its JSON embeds whole."""

    balancer: LoadBalancer
    instances: list[Instance] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.balancer.id


def balancer_xml(out: XmlWriter, call: Call, view: BalancerView) -> None:
    balancer = view.balancer
    member = call.url("load_balancers", balancer.id)
    out.open("load_balancer", {"href": member, "id": balancer.id})
    links = destroy_link(call, "load_balancers", balancer.id)
    if call.capabilities.supports("load_balancers", "register"):
        links.append(action_link(f"{member}/register", "register"))
    actions_xml(out, links)
    out.open("public_addresses")
    for address in balancer.public_addresses:
        out.leaf("address", address)
    out.close("public_addresses")
    out.leaf("created_at", balancer.created_at)
    if balancer.realm_ids:
        realm_id = balancer.realm_ids[0]
        out.empty("realm", {"href": call.url("realms", realm_id), "id": realm_id})
    out.open("listeners")
    for listener in balancer.listeners:
        out.open("listener", {"protocol": listener.protocol})
        out.leaf("load_balancer_port", listener.load_balancer_port).leaf("instance_port", listener.instance_port)
        out.close("listener")
    out.close("listeners").open("instances")
    for instance_id in balancer.instance_ids:
        out.open("instance", {"href": call.url("instances", instance_id), "id": instance_id})
        out.empty("link", {"href": f"{member}/unregister", "rel": "unregister"})
        out.close("instance")
    out.close("instances").close("load_balancer")


def balancer_json(call: Call, view: BalancerView) -> dict[str, Any]:
    balancer = view.balancer
    return {
        "id": balancer.id, "href": call.url("load_balancers", balancer.id),
        "realms": [ref(call, "realms", r, "realm") for r in balancer.realm_ids],
        "listeners": [{"id": None, **listener.model_dump()} for listener in balancer.listeners],
        "instances": [instance_json(call, instance) for instance in view.instances],
        "public_addresses": list(balancer.public_addresses), "created_at": balancer.created_at,
    }


LOAD_BALANCER = Renderer("load_balancer", "load_balancers", balancer_xml, balancer_json)


# -- networks -----------------------------------------------------------------------------
def network_xml(out: XmlWriter, call: Call, network: Network) -> None:
    out.open("network", {"href": call.url("networks", network.id), "id": network.id})
    out.leaf("name", network.name).leaf("state", network.state)
    out.open("address_blocks")
    for block in network.address_blocks:
        out.leaf("address_block", block)
    out.close("address_blocks")
    refs_xml(out, call, "subnets", "subnet", network.subnet_ids)
    actions_xml(out, destroy_link(call, "networks", network.id))
    out.close("network")


def network_json(call: Call, network: Network) -> dict[str, Any]:
    return {"id": network.id, "name": network.name, "href": call.url("networks", network.id),
            "state": network.state, "address_blocks": list(network.address_blocks),
            "subnets": [ref(call, "subnets", s) for s in network.subnet_ids]}


NETWORK = Renderer("network", "networks", network_xml, network_json)


def subnet_xml(out: XmlWriter, call: Call, subnet: Subnet) -> None:
    out.open("subnet", {"href": call.url("subnets", subnet.id), "id": subnet.id})
    out.leaf("name", subnet.name).leaf("state", subnet.state).leaf("address_block", subnet.address_block)
    out.leaf("network", subnet.network_id)
    actions_xml(out, destroy_link(call, "subnets", subnet.id))
    out.close("subnet")


def subnet_json(call: Call, subnet: Subnet) -> dict[str, Any]:
    return {"id": subnet.id, "name": subnet.name, "href": call.url("subnets", subnet.id), "type": subnet.type,
            "state": subnet.state, "address_block": subnet.address_block,
            "network": ref(call, "networks", subnet.network_id)}


SUBNET = Renderer("subnet", "subnets", subnet_xml, subnet_json)


def _interface_network(call: Call) -> tuple[str, str]:
    """Where an interface's network lives: a subnet for drivers that have subnets (spec §7.17)."""
    return ("subnets", "subnet") if call.capabilities.has_collection("subnets") else ("networks", "network")


def interface_xml(out: XmlWriter, call: Call, interface: NetworkInterface) -> None:
    out.open("network_interface", {"href": call.url("network_interfaces", interface.id), "id": interface.id})
    out.leaf("name", interface.name).leaf("ip_address", interface.ip_address)
    collection, rel = _interface_network(call)
    out.leaf("network", interface.network_id, {"href": call.url(collection, interface.network_id),
                                               "id": interface.network_id, "rel": rel})
    out.leaf("instance", interface.instance_id, {"href": call.url("instances", interface.instance_id),
                                                 "id": interface.instance_id})
    actions_xml(out, destroy_link(call, "network_interfaces", interface.id))
    out.close("network_interface")


def interface_json(call: Call, interface: NetworkInterface) -> dict[str, Any]:
    collection, _ = _interface_network(call)
    return {"id": interface.id, "name": interface.name, "href": call.url("network_interfaces", interface.id),
            "network": ref(call, collection, interface.network_id),
            "instance": ref(call, "instances", interface.instance_id), "ip_address": interface.ip_address}


NETWORK_INTERFACE = Renderer("network_interface", "network_interfaces", interface_xml, interface_json)
