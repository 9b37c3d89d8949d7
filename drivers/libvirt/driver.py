"""libvirt: a hypervisor URI is the provider (``qemu:///system``, ``test:///default``, ...).

Built on libcloud's libvirt driver, with three corrections where its mapping needs care:
libcloud reports a shut-off domain as TERMINATED although it can be started again, its
``destroy_node`` only powers a domain off (Deltacloud's destroy removes the instance, so the
domain is also undefined), and its node ids are runtime ids (-1 for an inactive domain), so the
domain UUID is the instance id. The hypervisor host is the one realm.
"""

import re
from collections.abc import Callable
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


@cache
def _race_codes() -> frozenset[int]:
    """libvirt's answers to an action the domain's current state does not allow: qemu's "operation invalid";
    the test hypervisor's "internal error" (``Domain 'x' is already running``, ``domain 'x' not running``),
    which is also a genuine failure's code, so only the domain's state, read again, tells the two apart."""
    import libvirt

    return frozenset({libvirt.VIR_ERR_INTERNAL_ERROR, libvirt.VIR_ERR_OPERATION_INVALID})


def _translate(error: Exception) -> DeltacloudError:
    """libvirt's errors, and libcloud's own (e.g. libvirt unreachable at open), as typed errors."""
    import libvirt

    if isinstance(error, libvirt.libvirtError):
        error_class = _error_classes().get(error.get_error_code() or 0, BackendError)
        return error_class(f"libvirt: {error.get_error_message()}")
    return BackendError(f"libvirt: {error}")


def _libvirt_code(error: BaseException) -> int | None:
    """libvirt's error code of ``error`` (None for any other exception)."""
    import libvirt

    return (error.get_error_code() or 0) if isinstance(error, libvirt.libvirtError) else None


#: libcloud's instance actions -> the Deltacloud action, and whether libvirt needs the domain running for it
_ACTIONS = {"start_node": ("start", False), "stop_node": ("stop", True), "reboot_node": ("reboot", True)}


def _unless_done(step: Callable[[], object], done: Callable[[], bool]) -> None:
    """One step of a destroy, unless ``done`` already; a step failing with a race code while ``done`` by
    then lost a race to another request, which did it; otherwise the failure is the step's own."""
    if done():
        return
    try:
        step()
    except Exception as error:
        if _libvirt_code(error) not in _race_codes() or not done():
            raise


def _destroyed_meanwhile(instance_id: str, action: str) -> Conflict:
    return Conflict(f"Instance '{instance_id}' was destroyed by another request while '{action}' ran")


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

    def listed_instances(self) -> list[Instance]:
        """Domain by domain: libcloud's listing reads each domain's details, and failed as a whole (404 or 502)
        when one was destroyed meanwhile; such a domain is simply gone."""
        compute = self.compute()
        with self.sdk_errors():
            uuids = [domain.UUIDString() for domain in compute.connection.listAllDomains()]
        listed = []
        for uuid in uuids:
            try:
                with self.sdk_errors():
                    listed.append(self.to_instance(compute.ex_get_node_by_uuid(uuid)))
            except NotFound:
                continue
        return listed

    def find_node(self, instance_id: str) -> Any | None:
        try:
            with self.sdk_errors():
                return self.compute().ex_get_node_by_uuid(instance_id)
        except NotFound:
            return None

    def _act(self, instance_id: str, method: str) -> Instance:
        """Start, stop or reboot; an action that a concurrent one made moot is a Conflict, not a 502."""
        action, needs_active = _ACTIONS[method]
        node = self._node(instance_id)
        try:
            with self.sdk_errors():
                try:
                    getattr(self.compute(), method)(node)
                except Exception as error:
                    if _libvirt_code(error) in _race_codes():  # a lost race or a failure: the state tells
                        self._raise_if_raced(node.uuid, instance_id, action, needs_active)
                    raise
                return self.instance(instance_id) or self.to_instance(node)
        except NotFound:
            # the domain was there when this request looked it up: another request destroyed it since
            raise _destroyed_meanwhile(instance_id, action) from None

    def _raise_if_raced(self, uuid: str, instance_id: str, action: str, needs_active: bool) -> None:
        """Conflict if the domain is no longer in the state ``action`` needs: another request changed it."""
        with self.sdk_errors():
            domain = self.compute().connection.lookupByUUIDString(uuid)
            if bool(domain.isActive()) == needs_active:
                return  # still actionable: the failure was the hypervisor's own
            state = _domain_states().get(domain.info()[0], ("PENDING", None))[0]
        raise Conflict(f"Instance '{instance_id}' is {state} now: another request changed its state while "
                       f"'{action}' ran")

    def destroy_instance(self, instance_id: str) -> None:
        node = self._node(instance_id)
        try:
            with self.sdk_errors():
                domain = self.compute().connection.lookupByUUIDString(node.uuid)
                # undefined first, then powered off: a start racing this destroy can only run the domain as a
                # transient one, which the power-off removes (undefined last, a domain started meanwhile stayed)
                _unless_done(domain.undefine, lambda: not domain.isPersistent())
                _unless_done(domain.destroy, lambda: not domain.isActive())
        except NotFound:
            pass  # gone: a concurrent destroy did it, or a concurrent stop of the (by then transient) domain
