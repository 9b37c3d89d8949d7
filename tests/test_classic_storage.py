"""Storage volumes and snapshots over real HTTP: shapes, statuses, attach/detach, bad input."""

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from classic_helpers import assert_refused_unchanged, listing, xml
from conftest import MOCK_AUTH, LocalServer


def volume(api: httpx.Client, volume_id: str) -> dict:
    r = api.get(f"/api/storage_volumes/{volume_id}?format=json")
    assert r.status_code == 200, r.text
    return r.json()["storage_volume"]


def new_volume(api: httpx.Client, **params: str) -> str:
    r = api.post("/api/storage_volumes", data=params)
    assert r.status_code == 201, r.text
    return xml(r).get("id", "")


def test_seed_volumes_xml(api: httpx.Client) -> None:
    r = api.get("/api/storage_volumes")
    assert r.status_code == 200 and r.headers["content-type"] == "application/xml" and r.headers["etag"]
    volumes = {v.get("id"): v for v in xml(r)}
    assert {"vol1", "vol2", "vol3"} <= set(volumes)
    vol3 = volumes["vol3"]
    assert vol3.get("href") == f"{api.base_url}/api/storage_volumes/vol3"
    assert [c.tag for c in vol3] == ["created", "capacity", "name", "device", "realm", "realm_id", "state", "mount"]
    assert vol3.findtext("created") == "Thu Jul 30 14:35:11 UTC 2009"
    capacity = vol3.find("capacity")
    assert capacity is not None and capacity.get("unit") == "GB" and capacity.text == "1"
    assert vol3.findtext("name") == "vol3"  # no name: the id stands in
    assert vol3.findtext("state") == "IN-USE" and vol3.findtext("device") == "/dev/sda1"
    mount_instance = vol3.find("mount/instance")
    assert mount_instance is not None and mount_instance.get("id") == "inst1"
    assert mount_instance.get("href", "").endswith("/api/instances/inst1")
    mount_device = vol3.find("mount/device")
    assert mount_device is not None and mount_device.get("name") == "/dev/sda1"
    assert volumes["vol1"].find("mount") is None and volumes["vol1"].find("device") is None


def test_seed_volume_json(api: httpx.Client) -> None:
    r = api.get("/api/storage_volumes/vol1?format=json")
    assert r.headers["content-type"] == "application/json"
    base = f"{api.base_url}/api"
    assert r.json() == {"storage_volume": {
        "id": "vol1", "href": f"{base}/storage_volumes/vol1", "name": None, "description": None,
        "state": "AVAILABLE", "created": "Thu Jul 30 14:35:11 UTC 2009",
        "realm": {"id": "us", "href": f"{base}/realms/us", "rel": "realm"}, "device": None, "kind": None,
        "capacity": 1, "actions": [], "instance": {}}}
    attached = volume(api, "vol3")
    assert attached["instance"] == {"id": "inst1", "href": f"{base}/instances/inst1", "rel": "instance"}


def test_unknown_volume_is_404_in_xml_and_json(api: httpx.Client) -> None:
    r = api.get("/api/storage_volumes/nosuch")
    assert r.status_code == 404 and xml(r).findtext("code") == "404"
    r = api.get("/api/storage_volumes/nosuch?format=json")
    assert r.status_code == 404 and r.json()["code"] == 404


def test_volumes_need_credentials(server: LocalServer) -> None:
    for collection in ("storage_volumes", "storage_snapshots"):
        r = httpx.get(f"{server.url}/api/{collection}")
        assert r.status_code == 401 and "WWW-Authenticate" in r.headers


def test_create_volume_with_every_parameter(api: httpx.Client) -> None:
    r = api.post("/api/storage_volumes", data={"capacity": "10", "realm_id": "eu", "name": "data",
                                              "description": "the data disk"})
    assert r.status_code == 201
    created = xml(r)
    volume_id = created.get("id", "")
    assert volume_id.startswith("volume_")
    assert r.headers["location"] == f"{api.base_url}/api/storage_volumes/{volume_id}"
    assert created.findtext("name") == "data" and created.findtext("capacity") == "10"
    assert created.findtext("realm_id") == "eu" and created.findtext("state") == "AVAILABLE"
    doc = volume(api, volume_id)
    assert (doc["description"], doc["capacity"], doc["realm"]["id"]) == ("the data disk", 10, "eu")
    assert doc["created"]


def test_create_volume_defaults_and_json(api: httpx.Client) -> None:
    r = api.post("/api/storage_volumes?format=json")
    assert r.status_code == 201
    created = r.json()["storage_volume"]
    assert created["capacity"] == 1 and created["realm"]["id"] == "us" and created["state"] == "AVAILABLE"
    assert created["name"] == f"Volume{created['id']}"  # the original's default name


def test_volume_from_snapshot_inherits_capacity(api: httpx.Client) -> None:
    source = new_volume(api, capacity="20")
    r = api.post("/api/storage_snapshots", data={"volume_id": source})
    snapshot_id = xml(r).get("id", "")
    from_snapshot = new_volume(api, snapshot_id=snapshot_id)
    assert volume(api, from_snapshot)["capacity"] == 20
    assert volume(api, new_volume(api, snapshot_id=snapshot_id, capacity="30"))["capacity"] == 30


@pytest.mark.parametrize(("params", "status", "message"), [
    ({"capacity": "0"}, 400, "capacity must be a whole number"),
    ({"capacity": "lots"}, 400, "capacity must be a whole number"),
    ({"capacity": "16385"}, 400, "capacity must be a whole number of GB from 1 to 16384"),
    ({"realm_id": "mars"}, 400, "Realm 'mars' does not exist"),
    ({"snapshot_id": "nosuch"}, 404, "Storage snapshot 'nosuch' not found"),
    ({"snapshot_id": "snap1", "capacity": "0"}, 400, "capacity must be a whole number"),
])
def test_bad_volume_creation_changes_nothing(api: httpx.Client, params: dict, status: int, message: str) -> None:
    assert_refused_unchanged(api, "storage_volumes", params, status, message)


def test_volume_smaller_than_its_snapshot_is_refused(api: httpx.Client) -> None:
    snapshot = xml(api.post("/api/storage_snapshots", data={"volume_id": new_volume(api, capacity="50")})).get("id")
    r = api.post("/api/storage_volumes", data={"snapshot_id": snapshot, "capacity": "10"})
    assert r.status_code == 400 and "smaller than the snapshot" in (xml(r).findtext("message") or "")


def instance_volumes(api: httpx.Client, instance_id: str) -> list[str]:
    instance = xml(api.get(f"/api/instances/{instance_id}"))
    return [v.get("id", "") for v in instance.findall("storage_volumes/storage_volume")]


def test_attach_and_detach(api: httpx.Client) -> None:
    volume_id = new_volume(api)
    r = api.post(f"/api/storage_volumes/{volume_id}/attach", data={"instance_id": "inst2", "device": "/dev/sdf"})
    assert r.status_code == 202
    attached = xml(r)
    assert attached.findtext("state") == "IN-USE" and attached.findtext("device") == "/dev/sdf"
    mount = attached.find("mount/instance")
    assert mount is not None and mount.get("id") == "inst2"
    assert volume_id in instance_volumes(api, "inst2")
    r = api.post(f"/api/storage_volumes/{volume_id}/detach?format=json")
    assert r.status_code == 202
    detached = r.json()["storage_volume"]
    assert (detached["state"], detached["device"], detached["instance"]) == ("AVAILABLE", None, {})
    assert volume_id not in instance_volumes(api, "inst2")


def test_attach_conflicts_leave_everything_unchanged(api: httpx.Client) -> None:
    volume_id, other = new_volume(api), new_volume(api)
    assert api.post(f"/api/storage_volumes/{volume_id}/attach",
                    data={"instance_id": "inst0", "device": "/dev/sdg"}).status_code == 202
    before = volume(api, volume_id)
    # the same volume again, even to another instance
    r = api.post(f"/api/storage_volumes/{volume_id}/attach?format=json",
                 data={"instance_id": "inst2", "device": "/dev/sdh"})
    assert r.status_code == 409 and "already attached to instance 'inst0'" in r.json()["message"]
    # another volume on a device that is taken
    r = api.post(f"/api/storage_volumes/{other}/attach", data={"instance_id": "inst0", "device": "/dev/sdg"})
    assert r.status_code == 409 and "/dev/sdg" in (xml(r).findtext("message") or "")
    # destroying an attached volume
    r = api.delete(f"/api/storage_volumes/{volume_id}")
    assert r.status_code == 409
    assert volume(api, volume_id) == before and volume(api, other)["state"] == "AVAILABLE"
    assert instance_volumes(api, "inst0").count(volume_id) == 1 and other not in instance_volumes(api, "inst2")


@pytest.mark.parametrize(("path", "data", "status"), [
    ("/api/storage_volumes/nosuch/attach", {"instance_id": "inst0", "device": "/dev/sdx"}, 404),
    ("/api/storage_volumes/vol1/attach", {"instance_id": "nosuch", "device": "/dev/sdx"}, 404),
    ("/api/storage_volumes/vol1/attach", {"instance_id": "inst0", "device": "sdx"}, 400),
    ("/api/storage_volumes/vol1/attach", {"instance_id": "inst0"}, 400),
    ("/api/storage_volumes/vol1/detach", {}, 409),
    ("/api/storage_volumes/nosuch/detach", {}, 404),
])
def test_bad_attach_and_detach(api: httpx.Client, path: str, data: dict, status: int) -> None:
    before = volume(api, "vol1")
    r = api.post(path, data=data)
    assert r.status_code == status and xml(r).findtext("code") == str(status)
    assert volume(api, "vol1") == before


def test_missing_attach_parameter_is_named(api: httpx.Client) -> None:
    r = api.post("/api/storage_volumes/vol1/attach", data={"instance_id": "inst0"})
    assert r.status_code == 400
    assert xml(r).findtext("message") == "Required parameter 'device' not found in [instance_id]"


def test_destroy_volume(api: httpx.Client) -> None:
    volume_id = new_volume(api)
    r = api.delete(f"/api/storage_volumes/{volume_id}")
    assert r.status_code == 204 and r.content == b""
    assert api.get(f"/api/storage_volumes/{volume_id}").status_code == 404
    assert api.delete(f"/api/storage_volumes/{volume_id}").status_code == 404


def test_destroying_an_instance_detaches_its_volumes(api: httpx.Client) -> None:
    instance_id = xml(api.post("/api/instances", data={"image_id": "img1"})).get("id")
    volume_id = new_volume(api)
    api.post(f"/api/storage_volumes/{volume_id}/attach", data={"instance_id": instance_id, "device": "/dev/sdb"})
    assert api.post(f"/api/instances/{instance_id}/stop").status_code == 202
    assert api.delete(f"/api/instances/{instance_id}").status_code == 204
    assert volume(api, volume_id)["state"] == "AVAILABLE"


def test_concurrent_creations_get_unique_ids(server: LocalServer) -> None:
    def create(_: int) -> str:
        with server.client(auth=MOCK_AUTH) as client:
            r = client.post("/api/storage_volumes?format=json")
            assert r.status_code == 201
            return r.json()["storage_volume"]["id"]

    with ThreadPoolExecutor(max_workers=10) as pool:
        ids = list(pool.map(create, range(30)))
    assert len(set(ids)) == 30
    with server.client(auth=MOCK_AUTH) as client:
        listed = {v["id"] for v in client.get("/api/storage_volumes?format=json").json()["storage_volumes"]}
    assert set(ids) <= listed


# -- snapshots ----------------------------------------------------------------------------
def test_seed_snapshots(api: httpx.Client) -> None:
    snapshots = xml(api.get("/api/storage_snapshots"))
    snap1 = next(s for s in snapshots if s.get("id") == "snap1")
    assert [c.tag for c in snap1] == ["name", "created", "storage_volume"]
    assert snap1.findtext("name") == "snap1" and snap1.findtext("created") == "Wed Jul 29 18:15:24 UTC 2009"
    storage_volume = snap1.find("storage_volume")
    assert storage_volume is not None and storage_volume.get("id") == "vol1"
    base = f"{api.base_url}/api"
    assert api.get("/api/storage_snapshots/snap1?format=json").json() == {"storage_snapshot": {
        "id": "snap1", "href": f"{base}/storage_snapshots/snap1", "state": "COMPLETED",
        "storage_volume": {"id": "vol1", "href": f"{base}/storage_volumes/vol1", "rel": "storage_volume"},
        "created": "Wed Jul 29 18:15:24 UTC 2009"}}
    assert api.get("/api/storage_snapshots/nosuch").status_code == 404


def test_create_and_destroy_snapshot(api: httpx.Client) -> None:
    r = api.post("/api/storage_snapshots", data={"volume_id": "vol2", "name": "nightly", "description": "backup"})
    assert r.status_code == 201
    snapshot = xml(r)
    snapshot_id = snapshot.get("id", "")
    assert snapshot_id.startswith("store_snapshot_")
    assert r.headers["location"] == f"{api.base_url}/api/storage_snapshots/{snapshot_id}"
    assert snapshot.findtext("name") == snapshot_id  # the original's quirk, kept
    doc = api.get(f"/api/storage_snapshots/{snapshot_id}?format=json").json()["storage_snapshot"]
    assert doc["state"] == "COMPLETED" and doc["storage_volume"]["id"] == "vol2"
    assert api.delete(f"/api/storage_snapshots/{snapshot_id}").status_code == 204
    assert api.get(f"/api/storage_snapshots/{snapshot_id}").status_code == 404
    assert api.delete(f"/api/storage_snapshots/{snapshot_id}").status_code == 404


def test_bad_snapshot_creation(api: httpx.Client) -> None:
    before = listing(api, "storage_snapshots")
    r = api.post("/api/storage_snapshots?format=json", data={"volume_id": "nosuch"})
    assert r.status_code == 404 and r.json()["message"] == "Storage volume 'nosuch' not found"
    r = api.post("/api/storage_snapshots")
    assert r.status_code == 400 and "Required parameter 'volume_id'" in (xml(r).findtext("message") or "")
    assert listing(api, "storage_snapshots") == before


def test_entry_point_advertises_storage_features(api: httpx.Client) -> None:
    links = {link.get("rel"): link for link in xml(api.get("/api"))}
    assert {"storage_volumes", "storage_snapshots", "buckets"} <= set(links)
    volume_features = [f.get("name") for f in links["storage_volumes"].findall("feature")]
    assert volume_features == ["volume_name", "volume_description"]
    assert [f.get("name") for f in links["buckets"].findall("feature")] == ["bucket_location"]
