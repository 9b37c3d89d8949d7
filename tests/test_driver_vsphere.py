"""The vsphere driver against recorded vCenter 8.0 Automation REST API answers (tests/fixtures/vsphere/).

vCenter has no emulator here, so a local HTTP server plays its ``/api``: a session opened with
HTTP Basic and checked on every call (and expired on demand, to see the driver open a new one),
datacenters, VMs with power states kept, guest identities, content-library templates and their
deployment. Everything goes through the classic API on a real local server; the provider is the
vCenter URL.
"""

import base64
import json
import re
from collections.abc import Iterator

import httpx
import pytest
from cloudfakes import FakeCloud, Reply, Request, json_reply
from conftest import LocalServer
from driver_support import ServedDriver, alice_and_mallory, assert_stop_start_reboot, entry_point

USER, PASSWORD = "alice@vsphere.local", "Vc3nter!pass"
UBUNTU = "3b1f6c2e-7a8d-4e9f-a0b1-c2d3e4f5a6b7"
ISO = "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a"
POWER = {"start": "POWERED_ON", "stop": "POWERED_OFF", "reset": "POWERED_ON"}


class VCenter:
    def __init__(self, cloud: FakeCloud) -> None:
        self.cloud = cloud
        self.session = json.loads(cloud.fixture("session.json"))
        self.sessions: set[str] = set()
        self.vms = {dc: {vm["vm"]: vm for vm in cloud.fixture_json(f"vms_{dc}.json")}
                    for dc in ("datacenter-3", "datacenter-1001")}
        cloud.route("POST", r"/api/session", self.login)
        for method, pattern, responder in (
            ("GET", r"/api/vcenter/datacenter", self.recorded("datacenters.json")),
            ("GET", r"/api/vcenter/vm", self.list_vms),
            ("GET", r"/api/vcenter/vm/(?P<vm>[^/]+)/guest/identity", self.identity),
            ("POST", r"/api/vcenter/vm/(?P<vm>[^/]+)/power", self.power),
            ("DELETE", r"/api/vcenter/vm/(?P<vm>[^/]+)", self.delete),
            ("POST", r"/api/content/library/item", self.recorded("library_item_find.json")),
            ("GET", r"/api/content/library/item/(?P<id>[^/]+)", self.library_item),
            ("GET", r"/api/vcenter/folder",
             lambda r, m: self.recorded(f"folders_{r.query['datacenters'][0]}.json")(r, m)),
            ("GET", r"/api/vcenter/resource-pool",
             lambda r, m: self.recorded(f"resource_pools_{r.query['datacenters'][0]}.json")(r, m)),
            ("POST", r"/api/vcenter/vm-template/library-items/(?P<id>[^/]+)", self.deploy),
        ):
            cloud.route(method, pattern, self.in_session(responder))

    def recorded(self, name: str, status: int = 200):  # type: ignore[no-untyped-def]
        return lambda request, match: Reply(status, self.cloud.fixture(name), {"Content-Type": "application/json"})

    def error(self, name: str, status: int, vm: str = "") -> Reply:
        return Reply(status, self.cloud.fixture(name).replace("@ID@", vm), {"Content-Type": "application/json"})

    def login(self, request: Request, match: re.Match[str]) -> Reply:
        expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        if request.headers.get("authorization") != expected:
            return self.error("error_unauthenticated.json", 401)
        self.sessions.add(self.session)
        return Reply(201, json.dumps(self.session), {"Content-Type": "application/json"})

    def in_session(self, responder):  # type: ignore[no-untyped-def]
        def check(request: Request, match: re.Match[str]) -> Reply:
            if request.headers.get("vmware-api-session-id") not in self.sessions:
                return self.error("error_unauthenticated.json", 401)
            return responder(request, match)
        return check

    def _find(self, vm: str) -> dict[str, object] | None:
        return next((vms[vm] for vms in self.vms.values() if vm in vms), None)

    def list_vms(self, request: Request, match: re.Match[str]) -> Reply:
        listed = list(self.vms.get(request.query["datacenters"][0], {}).values())
        if "vms" in request.query:
            listed = [vm for vm in listed if vm["vm"] in request.query["vms"][0].split(",")]
        return json_reply(listed)

    def identity(self, request: Request, match: re.Match[str]) -> Reply:
        if match["vm"] == "vm-42":
            return self.recorded("guest_identity_vm-42.json")(request, match)
        return self.error("error_tools_not_running.json", 503)

    def power(self, request: Request, match: re.Match[str]) -> Reply:
        found = self._find(match["vm"])
        if found is None:
            return self.error("error_not_found.json", 404, match["vm"])
        action = request.query["action"][0]
        if action == "start" and found["power_state"] == "POWERED_ON":
            return self.error("error_already_in_desired_state.json", 400)
        found["power_state"] = POWER[action]
        return Reply(204)

    def delete(self, request: Request, match: re.Match[str]) -> Reply:
        found = self._find(match["vm"])
        if found is None:
            return self.error("error_not_found.json", 404, match["vm"])
        if found["power_state"] == "POWERED_ON":
            return self.error("error_resource_in_use.json", 400)
        for vms in self.vms.values():
            vms.pop(match["vm"], None)
        return Reply(204)

    def library_item(self, request: Request, match: re.Match[str]) -> Reply:
        if match["id"] == ISO:
            return self.recorded("library_item_iso.json")(request, match)
        try:
            return self.recorded(f"library_item_{match['id']}.json")(request, match)
        except FileNotFoundError:
            return Reply(404, json.dumps({"error_type": "NOT_FOUND", "messages": []}),
                         {"Content-Type": "application/json"})

    def deploy(self, request: Request, match: re.Match[str]) -> Reply:
        spec = request.json()
        vm_id = json.loads(self.cloud.fixture("deploy.json"))
        self.vms["datacenter-3"][vm_id] = {"memory_size_MiB": 4096, "vm": vm_id, "name": spec["name"],
                                           "power_state": "POWERED_ON", "cpu_count": 2}
        return Reply(200, json.dumps(vm_id), {"Content-Type": "application/json"})


@pytest.fixture(scope="module")
def vcenter() -> Iterator[tuple[FakeCloud, VCenter]]:
    with FakeCloud("vsphere") as cloud:
        yield cloud, VCenter(cloud)


@pytest.fixture(scope="module")
def cloud(vcenter: tuple[FakeCloud, VCenter]) -> FakeCloud:
    return vcenter[0]


SERVED = ServedDriver("vsphere", provider=lambda cloud: cloud.url,
                      tenants=lambda cloud: alice_and_mallory({"username": USER, "password": PASSWORD}, "guess"))
dc, api = SERVED.fixtures()


def test_entry_point_advertises_what_the_rest_client_does(api: httpx.Client) -> None:
    links = entry_point(api)
    assert set(links) == {"drivers", "realms", "images", "instances", "instance_states"}
    assert set(links["instances"]) == {"user_name"}
    assert api.get("/api/hardware_profiles").status_code == 412
    assert api.post("/api/images", data={"instance_id": "vm-42"}).status_code == 412


def test_wrong_password_is_401_and_never_echoed(dc: LocalServer, cloud: FakeCloud) -> None:
    with SERVED.client(dc, cloud, "mallory") as mallory:
        response = mallory.get("/api/realms")
    assert response.status_code == 401 and "guess" not in response.text and PASSWORD not in response.text


def test_an_expired_session_is_opened_again(api: httpx.Client, vcenter: tuple[FakeCloud, VCenter]) -> None:
    cloud, played = vcenter
    assert api.get("/api/realms").status_code == 200
    logins = len(cloud.seen("POST", r"/api/session"))
    played.sessions.clear()  # vCenter dropped the idle session
    assert [r["id"] for r in api.get("/api/realms").json()["realms"]] == ["datacenter-3", "datacenter-1001"]
    assert len(cloud.seen("POST", r"/api/session")) == logins + 1


def test_datacenters_and_templates(api: httpx.Client) -> None:
    realms = {r["id"]: r["name"] for r in api.get("/api/realms").json()["realms"]}
    assert realms == {"datacenter-3": "AMS-1", "datacenter-1001": "FRA-1"}
    assert api.get("/api/realms/datacenter-1001").status_code == 200
    assert api.get("/api/realms/datacenter-9").status_code == 404
    images = {i["id"]: i for i in api.get("/api/images").json()["images"]}
    assert set(images) == {UBUNTU, "9e8d7c6b-5a4f-4e3d-b2c1-a0f9e8d7c6b5"}
    assert images[UBUNTU]["name"] == "ubuntu-22.04-template"
    assert images[UBUNTU]["description"] == "Ubuntu 22.04 LTS, cloud-init, 2 vCPU / 4 GB"
    assert api.get(f"/api/images/{UBUNTU}").status_code == 200
    assert api.get(f"/api/images/{ISO}").status_code == 404  # an ISO is no template
    assert api.get("/api/images/no-such-item").status_code == 404


def test_vms_are_instances_in_their_datacenter(api: httpx.Client) -> None:
    instances = {i["id"]: i for i in api.get("/api/instances").json()["instances"]}
    assert set(instances) == {"vm-42", "vm-43", "vm-1017"}
    web, db, runner = instances["vm-42"], instances["vm-43"], instances["vm-1017"]
    assert (web["state"], db["state"], runner["state"]) == ("RUNNING", "STOPPED", "RUNNING")
    assert web["realm"]["id"] == "datacenter-3" and runner["realm"]["id"] == "datacenter-1001"
    assert web["private_addresses"] == [{"address": "10.20.0.42", "type": "ipv4"}]
    assert runner["private_addresses"] == [] and runner["public_addresses"] == []  # no VMware Tools: no address
    assert {a["rel"] for a in web["actions"]} == {"reboot", "stop", "destroy"}
    assert api.get("/api/instances/vm-1017").json()["instance"]["name"] == "ci-runner"
    assert api.get("/api/instances/vm-999").status_code == 404


def test_deploy_from_a_template(api: httpx.Client, cloud: FakeCloud) -> None:
    response = api.post("/api/instances", data={"image_id": UBUNTU, "realm_id": "datacenter-3", "name": "web-02"})
    assert response.status_code == 201, response.text
    created = response.json()["instance"]
    assert (created["id"], created["name"], created["realm"]["id"]) == ("vm-51", "web-02", "datacenter-3")
    deploy = cloud.seen("POST", rf"/api/vcenter/vm-template/library-items/{UBUNTU}")[-1]
    assert deploy.query["action"] == ["deploy"]
    assert deploy.json() == {"name": "web-02", "powered_on": True,
                             "placement": {"folder": "group-v4", "resource_pool": "resgroup-8"}}
    assert api.get("/api/instances/vm-51").json()["instance"]["state"] == "RUNNING"
    assert api.post("/api/instances", data={"image_id": UBUNTU, "realm_id": "datacenter-9"}).status_code == 400
    # vCenter's templates carry their own size: a hardware profile asked for was dropped, and the VM deployed
    deploys = len(cloud.seen("POST", rf"/api/vcenter/vm-template/library-items/{UBUNTU}"))
    sized = api.post("/api/instances", data={"image_id": UBUNTU, "hwp_id": "zz.huge"})
    assert sized.status_code == 400 and "no hardware profiles" in sized.json()["message"], sized.text
    assert len(cloud.seen("POST", rf"/api/vcenter/vm-template/library-items/{UBUNTU}")) == deploys


def test_stop_start_reset_destroy(api: httpx.Client, cloud: FakeCloud) -> None:
    assert_stop_start_reboot(api, "vm-42")
    actions = [r.query["action"][0] for r in cloud.seen("POST", r"/api/vcenter/vm/vm-42/power")]
    assert actions == ["stop", "start", "reset"]
    assert api.delete("/api/instances/vm-1017").status_code == 204  # running: powered off, then removed
    assert [r.query["action"][0] for r in cloud.seen("POST", r"/api/vcenter/vm/vm-1017/power")] == ["stop"]
    assert cloud.seen("DELETE", r"/api/vcenter/vm/vm-1017")
    assert api.get("/api/instances/vm-1017").status_code == 404
    assert api.post("/api/instances/vm-999/start").status_code == 403


def test_provider_error_is_502_and_a_slow_provider_504(api: httpx.Client, cloud: FakeCloud) -> None:
    cloud.fail(r"/api/vcenter/datacenter", 500, cloud.fixture("error_internal.json"))
    failed = api.get("/api/realms")
    assert failed.status_code == 502 and "vpxd is not responding" in failed.text and "Traceback" not in failed.text
    cloud.clear_faults()
    cloud.slow(r"/api/vcenter/vm", 4)
    assert api.get("/api/instances").status_code == 504


def test_a_machine_configuration_is_unsupported_where_templates_carry_their_size(api: httpx.Client,
                                                                                   cloud: FakeCloud) -> None:
    """CIMI's machineConfig, by reference or by value, asked the driver for hardware profiles it has none of
    (a 502 from libcloud's "list_sizes not implemented"); refused as unsupported (412) before any deploy."""
    image = {"href": f"{api.base_url}/cimi/machine_images/{UBUNTU}"}
    deploys = len(cloud.seen("POST", rf"/api/vcenter/vm-template/library-items/{UBUNTU}"))
    for config in ({"href": f"{api.base_url}/cimi/machine_configurations/small"}, {"cpu": 2}):
        refused = api.post("/cimi/machines", headers={"Content-Type": "application/json"},
                           json={"machineTemplate": {"machineImage": image, "machineConfig": config}})
        assert refused.status_code == 412, refused.text
    assert len(cloud.seen("POST", rf"/api/vcenter/vm-template/library-items/{UBUNTU}")) == deploys
