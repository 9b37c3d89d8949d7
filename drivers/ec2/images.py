"""Images (AMIs): the account's own by default, others only when asked for by owner or id.

An unfiltered DescribeImages returns every public AMI of the region (tens of thousands on AWS):
never sent. The default owner is ``self``; ``owner_id`` names another owner (an account id,
``amazon``, ``aws-marketplace``); ``id`` fetches one image whoever owns it.
"""

import time
from typing import Any

from deltacloud.driver import Filters
from deltacloud.errors import NotFound
from deltacloud.model import Image

from . import instance_types
from .base import EC2Base


class EC2Images(EC2Base):
    def _to_image(self, info: dict[str, Any], profiles: dict[tuple[str, str, str], list[str]]) -> Image:
        fit = (info.get("Architecture", ""), info.get("RootDeviceType", ""), info.get("VirtualizationType", ""))
        if fit not in profiles:
            profiles[fit] = instance_types.compatible(self.aws, *fit)
        return Image(
            id=info["ImageId"],
            name=info.get("Name") or info["ImageId"],
            description=info.get("Description") or "",
            owner_id=info.get("OwnerId", ""),
            architecture=info.get("Architecture", ""),
            state=(info.get("State") or "").upper() or None,
            creation_time=info.get("CreationDate"),
            root_type="persistent" if info.get("RootDeviceType") == "ebs" else "transient",
            hardware_profile_ids=profiles[fit],
        )

    def images(self, filters: Filters) -> list[Image]:
        aws_filters = []
        if filters.get("architecture"):
            aws_filters.append({"Name": "architecture", "Values": [filters["architecture"]]})
        if filters.get("id"):
            answer = self.aws.find("ec2", "describe_images", ImageIds=[filters["id"]], Filters=aws_filters)
            found = (answer or {}).get("Images", [])
        else:
            owner = filters.get("owner_id") or "self"
            found = self.aws.items("ec2", "describe_images", "Images", Owners=[owner], Filters=aws_filters)
        if filters.get("owner_id") and filters.get("id"):
            found = [i for i in found if filters["owner_id"] in ("self", i.get("OwnerId"))]
        profiles: dict[tuple[str, str, str], list[str]] = {}
        return [self._to_image(info, profiles) for info in found]

    def image(self, image_id: str) -> Image | None:
        return next(iter(self.images({"id": image_id})), None)

    def create_image(self, instance_id: str, name: str | None, description: str | None, *,
                     no_reboot: bool = False) -> Image:
        params: dict[str, Any] = {"InstanceId": instance_id, "Name": name or f"{instance_id}-{int(time.time())}"}
        if description:
            params["Description"] = description
        if no_reboot:
            params["NoReboot"] = True
        image_id = self.aws.call("ec2", "create_image", **params)["ImageId"]
        image = self.image(image_id)
        if image is None:
            raise NotFound(f"Image '{image_id}' not found")
        return image

    def destroy_image(self, image_id: str) -> None:
        self.aws.call("ec2", "deregister_image", ImageId=image_id)
