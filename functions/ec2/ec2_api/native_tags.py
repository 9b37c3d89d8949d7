"""The tags a resource has at the back-end itself, with its name as ``Name`` (what consoles and libcloud show).

The StateStore overlay of :mod:`ec2_api.tagging` is applied on top of these.
"""

from deltacloud.model import Instance, StorageSnapshot, StorageVolume


def _with_name(tags: dict[str, str], name: str | None) -> dict[str, str]:
    if name and "Name" not in tags:
        return {**tags, "Name": name}
    return tags


def instance_tags(instance: Instance) -> dict[str, str]:
    return _with_name(dict(instance.tags), instance.name)


def volume_tags(volume: StorageVolume) -> dict[str, str]:
    return _with_name(dict(volume.tags), volume.name)


def snapshot_tags(snapshot: StorageSnapshot) -> dict[str, str]:
    return _with_name({}, snapshot.name)
