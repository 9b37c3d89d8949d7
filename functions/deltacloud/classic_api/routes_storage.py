"""Routes of storage volumes and storage snapshots (spec §7.8-7.9)."""

from deltacloud.model import StorageVolumeCreate
from deltacloud.model.storage import MAX_VOLUME_GB
from deltacloud.volume_actions import attach_volume, destroy_volume, detach_volume
from starlette.responses import Response

from .context import Call
from .operations import operation
from .render_storage import STORAGE_SNAPSHOT, STORAGE_VOLUME
from .rendering import render_created, render_one
from .routes_common import destroy_endpoint, index_endpoint, optional, show_endpoint, whole_number

# -- volumes ------------------------------------------------------------------------------
volumes_index = index_endpoint(STORAGE_VOLUME)
volumes_show = show_endpoint(STORAGE_VOLUME)
volumes_destroy = destroy_endpoint("storage_volumes", destroy_with=destroy_volume)


@operation("storage_volumes", "create")
def volumes_create(call: Call) -> Response:
    request = StorageVolumeCreate(
        snapshot_id=optional(call, "snapshot_id"),
        capacity=whole_number(call.params, "capacity", MAX_VOLUME_GB, "a whole number of GB"),
        realm_id=optional(call, "realm_id"), name=optional(call, "name"),
        description=optional(call, "description"),
    )
    return render_created(call, STORAGE_VOLUME, call.driver.create_storage_volume(request))


@operation("storage_volumes", "attach", required=("instance_id", "device"))
def volumes_attach(call: Call) -> Response:
    volume = attach_volume(call.driver, call.params["id"], call.params["instance_id"], call.params["device"])
    return render_one(call, STORAGE_VOLUME, volume, 202)


@operation("storage_volumes", "detach")
def volumes_detach(call: Call) -> Response:
    return render_one(call, STORAGE_VOLUME, detach_volume(call.driver, call.params["id"]), 202)



# -- snapshots ----------------------------------------------------------------------------
snapshots_index = index_endpoint(STORAGE_SNAPSHOT)
snapshots_show = show_endpoint(STORAGE_SNAPSHOT)
snapshots_destroy = destroy_endpoint("storage_snapshots")


@operation("storage_snapshots", "create", required=("volume_id",))
def snapshots_create(call: Call) -> Response:
    snapshot = call.driver.create_storage_snapshot(call.params["volume_id"], optional(call, "name"),
                                                   optional(call, "description"))
    return render_created(call, STORAGE_SNAPSHOT, snapshot)
