"""What every libcloud-backed driver shares: opening the SDK driver for a caller, once.

Opening a libcloud driver may authenticate (Keystone, Rackspace identity, vSphere sessions), so
an opened driver is kept per worker thread, keyed by driver, provider and a digest of the
caller's credentials: a tenant's next request reuses its token, and tenants never share one.
Per thread, because libcloud connection objects keep per-request state and are not thread-safe.
"""

import threading
from collections.abc import Mapping
from typing import Any, ClassVar

from deltacloud.credentials import ProviderCredentials
from deltacloud.driver import Driver, Filters
from deltacloud.drivers.connection_pool import ConnectionPool, credentials_digest
from deltacloud.errors import AuthenticationFailure

from .errors import provider_errors
from .timeouts import with_stream_timeouts

_CACHE_SIZE = 32  # opened SDK drivers per worker thread
_local = threading.local()


def _opened() -> ConnectionPool[tuple[str, str, str, str], Any]:
    pool = getattr(_local, "drivers", None)
    if pool is None:
        pool = _local.drivers = ConnectionPool(_CACHE_SIZE)
    return pool


def matches(values: Mapping[str, Any], filters: Filters, names: tuple[str, ...]) -> bool:
    """Whether a resource passes the index filters the driver honours (``id``, ``state``, ...)."""
    return all(not filters.get(n) or str(values.get(n)) == filters[n] for n in names)


class LibcloudBase(Driver):
    """Base of the libcloud-backed drivers. Providers implement :meth:`open_sdk`."""

    #: the SDK kinds this provider opens: "compute", "storage"
    sdk_kinds: ClassVar[tuple[str, ...]] = ()

    def open_sdk(self, kind: str, credentials: ProviderCredentials, timeout: float) -> Any:
        """Build the libcloud driver of ``kind`` for this provider and credentials."""
        raise NotImplementedError(kind)

    def sdk(self, kind: str) -> Any:
        credentials = self.context.credentials()

        def open_driver() -> Any:
            with provider_errors():
                return with_stream_timeouts(self.open_sdk(kind, credentials, self.backend_timeout()))

        key = (type(self).__name__, kind, self.context.provider or "", credentials_digest(credentials))
        return _opened().get(key, open_driver)

    def forget_sdk(self) -> None:
        """Drop this caller's opened drivers (after the cloud rejected their credentials); other tenants' stay."""
        mine = (type(self).__name__, self.context.provider or "", credentials_digest(self.context.credentials()))
        _opened().drop(lambda key: (key[0], key[2], key[3]) == mine)

    @staticmethod
    def backend_timeout() -> float:
        from deltacloud.runtime import get_runtime

        return get_runtime().settings.backend_timeout

    def check_credentials(self) -> None:
        """``force_auth``: make the cloud judge the credentials with one cheap call."""
        try:
            self.probe()
        except AuthenticationFailure:
            self.forget_sdk()
            raise

    def probe(self) -> None:
        """One cheap authenticated call; providers pick it."""
        self.sdk(self.sdk_kinds[0])


def required(credentials: ProviderCredentials, *names: str) -> list[str]:
    """The named credential values; AuthenticationFailure names what is missing (never a value)."""
    missing = [n for n in names if not credentials.get(n)]
    if missing:
        raise AuthenticationFailure(f"Credentials lack: {', '.join(missing)}")
    return [credentials.get(n) or "" for n in names]
