"""Compute resources: realms, hardware profiles, images, instances, keys."""

from collections.abc import Mapping
from typing import Literal

from pydantic import Field

from ..errors import ValidationError
from .base import Model, Resource

PropertyValue = int | float | str

#: the unit each hardware profile property is measured in (spec §7.3)
PROPERTY_UNITS: dict[str, str | None] = {
    "cpu": "count",
    "memory": "MB",
    "storage": "GB",
    "architecture": "label",
    "root_type": None,
}


class Realm(Resource):
    name: str
    state: str = "AVAILABLE"
    limit: str = "unlimited"


class HardwareProperty(Model):
    """One property of a hardware profile: fixed, an enumeration, or a numeric range."""

    name: Literal["cpu", "memory", "storage", "architecture", "root_type"]
    kind: Literal["fixed", "enum", "range"]
    value: PropertyValue  # the fixed value, or the default of an enum / range
    values: list[PropertyValue] = Field(default_factory=list)  # enum entries
    first: PropertyValue | None = None  # range bounds
    last: PropertyValue | None = None

    @property
    def unit(self) -> str | None:
        return PROPERTY_UNITS[self.name]

    def accepts(self, raw: str) -> bool:
        """Whether a client-supplied override (an ``hwp_*`` parameter) is allowed."""
        if self.kind == "fixed":
            return _same(raw, self.value)
        if self.kind == "enum":
            return any(_same(raw, v) for v in self.values)
        try:
            number = float(raw)
        except ValueError:
            return False
        return float(self.first or 0) <= number <= float(self.last or 0)

    @classmethod
    def fixed(cls, name: str, value: PropertyValue) -> "HardwareProperty":
        return cls(name=name, kind="fixed", value=value)  # type: ignore[arg-type]

    @classmethod
    def enum(cls, name: str, values: list[PropertyValue], default: PropertyValue | None = None) -> "HardwareProperty":
        return cls(name=name, kind="enum", value=values[0] if default is None else default, values=values)  # type: ignore[arg-type]

    @classmethod
    def range(
        cls, name: str, first: PropertyValue, last: PropertyValue, default: PropertyValue | None = None
    ) -> "HardwareProperty":
        return cls(name=name, kind="range", value=first if default is None else default, first=first, last=last)  # type: ignore[arg-type]


def _same(raw: str, value: PropertyValue) -> bool:
    if isinstance(value, str):
        return raw == value
    try:
        return float(raw) == float(value)
    except ValueError:
        return False


class HardwareProfile(Resource):
    name: str
    properties: list[HardwareProperty] = Field(default_factory=list)

    def property(self, name: str) -> HardwareProperty | None:
        return next((p for p in self.properties if p.name == name), None)

    def check_overrides(self, overrides: Mapping[str, str]) -> None:
        """Refuse ``hwp_*`` values the profile does not offer, naming the allowed ones."""
        for name, raw in overrides.items():
            prop = self.property(name)
            if prop is None:
                raise ValidationError(f"Hardware profile '{self.id}' has no property '{name}'")
            if not prop.accepts(raw):
                if prop.kind == "range":
                    allowed = f"between {prop.first} and {prop.last}"
                elif prop.kind == "enum":
                    allowed = "one of " + ", ".join(str(v) for v in prop.values)
                else:
                    allowed = f"{prop.value}"
                raise ValidationError(
                    f"hwp_{name}={raw!r} is not allowed by hardware profile '{self.id}': must be {allowed}"
                )



def check_launch_overrides(profile: HardwareProfile | None, overrides: Mapping[str, str]) -> None:
    """A launch's ``hwp_*`` values: those ``profile`` allows; none without a profile (no ``hwp_id``), as the
    cloud's own choice has fixed properties."""
    if profile is not None:
        profile.check_overrides(overrides)
    elif overrides:
        raise ValidationError("hwp_* overrides need hwp_id: this cloud's hardware profiles have fixed properties")

class Image(Resource):
    name: str
    description: str = ""
    owner_id: str = ""
    architecture: str = ""
    state: str | None = None
    creation_time: str | None = None
    root_type: str = "transient"
    hardware_profile_ids: list[str] = Field(default_factory=list)


class InstanceAddress(Model):
    address: str
    type: Literal["ipv4", "ipv6", "hostname", "mac", "vnc", "unavailable"] = "ipv4"
    port: int | None = None


class AttachedVolume(Model):
    id: str
    device: str | None = None


class Instance(Resource):
    name: str | None = None
    owner_id: str | None = None
    image_id: str | None = None
    realm_id: str | None = None
    state: str | None = None  # upper case: RUNNING, STOPPED, PENDING, STOPPING, ...
    hardware_profile_id: str | None = None
    #: per-instance values chosen at launch through ``hwp_*`` parameters
    hardware_profile_overrides: dict[str, str] = Field(default_factory=dict)
    public_addresses: list[InstanceAddress] = Field(default_factory=list)
    private_addresses: list[InstanceAddress] = Field(default_factory=list)
    storage_volumes: list[AttachedVolume] = Field(default_factory=list)
    firewall_ids: list[str] | None = None
    network_interface_ids: list[str] | None = None
    launch_time: str | None = None
    keyname: str | None = None
    username: str | None = None
    password: str | None = None
    authentication_error: str | None = None
    create_image: bool = False
    user_data: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    #: set when a driver restricts actions beyond the state machine (e.g. EC2 instance-store)
    actions: list[str] | None = None


#: instances one launch request may ask for (EC2's own front-end limit too): a bound on the work one call does
MAX_INSTANCE_COUNT = 50


class InstanceCreate(Model):
    """Everything a client may ask for when launching instances (spec §7.5)."""

    image_id: str
    realm_id: str | None = None
    hardware_profile_id: str | None = None
    hardware_profile_overrides: dict[str, str] = Field(default_factory=dict)
    name: str | None = None
    keyname: str | None = None
    user_data: str | None = None  # base64, as clients send it
    password: str | None = None
    firewall_ids: list[str] = Field(default_factory=list)
    # bounded here, so no driver has to check it; front-ends parse it with their own API's error first
    instance_count: int = Field(default=1, ge=1, le=MAX_INSTANCE_COUNT)
    snapshot_id: str | None = None
    device_name: str | None = None
    load_balancer_id: str | None = None
    metrics: bool = False
    user_files: str | None = None
    user_iso: str | None = None
    sandbox: str | None = None
    initial_state: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)


class RunResult(Resource):
    public_address: str = ""
    command: str
    output: str


class Key(Resource):
    name: str | None = None
    credential_type: Literal["key", "password"] = "key"
    fingerprint: str | None = None
    pem_rsa_key: str | None = None
    public_key: str | None = None
    username: str | None = None
    password: str | None = None
    state: str | None = None
