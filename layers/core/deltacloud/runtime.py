"""The process-wide wiring every front-end shares: settings, state store, credential store.

Built lazily on first use and kept for the life of the process (a Lambda container or the
local server), so nothing is opened twice and nothing is opened by a bare import.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from .config import Settings
from .credentials import CredentialStore, LocalCredentialStore, PassThroughStore, Tenant
from .state import StateStore, open_state_store

if TYPE_CHECKING:
    from .driver import Driver


@dataclass
class Runtime:
    settings: Settings
    state_store: StateStore
    credential_store: CredentialStore

    def driver(self, name: str, provider: str | None, identify: Callable[[], Tenant | None]) -> Driver:
        """A driver bound to one request; UnknownDriver / UnknownProvider for bad names."""
        # imported with the first driver, not with the runtime: the authorizer needs only the stores
        from .driver import DriverContext
        from .registry import load_driver

        driver_class = load_driver(name)
        driver_class.check_provider(provider)
        context = DriverContext(name, provider, self.credential_store, self.state_store, identify)
        return driver_class(context)


def _credential_store(settings: Settings) -> CredentialStore:
    if settings.credentials == "passthrough":
        return PassThroughStore()
    if settings.credentials == "local":
        return LocalCredentialStore(settings.data_dir / "credentials.json")
    if settings.credentials == "secretsmanager":
        from .secrets_store import SecretsManagerStore  # only deployments pay for its import

        return SecretsManagerStore(settings.secret_prefix)
    raise ValueError(f"unknown credential store {settings.credentials!r} (local, passthrough or secretsmanager)")


def _state_store(settings: Settings) -> StateStore:
    if settings.state_store == "sqlite":
        return open_state_store("sqlite", str(settings.data_dir / "state.db"))
    return open_state_store(settings.state_store, settings.state_table or "")


@cache
def get_runtime() -> Runtime:
    settings = Settings.from_env()
    return Runtime(settings, _state_store(settings), _credential_store(settings))
