"""XML and JSON shapes of volumes, snapshots, buckets and blobs (spec §7.8-7.10)."""

from dataclasses import dataclass
from typing import Any

from deltacloud.model import Blob, Bucket, StorageSnapshot, StorageVolume

from .context import Call
from .rendering import Renderer, action_link, actions_xml, ref
from .xml import XmlWriter


def _number(raw: str) -> int | float | str:
    """Capacities as JSON numbers, as the original sent them, when they are numbers."""
    try:
        value = float(raw)
    except ValueError:
        return raw
    return int(value) if value.is_integer() else value


# -- volumes ------------------------------------------------------------------------------
def _volume_actions(call: Call, volume: StorageVolume) -> list[dict[str, str]]:
    member = call.url("storage_volumes", volume.id)
    return [action_link(member if a == "destroy" else f"{member}/{a}", a) for a in volume.actions]


def volume_xml(out: XmlWriter, call: Call, volume: StorageVolume) -> None:
    out.open("storage_volume", {"href": call.url("storage_volumes", volume.id), "id": volume.id})
    if volume.created is not None:
        out.leaf("created", volume.created)
    out.leaf("capacity", volume.capacity, {"unit": "GB"})
    if volume.kind is not None:
        out.leaf("kind", volume.kind)
    out.leaf("name", volume.name or volume.id)
    if volume.device is not None:
        out.leaf("device", volume.device)
    if volume.realm_id is not None:
        out.empty("realm", {"href": call.url("realms", volume.realm_id), "id": volume.realm_id})
        out.leaf("realm_id", volume.realm_id)
    if volume.state is not None:
        out.leaf("state", volume.state)
    if volume.instance_id is not None:
        out.open("mount")
        out.empty("instance", {"href": call.url("instances", volume.instance_id), "id": volume.instance_id})
        if volume.device is not None:
            out.empty("device", {"name": volume.device})
        out.close("mount")
    if volume.actions:
        actions_xml(out, _volume_actions(call, volume))
    out.close("storage_volume")


def volume_json(call: Call, volume: StorageVolume) -> dict[str, Any]:
    return {
        "id": volume.id, "href": call.url("storage_volumes", volume.id), "name": volume.name,
        "description": volume.description, "state": volume.state, "created": volume.created,
        "realm": ref(call, "realms", volume.realm_id, "realm") if volume.realm_id else {},
        "device": volume.device, "kind": volume.kind, "capacity": _number(volume.capacity),
        "actions": [{"href": link["href"], "rel": link["rel"]} for link in _volume_actions(call, volume)],
        "instance": ref(call, "instances", volume.instance_id, "instance") if volume.instance_id else {},
    }


STORAGE_VOLUME = Renderer("storage_volume", "storage_volumes", volume_xml, volume_json)


# -- snapshots ----------------------------------------------------------------------------
def snapshot_xml(out: XmlWriter, call: Call, snapshot: StorageSnapshot) -> None:
    out.open("storage_snapshot", {"href": call.url("storage_snapshots", snapshot.id), "id": snapshot.id})
    out.leaf("name", snapshot.id)  # the original shows the id here, whatever the name
    if snapshot.created is not None:
        out.leaf("created", snapshot.created)
    if snapshot.storage_volume_id is not None:
        out.empty("storage_volume", {"href": call.url("storage_volumes", snapshot.storage_volume_id),
                                     "id": snapshot.storage_volume_id})
    out.close("storage_snapshot")


def snapshot_json(call: Call, snapshot: StorageSnapshot) -> dict[str, Any]:
    return {
        "id": snapshot.id, "href": call.url("storage_snapshots", snapshot.id), "state": snapshot.state,
        "storage_volume": ref(call, "storage_volumes", snapshot.storage_volume_id, "storage_volume"),
        "created": snapshot.created,
    }


STORAGE_SNAPSHOT = Renderer("storage_snapshot", "storage_snapshots", snapshot_xml, snapshot_json)


# -- buckets ------------------------------------------------------------------------------
def bucket_xml(out: XmlWriter, call: Call, bucket: Bucket) -> None:
    out.open("bucket", {"href": call.url("buckets", bucket.id), "id": bucket.id})
    out.leaf("name", bucket.name).leaf("size", bucket.size)
    for blob_id in bucket.blob_ids:
        out.empty("blob", {"href": call.url("buckets", bucket.id, blob_id), "id": blob_id})
    out.close("bucket")


def bucket_json(call: Call, bucket: Bucket) -> dict[str, Any]:
    return {
        "id": bucket.id, "href": call.url("buckets", bucket.id), "name": bucket.name, "size": bucket.size,
        "blob_list": [{"rel": "blob", "href": call.url("buckets", bucket.id, b), "id": b} for b in bucket.blob_ids],
    }


BUCKET = Renderer("bucket", "buckets", bucket_xml, bucket_json)


# -- blobs --------------------------------------------------------------------------------
@dataclass(frozen=True)
class BlobView:
    """A blob with what its JSON embeds: the content as text, or None when it is large or binary."""

    blob: Blob
    text: str | None = None


def blob_xml(out: XmlWriter, call: Call, view: BlobView) -> None:
    blob = view.blob
    member = call.url("buckets", blob.bucket_id, blob.id)
    out.open("blob", {"href": member, "id": blob.id})
    out.leaf("bucket", blob.bucket_id).leaf("content_length", blob.content_length)
    out.leaf("content_type", blob.content_type).leaf("last_modified", blob.last_modified)
    out.open("user_metadata")
    for key, value in blob.user_metadata.items():
        out.cdata("entry", value, {"key": key})
    out.close("user_metadata")
    out.empty("content", {"href": f"{member}/content", "rel": "blob_content"})
    out.close("blob")


def blob_json(call: Call, view: BlobView) -> dict[str, Any]:
    blob = view.blob
    return {
        "id": blob.id, "href": call.url("buckets", blob.bucket_id, blob.id),
        "bucket": {"rel": "bucket", "href": call.url("buckets", blob.bucket_id), "id": blob.bucket_id},
        "content_length": blob.content_length, "content_type": blob.content_type,
        "last_modified": blob.last_modified, "content": view.text, "user_metadata": dict(blob.user_metadata),
    }


BLOB = Renderer("blob", "blobs", blob_xml, blob_json)
