"""Hardware profiles: the region's instance types, from DescribeInstanceTypes, cached per region.

A region offers well over a thousand instance types and listing them costs AWS (and moto)
seconds, so the catalogue is read once per region and endpoint and kept for a day. The types are
public facts of a region, the same for every account, so one cache serves every tenant.
"""

import threading
import time
from dataclasses import dataclass
from typing import Any

from deltacloud.model import HardwareProfile, HardwareProperty

from .clients import AwsSession, endpoint_configuration

CACHE_SECONDS = 24 * 3600
#: how many compatible profiles an image lists (the full list is /hardware_profiles?architecture=...)
IMAGE_PROFILE_LIMIT = 20
#: the root device types AWS documents; anything else (moto says ``standard``) constrains nothing
ROOT_DEVICE_TYPES = ("ebs", "instance-store")


@dataclass(frozen=True)
class InstanceType:
    profile: HardwareProfile
    architectures: tuple[str, ...]
    root_device_types: tuple[str, ...]
    virtualization_types: tuple[str, ...]
    current_generation: bool
    vcpus: int
    memory: int


def instance_type(info: dict[str, Any]) -> InstanceType:
    """One DescribeInstanceTypes entry as a hardware profile with its real CPU, memory, storage, architecture."""
    name = info["InstanceType"]
    vcpus = int(info.get("VCpuInfo", {}).get("DefaultVCpus", 0))
    memory = int(info.get("MemoryInfo", {}).get("SizeInMiB", 0))
    architectures = tuple(info.get("ProcessorInfo", {}).get("SupportedArchitectures", []))
    root_types = tuple(info.get("SupportedRootDeviceTypes", []))
    properties = [HardwareProperty.fixed("cpu", vcpus), HardwareProperty.fixed("memory", memory)]
    if info.get("InstanceStorageSupported"):
        properties.append(HardwareProperty.fixed("storage", int(info["InstanceStorageInfo"]["TotalSizeInGB"])))
    if len(architectures) == 1:
        properties.append(HardwareProperty.fixed("architecture", architectures[0]))
    elif architectures:
        properties.append(HardwareProperty.enum("architecture", list(architectures)))
    if root_types == ("ebs",):
        properties.append(HardwareProperty.fixed("root_type", "persistent"))
    elif root_types == ("instance-store",):
        properties.append(HardwareProperty.fixed("root_type", "transient"))
    return InstanceType(
        profile=HardwareProfile(id=name, name=name, properties=properties),
        architectures=architectures,
        root_device_types=root_types,
        virtualization_types=tuple(info.get("SupportedVirtualizationTypes", [])),
        current_generation=bool(info.get("CurrentGeneration")),
        vcpus=vcpus,
        memory=memory,
    )


_cache: dict[tuple[object, ...], tuple[float, dict[str, InstanceType]]] = {}
_fill_lock = threading.Lock()


def _key(aws: AwsSession) -> tuple[object, ...]:
    return (aws.region, endpoint_configuration())


def _cached(key: tuple[object, ...]) -> dict[str, InstanceType] | None:
    entry = _cache.get(key)
    return entry[1] if entry is not None and time.monotonic() - entry[0] < CACHE_SECONDS else None


def catalogue(aws: AwsSession) -> dict[str, InstanceType]:
    """Every instance type of the region, by name, in AWS's order."""
    key = _key(aws)
    found = _cached(key)
    if found is not None:
        return found
    with _fill_lock:  # concurrent first requests read the catalogue once
        found = _cached(key)
        if found is None:
            types = (instance_type(info) for info in aws.items("ec2", "describe_instance_types", "InstanceTypes"))
            found = {t.profile.id: t for t in types}
            _cache[key] = (time.monotonic(), found)
        return found


def lookup(aws: AwsSession, name: str) -> InstanceType | None:
    """One instance type; asks AWS for just that one while the catalogue is not cached."""
    cached = _cached(_key(aws))
    if cached is not None:
        return cached.get(name)
    answer = aws.find("ec2", "describe_instance_types", absent=("InvalidInstanceType",), InstanceTypes=[name])
    listed = (answer or {}).get("InstanceTypes", [])
    return instance_type(listed[0]) if listed else None


def compatible(aws: AwsSession, architecture: str, root_device_type: str, virtualization_type: str) -> list[str]:
    """Instance types an image can launch on: current generation first, smallest first, at most a few."""
    matching = [
        t for t in catalogue(aws).values()
        if architecture in t.architectures
        and (root_device_type not in ROOT_DEVICE_TYPES or root_device_type in t.root_device_types)
        and (not virtualization_type or virtualization_type in t.virtualization_types)
    ]
    matching.sort(key=lambda t: (not t.current_generation, t.vcpus, t.memory, t.profile.id))
    return [t.profile.id for t in matching[:IMAGE_PROFILE_LIMIT]]
