"""oVirt objects (``ovirtsdk4.types``) as the core model; reads attributes only, imports no SDK."""

from datetime import datetime
from typing import Any

from deltacloud.drivers.libcloud_adapter.mapping import addresses, is_private_address
from deltacloud.model import HardwareProfile, HardwareProperty, Image, Instance, Realm

_MIB = 1024 * 1024

#: oVirt VmStatus -> Deltacloud state
VM_STATES: dict[str, str] = {
    "up": "RUNNING",
    "down": "STOPPED",
    "powering_up": "PENDING",
    "wait_for_launch": "PENDING",
    "image_locked": "PENDING",  # a new VM's disks are still being copied from its template
    "reboot_in_progress": "PENDING",
    "migrating": "RUNNING",
    "restoring_state": "PENDING",
    "unassigned": "PENDING",
    "unknown": "PENDING",
    "not_responding": "PENDING",
    "powering_down": "STOPPING",
    "saving_state": "STOPPING",
    "paused": "STOPPED",
    "suspended": "STOPPED",
}
#: states from which the VM cannot follow the state machine's usual actions (resume is not start)
_ONLY_DESTROY = {"paused", "suspended"}


def _value(enum: Any) -> str:
    return str(getattr(enum, "value", enum) or "")


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _ref_id(ref: Any) -> str | None:
    return str(ref.id) if ref is not None and getattr(ref, "id", None) else None


def _cpus(owner: Any) -> int | None:
    topology = getattr(getattr(owner, "cpu", None), "topology", None)
    if topology is None:
        return None
    return (topology.sockets or 1) * (topology.cores or 1) * (topology.threads or 1)


def realm(cluster: Any) -> Realm:
    return Realm(id=str(cluster.id), name=cluster.name or str(cluster.id))


def hardware_profile(instance_type: Any) -> HardwareProfile:
    properties = []
    cpus = _cpus(instance_type)
    if cpus:
        properties.append(HardwareProperty.fixed("cpu", cpus))
    if instance_type.memory:
        properties.append(HardwareProperty.fixed("memory", int(instance_type.memory) // _MIB))
    return HardwareProfile(id=str(instance_type.id), name=instance_type.name or str(instance_type.id),
                           properties=properties)


def image(template: Any, profile_ids: list[str]) -> Image:
    status = _value(template.status)
    return Image(
        id=str(template.id),
        name=template.name or str(template.id),
        description=template.description or "",
        architecture=_value(getattr(template.cpu, "architecture", None)) if template.cpu else "",
        state="AVAILABLE" if status in ("", "ok") else status.upper(),
        creation_time=_time(template.creation_time),
        hardware_profile_ids=profile_ids,
    )


def instance(vm: Any) -> Instance:
    status = _value(vm.status)
    ips = [ip.address for device in vm.reported_devices or [] for ip in device.ips or [] if ip.address]
    return Instance(
        id=str(vm.id),
        name=vm.name,
        image_id=_ref_id(vm.template),
        realm_id=_ref_id(vm.cluster),
        state=VM_STATES.get(status, "PENDING"),
        hardware_profile_id=_ref_id(vm.instance_type),
        public_addresses=addresses([ip for ip in ips if not is_private_address(ip)]),
        private_addresses=addresses([ip for ip in ips if is_private_address(ip)]),
        launch_time=_time(vm.start_time or vm.creation_time),
        actions=["destroy"] if status in _ONLY_DESTROY else None,
    )
