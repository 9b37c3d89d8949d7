"""AWS regions as the driver's providers: a static catalogue, so listing them needs no credentials.

Each provider lists its service endpoints the way the original's ``/api/drivers/ec2`` did
(service kind -> host). The endpoints a request really uses come from botocore, which also
honours ``AWS_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL_<SERVICE>``.
"""

from deltacloud.errors import UnknownProvider
from deltacloud.model import Provider

DEFAULT_REGION = "us-east-1"

#: commercial AWS regions (the original's seven first, in its order)
REGIONS: tuple[str, ...] = (
    "us-west-1", "us-west-2", "ap-southeast-1", "ap-northeast-1", "eu-west-1", "us-east-1", "sa-east-1",
    "us-east-2", "ca-central-1", "ca-west-1", "mx-central-1",
    "eu-central-1", "eu-central-2", "eu-west-2", "eu-west-3", "eu-south-1", "eu-south-2", "eu-north-1",
    "af-south-1", "il-central-1", "me-south-1", "me-central-1",
    "ap-east-1", "ap-east-2", "ap-south-1", "ap-south-2", "ap-northeast-2", "ap-northeast-3",
    "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-7",
)


def _entrypoints(region: str) -> dict[str, str]:
    s3 = "s3.amazonaws.com" if region == "us-east-1" else f"s3.{region}.amazonaws.com"
    return {
        "s3": s3,
        "elb": f"elasticloadbalancing.{region}.amazonaws.com",
        "ec2": f"ec2.{region}.amazonaws.com",
        "mon": f"monitoring.{region}.amazonaws.com",
    }


PROVIDERS: list[Provider] = [Provider(id=region, entrypoints=_entrypoints(region)) for region in REGIONS]


def check_region(provider: str | None) -> str:
    """The region a provider names (none, or ``default``: the default one); UnknownProvider otherwise."""
    region = DEFAULT_REGION if provider in (None, "", "default") else provider
    if region not in REGIONS:
        raise UnknownProvider("ec2", region, list(REGIONS))
    return region
