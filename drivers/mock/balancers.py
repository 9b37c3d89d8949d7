"""The mock cloud's load balancers: listeners, registered instances (spec §7.13).

The original mock had none; these behave like classic ELBs: a unique name, one realm, at least
one listener, and a public DNS name.
"""

import re

from deltacloud.driver import Filters
from deltacloud.errors import Conflict, ValidationError
from deltacloud.model import LoadBalancer
from deltacloud.model.network import Listener
from deltacloud.state import Transaction

from .base import MockBase
from .catalogue import realms
from .state import found, matches, next_id, timestamp

_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$")
PROTOCOLS = ("HTTP", "HTTPS", "TCP", "SSL")


def _check_listeners(listeners: list[Listener]) -> list[Listener]:
    if not listeners:
        raise ValidationError("A load balancer needs at least one listener "
                              "(listener_protocol, listener_balancer_port, listener_instance_port)")
    checked = []
    for listener in listeners:
        protocol = listener.protocol.upper()
        if protocol not in PROTOCOLS:
            raise ValidationError(f"listener protocol must be one of {', '.join(PROTOCOLS)}, not "
                                  f"{listener.protocol!r}")
        for port in (listener.load_balancer_port, listener.instance_port):
            if not 1 <= port <= 65535:
                raise ValidationError(f"listener port {port} is not between 1 and 65535")
        checked.append(listener.model_copy(update={"protocol": protocol}))
    ports = [listener.load_balancer_port for listener in checked]
    if len(set(ports)) != len(ports):
        raise ValidationError("two listeners use the same load balancer port")
    return checked


class MockBalancers(MockBase):
    def load_balancers(self, filters: Filters) -> list[LoadBalancer]:
        records = self._state().list("load_balancers")
        return [LoadBalancer.model_validate(r) for r in records if matches(r, filters, ("id",))]

    def load_balancer(self, balancer_id: str) -> LoadBalancer | None:
        record = self._state().get("load_balancers", balancer_id)
        return LoadBalancer.model_validate(record) if record else None

    def create_load_balancer(self, name: str, realm_id: str, listeners: list[Listener]) -> LoadBalancer:
        if not _NAME.match(name):
            raise ValidationError(f"Load balancer name {name!r} is not valid: 1-32 letters, digits and inner "
                                  "hyphens")
        if realm_id not in {r.id for r in realms()}:
            raise ValidationError(f"Realm '{realm_id}' does not exist (realms: {', '.join(r.id for r in realms())})")
        checked = _check_listeners(listeners)
        created_at = timestamp()

        def create(tx: Transaction) -> LoadBalancer:
            if tx.get("load_balancers", name) is not None:
                raise Conflict(f"Load balancer '{name}' already exists")
            serial = next_id(tx, "load_balancer_dns", "")
            balancer = LoadBalancer(
                id=name, created_at=created_at, realm_ids=[realm_id], listeners=checked,
                public_addresses=[f"{name}-{1000000 + int(serial)}.{realm_id}.elb.mock.deltacloud.org"],
            )
            tx.put("load_balancers", name, balancer.model_dump(mode="json"))
            return balancer

        return self._state().transact(create)

    def destroy_load_balancer(self, balancer_id: str) -> None:
        def destroy(tx: Transaction) -> None:
            found(tx, "load_balancers", balancer_id, "Load balancer")
            tx.delete("load_balancers", balancer_id)

        self._state().transact(destroy)

    def register_instance(self, balancer_id: str, instance_id: str) -> LoadBalancer:
        def register(tx: Transaction) -> LoadBalancer:
            balancer = found(tx, "load_balancers", balancer_id, "Load balancer")
            found(tx, "instances", instance_id, "Instance")
            if instance_id in balancer["instance_ids"]:
                raise Conflict(f"Instance '{instance_id}' is already registered with '{balancer_id}'")
            updated = {**balancer, "instance_ids": [*balancer["instance_ids"], instance_id]}
            tx.put("load_balancers", balancer_id, updated)
            return LoadBalancer.model_validate(updated)

        return self._state().transact(register)

    def unregister_instance(self, balancer_id: str, instance_id: str) -> LoadBalancer:
        def unregister(tx: Transaction) -> LoadBalancer:
            balancer = found(tx, "load_balancers", balancer_id, "Load balancer")
            if instance_id not in balancer["instance_ids"]:
                raise Conflict(f"Instance '{instance_id}' is not registered with '{balancer_id}'")
            updated = {**balancer, "instance_ids": [i for i in balancer["instance_ids"] if i != instance_id]}
            tx.put("load_balancers", balancer_id, updated)
            return LoadBalancer.model_validate(updated)

        return self._state().transact(unregister)
