"""libvirt: a hypervisor URI is the provider (``qemu:///system``, ``test:///default``, ...).

Built on libcloud's libvirt driver, with three corrections where its mapping needs care:
libcloud reports a shut-off domain as TERMINATED although it can be started again, its
``destroy_node`` only powers a domain off (Deltacloud's destroy removes the instance, so the
domain is also undefined), and its node ids are runtime ids (-1 for an inactive domain), so the
domain UUID is the instance id. The hypervisor host is the one realm.
"""

import re
from contextlib import AbstractContextManager
from functools import cache
from typing import Any

from deltacloud.credentials import ProviderCredentials
from deltacloud.driver import Filters
from deltacloud.drivers.connection_pool import ConnectionPool, credentials_digest
from deltacloud.drivers.libcloud_adapter import introspection, mapping
from deltacloud.drivers.libcloud_adapter.compute import LibcloudCompute
from deltacloud.drivers.typed_errors import translating
from deltacloud.errors import (
    AuthenticationFailure,
    BackendError,
    BackendTimeout,
    BackendUnavailable,
    Conflict,
    DeltacloudError,
    NotFound,
    UnknownProvider,
    ValidationError,
)
from deltacloud.model import Instance, Realm

#: a hypervisor URI (driver[+transport]://[host]/path) without query parameters: those pick local files,
#: sockets and commands (``?socket=``, ``?keyfile=``, ``?command=`` of the ext transport)
_URI = re.compile(r"^(?P<hypervisor>[a-z][a-z0-9]*)(?:\+(?P<transport>[a-z0-9]+))?://[^\s?#]*$")
#: transports a tenant may ask for; ``ext`` runs a local program and ``unix`` names a local socket
_TRANSPORTS = {None, "tcp", "tls", "ssh", "libssh", "libssh2"}
#: the test hypervisor: only its built-in in-memory one, ``test:///<file>`` would read a file of the proxy's host
_TEST_URI = "test:///default"


@cache
def _domain_states() -> dict[int, tuple[str, list[str] | None]]:
    """virDomainState -> (Deltacloud state, actions narrowed beyond the state machine or None)."""
    import libvirt

    return {
        libvirt.VIR_DOMAIN_NOSTATE: ("PENDING", None),
        libvirt.VIR_DOMAIN_RUNNING: ("RUNNING", None),
        libvirt.VIR_DOMAIN_BLOCKED: ("RUNNING", None),
        libvirt.VIR_DOMAIN_PAUSED: ("STOPPED", ["destroy"]),  # a paused domain resumes, it does not start
        libvirt.VIR_DOMAIN_SHUTDOWN: ("STOPPING", None),
        libvirt.VIR_DOMAIN_SHUTOFF: ("STOPPED", None),
        libvirt.VIR_DOMAIN_CRASHED: ("ERROR", None),
        libvirt.VIR_DOMAIN_PMSUSPENDED: ("STOPPED", ["destroy"]),
    }


@cache
def _error_classes() -> dict[int, type[DeltacloudError]]:
    """libvirt error code -> the typed error it means for the caller."""
    import libvirt

    return {
        libvirt.VIR_ERR_NO_DOMAIN: NotFound,
        libvirt.VIR_ERR_INVALID_ARG: NotFound,  # a lookup by something that is no UUID: no such domain
        libvirt.VIR_ERR_OPERATION_INVALID: Conflict,
        libvirt.VIR_ERR_AUTH_FAILED: AuthenticationFailure,
        libvirt.VIR_ERR_NO_CONNECT: BackendUnavailable,
        libvirt.VIR_ERR_SYSTEM_ERROR: BackendUnavailable,
        libvirt.VIR_ERR_OPERATION_TIMEOUT: BackendTimeout,
    }


def _translate(error: Exception) -> DeltacloudError:
    """libvirt's errors, and libcloud's own (e.g. libvirt unreachable at open), as typed errors."""
    import libvirt

    if isinstance(error, libvirt.libvirtError):
        error_class = _error_classes().get(error.get_error_code() or 0, BackendError)
        return error_class(f"libvirt: {error.get_error_message()}")
    return BackendError(f"libvirt: {error}")


@cache
def _keep_libvirt_quiet() -> None:
    """libvirt prints every error to stderr besides raising it: the raised error is translated and that is all."""
    import libvirt

    libvirt.registerErrorHandler(lambda _context, _error: None, None)


def libvirt_errors(*, refers: bool = False) -> AbstractContextManager[None]:
    """Run a block of libvirt calls; whatever escapes it is a typed error."""
    return translating(_translate, refers=refers)


# libvirt connections are thread-safe, and a test:///default hypervisor lives exactly as long as
# a connection to it stays open: one shared connection per URI and credentials, for the whole
# process; the least recently used one is dropped when one too many is open. Dropped, not closed:
# libvirt-python closes a connection once its last user lets go of it (virConnect.__del__), so a
# request still using the dropped one finishes undisturbed.
_POOL_SIZE = 32
_connections: ConnectionPool[tuple[str, str], Any] = ConnectionPool(_POOL_SIZE)

#: Declared as data, so that loading the driver class imports neither libcloud nor libvirt;
#: :func:`introspected` derives the same from ``LibvirtNodeDriver`` and the test suite checks
#: that they agree.
OFFERED: dict[str, frozenset[str]] = {
    "realms": introspection.LISTED,
    "instances": introspection.INSTANCE_OPERATIONS - {"create"},
}


def introspected() -> tuple[dict[str, set[str]], dict[str, list[str]]]:
    """What libcloud's libvirt class implements, plus the hypervisor itself as the one realm."""
    from libcloud.compute.drivers.libvirt_driver import LibvirtNodeDriver

    offered, features = introspection.offered_by(compute=LibvirtNodeDriver)
    offered["realms"] = set(introspection.LISTED)
    return offered, features


class LibvirtDriver(LibcloudCompute):
    name = "libvirt"
    title = "Libvirt"
    capabilities, state_machine = introspection.declared(OFFERED)
    sdk_errors = staticmethod(libvirt_errors)

    @classmethod
    def check_provider(cls, provider: str | None) -> None:
        if provider is None:
            return
        uri = _URI.match(provider)
        allowed = uri is not None and uri["transport"] in _TRANSPORTS
        if not allowed or (uri is not None and uri["hypervisor"] == "test" and provider != _TEST_URI):
            raise UnknownProvider(cls.name, provider, [
                f"a hypervisor URI such as qemu:///system, qemu+ssh://host/system or {_TEST_URI}, without query "
                "parameters (the ext and unix transports and test hypervisors other than the default are refused)"])

    def sdk(self, kind: str) -> Any:
        uri = self.context.provider
        if uri is None:
            raise ValidationError("The libvirt driver needs a hypervisor URI as its provider (X-Deltacloud-Provider)")
        credentials = self.context.credentials()  # the tenant must be known before touching a hypervisor
        # keyed by all the credentials: a caller with the same user name but another password must log in
        # itself, never get the connection someone else opened
        return _connections.get((uri, credentials_digest(credentials)),
                                lambda: self.open_sdk(kind, credentials, self.backend_timeout()))

    def open_sdk(self, kind: str, credentials: ProviderCredentials, timeout: float) -> Any:
        from libcloud.compute.drivers.libvirt_driver import LibvirtNodeDriver

        _keep_libvirt_quiet()

        uri = self.context.provider or ""
        remote_auth = "+tcp" in uri
        with self.sdk_errors():
            return LibvirtNodeDriver(uri, key=credentials.username if remote_auth else None,
                                     secret=credentials.password if remote_auth else None)

    def _host(self) -> str:
        with self.sdk_errors():
            return str(self.compute().ex_get_hypervisor_hostname())

    # -- realms: the hypervisor -----------------------------------------------------------
    def realms(self, filters: Filters) -> list[Realm]:
        host = self._host()
        return [Realm(id=host, name=host)] if filters.get("id") in (None, "", host) else []

    # -- instances: domains, by UUID ------------------------------------------------------
    def to_instance(self, node: Any) -> Instance:
        with self.sdk_errors():
            raw_state = self.compute().connection.lookupByUUIDString(node.uuid).info()[0]
        state, actions = _domain_states().get(raw_state, ("PENDING", None))
        instance = mapping.instance(node, realm_id=self._host())
        return instance.model_copy(update={"id": node.uuid, "state": state, "actions": actions})

    def find_node(self, instance_id: str) -> Any | None:
        try:
            with self.sdk_errors():
                return self.compute().ex_get_node_by_uuid(instance_id)
        except NotFound:
            return None

    def destroy_instance(self, instance_id: str) -> None:
        node = self._node(instance_id)
        with self.sdk_errors():
            domain = self.compute().connection.lookupByUUIDString(node.uuid)
            if domain.isActive():
                domain.destroy()
            domain.undefine()
