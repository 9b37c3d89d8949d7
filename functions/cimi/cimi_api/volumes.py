"""Volumes (the driver's storage volumes), VolumeConfigurations and VolumeTemplates (spec §4.6-4.9).

Capacities are KiB in CIMI and whole GB at the driver: a create rounds up to the next GB (fixing
defects 9 and 10, where KiB reached the driver as GB).
"""

import math
from typing import Any

from deltacloud.errors import NotFound, ValidationError
from deltacloud.model import StorageVolume, StorageVolumeCreate
from starlette.responses import Response

from .bodies import href_id, href_of, integer, text
from .common import Document, common_attributes, operation
from .configurations import KIB_PER_GB
from .context import CimiCall
from .jobs import Job, job_headers, job_response, start_job, succeeded
from .listing import collection_document, resource_document
from .local_kinds import LocalKind, find_local, reference_id, resolve
from .representation import document_response, empty_response
from .schema import NAMESPACE
from .storage import Overlay, edit_fields, editable_fields, now

MAPPED = f"{NAMESPACE}/mapped"
#: Deltacloud volume state -> CIMI Volume state (CIMI has no in-use state: attachment is shown per Machine)
VOLUME_STATES = {"IN-USE": "AVAILABLE", "IN_USE": "AVAILABLE", "PENDING": "CREATING", "FAILED": "ERROR"}


def _check_configuration(call: CimiCall, config: dict[str, Any]) -> None:
    capacity = integer(config.get("capacity"), "capacity")
    if capacity < 1:
        raise ValidationError("capacity must be a positive number of KiB")
    config["capacity"] = capacity
    kind = config.get("type")
    if isinstance(kind, dict):  # CIMI 1.0.1 drafts wrote the type as a reference
        kind = kind.get("href")
    config["type"] = text(kind or MAPPED, "type")


VOLUME_CONFIGURATIONS = LocalKind(
    path="volume_configurations", resource="VolumeConfiguration", entries="volumeConfigurations",
    attributes=("type", "format", "capacity"), required=("capacity",), check=_check_configuration,
)


def _check_template(call: CimiCall, template: dict[str, Any]) -> None:
    volume_config(call, template)
    image_id = reference_id(template.get("volumeImage"), "volume_images")
    if image_id is not None and call.supports("storage_snapshots", "show") \
            and call.driver.storage_snapshot(image_id) is None:
        raise ValidationError(f"volumeImage '{image_id}' does not exist")


VOLUME_TEMPLATES = LocalKind(
    path="volume_templates", resource="VolumeTemplate", entries="volumeTemplates",
    attributes=("volumeConfig", "volumeImage"), required=("volumeConfig",), check=_check_template,
)


def volume_config(call: CimiCall, template: dict[str, Any]) -> dict[str, Any]:
    """The VolumeConfiguration of a template: a stored one, or the one given by value (checked)."""
    config = template.get("volumeConfig")
    config_id = reference_id(config, "volume_configurations")
    if config_id is not None:
        try:
            return find_local(call, VOLUME_CONFIGURATIONS, config_id)
        except NotFound:
            raise ValidationError(f"volumeConfig '{config_id}' does not exist") from None
    if not isinstance(config, dict) or not config:
        raise ValidationError("Required attributes not set: volumeConfig")
    config = dict(config)
    _check_configuration(call, config)
    return config


def overlay(call: CimiCall) -> Overlay:
    return Overlay(call.state, "volume")


def volume_document(call: CimiCall, volume: StorageVolume, extra: dict[str, Any]) -> Document:
    url = call.url("volumes", volume.id)
    document = common_attributes(url, extra, volume.name or volume.id, volume.description, volume.created)
    state = (volume.state or "AVAILABLE").upper()
    document["state"] = VOLUME_STATES.get(state, state)
    document["type"] = MAPPED
    if (digits := str(volume.capacity).replace(".", "", 1)).isascii() and digits.isdigit():
        document["capacity"] = int(float(volume.capacity) * KIB_PER_GB)
    document["bootable"] = False
    ops = [operation("edit", url)]
    if call.supports("storage_volumes", "destroy"):
        ops.append(operation("delete", url))
    if call.supports("storage_snapshots", "create"):
        ops.append(operation(f"{NAMESPACE}/action/snapshot", call.url("volume_images")))
    document["operations"] = ops
    return document


def _find(call: CimiCall) -> StorageVolume:
    volume = call.driver.storage_volume(call.params["id"])
    if volume is None:
        raise NotFound(f"Volume '{call.params['id']}' not found")
    return volume


def volumes_collection(call: CimiCall) -> Document:
    call.require("storage_volumes", "index")
    extras = overlay(call).all()
    entries = [volume_document(call, v, extras.get(v.id, {})) for v in call.driver.storage_volumes({})]
    ops = [operation("add", call.url("volumes"))] if call.supports("storage_volumes", "create") else []
    document = collection_document(call, "volumes", "volumes", entries, ops)
    return document


def show_volume(call: CimiCall) -> Response:
    call.require("storage_volumes", "show")
    volume = _find(call)
    document = volume_document(call, volume, overlay(call).get(volume.id))
    return document_response(call.fmt, resource_document(call, document), "Volume")


def volume_request(call: CimiCall, body: dict[str, Any], fields: dict[str, Any]) -> StorageVolumeCreate:
    template = resolve(call, body.get("volumeTemplate"), VOLUME_TEMPLATES, "volumeTemplate")
    config = volume_config(call, template)
    request: dict[str, Any] = {"capacity": str(max(1, math.ceil(config["capacity"] / KIB_PER_GB)))}
    image_href = href_of(template.get("volumeImage"))
    if image_href:
        request["snapshot_id"] = href_id(image_href)
    if body.get("realm"):
        request["realm_id"] = text(body["realm"], "realm")
    if fields.get("name") and call.capabilities.has_feature("storage_volumes", "volume_name"):
        request["name"] = fields["name"]
    if fields.get("description") and call.capabilities.has_feature("storage_volumes", "volume_description"):
        request["description"] = fields["description"]
    return StorageVolumeCreate(**request)


def provision(call: CimiCall, body: dict[str, Any]) -> tuple[StorageVolume, Job]:
    """Create the Volume a VolumeCreate document describes."""
    call.require("storage_volumes", "create")
    fields = editable_fields(body)
    volume = call.driver.create_storage_volume(volume_request(call, body, fields))
    overlay(call).save(volume.id, {**fields, "created": now()})
    return volume, start_job(call, "add", f"volumes/{volume.id}", ("volume", volume.id, "AVAILABLE"))


def create_volume(call: CimiCall) -> Response:
    volume, job = provision(call, call.body)
    location = call.url("volumes", volume.id)
    if not succeeded(job):
        return job_response(call, job, location)
    current = call.driver.storage_volume(volume.id) or volume
    document = volume_document(call, current, overlay(call).get(volume.id))
    return document_response(call.fmt, document, "Volume", status=201, headers=job_headers(call, job, location))


def edit_volume(call: CimiCall) -> Response:
    call.require("storage_volumes", "show")
    volume = _find(call)
    extra = overlay(call).save(volume.id, edit_fields(call.body, call.query("$select")))
    return document_response(call.fmt, volume_document(call, volume, extra), "Volume")


def delete_volume(call: CimiCall) -> Response:
    call.require("storage_volumes", "destroy")
    volume_id = call.params["id"]
    call.driver.destroy_storage_volume(volume_id)
    overlay(call).forget(volume_id)
    job = start_job(call, "delete", f"volumes/{volume_id}", ("volume", volume_id, "GONE"))
    if succeeded(job):
        return empty_response(200, job_headers(call, job))
    return job_response(call, job)
