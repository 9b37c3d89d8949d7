"""libcloud's OpenNebula OCCI driver (API 3.8), corrected; imported only when the driver is used.

libcloud 3.9's class needs these corrections to work at all:

- constructing ``OpenNebula_3_8_NodeDriver`` directly returns None (its ``__new__`` only
  answers for the dispatching base class);
- ``create_node`` puts the XML element itself into ``<NAME>``, so every launch fails to serialise;
- a node's ``public_ips`` are network objects rather than addresses, and reading a node's size
  lists every instance type again (one request per type, per node);
- OCCI's ``STOPPED`` and ``SUSPENDED`` VMs can be resumed, but libcloud calls them terminated
  and pending; and it offers no start or stop although OCCI does (``RESUME``, ``STOPPED``).

Instance types are identified by their name, as OCCI itself does (libcloud numbers them), and
carry their virtual CPU count.
"""

import math
import xml.etree.ElementTree as ET
from typing import Any, cast

from deltacloud.drivers.libcloud_adapter.mapping import is_private_address
from libcloud.compute.base import Node, NodeSize
from libcloud.compute.drivers.opennebula import ACTION, OpenNebula_3_8_NodeDriver, OpenNebulaNetwork
from libcloud.compute.types import NodeState


class OpenNebulaOcciDriver(OpenNebula_3_8_NodeDriver):
    NODE_STATE_MAP = {
        **OpenNebula_3_8_NodeDriver.NODE_STATE_MAP,
        "STOPPED": NodeState.STOPPED,
        "SUSPENDED": NodeState.SUSPENDED,
        "FAILED": NodeState.ERROR,
    }

    def __new__(cls, *args: Any, **kwargs: Any) -> "OpenNebulaOcciDriver":
        return object.__new__(cls)

    # narrower than libcloud's on purpose: the adapter passes only the parameters named here
    def create_node(self, name: str, size: Any, image: Any) -> Node:  # type: ignore[override]
        compute = ET.Element("COMPUTE")
        ET.SubElement(compute, "NAME").text = name
        ET.SubElement(compute, "INSTANCE_TYPE").text = size.name
        disk = ET.SubElement(compute, "DISK")
        ET.SubElement(disk, "STORAGE", {"href": f"/storage/{image.id}"})
        created = self.connection.request("/compute", method="POST", data=ET.tostring(compute)).object
        return self._to_node(created)

    def start_node(self, node: Node) -> bool:
        return bool(self.ex_node_action(node, ACTION.RESUME))

    def stop_node(self, node: Node) -> bool:
        return bool(self.ex_node_action(node, ACTION.STOP))

    def _to_node(self, compute: Any) -> Node:
        node: Node = super()._to_node(compute)
        # libcloud's _to_node put the network objects there, whatever its List[str] annotation says
        networks = cast("list[OpenNebulaNetwork]", node.public_ips)
        addresses = [n.address for n in networks if n.address]
        node.public_ips = [a for a in addresses if not is_private_address(a)]
        node.private_ips = [a for a in addresses if is_private_address(a)]
        node.extra["networks"] = [n.name for n in networks]
        return node

    def _extract_size(self, compute: Any) -> NodeSize | None:
        name = compute.findtext("INSTANCE_TYPE")
        # OCCI names the type only; libcloud annotates these as numbers, yet its own drivers pass None too
        return NodeSize(id=name, name=name, ram=None, disk=None, bandwidth=None, price=None,  # type: ignore[arg-type]
                        driver=self) if name else None

    def _to_sizes(self, collection: Any) -> list[Any]:
        sizes = super()._to_sizes(collection)
        for size in sizes:
            size.id = size.name
            # VCPU counts virtual CPUs; CPU alone is a share of physical ones (0.5 = half a core)
            size.extra["cpus"] = int(size.vcpu) if size.vcpu else math.ceil(size.cpu or 0) or None
        return sizes
