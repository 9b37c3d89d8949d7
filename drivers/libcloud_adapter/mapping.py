"""libcloud's objects as the core model: nodes as instances, sizes as hardware profiles, ...

Functions only read attributes; none calls the provider. Where libcloud keeps a value in the
provider-specific ``extra`` dict, the known keys of the supported providers are tried in turn.
"""

import ipaddress
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from deltacloud.model import (
    Address,
    Blob,
    Bucket,
    Firewall,
    FirewallRule,
    HardwareProfile,
    HardwareProperty,
    Image,
    Instance,
    InstanceAddress,
    Key,
    Realm,
    RuleSource,
    StorageSnapshot,
    StorageVolume,
)

#: libcloud NodeState values -> Deltacloud instance states (spec §7.6 state names, upper case)
NODE_STATES: dict[str, str] = {
    "running": "RUNNING",
    "normal": "RUNNING",
    "starting": "PENDING",
    "pending": "PENDING",
    "rebooting": "PENDING",
    "reconfiguring": "PENDING",
    "migrating": "PENDING",
    "updating": "PENDING",
    "unknown": "PENDING",
    "stopping": "STOPPING",
    "stopped": "STOPPED",
    "suspended": "STOPPED",
    "paused": "STOPPED",
    "terminated": "STOPPED",
    "error": "ERROR",
}

VOLUME_STATES: dict[str, str] = {
    "available": "AVAILABLE",
    "inuse": "IN-USE",
    "attaching": "IN-USE",
    "creating": "CREATING",
    "deleting": "DELETING",
    "deleted": "DELETED",
    "error": "ERROR",
}


def _extra(obj: Any) -> Mapping[str, Any]:
    return getattr(obj, "extra", None) or {}


def _first(mapping: Mapping[str, Any], *keys: str) -> Any:
    return next((mapping[k] for k in keys if mapping.get(k) not in (None, "")), None)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value.tzinfo else value.isoformat()
    return str(value)


def _state_name(state: Any) -> str:
    return str(getattr(state, "value", state) or "unknown").lower()


def realm(location: Any) -> Realm:
    return Realm(id=str(location.id), name=str(location.name or location.id))


def hardware_profile(size: Any) -> HardwareProfile:
    extra = _extra(size)
    cpus = getattr(size, "vcpus", None) or _first(extra, "vcpus", "cpu", "cpus", "cores")
    properties = []
    if cpus:
        properties.append(HardwareProperty.fixed("cpu", int(cpus)))
    if size.ram:
        properties.append(HardwareProperty.fixed("memory", int(size.ram)))
    if size.disk:
        properties.append(HardwareProperty.fixed("storage", int(size.disk)))
    architecture = _first(extra, "architecture", "arch")
    if architecture:
        properties.append(HardwareProperty.fixed("architecture", str(architecture)))
    return HardwareProfile(id=str(size.id), name=str(size.name or size.id), properties=properties)


def image(node_image: Any, profile_ids: Iterable[str]) -> Image:
    extra = _extra(node_image)
    state = _first(extra, "status", "state")
    return Image(
        id=str(node_image.id),
        name=str(node_image.name or node_image.id),
        description=str(_first(extra, "description", "distribution") or node_image.name or ""),
        owner_id=str(_first(extra, "owner", "owner_id", "tenant_id") or ""),
        architecture=str(_first(extra, "architecture", "arch") or ""),
        state=(("AVAILABLE" if str(state).lower() in ("active", "available") else str(state).upper())
               if state is not None else "AVAILABLE"),
        creation_time=_text(_first(extra, "created", "created_at", "creation_date")),
        hardware_profile_ids=list(profile_ids),
    )


#: addresses only reachable inside a site (RFC 1918, shared address space, unique local, link local)
_PRIVATE_NETWORKS = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7", "fe80::/10"))


def is_private_address(address: str) -> bool:
    """Whether an IP is a site-internal one (for clouds that do not say which of a VM's IPs are public)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip.version == network.version and ip in network for network in _PRIVATE_NETWORKS)


def addresses(ips: Iterable[str]) -> list[InstanceAddress]:
    found = []
    for ip in ips or []:
        if not ip:
            continue
        try:
            kind = "ipv6" if ipaddress.ip_address(ip).version == 6 else "ipv4"
        except ValueError:
            kind = "hostname"
        found.append(InstanceAddress(address=ip, type=kind))  # type: ignore[arg-type]
    return found


def instance(node: Any, realm_id: str | None = None) -> Instance:
    extra = _extra(node)
    state = NODE_STATES.get(_state_name(node.state), "PENDING")
    image_id = getattr(node.image, "id", None) if node.image is not None else None
    size_id = getattr(node.size, "id", None) if node.size is not None else None
    return Instance(
        id=str(node.id),
        name=node.name,
        owner_id=_text(_first(extra, "tenantId", "owner", "userId")),
        image_id=_text(image_id or _first(extra, "imageId", "image_id")),
        realm_id=realm_id or _text(_first(extra, "availability_zone", "region", "location", "datacenter")),
        state=state,
        hardware_profile_id=_text(size_id or _first(extra, "flavorId", "size_slug", "size")),
        public_addresses=addresses(node.public_ips),
        private_addresses=addresses(node.private_ips),
        launch_time=_text(getattr(node, "created_at", None) or _first(extra, "created")),
        keyname=_text(_first(extra, "key_name", "keyname")),
        password=_text(extra.get("password")),
        # a terminated node can only be removed, never started again
        actions=["destroy"] if _state_name(node.state) == "terminated" else None,
    )


def key(key_pair: Any) -> Key:
    return Key(id=key_pair.name, name=key_pair.name, fingerprint=key_pair.fingerprint,
               public_key=key_pair.public_key, pem_rsa_key=key_pair.private_key)


def storage_volume(volume: Any) -> StorageVolume:
    extra = _extra(volume)
    attachments = extra.get("attachments") or []
    attached = attachments[0] if attachments and isinstance(attachments[0], Mapping) else {}
    instance_id = _first(attached, "serverId", "server_id", "instance_id") or _first(extra, "instance_id")
    state = VOLUME_STATES.get(_state_name(getattr(volume, "state", None) or extra.get("state")), "AVAILABLE")
    return StorageVolume(
        id=str(volume.id),
        name=volume.name,
        description=_text(extra.get("description")),
        created=_text(_first(extra, "created_at", "created", "create_time")),
        capacity=str(volume.size or ""),
        kind=_text(_first(extra, "volume_type", "type")),
        realm_id=_text(_first(extra, "location", "availability_zone", "region", "zone")),
        state=state,
        instance_id=_text(instance_id),
        device=_text(_first(attached, "device") or extra.get("device")),
    )


def storage_snapshot(snapshot: Any) -> StorageSnapshot:
    extra = _extra(snapshot)
    state = _state_name(getattr(snapshot, "state", None))
    return StorageSnapshot(
        id=str(snapshot.id),
        name=snapshot.name,
        description=_text(extra.get("description")),
        created=_text(getattr(snapshot, "created", None) or extra.get("created")),
        state="COMPLETED" if state == "available" else state.upper(),
        storage_volume_id=_text(_first(extra, "volume_id", "resource_id")),
    )


def bucket(container: Any, blob_ids: list[str] | None = None) -> Bucket:
    extra = _extra(container)
    count = len(blob_ids) if blob_ids is not None else int(_first(extra, "object_count") or 0)
    return Bucket(id=container.name, name=container.name, size=count, blob_ids=blob_ids or [],
                  location=_text(extra.get("location")))


def blob(obj: Any) -> Blob:
    extra = _extra(obj)
    return Blob(
        id=obj.name,
        bucket_id=obj.container.name,
        content_length=int(obj.size or 0),
        content_type=str(extra.get("content_type") or ""),
        last_modified=_text(extra.get("last_modified")) or "",
        user_metadata={str(k).lower(): str(v) for k, v in (obj.meta_data or {}).items()},
    )


def address(ip: str, floating_id: str, instance_id: str | None) -> Address:
    return Address(id=floating_id, ip=ip, instance_id=instance_id)


def firewall(group: Any, owner_id: str | None = None) -> Firewall:
    rules = [
        FirewallRule(
            id=str(rule.id),
            allow_protocol=_text(rule.ip_protocol),
            port_from=_text(rule.from_port),
            port_to=_text(rule.to_port),
            direction=_text(getattr(rule, "direction", None)) or "ingress",
            sources=_rule_sources(rule),
        )
        for rule in group.rules or []
    ]
    return Firewall(id=str(group.id), name=group.name, description=group.description or "",
                    owner_id=_text(getattr(group, "tenant_id", None)) or owner_id, rules=rules)


def _rule_sources(rule: Any) -> list[RuleSource]:
    if getattr(rule, "group", None):
        group = rule.group
        return [RuleSource(type="group", name=_text(group.get("name")), owner=_text(group.get("tenant_id")))]
    if getattr(rule, "ip_range", None):
        network = ipaddress.ip_network(rule.ip_range, strict=False)
        return [RuleSource(type="address", family="ipv6" if network.version == 6 else "ipv4",
                           address=str(network.network_address), prefix=str(network.prefixlen))]
    return []
