"""The mock cloud's persistent world: seeding, id allocation, record helpers."""

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib.resources import files
from typing import Any

from deltacloud.errors import NotFound
from deltacloud.state import ScopedState, Transaction

from .blobfiles import BlobFiles

SEED_VERSION = 1
_COLLECTIONS = (
    "images", "instances", "keys", "storage_volumes", "storage_snapshots", "buckets",
    "addresses", "networks", "subnets", "network_interfaces",
)


def _seed_data() -> dict[str, list[dict[str, Any]]]:
    return json.loads(files(__package__).joinpath("seed.json").read_text())


def blobs_namespace(bucket_id: str) -> str:
    """Blobs are keyed per bucket: one namespace each (the original kept one global namespace)."""
    return f"blobs/{bucket_id}"


def ensure_seeded(state: ScopedState) -> None:
    """Write the seed data set once per scope; concurrent first requests seed exactly once."""
    if state.get("meta", "seed") is not None:
        return
    data = _seed_data()
    blob_files = BlobFiles.for_scope(state.scope)
    blobs = []
    for record in data.get("blobs", []):
        record = dict(record)
        content = record.pop("content").encode()
        name, size = blob_files.write([content], name=_seed_file_name(record))
        blobs.append({**record, "content_length": size, "content_file": name})

    def seed(tx: Transaction) -> None:
        if tx.get("meta", "seed") is not None:
            return
        for collection in _COLLECTIONS:
            for record in data.get(collection, []):
                tx.put(collection, record["id"], record)
        for blob in blobs:
            tx.put(blobs_namespace(blob["bucket_id"]), blob["id"], blob)
        # Ids are never reused: the seed owns inst0-inst3, so the first new instance is inst4.
        tx.put("meta", "counters", {"instances": 4})
        tx.put("meta", "seed", {"version": SEED_VERSION})

    state.transact(seed)


def _seed_file_name(record: Mapping[str, Any]) -> str:
    # Fixed names: a second concurrent seeder rewrites identical files, another host can restore them.
    return f"seed-{record['bucket_id']}-{record['id']}"


def restore_seed_file(blob_files: BlobFiles, name: str) -> bool:
    """Write a seed blob's content file again (on a host that did not seed); False if ``name`` is no seed file."""
    for record in _seed_data().get("blobs", []):
        if _seed_file_name(record) == name:
            blob_files.write([record["content"].encode()], name=name)
            return True
    return False


def next_id(tx: Transaction, counter: str, prefix: str) -> str:
    """A fresh id ``<prefix><n>``: unique even under concurrency (the original's time-based ids collided)."""
    counters = dict(tx.get("meta", "counters") or {})
    number = counters.get(counter, 0)
    counters[counter] = number + 1
    tx.put("meta", "counters", counters)
    return f"{prefix}{number}"


def unused_id(tx: Transaction, collection: str, prefix: str) -> str:
    """A fresh ``<prefix><n>`` that no record of ``collection`` already uses (clients may pick ids too)."""
    while True:
        candidate = next_id(tx, collection, prefix)
        if tx.get(collection, candidate) is None:
            return candidate


def matches(record: Mapping[str, object], filters: Mapping[str, str], names: tuple[str, ...]) -> bool:
    """Whether a record passes the exact-match filters among ``names`` (empty filters pass)."""
    return all(filters.get(n) in (None, "") or str(record.get(n)) == filters[n] for n in names)


def found(tx: Transaction, collection: str, record_id: str, kind: str) -> dict[str, Any]:
    """The record, or NotFound naming what was looked for."""
    record = tx.get(collection, record_id)
    if record is None:
        raise NotFound(f"{kind} '{record_id}' not found")
    return record


def timestamp() -> str:
    """Now, in the form the original mock wrote for volumes and blobs (``2010-09-23 16:44:54 +0000``)."""
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S +0000")
