"""The mock cloud's block storage: volumes (attach, detach) and their snapshots (spec §7.8-7.9)."""

import re

from deltacloud.driver import Filters
from deltacloud.errors import Conflict, ValidationError
from deltacloud.model import StorageSnapshot, StorageVolume, StorageVolumeCreate
from deltacloud.state import Transaction

from .base import MockBase
from .catalogue import realms
from .state import found, matches, timestamp, unused_id

_DEVICE = re.compile(r"/dev/[a-z][a-z0-9]*$")


def _record(volume: StorageVolume) -> dict[str, object]:
    return volume.model_dump(mode="json", exclude_none=True)


def _capacity(asked: int | None, minimum: int) -> str:
    if asked is None:
        return str(minimum)
    if asked < minimum:
        raise ValidationError(f"capacity {asked} GB is smaller than the snapshot's volume ({minimum} GB)")
    return str(asked)


class MockStorage(MockBase):
    # -- volumes --------------------------------------------------------------------------
    def storage_volumes(self, filters: Filters) -> list[StorageVolume]:
        records = self._state().list("storage_volumes")
        return [StorageVolume.model_validate(r) for r in records if matches(r, filters, ("id", "state", "realm_id"))]

    def storage_volume(self, volume_id: str) -> StorageVolume | None:
        record = self._state().get("storage_volumes", volume_id)
        return StorageVolume.model_validate(record) if record else None

    def create_storage_volume(self, request: StorageVolumeCreate) -> StorageVolume:
        realm_id = request.realm_id or realms()[0].id
        if realm_id not in {r.id for r in realms()}:
            raise ValidationError(f"Realm '{realm_id}' does not exist (realms: {', '.join(r.id for r in realms())})")

        def create(tx: Transaction) -> StorageVolume:
            minimum = 1
            if request.snapshot_id:
                snapshot = found(tx, "storage_snapshots", request.snapshot_id, "Storage snapshot")
                source = tx.get("storage_volumes", str(snapshot.get("storage_volume_id")))
                minimum = int(str(source.get("capacity", "1"))) if source else 1
            capacity = _capacity(request.capacity, minimum)
            volume_id = unused_id(tx, "storage_volumes", "volume_")
            volume = StorageVolume(
                id=volume_id, name=request.name or f"Volume{volume_id}", description=request.description,
                created=timestamp(), capacity=capacity, realm_id=realm_id, state="AVAILABLE",
            )
            tx.put("storage_volumes", volume_id, _record(volume))
            return volume

        return self._state().transact(create)

    def destroy_storage_volume(self, volume_id: str) -> None:
        def destroy(tx: Transaction) -> None:
            volume = found(tx, "storage_volumes", volume_id, "Storage volume")
            if volume.get("instance_id"):
                raise Conflict(f"Storage volume '{volume_id}' is attached to instance '{volume['instance_id']}': "
                               "detach it first")
            tx.delete("storage_volumes", volume_id)

        self._state().transact(destroy)

    def attach_storage_volume(self, volume_id: str, instance_id: str, device: str) -> StorageVolume:
        if not _DEVICE.match(device):
            raise ValidationError(f"device must name a device such as /dev/sdf, not {device!r}")

        def attach(tx: Transaction) -> StorageVolume:
            volume = found(tx, "storage_volumes", volume_id, "Storage volume")
            instance = found(tx, "instances", instance_id, "Instance")
            if volume.get("instance_id"):
                raise Conflict(f"Storage volume '{volume_id}' is already attached to instance "
                               f"'{volume['instance_id']}'")
            attached = list(instance.get("storage_volumes") or [])
            if any(v.get("device") == device for v in attached):
                raise Conflict(f"Device {device} of instance '{instance_id}' is already in use")
            updated = {**volume, "instance_id": instance_id, "device": device, "state": "IN-USE"}
            tx.put("storage_volumes", volume_id, updated)
            tx.put("instances", instance_id, {**instance, "storage_volumes": [*attached, {"id": volume_id,
                                                                                        "device": device}]})
            return StorageVolume.model_validate(updated)

        return self._state().transact(attach)

    def detach_storage_volume(self, volume_id: str) -> StorageVolume:
        def detach(tx: Transaction) -> StorageVolume:
            volume = found(tx, "storage_volumes", volume_id, "Storage volume")
            if not volume.get("instance_id"):
                raise Conflict(f"Storage volume '{volume_id}' is not attached to any instance")
            return detach_volume(tx, volume)

        return self._state().transact(detach)

    # -- snapshots ------------------------------------------------------------------------
    def storage_snapshots(self, filters: Filters) -> list[StorageSnapshot]:
        records = self._state().list("storage_snapshots")
        return [StorageSnapshot.model_validate(r) for r in records
                if matches(r, filters, ("id", "state", "storage_volume_id"))]

    def storage_snapshot(self, snapshot_id: str) -> StorageSnapshot | None:
        record = self._state().get("storage_snapshots", snapshot_id)
        return StorageSnapshot.model_validate(record) if record else None

    def create_storage_snapshot(self, volume_id: str, name: str | None, description: str | None) -> StorageSnapshot:
        def create(tx: Transaction) -> StorageSnapshot:
            found(tx, "storage_volumes", volume_id, "Storage volume")
            snapshot_id = unused_id(tx, "storage_snapshots", "store_snapshot_")
            snapshot = StorageSnapshot(id=snapshot_id, name=name, description=description, created=timestamp(),
                                       state="COMPLETED", storage_volume_id=volume_id)
            tx.put("storage_snapshots", snapshot_id, snapshot.model_dump(mode="json", exclude_none=True))
            return snapshot

        return self._state().transact(create)

    def destroy_storage_snapshot(self, snapshot_id: str) -> None:
        def destroy(tx: Transaction) -> None:
            found(tx, "storage_snapshots", snapshot_id, "Storage snapshot")
            tx.delete("storage_snapshots", snapshot_id)

        self._state().transact(destroy)


def detach_volume(tx: Transaction, volume: dict[str, object]) -> StorageVolume:
    """Detach an attached volume from its instance (also when the instance goes away)."""
    instance_id = str(volume["instance_id"])
    instance = tx.get("instances", instance_id)
    if instance is not None:
        remaining = [v for v in instance.get("storage_volumes") or [] if v.get("id") != volume["id"]]
        tx.put("instances", instance_id, {**instance, "storage_volumes": remaining})
    updated = {k: v for k, v in volume.items() if k not in ("instance_id", "device")}
    updated["state"] = "AVAILABLE"
    tx.put("storage_volumes", str(volume["id"]), updated)
    return StorageVolume.model_validate(updated)
