"""Routes of addresses, firewalls, load balancers, networks, subnets and network interfaces (spec §7.11-7.17)."""

import ipaddress
import re

from deltacloud.errors import ValidationError
from deltacloud.model import Instance, LoadBalancer
from deltacloud.model.network import Listener, RuleSource
from starlette.responses import Response

from .context import Call
from .operations import operation
from .render_network import (
    ADDRESS,
    FIREWALL,
    FIREWALL_LISTED,
    LOAD_BALANCER,
    NETWORK,
    NETWORK_INTERFACE,
    SUBNET,
    BalancerView,
)
from .rendering import render_created, render_many, render_one
from .responses import empty
from .routes_common import destroy_endpoint, filters, found, index_endpoint, optional, show_endpoint

_ADDRESS_SOURCE = re.compile(r"ip[-_]address")
_GROUP_SOURCE = re.compile(r"group(\d+)$")
_LISTENER = re.compile(r"listener_protocol(\d*)$")


# -- addresses ----------------------------------------------------------------------------
addresses_index = index_endpoint(ADDRESS)
addresses_show = show_endpoint(ADDRESS)
addresses_destroy = destroy_endpoint("addresses")


@operation("addresses", "create")
def addresses_create(call: Call) -> Response:
    return render_created(call, ADDRESS, call.driver.create_address())


@operation("addresses", "associate", required=("instance_id",))
def addresses_associate(call: Call) -> Response:
    call.driver.associate_address(call.params["id"], call.params["instance_id"])
    return empty(202)


@operation("addresses", "disassociate", capability="associate_address")
def addresses_disassociate(call: Call) -> Response:
    call.driver.disassociate_address(call.params["id"])
    return empty(202)


# -- firewalls ----------------------------------------------------------------------------
def rule_sources(params: dict[str, str]) -> list[RuleSource]:
    """Sources of a new rule: ``ip_address<i>`` CIDR blocks and ``group<i>`` / ``group<i>owner`` pairs."""
    sources = []
    for name, value in sorted(params.items()):
        if _ADDRESS_SOURCE.match(name) and value:
            try:
                block = ipaddress.ip_network(value, strict=False)
            except ValueError:
                raise ValidationError(f"{name} must be an address block such as 10.0.0.0/24, not {value!r}") from None
            address, _, prefix = value.partition("/")
            sources.append(RuleSource(type="address", family="ipv6" if block.version == 6 else "ipv4", address=address,
                                      prefix=prefix or str(block.max_prefixlen)))
        elif (group := _GROUP_SOURCE.match(name)) and value:
            owner = params.get(f"group{group.group(1)}owner") or None
            sources.append(RuleSource(type="group", name=value, owner=owner))
    return sources


firewalls_index = index_endpoint(FIREWALL_LISTED)
firewalls_show = show_endpoint(FIREWALL)
firewalls_destroy = destroy_endpoint("firewalls", capability="delete_firewall")


@operation("firewalls", "create", required=("name", "description"))
def firewalls_create(call: Call) -> Response:
    return render_created(call, FIREWALL, call.driver.create_firewall(call.params["name"], call.params["description"]))


@operation("firewalls", "rule_create", capability="create_firewall_rule")
def firewall_rules_create(call: Call) -> Response:
    params = call.params
    firewall = call.driver.create_firewall_rule(params["id"], params.get("protocol", ""), params.get("port_from", ""),
                                                params.get("port_to", ""), rule_sources(params))
    return render_one(call, FIREWALL, firewall, 201)


@operation("firewalls", "rule_destroy", capability="delete_firewall_rule")
def firewall_rules_destroy(call: Call) -> Response:
    call.driver.destroy_firewall_rule(call.params["id"], call.params["rule_id"])
    return empty(204)


# -- load balancers -----------------------------------------------------------------------
def listeners(params: dict[str, str]) -> list[Listener]:
    """``listener_protocol``, ``listener_balancer_port``, ``listener_instance_port``, and numbered extra sets."""
    found_listeners = []
    for suffix in sorted({m.group(1) for name in params if (m := _LISTENER.match(name))}):
        names = (f"listener_protocol{suffix}", f"listener_balancer_port{suffix}", f"listener_instance_port{suffix}")
        values = [params.get(name, "").strip() for name in names]
        if not any(values):
            continue  # an empty set of fields (an HTML form's spare row) is no listener
        missing = [name for name, value in zip(names, values, strict=True) if not value]
        if missing:
            raise ValidationError(f"Listener incomplete: {', '.join(missing)} missing")
        protocol, balancer_port, instance_port = values
        if not all(p.isascii() and p.isdigit() for p in (balancer_port, instance_port)):
            raise ValidationError(f"Listener ports must be numbers, not {balancer_port!r} and {instance_port!r}")
        found_listeners.append(Listener(protocol=protocol, load_balancer_port=int(balancer_port),
                                        instance_port=int(instance_port)))
    return found_listeners


def _views(call: Call, balancers: list[LoadBalancer]) -> list[BalancerView]:
    """JSON embeds the registered instances whole; XML only links them."""
    if call.fmt != "json":
        return [BalancerView(b) for b in balancers]
    cache: dict[str, Instance | None] = {}
    views = []
    for balancer in balancers:
        for instance_id in balancer.instance_ids:
            if instance_id not in cache:
                cache[instance_id] = call.driver.instance(instance_id)
        views.append(BalancerView(balancer, [i for i in (cache[n] for n in balancer.instance_ids) if i is not None]))
    return views


def _balancer(call: Call, balancer: LoadBalancer) -> Response:
    return render_one(call, LOAD_BALANCER, _views(call, [balancer])[0])


@operation("load_balancers", "index")
def balancers_index(call: Call) -> Response:
    return render_many(call, LOAD_BALANCER, _views(call, call.driver.load_balancers(filters(call))))


@operation("load_balancers", "show", capability="load_balancer")
def balancers_show(call: Call) -> Response:
    return _balancer(call, found(call.driver.load_balancer(call.params["id"])))


@operation("load_balancers", "create", required=("name", "realm_id", "listener_protocol",
                                                 "listener_balancer_port", "listener_instance_port"))
def balancers_create(call: Call) -> Response:
    balancer = call.driver.create_load_balancer(call.params["name"], call.params["realm_id"], listeners(call.params))
    return render_created(call, LOAD_BALANCER, _views(call, [balancer])[0])


@operation("load_balancers", "register", required=("instance_id",), capability="lb_register_instance")
def balancers_register(call: Call) -> Response:
    return _balancer(call, call.driver.register_instance(call.params["id"], call.params["instance_id"]))


@operation("load_balancers", "unregister", required=("instance_id",), capability="lb_unregister_instance")
def balancers_unregister(call: Call) -> Response:
    return _balancer(call, call.driver.unregister_instance(call.params["id"], call.params["instance_id"]))


balancers_destroy = destroy_endpoint("load_balancers")


# -- networks, subnets, network interfaces ------------------------------------------------
networks_index = index_endpoint(NETWORK)
networks_show = show_endpoint(NETWORK)
networks_destroy = destroy_endpoint("networks")


@operation("networks", "create")
def networks_create(call: Call) -> Response:
    network = call.driver.create_network(optional(call, "name"), optional(call, "address_block"))
    return render_one(call, NETWORK, network)  # 200, as the original (no Location)


subnets_index = index_endpoint(SUBNET)
subnets_show = show_endpoint(SUBNET)
subnets_destroy = destroy_endpoint("subnets")


@operation("subnets", "create", required=("network_id", "address_block"))
def subnets_create(call: Call) -> Response:
    subnet = call.driver.create_subnet(call.params["network_id"], call.params["address_block"],
                                       optional(call, "name"))
    return render_one(call, SUBNET, subnet)


interfaces_index = index_endpoint(NETWORK_INTERFACE)
interfaces_show = show_endpoint(NETWORK_INTERFACE)
interfaces_destroy = destroy_endpoint("network_interfaces")


@operation("network_interfaces", "create", required=("instance", "network"))
def interfaces_create(call: Call) -> Response:
    # The original mock read the subnet from an extra `subnet` field; `network` may name one too.
    network_id = optional(call, "subnet") or call.params["network"]
    interface = call.driver.create_network_interface(call.params["instance"], network_id, optional(call, "name"))
    return render_one(call, NETWORK_INTERFACE, interface)

