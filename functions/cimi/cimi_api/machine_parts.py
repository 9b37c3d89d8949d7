"""A Machine's disks (from its hardware profile) and attached volumes: their documents, and how
``$expand`` embeds them in the Machine (spec §4.1)."""

from deltacloud.model import Instance, StorageVolume

from .common import Document, operation
from .configurations import profile_by_id, profile_values
from .context import CimiCall
from .listing import Expander, wants


def disk_documents(call: CimiCall, instance: Instance) -> list[Document]:
    profile = profile_by_id(call, instance.hardware_profile_id)
    capacity = profile_values(profile, instance.hardware_profile_overrides).get("storage") if profile else None
    if capacity is None:
        return []
    name = f"{instance.id}_disk_{capacity}"
    return [{"id": call.url("machines", instance.id, "disks", name), "name": name,
             "description": f"Disk for Machine {instance.id}", "capacity": capacity}]


def attached_volumes(call: CimiCall, instance: Instance) -> list[tuple[str, str | None]]:
    """(volume id, device) of every volume attached to the instance."""
    if call.supports("storage_volumes", "index"):
        volumes: list[StorageVolume] = call.memo("storage_volumes", lambda: call.driver.storage_volumes({}))
        return [(v.id, v.device) for v in volumes if v.instance_id == instance.id]
    return [(v.id, v.device) for v in instance.storage_volumes]


def machine_volume_document(call: CimiCall, machine_id: str, volume_id: str, device: str | None) -> Document:
    url = call.url("machines", machine_id, "volumes", volume_id)
    document: Document = {"id": url, "name": volume_id,
                          "description": f"MachineVolume {volume_id} for Machine {machine_id}"}
    if device:
        document["initialLocation"] = device
    document["volume"] = call.ref("volumes", volume_id)
    if call.supports("storage_volumes", "detach"):
        document["operations"] = [operation("delete", url)]
    return document


def _embedded(url: str, entries_key: str, entries: list[Document], ops: list[dict[str, str]]) -> Document:
    document: Document = {"id": url, "href": url, "count": len(entries)}
    if entries:
        document[entries_key] = entries
    if ops:
        document["operations"] = ops
    return document


def volume_collection_ops(call: CimiCall, machine_id: str) -> list[dict[str, str]]:
    if call.supports("storage_volumes", "attach"):
        return [operation("add", call.url("machines", machine_id, "volumes"))]
    return []


def expander(call: CimiCall, instances: dict[str, Instance]) -> Expander:
    def expand(document: Document, expanded: set[str]) -> Document:
        instance = instances[document["id"].rsplit("/", 1)[-1]]
        document = dict(document)
        if wants(expanded, "disks"):
            document["disks"] = _embedded(document["disks"]["href"], "disks", disk_documents(call, instance), [])
        if wants(expanded, "volumes"):
            entries = [machine_volume_document(call, instance.id, vid, dev)
                       for vid, dev in attached_volumes(call, instance)]
            document["volumes"] = _embedded(document["volumes"]["href"], "machineVolumes", entries,
                                            volume_collection_ops(call, instance.id))
        return document

    return expand
