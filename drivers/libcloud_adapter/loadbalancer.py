"""Load balancers over a libcloud load-balancer ``Driver`` (members are compute nodes)."""

from typing import Any

from deltacloud.driver import Filters
from deltacloud.errors import NotFound, ValidationError
from deltacloud.model import Listener, LoadBalancer

from . import mapping
from .base import matches
from .compute import LibcloudCompute
from .errors import provider_errors


def _node_ips(node: Any) -> set[str]:
    return {*(node.private_ips or []), *(node.public_ips or [])}


class LibcloudLoadBalancers(LibcloudCompute):
    """Balancer members are addressed by IP in libcloud; the core speaks of instance ids."""

    def balancers(self) -> Any:
        return self.sdk("loadbalancer")

    def _to_balancer(self, balancer: Any) -> LoadBalancer:
        with provider_errors():
            members = list(balancer.list_members())
        by_ip = {ip: str(node.id) for node in self._nodes() for ip in _node_ips(node)} if members else {}
        return mapping.load_balancer(balancer, members, [by_ip.get(m.ip, str(m.id)) for m in members])

    def _balancer(self, balancer_id: str) -> Any:
        with provider_errors():
            return self.balancers().get_balancer(balancer_id)

    def load_balancers(self, filters: Filters) -> list[LoadBalancer]:
        with provider_errors():
            listed = list(self.balancers().list_balancers())
        found = [self._to_balancer(b) for b in listed]
        return [b for b in found if matches(b.model_dump(), filters, ("id",))]

    def load_balancer(self, balancer_id: str) -> LoadBalancer | None:
        try:
            return self._to_balancer(self._balancer(balancer_id))
        except NotFound:
            return None

    def create_load_balancer(self, name: str, realm_id: str, listeners: list[Listener]) -> LoadBalancer:
        from libcloud.loadbalancer.types import Algorithm

        if len(listeners) != 1:
            raise ValidationError("libcloud load balancers take exactly one listener")
        listener = listeners[0]
        with provider_errors():
            created = self.balancers().create_balancer(
                name=name, port=listener.load_balancer_port, protocol=listener.protocol.lower(),
                algorithm=Algorithm.ROUND_ROBIN, members=[],
            )
        return self._to_balancer(created)

    def destroy_load_balancer(self, balancer_id: str) -> None:
        balancer = self._balancer(balancer_id)
        with provider_errors():
            self.balancers().destroy_balancer(balancer)

    def register_instance(self, balancer_id: str, instance_id: str) -> LoadBalancer:
        balancer = self._balancer(balancer_id)
        node = self.find_node(instance_id)
        if node is None:
            raise NotFound(f"Instance '{instance_id}' not found")
        with provider_errors():
            self.balancers().balancer_attach_compute_node(balancer, node)
        return self._to_balancer(self._balancer(balancer_id))

    def unregister_instance(self, balancer_id: str, instance_id: str) -> LoadBalancer:
        balancer = self._balancer(balancer_id)
        node = self.find_node(instance_id)
        ips = _node_ips(node) if node is not None else set()
        with provider_errors():
            member = next((m for m in balancer.list_members() if m.ip in ips or str(m.id) == instance_id), None)
            if member is None:
                raise NotFound(f"Instance '{instance_id}' is not registered with '{balancer_id}'")
            self.balancers().balancer_detach_member(balancer, member)
        return self._to_balancer(self._balancer(balancer_id))

