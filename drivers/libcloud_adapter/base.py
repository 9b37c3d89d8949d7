"""What every libcloud-backed driver shares: opening the SDK driver for a caller, once.

Opening a libcloud driver may authenticate (Keystone, Rackspace identity, vSphere sessions), so
an opened driver is kept per worker thread, keyed by driver, provider and a digest of the
caller's credentials: a tenant's next request reuses its token, and tenants never share one.
Per thread, because libcloud connection objects keep per-request state and are not thread-safe.
"""

import hashlib
import re
import threading
from collections.abc import Mapping
from typing import Any, ClassVar

from deltacloud.credentials import ProviderCredentials
from deltacloud.driver import Driver, DriverContext, Filters
from deltacloud.drivers.connection_pool import ConnectionPool
from deltacloud.errors import AuthenticationFailure, UnknownProvider, ValidationError

from .errors import provider_errors

_CACHE_SIZE = 32  # opened SDK drivers per worker thread
_local = threading.local()


def _opened() -> ConnectionPool[tuple[str, str, str, str], Any]:
    pool = getattr(_local, "drivers", None)
    if pool is None:
        pool = _local.drivers = ConnectionPool(_CACHE_SIZE)
    return pool


def credentials_digest(credentials: ProviderCredentials) -> str:
    material = "\0".join(f"{k}={v}" for k, v in sorted(credentials.values.items()))
    return hashlib.sha256(material.encode()).hexdigest()


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
                return self.open_sdk(kind, credentials, self.backend_timeout())

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


def endpoint_parts(url: str) -> tuple[bool, str, int | None, str]:
    """``(secure, host, port, path)`` of an endpoint URL given in credentials or a provider string."""
    from urllib.parse import urlsplit

    parts = urlsplit(url if "://" in url else f"https://{url}")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(f"Not an http(s) endpoint: {url!r}")
    return parts.scheme == "https", parts.hostname, parts.port, parts.path


#: an http(s) URL naming a cloud: scheme and host[:port], then any path
URL_WITH_PATH = re.compile(r"^https?://[^\s/?#]+(/[^\s?#]*)?$")


class UrlProvider:
    """For drivers whose provider is the cloud's endpoint URL (one private cloud per URL); without a
    provider, the tenant's credentials may carry it as ``endpoint``."""

    name: ClassVar[str]
    context: DriverContext
    #: what the URL is, for messages: "the vCenter URL"; and one example of it
    endpoint_is: ClassVar[str]
    endpoint_example: ClassVar[str]
    endpoint_pattern: ClassVar[re.Pattern[str]] = URL_WITH_PATH

    @classmethod
    def check_provider(cls, provider: str | None) -> None:
        if provider not in (None, "default") and not cls.endpoint_pattern.match(provider):
            raise UnknownProvider(cls.name, provider, [f"{cls.endpoint_is}, e.g. {cls.endpoint_example}"])

    def endpoint(self, credentials: ProviderCredentials) -> tuple[bool, str, int, str]:
        """``(secure, host, port, path)`` of the cloud, the port defaulting to the scheme's."""
        provider = self.context.provider
        url = provider if provider not in (None, "default") else credentials.get("endpoint")
        if not url:
            raise ValidationError(f"The {self.name} driver needs {self.endpoint_is} as its provider")
        secure, host, port, path = endpoint_parts(url)
        return secure, host, port or (443 if secure else 80), path

