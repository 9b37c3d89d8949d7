"""MachineConfigurations: the driver's hardware profiles in CIMI units (spec §4.2).

CIMI measures memory and disk capacity in KiB; Deltacloud profiles in MB and GB. A profile with
ranges or enumerations is shown with its default values (CIMI has no ranges); a MachineCreate by
value picks the first profile that offers what was asked and passes the chosen values on.
"""

from typing import Any

from deltacloud.errors import NotFound, ValidationError
from deltacloud.model import HardwareProfile, HardwareProperty
from starlette.responses import Response

from .bodies import integer, listed
from .common import Document
from .context import CimiCall
from .listing import collection_document, resource_document
from .representation import document_response

KIB_PER_MB = 1024
KIB_PER_GB = 1024 * 1024
#: Deltacloud architecture -> CIMI 1.1 cpuArch
CPU_ARCHITECTURES = {"i386": "x86", "i686": "x86", "x86": "x86", "x86_64": "x86_64", "amd64": "x86_64",
                     "arm64": "ARM", "aarch64": "ARM"}


def profile_values(profile: HardwareProfile, overrides: dict[str, str] | None = None) -> dict[str, Any]:
    """cpu, memory (KiB), storage (KiB) and architecture of a profile, launch overrides applied."""
    values: dict[str, Any] = {}
    for prop in profile.properties:
        value: Any = (overrides or {}).get(prop.name, prop.value)
        if prop.name == "cpu":
            values["cpu"] = int(float(value))
        elif prop.name == "memory":
            values["memory"] = int(float(value) * KIB_PER_MB)
        elif prop.name == "storage":
            values["storage"] = int(float(value) * KIB_PER_GB)
        elif prop.name == "architecture":
            values["architecture"] = str(value)
    return values


def profiles(call: CimiCall) -> list[HardwareProfile]:
    return call.memo("hardware_profiles", lambda: call.driver.hardware_profiles({}))


def profile_by_id(call: CimiCall, profile_id: str | None) -> HardwareProfile | None:
    """One profile, fetched once per request (a cloud may offer a thousand; a listing needs a few)."""
    if profile_id is None:
        return None
    return call.memo(f"hardware_profile/{profile_id}", lambda: call.driver.hardware_profile(profile_id))


def configuration_document(call: CimiCall, profile: HardwareProfile) -> dict[str, Any] | None:
    """None for a profile with neither cpu nor memory (the mock's ``opaque``): nothing to configure."""
    values = profile_values(profile)
    if "cpu" not in values and "memory" not in values:
        return None
    document: dict[str, Any] = {"id": call.url("machine_configurations", profile.id), "name": profile.name}
    document["description"] = (f"Machine Configuration with {values.get('memory', 'unknown')} KiB of memory "
                               f"and {values.get('cpu', 'unknown')} CPU")
    for name in ("cpu", "memory"):
        if name in values:
            document[name] = values[name]
    if "architecture" in values:
        document["cpuArch"] = CPU_ARCHITECTURES.get(values["architecture"], values["architecture"])
    if "storage" in values:
        document["disks"] = [{"capacity": values["storage"]}]
    return document


def configurations_collection(call: CimiCall) -> Document:
    call.require("hardware_profiles", "index")
    entries = [doc for doc in (configuration_document(call, p) for p in profiles(call)) if doc is not None]
    document = collection_document(call, "machine_configurations", "machineConfigurations", entries)
    return document


def show_configuration(call: CimiCall) -> Response:
    call.require("hardware_profiles", "show")
    profile = call.driver.hardware_profile(call.params["id"])
    document = configuration_document(call, profile) if profile is not None else None
    if document is None:
        raise NotFound(f"MachineConfiguration '{call.params['id']}' not found")
    return document_response(call.fmt, resource_document(call, document), "MachineConfiguration")


def match_configuration(call: CimiCall, wanted: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """The profile (and hwp overrides) offering an inline MachineConfiguration's cpu, memory and disk.

    Compared in CIMI units, so the KiB a client read from a MachineConfiguration matches it again.
    """
    asked: dict[str, tuple[int, int]] = {}  # property -> (value in CIMI units, CIMI units per profile unit)
    if "cpu" in wanted:
        asked["cpu"] = (integer(wanted["cpu"], "machineConfig.cpu"), 1)
    if "memory" in wanted:
        asked["memory"] = (integer(wanted["memory"], "machineConfig.memory"), KIB_PER_MB)
    disks = listed(wanted, "disks")
    if disks and isinstance(disks[0], dict) and disks[0].get("capacity") is not None:
        asked["storage"] = (integer(disks[0]["capacity"], "machineConfig.disks.capacity"), KIB_PER_GB)
    if not asked:
        raise ValidationError("machineConfig by value needs cpu, memory or a disk capacity")
    for profile in profiles(call):
        props: dict[str, HardwareProperty] = {p.name: p for p in profile.properties}
        if all(name in props and _offers(props[name], *asked[name]) for name in asked):
            overrides = {name: _number(value / factor) for name, (value, factor) in asked.items()
                         if props[name].kind != "fixed"}
            return profile.id, overrides
    wanted_text = ", ".join(f"{name}={value}" for name, (value, _) in asked.items())
    raise ValidationError(f"No MachineConfiguration of the {call.driver_name} driver offers {wanted_text} "
                          "(memory and disk capacity in KiB)")


def _offers(prop: HardwareProperty, value: int, factor: int) -> bool:
    def scaled(number: object) -> int:
        return int(float(str(number)) * factor)

    if prop.kind == "fixed":
        return scaled(prop.value) == value
    if prop.kind == "enum":
        return any(scaled(v) == value for v in prop.values)
    return scaled(prop.first) <= value <= scaled(prop.last)


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else str(round(value, 3))
