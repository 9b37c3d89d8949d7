"""EBS volumes and snapshots."""

from typing import Any

from deltacloud.driver import Filters
from deltacloud.errors import Conflict, NotFound, ValidationError
from deltacloud.model import StorageSnapshot, StorageVolume, StorageVolumeCreate

from .base import EC2Base, tag_specification, tags_of, timestamp

#: size of a new volume when the client gives neither a capacity nor a snapshot (GB)
DEFAULT_CAPACITY = 1
#: what a volume in each EBS state allows (the links the classic API renders)
VOLUME_ACTIONS = {"available": ["attach", "destroy"], "in-use": ["detach"]}


def to_volume(info: dict[str, Any]) -> StorageVolume:
    tags = tags_of(info)
    attachment: dict[str, Any] = next(iter(info.get("Attachments") or []), {})
    attached = attachment.get("State") in ("attaching", "attached")
    return StorageVolume(
        id=info["VolumeId"],
        name=tags.get("Name") or info["VolumeId"],
        description=tags.get("Description"),
        created=timestamp(info.get("CreateTime")),
        capacity=str(info.get("Size", "")),
        kind=info.get("VolumeType"),
        realm_id=info.get("AvailabilityZone"),
        state=str(info.get("State", "")).upper() or None,
        instance_id=attachment.get("InstanceId") if attached else None,
        device=attachment.get("Device") if attached else None,
        actions=list(VOLUME_ACTIONS.get(info.get("State", ""), [])),
        tags=tags,
    )


def to_snapshot(info: dict[str, Any]) -> StorageSnapshot:
    tags = tags_of(info)
    return StorageSnapshot(
        id=info["SnapshotId"],
        name=tags.get("Name") or info["SnapshotId"],
        description=info.get("Description") or None,
        created=timestamp(info.get("StartTime")),
        state=str(info.get("State", "")).upper() or None,
        storage_volume_id=info.get("VolumeId"),
    )


class EC2Storage(EC2Base):
    # -- volumes --------------------------------------------------------------------------
    def storage_volumes(self, filters: Filters) -> list[StorageVolume]:
        if filters.get("id"):
            found = self.storage_volume(filters["id"])
            return [found] if found is not None else []
        return [to_volume(v) for v in self.aws.items("ec2", "describe_volumes", "Volumes")]

    def storage_volume(self, volume_id: str) -> StorageVolume | None:
        answer = self.aws.find("ec2", "describe_volumes", VolumeIds=[volume_id])
        listed = (answer or {}).get("Volumes", [])
        return to_volume(listed[0]) if listed else None

    def _volume(self, volume_id: str) -> StorageVolume:
        volume = self.storage_volume(volume_id)
        if volume is None:
            raise NotFound(f"Storage volume '{volume_id}' not found")
        return volume

    def create_storage_volume(self, request: StorageVolumeCreate) -> StorageVolume:
        params: dict[str, Any] = {}
        if request.capacity:
            params["Size"] = request.capacity
        elif not request.snapshot_id:
            params["Size"] = DEFAULT_CAPACITY
        if request.snapshot_id:
            params["SnapshotId"] = request.snapshot_id
        params["AvailabilityZone"] = request.realm_id or self._first_zone()
        tags = {k: v for k, v in (("Name", request.name), ("Description", request.description)) if v}
        if tags:
            params["TagSpecifications"] = tag_specification("volume", tags)
        return to_volume(self.aws.call("ec2", "create_volume", refers=True, **params))

    def _first_zone(self) -> str:
        zones = self.aws.call("ec2", "describe_availability_zones")["AvailabilityZones"]
        if not zones:
            raise ValidationError(f"Region {self.region} offers no availability zone: name a realm_id")
        return zones[0]["ZoneName"]

    def destroy_storage_volume(self, volume_id: str) -> None:
        self.aws.call("ec2", "delete_volume", VolumeId=volume_id)

    def attach_storage_volume(self, volume_id: str, instance_id: str, device: str) -> StorageVolume:
        self._volume(volume_id)  # an unknown volume is a 404; an unknown instance then a 400
        self.aws.call("ec2", "attach_volume", refers=True, VolumeId=volume_id, InstanceId=instance_id, Device=device)
        return self._volume(volume_id)

    def detach_storage_volume(self, volume_id: str) -> StorageVolume:
        volume = self._volume(volume_id)
        if volume.instance_id is None:
            raise Conflict(f"Storage volume '{volume_id}' is not attached")
        self.aws.call("ec2", "detach_volume", VolumeId=volume_id, InstanceId=volume.instance_id,
                      Device=volume.device or "")
        return self._volume(volume_id)

    # -- snapshots ------------------------------------------------------------------------
    def storage_snapshots(self, filters: Filters) -> list[StorageSnapshot]:
        if filters.get("id"):
            found = self.storage_snapshot(filters["id"])
            return [found] if found is not None else []
        # the account's own: every public snapshot of the region would be an enormous listing
        return [to_snapshot(s) for s in self.aws.items("ec2", "describe_snapshots", "Snapshots", OwnerIds=["self"])]

    def storage_snapshot(self, snapshot_id: str) -> StorageSnapshot | None:
        answer = self.aws.find("ec2", "describe_snapshots", SnapshotIds=[snapshot_id])
        listed = (answer or {}).get("Snapshots", [])
        return to_snapshot(listed[0]) if listed else None

    def create_storage_snapshot(self, volume_id: str, name: str | None, description: str | None) -> StorageSnapshot:
        params: dict[str, Any] = {"VolumeId": volume_id}
        if description:
            params["Description"] = description
        if name:
            params["TagSpecifications"] = tag_specification("snapshot", {"Name": name})
        return to_snapshot(self.aws.call("ec2", "create_snapshot", refers=True, **params))

    def destroy_storage_snapshot(self, snapshot_id: str) -> None:
        self.aws.call("ec2", "delete_snapshot", SnapshotId=snapshot_id)
