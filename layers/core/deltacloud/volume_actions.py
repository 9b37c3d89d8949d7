"""Volume attach, detach and destroy checked against the volume's attachment, for every front-end alike.

Clouds refuse these too, but some with a 400 of their own (Cinder: "Invalid volume: status must be
available"), which reads as the caller's malformed request where it is a state conflict (409), as the
mock and EC2 answer it. Checked first, the answer is the same on every driver.
"""

from .driver import Driver
from .errors import Conflict, NotFound
from .model import StorageVolume


def _volume(driver: Driver, volume_id: str) -> StorageVolume:
    volume = driver.storage_volume(volume_id)
    if volume is None:
        raise NotFound(f"Storage volume '{volume_id}' not found")
    return volume


def attach_volume(driver: Driver, volume_id: str, instance_id: str, device: str) -> StorageVolume:
    volume = _volume(driver, volume_id)
    if volume.instance_id:
        raise Conflict(f"Storage volume '{volume_id}' is already attached to instance '{volume.instance_id}'")
    return driver.attach_storage_volume(volume_id, instance_id, device)


def detach_volume(driver: Driver, volume_id: str) -> StorageVolume:
    if not _volume(driver, volume_id).instance_id:
        raise Conflict(f"Storage volume '{volume_id}' is not attached to any instance")
    return driver.detach_storage_volume(volume_id)


def destroy_volume(driver: Driver, volume_id: str) -> None:
    volume = _volume(driver, volume_id)
    if volume.instance_id:
        raise Conflict(f"Storage volume '{volume_id}' is attached to instance '{volume.instance_id}': detach it first")
    driver.destroy_storage_volume(volume_id)
