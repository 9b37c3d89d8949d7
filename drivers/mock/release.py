"""What happens to an instance's attachments when it goes away (as EC2 does on termination)."""

from deltacloud.state import Transaction

from .addresses import release_address
from .storage import detach_volume


def release_instance(tx: Transaction, instance_id: str) -> None:
    """Detach its volumes, free its public address, take it out of its load balancers."""
    for volume in tx.list("storage_volumes"):
        if volume.get("instance_id") == instance_id:
            detach_volume(tx, volume)
    for address in tx.list("addresses"):
        if address.get("instance_id") == instance_id:
            release_address(tx, address)
    for balancer in tx.list("load_balancers"):
        if instance_id in balancer.get("instance_ids", []):
            remaining = [i for i in balancer["instance_ids"] if i != instance_id]
            tx.put("load_balancers", str(balancer["id"]), {**balancer, "instance_ids": remaining})
