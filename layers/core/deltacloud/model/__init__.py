"""The one resource model: drivers return these, front-ends render these."""

from .base import Resource
from .compute import (
    AttachedVolume,
    HardwareProfile,
    HardwareProperty,
    Image,
    Instance,
    InstanceAddress,
    InstanceCreate,
    Key,
    Realm,
    RunResult,
)
from .drivers import DriverInfo, Provider
from .monitoring import Metric, MetricProperty, MetricSample
from .network import (
    Address,
    Firewall,
    FirewallRule,
    Listener,
    LoadBalancer,
    Network,
    NetworkInterface,
    RuleSource,
    Subnet,
)
from .states import StateMachine, Transition
from .storage import Blob, Bucket, StorageSnapshot, StorageVolume, StorageVolumeCreate

__all__ = [
    "Address", "AttachedVolume", "Blob", "Bucket", "DriverInfo", "Firewall", "FirewallRule", "HardwareProfile",
    "HardwareProperty", "Image", "Instance", "InstanceAddress", "InstanceCreate", "Key", "Listener",
    "LoadBalancer", "Metric", "MetricProperty", "MetricSample", "Network", "NetworkInterface", "Provider",
    "Realm", "Resource", "RuleSource", "RunResult", "StateMachine", "StorageSnapshot", "StorageVolume",
    "StorageVolumeCreate", "Subnet", "Transition",
]
