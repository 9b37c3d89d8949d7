"""Eucalyptus (EC2-compatible private clouds): zones as realms, instance types, EMIs, instances,
key pairs, EBS volumes and snapshots — through libcloud's Eucalyptus driver.

The provider is the cloud's compute endpoint, ``http://<host>:8773/services/compute`` (the path
defaults to ``/services/compute``); credentials: ``username`` = access key, ``password`` =
secret key, optionally ``endpoint`` when no provider is named.

Why not the boto3-based ``ec2`` driver: its hardware profiles come from AWS's
DescribeInstanceTypes (Eucalyptus answers that action with its own, differently shaped
message, which botocore cannot read), it takes endpoints from the process environment rather
than per provider, and it knows AWS's regions only. libcloud's Eucalyptus driver already reads
Eucalyptus's instance types; its EC2 error codes are typed with the AWS driver's own tables.

Capabilities are what that class implements (see :mod:`.sdk` for where it is adjusted),
declared by hand: ``firewalls`` at launch (security group names) and the
``owner_id`` image filter, both of which libcloud takes but its signature does not announce.
"""

from typing import Any

from deltacloud.credentials import ProviderCredentials
from deltacloud.drivers.endpoints import UrlProvider
from deltacloud.drivers.libcloud_adapter import introspection
from deltacloud.drivers.libcloud_adapter.base import required
from deltacloud.drivers.libcloud_adapter.compute import LibcloudCompute
from deltacloud.drivers.libcloud_adapter.errors import provider_errors
from deltacloud.model import Instance, InstanceCreate

DEFAULT_PATH = "/services/compute"

#: Declared as data, so that loading the driver class imports no libcloud; :func:`introspected`
#: derives the same from :class:`.sdk.EucalyptusNodeDriver` and the test suite checks they agree.
OFFERED: dict[str, frozenset[str]] = dict(introspection.FULL_COMPUTE)
FEATURES: dict[str, list[str]] = {
    "instances": ["authentication_key", "firewalls", "user_data", "user_name"],
    "images": ["image_name", "owner_id"],
    "keys": ["import_key"],
    "storage_volumes": ["volume_name"],
}


def introspected() -> tuple[dict[str, set[str]], dict[str, list[str]]]:
    """What the (adjusted) libcloud Eucalyptus class implements, with the declarations by hand."""
    from .sdk import EucalyptusNodeDriver

    offered, features = introspection.offered_by(compute=EucalyptusNodeDriver)
    features["instances"] = sorted({*features["instances"], "firewalls"})  # ex_security_groups
    features["images"] = sorted({*features.get("images", []), "owner_id"})  # filtered on the listing
    return offered, features


class EucalyptusDriver(UrlProvider, LibcloudCompute):
    name = "eucalyptus"
    title = "Eucalyptus"
    endpoint_is = "the cloud's compute URL"
    endpoint_example = f"http://host:8773{DEFAULT_PATH}"
    capabilities, state_machine = introspection.declared(OFFERED, FEATURES)
    launch_refers = True  # Eucalyptus answers an unknown image, key or group with its EC2 "not found" codes

    def open_sdk(self, kind: str, credentials: ProviderCredentials, timeout: float) -> Any:
        from .sdk import EucalyptusNodeDriver

        access_key, secret_key = required(credentials, "username", "password")
        secure, host, port, path = self.endpoint(credentials)
        return EucalyptusNodeDriver(access_key, secret_key, secure=secure, host=host, port=port,
                                    path=path.rstrip("/") or DEFAULT_PATH, timeout=timeout)

    def _nodes(self) -> list[Any]:
        # a terminated instance stays listed for a while, but for the API's clients it is gone
        return [n for n in super()._nodes() if str(getattr(n.state, "value", n.state)) != "terminated"]

    def to_instance(self, node: Any) -> Instance:
        return super().to_instance(node).model_copy(update={"realm_id": node.extra.get("availability"),
                                                            "hardware_profile_id": node.extra.get("instance_type")})

    def create_node_arguments(self, request: InstanceCreate) -> dict[str, Any]:
        arguments = super().create_node_arguments(request)
        if request.firewall_ids:
            arguments["ex_security_groups"] = list(request.firewall_ids)
        return arguments

    def list_volume_snapshots(self) -> list[Any]:
        with provider_errors():
            return list(self.compute().list_snapshots(owner="self"))
