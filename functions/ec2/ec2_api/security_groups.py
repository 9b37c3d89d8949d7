"""Security group actions over the core's firewalls.

One EC2 permission (protocol, port range, several sources) becomes one core rule per source, so a
revoke removes exactly what it names. Describe groups rules back into EC2 permissions by protocol and
port range. A core rule with several sources (made through another front-end) that is revoked in part
is replaced by a rule with the remaining sources.
"""

import contextlib
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass

from deltacloud.errors import Conflict, DeltacloudError
from deltacloud.model import Firewall, FirewallRule
from deltacloud.model.network import RuleSource

from .actions import action
from .context import Ec2Call
from .errors import GROUP, Ec2Error, invalid_value, missing_parameter
from .filters import Extractor, compile_filters
from .pagination import paginate, reject_with_ids
from .parameter_names import FILTERS, PAGES, TAG_SPECIFICATIONS
from .protocol import Params
from .tags import tags_from_specifications
from .xml import item_set, leaf, node, tag_set

#: IANA protocol numbers EC2 accepts in place of names
_PROTOCOL_NUMBERS = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}


@dataclass(frozen=True)
class Permission:
    protocol: str
    port_from: str
    port_to: str
    sources: tuple[RuleSource, ...]


def _key(source: RuleSource) -> tuple[str, ...]:
    if source.type == "group":
        return ("group", source.name or "")
    return ("address", source.address or "", source.prefix or "")


# -- finding groups ---------------------------------------------------------------------------------------


def find_group(call: Ec2Call, group_id: str | None, name: str | None) -> Firewall:
    if group_id:
        found = call.driver.firewall(group_id) if call.supports("firewalls", "show") else None
        if found is None:
            raise GROUP.missing(group_id)
        return found
    if name:
        match = next((g for g in call.driver.firewalls({}) if g.name == name), None)
        if match is None:
            raise GROUP.missing(name)
        return match
    raise missing_parameter("GroupId")


# -- describing -------------------------------------------------------------------------------------------


def _permissions(rules: list[FirewallRule], group_ids: Mapping[str, str]) -> str:
    """Rules grouped into EC2 permissions by (protocol, from, to), sources merged; ``group_ids``: name -> id."""
    merged: dict[tuple[str, str, str], list[RuleSource]] = {}
    for rule in rules:
        merged.setdefault((rule.allow_protocol or "-1", rule.port_from or "", rule.port_to or ""), []).extend(
            rule.sources)
    items = []
    for (protocol, port_from, port_to), sources in merged.items():
        group_items = [
            leaf("userId", s.owner) + leaf("groupId", group_ids.get(s.name or "")) + leaf("groupName", s.name)
            for s in sources if s.type == "group"
        ]
        cidrs = [s for s in sources if s.type == "address"]
        v4 = [leaf("cidrIp", f"{s.address}/{s.prefix}") for s in cidrs if s.family != "ipv6"]
        v6 = [leaf("cidrIpv6", f"{s.address}/{s.prefix}") for s in cidrs if s.family == "ipv6"]
        items.append(
            leaf("ipProtocol", protocol) + leaf("fromPort", _port_number(port_from))
            + leaf("toPort", _port_number(port_to)) + item_set("groups", group_items) + item_set("ipRanges", v4)
            + item_set("ipv6Ranges", v6) + item_set("prefixListIds", [])
        )
    return "".join(f"<item>{item}</item>" for item in items)


def _port_number(raw: str) -> int | None:
    try:
        return int(raw)
    except ValueError:
        return None  # omitted: botocore refuses a non-integer port


def _cidrs(group: Firewall) -> list[str]:
    return [f"{s.address}/{s.prefix}" for r in group.rules for s in r.sources if s.type == "address"]


GROUP_FILTERS: Mapping[str, Extractor[tuple[Firewall, dict[str, str]]]] = {
    "group-id": lambda g: [g[0].id],
    "group-name": lambda g: [g[0].name],
    "description": lambda g: [g[0].description],
    "owner-id": lambda g: [g[0].owner_id],
    "ip-permission.protocol": lambda g: [r.allow_protocol for r in g[0].rules],
    "ip-permission.from-port": lambda g: [r.port_from for r in g[0].rules],
    "ip-permission.to-port": lambda g: [r.port_to for r in g[0].rules],
    "ip-permission.cidr": lambda g: _cidrs(g[0]),
    "ip-permission.group-name": lambda g: [s.name for r in g[0].rules for s in r.sources if s.type == "group"],
}


@action("DescribeSecurityGroups", "firewalls.index", kind=GROUP,
        params=("GroupId.N", "GroupName.N", *FILTERS, *PAGES))
def describe_security_groups(call: Ec2Call) -> str:
    ids = call.params.values("GroupId")
    names = call.params.values("GroupName")
    reject_with_ids(call.params, "GroupId", ids + names)
    select = compile_filters(call.params.filters(), GROUP_FILTERS, tags_of=lambda g: g[1])
    groups = call.driver.firewalls({})
    missing = [i for i in ids if not any(g.id == i for g in groups)]
    missing += [n for n in names if not any(g.name == n for g in groups)]
    if missing:
        raise GROUP.missing(*missing)
    group_ids = {g.name: g.id for g in groups}
    if ids or names:
        groups = [g for g in groups if g.id in ids or g.name in names]
    views = select([(g, call.tags.effective(g.id, {})) for g in groups])
    page, token = paginate(views, call, key=lambda g: g[0].id)
    return item_set("securityGroupInfo", (
        leaf("ownerId", g.owner_id or call.caller.tenant.id) + leaf("groupId", g.id) + leaf("groupName", g.name)
        + leaf("groupDescription", g.description)
        + node("ipPermissions", _permissions([r for r in g.rules if r.direction != "egress"], group_ids))
        + node("ipPermissionsEgress", _permissions([r for r in g.rules if r.direction == "egress"], group_ids))
        + tag_set(tags)
        for g, tags in page
    )) + leaf("nextToken", token)


# -- creating and deleting --------------------------------------------------------------------------------


@action("CreateSecurityGroup", "firewalls.create", kind=GROUP,
        params=("GroupName", "GroupDescription", *TAG_SPECIFICATIONS))
def create_security_group(call: Ec2Call) -> str:
    name = call.params.required("GroupName")
    description = call.params.required("GroupDescription")
    if len(name) > 255 or len(description) > 255:
        raise Ec2Error("InvalidParameterValue", "Group names and descriptions are at most 255 characters long.")
    tags = tags_from_specifications(call.params, "security-group")
    if any(g.name == name for g in call.driver.firewalls({})):
        raise Ec2Error(GROUP.duplicate, f"The security group '{name}' already exists")
    group = call.driver.create_firewall(name, description)
    if tags:
        call.tags.add(group.id, "security-group", tags)
    return leaf("return", "true") + leaf("groupId", group.id)


@action("DeleteSecurityGroup", "firewalls.destroy", kind=GROUP, params=("GroupId", "GroupName"))
def delete_security_group(call: Ec2Call) -> str:
    group = find_group(call, call.params.text("GroupId"), call.params.text("GroupName"))
    try:
        call.driver.destroy_firewall(group.id)
    except Conflict as error:  # still referenced by another group's rules
        raise Ec2Error("DependencyViolation", error.message) from None
    call.tags.forget(group.id)
    return leaf("return", "true")


# -- rules ------------------------------------------------------------------------------------------------


def _requested_permissions(call: Ec2Call) -> list[Permission]:
    """``IpPermissions.N...``, or the legacy top-level form (IpProtocol, CidrIp, SourceSecurityGroupName)."""
    p = call.params
    entries = p.structs("IpPermissions")
    if not entries and ("IpProtocol" in p or "CidrIp" in p or "SourceSecurityGroupName" in p):
        legacy = Params({
            "IpProtocol": p.text("IpProtocol") or "-1",
            **({"FromPort": p.flat["FromPort"]} if "FromPort" in p else {}),
            **({"ToPort": p.flat["ToPort"]} if "ToPort" in p else {}),
            **({"IpRanges.1.CidrIp": p.flat["CidrIp"]} if "CidrIp" in p else {}),
            **({"Groups.1.GroupName": p.flat["SourceSecurityGroupName"]} if "SourceSecurityGroupName" in p else {}),
            **({"Groups.1.UserId": p.flat["SourceSecurityGroupOwnerId"]} if "SourceSecurityGroupOwnerId" in p else {}),
        })
        entries = [legacy]
    if not entries:
        raise missing_parameter("IpPermissions")
    return [_permission(call, entry) for entry in entries]


def _permission(call: Ec2Call, entry: Params) -> Permission:
    raw = entry.required("IpProtocol").lower()
    protocol = _PROTOCOL_NUMBERS.get(raw, raw)
    if protocol in ("icmp", "icmpv6"):
        port_from, port_to = _port(entry, "FromPort", -1), _port(entry, "ToPort", -1)
    elif protocol == "-1":
        port_from, port_to = _port(entry, "FromPort", 0), _port(entry, "ToPort", 65535)
    else:
        port_from, port_to = _port(entry, "FromPort", None), _port(entry, "ToPort", None)
    sources: list[RuleSource] = []
    for cidr_entry, field, family in ((entry.structs("IpRanges"), "CidrIp", "ipv4"),
                                      (entry.structs("Ipv6Ranges"), "CidrIpv6", "ipv6")):
        for source in cidr_entry:
            cidr = source.required(field)
            try:
                network = ipaddress.ip_network(cidr, strict=False)
            except ValueError:
                raise invalid_value(field, cidr, "It must be a CIDR block such as 10.0.0.0/16.") from None
            if (network.version == 6) != (family == "ipv6"):
                raise invalid_value(field, cidr, f"It must be an {family} CIDR block.")
            sources.append(RuleSource(type="address", family=family,  # type: ignore[arg-type]
                                      address=str(network.network_address), prefix=str(network.prefixlen)))
    for group in entry.structs("Groups"):
        group_id, name = group.text("GroupId"), group.text("GroupName")
        if not group_id and not name:
            raise missing_parameter("IpPermissions.N.Groups.N.GroupId")
        source_group = find_group(call, group_id, name)
        sources.append(RuleSource(type="group", name=source_group.name, owner=group.text("UserId") or None))
    if not sources:
        raise Ec2Error("MissingParameter", "A permission needs at least one source: IpRanges, Ipv6Ranges or Groups.")
    return Permission(protocol, port_from, port_to, tuple(sources))


def _port(entry: Params, name: str, default: int | None) -> str:
    """A port as the core stores it (a plain decimal), so rules compare equal however they were sent."""
    number = entry.integer(name, -1, 65535)
    if number is None:
        if default is None:
            raise missing_parameter(f"IpPermissions.N.{name}")
        number = default
    return str(number)


def _target(call: Ec2Call) -> Firewall:
    return find_group(call, call.params.text("GroupId"), call.params.text("GroupName"))


#: What Authorize/Revoke read: IpPermissions.N (see _permission) or the legacy top-level form (see
#: _requested_permissions). Descriptions and prefix lists are refused: a rule without them is not what was asked.
PERMISSION_PARAMS = (
    "GroupId", "GroupName",
    "IpPermissions.N.IpProtocol", "IpPermissions.N.FromPort", "IpPermissions.N.ToPort",
    "IpPermissions.N.IpRanges.N.CidrIp", "IpPermissions.N.Ipv6Ranges.N.CidrIpv6",
    "IpPermissions.N.Groups.N.GroupId", "IpPermissions.N.Groups.N.GroupName", "IpPermissions.N.Groups.N.UserId",
    "IpProtocol", "FromPort", "ToPort", "CidrIp", "SourceSecurityGroupName", "SourceSecurityGroupOwnerId",
)


@action("AuthorizeSecurityGroupIngress", "firewalls.rule_create", kind=GROUP, params=PERMISSION_PARAMS)
def authorize_ingress(call: Ec2Call) -> str:
    group = _target(call)
    permissions = _requested_permissions(call)
    existing = {(r.allow_protocol, r.port_from, r.port_to, _key(s))
                for r in group.rules if r.direction != "egress" for s in r.sources}
    asked = [(p.protocol, p.port_from, p.port_to, _key(s)) for p in permissions for s in p.sources]
    if any(rule in existing for rule in asked):
        raise Ec2Error("InvalidPermission.Duplicate", "the specified rule already exists")  # nothing added
    if len(set(asked)) < len(asked):
        raise Ec2Error("InvalidPermission.Duplicate", "The same permission must not appear multiple times")
    added: list[SourceRule] = []
    try:
        for permission in permissions:
            for source in permission.sources:
                group = call.driver.create_firewall_rule(group.id, permission.protocol, permission.port_from,
                                                         permission.port_to, [source])
                added.append((permission.protocol, permission.port_from, permission.port_to, _key(source)))
    except DeltacloudError as error:
        # All or nothing, as on EC2: a permission the back-end refuses takes back the sources added before it,
        # and only those (a cloud may have merged one into a rule that was there before, as AWS does per port)
        with contextlib.suppress(DeltacloudError):
            _drop_sources(call, group, added)
        if isinstance(error, Conflict):
            raise Ec2Error("InvalidPermission.Duplicate", "the specified rule already exists") from None
        raise
    return leaf("return", "true")


@action("RevokeSecurityGroupIngress", "firewalls.rule_destroy", kind=GROUP, params=PERMISSION_PARAMS)
def revoke_ingress(call: Ec2Call) -> str:
    group = _target(call)
    asked = [(p.protocol, p.port_from, p.port_to, _key(s)) for p in _requested_permissions(call) for s in p.sources]
    missing = [wanted for wanted in asked if _rule_with(group, wanted) is None]
    if missing:
        raise Ec2Error("InvalidPermission.NotFound", "The specified rule does not exist in this security group.")
    _drop_sources(call, group, asked)
    return leaf("return", "true")


#: one source of one ingress rule: (protocol, from port, to port, source key)
SourceRule = tuple[str, str, str, tuple[str, ...]]


def _rule_with(group: Firewall, wanted: SourceRule) -> FirewallRule | None:
    protocol, port_from, port_to, key = wanted
    return next((r for r in group.rules if r.direction != "egress"
                 and (r.allow_protocol, r.port_from, r.port_to) == (protocol, port_from, port_to)
                 and any(_key(s) == key for s in r.sources)), None)


def _drop_sources(call: Ec2Call, group: Firewall, sources: list[SourceRule]) -> None:
    """Take these sources out of the group's ingress rules: a rule left with other sources is put back with
    them (the core deletes whole rules), one whose sources all go is deleted; sources not found are skipped."""
    plan: dict[str, tuple[FirewallRule, set[tuple[str, ...]]]] = {}  # rule id -> (rule, source keys to drop)
    for wanted in sources:
        rule = _rule_with(group, wanted)
        if rule is not None:
            plan.setdefault(rule.id, (rule, set()))[1].add(wanted[3])
    for rule, dropped in plan.values():
        call.driver.destroy_firewall_rule(group.id, rule.id)
        remaining = [s for s in rule.sources if _key(s) not in dropped]
        if remaining:
            call.driver.create_firewall_rule(group.id, rule.allow_protocol or "-1", rule.port_from or "",
                                             rule.port_to or "", remaining)
