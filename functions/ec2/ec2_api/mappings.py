"""How EC2's concepts map onto the core model, in one place.

| EC2 | core model | rule |
| --- | --- | --- |
| instance type | HardwareProfile | ``instanceType`` is the profile id, both ways |
| availability zone | Realm | ``zoneName`` is the realm id; ``regionName`` the region the client signed for |
| instance state name / code | Instance.state | :data:`CORE_TO_EC2_STATE` |
| key pair | Key | ``keyName`` is the key's name (or id), ``keyPairId`` its id |
| security group | Firewall | ``groupId`` is the firewall id, ``groupName`` its name |
| Elastic IP | Address | ``allocationId`` is the address id, ``associationId`` ``eipassoc-<address id>`` |
| volume / snapshot | StorageVolume / StorageSnapshot | ids as they are; states below |
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from deltacloud.model import HardwareProfile, Image, Instance, Key, Realm


@dataclass(frozen=True)
class Ec2State:
    code: int
    name: str


PENDING = Ec2State(0, "pending")
RUNNING = Ec2State(16, "running")
SHUTTING_DOWN = Ec2State(32, "shutting-down")
TERMINATED = Ec2State(48, "terminated")
STOPPING = Ec2State(64, "stopping")
STOPPED = Ec2State(80, "stopped")

#: core (Deltacloud, upper-case) instance states -> EC2. ERROR has no EC2 equivalent: EC2 terminates an
#: instance that fails, so ERROR reads as terminated (with a stateReason), which ends waiters at once
#: instead of letting them poll for ten minutes.
CORE_TO_EC2_STATE: dict[str, Ec2State] = {
    "START": PENDING,
    "PENDING": PENDING,
    "STARTING": PENDING,
    "RUNNING": RUNNING,
    "REBOOTING": RUNNING,  # EC2 keeps a rebooting instance running
    "SHUTTING_DOWN": SHUTTING_DOWN,
    "STOPPING": STOPPING,
    "STOPPED": STOPPED,
    "PAUSED": STOPPED,
    "SUSPENDED": STOPPED,
    "FINISH": TERMINATED,
    "TERMINATED": TERMINATED,
    "ERROR": TERMINATED,
}


def instance_state(core_state: str | None) -> Ec2State:
    """EC2's state of an instance; an unknown or missing state reads as pending (waiters keep polling)."""
    return CORE_TO_EC2_STATE.get((core_state or "").upper().replace("-", "_"), PENDING)


def state_reason(core_state: str | None) -> tuple[str, str] | None:
    if (core_state or "").upper() == "ERROR":
        return "Server.InternalError", "Server.InternalError: the back-end reports the instance in error"
    return None


# -- instance types <-> hardware profiles -----------------------------------------------------------------


def instance_type(instance: Instance) -> str | None:
    return instance.hardware_profile_id


def profile_number(profile: HardwareProfile, name: str) -> float | None:
    """A profile property's value (the default of an enum or range), if it is a number."""
    prop = profile.property(name)
    if prop is None:
        return None
    try:
        return float(prop.value)
    except (TypeError, ValueError):
        return None


def profile_architectures(profile: HardwareProfile) -> list[str]:
    prop = profile.property("architecture")
    if prop is None:
        return []
    values = prop.values if prop.kind == "enum" else [prop.value]
    return [ec2_architecture(str(v)) for v in values]


def ec2_architecture(core: str) -> str:
    """EC2's architecture names (``i386``, ``x86_64``, ``arm64``) from a driver's label."""
    lowered = core.lower()
    return {"amd64": "x86_64", "x86-64": "x86_64", "aarch64": "arm64", "i686": "i386"}.get(lowered, lowered)


# -- zones <-> realms -------------------------------------------------------------------------------------


def zone_state(realm: Realm) -> str:
    return "available" if (realm.state or "").upper() == "AVAILABLE" else "unavailable"


# -- images -----------------------------------------------------------------------------------------------


def image_state(image: Image) -> str:
    state = (image.state or "AVAILABLE").upper()
    return {"AVAILABLE": "available", "PENDING": "pending", "CREATING": "pending", "FAILED": "failed",
            "ERROR": "failed", "DEREGISTERED": "deregistered"}.get(state, state.lower())


# -- key pairs --------------------------------------------------------------------------------------------


def key_pair_name(key: Key) -> str:
    return key.name or key.id


# -- volumes and snapshots --------------------------------------------------------------------------------


def volume_status(core_state: str | None) -> str:
    state = (core_state or "AVAILABLE").upper().replace("_", "-")
    return {"AVAILABLE": "available", "IN-USE": "in-use", "ATTACHED": "in-use", "CREATING": "creating",
            "PENDING": "creating", "DELETING": "deleting", "DELETED": "deleted", "ERROR": "error"}.get(
        state, state.lower())


def snapshot_status(core_state: str | None) -> str:
    state = (core_state or "COMPLETED").upper()
    return {"COMPLETED": "completed", "AVAILABLE": "completed", "PENDING": "pending", "CREATING": "pending",
            "ERROR": "error", "FAILED": "error"}.get(state, state.lower())


# -- Elastic IPs <-> addresses ----------------------------------------------------------------------------

ASSOCIATION_PREFIX = "eipassoc-"


def association_id(address_id: str) -> str:
    return ASSOCIATION_PREFIX + address_id


def address_id_of_association(association: str) -> str | None:
    return association[len(ASSOCIATION_PREFIX):] if association.startswith(ASSOCIATION_PREFIX) else None


# -- values -----------------------------------------------------------------------------------------------


def timestamp(value: str | None) -> str | None:
    """An ISO-8601 UTC timestamp botocore parses, or None (omit the element) when unparseable."""
    if not value:
        return None
    moment = _parse_time(value.strip())
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


#: what drivers write besides ISO 8601: Ruby's Time#to_s, and date(1) (its zone name is dropped)
_FORMATS = ("%Y-%m-%d %H:%M:%S %z", "%a %b %d %H:%M:%S %Y")


def _parse_time(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        pass
    parts = value.split()
    candidates = [value, " ".join(parts[:4] + parts[5:])] if len(parts) == 6 else [value]
    for candidate in candidates:
        for pattern in _FORMATS:
            try:
                return datetime.strptime(candidate, pattern)
            except ValueError:
                continue
    return None


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
