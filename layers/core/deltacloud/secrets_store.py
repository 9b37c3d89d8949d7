"""CredentialStore on AWS Secrets Manager: the deployed store, and the tenant registry.

Secret names, all under one prefix (``DELTACLOUD_SECRET_PREFIX``; the functions may read nothing else):

=========================================  =====================================================
``<prefix>/<tenant>``                      the registry entry: ``{"secret": ..., "api_key": ...}``
                                           (HTTP Basic password and SigV4 secret key; value of the
                                           tenant's API Gateway usage-plan key)
``<prefix>/<tenant>/<driver>``             the tenant's credentials for a driver, any provider
``<prefix>/<tenant>/<driver>/<provider>``  credentials for one provider (preferred when present)
=========================================  =====================================================

The tenant id doubles as the EC2 access key id. Tenant ids are letters, digits and ``_+.@-`` only:
no ``/``, so no tenant id can name another tenant's secret. A driver or provider name outside that
set (e.g. a provider URL) is written as ``=`` + its base32 (``=`` never occurs in a plain name).

Each secret is read at most once per ``max_age`` per process (a Lambda container): N requests within
the TTL make one GetSecretValue. Secrets that do not exist are remembered as well, so an unknown
tenant hammering the authorizer costs one call per TTL. (Powertools' ``get_secret(max_age=...)``
caches neither misses nor tells a missing secret from an unreachable service, hence this small cache.)
Values are never logged or put into errors; log lines name the secret at most.
"""

import base64
import hmac
import json
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from .aws_clients import aws_client, error_code
from .credentials import CredentialStore, ProviderCredentials, Tenant, update_tenant_entry
from .errors import BackendUnavailable

logger = logging.getLogger(__name__)

DEFAULT_MAX_AGE = 300.0  # seconds
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_+.@-]{1,128}")
TENANT_ID = re.compile(r"[A-Za-z0-9_+.@-]{1,64}")
#: errors meaning "this secret is not there" (InvalidRequestException: scheduled for deletion)
_ABSENT = {"ResourceNotFoundException", "InvalidRequestException"}

Secret = dict[str, Any]


def valid_tenant_id(tenant: str) -> bool:
    return TENANT_ID.fullmatch(tenant) is not None


def secret_name(prefix: str, tenant: str, driver: str | None = None, provider: str | None = None) -> str:
    """The name of a tenant's registry entry, or of its credentials for ``driver`` [at ``provider``]."""
    if not valid_tenant_id(tenant):
        raise ValueError("tenant ids are 1-64 letters, digits or _+.@- characters")
    parts = [prefix, tenant]
    if driver is not None:
        parts.append(_component(driver))
        if provider is not None:
            parts.append(_component(provider))
    return "/".join(parts)


def _component(name: str) -> str:
    if _PLAIN_NAME.fullmatch(name):
        return name
    return "=" + base64.b32encode(name.encode()).decode().rstrip("=").lower()


#: names a cache keeps at most (see TtlCache)
MAX_CACHED_NAMES = 1024


class TtlCache:
    """name -> value (None: known to be absent) for ``max_age`` seconds; one load per name at a time.

    At most ``max_names`` are kept, the least recently stored going first: every name a caller makes up
    (a Basic user name, an access key id) is remembered as absent, and a warm container must not grow
    with them for ever."""

    def __init__(self, max_age: float, clock: Callable[[], float] = time.monotonic,
                 max_names: int = MAX_CACHED_NAMES) -> None:
        self.max_age = max_age
        self.max_names = max_names
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, Secret | None]] = OrderedDict()
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, name: str, load: Callable[[str], Secret | None]) -> Secret | None:
        with self._guard:
            lock = self._locks.setdefault(name, threading.Lock())
        with lock:  # concurrent misses of one name make a single call
            entry = self._entries.get(name)
            if entry is not None and entry[0] > self._clock():
                return entry[1]
            try:
                value = load(name)
            except BaseException:
                with self._guard:  # nothing cached for the name: its lock must not stay behind for ever
                    if name not in self._entries:
                        self._locks.pop(name, None)
                raise
            with self._guard:
                self._entries[name] = (self._clock() + self.max_age, value)
                self._entries.move_to_end(name)
                while len(self._entries) > self.max_names:
                    evicted, _ = self._entries.popitem(last=False)
                    self._locks.pop(evicted, None)
            return value

    def forget(self, name: str) -> None:
        with self._guard:
            self._entries.pop(name, None)


class SecretsManagerStore(CredentialStore):
    def __init__(self, prefix: str, max_age: float = DEFAULT_MAX_AGE, client: Any = None,
                 max_names: int = MAX_CACHED_NAMES) -> None:
        self.prefix = prefix.rstrip("/")
        self._client = client
        self._cache = TtlCache(max_age, max_names=max_names)

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = aws_client("secretsmanager")
        return self._client

    # -- CredentialStore --------------------------------------------------------------------
    def authenticate(self, principal: str, secret: str) -> Tenant | None:
        entry = self._entry(principal)
        stored = entry.get("secret") if entry else None
        if not isinstance(stored, str) or not hmac.compare_digest(stored.encode(), secret.encode()):
            return None
        return Tenant(principal)

    def signing_secret(self, access_key_id: str) -> tuple[Tenant, str] | None:
        entry = self._entry(access_key_id)
        stored = entry.get("secret") if entry else None
        return (Tenant(access_key_id), stored) if isinstance(stored, str) else None

    def provider_credentials(self, tenant: Tenant, driver: str, provider: str | None) -> ProviderCredentials | None:
        if not valid_tenant_id(tenant.id):
            return None
        names = [secret_name(self.prefix, tenant.id, driver)]
        if provider:
            names.insert(0, secret_name(self.prefix, tenant.id, driver, provider))
        for name in names:
            values = self._cache.get(name, self._fetch)
            if values is not None:
                return ProviderCredentials({str(k): str(v) for k, v in values.items()})
        return None

    def usage_plan_key(self, tenant: Tenant) -> str | None:
        entry = self._entry(tenant.id)
        key = entry.get("api_key") if entry else None
        return key if isinstance(key, str) and key else None

    # -- registration (the `deltacloud tenant register` command) ----------------------------
    def register(
        self, tenant: str, secret: str | None, driver: str | None = None, provider: str | None = None,
        credentials: Mapping[str, str] | None = None, api_key: str | None = None,
    ) -> list[str]:
        """Create or update a tenant and, optionally, its credentials for one driver/provider.

        Returns the names of the secrets written."""
        name = secret_name(self.prefix, tenant)
        entry = self._fetch(name) or {}
        update_tenant_entry(entry, tenant, secret, api_key)
        written = [self._put(name, entry, tenant, f"Deltacloud tenant {tenant}")]
        if driver is not None and credentials is not None:
            target = secret_name(self.prefix, tenant, driver, provider)
            where = f"{driver} at {provider}" if provider else driver
            description = f"Deltacloud credentials of {tenant} for {where}"
            written.append(self._put(target, dict(credentials), tenant, description))
        return written

    def registered_api_key(self, tenant: str) -> str | None:
        """The api_key currently stored for ``tenant`` (uncached), if any."""
        entry = self._fetch(secret_name(self.prefix, tenant)) or {}
        key = entry.get("api_key")
        return key if isinstance(key, str) and key else None

    # -- Secrets Manager ----------------------------------------------------------------------
    def _entry(self, tenant: str) -> Secret | None:
        if not valid_tenant_id(tenant):
            return None  # never a lookup: such an id could only be an attempt at another secret's name
        return self._cache.get(secret_name(self.prefix, tenant), self._fetch)

    def _fetch(self, name: str) -> Secret | None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response = self.client.get_secret_value(SecretId=name)
        except ClientError as error:
            code = error_code(error)
            if code in _ABSENT:
                return None
            logger.error("Secrets Manager refused to read %s: %s", name, code)
            raise BackendUnavailable("The credential store is unavailable") from None
        except BotoCoreError as error:
            logger.error("Secrets Manager unreachable reading %s: %s", name, type(error).__name__)
            raise BackendUnavailable("The credential store is unavailable") from None
        try:
            value = json.loads(response.get("SecretString") or "")
        except ValueError:
            value = None
        if not isinstance(value, dict):
            logger.error("secret %s is not a JSON object; ignored", name)
            return None
        return value

    def _put(self, name: str, value: Secret, tenant: str, description: str) -> str:
        text = json.dumps(value, separators=(",", ":"))
        from botocore.exceptions import ClientError

        try:
            self.client.put_secret_value(SecretId=name, SecretString=text)
        except ClientError as error:
            if error_code(error) != "ResourceNotFoundException":
                raise
            self.client.create_secret(
                Name=name, SecretString=text, Description=description,
                Tags=[{"Key": "deltacloud:tenant", "Value": tenant}],
            )
        self._cache.forget(name)
        return name
