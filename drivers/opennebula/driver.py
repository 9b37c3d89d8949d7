"""OpenNebula through its OCCI server (OpenNebula 3.x): instance types as hardware profiles, OS
images, virtual machines with start, stop, reboot and destroy.

The provider is the OCCI endpoint (``http://<frontend>:4567``); credentials: ``username`` and
``password`` (sent as OCCI expects: HTTP Basic with the password's SHA-1). Capabilities are what
:class:`.sdk.OpenNebulaOcciDriver` (libcloud's ``OpenNebula_3_8_NodeDriver``, corrected) implements,
declared by hand where the mapping needs care: libcloud's single location is a placeholder (no
realms), and OCCI's ``/storage`` holds OS images, CD-ROMs and data blocks alike, which libcloud
lists as volumes too — images are the ``OS`` entries, and no storage volumes are offered.
"""

import re
from typing import Any

from deltacloud.credentials import ProviderCredentials
from deltacloud.driver import Filters
from deltacloud.drivers.endpoints import UrlProvider
from deltacloud.drivers.libcloud_adapter import introspection
from deltacloud.drivers.libcloud_adapter.base import required
from deltacloud.drivers.libcloud_adapter.compute import LibcloudCompute

#: Declared as data, so that loading the driver class imports no libcloud; :func:`introspected`
#: derives the same from :class:`.sdk.OpenNebulaOcciDriver` and the test suite checks they agree.
OFFERED: dict[str, frozenset[str]] = {
    "hardware_profiles": introspection.LISTED,
    "images": introspection.LISTED,
    "instances": introspection.INSTANCE_OPERATIONS,
}
FEATURES: dict[str, list[str]] = {"instances": ["user_name"]}


def introspected() -> tuple[dict[str, set[str]], dict[str, list[str]]]:
    """What the corrected libcloud OCCI class implements, with the declarations by hand."""
    from .sdk import OpenNebulaOcciDriver

    return introspection.offered_by(compute=OpenNebulaOcciDriver, leave_out=("realms", "storage_volumes"))


class OpenNebulaDriver(UrlProvider, LibcloudCompute):
    name = "opennebula"
    title = "Opennebula"
    endpoint_is = "the OCCI server's URL"
    endpoint_example = "http://frontend:4567"
    endpoint_pattern = re.compile(r"^https?://[^\s/?#]+/?$")  # the OCCI API sits at the server's root
    capabilities, state_machine = introspection.declared(OFFERED, FEATURES)

    def open_sdk(self, kind: str, credentials: ProviderCredentials, timeout: float) -> Any:
        from .sdk import OpenNebulaOcciDriver

        username, password = required(credentials, "username", "password")
        secure, host, port, _ = self.endpoint(credentials)
        return OpenNebulaOcciDriver(username, password, secure=secure, host=host, port=port, timeout=timeout)

    def list_node_images(self, filters: Filters) -> list[Any]:
        return [i for i in self.compute().list_images() if (i.extra.get("type") or "OS").upper() == "OS"]
