"""How a caller's provider string and credentials become libcloud OpenStack drivers (Keystone v3).

The provider is the Keystone URL, optionally with ``region``, ``project`` and ``domain`` as query
parameters: ``https://keystone.example.com:5000/v3?region=RegionOne&project=demo``. Credentials
carry ``username`` and ``password`` and may carry ``project``, ``domain``, ``region`` and
``auth_url`` themselves (they win: the classic API lower-cases provider strings, credentials keep
their case). Regions are matched case-insensitively against the service catalogue.
"""

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from deltacloud.credentials import ProviderCredentials
from deltacloud.drivers.endpoints import endpoint_parts
from deltacloud.drivers.libcloud_adapter.base import required
from deltacloud.errors import NotFound, ValidationError


@dataclass(frozen=True)
class Target:
    auth_url: str  # scheme://host:port of Keystone, without the /v3 suffix
    region: str | None
    project: str | None
    domain: str


def target(provider: str | None, credentials: ProviderCredentials) -> Target:
    url = credentials.get("auth_url") or provider
    if not url:
        raise ValidationError("The openstack driver needs the Keystone URL as its provider")
    query = {name: values[0] for name, values in parse_qs(urlsplit(provider or "").query).items()}
    secure, host, port, path = endpoint_parts(url.split("?", 1)[0])
    base = f"{'https' if secure else 'http'}://{host}{f':{port}' if port else ''}"
    prefix = path.rstrip("/").removesuffix("/v3").removesuffix("/v2.0")
    return Target(
        auth_url=base + prefix,
        region=credentials.get("region") or query.get("region"),
        project=credentials.get("project") or query.get("project"),
        domain=credentials.get("domain") or query.get("domain", "Default"),
    )


def keystone_arguments(found: Target, credentials: ProviderCredentials, timeout: float) -> dict[str, Any]:
    username, password = required(credentials, "username", "password")
    arguments: dict[str, Any] = {
        "key": username, "secret": password, "ex_force_auth_url": found.auth_url,
        "ex_force_auth_version": "3.x_password", "ex_domain_name": found.domain, "timeout": timeout,
    }
    if found.project:
        arguments["ex_tenant_name"] = found.project
        arguments["ex_tenant_domain_id"] = credentials.get("project_domain_id") or "default"
    return arguments


#: (Keystone URL, region as asked) -> the catalogue's spelling; catalogues rarely change
_regions: dict[tuple[str, str], str] = {}


def catalogue_region(found: Target, unscoped_driver: Any) -> str | None:
    """The catalogue's spelling of the wanted region (None: let libcloud pick the only one).

    ``unscoped_driver`` is a libcloud driver opened without a region, used to authenticate once.
    """
    if found.region is None:
        return None
    key = (found.auth_url, found.region.lower())
    if key not in _regions:
        from libcloud.common.openstack_identity import OpenStackServiceCatalog

        identity = unscoped_driver.connection.get_auth_class()
        identity.authenticate()
        regions = [r for r in OpenStackServiceCatalog(identity.urls, auth_version="3.x").get_regions() if r]
        match = next((r for r in regions if r.lower() == found.region.lower()), None)
        if match is None:
            raise NotFound(f"Region '{found.region}' is not in this cloud's catalogue (regions: {', '.join(regions)})")
        _regions[key] = match
    return _regions[key]
