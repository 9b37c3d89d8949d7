"""Who is calling, and which provider credentials they use.

A :class:`CredentialStore` answers two questions: does this caller (a tenant) prove who they
are, and which credentials does that tenant use for a driver and provider. Implementations:

* :class:`PassThroughStore` — the original Deltacloud behaviour: HTTP Basic carries the
  provider credentials themselves;
* :class:`LocalCredentialStore` — a JSON file under the data directory (the embedded default);
* a Secrets Manager store for deployments.

Secrets never appear in ``repr``, logs or error messages.
"""

import hashlib
import hmac
import json
import os
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ProviderCredentials:
    """Credentials for one driver/provider, e.g. ``username``/``password`` or AWS keys."""

    values: Mapping[str, str] = field(repr=False)

    @classmethod
    def basic(cls, username: str, password: str) -> "ProviderCredentials":
        return cls({"username": username, "password": password})

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    @property
    def username(self) -> str | None:
        return self.values.get("username")

    @property
    def password(self) -> str | None:
        return self.values.get("password")

    def __repr__(self) -> str:
        return f"ProviderCredentials(keys={sorted(self.values)})"


@dataclass(frozen=True)
class Tenant:
    """An authenticated caller. ``carried`` holds pass-through credentials, if any."""

    id: str
    carried: ProviderCredentials | None = field(default=None, repr=False)


class CredentialStore(ABC):
    @abstractmethod
    def authenticate(self, principal: str, secret: str) -> Tenant | None:
        """Check HTTP Basic credentials; None when rejected."""

    @abstractmethod
    def signing_secret(self, access_key_id: str) -> tuple[Tenant, str] | None:
        """The tenant and secret behind an access key id (for SigV4), or None when unknown."""

    @abstractmethod
    def provider_credentials(self, tenant: Tenant, driver: str, provider: str | None) -> ProviderCredentials | None:
        """The credentials ``tenant`` uses for ``driver`` at ``provider``; None when it has none."""

    def usage_plan_key(self, tenant: Tenant) -> str | None:
        """The value of the tenant's API Gateway usage-plan key (what its calls are metered and
        throttled by); None when the store keeps none."""
        return None


@lru_cache(maxsize=1024)
def _passthrough_tenant_id(principal: str, secret: str) -> str:
    """The proxy cannot check pass-through credentials itself (only the cloud can), so the tenant is named
    after the pair: whoever guesses a user name but not the secret lands in a different, empty scope and
    never sees that user's proxy-held state (CIMI jobs, tags, ...). The id reaches metering records and
    logs, so it is a slow salted hash (~40 ms, once per pair and process), never one that would let a log
    reader test password guesses cheaply."""
    salt = f"deltacloud-passthrough\0{principal}".encode()
    return "pt-" + hashlib.pbkdf2_hmac("sha256", secret.encode(), salt, 200_000).hex()[:32]


class PassThroughStore(CredentialStore):
    """HTTP Basic carries the provider credentials; the cloud itself decides if they're good."""

    def authenticate(self, principal: str, secret: str) -> Tenant | None:
        return Tenant(_passthrough_tenant_id(principal, secret), ProviderCredentials.basic(principal, secret))

    def signing_secret(self, access_key_id: str) -> tuple[Tenant, str] | None:
        return None  # the server never knows a pass-through secret, so it cannot check signatures

    def provider_credentials(self, tenant: Tenant, driver: str, provider: str | None) -> ProviderCredentials | None:
        return tenant.carried


def lookup_provider_credentials(
    by_driver: Mapping[str, Mapping[str, Mapping[str, str]]], driver: str, provider: str | None
) -> ProviderCredentials | None:
    """Pick ``driver/provider`` credentials, falling back to the driver's ``default`` entry."""
    entries = by_driver.get(driver) or {}
    chosen = entries.get(provider or "default") or entries.get("default")
    return ProviderCredentials(dict(chosen)) if chosen else None


def update_tenant_entry(entry: dict[str, Any], tenant: str, secret: str | None, api_key: str | None) -> None:
    """Set a tenant registry entry's secret and usage-plan key where given (registration, in every store):
    ValueError when the entry is left without a secret."""
    if secret is not None:
        entry["secret"] = secret
    if not entry.get("secret"):
        raise ValueError(f"tenant {tenant!r} needs a secret")
    if api_key is not None:
        entry["api_key"] = api_key


#: the documented demo tenant of a fresh local install: it drives the mock cloud
DEMO_TENANT: dict[str, Any] = {
    "secret": "mockpassword",
    "api_key": "mockuser-demo-usage-plan-key",
    "credentials": {"mock": {"default": {"username": "mockuser", "password": "mockpassword"}}},
}


class LocalCredentialStore(CredentialStore):
    """Tenants in a JSON file: ``{"tenants": {id: {"secret": s, "api_key": k, "credentials": {...}}}}``
    where credentials are ``{driver: {provider or "default": {name: value}}}``.

    The tenant id doubles as its access key id for the EC2 front-end. A new file starts with the
    demo tenant ``mockuser`` / ``mockpassword``.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._cache: tuple[float, dict[str, Any]] | None = None
        if not path.exists():
            self._write({"tenants": {"mockuser": DEMO_TENANT}})

    def _write(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # a temporary file of its own (owner-only, as mkstemp makes it: secrets): with one shared name, two
        # writers at once (the first requests of a fresh server) moved each other's file away
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
        with os.fdopen(fd, "w") as out:
            json.dump(data, out, indent=2)
        Path(tmp).replace(self.path)

    def _tenants(self) -> dict[str, Any]:
        mtime = self.path.stat().st_mtime
        if self._cache is None or self._cache[0] != mtime:  # re-read only when the file changed
            self._cache = (mtime, json.loads(self.path.read_text()))
        return self._cache[1].get("tenants", {})

    def authenticate(self, principal: str, secret: str) -> Tenant | None:
        entry = self._tenants().get(principal)
        if entry is None or not hmac.compare_digest(entry["secret"].encode(), secret.encode()):
            return None
        return Tenant(principal)

    def signing_secret(self, access_key_id: str) -> tuple[Tenant, str] | None:
        entry = self._tenants().get(access_key_id)
        return (Tenant(access_key_id), entry["secret"]) if entry else None

    def provider_credentials(self, tenant: Tenant, driver: str, provider: str | None) -> ProviderCredentials | None:
        entry = self._tenants().get(tenant.id) or {}
        return lookup_provider_credentials(entry.get("credentials", {}), driver, provider)

    def usage_plan_key(self, tenant: Tenant) -> str | None:
        return (self._tenants().get(tenant.id) or {}).get("api_key")

    def register(
        self, tenant: str, secret: str | None, driver: str | None = None, provider: str | None = None,
        credentials: Mapping[str, str] | None = None, api_key: str | None = None,
    ) -> None:
        """Create or update a tenant and, optionally, its credentials for one driver/provider."""
        data = json.loads(self.path.read_text())
        entry = data.setdefault("tenants", {}).setdefault(tenant, {"credentials": {}})
        update_tenant_entry(entry, tenant, secret, api_key)
        if driver is not None and credentials is not None:
            entry.setdefault("credentials", {}).setdefault(driver, {})[provider or "default"] = dict(credentials)
        self._write(data)
