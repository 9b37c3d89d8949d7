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
from .rendering import render_many, render_one
from .responses import empty
from .routes_common import filters, found, optional

_ADDRESS_SOURCE = re.compile(r"ip[-_]address")
_GROUP_SOURCE = re.compile(r"group(\d+)$")
_LISTENER = re.compile(r"listener_protocol(\d*)$")


# -- addresses ----------------------------------------------------------------------------
@operation("addresses", "index")
def addresses_index(call: Call) -> Response:
    return render_many(call, ADDRESS, call.driver.addresses(filters(call)))


@operation("addresses", "show")
def addresses_show(call: Call) -> Response:
    return render_one(call, ADDRESS, found(call.driver.address(call.params["id"])))


@operation("addresses", "create")
def addresses_create(call: Call) -> Response:
    address = call.driver.create_address()
    return render_one(call, ADDRESS, address, 201, {"Location": call.location("addresses", address.id)})


@operation("addresses", "destroy")
def addresses_destroy(call: Call) -> Response:
    call.driver.destroy_address(call.params["id"])
    return empty(204)


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
            sources.append(RuleSource(type="address", family=f"ipv{block.version}", address=address,
                                      prefix=prefix or str(block.max_prefixlen)))
        elif (group := _GROUP_SOURCE.match(name)) and value:
            owner = params.get(f"group{group.group(1)}owner") or None
            sources.append(RuleSource(type="group", name=value, owner=owner))
    return sources


@operation("firewalls", "index")
def firewalls_index(call: Call) -> Response:
    return render_many(call, FIREWALL_LISTED, call.driver.firewalls(filters(call)))


@operation("firewalls", "show")
def firewalls_show(call: Call) -> Response:
    return render_one(call, FIREWALL, found(call.driver.firewall(call.params["id"])))


@operation("firewalls", "create", required=("name", "description"))
def firewalls_create(call: Call) -> Response:
    firewall = call.driver.create_firewall(call.params["name"], call.params["description"])
    return render_one(call, FIREWALL, firewall, 201, {"Location": call.location("firewalls", firewall.id)})


@operation("firewalls", "destroy", capability="delete_firewall")
def firewalls_destroy(call: Call) -> Response:
    call.driver.destroy_firewall(call.params["id"])
    return empty(204)


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


def _balancer(call: Call, balancer: LoadBalancer, status: int = 200,
              headers: dict[str, str] | None = None) -> Response:
    return render_one(call, LOAD_BALANCER, _views(call, [balancer])[0], status, headers)


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
    return _balancer(call, balancer, 201, {"Location": call.location("load_balancers", balancer.id)})


@operation("load_balancers", "register", required=("instance_id",), capability="lb_register_instance")
def balancers_register(call: Call) -> Response:
    return _balancer(call, call.driver.register_instance(call.params["id"], call.params["instance_id"]))


@operation("load_balancers", "unregister", required=("instance_id",), capability="lb_unregister_instance")
def balancers_unregister(call: Call) -> Response:
    return _balancer(call, call.driver.unregister_instance(call.params["id"], call.params["instance_id"]))


@operation("load_balancers", "destroy")
def balancers_destroy(call: Call) -> Response:
    call.driver.destroy_load_balancer(call.params["id"])
    return empty(204)


# -- networks, subnets, network interfaces ------------------------------------------------
@operation("networks", "index")
def networks_index(call: Call) -> Response:
    return render_many(call, NETWORK, call.driver.networks(filters(call)))


@operation("networks", "show")
def networks_show(call: Call) -> Response:
    return render_one(call, NETWORK, found(call.driver.network(call.params["id"])))


@operation("networks", "create")
def networks_create(call: Call) -> Response:
    network = call.driver.create_network(optional(call, "name"), optional(call, "address_block"))
    return render_one(call, NETWORK, network)  # 200, as the original (no Location)


@operation("networks", "destroy")
def networks_destroy(call: Call) -> Response:
    call.driver.destroy_network(call.params["id"])
    return empty(204)


@operation("subnets", "index")
def subnets_index(call: Call) -> Response:
    return render_many(call, SUBNET, call.driver.subnets(filters(call)))


@operation("subnets", "show")
def subnets_show(call: Call) -> Response:
    return render_one(call, SUBNET, found(call.driver.subnet(call.params["id"])))


@operation("subnets", "create", required=("network_id", "address_block"))
def subnets_create(call: Call) -> Response:
    subnet = call.driver.create_subnet(call.params["network_id"], call.params["address_block"],
                                       optional(call, "name"))
    return render_one(call, SUBNET, subnet)


@operation("subnets", "destroy")
def subnets_destroy(call: Call) -> Response:
    call.driver.destroy_subnet(call.params["id"])
    return empty(204)


@operation("network_interfaces", "index")
def interfaces_index(call: Call) -> Response:
    return render_many(call, NETWORK_INTERFACE, call.driver.network_interfaces(filters(call)))


@operation("network_interfaces", "show")
def interfaces_show(call: Call) -> Response:
    return render_one(call, NETWORK_INTERFACE, found(call.driver.network_interface(call.params["id"])))


@operation("network_interfaces", "create", required=("instance", "network"))
def interfaces_create(call: Call) -> Response:
    # The original mock read the subnet from an extra `subnet` field; `network` may name one too.
    network_id = optional(call, "subnet") or call.params["network"]
    interface = call.driver.create_network_interface(call.params["instance"], network_id, optional(call, "name"))
    return render_one(call, NETWORK_INTERFACE, interface)


@operation("network_interfaces", "destroy")
def interfaces_destroy(call: Call) -> Response:
    call.driver.destroy_network_interface(call.params["id"])
    return empty(204)

