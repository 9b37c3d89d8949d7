"""What the OpenStack-based clouds (OpenStack, Rackspace) share over libcloud's OpenStack drivers.

Their Nova servers are looked up directly by id, a launch may set the root password, objects
are kept in Swift, and the cloud's region is the one realm (libcloud's ``list_locations`` only
returns a placeholder).

libcloud 3.9's ``OpenStack_1_1_NodeDriver.create_node`` accepts ``ex_admin_pass`` but never
passes it on to the request it builds, so a requested root password would be dropped silently:
:func:`sending_admin_pass` makes a subclass that carries it into the server parameters
(``adminPass``), which Nova and Rackspace honour. Importing this module imports no libcloud.
"""

from functools import cache, wraps
from typing import TYPE_CHECKING, Any

from deltacloud.driver import Filters
from deltacloud.errors import ValidationError
from deltacloud.model import Instance, InstanceCreate, Realm, StorageVolume
from deltacloud.names import is_plain_id

from .compute import LibcloudCompute
from .swift import SwiftStorage

if TYPE_CHECKING:
    from libcloud.compute.base import NodeDriver


@cache
def sending_admin_pass(driver_class: "type[NodeDriver]") -> "type[NodeDriver]":
    """``driver_class`` with ``create_node(..., ex_admin_pass=...)`` really sending the password."""

    class WithAdminPass(driver_class):  # type: ignore[valid-type, misc]
        _admin_pass: str | None = None

        @wraps(driver_class.create_node)  # keeps the signature the adapter reads launch parameters from
        def create_node(self, *args: Any, ex_admin_pass: str | None = None, **kwargs: Any) -> Any:
            self._admin_pass = ex_admin_pass  # opened drivers are per thread: no other request sees it
            try:
                return super().create_node(*args, **kwargs)
            finally:
                self._admin_pass = None

        def _create_args_to_params(self, node: Any, **kwargs: Any) -> dict[str, Any]:
            params: dict[str, Any] = super()._create_args_to_params(node, **kwargs)
            if self._admin_pass:
                params["adminPass"] = self._admin_pass
            return params

    WithAdminPass.__name__ = WithAdminPass.__qualname__ = driver_class.__name__
    return WithAdminPass


class NovaCompute(LibcloudCompute, SwiftStorage):
    """Nova servers and Swift objects of one region. Providers open the SDK drivers (the compute one
    through :func:`sending_admin_pass`) and name the region's realm."""

    sdk_kinds = ("compute", "storage")

    def region_realm(self) -> Realm:
        """The region this driver works in, as the one realm."""
        raise NotImplementedError

    def probe(self) -> None:
        with self.sdk_errors():
            self.compute().list_sizes()

    def realms(self, filters: Filters) -> list[Realm]:
        realm = self.region_realm()
        return [realm] if filters.get("id") in (None, "", realm.id) else []

    def to_instance(self, node: Any) -> Instance:
        return super().to_instance(node).model_copy(update={"realm_id": self.region_realm().id})

    def to_storage_volume(self, volume: Any) -> StorageVolume:
        # Cinder's own availability zone ("nova") is no realm this API lists
        return super().to_storage_volume(volume).model_copy(update={"realm_id": self.region_realm().id})

    def location_arguments(self, realm_id: str | None) -> dict[str, Any]:
        """The region is the one realm, and the driver works in it: nothing to pass on to libcloud."""
        if realm_id and not self.realms({"id": realm_id}):
            raise ValidationError(f"Realm '{realm_id}' does not exist")
        return {}

    def find_node(self, instance_id: str) -> Any | None:
        if not is_plain_id(instance_id):  # libcloud pastes it into the server's URL as it is
            return None
        with self.sdk_errors():
            return self.compute().ex_get_node_details(instance_id)

    def create_node_arguments(self, request: InstanceCreate) -> dict[str, Any]:
        arguments = super().create_node_arguments(request)
        if request.password:
            arguments["ex_admin_pass"] = request.password
        return arguments
