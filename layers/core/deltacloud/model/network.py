"""Networking resources: addresses, firewalls, load balancers, networks, subnets, interfaces."""

from typing import Literal

from pydantic import Field

from ..errors import ValidationError
from .base import Model, Resource

#: the ports a firewall rule may name, by protocol (ICMP: the message type and code, -1 for all)
RULE_PORTS = {"tcp": (0, 65535), "udp": (0, 65535), "icmp": (-1, 255), "icmpv6": (-1, 255)}


def rule_port_range(protocol: str, port_from: str, port_to: str) -> tuple[int, int]:
    """The port range a new rule for ``protocol`` (a key of :data:`RULE_PORTS`, any case) asks for;
    ValidationError for what no cloud takes, before any is asked (some store it, EC2 refuses it)."""
    kind = protocol.lower()
    if kind not in RULE_PORTS:
        raise ValidationError(f"protocol must be one of {', '.join(RULE_PORTS)}, not {protocol!r}")
    low, high = RULE_PORTS[kind]
    ports = []
    for name, raw in (("port_from", port_from), ("port_to", port_to)):
        try:
            value = int(raw)
        except ValueError:
            raise ValidationError(f"{name} must be a number, not {raw!r}") from None
        if not low <= value <= high:
            raise ValidationError(f"{name} must be between {low} and {high} for {protocol}, not {value}")
        ports.append(value)
    # for ICMP the two are a message type and its code (8 and -1: every echo request), not a range
    if kind in ("tcp", "udp") and ports[0] > ports[1]:
        raise ValidationError(f"port_from ({ports[0]}) must not be greater than port_to ({ports[1]})")
    return ports[0], ports[1]


class Address(Resource):
    ip: str
    instance_id: str | None = None


class RuleSource(Model):
    type: Literal["group", "address"]
    name: str | None = None  # group sources
    owner: str | None = None
    family: Literal["ipv4", "ipv6"] | None = None  # address sources
    address: str | None = None
    prefix: str | None = None


class FirewallRule(Resource):
    allow_protocol: str | None = None
    port_from: str | None = None
    port_to: str | None = None
    direction: str | None = "ingress"
    rule_action: str | None = None
    log_rule: str | None = None
    sources: list[RuleSource] = Field(default_factory=list)


class Firewall(Resource):
    name: str
    description: str = ""
    owner_id: str | None = None
    rules: list[FirewallRule] = Field(default_factory=list)


class Listener(Model):
    protocol: str
    load_balancer_port: int
    instance_port: int


class LoadBalancer(Resource):
    created_at: str | None = None
    realm_ids: list[str] = Field(default_factory=list)
    public_addresses: list[str] = Field(default_factory=list)
    listeners: list[Listener] = Field(default_factory=list)
    instance_ids: list[str] = Field(default_factory=list)


class Network(Resource):
    name: str
    state: str = "UP"
    address_blocks: list[str] = Field(default_factory=list)
    subnet_ids: list[str] = Field(default_factory=list)


class Subnet(Resource):
    name: str
    state: str = "UP"
    type: str = "PRIVATE"
    address_block: str
    network_id: str


class NetworkInterface(Resource):
    name: str
    instance_id: str
    network_id: str  # a subnet id for drivers that have subnets
    ip_address: str | None = None
