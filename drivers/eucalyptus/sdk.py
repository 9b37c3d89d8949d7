"""libcloud's Eucalyptus driver, adjusted where it needs care; imported only when the driver is used.

- Errors: libcloud's EC2 response raises a bare ``Exception("Code: message")`` for most of
  Eucalyptus's error codes; here each ``<Error><Code>`` becomes the core's typed error (the
  code tables are the AWS driver's own, so both EC2-compatible clouds agree).
- Availability zones: libcloud's Eucalyptus ``list_locations`` raises, and its zone listing
  filters by AWS's region name; here every zone of the cloud is a location, in the cloud's region.
- Instance types: Eucalyptus's own ``DescribeInstanceTypes`` answers in a namespace that names
  the cloud's version (``http://msgs.eucalyptus.com/<version>``); the sizes are read whatever
  that version is.
- States: libcloud's EC2 base class knows no ``stopping`` or ``stopped`` (EBS-backed instances
  of Eucalyptus stop and start again); they are added.
- Time limit: libcloud's Eucalyptus constructor drops ``timeout``; it is passed on here.
"""

from typing import Any

from defusedxml.ElementTree import fromstring
from deltacloud.drivers.ec2.errors import classify_code
from deltacloud.drivers.typed_errors import shortened, unlisted_status
from deltacloud.errors import (
    ActionNotAllowed,
    AuthenticationFailure,
    BackendError,
    BackendThrottled,
    Conflict,
    DeltacloudError,
    Forbidden,
    NotFound,
)
from libcloud.compute.base import NodeSize
from libcloud.compute.drivers.ec2 import (
    NAMESPACE,
    BaseEC2NodeDriver,
    EC2NodeLocation,
    EC2Response,
    EucConnection,
    EucNodeDriver,
    ExEC2AvailabilityZone,
)
from libcloud.compute.types import NodeState
from libcloud.utils.xml import findall, findtext

#: the kinds of EC2 error code (the AWS driver's classification) -> the typed error they mean
_BY_KIND: dict[str, type[DeltacloudError]] = {
    "auth": AuthenticationFailure,
    "forbidden": Forbidden,
    "throttled": BackendThrottled,
    "transient": BackendError,
    "not_found": NotFound,
    "conflict": Conflict,
    "state": ActionNotAllowed,
}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _fields(element: Any) -> dict[str, str]:
    """An element's children as name -> text, whatever their namespace."""
    return {_local(child.tag): (child.text or "").strip() for child in element}


def typed_error(status: int, body: str) -> DeltacloudError:
    """The typed error for an EC2-style error answer (``<Response><Errors><Error>...``)."""
    try:
        error = next((e for e in fromstring(body).iter() if _local(e.tag) == "Error"), None)
    except Exception:  # not XML at all (a proxy's HTML page)
        error = None
    if error is None:  # Eucalyptus answers a bad signature with a bare "Failure: 403 Forbidden"
        if status in (401, 403):
            return AuthenticationFailure()
        return unlisted_status(status)(f"Provider error ({status})")
    fields = _fields(error)
    code, message = fields.get("Code", ""), shortened(fields.get("Message", ""))
    kind = classify_code(code)
    if kind == "auth":
        return AuthenticationFailure()  # Eucalyptus's text may describe the key: say nothing about it
    error_class = _BY_KIND.get(kind) or unlisted_status(status)
    return error_class(f"{code}: {message}" if message else code)


class EucalyptusResponse(EC2Response):
    def parse_error(self) -> Any:
        raise typed_error(int(self.status), self.body or "")


class EucalyptusConnection(EucConnection):
    responseCls = EucalyptusResponse


class EucalyptusNodeDriver(EucNodeDriver):
    connectionCls = EucalyptusConnection
    NODE_STATE_MAP = {
        **EucNodeDriver.NODE_STATE_MAP,
        "shutting-down": NodeState.STOPPING,
        "stopping": NodeState.STOPPING,
        "stopped": NodeState.STOPPED,
    }

    def __init__(self, key: str, secret: str, *, secure: bool, host: str, port: int | None, path: str,
                 timeout: float) -> None:
        BaseEC2NodeDriver.__init__(self, key, secret, secure, host, port, timeout=timeout)
        self.path = path

    def list_locations(self) -> list[Any]:
        result = self.connection.request(self.path, params={"Action": "DescribeAvailabilityZones"}).object
        locations = []
        for element in findall(element=result, xpath="availabilityZoneInfo/item", namespace=NAMESPACE):
            name = findtext(element=element, xpath="zoneName", namespace=NAMESPACE)
            zone = ExEC2AvailabilityZone(name=name, region_name=findtext(element, "regionName", NAMESPACE),
                                         zone_state=findtext(element, "zoneState", NAMESPACE))
            locations.append(EC2NodeLocation(id=name, name=name, country="", driver=self, availability_zone=zone))
            # one endpoint serves one region (``eucalyptus`` unless renamed); libcloud checks a
            # launch's zone against the driver's region, which would otherwise be AWS's us-east-1
            self.region_name = zone.region_name or self.region_name
        return locations

    def _to_sizes(self, response: Any) -> list[Any]:
        details = next((e for e in response.iter() if _local(e.tag) == "instanceTypeDetails"), None)
        return [self._to_size(item) for item in (details if details is not None else [])]

    def _to_size(self, element: Any) -> Any:
        fields = _fields(element)
        # no price known: libcloud annotates it as a number, yet its own drivers pass None too
        return NodeSize(id=fields["name"], name=fields["name"], ram=int(fields["memory"]), disk=int(fields["disk"]),
                        bandwidth=None, price=None, driver=self, extra={"cpu": int(fields["cpu"])})  # type: ignore[arg-type]
