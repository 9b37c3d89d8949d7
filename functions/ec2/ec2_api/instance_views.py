"""Instances as EC2 shows them: the item XML, reservations, tags and the filters users script with."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from deltacloud.model import Instance, InstanceAddress

from .filters import Extractor
from .mappings import Ec2State, instance_state, instance_type, state_reason, timestamp
from .xml import item_set, leaf, node, tag_set


@dataclass(frozen=True)
class InstanceView:
    instance: Instance
    state: Ec2State
    tags: dict[str, str]

    @property
    def id(self) -> str:
        return self.instance.id

    @property
    def reservation_id(self) -> str:
        # The core model has no reservations: each instance is its own (see docs/differences.md).
        return reservation_id(self.instance.id)


def reservation_id(instance_id: str) -> str:
    return f"r-{instance_id}"


def view(instance: Instance, tags: dict[str, str], state: Ec2State | None = None) -> InstanceView:
    return InstanceView(instance, state or instance_state(instance.state), tags)


def _first(addresses: list[InstanceAddress], kinds: tuple[str, ...]) -> str | None:
    return next((a.address for a in addresses if a.type in kinds), None)


def public_ip(instance: Instance) -> str | None:
    return _first(instance.public_addresses, ("ipv4", "ipv6"))


def private_ip(instance: Instance) -> str | None:
    return _first(instance.private_addresses, ("ipv4", "ipv6"))


def public_dns(instance: Instance) -> str:
    return _first(instance.public_addresses, ("hostname",)) or ""


def private_dns(instance: Instance) -> str:
    return _first(instance.private_addresses, ("hostname",)) or ""


def state_xml(element: str, state: Ec2State) -> str:
    return node(element, leaf("code", state.code), leaf("name", state.name))


def group_set(firewall_ids: Iterable[str] | None) -> str:
    return item_set("groupSet", (leaf("groupId", group) for group in firewall_ids or ()))


def instance_item(item: InstanceView, launch_index: int = 0) -> str:
    instance = item.instance
    reason = state_reason(instance.state)
    return "".join((
        leaf("instanceId", instance.id),
        leaf("imageId", instance.image_id),
        state_xml("instanceState", item.state),
        leaf("privateDnsName", private_dns(instance)),
        leaf("dnsName", public_dns(instance)),
        leaf("keyName", instance.keyname or None),
        leaf("amiLaunchIndex", launch_index),
        leaf("instanceType", instance_type(instance)),
        leaf("launchTime", timestamp(instance.launch_time)),
        node("placement", leaf("availabilityZone", instance.realm_id), leaf("tenancy", "default")),
        node("monitoring", leaf("state", "disabled")),
        leaf("privateIpAddress", private_ip(instance)),
        leaf("ipAddress", public_ip(instance)),
        group_set(instance.firewall_ids),
        node("stateReason", leaf("code", reason[0]), leaf("message", reason[1])) if reason else "",
        tag_set(item.tags),
    ))


def reservation_item(reservation: str, owner: str, items: list[InstanceView], groups: Iterable[str] = ()) -> str:
    instances = item_set("instancesSet", (instance_item(v, i) for i, v in enumerate(items)))
    return leaf("reservationId", reservation) + leaf("ownerId", owner) + group_set(groups) + instances


#: DescribeInstances filters (plus tag:<key>, tag-key, tag-value)
INSTANCE_FILTERS: Mapping[str, Extractor[InstanceView]] = {
    "instance-id": lambda v: [v.instance.id],
    "instance-state-name": lambda v: [v.state.name],
    "instance-state-code": lambda v: [v.state.code],
    "availability-zone": lambda v: [v.instance.realm_id],
    "instance-type": lambda v: [v.instance.hardware_profile_id],
    "image-id": lambda v: [v.instance.image_id],
    "key-name": lambda v: [v.instance.keyname],
    "reservation-id": lambda v: [v.reservation_id],
    "owner-id": lambda v: [v.instance.owner_id],
    "dns-name": lambda v: [public_dns(v.instance)],
    "private-dns-name": lambda v: [private_dns(v.instance)],
    "ip-address": lambda v: [public_ip(v.instance)],
    "private-ip-address": lambda v: [private_ip(v.instance)],
    "launch-time": lambda v: [timestamp(v.instance.launch_time)],
    "instance.group-id": lambda v: v.instance.firewall_ids or [],
    "group-id": lambda v: v.instance.firewall_ids or [],
}
