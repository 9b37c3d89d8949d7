"""Networking resources: addresses, firewalls, load balancers, networks, subnets, interfaces."""

from typing import Literal

from pydantic import Field

from .base import Model, Resource


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
