"""Volumes (the driver's storage volumes), VolumeConfigurations and VolumeTemplates (spec §4.6-4.9).

Capacities are KiB in CIMI and whole GB at the driver: a create rounds up to the next GB (fixing
defects 9 and 10, where KiB reached the driver as GB).
"""

import math
from typing import Any

from deltacloud.errors import ValidationError
from deltacloud.model import StorageVolume, StorageVolumeCreate
from deltacloud.model.storage import MAX_VOLUME_GB
from deltacloud.volume_actions import destroy_volume

from .bodies import href_id, href_of, integer, text
from .common import Document, common_attributes, operation
from .configurations import KIB_PER_GB
from .context import CimiCall
from .driver_kinds import Creation, DriverKind, member_operations
from .jobs import Job
from .local_kinds import LocalKind, reference_id, resolve, template_configuration
from .schema import NAMESPACE
from .storage import Record, editable_fields

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
    template_configuration(call, template, "volumeConfig", VOLUME_CONFIGURATIONS)
    image_id = reference_id(template.get("volumeImage"), "volume_images")
    if image_id is not None and call.supports("storage_snapshots", "show") \
            and call.driver.storage_snapshot(image_id) is None:
        raise ValidationError(f"volumeImage '{image_id}' does not exist")


VOLUME_TEMPLATES = LocalKind(
    path="volume_templates", resource="VolumeTemplate", entries="volumeTemplates",
    attributes=("volumeConfig", "volumeImage"), required=("volumeConfig",), check=_check_template,
)


def volume_document(call: CimiCall, volume: StorageVolume, extra: Record) -> Document:
    url = call.url("volumes", volume.id)
    document = common_attributes(url, extra, volume.name or volume.id, volume.description, volume.created)
    state = (volume.state or "AVAILABLE").upper()
    document["state"] = VOLUME_STATES.get(state, state)
    document["type"] = MAPPED
    if (digits := str(volume.capacity).replace(".", "", 1)).isascii() and digits.isdigit():
        document["capacity"] = int(float(volume.capacity) * KIB_PER_GB)
    document["bootable"] = False
    ops = member_operations(call, "storage_volumes", url)
    if call.supports("storage_snapshots", "create"):
        ops.append(operation(f"{NAMESPACE}/action/snapshot", call.url("volume_images")))
    document["operations"] = ops
    return document


def volume_request(call: CimiCall, body: dict[str, Any], fields: dict[str, Any]) -> StorageVolumeCreate:
    template = resolve(call, body.get("volumeTemplate"), VOLUME_TEMPLATES, "volumeTemplate")
    config = template_configuration(call, template, "volumeConfig", VOLUME_CONFIGURATIONS)
    gigabytes = max(1, math.ceil(config["capacity"] / KIB_PER_GB))
    if gigabytes > MAX_VOLUME_GB:  # checked here, where it is used: any stored configuration may ask for more
        raise ValidationError(f"capacity must be at most {MAX_VOLUME_GB * KIB_PER_GB} KiB ({MAX_VOLUME_GB} GB)")
    request: dict[str, Any] = {"capacity": gigabytes}
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


def provision(call: CimiCall, body: dict[str, Any]) -> Creation[StorageVolume]:
    """The Volume a VolumeCreate document describes."""
    call.require("storage_volumes", "create")
    fields = editable_fields(body)
    request = volume_request(call, body, fields)

    def create() -> tuple[StorageVolume, Job]:
        return VOLUMES.added(call, call.driver.create_storage_volume(request), fields, "AVAILABLE")

    return create


VOLUMES: DriverKind[StorageVolume] = DriverKind(
    path="volumes", resource="Volume", entries="volumes", collection="storage_volumes",
    render=volume_document, plan=provision, watch="volume", destroy=destroy_volume,
)
