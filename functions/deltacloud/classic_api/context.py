"""Everything one classic-API request needs, resolved once: format, driver, provider, params."""

from dataclasses import dataclass
from functools import cached_property

from deltacloud.capabilities import Capabilities
from deltacloud.credentials import Tenant
from deltacloud.driver import Driver
from deltacloud.http_auth import identify_tenant
from deltacloud.names import url_segment
from deltacloud.runtime import get_runtime
from starlette.requests import Request

API_VERSION = "1.1.3"


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

    def location(self, collection: str, member_id: str) -> str:
        """The ``Location`` of a new member: its id percent-encoded, because a header carries Latin-1 only
        (a new key named in Cyrillic must not turn its 201 into a 500) and a ``?`` or ``#`` in an id
        would point elsewhere. Document ``href``s keep the plain id (spec §7)."""
        return self.url(collection, url_segment(member_id))

    def _identify(self) -> Tenant | None:
        return identify_tenant(self.request.headers.get("authorization"))

    @cached_property
    def driver(self) -> Driver:
        return get_runtime().driver(self.driver_name, self.provider, self._identify)

    @property
    def tenant_id(self) -> str | None:
        """The caller's tenant if this call already established it (never forces authentication)."""
        driver = self.__dict__.get("driver")
        return driver.context.established_tenant_id if driver is not None else None

    @cached_property
    def capabilities(self) -> Capabilities:
        return self.driver.introspect()
