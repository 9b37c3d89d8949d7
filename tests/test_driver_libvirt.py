"""The libvirt driver against a real libvirt (the test:///default hypervisor), through the classic API.

test:///default starts with one running domain named ``test``; its state lives in the server
process as long as the driver's connection stays open.
"""

from collections.abc import Iterator

import httpx
import pytest
from conftest import LocalServer, start_server, stop_server
from deltacloud.credentials import LocalCredentialStore

HEADERS = {"X-Deltacloud-Driver": "libvirt", "X-Deltacloud-Provider": "test:///default", "Accept": "application/json"}


@pytest.fixture(scope="module")
def dc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    data_dir = tmp_path_factory.mktemp("libvirt-data")
    LocalCredentialStore(data_dir / "credentials.json").register(
        "alice", "alice-secret", "libvirt", None, {"username": "alice"})
    running = start_server(data_dir)
    yield running
    stop_server(running)


@pytest.fixture
def api(dc: LocalServer) -> Iterator[httpx.Client]:
    with dc.client(auth=("alice", "alice-secret"), headers=HEADERS) as client:
        yield client


def _domain(api: httpx.Client) -> dict:
    (domain,) = [i for i in api.get("/api/instances").json()["instances"] if i["name"] == "test"]
    return domain


def test_entry_point_and_realm(api: httpx.Client) -> None:
    links = {link["rel"] for link in api.get("/api").json()["api"]["links"]}
    assert links == {"drivers", "realms", "instances", "instance_states"}
    assert api.get("/api/images").status_code == 412  # libcloud's libvirt driver has no images
    (realm,) = api.get("/api/realms").json()["realms"]
    assert _domain(api)["realm"]["id"] == realm["id"]


def test_needs_a_known_tenant(dc: LocalServer) -> None:
    with dc.client(headers=HEADERS) as anonymous:
        assert anonymous.get("/api/instances").status_code == 401


def test_list_reboot_stop_start_destroy(api: httpx.Client) -> None:
    domain = _domain(api)
    assert domain["state"] == "RUNNING"
    assert {a["rel"] for a in domain["actions"]} == {"reboot", "stop", "destroy"}
    url = f"/api/instances/{domain['id']}"
    assert api.get(url).json()["instance"]["name"] == "test"

    rebooted = api.post(f"{url}/reboot")
    assert rebooted.status_code == 202 and rebooted.json()["instance"]["state"] == "RUNNING"
    stopped = api.post(f"{url}/stop")
    assert stopped.status_code == 202 and stopped.json()["instance"]["state"] == "STOPPED"
    assert api.get(url).json()["instance"]["state"] == "STOPPED"  # the hypervisor says so, not a cache
    assert api.post(f"{url}/stop").status_code == 405
    started = api.post(f"{url}/start")
    assert started.status_code == 202 and started.json()["instance"]["state"] == "RUNNING"
    assert api.post(f"{url}/stop").status_code == 202

    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404
    assert all(i["name"] != "test" for i in api.get("/api/instances").json()["instances"])
    assert api.post(f"{url}/start").status_code == 403


def test_bad_hypervisor_uri(dc: LocalServer) -> None:
    with dc.client(auth=("alice", "alice-secret"),
                   headers={**HEADERS, "X-Deltacloud-Provider": "not a uri"}) as client:
        assert client.get("/api/instances").status_code == 400
    with dc.client(auth=("alice", "alice-secret"),
                   headers={**HEADERS, "X-Deltacloud-Provider": "qemu+tcp://127.0.0.1:1/system"}) as client:
        response = client.get("/api/instances")
    assert response.status_code == 502 and "Traceback" not in response.text


def test_a_connection_is_never_handed_to_another_password(tmp_path) -> None:  # noqa: ANN001
    """Open hypervisor connections are shared per URI and credentials: the same user name with another
    password must open (and authenticate) its own, not reuse one somebody else logged in with."""
    from cloudfakes import driver_for
    from deltacloud.drivers.libvirt.driver import LibvirtDriver

    def connection(password: str) -> object:
        return driver_for(LibvirtDriver, "test:///default", {"username": "ops", "password": password}, tmp_path).sdk(
            "compute")

    assert connection("right") is connection("right")  # one caller's requests share it
    assert connection("wrong") is not connection("right")
