"""VolumeImages: the driver's storage snapshots (spec §4.8, fixing defect 12)."""

from typing import Any

from deltacloud.model import StorageSnapshot

from .bodies import href_id, image_location
from .common import Document, common_attributes
from .context import CimiCall
from .driver_kinds import Creation, DriverKind, member_operations
from .jobs import Job
from .storage import Record, editable_fields

SNAPSHOT_STATES = {"COMPLETED": "AVAILABLE", "PENDING": "CREATING", "FAILED": "ERROR"}


def volume_image_document(call: CimiCall, snapshot: StorageSnapshot, extra: Record) -> Document:
    url = call.url("volume_images", snapshot.id)
    document = common_attributes(url, extra, snapshot.name or snapshot.id, snapshot.description, snapshot.created)
    state = (snapshot.state or "AVAILABLE").upper()
    document["state"] = SNAPSHOT_STATES.get(state, state)
    if snapshot.storage_volume_id:
        document["imageLocation"] = call.ref("volumes", snapshot.storage_volume_id)
    document["bootable"] = False
    document["operations"] = member_operations(call, "storage_snapshots", url)
    return document


def snapshot_volume(call: CimiCall, body: dict[str, Any]) -> Creation[StorageSnapshot]:
    """VolumeImageCreate: a snapshot of the Volume ``imageLocation`` references."""
    call.require("storage_snapshots", "create")
    href = image_location(body)
    fields = editable_fields(body)
    volume_id = href_id(href)

    def create() -> tuple[StorageSnapshot, Job]:
        snapshot = call.driver.create_storage_snapshot(volume_id, fields.get("name") or None,
                                                       fields.get("description") or None)
        return VOLUME_IMAGES.added(call, snapshot, fields, "AVAILABLE", affected=(f"volumes/{volume_id}",))

    return create


VOLUME_IMAGES: DriverKind[StorageSnapshot] = DriverKind(
    path="volume_images", resource="VolumeImage", entries="volumeImages", collection="storage_snapshots",
    render=volume_image_document, plan=snapshot_volume, watch="snapshot",
)
