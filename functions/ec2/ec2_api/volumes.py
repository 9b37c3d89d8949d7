"""EBS-style actions: volumes (create, attach, detach, delete) and snapshots, over the core's storage."""

from collections.abc import Mapping
from typing import Any

from deltacloud.errors import Conflict
from deltacloud.model import StorageSnapshot, StorageVolume, StorageVolumeCreate
from deltacloud.model.storage import MAX_VOLUME_GB

from . import native_tags
from .actions import action
from .context import Ec2Call
from .errors import INSTANCE, SNAPSHOT, VOLUME, Ec2Error, invalid_value
from .filters import Extractor, compile_filters
from .idempotency import once_per_client_token
from .mappings import now, snapshot_status, timestamp, volume_status
from .pagination import paginate, reject_with_ids
from .parameter_names import FILTERS, PAGES, TAG_SPECIFICATIONS
from .tags import tags_from_specifications
from .xml import item_set, leaf, tag_set

VOLUME_TYPE = "standard"  # the core has no volume types: every volume is reported as EC2's basic type

VolumeView = tuple[StorageVolume, dict[str, str]]
SnapshotView = tuple[StorageSnapshot, dict[str, str]]


def _size(volume: StorageVolume) -> int | None:
    try:
        return int(float(volume.capacity))
    except ValueError:
        return None


def _volume(call: Ec2Call, volume_id: str) -> StorageVolume:
    found = call.driver.storage_volume(volume_id)
    if found is None:
        raise VOLUME.missing(volume_id)
    return found


# -- volumes ----------------------------------------------------------------------------------------------

VOLUME_FILTERS: Mapping[str, Extractor[VolumeView]] = {
    "volume-id": lambda v: [v[0].id],
    "status": lambda v: [volume_status(v[0].state)],
    "availability-zone": lambda v: [v[0].realm_id],
    "size": lambda v: [_size(v[0])],
    "create-time": lambda v: [timestamp(v[0].created)],
    "attachment.instance-id": lambda v: [v[0].instance_id],
    "attachment.device": lambda v: [v[0].device],
    "attachment.status": lambda v: ["attached"] if v[0].instance_id else [],
    "volume-type": lambda v: [VOLUME_TYPE],
}


def _attachment(volume: StorageVolume, status: str = "attached") -> str:
    return (
        leaf("volumeId", volume.id) + leaf("instanceId", volume.instance_id) + leaf("device", volume.device)
        + leaf("status", status) + leaf("deleteOnTermination", False)
    )


def _volume_fields(volume: StorageVolume, tags: dict[str, str]) -> str:
    return "".join((
        leaf("volumeId", volume.id),
        leaf("size", _size(volume)),
        leaf("availabilityZone", volume.realm_id),
        leaf("status", volume_status(volume.state)),
        leaf("createTime", timestamp(volume.created)),
        item_set("attachmentSet", [_attachment(volume)] if volume.instance_id else []),
        leaf("volumeType", VOLUME_TYPE),
        leaf("encrypted", False),
        leaf("multiAttachEnabled", False),
        tag_set(tags),
    ))


@action("DescribeVolumes", "storage_volumes.index", kind=VOLUME, params=("VolumeId.N", *FILTERS, *PAGES))
def describe_volumes(call: Ec2Call) -> str:
    ids = call.params.values("VolumeId")
    reject_with_ids(call.params, "VolumeId", ids)
    select = compile_filters(call.params.filters(), VOLUME_FILTERS, tags_of=lambda v: v[1])
    volumes = call.driver.storage_volumes({})
    volumes = VOLUME.requested(volumes, ids, key=lambda v: v.id)
    views = select([(v, call.tags.effective(v.id, native_tags.volume_tags(v))) for v in volumes])
    page, token = paginate(views, call, key=lambda v: v[0].id, maximum=500)
    return item_set("volumeSet", (_volume_fields(v, tags) for v, tags in page)) + leaf("nextToken", token)


@action("CreateVolume", "storage_volumes.create", kind=VOLUME,
        params=("AvailabilityZone", "Size", "SnapshotId", "VolumeType", "ClientToken", *TAG_SPECIFICATIONS))
def create_volume(call: Ec2Call) -> str:
    p = call.params
    zone = p.required("AvailabilityZone")
    snapshot_id = p.text("SnapshotId")
    size = p.integer("Size", 1, MAX_VOLUME_GB)
    if size is None and not snapshot_id:
        raise Ec2Error("MissingParameter", "The request must contain the parameter size or snapshotId")
    volume_type = p.text("VolumeType")
    if volume_type is not None and volume_type != VOLUME_TYPE:  # libcloud always sends one; ours are "standard"
        raise Ec2Error("UnsupportedOperation", f"Only '{VOLUME_TYPE}' volumes are offered, not '{volume_type[:40]}'.")
    tags = tags_from_specifications(p, "volume")
    if call.supports("realms", "show") and call.driver.realm(zone) is None:
        raise Ec2Error("InvalidParameterValue", f"Invalid availability zone: [{zone[:100]}]")
    if snapshot_id and call.driver.storage_snapshot(snapshot_id) is None:
        raise SNAPSHOT.missing(snapshot_id)
    name = tags.get("Name") if call.capabilities.has_feature("storage_volumes", "volume_name") else None

    def create() -> dict[str, Any]:
        created = call.driver.create_storage_volume(StorageVolumeCreate(
            snapshot_id=snapshot_id, capacity=size, realm_id=zone, name=name,
        ))
        call.tags.keep_unstored(created.id, "volume", tags, native_tags.volume_tags(created))
        return created.model_dump(mode="json", exclude_none=True)

    # boto3 and the CLI send a ClientToken with every CreateVolume: a retry returns the first volume.
    result = once_per_client_token(call, create)
    volume = StorageVolume.model_validate(result)
    return _volume_fields(volume, {**native_tags.volume_tags(volume), **tags}) + leaf("snapshotId", snapshot_id)


@action("DeleteVolume", "storage_volumes.destroy", kind=VOLUME, params=("VolumeId",))
def delete_volume(call: Ec2Call) -> str:
    volume = _volume(call, call.params.required("VolumeId"))
    if volume.instance_id:
        raise Ec2Error("VolumeInUse", f"Volume {volume.id} is currently attached to {volume.instance_id}")
    call.driver.destroy_storage_volume(volume.id)
    call.tags.forget(volume.id)
    return leaf("return", "true")


@action("AttachVolume", "storage_volumes.attach", kind=VOLUME, params=("VolumeId", "InstanceId", "Device"))
def attach_volume(call: Ec2Call) -> str:
    p = call.params
    volume = _volume(call, p.required("VolumeId"))
    instance_id = p.required("InstanceId")
    device = p.required("Device")
    if call.driver.instance(instance_id) is None:
        raise INSTANCE.missing(instance_id)
    if volume.instance_id:
        raise Ec2Error("VolumeInUse", f"{volume.id} is already attached to an instance")
    try:
        attached = call.driver.attach_storage_volume(volume.id, instance_id, device)
    except Conflict as error:  # the device is taken on that instance
        raise Ec2Error("InvalidParameterValue", error.message) from None
    return _attachment(attached.model_copy(update={"instance_id": instance_id, "device": device}), "attaching") \
        + leaf("attachTime", now())


# Force is accepted and the volume detached as usual: the core's detach has no forced mode
@action("DetachVolume", "storage_volumes.detach", kind=VOLUME, params=("VolumeId", "InstanceId", "Force"))
def detach_volume(call: Ec2Call) -> str:
    volume = _volume(call, call.params.required("VolumeId"))
    instance_id = call.params.text("InstanceId")
    if not volume.instance_id or (instance_id and instance_id != volume.instance_id):
        state = volume_status(volume.state)
        raise Ec2Error("IncorrectState", f"Volume '{volume.id}' is in the '{state}' state.")
    call.driver.detach_storage_volume(volume.id)
    return _attachment(volume, "detaching")


# -- snapshots --------------------------------------------------------------------------------------------

SNAPSHOT_FILTERS: Mapping[str, Extractor[SnapshotView]] = {
    "snapshot-id": lambda s: [s[0].id],
    "volume-id": lambda s: [s[0].storage_volume_id],
    "status": lambda s: [snapshot_status(s[0].state)],
    "description": lambda s: [s[0].description],
    "start-time": lambda s: [timestamp(s[0].created)],
}


def _snapshot_fields(call: Ec2Call, snapshot: StorageSnapshot, tags: dict[str, str], size: int | None) -> str:
    status = snapshot_status(snapshot.state)
    return "".join((
        leaf("snapshotId", snapshot.id),
        leaf("volumeId", snapshot.storage_volume_id),
        leaf("status", status),
        leaf("startTime", timestamp(snapshot.created)),
        leaf("progress", "100%" if status == "completed" else "0%"),
        leaf("ownerId", call.caller.tenant.id),
        leaf("volumeSize", size),
        leaf("description", snapshot.description),
        leaf("encrypted", False),
        tag_set(tags),
    ))


def _volume_sizes(call: Ec2Call) -> dict[str, int | None]:
    return {v.id: _size(v) for v in call.driver.storage_volumes({})} if call.supports("storage_volumes", "index") \
        else {}


@action("DescribeSnapshots", "storage_snapshots.index", kind=SNAPSHOT,
        params=("SnapshotId.N", "Owner.N", *FILTERS, *PAGES))
def describe_snapshots(call: Ec2Call) -> str:
    ids = call.params.values("SnapshotId")
    reject_with_ids(call.params, "SnapshotId", ids)
    select = compile_filters(call.params.filters(), SNAPSHOT_FILTERS, tags_of=lambda s: s[1])
    owners = call.params.values("Owner")
    # every snapshot listed here is the caller's (ownerId below): `--owner-ids self` keeps them all, another
    # owner ("amazon", an account id) has none the caller can see
    mine = not owners or any(owner in ("self", call.caller.tenant.id) for owner in owners)
    snapshots = call.driver.storage_snapshots({}) if mine else []
    snapshots = SNAPSHOT.requested(snapshots, ids, key=lambda s: s.id)
    views = select([(s, call.tags.effective(s.id, native_tags.snapshot_tags(s))) for s in snapshots])
    page, token = paginate(views, call, key=lambda s: s[0].id)
    sizes = _volume_sizes(call) if page else {}
    body = item_set("snapshotSet", (
        _snapshot_fields(call, s, tags, sizes.get(s.storage_volume_id or "")) for s, tags in page
    ))
    return body + leaf("nextToken", token)


@action("CreateSnapshot", "storage_snapshots.create", kind=SNAPSHOT,
        params=("VolumeId", "Description", *TAG_SPECIFICATIONS))
def create_snapshot(call: Ec2Call) -> str:
    volume = _volume(call, call.params.required("VolumeId"))
    description = call.params.text("Description")
    if description is not None and len(description) > 255:
        raise invalid_value("Description", description, "It is at most 255 characters long.")
    tags = tags_from_specifications(call.params, "snapshot")
    snapshot = call.driver.create_storage_snapshot(volume.id, tags.get("Name"), description)
    native = native_tags.snapshot_tags(snapshot)
    call.tags.keep_unstored(snapshot.id, "snapshot", tags, native)
    return _snapshot_fields(call, snapshot, {**native, **tags}, _size(volume))


@action("DeleteSnapshot", "storage_snapshots.destroy", kind=SNAPSHOT, params=("SnapshotId",))
def delete_snapshot(call: Ec2Call) -> str:
    snapshot_id = call.params.required("SnapshotId")
    if call.driver.storage_snapshot(snapshot_id) is None:
        raise SNAPSHOT.missing(snapshot_id)
    call.driver.destroy_storage_snapshot(snapshot_id)
    call.tags.forget(snapshot_id)
    return leaf("return", "true")
