"""The opennebula driver against recorded answers of an OpenNebula 3.8 OCCI server.

OpenNebula has no emulator here, so a local HTTP server plays its OCCI server from
tests/fixtures/opennebula/: it checks HTTP Basic with the password's SHA-1 as OCCI does, and keeps
each virtual machine's state, so a stopped VM reads back stopped and a deleted one is gone.
Everything goes through the classic API on a real local server; the provider is the OCCI URL.
"""

import base64
import hashlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import httpx
import pytest
from cloudfakes import FakeCloud, Reply, Request
from conftest import LocalServer
from driver_support import ServedDriver, alice_and_mallory, assert_stop_start_reboot, entry_point, tenant_client

PASSWORD = "opennebula-pass"
#: what an OCCI client sends for alice: Basic auth with the hex SHA-1 of her password
AUTHORIZATION = "Basic " + base64.b64encode(f"alice:{hashlib.sha1(PASSWORD.encode()).hexdigest()}".encode()).decode()
#: OCCI STATE requested -> the state the VM is in afterwards, and the states it may be asked from
TRANSITIONS = {"RESUME": ("ACTIVE", {"STOPPED", "SUSPENDED"}), "STOPPED": ("STOPPED", {"ACTIVE"}),
               "REBOOT": ("ACTIVE", {"ACTIVE"})}


class Occi:
    def __init__(self, cloud: FakeCloud) -> None:
        self.cloud = cloud
        self.computes = {vm_id: cloud.fixture(f"compute_{vm_id}.xml") for vm_id in ("42", "43")}
        for method, pattern, responder in (
            ("GET", r"/compute", self.collection), ("GET", r"/compute/(?P<id>\d+)", self.compute),
            ("POST", r"/compute", self.create), ("PUT", r"/compute/(?P<id>\d+)", self.action),
            ("DELETE", r"/compute/(?P<id>\d+)", self.delete),
            ("GET", r"/storage", self.fixture("storage_collection.xml")),
            ("GET", r"/storage/(?P<id>\d+)", lambda r, m: self.fixture(f"storage_{m['id']}.xml")(r, m)),
            ("GET", r"/instance_type", self.fixture("instance_type_collection.xml")),
            ("GET", r"/instance_type/(?P<name>\w+)", lambda r, m: self.fixture(f"instance_type_{m['name']}.xml")(r, m)),
        ):
            cloud.route(method, pattern, self.authorized(responder))

    def authorized(self, responder):  # type: ignore[no-untyped-def]
        def check(request: Request, match: re.Match[str]) -> Reply:
            if request.headers.get("authorization") != AUTHORIZATION:
                return self.text(401, "error_unauthorized.txt")
            return responder(request, match)
        return check

    def fixture(self, name: str, status: int = 200):  # type: ignore[no-untyped-def]
        return lambda request, match: Reply(status, self.cloud.fixture(name), {"Content-Type": "application/xml"})

    def text(self, status: int, name: str) -> Reply:
        return Reply(status, self.cloud.fixture(name), {"Content-Type": "text/plain"})

    def collection(self, request: Request, match: re.Match[str]) -> Reply:
        items = "".join(f'<COMPUTE href="{self.cloud.url}/compute/{i}" name="{ET.fromstring(x).findtext("NAME")}"/>'
                        for i, x in self.computes.items())
        return Reply(200, f"<COMPUTE_COLLECTION>{items}</COMPUTE_COLLECTION>", {"Content-Type": "application/xml"})

    def compute(self, request: Request, match: re.Match[str]) -> Reply:
        found = self.computes.get(match["id"])
        if found is None:
            return self.text(404, "error_not_found.txt")
        return Reply(200, found, {"Content-Type": "application/xml"})

    def create(self, request: Request, match: re.Match[str]) -> Reply:
        wanted = ET.fromstring(request.body)
        image_id = wanted.find("DISK/STORAGE").attrib["href"].rsplit("/", 1)[1]  # type: ignore[union-attr]
        created = (self.cloud.fixture("compute_created.xml").replace("@NAME@", wanted.findtext("NAME") or "")
                   .replace("@TYPE@", wanted.findtext("INSTANCE_TYPE") or "").replace("@IMAGE@", image_id))
        self.computes["44"] = created
        return Reply(201, created, {"Content-Type": "application/xml"})

    def action(self, request: Request, match: re.Match[str]) -> Reply:
        found = self.computes.get(match["id"])
        if found is None:
            return self.text(404, "error_not_found.txt")
        wanted = ET.fromstring(request.body).findtext("STATE") or ""
        current = ET.fromstring(found).findtext("STATE") or ""
        target, allowed = TRANSITIONS[wanted]
        if current not in allowed:
            return self.text(400, "error_wrong_state.txt")
        self.computes[match["id"]] = found.replace(f"<STATE>{current}</STATE>", f"<STATE>{target}</STATE>")
        return Reply(202, self.computes[match["id"]], {"Content-Type": "application/xml"})

    def delete(self, request: Request, match: re.Match[str]) -> Reply:
        return Reply(204) if self.computes.pop(match["id"], None) is not None else self.text(404, "error_not_found.txt")


@pytest.fixture(scope="module")
def cloud() -> Iterator[FakeCloud]:
    with FakeCloud("opennebula") as running:
        Occi(running)
        yield running


SERVED = ServedDriver("opennebula", provider=lambda cloud: cloud.url,
                      tenants=lambda cloud: alice_and_mallory({"username": "alice", "password": PASSWORD}, "guess"))
dc, api = SERVED.fixtures()


def test_entry_point_advertises_what_occi_offers(api: httpx.Client) -> None:
    links = entry_point(api)
    assert set(links) == {"drivers", "hardware_profiles", "images", "instances", "instance_states"}
    assert set(links["instances"]) == {"user_name"}
    assert api.get("/api/storage_volumes").status_code == 412  # data blocks are not offered as volumes
    assert api.get("/api/realms").status_code == 412


def test_wrong_password_is_401_and_a_bad_endpoint_400(dc: LocalServer, cloud: FakeCloud) -> None:
    with SERVED.client(dc, cloud, "mallory") as mallory:
        response = mallory.get("/api/instances")
    assert response.status_code == 401 and "guess" not in response.text
    with tenant_client(dc, "opennebula", "frontend:4567") as bad:
        assert bad.get("/api/instances").status_code == 400


def test_instance_types_and_os_images(api: httpx.Client) -> None:
    profiles = {p["id"]: p["properties"] for p in api.get("/api/hardware_profiles").json()["hardware_profiles"]}
    assert profiles == {"small": {"cpu": "1", "memory": "1024"}, "medium": {"cpu": "2", "memory": "2048"},
                        "large": {"cpu": "4", "memory": "8192"}}
    assert api.get("/api/hardware_profiles/large").json()["hardware_profile"]["properties"]["memory"] == "8192"
    assert api.get("/api/images/8").json()["image"]["name"] == "CentOS 6.3"
    images = {i["id"]: i for i in api.get("/api/images").json()["images"]}
    assert set(images) == {"7", "8"}  # the data block (9) is storage, not an image
    assert images["7"]["name"] == "Ubuntu Server 12.04"
    assert images["7"]["description"] == "Ubuntu 12.04 LTS, contextualized"


def test_vms_are_instances(api: httpx.Client) -> None:
    instances = {i["id"]: i for i in api.get("/api/instances").json()["instances"]}
    web, batch = instances["42"], instances["43"]
    assert (web["name"], web["state"], batch["state"]) == ("web-1", "RUNNING", "STOPPED")
    assert web["public_addresses"] == [{"address": "198.51.100.42", "type": "ipv4"}]
    assert web["private_addresses"] == [{"address": "10.1.0.42", "type": "ipv4"}]
    assert web["hardware_profile"]["id"] == "small" and web["image"]["id"] == "7"
    assert {a["rel"] for a in web["actions"]} == {"reboot", "stop", "destroy"}
    assert {a["rel"] for a in batch["actions"]} == {"start", "destroy"}
    assert api.get("/api/instances/99").status_code == 404


def test_create_sends_name_type_and_image(api: httpx.Client, cloud: FakeCloud) -> None:
    response = api.post("/api/instances", data={"image_id": "7", "hwp_id": "medium", "name": "web-2"})
    assert response.status_code == 201, response.text
    created = response.json()["instance"]
    assert (created["id"], created["name"], created["state"]) == ("44", "web-2", "PENDING")
    sent = ET.fromstring(cloud.seen("POST", r"/compute")[-1].body)
    assert (sent.findtext("NAME"), sent.findtext("INSTANCE_TYPE")) == ("web-2", "medium")
    assert sent.find("DISK/STORAGE").attrib["href"] == "/storage/7"  # type: ignore[union-attr]
    assert api.post("/api/instances", data={"image_id": "7", "hwp_id": "huge"}).status_code == 400
    # OpenNebula's OCCI has no realms: one asked for reached libcloud's create_node as a location it does not
    # take (a 502 from a TypeError); refused before any launch
    launches = len(cloud.seen("POST", r"/compute"))
    placed = api.post("/api/instances", data={"image_id": "7", "realm_id": "0"})
    assert placed.status_code == 400 and "no realms" in placed.json()["message"], placed.text
    assert len(cloud.seen("POST", r"/compute")) == launches


def test_stop_start_reboot_destroy(api: httpx.Client, cloud: FakeCloud) -> None:
    assert_stop_start_reboot(api, "42")
    states = [ET.fromstring(r.body).findtext("STATE") for r in cloud.seen("PUT", r"/compute/42")]
    assert states == ["STOPPED", "RESUME", "REBOOT"]
    assert api.delete("/api/instances/43").status_code == 204
    assert cloud.seen("DELETE", r"/compute/43")
    assert api.get("/api/instances/43").status_code == 404
    assert api.post("/api/instances/99/reboot").status_code == 403


def test_provider_error_is_502_and_a_slow_provider_504(api: httpx.Client, cloud: FakeCloud) -> None:
    cloud.fail(r"/compute", 500, cloud.fixture("error_oned_down.txt"), "text/plain")
    failed = api.get("/api/instances")
    assert failed.status_code == 502 and "oned" in failed.text and "Traceback" not in failed.text
    cloud.clear_faults()
    cloud.slow(r"/instance_type", 4)
    assert api.get("/api/hardware_profiles").status_code == 504
