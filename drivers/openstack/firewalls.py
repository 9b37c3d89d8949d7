"""Firewalls as OpenStack security groups (Neutron), through libcloud's security-group extension."""

from typing import Any

from deltacloud.driver import Filters
from deltacloud.drivers.libcloud_adapter import mapping
from deltacloud.drivers.libcloud_adapter.base import matches
from deltacloud.drivers.libcloud_adapter.compute import LibcloudCompute
from deltacloud.drivers.libcloud_adapter.errors import provider_errors
from deltacloud.errors import NotFound, ValidationError
from deltacloud.model import Firewall, RuleSource
from deltacloud.model.network import rule_port_range

SECURITY_GROUP_METHODS = (
    "ex_list_security_groups", "ex_create_security_group", "ex_delete_security_group",
    "ex_create_security_group_rule", "ex_delete_security_group_rule",
)


class SecurityGroupFirewalls(LibcloudCompute):
    def _groups(self) -> list[Any]:
        with provider_errors():
            return list(self.compute().ex_list_security_groups())

    def _group(self, firewall_id: str) -> Any:
        group = next((g for g in self._groups() if str(g.id) == firewall_id), None)
        if group is None:
            raise NotFound(f"Firewall '{firewall_id}' not found")
        return group

    def firewalls(self, filters: Filters) -> list[Firewall]:
        found = [mapping.firewall(g) for g in self._groups()]
        return [f for f in found if matches(f.model_dump(), filters, ("id", "name"))]

    def firewall(self, firewall_id: str) -> Firewall | None:
        return next(iter(self.firewalls({"id": firewall_id})), None)

    def create_firewall(self, name: str, description: str) -> Firewall:
        with provider_errors():
            return mapping.firewall(self.compute().ex_create_security_group(name, description))

    def destroy_firewall(self, firewall_id: str) -> None:
        group = self._group(firewall_id)
        with provider_errors():
            self.compute().ex_delete_security_group(group)

    def create_firewall_rule(
        self, firewall_id: str, protocol: str, port_from: str, port_to: str, sources: list[RuleSource]
    ) -> Firewall:
        if not sources:
            raise ValidationError("No sources. Specify at least one source ip address or group.")
        first, last = rule_port_range(protocol, port_from, port_to)
        group = self._group(firewall_id)
        groups = {g.name: g for g in self._groups()}
        with provider_errors():
            for source in sources:
                if source.type == "address":
                    cidr = f"{source.address}/{source.prefix or 32}"
                    self.compute().ex_create_security_group_rule(group, protocol.lower(), first, last, cidr=cidr)
                else:
                    other = groups.get(source.name or "")
                    if other is None:
                        raise ValidationError(f"Source group '{source.name}' does not exist")
                    self.compute().ex_create_security_group_rule(group, protocol.lower(), first, last,
                                                                 source_security_group=other)
        return mapping.firewall(self._group(firewall_id))

    def destroy_firewall_rule(self, firewall_id: str, rule_id: str) -> None:
        rule = next((r for r in self._group(firewall_id).rules if str(r.id) == rule_id), None)
        if rule is None:
            raise NotFound(f"Rule '{rule_id}' not found in firewall '{firewall_id}'")
        with provider_errors():
            self.compute().ex_delete_security_group_rule(rule)
