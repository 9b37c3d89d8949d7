"""Routes of storage volumes and storage snapshots (spec §7.8-7.9)."""

from deltacloud.model import StorageVolumeCreate
from starlette.responses import Response

from .context import Call
from .operations import operation
from .render_storage import STORAGE_SNAPSHOT, STORAGE_VOLUME
from .rendering import render_many, render_one
from .responses import empty
from .routes_common import filters, found, optional


# -- volumes ------------------------------------------------------------------------------
@operation("storage_volumes", "index")
def volumes_index(call: Call) -> Response:
    return render_many(call, STORAGE_VOLUME, call.driver.storage_volumes(filters(call)))


@operation("storage_volumes", "show")
def volumes_show(call: Call) -> Response:
    return render_one(call, STORAGE_VOLUME, found(call.driver.storage_volume(call.params["id"])))


@operation("storage_volumes", "create")
def volumes_create(call: Call) -> Response:
    request = StorageVolumeCreate(
        snapshot_id=optional(call, "snapshot_id"), capacity=optional(call, "capacity"),
        realm_id=optional(call, "realm_id"), name=optional(call, "name"),
        description=optional(call, "description"),
    )
    volume = call.driver.create_storage_volume(request)
    return render_one(call, STORAGE_VOLUME, volume, 201, {"Location": call.location("storage_volumes", volume.id)})


@operation("storage_volumes", "attach", required=("instance_id", "device"))
def volumes_attach(call: Call) -> Response:
    volume = call.driver.attach_storage_volume(call.params["id"], call.params["instance_id"], call.params["device"])
    return render_one(call, STORAGE_VOLUME, volume, 202)


@operation("storage_volumes", "detach")
def volumes_detach(call: Call) -> Response:
    return render_one(call, STORAGE_VOLUME, call.driver.detach_storage_volume(call.params["id"]), 202)


@operation("storage_volumes", "destroy")
def volumes_destroy(call: Call) -> Response:
    call.driver.destroy_storage_volume(call.params["id"])
    return empty(204)


# -- snapshots ----------------------------------------------------------------------------
@operation("storage_snapshots", "index")
def snapshots_index(call: Call) -> Response:
    return render_many(call, STORAGE_SNAPSHOT, call.driver.storage_snapshots(filters(call)))


@operation("storage_snapshots", "show")
def snapshots_show(call: Call) -> Response:
    return render_one(call, STORAGE_SNAPSHOT, found(call.driver.storage_snapshot(call.params["id"])))


@operation("storage_snapshots", "create", required=("volume_id",))
def snapshots_create(call: Call) -> Response:
    snapshot = call.driver.create_storage_snapshot(call.params["volume_id"], optional(call, "name"),
                                                   optional(call, "description"))
    return render_one(call, STORAGE_SNAPSHOT, snapshot, 201,
                      {"Location": call.location("storage_snapshots", snapshot.id)})


@operation("storage_snapshots", "destroy")
def snapshots_destroy(call: Call) -> Response:
    call.driver.destroy_storage_snapshot(call.params["id"])
    return empty(204)

