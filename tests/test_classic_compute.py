"""Realms, hardware profiles, images, instances, instance states and keys over real HTTP."""

import base64

import httpx
import pytest
from classic_helpers import xml
from conftest import LocalServer


def test_realms(api: httpx.Client) -> None:
    realms = xml(api.get("/api/realms"))
    assert [r.get("id") for r in realms] == ["us", "eu"]
    assert realms[0].findtext("name") == "United States" and realms[0].findtext("state") == "AVAILABLE"
    assert api.get("/api/realms?id=eu&format=json").json() == {"realms": [
        {"id": "eu", "href": f"{api.base_url}/api/realms/eu", "name": "Europe", "state": "AVAILABLE",
         "limit": "unlimited"}]}
    assert api.get("/api/realms/nowhere").status_code == 404


@pytest.mark.parametrize(("realm", "status", "message"), [
    ("500", 500, "DeltacloudErrorMessage"), ("502", 502, "ProviderErrorMessage"),
    ("504", 504, "ProviderTimeoutMessage"),
])
def test_backend_failures_surface_as_error_documents(api: httpx.Client, realm: str, status: int,
                                                     message: str) -> None:
    r = api.get(f"/api/realms/{realm}?format=json")
    assert r.status_code == status and r.json()["message"] == message


def test_hardware_profiles(server: LocalServer) -> None:
    profiles = xml(httpx.get(f"{server.url}/api/hardware_profiles"))
    assert [p.get("id") for p in profiles] == ["m1-small", "m1-large", "m1-xlarge", "opaque"]
    large = profiles[1]
    memory = large.find("property[@name='memory']")
    assert memory is not None and memory.get("kind") == "range" and memory.get("value") == "10240"
    assert memory.get("unit") == "MB"
    rng = memory.find("range")
    assert rng is not None and (rng.get("first"), rng.get("last")) == ("7680", "15360")
    param = memory.find("param")
    assert param is not None and param.get("name") == "hwp_memory" and param.get("href", "").endswith("/api/instances")
    storage = large.find("property[@name='storage']")
    assert storage is not None and [e.get("value") for e in storage.iter("entry")] == ["850", "1024"]
    small = httpx.get(f"{server.url}/api/hardware_profiles/m1-small?format=json").json()["hardware_profile"]
    assert small["properties"] == {"cpu": "1", "memory": "1740.8", "storage": "160", "architecture": "i386"}
    opaque = xml(httpx.get(f"{server.url}/api/hardware_profiles/opaque"))
    assert [c.tag for c in opaque] == ["id", "name"]
    x86 = xml(httpx.get(f"{server.url}/api/hardware_profiles?architecture=x86_64"))
    assert [p.get("id") for p in x86] == ["m1-large", "m1-xlarge"]
    assert httpx.get(f"{server.url}/api/hardware_profiles/unknown").status_code == 404


def test_images_listing_and_filters(api: httpx.Client) -> None:
    images = xml(api.get("/api/images"))
    assert [i.get("id") for i in images] == ["img1", "img2", "img3"]  # sorted by owner, description
    for image in images:
        for tag in ("state", "owner_id", "architecture", "description"):
            assert image.find(tag) is not None
        profiles = image.findall("hardware_profiles/hardware_profile")
        assert profiles and all(p.get("href", "").endswith("/" + (p.get("id") or "")) for p in profiles)
        rels = [link.get("rel") for link in image.findall("actions/link")]
        assert rels == ["create_instance", "destroy_image"]
    mine = api.get("/api/images?owner_id=self&format=json").json()["images"]
    assert [i["id"] for i in mine] == ["img3"] and mine[0]["owner"] == "mockuser"
    assert [i.get("id") for i in xml(api.get("/api/images?architecture=i386"))] == ["img2", "img3"]


def test_create_and_destroy_image_from_instance(api: httpx.Client) -> None:
    r = api.post("/api/images", data={"instance_id": "inst1", "name": "golden", "description": "my image"})
    assert r.status_code == 201
    assert r.headers["location"].endswith("/api/images/golden")
    assert xml(r).findtext("description") == "my image"
    assert api.post("/api/images", data={"instance_id": "inst1", "name": "golden"}).status_code == 409
    assert api.post("/api/images", data={"instance_id": "nosuch", "name": "x"}).status_code == 404
    assert api.post("/api/images", data={"instance_id": "inst3", "name": "x"}).status_code == 403
    unnamed = api.post("/api/images?format=json", data={"instance_id": "inst0"})
    assert unnamed.status_code == 201 and unnamed.json()["image"]["id"].startswith("img-")
    assert api.delete("/api/images/golden").status_code == 204
    assert api.get("/api/images/golden").status_code == 404
    assert api.delete("/api/images/golden").status_code == 404


def test_instance_documents_match_the_spec(api: httpx.Client) -> None:
    inst1 = xml(api.get("/api/instances/inst1"))
    assert inst1.findtext("name") == "MockUserInstance" and inst1.findtext("owner_id") == "mockuser"
    for tag in ("image", "realm", "hardware_profile"):
        assert len(inst1.findall(f".//{tag}")) == 1
    assert [link.get("rel") for link in inst1.findall("actions/link")] == ["reboot", "stop", "run", "create_image"]
    assert inst1.find("public_addresses/address").get("type") == "hostname"  # type: ignore[union-attr]
    assert inst1.find("storage_volumes") is not None
    assert [n.get("id") for n in inst1.findall("network_interfaces/network_interface")] == ["nic1"]
    inst0 = xml(api.get("/api/instances/inst0"))
    override = inst0.find("hardware_profile/property")
    assert override is not None and (override.get("name"), override.get("value")) == ("memory", "12288")
    inst3 = api.get("/api/instances/inst3?format=json").json()["instance"]
    assert "create_image" not in inst3 and inst3["name"] == ""
    assert [a["rel"] for a in inst3["actions"]] == ["reboot", "stop", "run"]
    assert api.get("/api/instances/nosuch").status_code == 404


def test_instance_filters(api: httpx.Client) -> None:
    eu = xml(api.get("/api/instances?realm_id=eu"))
    assert [i.get("id") for i in eu] == ["inst3"]
    assert xml(api.get("/api/instances?state=STOPPED")).findall("instance") == []
    assert [i.get("id") for i in xml(api.get("/api/instances?id=inst2"))] == ["inst2"]


def test_create_instance_with_every_parameter(api: httpx.Client) -> None:
    assert api.post("/api/keys", data={"name": "launch-key"}).status_code == 201
    user_data = base64.b64encode(b"#!/bin/sh\necho hello").decode()
    r = api.post("/api/instances", data={
        "image_id": "img2", "realm_id": "eu", "hwp_id": "m1-large", "hwp_memory": "8192", "hwp_cpu": "2",
        "hwp_storage": "1024", "name": "web-1", "keyname": "launch-key", "user_data": user_data, "metrics": "1",
    })
    assert r.status_code == 201
    created = xml(r)
    instance_id = created.get("id")
    assert r.headers["location"].endswith(f"/api/instances/{instance_id}")
    assert created.findtext("name") == "web-1"
    assert created.find("image").get("id") == "img2"  # type: ignore[union-attr]
    assert created.find("realm").get("id") == "eu"  # type: ignore[union-attr]
    profile = created.find("hardware_profile")
    assert profile is not None and profile.get("id") == "m1-large"
    assert {p.get("name"): p.get("value") for p in profile} == {"cpu": "2", "memory": "8192", "storage": "1024"}
    assert created.findtext("authentication/login/keyname") == "launch-key"
    assert created.findtext("state") == "RUNNING"
    several = api.post("/api/instances?format=json", data={"image_id": "img1", "instance_count": "3"})
    assert several.status_code == 201 and "location" not in several.headers
    ids = [i["id"] for i in several.json()["instances"]]
    assert len(set(ids)) == 3 and instance_id not in ids


@pytest.mark.parametrize(("form", "needle"), [
    ({"name": "x"}, "Required parameter 'image_id' not found in [name]"),
    ({"image_id": "img1", "hwp_id": "m1-large", "hwp_memory": "99999"}, "between 7680 and 15360"),
    ({"image_id": "img1", "hwp_id": "m1-large", "hwp_storage": "10"}, "one of 850, 1024"),
    ({"image_id": "img1", "hwp_id": "m1-small", "hwp_cpu": "4"}, "must be 1"),
    ({"image_id": "img1", "hwp_id": "nosuch"}, "Hardware profile 'nosuch' does not exists."),
    ({"image_id": "nosuch"}, "Image 'nosuch' does not exist"),
    ({"image_id": "img1", "realm_id": "mars"}, "Realm 'mars'"),
    ({"image_id": "img1", "keyname": "nosuch"}, "Key 'nosuch'"),
    ({"image_id": "img1", "user_data": "not base64!"}, "base64"),
    ({"image_id": "img1", "instance_count": "0"}, "instance_count"),
])
def test_bad_launch_requests_are_400_and_create_nothing(api: httpx.Client, form: dict[str, str],
                                                       needle: str) -> None:
    before = api.get("/api/instances?format=json").json()["instances"]
    r = api.post("/api/instances?format=json", data=form)
    assert r.status_code == 400
    assert needle in r.json()["message"]
    assert api.get("/api/instances?format=json").json()["instances"] == before


def test_instance_life_cycle(api: httpx.Client) -> None:
    instance_id = xml(api.post("/api/instances", data={"image_id": "img1"})).get("id")
    member = f"/api/instances/{instance_id}"
    assert api.delete(member).status_code == 405  # running instances cannot be destroyed
    assert api.post(f"{member}/start").status_code == 405
    assert xml(api.get(member)).findtext("state") == "RUNNING"
    r = api.post(f"{member}/reboot")
    assert r.status_code == 202 and xml(r).findtext("state") == "RUNNING"
    r = api.post(f"{member}/stop")
    assert r.status_code == 202 and xml(r).findtext("state") == "STOPPED"
    assert [link.get("rel") for link in xml(r).findall("actions/link")][:2] == ["start", "destroy"]
    assert api.post(f"{member}/stop").status_code == 405
    r = api.post(f"{member}/start?format=json")
    assert r.status_code == 202 and r.json()["instance"]["state"] == "RUNNING"
    api.post(f"{member}/stop")
    assert api.delete(member).status_code == 204
    assert api.get(member).status_code == 404
    assert api.post("/api/instances/nosuch/stop").status_code == 403  # the original's code, kept


def test_html_form_method_override_destroys(api: httpx.Client) -> None:
    instance_id = xml(api.post("/api/instances", data={"image_id": "img1"})).get("id")
    api.post(f"/api/instances/{instance_id}/stop")
    r = api.post(f"/api/instances/{instance_id}", data={"_method": "delete"})
    assert r.status_code == 204
    assert api.get(f"/api/instances/{instance_id}").status_code == 404


def test_run_on_instance(api: httpx.Client) -> None:
    r = api.post("/api/instances/inst1/run?format=json", data={"cmd": "uname -a", "ip": "203.0.113.5"})
    assert r.status_code == 200
    result = r.json()["instance"]
    assert result["command"] == "uname -a" and result["public_address"] == "203.0.113.5"
    assert "uname -a" in result["output"]
    assert api.post("/api/instances/inst1/run").status_code == 400


def test_instance_states(server: LocalServer) -> None:
    states = xml(httpx.get(f"{server.url}/api/instance_states"))
    assert states.tag == "states"
    assert [s.get("name") for s in states] == ["start", "pending", "running", "stopped", "finish"]
    pending = states.find("state[@name='pending']/transition")
    assert pending is not None and pending.get("auto") == "true" and pending.get("to") == "running"
    as_json = httpx.get(f"{server.url}/api/instance_states?format=json").json()
    assert as_json[2] == {"name": "running", "transitions": [{"to": "running", "action": "reboot"},
                                                              {"to": "stopped", "action": "stop"}]}


def test_keys(api: httpx.Client) -> None:
    test_key = xml(api.get("/api/keys/test-key"))
    assert test_key.get("type") == "key"
    assert test_key.findtext("fingerprint", "").startswith("5e:ce:b6")
    assert "BEGIN RSA PRIVATE KEY" in test_key.findtext("pem", "")
    r = api.post("/api/keys", data={"name": "deploy"})
    assert r.status_code == 201 and xml(r).get("id") == "deploy" and xml(r).find("pem") is not None
    assert r.headers["location"].endswith("/api/keys/deploy")
    duplicate = api.post("/api/keys?format=json", data={"name": "deploy"})
    assert duplicate.status_code == 403 and duplicate.json()["message"] == "Key with same name already exists"
    public = "ssh-rsa " + base64.b64encode(b"\x00\x00\x00\x07ssh-rsa-public-key-bytes").decode() + " me@host"
    imported = api.post("/api/keys?format=json", data={"name": "mine", "public_key": public}).json()["key"]
    assert imported["fingerprint"].count(":") == 15 and "pem_rsa_key" not in imported
    assert api.post("/api/keys", data={"name": "bad", "public_key": "ssh-rsa %%%"}).status_code == 400
    assert api.delete("/api/keys/deploy").status_code == 204
    assert api.get("/api/keys/deploy").status_code == 404
    assert api.delete("/api/keys/deploy").status_code == 404


def test_launch_into_firewalls(api: httpx.Client) -> None:
    assert api.post("/api/firewalls", data={"name": "web", "description": "web servers"}).status_code == 201
    r = api.post("/api/instances", data={"image_id": "img1", "firewalls1": "web"})
    assert r.status_code == 201
    assert [f.get("id") for f in xml(r).findall("firewalls/firewall")] == ["web"]
    r = api.post("/api/instances?format=json", data={"image_id": "img1", "firewalls1": "nosuch"})
    assert r.status_code == 400 and "nosuch" in r.json()["message"]


def test_error_documents_never_echo_secrets(api: httpx.Client) -> None:
    r = api.post("/api/instances", data={"image_id": "nosuch", "password": "hunter2-root", "name": "x"})
    assert r.status_code == 400
    assert "hunter2-root" not in r.text
    params = {p.get("name"): p.text for p in xml(r).findall("request/param")}
    assert params["name"] == "x" and params["password"] == "[redacted]"


def test_odd_input_never_breaks_documents_or_the_server(api: httpx.Client) -> None:
    # a control character XML cannot carry is refused before the driver sees it (an SDK would send it on
    # and blame the cloud's answer: a 502), and an id holding one names nothing
    before = xml(api.get("/api/instances"))
    r = api.post("/api/instances?format=json", data={"image_id": "img1", "name": "bad\x01name"})
    assert r.status_code == 400 and r.json()["message"] == "Parameter 'name' holds control characters"
    assert len(xml(api.get("/api/instances")).findall("instance")) == len(before.findall("instance"))
    assert api.get("/api/images/img%001").status_code == 404
    # non-ASCII digits are refused as numbers (int() would reject them): a 400, never a 500
    for form in ({"image_id": "img1", "instance_count": "²"}, {"image_id": "img1", "instance_count": "51"}):
        assert api.post("/api/instances", data=form).status_code == 400
    assert api.post("/api/instances/inst1/run", data={"cmd": "ls", "port": "²"}).status_code == 400
