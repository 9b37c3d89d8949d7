"""One EC2 call as the action handlers see it, and the choice of the back-end that serves it.

Back-end choice (documented in docs/differences.md):

1. the driver is the ``X-Deltacloud-Driver`` header if the client sends one (an SDK can add it with
   an event hook), else the server's default driver (``API_DRIVER``, default ``mock``);
2. the provider is the ``X-Deltacloud-Provider`` header, else ``API_PROVIDER``, else the region the
   client signed for: always for a driver whose providers are those regions (the AWS driver: the region
   a client configures is the region it gets, and one it does not serve is an error), for another driver
   when it lists that region among its providers; otherwise none, the driver's default.

The tenant's provider credentials for that driver come from the CredentialStore on first use.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, cached_property

from deltacloud.capabilities import Capabilities
from deltacloud.config import Settings
from deltacloud.driver import Driver
from deltacloud.registry import load_driver
from deltacloud.state import ScopedState

from .auth import Caller
from .errors import unsupported
from .protocol import Params
from .tagging import TagStore

DRIVER_HEADER = "x-deltacloud-driver"
PROVIDER_HEADER = "x-deltacloud-provider"


def driver_name(headers: Mapping[str, str], settings: Settings) -> str:
    return (headers.get(DRIVER_HEADER) or settings.default_driver).strip().lower()


def provider_name(headers: Mapping[str, str], settings: Settings, driver: str, region: str) -> str | None:
    explicit = (headers.get(PROVIDER_HEADER) or "").strip().lower() or settings.default_provider
    if explicit:
        return explicit
    if load_driver(driver).providers_are_signing_regions:
        return region  # us-gov-west-1 on a driver that does not serve it is a clear error, not us-east-1
    return region if region in _provider_ids(driver) else None


@cache
def _provider_ids(driver: str) -> frozenset[str]:
    return frozenset(provider.id for provider in load_driver(driver).providers())


@dataclass
class Ec2Call:
    """Everything an action handler needs: parameters, caller, driver and where front-end state lives."""

    action: str
    params: Params
    request_id: str
    caller: Caller
    driver: Driver
    host: str  # the endpoint host the client used (for DescribeRegions)

    @property
    def driver_name(self) -> str:
        return self.driver.context.driver

    @cached_property
    def capabilities(self) -> Capabilities:
        return self.driver.introspect()

    @cached_property
    def state(self) -> ScopedState:
        """Front-end state private to this tenant, driver and provider (tags, tokens, ...)."""
        return self.driver.context.state()

    @cached_property
    def tags(self) -> TagStore:
        return TagStore(self.state)

    def supports(self, collection: str, operation: str) -> bool:
        return self.capabilities.supports(collection, operation)

    def require_feature(self, collection: str, feature: str, what: str) -> None:
        """UnsupportedOperation when a parameter needs a feature the back-end lacks (never silently dropped)."""
        if not self.capabilities.has_feature(collection, feature):
            raise unsupported(what, self.driver_name)
