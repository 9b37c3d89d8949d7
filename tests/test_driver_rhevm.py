"""The rhevm driver (ovirt-engine-sdk-python) against recorded oVirt 4.5 engine answers.

The oVirt engine has no emulator here, so a local HTTP server plays it from tests/fixtures/rhevm/:
its SSO service (a password grant answered with a bearer token, or refused), and the API v4 in
XML, checking the token on every call and keeping each VM's status so that actions read back.
Requests travel from the real SDK (pycurl) to it. Everything goes through the classic API on a
real local server; the provider is the engine's API URL.
"""

import base64
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from urllib.parse import parse_qs

import httpx
import pytest
from cimi_helpers import follow_job
from cloudfakes import FakeCloud, Reply, Request
from conftest import LocalServer
from driver_support import ServedDriver, alice_and_mallory, driver_for, entry_point

API = "/ovirt-engine/api"
USER, PASSWORD = "admin@internal", "ovirt-Engine-pass"
WEB, DB = "3c9e1a7b-5d2f-4e8a-b6c0-1f2e3d4c5b6a", "8a7b6c5d-4e3f-4a2b-9c1d-0e9f8a7b6c5d"
CREATED = "1d2c3b4a-5f6e-4d7c-8b9a-0f1e2d3c4b5a"
DEFAULT, PRODUCTION = "b3a1f5e2-7c4d-11ec-9a5b-00163e6a7a01", "d4e5f6a7-1b2c-4d3e-9f80-a1b2c3d4e5f6"
RHEL, BLANK = "6f3a9b1e-2c4d-4e5f-8a7b-9c0d1e2f3a4b", "00000000-0000-0000-0000-000000000000"
MEDIUM = "00000007-0007-0007-0007-00000000010a"
XML = {"Content-Type": "application/xml;charset=UTF-8"}
#: action -> (the status it leaves the VM in, the statuses it is allowed from)
ACTIONS = {"start": ("up", {"down"}), "stop": ("down", {"up", "powering_up"}), "reboot": ("up", {"up"})}


class Engine:
    def __init__(self, cloud: FakeCloud) -> None:
        self.cloud = cloud
        self.token = cloud.fixture_json("sso_token.json")["access_token"]
        self.vms = {vm.get("id"): ET.tostring(vm, encoding="unicode")
                    for vm in ET.fromstring(cloud.fixture("vms.xml"))}
        cloud.route("POST", r"/ovirt-engine/sso/oauth/token", self.sso)
        for method, pattern, responder in (
            ("GET", rf"{API}/clusters", self.recorded("clusters.xml")),
            ("GET", rf"{API}/instancetypes", self.recorded("instancetypes.xml")),
            ("GET", rf"{API}/templates", self.recorded("templates.xml")),
            ("GET", rf"{API}/templates/(?P<id>[^/]+)", self.template),
            ("GET", rf"{API}/vms", lambda r, m: Reply(200, f"<vms>{''.join(self.vms.values())}</vms>", XML)),
            ("GET", rf"{API}/vms/(?P<id>[^/]+)", self.vm),
            ("POST", rf"{API}/vms", self.add),
            ("POST", rf"{API}/vms/(?P<id>[^/]+)/(?P<action>start|stop|reboot)", self.act),
            ("DELETE", rf"{API}/vms/(?P<id>[^/]+)", self.remove),
        ):
            cloud.route(method, pattern, self.bearer(responder))

    def recorded(self, name: str, status: int = 200):  # type: ignore[no-untyped-def]
        return lambda request, match: Reply(status, self.cloud.fixture(name), XML)

    def fault(self, name: str, status: int, entity: str = "") -> Reply:
        return Reply(status, self.cloud.fixture(name).replace("@ID@", entity), XML)

    def sso(self, request: Request, match: re.Match[str]) -> Reply:
        form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
        if (form.get("grant_type"), form.get("scope")) != ("password", "ovirt-app-api") or \
                (form.get("username"), form.get("password")) != (USER, PASSWORD):
            return Reply(400, self.cloud.fixture("sso_denied.json"), {"Content-Type": "application/json"})
        return Reply(200, self.cloud.fixture("sso_token.json"), {"Content-Type": "application/json"})

    def bearer(self, responder):  # type: ignore[no-untyped-def]
        def check(request: Request, match: re.Match[str]) -> Reply:
            if request.headers.get("authorization") != f"Bearer {self.token}" or request.headers.get("version") != "4":
                return Reply(401, "<html><body>Unauthorized</body></html>", {"Content-Type": "text/html"})
            return responder(request, match)
        return check

    def template(self, request: Request, match: re.Match[str]) -> Reply:
        templates = ET.fromstring(self.cloud.fixture("templates.xml"))
        found = next((t for t in templates if t.get("id") == match["id"]), None)
        if found is None:
            return self.fault("fault_not_found.xml", 404, match["id"])
        return Reply(200, ET.tostring(found, encoding="unicode"), XML)

    def vm(self, request: Request, match: re.Match[str]) -> Reply:
        found = self.vms.get(match["id"])
        return Reply(200, found, XML) if found else self.fault("fault_not_found.xml", 404, match["id"])

    def add(self, request: Request, match: re.Match[str]) -> Reply:
        wanted = ET.fromstring(request.body)
        script = wanted.findtext("initialization/custom_script") or ""
        created = (self.cloud.fixture("vm_created.xml").replace("@NAME@", wanted.findtext("name") or "")
                   .replace("@CLUSTER@", wanted.find("cluster").get("id") or "")  # type: ignore[union-attr]
                   .replace("@TEMPLATE@", wanted.find("template").get("id") or "")  # type: ignore[union-attr]
                   .replace("@SCRIPT@", script))
        self.vms[CREATED] = created.split("?>", 1)[1].replace("<status>image_locked</status>", "<status>down</status>")
        return Reply(201, created, XML)

    def act(self, request: Request, match: re.Match[str]) -> Reply:
        found = self.vms.get(match["id"])
        if found is None:
            return self.fault("fault_not_found.xml", 404, match["id"])
        status = re.search(r"<status>(\w+)</status>", found)[1]  # type: ignore[index]
        target, allowed = ACTIONS[match["action"]]
        if status not in allowed:
            return Reply(409, "<fault><detail>[Cannot run VM. VM is running.]</detail><reason>Operation Failed</reason>"
                              "</fault>", XML)
        self.vms[match["id"]] = found.replace(f"<status>{status}</status>", f"<status>{target}</status>")
        return self.recorded("action_complete.xml")(request, match)

    def remove(self, request: Request, match: re.Match[str]) -> Reply:
        found = self.vms.get(match["id"])
        if found is None:
            return self.fault("fault_not_found.xml", 404, match["id"])
        if "<status>up</status>" in found:
            return self.fault("fault_vm_running.xml", 409)
        del self.vms[match["id"]]
        return Reply(200, "", XML)


@pytest.fixture(scope="module")
def cloud() -> Iterator[FakeCloud]:
    with FakeCloud("rhevm") as running:
        Engine(running)
        yield running


SERVED = ServedDriver("rhevm", provider=lambda cloud: f"{cloud.url}{API}",
                      tenants=lambda cloud: {**alice_and_mallory({"username": USER, "password": PASSWORD}, "guess"),
                                             "bob": {"username": "bob@internal", "password": "bob-pass"}})
dc, api = SERVED.fixtures()


def test_entry_point_advertises_the_engine_collections(api: httpx.Client) -> None:
    links = entry_point(api)
    assert set(links) == {"drivers", "realms", "hardware_profiles", "images", "instances", "instance_states"}
    assert set(links["instances"]) == {"user_name", "user_data"}
    assert links["instances"]["user_name"]["constraints"] == {"max_length": 50}
    assert api.get("/api/keys").status_code == 412


def test_sso_refusal_is_401_without_the_password(dc: LocalServer, cloud: FakeCloud) -> None:
    with SERVED.client(dc, cloud, "mallory") as mallory:
        response = mallory.get("/api/realms")
    assert response.status_code == 401
    assert "guess" not in response.text and USER not in response.text
    sent = parse_qs(cloud.seen("POST", r"/ovirt-engine/sso/oauth/token")[-1].body.decode())
    assert sent["username"] == [USER] and sent["grant_type"] == ["password"]


def test_one_sso_login_serves_later_requests(api: httpx.Client, cloud: FakeCloud) -> None:
    assert api.get("/api/realms").status_code == 200
    logins = len(cloud.seen("POST", r"/ovirt-engine/sso/oauth/token"))
    assert api.get("/api/hardware_profiles").status_code == 200
    assert len(cloud.seen("POST", r"/ovirt-engine/sso/oauth/token")) == logins


def test_clusters_instance_types_and_templates(api: httpx.Client) -> None:
    realms = {r["id"]: r["name"] for r in api.get("/api/realms").json()["realms"]}
    assert realms == {DEFAULT: "Default", PRODUCTION: "Production"}
    assert api.get(f"/api/realms/{PRODUCTION}").status_code == 200
    assert api.get(f"/api/hardware_profiles/{MEDIUM}").json()["hardware_profile"]["name"] == "Medium"
    profiles = {p["name"]: p["properties"] for p in api.get("/api/hardware_profiles").json()["hardware_profiles"]}
    assert profiles == {"Tiny": {"cpu": "1", "memory": "512"}, "Small": {"cpu": "1", "memory": "2048"},
                        "Medium": {"cpu": "2", "memory": "4096"}}
    images = {i["id"]: i for i in api.get("/api/images").json()["images"]}
    assert set(images) == {BLANK, RHEL}
    assert images[RHEL]["name"] == "rhel9-server" and images[RHEL]["architecture"] == "x86_64"
    assert images[RHEL]["state"] == "AVAILABLE"
    assert api.get(f"/api/images/{RHEL}").json()["image"]["description"].startswith("RHEL 9.3")
    assert api.get("/api/images/no-such-template").status_code == 404


def test_vms_are_instances(api: httpx.Client) -> None:
    instances = {i["id"]: i for i in api.get("/api/instances").json()["instances"]}
    web, db = instances[WEB], instances[DB]
    assert (web["name"], web["state"], db["state"]) == ("web-01", "RUNNING", "STOPPED")
    assert web["realm"]["id"] == DEFAULT and db["realm"]["id"] == PRODUCTION
    assert web["image"]["id"] == RHEL and web["hardware_profile"]["id"] == MEDIUM
    assert web["public_addresses"] == [{"address": "198.51.100.77", "type": "ipv4"}]
    assert web["private_addresses"] == [{"address": "10.10.0.77", "type": "ipv4"}]
    assert {a["rel"] for a in web["actions"]} == {"stop", "reboot"}  # a running VM cannot be removed
    assert {a["rel"] for a in db["actions"]} == {"start", "destroy"}
    assert api.get(f"/api/instances?realm_id={PRODUCTION}").json()["instances"][0]["id"] == DB
    assert api.get("/api/instances/no-such-vm").status_code == 404


def test_create_a_vm_from_a_template(api: httpx.Client, cloud: FakeCloud) -> None:
    script = "#cloud-config\nhostname: app-01\n"
    response = api.post("/api/instances", data={
        "image_id": RHEL, "realm_id": PRODUCTION, "hwp_id": MEDIUM, "name": "app-01",
        "user_data": base64.b64encode(script.encode()).decode()})
    assert response.status_code == 201, response.text
    created = response.json()["instance"]
    assert (created["id"], created["name"], created["state"]) == (CREATED, "app-01", "PENDING")
    sent = ET.fromstring(cloud.seen("POST", rf"{API}/vms")[-1].body)
    assert sent.findtext("name") == "app-01"
    assert sent.find("cluster").get("id") == PRODUCTION and sent.find("template").get("id") == RHEL  # type: ignore[union-attr]
    assert sent.find("instance_type").get("id") == MEDIUM  # type: ignore[union-attr]
    assert sent.findtext("initialization/custom_script") == script
    assert api.get(f"/api/instances/{CREATED}").json()["instance"]["state"] == "STOPPED"  # created down
    for wrong in ({"realm_id": "no-such-cluster"}, {"hwp_id": "Huge"}, {"name": "x" * 51},
                  {"hwp_id": MEDIUM, "hwp_memory": "-5"}, {"hwp_memory": "1024"}):
        refused = api.post("/api/instances", data={"image_id": RHEL, **wrong})
        assert refused.status_code == 400, wrong
    assert api.post("/api/instances", data={"image_id": "no-such-template"}).status_code == 400


def test_start_reboot_stop_destroy(api: httpx.Client, cloud: FakeCloud) -> None:
    started = api.post(f"/api/instances/{DB}/start")
    assert started.status_code == 202 and started.json()["instance"]["state"] == "RUNNING"
    assert api.post(f"/api/instances/{DB}/start").status_code == 405  # the state machine refuses
    assert api.post(f"/api/instances/{DB}/reboot").status_code == 202
    assert api.delete(f"/api/instances/{DB}").status_code == 405  # running VMs are not removed
    stopped = api.post(f"/api/instances/{DB}/stop")
    assert stopped.status_code == 202 and stopped.json()["instance"]["state"] == "STOPPED"
    actions = [r.path.rsplit("/", 1)[1] for r in cloud.seen("POST", rf"{API}/vms/{DB}/\w+")]
    assert actions == ["start", "reboot", "stop"]
    assert all(r.body.startswith(b"<action") for r in cloud.seen("POST", rf"{API}/vms/{DB}/\w+"))
    assert api.delete(f"/api/instances/{DB}").status_code == 204
    assert cloud.seen("DELETE", rf"{API}/vms/{DB}")
    assert api.get(f"/api/instances/{DB}").status_code == 404
    assert api.post("/api/instances/no-such-vm/start").status_code == 403


def test_an_engine_fault_is_typed(cloud: FakeCloud, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from deltacloud.drivers.rhevm import RhevmDriver
    from deltacloud.errors import Conflict, NotFound

    driver = driver_for(RhevmDriver, f"{cloud.url}{API}", {"username": USER, "password": PASSWORD}, tmp_path)
    with pytest.raises(Conflict, match="VM is running"):
        driver.destroy_instance(WEB)  # the engine's own refusal (409), had the state machine let it through
    with pytest.raises(NotFound):
        driver.stop_instance("no-such-vm")


def test_provider_error_is_502_and_a_slow_engine_504(api: httpx.Client, cloud: FakeCloud) -> None:
    cloud.fail(rf"{API}/clusters", 500, cloud.fixture("fault_internal.xml"), "application/xml")
    failed = api.get("/api/realms")
    assert failed.status_code == 502 and "Internal Engine Error" in failed.text and "Traceback" not in failed.text
    cloud.clear_faults()
    cloud.slow(rf"{API}/vms", 4)
    assert api.get("/api/instances").status_code == 504


def test_a_slow_sso_service_is_504_too(dc: LocalServer, cloud: FakeCloud) -> None:
    cloud.slow(r"/ovirt-engine/sso/oauth/token", 4)
    try:
        with SERVED.client(dc, cloud, "bob") as bob:  # bob's first call logs in: the SDK alone would wait for ever
            assert bob.get("/api/realms").status_code == 504
    finally:
        cloud.clear_faults()


def test_an_id_no_engine_would_issue_names_nothing(api: httpx.Client, cloud: FakeCloud) -> None:
    """The SDK pastes ids into the VM's URL as they are: '<id>?...' read that VM (and would reach any resource
    with dot segments), under another id."""
    sneaky = f"{WEB}%3Fall_content%3Dtrue"  # the id "<WEB>?all_content=true"
    looked_up = len(cloud.seen("GET", rf"{API}/vms/{WEB}"))
    assert api.get(f"/api/instances/{sneaky}").status_code == 404
    assert api.post(f"/api/instances/{sneaky}/reboot").status_code == 403  # an action on no instance (spec)
    assert len(cloud.seen("GET", rf"{API}/vms/{WEB}")) == looked_up
    assert not cloud.seen("POST", rf"{API}/vms/{WEB}/reboot")


def test_a_cimi_machine_the_engine_creates_down_is_started(api: httpx.Client, cloud: FakeCloud) -> None:
    """The engine creates VMs down; a CIMI Machine is STARTED unless its initialState says otherwise, and its
    create Job used to fail ("is stopped, expected started") and leave the VM down."""
    image = {"href": f"{api.base_url}/cimi/machine_images/{RHEL}"}
    created = api.post("/cimi/machines", headers={"Content-Type": "application/json"},
                       json={"name": "app-02", "machineTemplate": {"machineImage": image}})
    assert created.status_code in (201, 202), created.text
    job = follow_job(api, created, timeout=20)
    assert job["state"] == "SUCCESS", job
    assert cloud.seen("POST", rf"{API}/vms/{CREATED}/start")
    assert api.get(created.headers["Location"]).json()["state"] == "STARTED"
