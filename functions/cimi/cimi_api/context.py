"""Everything one CIMI request needs, resolved once: format, URLs, driver, capabilities, state, body."""

import copy
from collections.abc import Callable
from functools import cached_property
from typing import Any, TypeVar

from deltacloud.capabilities import Capabilities
from deltacloud.credentials import Tenant
from deltacloud.driver import Driver
from deltacloud.errors import NotSupported
from deltacloud.http_auth import identify_tenant
from deltacloud.names import url_segment
from deltacloud.runtime import get_runtime
from deltacloud.state import ScopedState
from starlette.datastructures import QueryParams
from starlette.requests import Request

from .bodies import parse_body

T = TypeVar("T")


class CimiCall:
    """One request to the CIMI API, as the resource handlers see it (they run in the thread pool)."""

    def __init__(self, request: Request, fmt: str, driver_name: str, provider: str | None, raw_body: bytes) -> None:
        self.request = request
        self.fmt = fmt
        self.driver_name = driver_name
        self.provider = provider
        self.raw_body = raw_body
        self.params: dict[str, str] = dict(request.path_params)
        self.query_params = request.query_params
        self._memo: dict[str, Any] = {}

    # -- URLs -------------------------------------------------------------------------------
    @cached_property
    def base(self) -> str:
        """The CIMI root as the client sees it: ``http://host[/stage]/cimi``."""
        root = self.request.scope.get("root_path", "")
        return f"{self.request.url.scheme}://{self.request.headers.get('host', 'localhost')}{root}/cimi"

    def url(self, *parts: str) -> str:
        """An absolute URL under the CIMI root; ids are percent-encoded (a key name may hold a space)."""
        return "/".join((self.base, *map(url_segment, parts)))

    def ref(self, *parts: str) -> dict[str, str]:
        return {"href": self.url(*parts)}

    # -- driver -----------------------------------------------------------------------------
    def _identify(self) -> Tenant | None:
        return identify_tenant(self.request.headers.get("authorization"))

    @cached_property
    def driver(self) -> Driver:
        return get_runtime().driver(self.driver_name, self.provider, self._identify)

    @cached_property
    def capabilities(self) -> Capabilities:
        return self.driver.introspect()

    def supports(self, collection: str, operation: str) -> bool:
        return self.capabilities.supports(collection, operation)

    def require(self, collection: str, operation: str, capability: str | None = None) -> None:
        """Refuse an operation the driver cannot do, before any backend call."""
        if not self.capabilities.supports(collection, operation):
            raise NotSupported(capability or f"{collection}.{operation}",
                               f"The {self.driver_name} driver cannot {operation} {collection.replace('_', ' ')}")

    @property
    def tenant(self) -> Tenant:
        """The authenticated caller (401 when credentials are missing or wrong)."""
        return self.driver.context.tenant

    @property
    def tenant_id(self) -> str | None:
        """The caller's tenant if this call already established it (never forces authentication)."""
        driver = self.__dict__.get("driver")
        return driver.context.established_tenant_id if driver is not None else None

    @cached_property
    def state(self) -> ScopedState:
        """Where this tenant's CIMI-only data lives for this driver and provider."""
        return self.driver.context.state()

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """Fetch something once per request (hardware profiles for every machine of a listing)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    # -- request ----------------------------------------------------------------------------
    @cached_property
    def body(self) -> dict[str, Any]:
        return parse_body(self.raw_body, self.request.headers.get("content-type"))

    def query(self, name: str) -> str | None:
        return self.query_params.get(name)

    def query_all(self, name: str) -> list[str]:
        return self.query_params.getlist(name)

    def flag(self, name: str) -> bool:
        return name in self.query_params

    def without_query(self) -> "CimiCall":
        """The same call (driver, caches) with no query parameters: a collection embedded in another
        document is shown whole, the request's ``$filter`` or ``$select`` being meant for the outer one."""
        embedded = copy.copy(self)
        embedded.query_params = QueryParams()
        return embedded
