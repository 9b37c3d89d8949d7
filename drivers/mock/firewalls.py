"""The mock cloud's firewalls (security groups) and their ingress rules (spec §7.12).

The original mock had none; these behave like EC2 security groups: a rule allows one protocol
and port range from address blocks and/or other groups, and its id spells out what it allows
(EC2 driver form), so adding the same rule twice is a conflict.
"""

import re

from deltacloud.driver import Filters
from deltacloud.errors import Conflict, NotFound, ValidationError
from deltacloud.model import Firewall, FirewallRule
from deltacloud.model.network import RuleSource, rule_port_range
from deltacloud.state import Transaction

from .base import MockBase
from .state import found, matches

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,254}$")
NO_SOURCES = "No sources. Specify at least one source ip address or group."


def make_rule_id(owner: str, protocol: str, port_from: int, port_to: int, sources: list[RuleSource]) -> str:
    """``<owner>~<protocol>~<from>~<to>~@group,<owner>,<name>,@address,ipv4,<ip>,<prefix>`` (EC2 driver form)."""
    parts = []
    for source in sources:
        if source.type == "group":
            parts.append(f"@group,{source.owner},{source.name}")
        else:
            parts.append(f"@address,{source.family},{source.address},{source.prefix}")
    return f"{owner}~{protocol}~{port_from}~{port_to}~{','.join(parts)}"


class MockFirewalls(MockBase):
    def firewalls(self, filters: Filters) -> list[Firewall]:
        records = self._state().list("firewalls")
        return [Firewall.model_validate(r) for r in records if matches(r, filters, ("id", "name"))]

    def firewall(self, firewall_id: str) -> Firewall | None:
        record = self._state().get("firewalls", firewall_id)
        return Firewall.model_validate(record) if record else None

    def create_firewall(self, name: str, description: str) -> Firewall:
        if not _NAME.match(name):
            raise ValidationError(f"Firewall name {name!r} is not valid: use letters, digits, '.', '_' and '-'")
        if not description.strip():
            raise ValidationError("A firewall needs a description")
        firewall = Firewall(id=name, name=name, description=description, owner_id=self._authorize())

        def create(tx: Transaction) -> Firewall:
            if tx.get("firewalls", name) is not None:
                raise Conflict(f"Firewall '{name}' already exists")
            tx.put("firewalls", name, firewall.model_dump(mode="json", exclude_none=True))
            return firewall

        return self._state().transact(create)

    def destroy_firewall(self, firewall_id: str) -> None:
        def destroy(tx: Transaction) -> None:
            found(tx, "firewalls", firewall_id, "Firewall")
            users = [
                str(other["id"]) for other in tx.list("firewalls") if other["id"] != firewall_id
                and any(s.get("type") == "group" and s.get("name") == firewall_id
                        for rule in other.get("rules", []) for s in rule.get("sources", []))
            ]
            if users:
                raise Conflict(f"Firewall '{firewall_id}' is a rule source of {', '.join(users)}: "
                               "delete those rules first")
            tx.delete("firewalls", firewall_id)

        self._state().transact(destroy)

    def create_firewall_rule(
        self, firewall_id: str, protocol: str, port_from: str, port_to: str, sources: list[RuleSource]
    ) -> Firewall:
        if not sources:  # checked first, as the original did
            raise ValidationError(NO_SOURCES)
        user = self._authorize()
        protocol = protocol.lower()
        first, last = rule_port_range(protocol, port_from, port_to)
        sources = [s.model_copy(update={"owner": s.owner or user}) if s.type == "group" else s for s in sources]

        def create(tx: Transaction) -> Firewall:
            firewall = found(tx, "firewalls", firewall_id, "Firewall")
            for source in sources:
                if source.type == "group" and source.owner == user:
                    found(tx, "firewalls", str(source.name), "Firewall")
            rule = FirewallRule(id=make_rule_id(user, protocol, first, last, sources), allow_protocol=protocol,
                                port_from=str(first), port_to=str(last), sources=sources)
            rules = list(firewall.get("rules", []))
            if any(r["id"] == rule.id for r in rules):
                raise Conflict(f"Firewall '{firewall_id}' already has this rule")
            updated = {**firewall, "rules": [*rules, rule.model_dump(mode="json", exclude_none=True)]}
            tx.put("firewalls", firewall_id, updated)
            return Firewall.model_validate(updated)

        return self._state().transact(create)

    def destroy_firewall_rule(self, firewall_id: str, rule_id: str) -> None:
        def destroy(tx: Transaction) -> None:
            firewall = found(tx, "firewalls", firewall_id, "Firewall")
            rules = list(firewall.get("rules", []))
            remaining = [r for r in rules if r["id"] != rule_id]
            if len(remaining) == len(rules):
                raise NotFound(f"Rule '{rule_id}' not found in firewall '{firewall_id}'")
            tx.put("firewalls", firewall_id, {**firewall, "rules": remaining})

        self._state().transact(destroy)
