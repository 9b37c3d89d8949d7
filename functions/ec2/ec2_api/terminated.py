"""Terminated instances stay visible for an hour, as on EC2.

Most back-ends forget an instance the moment it is destroyed, but EC2 clients expect to see it as
``terminated`` for a while: ``wait_until_terminated`` polls for that state, and scripts describe an
instance right after terminating it. TerminateInstances records the instance here; DescribeInstances
shows the record while the back-end no longer lists the instance.
"""

import time

from deltacloud.model import Instance
from deltacloud.state import ScopedState, Transaction

NAMESPACE = "ec2_terminated"
RETENTION_SECONDS = 3600


def remember(state: ScopedState, instance: Instance, tags: dict[str, str]) -> None:
    now = time.time()

    def write(tx: Transaction) -> None:
        for record in tx.list(NAMESPACE):  # purge expired records while we are writing anyway
            if record["at"] < now - RETENTION_SECONDS:
                tx.delete(NAMESPACE, record["id"])
        tx.put(NAMESPACE, instance.id, {
            "id": instance.id, "at": now, "tags": tags,
            "instance": instance.model_dump(mode="json", exclude_none=True),
        })

    state.transact(write)


def recent(state: ScopedState) -> list[tuple[Instance, dict[str, str]]]:
    cutoff = time.time() - RETENTION_SECONDS
    return [
        (Instance.model_validate(record["instance"]), record.get("tags", {}))
        for record in state.list(NAMESPACE)
        if record["at"] >= cutoff
    ]
