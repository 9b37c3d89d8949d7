"""A small libcloud compute driver of our own over the vSphere Automation REST API (``/api``).

Why not libcloud's vSphere drivers: ``VSphereNodeDriver`` speaks SOAP through pyvmomi (which
installs here, but whose property-collector conversations make a poor HTTP-level test subject),
and ``VSphere_REST_NodeDriver`` uses the deprecated ``/rest`` endpoints, needs pyvmomi anyway
for templates and cloning, and takes a VM's addresses from the vCenter appliance's own network
interfaces. vCenter 7.0 U2 and later answer every call made here:

- ``POST /api/session`` (HTTP Basic) opens a session; its id goes in ``vmware-api-session-id``;
  an expired session (401) is opened again once;
- datacenters: ``GET /api/vcenter/datacenter``; VMs: ``GET /api/vcenter/vm?datacenters=...``
  (and ``&vms=<id>`` for one), a powered-on VM's address from ``.../guest/identity``;
- templates are content-library items of type ``vm-template``: ``POST
  /api/content/library/item?action=find``, ``GET /api/content/library/item/<id>``; a VM is
  deployed from one with ``POST /api/vcenter/vm-template/library-items/<id>?action=deploy``
  into the datacenter's VM folder and resource pool;
- power: ``POST /api/vcenter/vm/<id>/power?action=start|stop|reset``; removal: ``DELETE``
  (after powering off).

vSphere's errors (``{"error_type": ..., "messages": [...]}``) become the core's typed errors.
Imported only when the driver is used.
"""

import base64
import json
from typing import Any

from deltacloud.drivers.libcloud_adapter.mapping import is_private_address
from deltacloud.drivers.typed_errors import provider_error
from deltacloud.errors import (
    ActionNotAllowed,
    AuthenticationFailure,
    BackendThrottled,
    BackendTimeout,
    BackendUnavailable,
    Conflict,
    DeltacloudError,
    Forbidden,
    NotFound,
    ValidationError,
)
from libcloud.common.base import ConnectionUserAndKey, JsonResponse
from libcloud.compute.base import Node, NodeDriver, NodeImage, NodeLocation
from libcloud.compute.types import NodeState

#: vSphere ``error_type`` -> the typed error it means for the caller
_ERRORS: dict[str, type[DeltacloudError]] = {
    "UNAUTHENTICATED": AuthenticationFailure,
    "UNAUTHORIZED": Forbidden,
    "NOT_FOUND": NotFound,
    "ALREADY_EXISTS": Conflict,
    "ALREADY_IN_DESIRED_STATE": ActionNotAllowed,
    "NOT_ALLOWED_IN_CURRENT_STATE": ActionNotAllowed,
    "RESOURCE_IN_USE": ActionNotAllowed,
    "RESOURCE_BUSY": ActionNotAllowed,
    "INVALID_ARGUMENT": ValidationError,
    "INVALID_REQUEST": ValidationError,
    "UNABLE_TO_ALLOCATE_RESOURCE": BackendThrottled,
    "SERVICE_UNAVAILABLE": BackendUnavailable,
    "TIMED_OUT": BackendTimeout,
}

POWER_STATES = {"POWERED_ON": NodeState.RUNNING, "POWERED_OFF": NodeState.STOPPED,
                "SUSPENDED": NodeState.SUSPENDED}


class VSphereApiResponse(JsonResponse):
    def success(self) -> bool:
        return int(self.status) in (200, 201, 202, 204)

    def parse_error(self) -> Any:
        try:
            body = json.loads(self.body or "{}")
        except ValueError:
            body = {}
        error_type = str(body.get("error_type") or "") if isinstance(body, dict) else ""
        messages = [str(m.get("default_message")) for m in body.get("messages") or [] if isinstance(m, dict)] \
            if isinstance(body, dict) else []
        text = " ".join(messages) or error_type or f"HTTP {self.status}"
        if error_type == "UNAUTHENTICATED" or int(self.status) == 401:
            raise AuthenticationFailure()
        raise provider_error(_ERRORS.get(error_type), int(self.status), text)


class VSphereApiConnection(ConnectionUserAndKey):
    responseCls = VSphereApiResponse
    session_id: str | None = None

    def add_default_headers(self, headers: dict[str, str]) -> dict[str, str]:
        headers["Accept"] = "application/json"
        if self.session_id is not None:
            headers["vmware-api-session-id"] = self.session_id
        return headers

    def login(self) -> None:
        self.session_id = None
        basic = base64.b64encode(f"{self.user_id}:{self.key}".encode()).decode()
        answer = self.request("/api/session", method="POST", headers={"Authorization": f"Basic {basic}"})
        self.session_id = str(answer.object)

    def call(self, path: str, method: str = "GET", params: dict[str, Any] | None = None, body: Any = None) -> Any:
        """One API call in the session (opened on first use, reopened once when vCenter expired it)."""
        had_session = self.session_id is not None
        if not had_session:
            self.login()
        data = json.dumps(body) if body is not None else None
        headers = {"Content-Type": "application/json"} if body is not None else {}
        try:
            return self.request(path, method=method, params=params, data=data, headers=headers).object
        except AuthenticationFailure:
            if not had_session:
                raise
            self.login()
            return self.request(path, method=method, params=params, data=data, headers=headers).object


class VSphereRestNodeDriver(NodeDriver):
    name = "VMware vSphere (Automation REST API)"
    website = "https://developer.vmware.com/apis/vsphere-automation/latest/"
    connectionCls = VSphereApiConnection
    connection: VSphereApiConnection

    def __init__(self, key: str, secret: str, *, secure: bool, host: str, port: int, timeout: float) -> None:
        super().__init__(key, secret, secure=secure, host=host, port=port, timeout=timeout)

    # -- datacenters ----------------------------------------------------------------------
    def list_locations(self) -> list[NodeLocation]:
        return [NodeLocation(id=dc["datacenter"], name=dc["name"], country="", driver=self)
                for dc in self.connection.call("/api/vcenter/datacenter")]

    # -- templates ------------------------------------------------------------------------
    def list_images(self, location: Any = None) -> list[NodeImage]:
        found = self.connection.call("/api/content/library/item", "POST", {"action": "find"}, {"type": "vm-template"})
        return [image for image in (self.get_image(item_id) for item_id in found) if image is not None]

    # None for an item that is no VM template: the adapter's show route answers 404
    def get_image(self, image_id: str) -> NodeImage | None:  # type: ignore[override]
        item = self.connection.call(f"/api/content/library/item/{image_id}")
        if item.get("type") != "vm-template":
            return None
        return NodeImage(id=item["id"], name=item["name"], driver=self,
                         extra={"description": item.get("description") or "", "created": item.get("creation_time"),
                                "library_id": item.get("library_id")})

    # -- VMs ------------------------------------------------------------------------------
    def _to_node(self, summary: dict[str, Any], datacenter: str) -> Node:
        state = POWER_STATES.get(summary.get("power_state", ""), NodeState.UNKNOWN)
        ips = []
        if state == NodeState.RUNNING:
            try:
                identity = self.connection.call(f"/api/vcenter/vm/{summary['vm']}/guest/identity")
                ips = [identity["ip_address"]] if identity.get("ip_address") else []
            except BackendUnavailable:  # VMware Tools not running in the guest: no address known
                ips = []
        return Node(id=summary["vm"], name=summary["name"], state=state,
                    public_ips=[ip for ip in ips if not is_private_address(ip)],
                    private_ips=[ip for ip in ips if is_private_address(ip)], driver=self,
                    extra={"datacenter": datacenter, "cpu_count": summary.get("cpu_count"),
                           "memory_size_MiB": summary.get("memory_size_MiB")})

    def list_nodes(self, ex_vm_ids: list[str] | None = None) -> list[Node]:
        nodes = []
        for datacenter in self.list_locations():
            params: dict[str, Any] = {"datacenters": datacenter.id}
            if ex_vm_ids:
                params["vms"] = ",".join(ex_vm_ids)
            nodes += [self._to_node(vm, datacenter.id) for vm in self.connection.call("/api/vcenter/vm", params=params)]
        return nodes

    # the adapter passes only the parameters named here (no size: the template carries the hardware)
    def create_node(self, name: str, image: NodeImage, location: NodeLocation | None = None) -> Node:  # type: ignore[override]
        datacenter = location.id if location is not None else self.list_locations()[0].id
        folders = self.connection.call("/api/vcenter/folder", params={"type": "VIRTUAL_MACHINE",
                                                                        "datacenters": datacenter})
        pools = self.connection.call("/api/vcenter/resource-pool", params={"datacenters": datacenter})
        if not folders or not pools:
            raise ValidationError(f"Datacenter '{datacenter}' has no VM folder or resource pool to deploy into")
        spec = {"name": name, "powered_on": True,
                "placement": {"folder": folders[0]["folder"], "resource_pool": pools[0]["resource_pool"]}}
        vm_id = self.connection.call(f"/api/vcenter/vm-template/library-items/{image.id}", "POST",
                                     {"action": "deploy"}, spec)
        return Node(id=str(vm_id), name=name, state=NodeState.PENDING, public_ips=[], private_ips=[], driver=self,
                    image=image, extra={"datacenter": datacenter})

    def _power(self, node: Node, action: str) -> bool:
        self.connection.call(f"/api/vcenter/vm/{node.id}/power", "POST", {"action": action})
        return True

    def start_node(self, node: Node) -> bool:
        return self._power(node, "start")

    def stop_node(self, node: Node) -> bool:
        return self._power(node, "stop")

    def reboot_node(self, node: Node) -> bool:
        return self._power(node, "reset")

    def destroy_node(self, node: Node) -> bool:
        if node.state == NodeState.RUNNING:  # vSphere removes powered-off VMs only
            self._power(node, "stop")
        self.connection.call(f"/api/vcenter/vm/{node.id}", "DELETE")
        return True
