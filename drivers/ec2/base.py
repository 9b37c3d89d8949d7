"""What every part of the EC2 driver shares: the region, the caller's AWS session, tags."""

from collections.abc import Mapping
from functools import cached_property
from typing import Any

from deltacloud.driver import Driver
from deltacloud.model import Provider

from .clients import AwsCredentials, AwsSession
from .regions import PROVIDERS, check_region


def tags_of(resource: Mapping[str, Any]) -> dict[str, str]:
    return {t["Key"]: t.get("Value", "") for t in resource.get("Tags") or []}


def tag_specification(resource_type: str, tags: Mapping[str, str]) -> list[dict[str, Any]]:
    """``TagSpecifications`` for a create call (empty when there is nothing to tag)."""
    if not tags:
        return []
    return [{"ResourceType": resource_type, "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}]


def timestamp(value: object) -> str | None:
    """AWS times (datetimes from botocore) as ISO 8601 text."""
    if value is None:
        return None
    iso = getattr(value, "isoformat", None)
    return iso() if iso is not None else str(value)


class EC2Base(Driver):
    providers_are_signing_regions = True

    @classmethod
    def providers(cls) -> list[Provider]:
        return PROVIDERS

    @classmethod
    def check_provider(cls, provider: str | None) -> None:
        check_region(provider)

    @cached_property
    def region(self) -> str:
        return check_region(self.context.provider)

    @cached_property
    def aws(self) -> AwsSession:
        """The caller's AWS session; demanding it is what makes an operation need credentials."""
        return AwsSession(AwsCredentials.from_provider(self.context.credentials()), self.region)

    def check_credentials(self) -> None:
        self.aws.call("sts", "get_caller_identity")
