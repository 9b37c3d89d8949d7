"""EC2 tags kept in the StateStore, layered over whatever tags the back-end itself has.

The driver interface can set tags at creation (``InstanceCreate.tags``) but has no operation to change
them later, and many clouds have none at all. So a resource's tags are its *native* tags (from the
driver, plus its name as ``Name``) overlaid with a per-resource record here: keys set through
CreateTags, and native keys removed through DeleteTags.
"""

from typing import Any

from deltacloud.state import ScopedState, Transaction

NAMESPACE = "ec2_tags"


class TagStore:
    def __init__(self, state: ScopedState) -> None:
        self._state = state
        self._overlays: dict[str, dict[str, Any]] | None = None

    def overlays(self) -> dict[str, dict[str, Any]]:
        """Every overlay record by resource id, read once per call (one StateStore list)."""
        if self._overlays is None:
            self._overlays = {record["id"]: record for record in self._state.list(NAMESPACE)}
        return self._overlays

    def effective(self, resource_id: str, native: dict[str, str]) -> dict[str, str]:
        overlay = self.overlays().get(resource_id)
        if overlay is None:
            return native
        removed = set(overlay.get("removed", []))
        return {**{k: v for k, v in native.items() if k not in removed}, **overlay.get("set", {})}

    def add(self, resource_id: str, resource_type: str, tags: dict[str, str]) -> None:
        def write(tx: Transaction) -> None:
            record = tx.get(NAMESPACE, resource_id) or {"id": resource_id, "type": resource_type, "set": {}}
            record = {**record, "type": resource_type, "set": {**record.get("set", {}), **tags}}
            record["removed"] = [k for k in record.get("removed", []) if k not in tags]
            tx.put(NAMESPACE, resource_id, record)

        self._state.transact(write)
        self._overlays = None

    def keep_unstored(self, resource_id: str, resource_type: str, wanted: dict[str, str],
                      native: dict[str, str]) -> None:
        """After a create: keep here the ``wanted`` tags the back-end did not store itself (it has no tags,
        or not all of them)."""
        unstored = {k: v for k, v in wanted.items() if native.get(k) != v}
        if unstored:
            self.add(resource_id, resource_type, unstored)

    def remove(self, resource_id: str, resource_type: str, keys: dict[str, str | None], native: dict[str, str]) -> None:
        """Delete tags; a key given with a value is deleted only while it has that value (EC2 semantics)."""

        def write(tx: Transaction) -> None:
            record = tx.get(NAMESPACE, resource_id) or {"id": resource_id, "type": resource_type, "set": {}}
            current_set = dict(record.get("set", {}))
            removed = set(record.get("removed", []))
            current = {**{k: v for k, v in native.items() if k not in removed}, **current_set}
            for key, value in keys.items():
                if key not in current or (value is not None and current[key] != value):
                    continue
                current_set.pop(key, None)
                if key in native:
                    removed.add(key)
            if not current_set and not removed:
                tx.delete(NAMESPACE, resource_id)
            else:
                tx.put(NAMESPACE, resource_id, {**record, "set": current_set, "removed": sorted(removed)})

        self._state.transact(write)
        self._overlays = None

    def forget(self, resource_id: str) -> None:
        """Drop a deleted resource's tags so DescribeTags no longer lists them."""

        def write(tx: Transaction) -> None:
            if tx.get(NAMESPACE, resource_id) is not None:
                tx.delete(NAMESPACE, resource_id)

        self._state.transact(write)
        self._overlays = None
