"""Everything one classic-API request needs, resolved once: format, driver, provider, params."""

import base64
import binascii
import socket
from dataclasses import dataclass
from functools import cached_property

from deltacloud.capabilities import Capabilities
from deltacloud.credentials import Tenant
from deltacloud.driver import Driver
from deltacloud.errors import AuthenticationFailure
from deltacloud.runtime import get_runtime
from starlette.requests import Request

API_VERSION = "1.1.3"
HOSTNAME = socket.gethostname()


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """Decode ``Authorization: Basic``; tolerant of the trailing newline Ruby's encode64 adds."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode("".join(token.split()), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


@dataclass
class Call:
    """One request to the classic API, as the route handlers see it."""

    request: Request
    fmt: str
    driver_name: str
    provider: str | None
    params: dict[str, str]

    @cached_property
    def base(self) -> str:
        """Absolute URL of the API root as the client sees it (``http://host/api``)."""
        root = self.request.scope.get("root_path", "")
        return f"{self.request.url.scheme}://{self.request.headers.get('host', 'localhost')}{root}/api"

    def url(self, *parts: str) -> str:
        return "/".join((self.base, *parts))

    def _identify(self) -> Tenant | None:
        runtime = get_runtime()
        settings = runtime.settings
        if settings.forced_user and settings.forced_password:
            supplied: tuple[str, str] | None = (settings.forced_user, settings.forced_password)
        else:
            supplied = basic_credentials(self.request.headers.get("authorization"))
        if supplied is None:
            return None
        tenant = runtime.credential_store.authenticate(*supplied)
        if tenant is None:
            raise AuthenticationFailure()
        return tenant

    @cached_property
    def driver(self) -> Driver:
        return get_runtime().driver(self.driver_name, self.provider, self._identify)

    @property
    def tenant_id(self) -> str | None:
        """The caller's tenant if this call already established it (never forces authentication)."""
        driver = self.__dict__.get("driver")
        tenant = driver.context.__dict__.get("tenant") if driver is not None else None
        return tenant.id if tenant is not None else None

    @cached_property
    def capabilities(self) -> Capabilities:
        return self.driver.introspect()
