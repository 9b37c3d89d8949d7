"""VolumeImages: the driver's storage snapshots (spec §4.8, fixing defect 12)."""

from typing import Any

from deltacloud.errors import NotFound, ValidationError
from deltacloud.model import StorageSnapshot
from starlette.responses import Response

from .bodies import href_id, href_of, text
from .common import Document, common_attributes, operation
from .context import CimiCall
from .jobs import job_headers, job_response, start_job, succeeded
from .listing import collection_document, resource_document
from .representation import document_response, empty_response
from .storage import Overlay, edit_fields, editable_fields, now

SNAPSHOT_STATES = {"COMPLETED": "AVAILABLE", "PENDING": "CREATING", "FAILED": "ERROR"}


def overlay(call: CimiCall) -> Overlay:
    return Overlay(call.state, "volume_image")


def volume_image_document(call: CimiCall, snapshot: StorageSnapshot, extra: dict[str, Any]) -> Document:
    url = call.url("volume_images", snapshot.id)
    document = common_attributes(url, extra, snapshot.name or snapshot.id, snapshot.description, snapshot.created)
    state = (snapshot.state or "AVAILABLE").upper()
    document["state"] = SNAPSHOT_STATES.get(state, state)
    if snapshot.storage_volume_id:
        document["imageLocation"] = call.ref("volumes", snapshot.storage_volume_id)
    document["bootable"] = False
    ops = [operation("edit", url)]
    if call.supports("storage_snapshots", "destroy"):
        ops.append(operation("delete", url))
    document["operations"] = ops
    return document


def _find(call: CimiCall) -> StorageSnapshot:
    snapshot = call.driver.storage_snapshot(call.params["id"])
    if snapshot is None:
        raise NotFound(f"VolumeImage '{call.params['id']}' not found")
    return snapshot


def volume_images_collection(call: CimiCall) -> Document:
    call.require("storage_snapshots", "index")
    extras = overlay(call).all()
    entries = [volume_image_document(call, s, extras.get(s.id, {})) for s in call.driver.storage_snapshots({})]
    ops = [operation("add", call.url("volume_images"))] if call.supports("storage_snapshots", "create") else []
    document = collection_document(call, "volume_images", "volumeImages", entries, ops)
    return document


def show_volume_image(call: CimiCall) -> Response:
    call.require("storage_snapshots", "show")
    snapshot = _find(call)
    document = volume_image_document(call, snapshot, overlay(call).get(snapshot.id))
    return document_response(call.fmt, resource_document(call, document), "VolumeImage")


def create_volume_image(call: CimiCall) -> Response:
    """VolumeImageCreate: a snapshot of the Volume ``imageLocation`` references."""
    call.require("storage_snapshots", "create")
    body = call.body
    location = body.get("imageLocation")
    href = href_of(location) if isinstance(location, dict) else (text(location, "imageLocation") if location else None)
    if not href:
        raise ValidationError("Required attributes not set: imageLocation")
    fields = editable_fields(body)
    volume_id = href_id(href)
    snapshot = call.driver.create_storage_snapshot(volume_id, fields.get("name") or None,
                                                   fields.get("description") or None)
    overlay(call).save(snapshot.id, {**fields, "created": now()})
    job = start_job(call, "add", f"volume_images/{snapshot.id}", ("snapshot", snapshot.id, "AVAILABLE"),
                    affected=(f"volumes/{volume_id}",))
    location_url = call.url("volume_images", snapshot.id)
    if not succeeded(job):
        return job_response(call, job, location_url)
    current = call.driver.storage_snapshot(snapshot.id) or snapshot
    document = volume_image_document(call, current, overlay(call).get(snapshot.id))
    return document_response(call.fmt, document, "VolumeImage", status=201,
                             headers=job_headers(call, job, location_url))


def edit_volume_image(call: CimiCall) -> Response:
    call.require("storage_snapshots", "show")
    snapshot = _find(call)
    extra = overlay(call).save(snapshot.id, edit_fields(call.body, call.query("$select")))
    return document_response(call.fmt, volume_image_document(call, snapshot, extra), "VolumeImage")


def delete_volume_image(call: CimiCall) -> Response:
    call.require("storage_snapshots", "destroy")
    snapshot_id = call.params["id"]
    call.driver.destroy_storage_snapshot(snapshot_id)
    overlay(call).forget(snapshot_id)
    job = start_job(call, "delete", f"volume_images/{snapshot_id}", ("snapshot", snapshot_id, "GONE"))
    if succeeded(job):
        return empty_response(200, job_headers(call, job))
    return job_response(call, job)
