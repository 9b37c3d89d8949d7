"""What the CIMI front-end keeps in the StateStore itself (spec §5).

* :class:`Overlay` — the name, description and properties a client gave a resource the cloud
  holds (a Machine, a Volume, ...) but cannot store them for; shown over the driver's values.
* :class:`LocalResources` — resources that exist only in the proxy: templates and
  configurations, with small integer ids.

Everything lives in the caller's scope (tenant / driver / provider); writes are transactions, so
concurrent requests never lose an update.
"""

from datetime import UTC, datetime
from typing import Any

from deltacloud.errors import NotFound, ValidationError
from deltacloud.state import ScopedState, Transaction

Record = dict[str, Any]

#: the attributes PUT may change on any resource (spec §10.2)
EDITABLE = ("name", "description", "properties")


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def editable_fields(document: dict[str, Any]) -> Record:
    """name / description / properties of a request document, checked (a 400 for a wrong shape)."""
    fields: Record = {}
    for name in ("name", "description"):
        if name in document:
            value = document[name]
            if isinstance(value, dict | list):
                raise ValidationError(f"{name} must be a string")
            fields[name] = "" if value is None else str(value).strip()
    if "properties" in document:
        properties = document["properties"]
        if properties is None or properties == "":
            properties = {}
        if not isinstance(properties, dict) or any(isinstance(v, dict | list) for v in properties.values()):
            raise ValidationError("properties must map names to string values")
        fields["properties"] = {str(k): "" if v is None else str(v) for k, v in properties.items()}
    return fields


def edit_fields(document: dict[str, Any], selected: str | None) -> Record:
    """What a PUT changes: the editable attributes of the body, or exactly those ``$select`` names
    (CIMI's way to clear one: select it and leave it out of the body)."""
    fields = editable_fields(document)
    if selected is None:
        if not fields:
            raise ValidationError(f"Nothing to change: send {', '.join(EDITABLE)}")
        return fields
    names = [name.strip() for name in selected.split(",") if name.strip()]
    unknown = [name for name in names if name not in EDITABLE]
    if unknown or not names:
        raise ValidationError(f"Only {', '.join(EDITABLE)} can be changed, not {', '.join(unknown) or 'nothing'}")
    return {name: fields.get(name, {} if name == "properties" else "") for name in names}


class Overlay:
    """Client-given attributes of cloud-held resources of one kind, keyed by the backend id."""

    def __init__(self, state: ScopedState, kind: str) -> None:
        self.state = state
        self.namespace = f"cimi/overlay/{kind}"

    def all(self) -> dict[str, Record]:
        """Every entry of this kind: one read for a whole listing."""
        return {record["id"]: record for record in self.state.list(self.namespace)}

    def get(self, resource_id: str) -> Record:
        return self.state.get(self.namespace, resource_id) or {}

    def save(self, resource_id: str, fields: Record) -> Record:
        def merge(tx: Transaction) -> Record:
            record = {**(tx.get(self.namespace, resource_id) or {"id": resource_id}), **fields}
            tx.put(self.namespace, resource_id, record)
            return record

        return self.state.transact(merge) if fields else self.get(resource_id)

    def forget(self, resource_id: str) -> None:
        self.state.transact(lambda tx: tx.delete(self.namespace, resource_id))


class LocalResources:
    """Resources held only by the proxy (templates, configurations), one kind per instance."""

    def __init__(self, state: ScopedState, kind: str) -> None:
        self.state = state
        self.kind = kind
        self.namespace = f"cimi/{kind}"

    def list(self) -> list[Record]:
        records = self.state.list(self.namespace)
        return sorted(records, key=lambda r: (len(r["id"]), r["id"]))  # numeric order of the integer ids

    def get(self, resource_id: str) -> Record | None:
        return self.state.get(self.namespace, resource_id)

    def find(self, resource_id: str, label: str) -> Record:
        record = self.get(resource_id)
        if record is None:
            raise NotFound(f"{label} '{resource_id}' not found")
        return record

    def create(self, fields: Record) -> Record:
        def create(tx: Transaction) -> Record:
            counters = dict(tx.get("cimi/meta", "counters") or {})
            number = counters.get(self.kind, 0) + 1
            counters[self.kind] = number
            tx.put("cimi/meta", "counters", counters)
            record = {**fields, "id": str(number), "created": now()}
            tx.put(self.namespace, record["id"], record)
            return record

        return self.state.transact(create)

    def update(self, resource_id: str, fields: Record, label: str) -> Record:
        def update(tx: Transaction) -> Record:
            record = tx.get(self.namespace, resource_id)
            if record is None:
                raise NotFound(f"{label} '{resource_id}' not found")
            updated = {**record, **fields, "updated": now()}
            tx.put(self.namespace, resource_id, updated)
            return updated

        return self.state.transact(update)

    def delete(self, resource_id: str, label: str) -> None:
        def delete(tx: Transaction) -> None:
            if tx.get(self.namespace, resource_id) is None:
                raise NotFound(f"{label} '{resource_id}' not found")
            tx.delete(self.namespace, resource_id)

        self.state.transact(delete)
