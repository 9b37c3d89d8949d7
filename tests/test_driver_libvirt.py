"""The libvirt driver against a real libvirt (the test:///default hypervisor), through the classic API.

test:///default starts with one running domain named ``test``; its state lives in the server
process as long as the driver's connection stays open.
"""

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import LocalServer
from driver_support import driver_for, entry_point, serving, tenant_client

HEADERS = {"X-Deltacloud-Driver": "libvirt", "X-Deltacloud-Provider": "test:///default", "Accept": "application/json"}


@pytest.fixture(scope="module")
def dc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    with serving(tmp_path_factory, "libvirt", {"alice": {"username": "alice"}}) as running:
        yield running


@pytest.fixture
def api(dc: LocalServer) -> Iterator[httpx.Client]:
    with tenant_client(dc, "libvirt", "test:///default") as client:
        yield client


def _domain(api: httpx.Client) -> dict:
    (domain,) = [i for i in api.get("/api/instances").json()["instances"] if i["name"] == "test"]
    return domain


def test_entry_point_and_realm(api: httpx.Client) -> None:
    assert set(entry_point(api)) == {"drivers", "realms", "instances", "instance_states"}
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
    # an id that is no UUID names no domain (it was libvirt's "Invalid UUID" as a 502)
    assert api.get("/api/instances/not-a-uuid").status_code == 404


def _race(dc: LocalServer, url: str, actions: list[str]) -> list[httpx.Response]:
    """The instance actions at once, each from its own thread and client (``destroy`` is the DELETE)."""
    barrier = threading.Barrier(len(actions))

    def act(action: str) -> httpx.Response:
        with tenant_client(dc, "libvirt", "test:///default") as client:
            barrier.wait()
            return client.delete(url) if action == "destroy" else client.post(f"{url}/{action}")

    with ThreadPoolExecutor(len(actions)) as pool:
        return list(pool.map(act, actions))


def _assert_race_answers(answers: list[httpx.Response], allowed: set[int]) -> None:
    """Every answer is one the API gives for the state the request found, never a 5xx; a request that lost
    the race while acting is a 409 that says so (405, 403: it found the winner's result already)."""
    assert {a.status_code for a in answers} <= allowed, [(a.status_code, a.text) for a in answers]
    assert all("another request" in a.json()["message"] for a in answers if a.status_code == 409)


def test_racing_actions_one_wins_the_others_conflict(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Concurrent conflicting actions on one domain: the test hypervisor answers the loser with an internal
    error ("domain 'test' not running", "Domain 'test' is already running"), which was a 502."""
    # a server of its own: test:///default is one hypervisor for the whole server process, and this destroys
    # its only domain
    with serving(tmp_path_factory, "libvirt", {"alice": {"username": "alice"}}) as dc, \
            tenant_client(dc, "libvirt", "test:///default") as api:
        url = f"/api/instances/{_domain(api)['id']}"
        for _ in range(5):
            for action, state in (("stop", "STOPPED"), ("start", "RUNNING")):
                answers = _race(dc, url, [action] * 4)
                _assert_race_answers(answers, {202, 405, 409})
                (won,) = [a for a in answers if a.status_code == 202]
                assert won.json()["instance"]["state"] == state
                assert api.get(url).json()["instance"]["state"] == state

        answers = _race(dc, url, ["stop", "destroy", "stop", "destroy"])
        _assert_race_answers(answers, {202, 204, 403, 405, 409})
        assert 204 in {a.status_code for a in answers}
        assert api.get(url).status_code == 404  # destroyed, whichever request won
        assert all(i["name"] != "test" for i in api.get("/api/instances").json()["instances"])


def test_bad_hypervisor_uri(dc: LocalServer) -> None:
    with tenant_client(dc, "libvirt", "not a uri") as client:
        assert client.get("/api/instances").status_code == 400
    # found by fuzzing: a tenant could make the proxy read its host's files (test:///etc/passwd answered with
    # the first line), or run a local program (the ext transport's ?command=)
    for uri in ("test:///etc/passwd", "qemu+ext:///system?command=/bin/sh", "qemu:///system?socket=/tmp/x",
                "qemu+unix:///system"):
        with tenant_client(dc, "libvirt", uri) as client:
            refused = client.get("/api/instances")
        assert refused.status_code == 400 and "root:" not in refused.text, uri
        assert "is not available for driver 'libvirt'" in refused.json()["message"]
    with tenant_client(dc, "libvirt", "qemu+tcp://127.0.0.1:1/system") as client:
        response = client.get("/api/instances")
    assert response.status_code == 502 and "Traceback" not in response.text


def _connection(tmp_path: Path, password: str) -> Any:
    """The hypervisor connection a request of user ``ops`` with this password gets."""
    from deltacloud.drivers.libvirt.driver import LibvirtDriver

    return driver_for(LibvirtDriver, "test:///default", {"username": "ops", "password": password}, tmp_path).sdk(
        "compute")


def test_a_connection_is_never_handed_to_another_password(tmp_path: Path) -> None:
    """Open hypervisor connections are shared per URI and credentials: the same user name with another
    password must open (and authenticate) its own, not reuse one somebody else logged in with."""
    assert _connection(tmp_path, "right") is _connection(tmp_path, "right")  # one caller's requests share it
    assert _connection(tmp_path, "wrong") is not _connection(tmp_path, "right")


def test_open_connections_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One connection too many drops the least recently used one: a request still using it finishes
    undisturbed, the connection is closed once nobody uses it, and a later request opens a new one."""
    import gc
    import weakref

    from deltacloud.drivers.libvirt import driver as libvirt_driver

    monkeypatch.setattr(libvirt_driver._connections, "size", 2)
    first, second = _connection(tmp_path, "one"), _connection(tmp_path, "two")
    assert _connection(tmp_path, "one") is first  # now the most recently used
    third = _connection(tmp_path, "three")
    assert second.connection.isAlive()  # dropped while "in use" here: still working
    released = weakref.ref(second.connection)
    assert first.connection.isAlive() and third.connection.isAlive()
    assert _connection(tmp_path, "one") is first
    reopened = _connection(tmp_path, "two")
    assert reopened is not second and reopened.connection.isAlive()
    del second
    gc.collect()
    assert released() is None  # freed, and so closed (virConnect.__del__)


def test_listing_while_domains_are_destroyed_leaves_them_out(tmp_path: Path) -> None:
    """libcloud's listing reads each domain's details: one destroyed meanwhile failed the whole listing (404 or
    502), found by listing from several threads during destroys. In process: its test:///default is this one's."""
    import libvirt
    from deltacloud.drivers.libvirt.driver import LibvirtDriver

    driver = driver_for(LibvirtDriver, "test:///default", {"username": "lister"}, tmp_path)
    connection = libvirt.open("test:///default")
    doomed = []
    for number in range(20):
        domain = connection.defineXML(f"<domain type='test'><name>doomed-{number}</name><memory>65536</memory>"
                                      "<vcpu>1</vcpu><os><type>hvm</type></os></domain>")
        domain.create()
        doomed.append(domain.UUIDString())
    done, listed, failed = threading.Event(), [], []

    def keep_listing() -> None:
        while not done.is_set():
            try:
                listed.append({i.id for i in driver.instances({})})
            except Exception as error:  # noqa: BLE001 - every failure is the finding
                failed.append(error)

    listers = [threading.Thread(target=keep_listing) for _ in range(3)]
    for lister in listers:
        lister.start()
    try:
        for instance_id in doomed:
            driver.destroy_instance(instance_id)
    finally:
        done.set()
        for lister in listers:
            lister.join()
    assert failed == [] and listed
    assert not set(doomed) & {i.id for i in driver.instances({})}
