"""MachineImages: the driver's images; capturing a Machine creates one (spec §4.3)."""

from typing import Any

from deltacloud.errors import ValidationError
from deltacloud.model import Image

from .bodies import href_id, image_location, text
from .common import Document, common_attributes
from .context import CimiCall
from .driver_kinds import Creation, DriverKind, member_operations
from .jobs import Job
from .storage import Record, editable_fields

#: Deltacloud image state -> CIMI MachineImage state
IMAGE_STATES = {"PENDING": "CREATING", "CREATING": "CREATING", "AVAILABLE": "AVAILABLE",
                "DELETING": "DELETING", "FAILED": "ERROR", "ERROR": "ERROR"}


def image_document(call: CimiCall, image: Image, extra: Record) -> Document:
    url = call.url("machine_images", image.id)
    document = common_attributes(url, extra, image.name or image.id, image.description, image.creation_time)
    state = (image.state or "AVAILABLE").upper()
    document["state"] = IMAGE_STATES.get(state, state)
    document["type"] = "IMAGE"
    if image.architecture:
        document["architecture"] = image.architecture
    document["operations"] = member_operations(call, "images", url)
    return document


def capture_machine(call: CimiCall, body: dict[str, Any]) -> Creation[Image]:
    """MachineImageCreate: ``imageLocation`` names the Machine to capture (text or a reference)."""
    call.require("images", "create")
    href = image_location(body)
    image_type = text(body.get("type") or "IMAGE", "type").upper()
    if image_type != "IMAGE":
        raise ValidationError(f"Only IMAGE captures are supported, not {image_type}")
    fields = editable_fields(body)
    machine_id = href_id(href)

    def create() -> tuple[Image, Job]:
        image = call.driver.create_image(machine_id, fields.get("name") or None, fields.get("description") or None)
        return MACHINE_IMAGES.added(call, image, fields, "AVAILABLE", affected=(f"machines/{machine_id}",))

    return create


MACHINE_IMAGES: DriverKind[Image] = DriverKind(
    path="machine_images", resource="MachineImage", entries="machineImages", collection="images",
    render=image_document, plan=capture_machine, watch="image",
)
