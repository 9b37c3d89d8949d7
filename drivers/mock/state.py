"""The mock cloud's persistent world: seeding, id allocation, record helpers."""

import json
from importlib.resources import files
from typing import Any

from deltacloud.state import ScopedState, Transaction

SEED_VERSION = 1
_COLLECTIONS = (
    "images", "instances", "keys", "storage_volumes", "storage_snapshots", "buckets", "blobs",
    "addresses", "networks", "subnets", "network_interfaces",
)


def _seed_data() -> dict[str, list[dict[str, Any]]]:
    return json.loads(files(__package__).joinpath("seed.json").read_text())


def ensure_seeded(state: ScopedState) -> None:
    """Write the seed data set once per scope; concurrent first requests seed exactly once."""
    if state.get("meta", "seed") is not None:
        return

    def seed(tx: Transaction) -> None:
        if tx.get("meta", "seed") is not None:
            return
        data = _seed_data()
        for collection in _COLLECTIONS:
            for record in data.get(collection, []):
                if collection == "blobs":
                    record = dict(record)
                    content = record.pop("content").encode()
                    record["content_length"] = len(content)
                    key = f"{record['bucket_id']}/{record['id']}"
                    tx.put("blob_content", key, {"data": content.decode()})
                    tx.put("blobs", key, record)
                else:
                    tx.put(collection, record["id"], record)
        # Ids are never reused: the seed owns inst0-inst3, so the first new instance is inst4.
        tx.put("meta", "counters", {"instances": 4})
        tx.put("meta", "seed", {"version": SEED_VERSION})

    state.transact(seed)


def next_id(tx: Transaction, counter: str, prefix: str) -> str:
    """A fresh id ``<prefix><n>``: unique even under concurrency (the original's time-based ids collided)."""
    counters = dict(tx.get("meta", "counters") or {})
    number = counters.get(counter, 0)
    counters[counter] = number + 1
    tx.put("meta", "counters", counters)
    return f"{prefix}{number}"
