"""``deltacloud tenant register``: a tenant, its secret, its usage-plan key and provider credentials.

Into the local credential store (``<data dir>/credentials.json``) or into Secrets Manager (the deployed
store, :mod:`deltacloud.secrets_store`). Every tenant gets a usage-plan key value: the one given, else
the one it already has, else a new random one. With ``--usage-plan-id`` (the stack's ``UsagePlanId``
output) the key is also created in API Gateway and added to the usage plan, which is what makes the
tenant's calls metered and throttled; without it, the command says what is left to do.
Neither the secret nor the key value is ever printed.
"""

import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .aws_clients import aws_client, error_code
from .credentials import LocalCredentialStore, Tenant
from .registry import driver_names
from .secrets_store import SecretsManagerStore, valid_tenant_id

STORES = ("local", "secretsmanager")
MIN_API_KEY_LENGTH = 20  # API Gateway's minimum for a key value


@dataclass
class Registration:
    tenant: str
    store: str
    written: list[str] = field(default_factory=list)  # the file or secret names written
    api_key_id: str | None = None  # the API Gateway key added to the usage plan, if asked to

    def describe(self) -> str:
        where = "the local store" if self.store == "local" else "Secrets Manager"
        lines = [f"tenant '{self.tenant}' registered in {where}: {', '.join(self.written)}"]
        if self.api_key_id:
            lines.append(f"usage-plan key: API Gateway key {self.api_key_id} is in the usage plan")
        else:
            lines.append("usage-plan key stored; to meter this tenant's calls, run again with "
                         "--usage-plan-id <the stack's UsagePlanId output>")
        return "\n".join(lines)


def parse_credentials(pairs: Iterable[str], read_value: Callable[[str], str]) -> dict[str, str]:
    """``["username=u", "password=-"]`` -> ``{"username": "u", "password": read_value("password")}``.

    A ``-`` value comes from ``read_value`` (the CLI: the next line of stdin), in the order given, so that
    no secret has to be on the command line, where the shell history and ``ps`` would show it."""
    values = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"--credential takes name=value, got {pair.split('=')[0]!r}...")
        values[name.strip()] = read_value(name.strip()) if value == "-" else value
    return values


def register_tenant(
    store: str, tenant: str, secret: str | None, *, driver: str | None = None, provider: str | None = None,
    credentials: Mapping[str, str] | None = None, api_key: str | None = None, usage_plan_id: str | None = None,
    data_dir: Path, secret_prefix: str,
) -> Registration:
    if store not in STORES:
        raise ValueError(f"unknown store {store!r} ({' or '.join(STORES)})")
    if not valid_tenant_id(tenant):
        raise ValueError("tenant ids are 1-64 letters, digits or _+.@- characters")
    if (driver is None) != (not credentials):
        raise ValueError("--driver and --credential go together")
    if provider is not None and driver is None:
        raise ValueError("--provider needs --driver")
    if driver is not None and driver not in driver_names():  # a typo would store credentials nothing ever reads
        raise ValueError(f"unknown driver {driver!r} (drivers: {', '.join(driver_names())})")
    if api_key is not None and len(api_key) < MIN_API_KEY_LENGTH:
        raise ValueError(f"an API Gateway key value has at least {MIN_API_KEY_LENGTH} characters")

    registration = Registration(tenant, store)
    if store == "local":
        local = LocalCredentialStore(data_dir / "credentials.json")
        key = api_key or local.usage_plan_key(Tenant(tenant)) or secrets.token_urlsafe(32)
        local.register(tenant, secret, driver, provider, credentials, api_key=key)
        registration.written.append(str(local.path))
    else:
        remote = SecretsManagerStore(secret_prefix)
        key = api_key or remote.registered_api_key(tenant) or secrets.token_urlsafe(32)
        registration.written += remote.register(tenant, secret, driver, provider, credentials, api_key=key)
    if usage_plan_id:
        registration.api_key_id = add_to_usage_plan(usage_plan_id, f"{secret_prefix}-{tenant}", key)
    return registration


def add_to_usage_plan(usage_plan_id: str, name: str, value: str, client: Any = None) -> str:
    """Create (or find) the API Gateway key ``name`` with ``value`` and put it in the usage plan; its id."""
    apigateway = client or aws_client("apigateway")
    existing = [
        item for item in apigateway.get_api_keys(nameQuery=name, includeValues=True).get("items", [])
        if item.get("name") == name
    ]
    same = next((item for item in existing if item.get("value") == value), None)
    key_id = same["id"] if same else apigateway.create_api_key(name=name, value=value, enabled=True)["id"]
    from botocore.exceptions import ClientError

    try:
        apigateway.create_usage_plan_key(usagePlanId=usage_plan_id, keyId=key_id, keyType="API_KEY")
    except ClientError as error:
        if error_code(error) != "ConflictException":  # already in the plan
            raise
    return str(key_id)
