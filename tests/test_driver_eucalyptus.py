"""The eucalyptus driver against recorded Eucalyptus 4.4 compute answers (tests/fixtures/eucalyptus/).

Eucalyptus has no emulator here, so a local HTTP server plays its EC2-compatible endpoint
``/services/compute``: it checks each request's Signature Version 2 like Eucalyptus does, answers
from the recorded documents, and keeps just enough state that a stopped instance reads back
stopped and a terminated one disappears. Everything goes through the classic API on a real
local server; the provider is the compute URL.
"""

import base64
import hashlib
import hmac
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from cloudfakes import FakeCloud, Reply, Request
from conftest import LocalServer
from deltacloud.errors import ActionNotAllowed
from driver_support import (
    ServedDriver,
    alice_and_mallory,
    assert_stop_start_reboot,
    driver_for,
    entry_point,
    tenant_client,
)

ACCESS_KEY, SECRET_KEY = "AKIAEUCA7Q2N4HNXGBRD", "u6X2mQp9Lr3Zc8Vb1Nd4Hs7Tf0Wy5Ke2Ja6Pg3Oi"
PATH = "/services/compute"
EC2 = "{http://ec2.amazonaws.com/doc/2016-11-15/}"
WEB, DB = "i-6a4b3c2d", "i-1f2e3d4c"
REQUEST_ID = "5d0c8b1e-2f3a-4b6c-9d7e-8f9a0b1c2d3e"
STATE_CODES = {"pending": "0", "running": "16", "shutting-down": "32", "terminated": "48", "stopping": "64",
               "stopped": "80"}


def sigv2(secret: str, method: str, host: str, path: str, params: dict[str, str]) -> str:
    """AWS Signature Version 2 (HmacSHA256) over the sorted, RFC 3986-encoded query, as Eucalyptus checks it."""
    query = "&".join(f"{quote(k, safe='-_~')}={quote(v, safe='-_~')}" for k, v in sorted(params.items()))
    digest = hmac.new(secret.encode(), f"{method}\n{host}\n{path}\n{query}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class Eucalyptus:
    """The compute service: Action dispatch over recorded answers, with instance states kept."""

    def __init__(self, cloud: FakeCloud) -> None:
        self.cloud = cloud
        self.instances = ET.fromstring(cloud.fixture("describe_instances.xml"))
        self.created_images: list[str] = []
        self.actions: dict[str, Callable[[dict[str, str]], Reply]] = {
            "DescribeAvailabilityZones": self.recorded("describe_availability_zones.xml"),
            "DescribeInstanceTypes": self.recorded("describe_instance_types.xml"),
            "DescribeImages": self.describe_images,
            "DescribeInstances": self.describe_instances,
            "DescribeAddresses": self.recorded("describe_addresses.xml"),
            "RunInstances": self.run_instances,
            "StartInstances": self.transition("start_instances.xml", "running"),
            "StopInstances": self.transition("stop_instances.xml", "stopped"),
            "TerminateInstances": self.transition("terminate_instances.xml", "terminated"),
            "RebootInstances": self.transition("reboot_instances.xml", None),
            "CreateImage": self.recorded("create_image.xml"),
            "DeregisterImage": self.recorded("deregister_image.xml"),
            "DescribeKeyPairs": self.recorded("describe_key_pairs.xml"),
            "CreateKeyPair": self.named("create_key_pair.xml", "KeyName"),
            "ImportKeyPair": self.named("import_key_pair.xml", "KeyName"),
            "DeleteKeyPair": self.recorded("delete_key_pair.xml"),
            "DescribeVolumes": self.recorded("describe_volumes.xml"),
            "CreateVolume": lambda p: self.xml(self.cloud.fixture("create_volume.xml").replace("@SIZE@", p["Size"])
                                               .replace("@ZONE@", p["AvailabilityZone"])),
            "AttachVolume": self.recorded("attach_volume.xml"),
            "DetachVolume": self.detach_volume,
            "DeleteVolume": self.recorded("delete_volume.xml"),
            "DescribeSnapshots": self.recorded("describe_snapshots.xml"),
            "CreateSnapshot": lambda p: self.xml(self.cloud.fixture("create_snapshot.xml")
                                                 .replace("@DESCRIPTION@", p.get("Description", ""))),
            "DeleteSnapshot": self.recorded("delete_snapshot.xml"),
            "CreateTags": self.recorded("create_tags.xml"),
        }
        cloud.route("GET", PATH, self.serve)

    @staticmethod
    def xml(body: str, status: int = 200) -> Reply:
        return Reply(status, body, {"Content-Type": "text/xml;charset=UTF-8"})

    def recorded(self, name: str) -> Callable[[dict[str, str]], Reply]:
        return lambda params: self.xml(self.cloud.fixture(name).replace("@REQUEST@", REQUEST_ID))

    def named(self, name: str, parameter: str) -> Callable[[dict[str, str]], Reply]:
        return lambda params: self.xml(self.cloud.fixture(name).replace("@NAME@", params[parameter]))

    def serve(self, request: Request, match: re.Match[str]) -> Reply:
        params = {k: v[0] for k, v in request.query.items()}
        signature = params.pop("Signature", "")
        expected = sigv2(SECRET_KEY, "GET", request.headers["host"], PATH, params)
        if params.get("AWSAccessKeyId") != ACCESS_KEY or not hmac.compare_digest(signature, expected):
            return self.xml(self.cloud.fixture("error_auth_failure.xml"), 401)
        return self.actions[params["Action"]](params)

    def _items(self) -> list[ET.Element]:
        return self.instances.findall(f"{EC2}reservationSet/{EC2}item/{EC2}instancesSet/{EC2}item")

    def _find(self, instance_id: str) -> ET.Element | None:
        return next((i for i in self._items() if i.findtext(f"{EC2}instanceId") == instance_id), None)

    def describe_instances(self, params: dict[str, str]) -> Reply:
        return self.xml(ET.tostring(self.instances, encoding="unicode"))

    def run_instances(self, params: dict[str, str]) -> Reply:
        if params["ImageId"] not in ("emi-8a3b5f2c", "emi-1d9e7c4b"):
            return self.xml(self.cloud.fixture("error_image_not_found.xml").replace("@IMAGE@", params["ImageId"]), 400)
        answer = ET.fromstring(self.cloud.fixture("run_instances.xml"))
        reservation = ET.SubElement(self.instances.find(f"{EC2}reservationSet"), f"{EC2}item")
        reservation.append(answer.find(f"{EC2}instancesSet"))
        return self.xml(self.cloud.fixture("run_instances.xml"))

    def transition(self, name: str, target: str | None) -> Callable[[dict[str, str]], Reply]:
        def act(params: dict[str, str]) -> Reply:
            found = self._find(params["InstanceId.1"])
            if found is None:
                return self.xml(self.cloud.fixture("error_instance_not_found.xml")
                                .replace("@INSTANCE@", params["InstanceId.1"]), 400)
            if target is not None:
                state = found.find(f"{EC2}instanceState")
                state.find(f"{EC2}name").text, state.find(f"{EC2}code").text = target, STATE_CODES[target]
            return self.xml(self.cloud.fixture(name).replace("@INSTANCE@", params["InstanceId.1"])
                            .replace("@REQUEST@", "6e1d9c2f-3a4b-4c5d-8e6f-9a0b1c2d3e4f"))
        return act

    def describe_images(self, params: dict[str, str]) -> Reply:
        images = ET.fromstring(self.cloud.fixture("describe_images.xml"))
        listed = images.find(f"{EC2}imagesSet")
        for image_id in self.created_images:
            copy = ET.fromstring(ET.tostring(listed[0]))
            copy.find(f"{EC2}imageId").text, copy.find(f"{EC2}imageState").text = image_id, "pending"
            copy.find(f"{EC2}name").text = "web-1-golden"
            listed.append(copy)
        wanted = {v for k, v in params.items() if k.startswith("ImageId.")}
        for item in list(listed):
            if wanted and item.findtext(f"{EC2}imageId") not in wanted:
                listed.remove(item)
        return self.xml(ET.tostring(images, encoding="unicode"))

    def detach_volume(self, params: dict[str, str]) -> Reply:
        if params["VolumeId"] == "vol-8d2f6a4e":  # the available one
            return self.xml(self.cloud.fixture("error_incorrect_state.xml"), 400)
        return self.recorded("detach_volume.xml")(params)


def eucalyptus_cloud() -> FakeCloud:
    cloud = FakeCloud("eucalyptus")
    service = Eucalyptus(cloud)
    ET.register_namespace("", EC2.strip("{}"))
    original = service.actions["CreateImage"]

    def create_image(params: dict[str, str]) -> Reply:
        service.created_images.append("emi-7e3a1b9c")
        return original(params)

    service.actions["CreateImage"] = create_image
    return cloud


@pytest.fixture(scope="module")
def cloud() -> Iterator[FakeCloud]:
    with eucalyptus_cloud() as running:
        yield running


SERVED = ServedDriver("eucalyptus", provider=lambda cloud: f"{cloud.url}{PATH}",
                      tenants=lambda cloud: alice_and_mallory({"username": ACCESS_KEY, "password": SECRET_KEY},
                                                            "guessed-secret-key-0000000000000000000"))
dc, api = SERVED.fixtures()


def actions_sent(cloud: FakeCloud, action: str) -> list[dict[str, str]]:
    return [{k: v[0] for k, v in r.query.items()} for r in cloud.seen("GET", PATH) if r.query["Action"] == [action]]


def test_entry_point_advertises_what_eucalyptus_offers(api: httpx.Client) -> None:
    links = entry_point(api)
    assert set(links) == {"drivers", "realms", "hardware_profiles", "images", "instances", "instance_states", "keys",
                          "storage_volumes", "storage_snapshots"}
    assert set(links["instances"]) == {"user_name", "user_data", "authentication_key", "firewalls"}
    assert set(links["images"]) == {"image_name", "owner_id"}
    assert api.get("/api/buckets").status_code == 412


def test_a_wrong_secret_key_is_401_and_never_echoed(dc: LocalServer, cloud: FakeCloud) -> None:
    with SERVED.client(dc, cloud, "mallory") as mallory:
        response = mallory.get("/api/instances")
    assert response.status_code == 401
    assert "guessed-secret" not in response.text and SECRET_KEY not in response.text
    with tenant_client(dc, "eucalyptus", "not a url") as bad:
        assert bad.get("/api/instances").status_code == 400


def test_zones_instance_types_and_images(api: httpx.Client) -> None:
    assert [r["id"] for r in api.get("/api/realms").json()["realms"]] == ["one", "two"]
    assert api.get("/api/realms/two").status_code == 200 and api.get("/api/realms/three").status_code == 404
    assert api.get("/api/hardware_profiles/m1.small").status_code == 200
    profiles = {p["id"]: p["properties"] for p in api.get("/api/hardware_profiles").json()["hardware_profiles"]}
    assert profiles == {"t1.micro": {"cpu": "1", "memory": "256", "storage": "6"},
                        "m1.small": {"cpu": "1", "memory": "512", "storage": "10"},
                        "c1.medium": {"cpu": "2", "memory": "1024", "storage": "10"}}
    images = {i["id"]: i for i in api.get("/api/images").json()["images"]}
    assert images["emi-8a3b5f2c"]["name"] == "centos-7-x86_64"
    assert images["emi-8a3b5f2c"]["architecture"] == "x86_64" and images["emi-8a3b5f2c"]["state"] == "AVAILABLE"
    assert images["emi-1d9e7c4b"]["owner"] == "000961257441"
    assert [i["id"] for i in api.get("/api/images?owner_id=nobody").json()["images"]] == []
    assert api.get("/api/images/emi-1d9e7c4b").json()["image"]["description"] == "Ubuntu 16.04 LTS, EBS-backed"
    assert api.get("/api/images/emi-00000000").status_code == 404  # was libcloud's IndexError as a 502


def test_instances_with_states_zones_and_addresses(api: httpx.Client) -> None:
    instances = {i["id"]: i for i in api.get("/api/instances").json()["instances"]}
    web, db = instances[WEB], instances[DB]
    assert (web["name"], web["state"], db["state"]) == ("web-1", "RUNNING", "STOPPED")
    assert web["realm"]["id"] == "one" and web["hardware_profile"]["id"] == "m1.small"
    assert {"address": "203.0.113.21", "type": "ipv4"} in web["public_addresses"]
    assert {"address": "172.31.4.17", "type": "ipv4"} in web["private_addresses"]
    assert {a["rel"] for a in web["actions"]} == {"reboot", "stop", "destroy"}
    assert {a["rel"] for a in db["actions"]} == {"start", "destroy"}
    assert api.get("/api/instances/i-00000000").status_code == 404


def test_create_sends_type_zone_key_groups_and_user_data(api: httpx.Client, cloud: FakeCloud) -> None:
    response = api.post("/api/instances", data={
        "image_id": "emi-8a3b5f2c", "hwp_id": "c1.medium", "realm_id": "two", "name": "worker-1",
        "keyname": "alice-key", "firewalls1": "default",
        "user_data": base64.b64encode(b"#!/bin/sh\necho hi\n").decode()})
    assert response.status_code == 201, response.text
    created = response.json()["instance"]
    assert (created["id"], created["state"], created["name"]) == ("i-9c8d7e6f", "PENDING", "worker-1")
    sent = actions_sent(cloud, "RunInstances")[-1]
    assert (sent["ImageId"], sent["InstanceType"], sent["Placement.AvailabilityZone"]) == \
        ("emi-8a3b5f2c", "c1.medium", "two")
    assert sent["KeyName"] == "alice-key" and sent["SecurityGroup.1"] == "default"
    assert base64.b64decode(sent["UserData"]) == b"#!/bin/sh\necho hi\n"
    assert sent["TagSpecification.1.Tag.1.Value"] == "worker-1"
    unknown = api.post("/api/instances", data={"image_id": "emi-00000000"})
    assert unknown.status_code == 400 and "InvalidAMIID.NotFound" in unknown.text


def test_stop_start_reboot_destroy(api: httpx.Client, cloud: FakeCloud) -> None:
    assert_stop_start_reboot(api, WEB)
    assert [a["InstanceId.1"] for a in actions_sent(cloud, "RebootInstances")] == [WEB]
    assert api.delete(f"/api/instances/{DB}").status_code == 204
    assert [a["InstanceId.1"] for a in actions_sent(cloud, "TerminateInstances")] == [DB]
    assert api.get(f"/api/instances/{DB}").status_code == 404  # terminated: listed by Eucalyptus, gone for us
    assert api.post("/api/instances/i-00000000/reboot").status_code == 403


def test_image_from_an_instance_and_its_removal(api: httpx.Client, cloud: FakeCloud) -> None:
    created = api.post("/api/images", data={"instance_id": WEB, "name": "web-1-golden"})
    assert created.status_code == 201, created.text
    assert created.json()["image"]["id"] == "emi-7e3a1b9c" and created.json()["image"]["state"] == "PENDING"
    sent = actions_sent(cloud, "CreateImage")[-1]
    assert sent["Name"] == "web-1-golden"
    assert sent["NoReboot"] == "False"  # the classic API never asks to skip the reboot: EC2's default applies
    assert api.delete("/api/images/emi-7e3a1b9c").status_code == 204
    assert actions_sent(cloud, "DeregisterImage")[-1]["ImageId"] == "emi-7e3a1b9c"


def test_keys_list_create_import_destroy(api: httpx.Client, cloud: FakeCloud) -> None:
    keys = api.get("/api/keys").json()["keys"]
    assert [(k["id"], k["fingerprint"]) for k in keys] == [
        ("alice-key", "1f:51:ae:28:bf:89:e9:d8:1f:25:5d:37:2d:7d:b8:ca:9f:f5:f1:6f")]
    assert api.get("/api/keys/alice-key").status_code == 200
    created = api.post("/api/keys", data={"name": "deploy"})
    assert created.status_code == 201 and "BEGIN RSA PRIVATE KEY" in created.text
    imported = api.post("/api/keys", data={"name": "laptop", "public_key": "ssh-rsa AAAAB3NzaC1yc2E laptop"})
    assert imported.status_code == 201 and imported.json()["key"]["id"] == "laptop"
    sent = actions_sent(cloud, "ImportKeyPair")[-1]
    assert base64.b64decode(sent["PublicKeyMaterial"]) == b"ssh-rsa AAAAB3NzaC1yc2E laptop"
    assert api.delete("/api/keys/alice-key").status_code == 204
    assert actions_sent(cloud, "DeleteKeyPair")[-1]["KeyName"] == "alice-key"


def test_volumes_and_snapshots(api: httpx.Client, cloud: FakeCloud) -> None:
    volumes = {v["id"]: v for v in api.get("/api/storage_volumes").json()["storage_volumes"]}
    assert volumes["vol-3e9b1c7d"]["state"] == "IN-USE" and volumes["vol-8d2f6a4e"]["state"] == "AVAILABLE"
    assert volumes["vol-3e9b1c7d"]["capacity"] == 10 and volumes["vol-3e9b1c7d"]["realm"]["id"] == "two"
    assert api.get("/api/storage_volumes/vol-8d2f6a4e").json()["storage_volume"]["state"] == "AVAILABLE"
    assert api.get("/api/storage_snapshots/snap-5c8e1f3a").status_code == 200
    created = api.post("/api/storage_volumes", data={"capacity": "5", "realm_id": "one", "name": "data"})
    assert created.status_code == 201, created.text
    assert created.json()["storage_volume"]["id"] == "vol-6b1e9d3f"
    assert actions_sent(cloud, "CreateVolume")[-1]["AvailabilityZone"] == "one"
    attached = api.post("/api/storage_volumes/vol-8d2f6a4e/attach", data={"instance_id": WEB, "device": "/dev/vdc"})
    assert attached.status_code == 202, attached.text
    assert actions_sent(cloud, "AttachVolume")[-1]["Device"] == "/dev/vdc"
    assert api.post("/api/storage_volumes/vol-3e9b1c7d/detach").status_code == 202
    # not attached: refused as on every driver (409), before the cloud is asked
    refused = api.post("/api/storage_volumes/vol-8d2f6a4e/detach")
    assert refused.status_code == 409 and "not attached" in refused.json()["message"]
    assert all(sent["VolumeId"] != "vol-8d2f6a4e" for sent in actions_sent(cloud, "DetachVolume"))
    assert api.delete("/api/storage_volumes/vol-8d2f6a4e").status_code == 204
    snapshots = api.get("/api/storage_snapshots").json()["storage_snapshots"]
    assert [(s["id"], s["state"]) for s in snapshots] == [("snap-5c8e1f3a", "COMPLETED")]
    assert actions_sent(cloud, "DescribeSnapshots")[-1]["Owner.1"] == "self"
    snapshot = api.post("/api/storage_snapshots", data={"volume_id": "vol-8d2f6a4e", "name": "before-upgrade"})
    assert snapshot.status_code == 201 and snapshot.json()["storage_snapshot"]["id"] == "snap-2a7d4c9e"
    assert api.delete("/api/storage_snapshots/snap-5c8e1f3a").status_code == 204
    assert actions_sent(cloud, "DeleteSnapshot")[-1]["SnapshotId"] == "snap-5c8e1f3a"


def test_provider_error_is_502_and_a_slow_provider_504(api: httpx.Client, cloud: FakeCloud) -> None:
    cloud.fail(PATH, 500, cloud.fixture("error_internal.xml"), "text/xml")
    failed = api.get("/api/keys")
    assert failed.status_code == 502 and "InternalError" in failed.text and "Traceback" not in failed.text
    cloud.clear_faults()
    cloud.slow(PATH, 4)
    assert api.get("/api/realms").status_code == 504


def test_the_clouds_incorrect_state_is_an_action_not_allowed(cloud: FakeCloud, tmp_path: Path) -> None:
    from deltacloud.drivers.eucalyptus import EucalyptusDriver

    euca = driver_for(EucalyptusDriver, f"{cloud.url}{PATH}", {"username": ACCESS_KEY, "password": SECRET_KEY},
                      tmp_path)
    with pytest.raises(ActionNotAllowed, match="IncorrectState"):
        euca.detach_storage_volume("vol-8d2f6a4e")  # the cloud's own refusal, whatever the front-end checked
