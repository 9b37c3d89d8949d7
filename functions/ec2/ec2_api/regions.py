"""Where and what to run: DescribeRegions, DescribeAvailabilityZones (realms), DescribeInstanceTypes (profiles).

A region is what the client signed for: one proxy endpoint serves one back-end, so the region list is
the driver's providers when it has some (the AWS driver: its regions) and otherwise just the region
the client uses. Zones report that region as their ``regionName`` (libcloud filters on it).
"""

from collections.abc import Mapping

from deltacloud.model import HardwareProfile, Realm

from .actions import action
from .context import Ec2Call
from .errors import INSTANCE_TYPE, Ec2Error
from .filters import Extractor, compile_filters
from .mappings import profile_architectures, profile_number, zone_state
from .pagination import paginate, reject_with_ids
from .parameter_names import FILTERS, PAGES
from .xml import item_set, leaf, node, text

REGION_FILTERS: Mapping[str, Extractor[str]] = {
    "region-name": lambda r: [r],
    "opt-in-status": lambda r: ["opt-in-not-required"],
}


# AllRegions changes nothing: every region the back-end serves is listed, none needs an opt-in
@action("DescribeRegions", params=("RegionName.N", "AllRegions", *FILTERS))
def describe_regions(call: Ec2Call) -> str:
    select = compile_filters(call.params.filters(), {**REGION_FILTERS, "endpoint": lambda r: [call.host]})
    providers = [p.id for p in type(call.driver).providers()]
    regions = providers or [call.caller.region]
    names = call.params.values("RegionName")
    if names:
        unknown = [n for n in names if n not in regions]
        if unknown:
            raise Ec2Error("InvalidParameterValue", f"Invalid region: [{', '.join(unknown)[:200]}]")
        regions = [r for r in regions if r in names]
    return item_set("regionInfo", (
        leaf("regionName", r) + leaf("regionEndpoint", call.host) + leaf("optInStatus", "opt-in-not-required")
        for r in select(regions)
    ))


def _zone_filters(region: str) -> Mapping[str, Extractor[Realm]]:
    return {
        "zone-name": lambda r: [r.id],
        "zone-id": lambda r: [r.id],
        "state": lambda r: [zone_state(r)],
        "region-name": lambda r: [region],
        "zone-type": lambda r: ["availability-zone"],
    }


@action("DescribeAvailabilityZones", "realms.index", params=("ZoneName.N", "ZoneId.N", *FILTERS))
def describe_availability_zones(call: Ec2Call) -> str:
    region = call.caller.region
    select = compile_filters(call.params.filters(), _zone_filters(region))
    names = call.params.values("ZoneName") + call.params.values("ZoneId")
    realms = call.driver.realms({})
    if names:
        unknown = [n for n in names if not any(r.id == n for r in realms)]
        if unknown:
            raise Ec2Error("InvalidParameterValue", f"Invalid availability zone: [{', '.join(unknown)[:200]}]")
        realms = [r for r in realms if r.id in names]
    return item_set("availabilityZoneInfo", (
        leaf("zoneName", r.id) + leaf("zoneId", r.id) + leaf("zoneState", zone_state(r)) + leaf("regionName", region)
        + leaf("zoneType", "availability-zone") + leaf("optInStatus", "opt-in-not-required") + node("messageSet")
        for r in select(realms)
    ))


def _whole(value: float | None) -> int | None:
    return None if value is None else int(value)  # EC2's sizes are integers; botocore refuses "1740.8"


TYPE_FILTERS: Mapping[str, Extractor[HardwareProfile]] = {
    "instance-type": lambda p: [p.id],
    "processor-info.supported-architecture": profile_architectures,
    "vcpu-info.default-vcpus": lambda p: [_whole(profile_number(p, "cpu"))],
    "memory-info.size-in-mib": lambda p: [_whole(profile_number(p, "memory"))],
    "current-generation": lambda p: ["true"],
}


@action("DescribeInstanceTypes", "hardware_profiles.index", kind=INSTANCE_TYPE,
        params=("InstanceType.N", *FILTERS, *PAGES))
def describe_instance_types(call: Ec2Call) -> str:
    names = call.params.values("InstanceType")
    reject_with_ids(call.params, "InstanceType", names)
    select = compile_filters(call.params.filters(), TYPE_FILTERS)
    profiles = call.driver.hardware_profiles({})
    if names:
        unknown = [n for n in names if not any(p.id == n for p in profiles)]
        if unknown:
            raise Ec2Error(
                INSTANCE_TYPE.not_found,
                f"The following supplied instance types do not exist: [{', '.join(unknown)[:200]}]",
            )
        profiles = [p for p in profiles if p.id in names]
    page, token = paginate(select(profiles), call, key=lambda p: p.id, maximum=100)
    return item_set("instanceTypeSet", (_type_item(p) for p in page)) + leaf("nextToken", token)


def _type_item(profile: HardwareProfile) -> str:
    cpus = _whole(profile_number(profile, "cpu"))
    memory = _whole(profile_number(profile, "memory"))
    storage = _whole(profile_number(profile, "storage"))
    architectures = profile_architectures(profile)
    return "".join((
        leaf("instanceType", profile.id),
        leaf("currentGeneration", True),
        item_set("supportedUsageClasses", ["on-demand"]),
        node("processorInfo", item_set("supportedArchitectures", map(text, architectures))) if architectures else "",
        node("vCpuInfo", leaf("defaultVCpus", cpus)) if cpus is not None else "",
        node("memoryInfo", leaf("sizeInMiB", memory)) if memory is not None else "",
        leaf("instanceStorageSupported", storage is not None),
        node("instanceStorageInfo", leaf("totalSizeInGB", storage)) if storage is not None else "",
    ))
