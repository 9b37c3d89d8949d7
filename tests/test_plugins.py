"""Drivers are plugins: a third-party package registers a driver through the entry-point group."""

import textwrap
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import MOCK_AUTH, LocalServer, start_server, stop_server

PLUGIN = '''
from deltacloud.capabilities import Capabilities, supports
from deltacloud.driver import Driver
from deltacloud.model import Realm


class TinyDriver(Driver):
    """A cloud that only knows its realms."""

    name = "tiny"
    title = "Tiny"
    capabilities = Capabilities.of(supports("drivers", "index", "show"), supports("realms", "index", "show"))

    def realms(self, filters):
        self.context.credentials()
        return [Realm(id="lab", name="The Lab")]

    def realm(self, realm_id):
        return next(iter(r for r in self.realms({}) if r.id == realm_id), None)
'''


@pytest.fixture(scope="module")
def plugin_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    site = tmp_path_factory.mktemp("site")
    (site / "tiny_cloud.py").write_text(textwrap.dedent(PLUGIN))
    info = site / "tiny_cloud-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: tiny-cloud\nVersion: 1.0\n")
    (site / "broken_cloud.py").write_text("import cloud_sdk_that_is_not_installed\n")
    (site / "not_a_driver.py").write_text("Thing = object\n")
    (info / "entry_points.txt").write_text("[deltacloud.drivers]\ntiny = tiny_cloud:TinyDriver\n"
                                           "broken = broken_cloud:BrokenDriver\nthing = not_a_driver:Thing\n")
    import os

    pythonpath = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
    running = start_server(tmp_path_factory.mktemp("data"), env={"PYTHONPATH": pythonpath})
    yield running
    stop_server(running)


def test_plugin_driver_is_listed_and_served(plugin_server: LocalServer) -> None:
    listing = httpx.get(f"{plugin_server.url}/api/drivers?format=json").json()
    assert {"mock", "tiny"} <= set(listing)
    entry = httpx.get(f"{plugin_server.url}/api;driver=tiny?format=json").json()["api"]
    assert [link["rel"] for link in entry["links"]] == ["drivers", "realms"]
    realms = httpx.get(f"{plugin_server.url}/api/realms?format=json", headers={"X-Deltacloud-Driver": "tiny"},
                       auth=MOCK_AUTH)
    # the demo tenant has no credentials for this driver: a clear 401, not a crash
    assert realms.status_code == 401 and "tiny" in realms.json()["message"]


@pytest.mark.parametrize("name", ["broken", "thing"])
def test_a_plugin_that_cannot_load_is_a_clear_503_and_hides_no_other_driver(plugin_server: LocalServer,
                                                                             name: str) -> None:
    listing = httpx.get(f"{plugin_server.url}/api/drivers?format=json")
    assert listing.status_code == 200 and {"mock", "tiny"} <= set(listing.json()) and name not in listing.json()
    for path in ("/api/realms", "/cimi/cloudEntryPoint"):
        r = httpx.get(f"{plugin_server.url}{path}", headers={"X-Deltacloud-Driver": name, "Accept": "application/json"},
                      auth=MOCK_AUTH)
        assert r.status_code == 503, (path, r.text)
        assert f"Driver '{name}' is installed but cannot be loaded" in r.json()["message"]
        assert "cloud_sdk_that_is_not_installed" not in r.text and "Traceback" not in r.text


def test_unsupported_collections_and_operations_are_412(plugin_server: LocalServer) -> None:
    headers = {"X-Deltacloud-Driver": "tiny"}
    r = httpx.get(f"{plugin_server.url}/api/instances", headers=headers)
    assert r.status_code == 412 and r.headers["expect"] == "instances"
    r = httpx.post(f"{plugin_server.url}/api/instances?format=json", headers=headers, data={"image_id": "x"})
    assert r.status_code == 412 and r.headers["expect"] == "create_instance"
    assert r.json()["code"] == 412
    r = httpx.get(f"{plugin_server.url}/api/storage_volumes", headers=headers)
    assert r.status_code == 412 and r.headers["expect"] == "storage_volumes"


def test_registry_does_not_import_drivers(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = ("import sys; from deltacloud.registry import driver_names; names = driver_names(); "
            "assert 'mock' in names; "
            "loaded = [m for m in sys.modules if m.startswith('deltacloud.drivers.')]; print(loaded)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
