"""The openstack driver against recorded Keystone v3 / Nova / Glance / Neutron / Cinder / Swift answers.

OpenStack has no emulator here, so a local HTTP server plays it from tests/fixtures/openstack/
(with just enough state that a stopped server reads back stopped). Compute goes through the
classic API on a real local server; collections the classic API has no routes for yet are
exercised at driver level.
"""

import base64
import copy
import json
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from cloudfakes import FakeCloud, Reply, Request, json_reply
from conftest import LocalServer
from deltacloud.errors import AuthenticationFailure, BackendError, Forbidden
from deltacloud.model import RuleSource
from driver_support import (
    ServedDriver,
    alice_and_mallory,
    assert_stop_start_reboot,
    driver_for,
    entry_point,
    tenant_client,
)

PROJECT = "8f4a2c1b9d6e4f3a8b7c6d5e4f3a2b1c"
COMPUTE = "/compute/v2.1"
WEB1 = "a3f1c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
DB1 = "b4e2d3c5-6f70-4b8c-9d0e-1f2a3b4c5d6e"
OPENSTACK_CREDENTIALS = {"username": "alice", "password": "correct-horse", "project": "demo"}
#: the project's instance quota, when a test sets one (Nova refuses a launch beyond it: 403)
INSTANCE_QUOTA: list[int] = []


def openstack_cloud() -> FakeCloud:
    cloud = FakeCloud("openstack")
    servers = {s["id"]: s for s in cloud.fixture_json("servers_detail.json")["servers"]}

    def token(request: Request, match: re.Match[str]) -> Reply:
        password = request.json()["auth"]["identity"]["password"]["user"]["password"]
        if password != OPENSTACK_CREDENTIALS["password"]:
            return Reply(401, cloud.fixture("auth_unauthorized.json"), {"Content-Type": "application/json"})
        return Reply(201, cloud.fixture("auth_token.json"),
                     {"Content-Type": "application/json", "X-Subject-Token": "gAAAAABmM3-token"})

    def server(request: Request, match: re.Match[str]) -> Reply:
        found = servers.get(match["id"])
        if found is None:
            return json_reply({"itemNotFound": {"code": 404, "message": f"Instance {match['id']} could not be found."}},
                              404)
        return json_reply({"server": found})

    def create(request: Request, match: re.Match[str]) -> Reply:
        if INSTANCE_QUOTA and len(servers) >= INSTANCE_QUOTA[0]:
            return json_reply({"forbidden": {"code": 403, "message": "Quota exceeded for instances: Requested 1, but "
                                             f"already used {len(servers)} of {INSTANCE_QUOTA[0]} instances"}}, 403)
        created = {**cloud.fixture_json("server_create.json")["server"], "id": str(uuid.uuid4())}
        wanted = request.json()["server"]
        record = copy.deepcopy(servers[WEB1])
        record.update(id=created["id"], name=wanted["name"], status="BUILD", key_name=wanted.get("key_name"),
                      addresses={}, flavor={"id": wanted["flavorRef"]}, image={"id": wanted["imageRef"]})
        servers[created["id"]] = record
        return json_reply({"server": created}, 202)

    def action(request: Request, match: re.Match[str]) -> Reply:
        body = request.json()
        record = servers[match["id"]]
        if record["status"] not in ("ACTIVE", "SHUTOFF"):  # Nova acts on a server once it is built
            return json_reply({"conflictingRequest": {"code": 409, "message": f"Cannot '{next(iter(body))}' instance "
                                                      f"{match['id']} while it is in vm_state building"}}, 409)
        if "os-stop" in body:
            record["status"] = "SHUTOFF"
        elif "os-start" in body or "reboot" in body:
            record["status"] = "ACTIVE"
        return Reply(202)

    def delete(request: Request, match: re.Match[str]) -> Reply:
        servers.pop(match["id"], None)
        return Reply(204)

    volumes = {v["id"]: v for v in cloud.fixture_json("volumes_detail.json")["volumes"]}

    def create_volume(request: Request, match: re.Match[str]) -> Reply:
        wanted = request.json()["volume"]  # Cinder's answer: the new volume, "creating", in its own zone
        record = {**copy.deepcopy(next(iter(volumes.values()))), "id": str(uuid.uuid4()), "status": "creating",
                  "name": wanted.get("name"), "size": wanted["size"], "description": None,
                  "availability_zone": wanted.get("availability_zone", "nova")}
        volumes[record["id"]] = record
        return json_reply({"volume": record}, 202)

    def in_use(volume_id: str) -> Reply:  # how Cinder refuses a volume that is attached (a 400, not a 409)
        return json_reply({"badRequest": {"code": 400, "message": f"Invalid volume: Volume {volume_id} status must "
                                                                  "be available, but current status is: in-use."}}, 400)

    def attach_volume(request: Request, match: re.Match[str]) -> Reply:
        wanted = request.json()["volumeAttachment"]
        record = volumes[wanted["volumeId"]]
        if record["attachments"]:
            return in_use(record["id"])
        device = wanted.get("device") or "/dev/vdb"
        record.update(status="in-use", attachments=[{"server_id": match["id"], "device": device,
                                                     "volume_id": record["id"], "id": record["id"]}])
        return json_reply({"volumeAttachment": {"device": device, "id": record["id"], "serverId": match["id"],
                                                "volumeId": record["id"]}})

    def delete_volume(request: Request, match: re.Match[str]) -> Reply:
        if volumes[match["id"]]["attachments"]:
            return in_use(match["id"])
        del volumes[match["id"]]
        return Reply(202)

    cloud.route("POST", r"/v3/auth/tokens", token)
    cloud.route("GET", rf"{COMPUTE}/flavors/detail", "flavors_detail.json")
    cloud.route("GET", r"/image/v2/images", "images_v2.json")
    images = {i["id"]: i for i in cloud.fixture_json("images_v2.json")["images"]}
    cloud.route("GET", r"/image/v2/images/(?P<id>[^/]+)",  # Glance answers one image as itself
                lambda r, m: json_reply(images[m["id"]]) if m["id"] in images else Reply(404))
    cloud.route("GET", rf"{COMPUTE}/servers/detail", lambda r, m: json_reply({"servers": list(servers.values())}))
    cloud.route("GET", rf"{COMPUTE}/servers/(?P<id>[^/]+)", server)
    cloud.route("POST", rf"{COMPUTE}/servers", create)
    cloud.route("POST", rf"{COMPUTE}/servers/(?P<id>[^/]+)/action", action)
    cloud.route("DELETE", rf"{COMPUTE}/servers/(?P<id>[^/]+)", delete)
    cloud.route("GET", rf"{COMPUTE}/os-keypairs", "keypairs.json")
    cloud.route("POST", rf"{COMPUTE}/os-keypairs", "keypair_create.json")
    cloud.route("DELETE", rf"{COMPUTE}/os-keypairs/[^/]+", lambda r, m: Reply(202))
    cloud.route("GET", rf"/volume/v3/{PROJECT}/volumes/detail",
                lambda r, m: json_reply({"volumes": list(volumes.values())}))
    cloud.route("POST", rf"/volume/v3/{PROJECT}/volumes", create_volume)
    cloud.route("DELETE", rf"/volume/v3/{PROJECT}/volumes/(?P<id>[^/]+)", delete_volume)
    cloud.route("POST", rf"{COMPUTE}/servers/(?P<id>[^/]+)/os-volume_attachments", attach_volume)
    cloud.route("GET", rf"/volume/v3/{PROJECT}/snapshots/detail", "snapshots_detail.json")
    cloud.route("GET", r"/network/v2.0/floatingips", "floatingips.json")
    cloud.route("DELETE", r"/network/v2.0/floatingips/[^/]+", lambda r, m: Reply(204))
    cloud.route("GET", r"/network/v2.0/security-groups", "security_groups.json")
    cloud.route("GET", rf"/swift/v1/AUTH_{PROJECT}/?", "swift_containers.json")
    return cloud


@pytest.fixture(scope="module")
def cloud() -> Iterator[FakeCloud]:
    with openstack_cloud() as running:
        yield running


SERVED = ServedDriver("openstack", provider=lambda cloud: f"{cloud.url}/v3?region=RegionOne&project=demo",
                      tenants=lambda cloud: alice_and_mallory(OPENSTACK_CREDENTIALS, "guess"))
dc, api = SERVED.fixtures()


def driver(cloud: FakeCloud, tmp_path: Path, **credentials: str):  # type: ignore[no-untyped-def]
    """The driver in process, as a request would get it (pass-through credentials)."""
    from deltacloud.drivers.openstack import OpenStackDriver

    return driver_for(OpenStackDriver, f"{cloud.url}/v3?region=regionone", {**OPENSTACK_CREDENTIALS, **credentials},
                      tmp_path)


def test_entry_point_advertises_what_libcloud_implements(api: httpx.Client) -> None:
    links = entry_point(api)
    assert set(links) == {"drivers", "realms", "hardware_profiles", "images", "instances", "instance_states",
                          "keys", "storage_volumes", "storage_snapshots", "buckets", "addresses", "firewalls"}
    assert {"user_name", "authentication_key", "authentication_password", "user_data"} <= set(links["instances"])
    assert "load_balancers" not in links
    assert api.get("/api/load_balancers").status_code == 412


def test_wrong_provider_password_is_401(dc: LocalServer, cloud: FakeCloud) -> None:
    with tenant_client(dc, "openstack", f"{cloud.url}/v3?region=RegionOne", user="mallory") as client:
        response = client.get("/api/instances")
    assert response.status_code == 401
    assert "guess" not in response.text and "correct-horse" not in response.text


def test_flavors_are_hardware_profiles_and_the_region_is_the_realm(api: httpx.Client) -> None:
    profiles = {p["id"]: p for p in api.get("/api/hardware_profiles").json()["hardware_profiles"]}
    assert profiles["2"]["name"] == "m1.small"
    assert profiles["2"]["properties"] == {"cpu": "1", "memory": "2048", "storage": "20"}
    realms = api.get("/api/realms").json()["realms"]
    assert [r["id"] for r in realms] == ["RegionOne"]


def test_images_come_from_glance(api: httpx.Client) -> None:
    images = {i["id"]: i for i in api.get("/api/images").json()["images"]}
    cirros = images["c6b3a5e8-2d3f-4a61-9b8e-5f0d1c2b3a41"]
    assert cirros["name"] == "cirros-0.6.2-x86_64-disk"
    assert cirros["state"] == "AVAILABLE"
    assert [p["id"] for p in cirros["hardware_profiles"]] == ["1", "2", "3"]


def test_servers_are_instances_with_states_and_addresses(api: httpx.Client) -> None:
    instances = {i["id"]: i for i in api.get("/api/instances").json()["instances"]}
    web, db = instances[WEB1], instances[DB1]
    assert (web["state"], db["state"]) == ("RUNNING", "STOPPED")
    assert web["public_addresses"] == [{"address": "203.0.113.45", "type": "ipv4"}]
    assert web["private_addresses"] == [{"address": "10.0.0.12", "type": "ipv4"}]
    assert web["hardware_profile"]["id"] == "1" and web["realm"]["id"] == "RegionOne"
    assert {a["rel"] for a in web["actions"]} == {"reboot", "stop", "destroy"}
    assert {a["rel"] for a in db["actions"]} == {"start", "destroy"}


def test_create_instance_sends_the_launch_parameters(api: httpx.Client, cloud: FakeCloud) -> None:
    response = api.post("/api/instances", data={
        "image_id": "7d3e1f52-8a4b-4c9d-a1e2-3f4b5c6d7e8f", "hwp_id": "2", "name": "web-2", "keyname": "alice-key",
        "password": "root-S3cret", "user_data": base64.b64encode(b"#cloud-config\n").decode()})
    assert response.status_code == 201, response.text
    created = response.json()["instance"]
    assert response.headers["location"].endswith(f"/api/instances/{created['id']}")
    assert created["name"] == "web-2" and created["state"] == "PENDING"
    sent = cloud.seen("POST", rf"{COMPUTE}/servers")[-1].json()["server"]
    assert sent["flavorRef"] == "2" and sent["key_name"] == "alice-key"
    assert sent["adminPass"] == "root-S3cret"  # libcloud alone would drop it (drivers/libcloud_adapter/nova.py)
    assert base64.b64decode(sent["user_data"]) == b"#cloud-config\n"
    # found by fuzzing: a flavor's properties are fixed, and a wrong hwp_* was silently dropped (201)
    launches = len(cloud.seen("POST", rf"{COMPUTE}/servers"))
    for wrong in ({"hwp_id": "2", "hwp_memory": "abc"}, {"hwp_id": "2", "hwp_cpu": "0"}, {"hwp_memory": "2048"}):
        refused = api.post("/api/instances", data={"image_id": "7d3e1f52-8a4b-4c9d-a1e2-3f4b5c6d7e8f", **wrong})
        assert refused.status_code == 400 and "hwp_" in refused.json()["message"], wrong
    assert len(cloud.seen("POST", rf"{COMPUTE}/servers")) == launches


def test_stop_start_reboot_destroy(api: httpx.Client, cloud: FakeCloud) -> None:
    assert_stop_start_reboot(api, WEB1)
    actions = [json.loads(r.body) for r in cloud.seen("POST", rf"{COMPUTE}/servers/{WEB1}/action")]
    assert actions == [{"os-stop": None}, {"os-start": None}, {"reboot": {"type": "HARD"}}]
    assert api.delete(f"/api/instances/{DB1}").status_code == 204
    assert cloud.seen("DELETE", rf"{COMPUTE}/servers/{DB1}")
    assert api.get(f"/api/instances/{DB1}").status_code == 404
    assert api.post("/api/instances/no-such-server/stop").status_code == 403


def test_keys_list_and_create(api: httpx.Client) -> None:
    keys = api.get("/api/keys").json()["keys"]
    assert [k["id"] for k in keys] == ["alice-key"]
    created = api.post("/api/keys", data={"name": "deploy"})
    assert created.status_code == 201 and "BEGIN RSA PRIVATE KEY" in created.text


def test_provider_error_is_502_without_a_trace(api: httpx.Client, cloud: FakeCloud) -> None:
    cloud.fail(rf"{COMPUTE}/servers/detail", 500, cloud.fixture("compute_error.json"))
    response = api.get("/api/instances")
    assert response.status_code == 502
    assert "Traceback" not in response.text and "correct-horse" not in response.text


def test_provider_not_finding_a_listing_is_502(api: httpx.Client, cloud: FakeCloud) -> None:
    """A listing names nothing: the cloud answering 404 (a wrong endpoint or project) is its failure, and a
    404 would read as if the API had no such collection."""
    cloud.fail(rf"{COMPUTE}/servers/detail", 404, '{"itemNotFound": {"message": "Project not found", "code": 404}}')
    response = api.get("/api/instances")
    assert response.status_code == 502 and "Provider error (404)" in response.text
    cloud.clear_faults()
    assert api.get("/api/instances").status_code == 200


def test_slow_provider_is_504(api: httpx.Client, cloud: FakeCloud) -> None:
    cloud.slow(rf"{COMPUTE}/flavors/detail", 4)
    response = api.get("/api/hardware_profiles")
    assert response.status_code == 504


# -- collections without classic routes yet: at driver level ------------------------------
def test_volumes_snapshots_addresses_firewalls_buckets(cloud: FakeCloud, tmp_path: Path) -> None:
    os_driver = driver(cloud, tmp_path)
    volumes = os_driver.storage_volumes({})
    assert [(v.id, v.capacity, v.state) for v in volumes] == [("6d0b1f3e-2a4c-4e5f-8a9b-0c1d2e3f4a5b", "10",
                                                                "AVAILABLE")]
    snapshots = os_driver.storage_snapshots({})
    assert snapshots[0].storage_volume_id == volumes[0].id and snapshots[0].state == "COMPLETED"
    addresses = {a.ip: a.instance_id for a in os_driver.addresses({})}
    assert addresses == {"203.0.113.45": WEB1, "203.0.113.77": None}
    with pytest.raises(Forbidden):
        os_driver.destroy_address("203.0.113.45")  # still associated
    os_driver.destroy_address("203.0.113.77")
    assert cloud.seen("DELETE", r"/network/v2.0/floatingips/a1b2c3d4-e5f6-4789-8abc-def012345678")
    (group,) = os_driver.firewalls({})
    assert group.name == "default"
    ssh = next(r for r in group.rules if r.port_from == "22")
    assert ssh.sources == [RuleSource(type="address", family="ipv4", address="0.0.0.0", prefix="0")]
    assert [b.id for b in os_driver.buckets({})] == ["backups", "logs"]


def test_driver_level_errors(cloud: FakeCloud, tmp_path: Path) -> None:
    with pytest.raises(AuthenticationFailure):
        driver(cloud, tmp_path, password="wrong").storage_volumes({})
    cloud.fail(r"/network/v2.0/security-groups", 503, '{"NeutronError": {"type": "ServiceUnavailable"}}')
    try:
        with pytest.raises(BackendError):
            driver(cloud, tmp_path).firewalls({})
    finally:
        cloud.clear_faults()


# -- the region as the realm, through every front-end --------------------------------------
def test_the_region_is_the_realm_a_launch_or_a_volume_names(api: httpx.Client, cloud: FakeCloud) -> None:
    """Found by driving the EC2 and CIMI front-ends: the one realm listed was refused ("Realm 'RegionOne' does
    not exist", from libcloud's placeholder locations), and volumes said they were in Cinder's zone "nova"."""
    volume = api.post("/api/storage_volumes", data={"capacity": "2", "realm_id": "RegionOne", "name": "scratch"})
    assert volume.status_code == 201, volume.text
    assert volume.json()["storage_volume"]["realm"]["id"] == "RegionOne"
    listed = api.get("/api/storage_volumes").json()["storage_volumes"]
    assert {v["realm"]["id"] for v in listed} == {"RegionOne"}
    launched = api.post("/api/instances", data={"image_id": "7d3e1f52-8a4b-4c9d-a1e2-3f4b5c6d7e8f",
                                                "realm_id": "RegionOne", "name": "in-region"})
    assert launched.status_code == 201 and launched.json()["instance"]["realm"]["id"] == "RegionOne"
    assert "availability_zone" not in cloud.seen("POST", rf"{COMPUTE}/servers")[-1].json()["server"]

    volumes_sent = len(cloud.seen("POST", rf"/volume/v3/{PROJECT}/volumes"))
    elsewhere = api.post("/api/storage_volumes", data={"capacity": "2", "realm_id": "RegionTwo"})
    assert elsewhere.status_code == 400 and "RegionTwo" in elsewhere.json()["message"]
    assert len(cloud.seen("POST", rf"/volume/v3/{PROJECT}/volumes")) == volumes_sent


def _ec2(dc: LocalServer, cloud: FakeCloud) -> Any:
    """alice's boto3 EC2 client of the proxy, on this OpenStack."""
    ec2 = boto3.client("ec2", endpoint_url=f"{dc.url}/ec2", region_name="us-east-1", aws_access_key_id="alice",
                       aws_secret_access_key="alice-secret", config=Config(retries={"total_max_attempts": 1}))

    def choose_backend(request: Any, **_: Any) -> None:
        request.headers["X-Deltacloud-Driver"] = "openstack"
        request.headers["X-Deltacloud-Provider"] = SERVED.provider(cloud)

    ec2.meta.events.register_first("before-sign.ec2.*", choose_backend)
    return ec2


def _live(ec2: Any) -> set[str]:
    """The ids of the instances DescribeInstances shows not terminated."""
    return {i["InstanceId"] for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]
            if i["State"]["Name"] != "terminated"}


def test_ec2_clients_create_volumes_in_the_listed_zone(dc: LocalServer, cloud: FakeCloud) -> None:
    """boto3's CreateVolume must name a zone: the one DescribeAvailabilityZones lists is the one to use."""
    ec2 = _ec2(dc, cloud)
    (zone,) = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]]
    created = ec2.create_volume(AvailabilityZone=zone, Size=3)
    assert (created["AvailabilityZone"], created["Size"]) == (zone, 3)
    described = ec2.describe_volumes(VolumeIds=[created["VolumeId"]])["Volumes"]
    assert [v["AvailabilityZone"] for v in described] == [zone]


# -- servers still being built ---------------------------------------------------------------
def test_a_server_being_built_can_be_destroyed(api: httpx.Client, cloud: FakeCloud) -> None:
    """Nova deletes a server in BUILD; the life cycle said it could not be (405), as if a client had to wait."""
    launched = api.post("/api/instances", data={"image_id": "7d3e1f52-8a4b-4c9d-a1e2-3f4b5c6d7e8f"}).json()
    assert launched["instance"]["state"] == "PENDING"
    assert "destroy" in {a["rel"] for a in launched["instance"]["actions"]}
    assert api.delete(f"/api/instances/{launched['instance']['id']}").status_code == 204
    assert cloud.seen("DELETE", rf"{COMPUTE}/servers/{launched['instance']['id']}")


def test_run_instances_short_of_min_count_takes_back_what_it_launched(dc: LocalServer, cloud: FakeCloud) -> None:
    """Found by driving the EC2 front-end: with the quota reached after one server, RunInstances MinCount=2
    answered an error but left the first server building (its take-back was refused: no destroy while pending)."""
    ec2 = _ec2(dc, cloud)
    before = _live(ec2)
    INSTANCE_QUOTA.append(len(before) + 1)
    try:
        with pytest.raises(ClientError) as refused:
            ec2.run_instances(ImageId="c6b3a5e8-2d3f-4a61-9b8e-5f0d1c2b3a41", MinCount=2, MaxCount=2)
    finally:
        INSTANCE_QUOTA.clear()
    assert "Quota exceeded" in refused.value.response["Error"]["Message"]
    assert _live(ec2) == before
    (taken_back,) = cloud.seen("DELETE", rf"{COMPUTE}/servers/[^/]+")[-1:]
    assert taken_back.path.rsplit("/", 1)[-1] not in before


def test_run_instances_says_which_launched_instance_it_could_not_take_back(dc: LocalServer, cloud: FakeCloud) -> None:
    """A take-back that failed was swallowed: the client got the launch's error and a server it never heard of."""
    ec2 = _ec2(dc, cloud)
    before = _live(ec2)
    INSTANCE_QUOTA.append(len(before) + 1)
    cloud.fail(rf"{COMPUTE}/servers/[^/]+", 500, cloud.fixture("compute_error.json"), method="DELETE")
    try:
        with pytest.raises(ClientError) as refused:
            ec2.run_instances(ImageId="c6b3a5e8-2d3f-4a61-9b8e-5f0d1c2b3a41", MinCount=2, MaxCount=2)
    finally:
        INSTANCE_QUOTA.clear()
        cloud.clear_faults()
    (left,) = _live(ec2) - before
    message = refused.value.response["Error"]["Message"]
    assert "Quota exceeded" in message and f"{left} could not be terminated" in message, message


def test_a_cimi_system_the_cloud_refuses_midway_takes_back_its_machines(api: httpx.Client, cloud: FakeCloud) -> None:
    """Found by driving CIMI: Cinder failing the System's volume left its two new servers building (no DELETE
    was sent: the life cycle had no destroy while pending)."""
    servers_before = {s["id"] for s in api.get("/api/instances").json()["instances"]}
    cloud.fail(rf"/volume/v3/{PROJECT}/volumes", 500, cloud.fixture("compute_error.json"), method="POST")
    image = {"href": f"{api.base_url}/cimi/machine_images/c6b3a5e8-2d3f-4a61-9b8e-5f0d1c2b3a41"}
    cimi = "http://schemas.dmtf.org/cimi/1"
    refused = api.post("/cimi/systems", headers={"Content-Type": "application/json"}, json={"systemTemplate": {
        "componentDescriptors": [
            {"type": f"{cimi}/Machine", "quantity": 2, "machineTemplate": {"machineImage": image}},
            {"type": f"{cimi}/Volume", "volumeTemplate": {"volumeConfig": {"capacity": 1048576}}},
        ]}})
    assert refused.status_code == 502, refused.text
    launched = [r for r in cloud.seen("POST", rf"{COMPUTE}/servers")][-2:]
    assert len(launched) == 2
    assert {s["id"] for s in api.get("/api/instances").json()["instances"]} == servers_before


def test_a_cloud_refusing_an_action_in_this_state_is_incorrect_instance_state(dc: LocalServer,
                                                                              cloud: FakeCloud) -> None:
    """Nova's 409 (the server busy with another task) reached EC2 clients as InvalidParameterValue."""
    ec2 = _ec2(dc, cloud)
    conflict = {"conflictingRequest": {"code": 409, "message": f"Cannot 'reboot' instance {WEB1} while it is in "
                                                               "task_state rebooting"}}
    cloud.fail(rf"{COMPUTE}/servers/{WEB1}/action", 409, json.dumps(conflict), method="POST")
    try:
        with pytest.raises(ClientError) as refused:
            ec2.reboot_instances(InstanceIds=[WEB1])
    finally:
        cloud.clear_faults()
    assert refused.value.response["Error"]["Code"] == "IncorrectInstanceState"
    assert "task_state rebooting" in refused.value.response["Error"]["Message"]


def test_an_attached_volume_is_a_conflict_on_every_front_end(api: httpx.Client, cloud: FakeCloud) -> None:
    """Cinder refuses an attached volume's attach or delete with a 400 of its own, which reached clients as
    their malformed request (classic, CIMI: 400 with Cinder's text); the mock and EC2 answer a conflict."""
    volume = api.post("/api/storage_volumes", data={"capacity": "1", "realm_id": "RegionOne"}).json()
    volume_id = volume["storage_volume"]["id"]
    attached = api.post(f"/api/storage_volumes/{volume_id}/attach", data={"instance_id": WEB1, "device": "/dev/vdc"})
    assert attached.status_code == 202, attached.text
    again = api.post(f"/api/storage_volumes/{volume_id}/attach", data={"instance_id": WEB1, "device": "/dev/vdd"})
    assert again.status_code == 409 and "already attached" in again.json()["message"]
    assert api.delete(f"/api/storage_volumes/{volume_id}").status_code == 409
    attach_cimi = api.post(f"/cimi/machines/{WEB1}/volumes", headers={"Content-Type": "application/json"}, json={
        "volume": {"href": f"{api.base_url}/cimi/volumes/{volume_id}"}, "initialLocation": "/dev/vdd"})
    assert attach_cimi.status_code == 409, attach_cimi.text
    assert api.delete(f"/cimi/volumes/{volume_id}").status_code == 409
    assert len(cloud.seen("POST", rf"{COMPUTE}/servers/{WEB1}/os-volume_attachments")) == 1
    assert not cloud.seen("DELETE", rf"/volume/v3/{PROJECT}/volumes/{volume_id}")


def test_an_id_no_cloud_would_issue_names_nothing(dc: LocalServer, cloud: FakeCloud) -> None:
    """Found by driving the EC2 front-end: libcloud pastes ids into Nova's and Glance's URLs as they are, and
    the HTTP client resolves dot segments: StopInstances of 'x/../<id>' stopped that server, '?' added a query."""
    ec2 = _ec2(dc, cloud)
    actions = len(cloud.seen("POST", rf"{COMPUTE}/servers/{WEB1}/action"))
    for sneaky in (f"x/../{WEB1}", f"{WEB1}?all_tenants=1", f"{WEB1}#x"):
        with pytest.raises(ClientError) as refused:
            ec2.stop_instances(InstanceIds=[sneaky])
        assert refused.value.response["Error"]["Code"] == "InvalidInstanceID.NotFound", sneaky
    assert len(cloud.seen("POST", rf"{COMPUTE}/servers/{WEB1}/action")) == actions
    launches = len(cloud.seen("POST", rf"{COMPUTE}/servers"))
    with pytest.raises(ClientError) as refused:
        ec2.run_instances(ImageId="x/../c6b3a5e8-2d3f-4a61-9b8e-5f0d1c2b3a41", MinCount=1, MaxCount=1)
    assert refused.value.response["Error"]["Code"] == "InvalidAMIID.NotFound"
    assert len(cloud.seen("POST", rf"{COMPUTE}/servers")) == launches


def test_a_terminate_the_cloud_answered_too_late_reads_terminated_when_tried_again(dc: LocalServer,
                                                                                   cloud: FakeCloud) -> None:
    """Nova deleted the server after the proxy had given up (504); boto3 retries a 504, and the retry found no
    such instance (InvalidInstanceID.NotFound) for a terminate that had happened."""
    ec2 = _ec2(dc, cloud)
    (launched,) = ec2.run_instances(ImageId="c6b3a5e8-2d3f-4a61-9b8e-5f0d1c2b3a41", MinCount=1, MaxCount=1)["Instances"]
    instance_id = launched["InstanceId"]
    cloud.slow(rf"{COMPUTE}/servers/{instance_id}", 2.5, method="DELETE")  # the proxy waits 1.5 s
    try:
        with pytest.raises(ClientError) as timed_out:
            ec2.terminate_instances(InstanceIds=[instance_id])
        assert timed_out.value.response["ResponseMetadata"]["HTTPStatusCode"] == 504
        deadline = time.monotonic() + 5
        while instance_id in _live(ec2) and time.monotonic() < deadline:  # the late delete lands
            time.sleep(0.2)
    finally:
        cloud.clear_faults()
    (retried,) = ec2.terminate_instances(InstanceIds=[instance_id])["TerminatingInstances"]
    assert retried["CurrentState"]["Name"] == "terminated"
    reservations = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"]
    assert [i["State"]["Name"] for r in reservations for i in r["Instances"]] == ["terminated"]
