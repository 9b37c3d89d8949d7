"""MachineImages: the driver's images; capturing a Machine creates one (spec §4.3)."""

from typing import Any

from deltacloud.errors import NotFound, ValidationError
from deltacloud.model import Image
from starlette.responses import Response

from .bodies import href_id, href_of, text
from .common import Document, common_attributes, operation
from .context import CimiCall
from .jobs import job_headers, job_response, start_job, succeeded
from .listing import collection_document, resource_document
from .representation import document_response, empty_response
from .storage import Overlay, edit_fields, editable_fields, now

#: Deltacloud image state -> CIMI MachineImage state
IMAGE_STATES = {"PENDING": "CREATING", "CREATING": "CREATING", "AVAILABLE": "AVAILABLE",
                "DELETING": "DELETING", "FAILED": "ERROR", "ERROR": "ERROR"}


def overlay(call: CimiCall) -> Overlay:
    return Overlay(call.state, "machine_image")


def image_document(call: CimiCall, image: Image, extra: dict[str, Any]) -> Document:
    url = call.url("machine_images", image.id)
    document = common_attributes(url, extra, image.name or image.id, image.description, image.creation_time)
    state = (image.state or "AVAILABLE").upper()
    document["state"] = IMAGE_STATES.get(state, state)
    document["type"] = "IMAGE"
    if image.architecture:
        document["architecture"] = image.architecture
    ops = [operation("edit", url)]
    if call.supports("images", "destroy"):
        ops.append(operation("delete", url))
    document["operations"] = ops
    return document


def _find(call: CimiCall) -> Image:
    image = call.driver.image(call.params["id"])
    if image is None:
        raise NotFound(f"MachineImage '{call.params['id']}' not found")
    return image


def images_collection(call: CimiCall) -> Document:
    call.require("images", "index")
    extras = overlay(call).all()
    entries = [image_document(call, image, extras.get(image.id, {})) for image in call.driver.images({})]
    ops = [operation("add", call.url("machine_images"))] if call.supports("images", "create") else []
    document = collection_document(call, "machine_images", "machineImages", entries, ops)
    return document


def show_image(call: CimiCall) -> Response:
    call.require("images", "show")
    image = _find(call)
    document = image_document(call, image, overlay(call).get(image.id))
    return document_response(call.fmt, resource_document(call, document), "MachineImage")


def capture_machine(call: CimiCall) -> Response:
    """MachineImageCreate: ``imageLocation`` names the Machine to capture (text or a reference)."""
    call.require("images", "create")
    body = call.body
    location = body.get("imageLocation")
    href = href_of(location) if isinstance(location, dict) else (text(location, "imageLocation") if location else None)
    if not href:
        raise ValidationError("Required attributes not set: imageLocation")
    image_type = text(body.get("type") or "IMAGE", "type").upper()
    if image_type != "IMAGE":
        raise ValidationError(f"Only IMAGE captures are supported, not {image_type}")
    fields = editable_fields(body)
    machine_id = href_id(href)
    image = call.driver.create_image(machine_id, fields.get("name") or None, fields.get("description") or None)
    overlay(call).save(image.id, {**fields, "created": now()})
    job = start_job(call, "add", f"machine_images/{image.id}", ("image", image.id, "AVAILABLE"),
                    affected=(f"machines/{machine_id}",))
    location_url = call.url("machine_images", image.id)
    if not succeeded(job):
        return job_response(call, job, location_url)
    current = call.driver.image(image.id) or image
    document = image_document(call, current, overlay(call).get(image.id))
    return document_response(call.fmt, document, "MachineImage", status=201,
                             headers=job_headers(call, job, location_url))


def delete_image(call: CimiCall) -> Response:
    call.require("images", "destroy")
    image_id = call.params["id"]
    call.driver.destroy_image(image_id)
    overlay(call).forget(image_id)
    job = start_job(call, "delete", f"machine_images/{image_id}", ("image", image_id, "GONE"))
    if succeeded(job):
        return empty_response(200, job_headers(call, job))
    return job_response(call, job)


def edit_image(call: CimiCall) -> Response:
    call.require("images", "show")
    image = _find(call)
    extra = overlay(call).save(image.id, edit_fields(call.body, call.query("$select")))
    return document_response(call.fmt, image_document(call, image, extra), "MachineImage")
