"""Classic Elastic Load Balancers (the ``elb`` API), named by their load balancer name."""

from typing import Any

from deltacloud.driver import Filters
from deltacloud.errors import NotFound, ValidationError
from deltacloud.model import LoadBalancer
from deltacloud.model.network import Listener

from .base import EC2Base, timestamp


def to_load_balancer(info: dict[str, Any]) -> LoadBalancer:
    return LoadBalancer(
        id=info["LoadBalancerName"],
        created_at=timestamp(info.get("CreatedTime")),
        realm_ids=list(info.get("AvailabilityZones", [])),
        public_addresses=[info["DNSName"]] if info.get("DNSName") else [],
        listeners=[
            Listener(protocol=d["Listener"]["Protocol"], load_balancer_port=d["Listener"]["LoadBalancerPort"],
                     instance_port=d["Listener"]["InstancePort"])
            for d in info.get("ListenerDescriptions", [])
        ],
        instance_ids=[i["InstanceId"] for i in info.get("Instances", [])],
    )


class EC2LoadBalancers(EC2Base):
    def load_balancers(self, filters: Filters) -> list[LoadBalancer]:
        if filters.get("id"):
            found = self.load_balancer(filters["id"])
            return [found] if found is not None else []
        described = self.aws.items("elb", "describe_load_balancers", "LoadBalancerDescriptions")
        return [to_load_balancer(b) for b in described]

    def load_balancer(self, balancer_id: str) -> LoadBalancer | None:
        answer = self.aws.find("elb", "describe_load_balancers", absent=("ValidationError",),
                               LoadBalancerNames=[balancer_id])
        listed = (answer or {}).get("LoadBalancerDescriptions", [])
        return to_load_balancer(listed[0]) if listed else None

    def _existing_balancer(self, balancer_id: str) -> LoadBalancer:
        found = self.load_balancer(balancer_id)
        if found is None:
            raise NotFound(f"Load balancer '{balancer_id}' not found")
        return found

    def create_load_balancer(self, name: str, realm_id: str, listeners: list[Listener]) -> LoadBalancer:
        if not listeners:
            raise ValidationError("A load balancer needs at least one listener")
        self.aws.call(
            "elb", "create_load_balancer", refers=True, LoadBalancerName=name, AvailabilityZones=[realm_id],
            Listeners=[{"Protocol": item.protocol.upper(), "LoadBalancerPort": item.load_balancer_port,
                        "InstancePort": item.instance_port} for item in listeners],
        )
        return self._existing_balancer(name)

    def destroy_load_balancer(self, balancer_id: str) -> None:
        self._existing_balancer(balancer_id)  # DeleteLoadBalancer succeeds for unknown names: look first (404)
        self.aws.call("elb", "delete_load_balancer", LoadBalancerName=balancer_id)

    def register_instance(self, balancer_id: str, instance_id: str) -> LoadBalancer:
        self.aws.call("elb", "register_instances_with_load_balancer", LoadBalancerName=balancer_id,
                      Instances=[{"InstanceId": instance_id}])
        return self._existing_balancer(balancer_id)

    def unregister_instance(self, balancer_id: str, instance_id: str) -> LoadBalancer:
        self.aws.call("elb", "deregister_instances_from_load_balancer", LoadBalancerName=balancer_id,
                      Instances=[{"InstanceId": instance_id}])
        return self._existing_balancer(balancer_id)
