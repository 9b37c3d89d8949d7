"""Image (AMI) actions: DescribeImages, CreateImage, DeregisterImage."""

import re
from collections.abc import Mapping

from deltacloud.model import Image

from .actions import action
from .context import Ec2Call
from .errors import IMAGE, INSTANCE, Ec2Error
from .filters import Extractor, compile_filters
from .mappings import ec2_architecture, image_state, timestamp
from .pagination import paginate, reject_with_ids
from .parameter_names import FILTERS, PAGES
from .xml import item_set, leaf, tag_set

ImageView = tuple[Image, dict[str, str]]


def _root_device_type(image: Image) -> str:
    return "ebs" if image.root_type == "persistent" else "instance-store"


IMAGE_FILTERS: Mapping[str, Extractor[ImageView]] = {
    "image-id": lambda v: [v[0].id],
    "name": lambda v: [v[0].name],
    "description": lambda v: [v[0].description],
    "state": lambda v: [image_state(v[0])],
    "architecture": lambda v: [ec2_architecture(v[0].architecture)] if v[0].architecture else [],
    "owner-id": lambda v: [v[0].owner_id],
    "image-type": lambda v: ["machine"],
    "root-device-type": lambda v: [_root_device_type(v[0])],
}


def _list(call: Ec2Call, ids: list[str], owners: list[str]) -> list[Image]:
    if len(ids) == 1 and call.supports("images", "show"):
        found = call.driver.image(ids[0])
        return [found] if found else []
    if not owners:
        return call.driver.images({})
    merged: dict[str, Image] = {}
    for owner in dict.fromkeys(owners):  # the driver filters by one owner at a time ("self" = the caller)
        merged.update((image.id, image) for image in call.driver.images({"owner_id": owner}))
    return list(merged.values())


@action("DescribeImages", "images.index", kind=IMAGE, params=("ImageId.N", "Owner.N", *FILTERS, *PAGES))
def describe_images(call: Ec2Call) -> str:
    ids = call.params.values("ImageId")
    reject_with_ids(call.params, "ImageId", ids)
    owners = call.params.values("Owner")
    select = compile_filters(call.params.filters(), IMAGE_FILTERS, tags_of=lambda v: v[1])
    images = _list(call, ids, owners)
    images = IMAGE.requested(images, ids, key=lambda image: image.id)
    views = select([(i, call.tags.effective(i.id, {})) for i in images])
    page, token = paginate(views, call, key=lambda v: v[0].id)
    return item_set("imagesSet", (_image_item(image, tags) for image, tags in page)) + leaf("nextToken", token)


def _image_item(image: Image, tags: dict[str, str]) -> str:
    return "".join((
        leaf("imageId", image.id),
        leaf("imageLocation", f"{image.owner_id}/{image.name}" if image.owner_id else image.name),
        leaf("imageState", image_state(image)),
        leaf("imageOwnerId", image.owner_id or None),
        leaf("creationDate", timestamp(image.creation_time)),
        leaf("architecture", ec2_architecture(image.architecture) if image.architecture else None),
        leaf("imageType", "machine"),
        leaf("name", image.name),
        leaf("description", image.description or None),
        leaf("rootDeviceType", _root_device_type(image)),
        leaf("virtualizationType", "hvm"),
        leaf("hypervisor", "xen"),
        tag_set(tags),
    ))


#: EC2's rule for AMI names: 3 to 128 of these characters
AMI_NAME = re.compile(r"[A-Za-z0-9()\[\] ./\-'@_]{3,128}")


@action("CreateImage", "images.create", kind=IMAGE, params=("InstanceId", "Name", "Description", "NoReboot"))
def create_image(call: Ec2Call) -> str:
    instance_id = call.params.required("InstanceId")
    name = call.params.required("Name")
    if not AMI_NAME.fullmatch(name):
        raise Ec2Error("InvalidAMIName.Malformed", "AMI names must be between 3 and 128 characters long, and may "
                       "contain letters, numbers, '(', ')', '.', '-', '/', '_', ' ', '[', ']', '@' and \"'\"")
    description = call.params.text("Description")
    if call.driver.instance(instance_id) is None:
        raise INSTANCE.missing(instance_id)
    # A back-end that cannot name images still creates one; the driver picks its name (docs/differences.md).
    image = call.driver.create_image(
        instance_id,
        name if call.capabilities.has_feature("images", "image_name") else None,
        description if call.capabilities.has_feature("images", "image_description") else None,
        no_reboot=call.params.boolean("NoReboot"),  # libcloud always sends it
    )
    return leaf("imageId", image.id)


@action("DeregisterImage", "images.destroy", kind=IMAGE, params=("ImageId",))
def deregister_image(call: Ec2Call) -> str:
    image_id = call.params.required("ImageId")
    if call.supports("images", "show") and call.driver.image(image_id) is None:
        raise IMAGE.missing(image_id)
    call.driver.destroy_image(image_id)
    call.tags.forget(image_id)
    return leaf("return", "true")
