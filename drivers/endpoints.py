"""Clouds named by URL: a private cloud's endpoint, given as the provider or in the credentials.

Libcloud-backed drivers (vSphere, Eucalyptus, OpenNebula, the storage clouds) and SDK-backed ones
(RHEV-M) alike read the endpoint the same way, so a client sees the same rules and messages.
"""

import re
from typing import ClassVar
from urllib.parse import urlsplit

from deltacloud.credentials import ProviderCredentials
from deltacloud.driver import DriverContext
from deltacloud.errors import UnknownProvider, ValidationError


def endpoint_parts(url: str) -> tuple[bool, str, int | None, str]:
    """``(secure, host, port, path)`` of an endpoint URL given in credentials or a provider string."""
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

    def endpoint_url(self, credentials: ProviderCredentials) -> str:
        """The cloud's URL: the provider, else the credentials' ``endpoint``."""
        provider = self.context.provider
        url = provider if provider not in (None, "default") else credentials.get("endpoint")
        if not url:
            raise ValidationError(f"The {self.name} driver needs {self.endpoint_is} as its provider")
        return url

    def endpoint(self, credentials: ProviderCredentials) -> tuple[bool, str, int, str]:
        """``(secure, host, port, path)`` of the cloud, the port defaulting to the scheme's."""
        secure, host, port, path = endpoint_parts(self.endpoint_url(credentials))
        return secure, host, port or (443 if secure else 80), path
