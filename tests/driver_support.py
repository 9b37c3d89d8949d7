"""What the driver tests share: a local server whose tenants have credentials for the driver under
test, those tenants' clients, and a driver built in process as a request would get it.

Tenants are users of the local credential store with the password ``<user>-secret``; most tests
have ``alice``, with the right provider credentials, and ``mallory``, with a wrong password.

A module that plays its provider with a :class:`~cloudfakes.FakeCloud` (its ``cloud`` fixture)
declares the driver it serves and takes its ``dc`` and ``api`` fixtures from that declaration::

    SERVED = ServedDriver("vsphere", tenants=lambda cloud: {...}, provider=lambda cloud: cloud.url)
    dc, api = SERVED.fixtures()
"""

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from cloudfakes import FakeCloud
from conftest import LocalServer, start_server, stop_server
from deltacloud.credentials import LocalCredentialStore

#: a played provider is made slow on purpose: the proxy gives up on it (504) quickly
SHORT_BACKEND_TIMEOUT = {"DELTACLOUD_BACKEND_TIMEOUT": "1.5"}


def alice_and_mallory(credentials: Mapping[str, str], wrong_password: str) -> dict[str, dict[str, str]]:
    """Tenants: alice with the right provider credentials, mallory with the same but a wrong password."""
    return {"alice": dict(credentials), "mallory": {**credentials, "password": wrong_password}}


@contextmanager
def serving(tmp_path_factory: pytest.TempPathFactory, driver: str, tenants: Mapping[str, Mapping[str, str]],
            env: dict[str, str] | None = None) -> Iterator[LocalServer]:
    """A local server whose credential store gives each tenant these provider credentials for ``driver``."""
    data_dir = tmp_path_factory.mktemp(f"{driver}-data")
    store = LocalCredentialStore(data_dir / "credentials.json")
    for user, credentials in tenants.items():
        store.register(user, f"{user}-secret", driver, None, dict(credentials))
    running = start_server(data_dir, env)
    try:
        yield running
    finally:
        stop_server(running)


def tenant_client(dc: LocalServer, driver: str, provider: str | None, user: str = "alice") -> httpx.Client:
    """A JSON client of one of :func:`serving`'s tenants, for ``driver`` and ``provider`` (None: the default)."""
    headers = {"X-Deltacloud-Driver": driver, "Accept": "application/json"}
    if provider is not None:
        headers["X-Deltacloud-Provider"] = provider
    return dc.client(auth=(user, f"{user}-secret"), headers=headers)


@dataclass(frozen=True)
class ServedDriver:
    """The driver a test module serves: its tenants and the provider its clients name, both of which
    may depend on the fake cloud (its URL)."""

    name: str
    tenants: Callable[[FakeCloud], Mapping[str, Mapping[str, str]]]
    provider: Callable[[FakeCloud], str | None]

    def client(self, dc: LocalServer, cloud: FakeCloud, user: str = "alice") -> httpx.Client:
        return tenant_client(dc, self.name, self.provider(cloud), user)

    def fixtures(self) -> tuple[Any, Any]:
        """The module's ``dc`` fixture (the local server, for the module; a slow provider is a quick 504)
        and ``api`` fixture (alice's client, for one test; the faults it injected are cleared after it)."""

        @pytest.fixture(scope="module")
        def dc(tmp_path_factory: pytest.TempPathFactory, cloud: FakeCloud) -> Iterator[LocalServer]:
            with serving(tmp_path_factory, self.name, self.tenants(cloud), SHORT_BACKEND_TIMEOUT) as running:
                yield running

        @pytest.fixture
        def api(dc: LocalServer, cloud: FakeCloud) -> Iterator[httpx.Client]:
            with self.client(dc, cloud) as opened:
                yield opened
            cloud.clear_faults()

        return dc, api


def entry_point(api: httpx.Client) -> dict[str, dict[str, dict[str, Any]]]:
    """The collections the entry point links to (by ``rel``), each with the features it announces (by name)."""
    links = api.get("/api").json()["api"]["links"]
    return {link["rel"]: {f[0]["name"]: f[0] for f in link.get("features") or [] if f} for link in links}


def assert_stop_start_reboot(api: httpx.Client, instance_id: str) -> None:
    """Stop a running instance (a second stop is refused), start it again and reboot it."""
    url = f"/api/instances/{instance_id}"
    stopped = api.post(f"{url}/stop")
    assert stopped.status_code == 202 and stopped.json()["instance"]["state"] == "STOPPED"
    assert api.post(f"{url}/stop").status_code == 405  # the state machine refuses
    started = api.post(f"{url}/start")
    assert started.status_code == 202 and started.json()["instance"]["state"] == "RUNNING"
    assert api.post(f"{url}/reboot").status_code == 202


def driver_for(driver_class: type, provider: str | None, credentials: dict[str, str], data_dir: Path) -> Any:
    """A driver bound to one request in process, as the runtime builds it (pass-through credentials)."""
    from deltacloud.credentials import PassThroughStore, ProviderCredentials, Tenant
    from deltacloud.driver import DriverContext
    from deltacloud.state import open_state_store

    tenant = Tenant("alice", ProviderCredentials(dict(credentials)))
    state = open_state_store("sqlite", str(data_dir / "state.db"))
    return driver_class(DriverContext(driver_class.name, provider, PassThroughStore(), state, lambda: tenant))
