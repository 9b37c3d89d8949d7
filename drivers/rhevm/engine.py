"""The oVirt engine through its Python SDK (``ovirtsdk4``); imported only when the rhevm driver is used.

Connections are kept per engine URL and caller (a digest of the credentials), so a tenant's
next request reuses its SSO token; the SDK's connection serialises its own requests, so one is
shared by the worker threads. Every SDK failure leaves this module as the core's typed error.

The SDK bounds its API calls by ``timeout`` but sends the SSO token request without any limit:
:class:`BoundedConnection` makes that one request itself, with the same limit.
"""

import json
import math
import re
import ssl
import urllib.error
import urllib.parse
import urllib.request
from contextlib import AbstractContextManager
from typing import Any

import ovirtsdk4 as sdk
import ovirtsdk4.types as types
from deltacloud.credentials import ProviderCredentials
from deltacloud.drivers.connection_pool import ConnectionPool, credentials_digest
from deltacloud.drivers.typed_errors import BY_STATUS, shortened, translating, unlisted_status
from deltacloud.errors import (
    AuthenticationFailure,
    BackendError,
    BackendTimeout,
    BackendUnavailable,
    DeltacloudError,
    Forbidden,
    NotFound,
)
from deltacloud.names import is_plain_id

_POOL_SIZE = 32  # open engine connections kept per process


def _fault_text(error: sdk.Error) -> str:
    fault = getattr(error, "fault", None)
    return shortened((getattr(fault, "detail", None) or getattr(fault, "reason", None) or str(error)).strip("[] "))


#: libcurl error codes: the request timed out / the engine could not be reached
_CURL_TIMEOUT = {28}
_CURL_UNREACHABLE = {5, 6, 7, 35, 52, 56}


def _transport_error(error: sdk.Error) -> DeltacloudError | None:
    """A libcurl failure the SDK reports as a plain Error ("Failed to read response: [(curl, 28, ...)]")."""
    codes = {int(code) for code in re.findall(r"\(<pycurl\.Curl object at \w+>, (\d+),", str(error))}
    if codes & _CURL_TIMEOUT:
        return BackendTimeout("The oVirt engine did not answer in time")
    if codes & _CURL_UNREACHABLE:
        return BackendUnavailable("The oVirt engine could not be reached")
    return None


def _translate(error: Exception) -> DeltacloudError:
    """The typed error for an SDK failure (never a credential)."""
    if isinstance(error, sdk.AuthError):  # the SDK's name for both 401 and 403 (and a refused SSO login)
        if getattr(error, "code", None) == 403:
            return Forbidden(_fault_text(error))
        return AuthenticationFailure()  # the SSO text names the user: say nothing about it
    if isinstance(error, sdk.TimeoutError):
        return BackendTimeout("The oVirt engine did not answer in time")
    if isinstance(error, sdk.ConnectionError):
        return BackendUnavailable("The oVirt engine could not be reached")
    if isinstance(error, sdk.NotFoundError):
        return NotFound(_fault_text(error))
    if isinstance(error, sdk.Error):
        transport = _transport_error(error)
        if transport is not None:
            return transport
        status = int(error.code) if getattr(error, "code", None) else None
        if status is None or status >= 500:
            return BackendError(f"oVirt engine error{f' ({status})' if status else ''}: {_fault_text(error)}")
        return (BY_STATUS.get(status) or unlisted_status(status))(_fault_text(error))
    return BackendError(f"oVirt engine error: {type(error).__name__}")  # pycurl or the SDK's XML reader underneath


def _path_id(resource_id: str) -> str:
    """``resource_id``, which the SDK pastes into the resource's URL as it is: NotFound for one that would
    reach another resource (``../../hosts/1``), as no engine issues such ids."""
    if not is_plain_id(resource_id):
        raise NotFound(f"No resource '{resource_id}'")
    return resource_id


def engine_errors() -> AbstractContextManager[None]:
    """Run SDK calls; whatever escapes is a typed error (never a credential, never a trace)."""
    return translating(_translate, hide_cause=True)


class BoundedConnection(sdk.Connection):
    """``ovirtsdk4.Connection`` whose SSO token request has a time limit too."""

    def __init__(self, *, timeout: float, **kwargs: Any) -> None:
        super().__init__(timeout=max(1, math.ceil(timeout)), **kwargs)  # libcurl counts whole seconds
        self._sso_timeout = timeout

    def _get_sso_response(self, url: str, params: Any = "") -> Any:
        request = urllib.request.Request(url, data=urllib.parse.urlencode(params).encode(), method="POST",
                                         headers={"Accept": "application/json"})
        # the engine's CA when the caller named one, else the system's trust store; never unverified
        context = ssl.create_default_context(cafile=self._ca_file) if url.startswith("https") else None
        try:
            with urllib.request.urlopen(request, timeout=self._sso_timeout, context=context) as answer:
                body = answer.read()
        except urllib.error.HTTPError as error:  # a refused login is a JSON error document with 400/401
            body = error.read()
        except TimeoutError:  # socket.timeout is TimeoutError since Python 3.10
            raise sdk.TimeoutError("SSO request timed out") from None
        except urllib.error.URLError as error:
            if isinstance(error.reason, TimeoutError):
                raise sdk.TimeoutError("SSO request timed out") from None
            raise sdk.ConnectionError(f"SSO service unreachable: {error.reason}") from None
        try:
            return json.loads(body)
        except ValueError:
            raise sdk.Error("The SSO service did not answer with JSON") from None


#: (engine URL, credentials digest, time limit) -> the open connection
_connections: ConnectionPool[tuple[str, str, float], sdk.Connection] = ConnectionPool(_POOL_SIZE)


def connect(url: str, credentials: ProviderCredentials, timeout: float) -> "Engine":
    """The engine at ``url`` as the caller sees it (a kept connection when there is one)."""

    def open_connection() -> sdk.Connection:
        with engine_errors():
            return BoundedConnection(
                url=url, username=credentials.get("username"), password=credentials.get("password"),
                ca_file=credentials.get("ca_file") or None, timeout=timeout, connections=1)

    return Engine(_connections.get((url, credentials_digest(credentials), timeout), open_connection))


def forget(url: str, credentials: ProviderCredentials) -> None:
    """Drop the caller's connection (after the engine rejected the credentials)."""
    digest = credentials_digest(credentials)
    _connections.drop(lambda key: key[:2] == (url, digest))


class Engine:
    """The engine calls the driver makes; each returns SDK objects or raises a typed error."""

    def __init__(self, connection: sdk.Connection) -> None:
        self._system = connection.system_service()

    def clusters(self) -> list[Any]:
        with engine_errors():
            return list(self._system.clusters_service().list())

    def instance_types(self) -> list[Any]:
        with engine_errors():
            return list(self._system.instance_types_service().list())

    def templates(self) -> list[Any]:
        with engine_errors():
            return list(self._system.templates_service().list())

    def template(self, template_id: str) -> Any | None:
        try:
            with engine_errors():
                return self._system.templates_service().template_service(_path_id(template_id)).get()
        except NotFound:
            return None

    def vms(self) -> list[Any]:
        with engine_errors():
            return list(self._system.vms_service().list(follow="reported_devices"))

    def vm(self, vm_id: str) -> Any | None:
        try:
            with engine_errors():
                return self._system.vms_service().vm_service(_path_id(vm_id)).get(follow="reported_devices")
        except NotFound:
            return None

    def add_vm(self, name: str, cluster_id: str, template_id: str, instance_type_id: str | None,
               custom_script: str | None) -> Any:
        vm = types.Vm(
            name=name, cluster=types.Cluster(id=cluster_id), template=types.Template(id=template_id),
            instance_type=types.InstanceType(id=instance_type_id) if instance_type_id else None,
            initialization=types.Initialization(custom_script=custom_script) if custom_script else None,
        )
        with engine_errors():
            return self._system.vms_service().add(vm)

    def act(self, vm_id: str, action: str) -> None:
        """``start``, ``stop`` (power off) or ``reboot`` a VM."""
        with engine_errors():
            getattr(self._system.vms_service().vm_service(_path_id(vm_id)), action)()

    def remove(self, vm_id: str) -> None:
        with engine_errors():
            self._system.vms_service().vm_service(_path_id(vm_id)).remove()
