"""Security groups as firewalls, their ingress permissions as rules.

A rule is one EC2 ``IpPermission`` (protocol, port range, sources). Its id spells all of that
out, in the original driver's form, so deleting a rule needs nothing but the id:
``<owner>~<protocol>~<from>~<to>~@group,<owner>,<group>,@address,ipv4,<ip>,<prefix>,...``
(``/`` never appears, so the id is one URL path segment).
"""

from typing import Any, TypedDict

from deltacloud.driver import Filters
from deltacloud.errors import NotFound, ValidationError
from deltacloud.model import Firewall, FirewallRule, RuleSource
from deltacloud.model.network import rule_port_range

from .base import EC2Base

PROTOCOLS = {"tcp": "tcp", "udp": "udp", "icmp": "icmp", "icmpv6": "icmpv6", "-1": "-1", "all": "-1"}


def _port(value: object) -> str:
    return "" if value is None else str(value)


def _sources(permission: dict[str, Any]) -> list[RuleSource]:
    sources = [
        RuleSource(type="group", name=pair.get("GroupId") or pair.get("GroupName"), owner=pair.get("UserId"))
        for pair in permission.get("UserIdGroupPairs", [])
    ]
    for key, cidr_key, family in (("IpRanges", "CidrIp", "ipv4"), ("Ipv6Ranges", "CidrIpv6", "ipv6")):
        for entry in permission.get(key, []):
            address, _, prefix = entry[cidr_key].partition("/")
            sources.append(RuleSource(type="address", family=family, address=address, prefix=prefix))  # type: ignore[arg-type]
    return sources


def rule_id(owner: str, protocol: str, port_from: str, port_to: str, sources: list[RuleSource]) -> str:
    parts = []
    for source in sources:
        if source.type == "group":
            parts += ["@group", source.owner or "", source.name or ""]
        else:
            parts += ["@address", source.family or "ipv4", source.address or "", source.prefix or ""]
    return "~".join((owner, protocol, port_from, port_to, ",".join(parts)))


def parse_rule_id(value: str) -> tuple[str, str, str, list[RuleSource]]:
    """(protocol, from, to, sources) of a rule id; ValueError when it is not one."""
    _owner, protocol, port_from, port_to, encoded = value.split("~")
    tokens = encoded.split(",") if encoded else []
    sources: list[RuleSource] = []
    while tokens:
        kind = tokens.pop(0)
        if kind == "@group" and len(tokens) >= 2:
            owner, name = tokens.pop(0), tokens.pop(0)
            sources.append(RuleSource(type="group", owner=owner or None, name=name))
        elif kind == "@address" and len(tokens) >= 3:
            family, address, prefix = tokens.pop(0), tokens.pop(0), tokens.pop(0)
            sources.append(RuleSource(type="address", family=family, address=address, prefix=prefix))  # type: ignore[arg-type]
        else:
            raise ValueError(f"unexpected token {kind!r}")
    return protocol, port_from, port_to, sources


def to_firewall(info: dict[str, Any]) -> Firewall:
    owner = info.get("OwnerId", "")
    rules = []
    for permission in info.get("IpPermissions", []):
        protocol = str(permission.get("IpProtocol", ""))
        port_from, port_to = _port(permission.get("FromPort")), _port(permission.get("ToPort"))
        sources = _sources(permission)
        rules.append(FirewallRule(
            id=rule_id(owner, protocol, port_from, port_to, sources), allow_protocol=protocol,
            port_from=port_from, port_to=port_to, direction="ingress", sources=sources,
        ))
    return Firewall(id=info["GroupId"], name=info.get("GroupName", info["GroupId"]),
                    description=info.get("Description", ""), owner_id=owner or None, rules=rules)


def ip_permission(protocol: str, port_from: str, port_to: str, sources: list[RuleSource]) -> dict[str, Any]:
    """The EC2 ``IpPermission`` of a rule; ValidationError for what EC2 would refuse."""
    aws_protocol = PROTOCOLS.get(protocol.lower())
    if aws_protocol is None:
        raise ValidationError(f"protocol must be one of {', '.join(PROTOCOLS)}, not {protocol!r}")
    if not sources:
        raise ValidationError("No sources. Specify at least one source ip address or group.")
    permission: dict[str, Any] = {"IpProtocol": aws_protocol}
    if aws_protocol != "-1":
        permission["FromPort"], permission["ToPort"] = rule_port_range(aws_protocol, port_from, port_to or port_from)
    groups, ipv4, ipv6 = [], [], []
    for source in sources:
        if source.type == "group":
            key = "GroupId" if (source.name or "").startswith("sg-") else "GroupName"
            pair = {key: source.name}
            if source.owner:
                pair["UserId"] = source.owner
            groups.append(pair)
        elif source.family == "ipv6":
            ipv6.append({"CidrIpv6": f"{source.address}/{source.prefix or '128'}"})
        else:
            ipv4.append({"CidrIp": f"{source.address}/{source.prefix or '32'}"})
    for key, entries in (("UserIdGroupPairs", groups), ("IpRanges", ipv4), ("Ipv6Ranges", ipv6)):
        if entries:
            permission[key] = entries
    return permission


class _GroupRef(TypedDict, total=False):
    GroupId: str
    GroupName: str


def _group(firewall_id: str) -> _GroupRef:
    """Security groups are addressed by id (``sg-...``); a name works for the default VPC."""
    return {"GroupId": firewall_id} if firewall_id.startswith("sg-") else {"GroupName": firewall_id}


class EC2Firewalls(EC2Base):
    def firewalls(self, filters: Filters) -> list[Firewall]:
        if filters.get("id"):
            found = self.firewall(filters["id"])
            return [found] if found is not None else []
        return [to_firewall(g) for g in self.aws.items("ec2", "describe_security_groups", "SecurityGroups")]

    def firewall(self, firewall_id: str) -> Firewall | None:
        if firewall_id.startswith("sg-"):
            answer = self.aws.find("ec2", "describe_security_groups", GroupIds=[firewall_id])
        else:
            answer = self.aws.find("ec2", "describe_security_groups", GroupNames=[firewall_id])
        listed = (answer or {}).get("SecurityGroups", [])
        return to_firewall(listed[0]) if listed else None

    def _existing_firewall(self, firewall_id: str) -> Firewall:
        found = self.firewall(firewall_id)
        if found is None:
            raise NotFound(f"Firewall '{firewall_id}' not found")
        return found

    def create_firewall(self, name: str, description: str) -> Firewall:
        if not description.strip():
            raise ValidationError("A firewall needs a description")
        group_id = self.aws.call("ec2", "create_security_group", GroupName=name, Description=description)["GroupId"]
        return self._existing_firewall(group_id)

    def destroy_firewall(self, firewall_id: str) -> None:
        self.aws.call("ec2", "delete_security_group", **_group(firewall_id))

    def create_firewall_rule(
        self, firewall_id: str, protocol: str, port_from: str, port_to: str, sources: list[RuleSource]
    ) -> Firewall:
        permission = ip_permission(protocol, port_from, port_to, sources)
        group = self._existing_firewall(firewall_id)
        self.aws.call("ec2", "authorize_security_group_ingress", refers=True, GroupId=group.id,
                      IpPermissions=[permission])
        return self._existing_firewall(group.id)

    def destroy_firewall_rule(self, firewall_id: str, rule_id: str) -> None:
        group = self._existing_firewall(firewall_id)
        if rule_id not in {r.id for r in group.rules}:
            raise NotFound(f"Firewall '{firewall_id}' has no rule '{rule_id}'")
        protocol, port_from, port_to, sources = parse_rule_id(rule_id)
        self.aws.call("ec2", "revoke_security_group_ingress", GroupId=group.id,
                      IpPermissions=[ip_permission(protocol, port_from, port_to, sources)])
