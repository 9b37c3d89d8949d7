"""The rackspace driver against recorded Rackspace identity v2.0 / Cloud Servers v2 / Cloud Files answers.

Rackspace has no emulator, so a local HTTP server plays it from tests/fixtures/rackspace/ (with
just enough state that a deleted server is gone and an uploaded object reads back). Everything
goes through the classic API on a real local server; the provider is the region.
"""

import base64
import copy
import hashlib
import json
import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from email.utils import formatdate
from urllib.parse import quote, unquote

import httpx
import pytest
from cloudfakes import FakeCloud, Reply, Request, json_reply
from conftest import LocalServer
from driver_support import ServedDriver, alice_and_mallory, entry_point, tenant_client

TENANT = "930412"
COMPUTE = f"/v2/{TENANT}"
FILES = "/v1/MossoCloudFS_4f7e9c1a-2b3d-4e5f-8a9b-0c1d2e3f4a5b"
API_KEY = "0f5c1e9a7b3d4c2e8f6a1b0c9d8e7f6a"
WEB = "ef079b0c-e610-4dfb-b1aa-b49f07ac48e5"
DB = "a7d2e94c-1b3f-4c5d-9e8f-7a6b5c4d3e2f"
UBUNTU = "8e6b3f43-7c2a-4b8e-9f1d-2a5c6e7d8f90"


class CloudFiles:
    """Just enough Swift for Cloud Files: containers and objects with metadata, kept in memory. Names
    arrive percent-encoded in the path, and are decoded as Swift does."""

    def __init__(self, cloud: FakeCloud) -> None:
        self.objects: dict[str, dict[str, dict[str, object]]] = {
            c["name"]: {} for c in cloud.fixture_json("containers.json")}
        for listed in cloud.fixture_json("objects_backups.json"):
            self.objects["backups"][listed["name"]] = {"content": b"", "type": listed["content_type"], "meta": {},
                                                      "etag": listed["hash"], "size": listed["bytes"]}
        for method, pattern, responder in (
            ("GET", rf"{FILES}/?", self.account), ("HEAD", rf"{FILES}/(?P<c>[^/]+)", self.container_head),
            ("GET", rf"{FILES}/(?P<c>[^/]+)", self.container_list),
            ("PUT", rf"{FILES}/(?P<c>[^/]+)", self.put_container),
            ("DELETE", rf"{FILES}/(?P<c>[^/]+)", self.delete_container),
            ("PUT", rf"{FILES}/(?P<c>[^/]+)/(?P<o>.+)", self.put_object),
            ("HEAD", rf"{FILES}/(?P<c>[^/]+)/(?P<o>.+)", self.head_object),
            ("GET", rf"{FILES}/(?P<c>[^/]+)/(?P<o>.+)", self.get_object),
            ("DELETE", rf"{FILES}/(?P<c>[^/]+)/(?P<o>.+)", self.delete_object),
        ):
            cloud.route(method, pattern, responder)

    def account(self, request: Request, match: re.Match[str]) -> Reply:
        listed = [{"name": n, "count": len(o), "bytes": sum(int(v["size"]) for v in o.values())}  # type: ignore[call-overload]
                  for n, o in sorted(self.objects.items())]
        return json_reply(listed)

    def container_head(self, request: Request, match: re.Match[str]) -> Reply:
        if unquote(match["c"]) not in self.objects:
            return Reply(404)
        return Reply(204, headers={"X-Container-Object-Count": str(len(self.objects[unquote(match["c"])])),
                                   "X-Container-Bytes-Used": "0"})

    def container_list(self, request: Request, match: re.Match[str]) -> Reply:
        if unquote(match["c"]) not in self.objects:
            return Reply(404, "<html><h1>Not Found</h1></html>", {"Content-Type": "text/html"})
        return json_reply([{"name": n, "bytes": o["size"], "hash": o["etag"], "content_type": o["type"],
                            "last_modified": "2024-05-04T12:00:00.000000"}
                           for n, o in sorted(self.objects[unquote(match["c"])].items())
                           if not request.query.get("marker")])

    def put_container(self, request: Request, match: re.Match[str]) -> Reply:
        created = unquote(match["c"]) not in self.objects
        self.objects.setdefault(unquote(match["c"]), {})
        return Reply(201 if created else 202)

    def delete_container(self, request: Request, match: re.Match[str]) -> Reply:
        if self.objects.get(unquote(match["c"])):
            return Reply(409, "<html><h1>Conflict</h1><p>There was a conflict when trying to complete your request."
                              "</p></html>", {"Content-Type": "text/html"})
        return Reply(204) if self.objects.pop(unquote(match["c"]), None) is not None else Reply(404)

    def put_object(self, request: Request, match: re.Match[str]) -> Reply:
        if unquote(match["c"]) not in self.objects:
            return Reply(404)
        etag = hashlib.md5(request.body).hexdigest()
        meta = {k.removeprefix("x-object-meta-"): v for k, v in request.headers.items()
                if k.startswith("x-object-meta-")}
        self.objects[unquote(match["c"])][unquote(match["o"])] = {
            "content": request.body, "type": request.headers.get("content-type"), "meta": meta, "etag": etag,
            "size": len(request.body)}
        return Reply(201, headers={"ETag": etag, "Last-Modified": formatdate(usegmt=True)})

    def _object_headers(self, found: dict[str, object]) -> dict[str, str]:
        headers = {"Content-Type": str(found["type"]), "ETag": str(found["etag"]),
                   "Last-Modified": "Sat, 04 May 2024 12:00:00 GMT", "Accept-Ranges": "bytes"}
        headers.update({f"X-Object-Meta-{k.title()}": str(v) for k, v in found["meta"].items()})  # type: ignore[attr-defined]
        return headers

    def head_object(self, request: Request, match: re.Match[str]) -> Reply:
        found = self.objects.get(unquote(match["c"]), {}).get(unquote(match["o"]))
        if found is None:
            return Reply(404)
        # the fake server sends a HEAD reply's Content-Length from its body and then leaves the body out
        return Reply(200, found["content"], self._object_headers(found))  # type: ignore[arg-type]

    def get_object(self, request: Request, match: re.Match[str]) -> Reply:
        found = self.objects.get(unquote(match["c"]), {}).get(unquote(match["o"]))
        if found is None:
            return Reply(404)
        return Reply(200, found["content"], self._object_headers(found))  # type: ignore[arg-type]

    def delete_object(self, request: Request, match: re.Match[str]) -> Reply:
        removed = self.objects.get(unquote(match["c"]), {}).pop(unquote(match["o"]), None)
        return Reply(204) if removed is not None else Reply(404)


def rackspace_cloud() -> FakeCloud:
    cloud = FakeCloud("rackspace")
    servers = {s["id"]: s for s in cloud.fixture_json("servers_detail.json")["servers"]}
    images = {i["id"]: i for i in cloud.fixture_json("images_detail.json")["images"]}

    def token(request: Request, match: re.Match[str]) -> Reply:
        given = request.json()["auth"]["RAX-KSKEY:apiKeyCredentials"]
        if (given["username"], given["apiKey"]) != ("alice", API_KEY):
            return Reply(401, cloud.fixture("auth_unauthorized.json"), {"Content-Type": "application/json"})
        return Reply(200, cloud.fixture("auth_token.json"), {"Content-Type": "application/json"})

    def authorized(responder):  # type: ignore[no-untyped-def]
        def check(request: Request, match: re.Match[str]) -> Reply:
            if request.headers.get("x-auth-token") != cloud.fixture_json("auth_token.json")["access"]["token"]["id"]:
                return json_reply({"unauthorized": {"code": 401, "message": "No valid token provided."}}, 401)
            return responder(request, match)
        return check

    def server(request: Request, match: re.Match[str]) -> Reply:
        found = servers.get(match["id"])
        if found is None:
            return json_reply({"itemNotFound": {"message": "Instance could not be found", "code": 404}}, 404)
        return json_reply({"server": found})

    def create(request: Request, match: re.Match[str]) -> Reply:
        created = cloud.fixture_json("server_create.json")["server"]
        wanted = request.json()["server"]
        record = copy.deepcopy(servers[WEB])
        record.update(id=created["id"], name=wanted["name"], status="BUILD", key_name=wanted.get("key_name"),
                      addresses={}, accessIPv4="", flavor={"id": wanted["flavorRef"]}, image={"id": wanted["imageRef"]})
        servers[created["id"]] = record
        return json_reply({"server": created}, 202)

    def action(request: Request, match: re.Match[str]) -> Reply:
        body = request.json()
        if match["id"] not in servers:
            return json_reply({"itemNotFound": {"message": "Instance could not be found", "code": 404}}, 404)
        if "os-stop" in body or "os-start" in body:  # Rackspace has no power off
            return json_reply({"badRequest": {"message": "Action not supported", "code": 400}}, 400)
        if "createImage" in body:
            image = cloud.fixture_json("image_detail.json")["image"]
            images[image["id"]] = dict(image, name=body["createImage"]["name"])
            return Reply(202, headers={"Location": f"{cloud.url}{COMPUTE}/images/{image['id']}"})
        return Reply(202)  # the reboot completes at once: the server reads ACTIVE again

    def delete(request: Request, match: re.Match[str]) -> Reply:
        return Reply(204) if servers.pop(match["id"], None) is not None else \
            json_reply({"itemNotFound": {"message": "Instance could not be found", "code": 404}}, 404)

    def image(request: Request, match: re.Match[str]) -> Reply:
        found = images.get(match["id"])
        return json_reply({"image": found}) if found else \
            json_reply({"itemNotFound": {"message": "Image not found.", "code": 404}}, 404)

    def delete_image(request: Request, match: re.Match[str]) -> Reply:
        return Reply(204) if images.pop(match["id"], None) is not None else \
            json_reply({"itemNotFound": {"message": "Image not found.", "code": 404}}, 404)

    def fixture(name: str, status: int = 200):  # type: ignore[no-untyped-def]
        return lambda r, m: Reply(status, cloud.fixture(name), {"Content-Type": "application/json"})

    cloud.route("POST", r"/v2.0/tokens", token)
    for method, pattern, responder in (
        ("GET", rf"{COMPUTE}/flavors/detail", fixture("flavors_detail.json")),
        ("GET", rf"{COMPUTE}/images/detail", lambda r, m: json_reply({"images": list(images.values())})),
        ("GET", rf"{COMPUTE}/images/(?P<id>[^/]+)", image),
        ("DELETE", rf"{COMPUTE}/images/(?P<id>[^/]+)", delete_image),
        ("GET", rf"{COMPUTE}/servers/detail", lambda r, m: json_reply({"servers": list(servers.values())})),
        ("GET", rf"{COMPUTE}/servers/(?P<id>[^/]+)", server),
        ("POST", rf"{COMPUTE}/servers", create),
        ("POST", rf"{COMPUTE}/servers/(?P<id>[^/]+)/action", action),
        ("DELETE", rf"{COMPUTE}/servers/(?P<id>[^/]+)", delete),
        ("GET", rf"{COMPUTE}/os-keypairs", fixture("keypairs.json")),
        ("POST", rf"{COMPUTE}/os-keypairs", fixture("keypair_create.json")),
        ("DELETE", rf"{COMPUTE}/os-keypairs/[^/]+", lambda r, m: Reply(202)),
    ):
        cloud.route(method, pattern, authorized(responder))
    CloudFiles(cloud)
    return cloud


@pytest.fixture(scope="module")
def cloud() -> Iterator[FakeCloud]:
    with rackspace_cloud() as running:
        yield running


SERVED = ServedDriver("rackspace", provider=lambda cloud: "dfw", tenants=lambda cloud: alice_and_mallory(
    {"username": "alice", "password": API_KEY, "auth_url": f"{cloud.url}/v2.0"}, "not-the-key"))
dc, api = SERVED.fixtures()


def test_regions_are_the_providers(dc: LocalServer) -> None:
    with dc.client(headers={"Accept": "application/json"}) as anonymous:
        driver = anonymous.get("/api/drivers/rackspace").json()["driver"]
        assert driver["name"] == "Rackspace"
        assert driver["providers"] == ["dfw", "ord", "iad", "lon", "syd", "hkg"]
    with tenant_client(dc, "rackspace", "mars") as unknown:
        response = unknown.get("/api/instances")
    assert response.status_code == 400 and "dfw" in response.text


def test_entry_point_advertises_what_rackspace_offers(api: httpx.Client) -> None:
    links = entry_point(api)
    assert set(links) == {"drivers", "realms", "hardware_profiles", "images", "instances", "instance_states", "keys",
                          "buckets"}
    assert set(links["instances"]) == {"user_name", "user_data", "authentication_key", "authentication_password"}
    assert api.get("/api/storage_volumes").status_code == 412  # Cloud Block Storage is not offered
    states = {s["name"]: s for s in api.get("/api/instance_states").json()}
    assert {t["action"] for t in states["running"]["transitions"] if t.get("action")} == {"reboot", "destroy"}


def test_wrong_api_key_is_401_without_the_key(dc: LocalServer, cloud: FakeCloud) -> None:
    with SERVED.client(dc, cloud, "mallory") as mallory:
        response = mallory.get("/api/instances")
    assert response.status_code == 401
    assert "not-the-key" not in response.text and API_KEY not in response.text
    sent = cloud.seen("POST", r"/v2.0/tokens")[-1].json()
    assert sent["auth"]["RAX-KSKEY:apiKeyCredentials"]["username"] == "alice"


def test_region_realm_flavors_and_images(api: httpx.Client) -> None:
    (realm,) = api.get("/api/realms").json()["realms"]
    assert (realm["id"], realm["name"]) == ("dfw", "Dallas-Fort Worth (DFW)")
    profiles = {p["id"]: p for p in api.get("/api/hardware_profiles").json()["hardware_profiles"]}
    assert set(profiles) == {"general1-1", "general1-2", "compute1-4"}
    assert profiles["general1-2"]["properties"] == {"cpu": "2", "memory": "2048", "storage": "40"}
    assert api.get("/api/realms/dfw").status_code == 200 and api.get("/api/realms/ord").status_code == 404
    assert api.get("/api/hardware_profiles/compute1-4").json()["hardware_profile"]["name"] == "3.75 GB Compute v1"
    assert api.get(f"/api/images/{UBUNTU}").status_code == 200
    images = {i["id"]: i for i in api.get("/api/images").json()["images"]}
    assert images[UBUNTU]["name"] == "Ubuntu 22.04 LTS (Jammy Jellyfish) (PVHVM)"
    assert images[UBUNTU]["state"] == "AVAILABLE"


def test_servers_are_instances(api: httpx.Client) -> None:
    instances = {i["id"]: i for i in api.get("/api/instances").json()["instances"]}
    web, db = instances[WEB], instances[DB]
    assert (web["state"], db["state"]) == ("RUNNING", "PENDING")  # HARD_REBOOT is on its way back up
    assert {"address": "162.209.99.41", "type": "ipv4"} in web["public_addresses"]
    assert web["private_addresses"] == [{"address": "10.176.66.51", "type": "ipv4"}]
    assert web["realm"]["id"] == "dfw" and web["hardware_profile"]["id"] == "general1-1"
    assert {a["rel"] for a in web["actions"]} == {"reboot", "destroy"}
    assert api.get("/api/instances/no-such-server").status_code == 404


def test_create_with_key_password_and_user_data(api: httpx.Client, cloud: FakeCloud) -> None:
    response = api.post("/api/instances", data={
        "image_id": UBUNTU, "hwp_id": "general1-2", "name": "web-02", "keyname": "alice-laptop",
        "password": "S3cret-Root", "user_data": base64.b64encode(b"#cloud-config\npackages: [nginx]\n").decode()})
    assert response.status_code == 201, response.text
    created = response.json()["instance"]
    assert created["name"] == "web-02" and created["state"] == "PENDING" and created["realm"]["id"] == "dfw"
    sent = cloud.seen("POST", rf"{COMPUTE}/servers")[-1].json()["server"]
    assert (sent["flavorRef"], sent["imageRef"], sent["key_name"]) == ("general1-2", UBUNTU, "alice-laptop")
    assert sent["adminPass"] == "S3cret-Root" and sent["config_drive"] == "True"
    assert base64.b64decode(sent["user_data"]) == b"#cloud-config\npackages: [nginx]\n"
    unknown = api.post("/api/instances", data={"image_id": UBUNTU, "hwp_id": "m1.tiny"})
    assert unknown.status_code == 400


def test_image_from_a_server_and_its_removal(api: httpx.Client, cloud: FakeCloud) -> None:
    created = api.post("/api/images", data={"instance_id": WEB, "name": "web-01-golden"})
    assert created.status_code == 201, created.text
    image = created.json()["image"]
    assert image["name"] == "web-01-golden" and image["state"] == "SAVING"
    sent = json.loads(cloud.seen("POST", rf"{COMPUTE}/servers/{WEB}/action")[-1].body)
    assert sent == {"createImage": {"name": "web-01-golden"}}
    assert api.delete(f"/api/images/{image['id']}").status_code == 204
    assert cloud.seen("DELETE", rf"{COMPUTE}/images/{image['id']}")


def test_reboot_and_destroy_but_no_power_off(api: httpx.Client, cloud: FakeCloud) -> None:
    rebooted = api.post(f"/api/instances/{WEB}/reboot")
    assert rebooted.status_code == 202, rebooted.text
    assert json.loads(cloud.seen("POST", rf"{COMPUTE}/servers/{WEB}/action")[-1].body) == {"reboot": {"type": "HARD"}}
    assert api.post(f"/api/instances/{WEB}/stop").status_code == 412  # refused before any call to Rackspace
    assert not [r for r in cloud.seen("POST", rf"{COMPUTE}/servers/{WEB}/action") if b"os-stop" in r.body]
    # still rebooting (pending): Nova deletes a server in any state, and a client need not wait for one it gave up on
    assert api.delete(f"/api/instances/{DB}").status_code == 204
    assert cloud.seen("DELETE", rf"{COMPUTE}/servers/{DB}")
    assert api.delete(f"/api/instances/{WEB}").status_code == 204
    assert cloud.seen("DELETE", rf"{COMPUTE}/servers/{WEB}")
    assert api.get(f"/api/instances/{WEB}").status_code == 404
    assert api.post("/api/instances/no-such-server/reboot").status_code == 403


def test_keys_list_create_import_destroy(api: httpx.Client, cloud: FakeCloud) -> None:
    keys = api.get("/api/keys").json()["keys"]
    assert [(k["id"], k["fingerprint"]) for k in keys] == [
        ("alice-laptop", "3f:9a:c2:0e:71:5b:8d:44:a6:1f:e9:27:b0:58:cd:93")]
    assert api.get("/api/keys/alice-laptop").status_code == 200 and api.get("/api/keys/nobody").status_code == 404
    created = api.post("/api/keys", data={"name": "deploy"})
    assert created.status_code == 201 and "BEGIN RSA PRIVATE KEY" in created.text
    imported = api.post("/api/keys", data={"name": "deploy", "public_key": "ssh-rsa AAAAB3Nza deploy@ci"})
    assert imported.status_code == 201
    sent = cloud.seen("POST", rf"{COMPUTE}/os-keypairs")[-1].json()["keypair"]
    assert sent["public_key"] == "ssh-rsa AAAAB3Nza deploy@ci"
    assert api.delete("/api/keys/alice-laptop").status_code == 204
    assert cloud.seen("DELETE", rf"{COMPUTE}/os-keypairs/alice-laptop")


def test_cloud_files_buckets_and_blobs_with_metadata(api: httpx.Client) -> None:
    assert [b["id"] for b in api.get("/api/buckets").json()["buckets"]] == ["backups", "site-assets"]
    assert api.post("/api/buckets", data={"name": "photos"}).status_code == 201
    put = api.put("/api/buckets/photos/cat.txt", content=b"This is the test blob content",
                  headers={"Content-Type": "text/plain", "X-Deltacloud-Blobmeta-Author": "alice"})
    assert put.status_code == 200, put.text
    blob = api.get("/api/buckets/photos/cat.txt").json()["blob"]
    assert blob["content_length"] == 29 and blob["content_type"] == "text/plain"
    assert blob["user_metadata"] == {"author": "alice"}
    assert api.get("/api/buckets/photos/cat.txt/content").content == b"This is the test blob content"
    head = api.head("/api/buckets/photos/cat.txt")
    assert head.status_code == 204 and head.headers["x-deltacloud-blobmeta-author"] == "alice"
    assert api.delete("/api/buckets/photos").status_code == 403  # not empty
    assert api.delete("/api/buckets/photos/cat.txt").status_code == 204
    assert api.delete("/api/buckets/photos").status_code == 204
    assert api.get("/api/buckets/photos").status_code == 404


def test_provider_error_is_502_and_a_slow_provider_504(api: httpx.Client, cloud: FakeCloud) -> None:
    cloud.fail(rf"{COMPUTE}/servers/detail", 500, cloud.fixture("compute_error.json"))
    failed = api.get("/api/instances")
    assert failed.status_code == 502 and "Traceback" not in failed.text and API_KEY not in failed.text
    cloud.clear_faults()
    cloud.slow(rf"{COMPUTE}/flavors/detail", 4)
    assert api.get("/api/hardware_profiles").status_code == 504


def test_a_blob_whose_name_holds_url_syntax_downloads_its_own_content(api: httpx.Client) -> None:
    """libcloud put the names into the download's URL as they are: 'report?v=2' downloaded 'report' (another
    blob's content), 'r%65port' did too."""
    assert api.post("/api/buckets", data={"name": "names"}).status_code == 201
    bodies = {"report": b"someone else's", "report?v=2": b"mine", "r%65port": b"also mine", "a#b": b"hash"}
    for name, body in bodies.items():
        assert api.put(f"/api/buckets/names/{quote(name, safe='')}", content=body).status_code == 200, name
    for name, body in bodies.items():
        assert api.get(f"/api/buckets/names/{quote(name, safe='')}/content").content == body, name


def test_a_cloud_stalling_a_blob_transfer_is_a_504(api: httpx.Client, cloud: FakeCloud) -> None:
    """libcloud streams blob uploads and downloads without its requests' timeout: a stalled Cloud Files held
    the request for as long as it stalled (for ever, had it never answered), where every other call is a 504."""
    assert api.post("/api/buckets", data={"name": "stalled"}).status_code == 201
    assert api.put("/api/buckets/stalled/report", content=b"quarterly").status_code == 200
    cloud.slow(rf"{FILES}/stalled/report", 6, method="GET")  # the proxy gives up after 1.5 s
    started = time.monotonic()
    download = api.get("/api/buckets/stalled/report/content")
    assert download.status_code == 504 and time.monotonic() - started < 5, download.text
    cloud.clear_faults()
    # an upload's answer may take three backend timeouts: the last bytes may still be on their way meanwhile
    cloud.slow(rf"{FILES}/stalled/later", 12, method="PUT")
    started = time.monotonic()
    upload = api.put("/api/buckets/stalled/later", content=b"x" * 100_000)
    assert upload.status_code == 504 and 4 < time.monotonic() - started < 10, upload.text


def test_a_bucket_deleted_during_an_upload_is_a_404(api: httpx.Client, dc: LocalServer, cloud: FakeCloud) -> None:
    """libcloud reports Cloud Files' 404 to an upload without its status: a bucket deleted meanwhile was a 502."""
    assert api.post("/api/buckets", data={"name": "vanishing"}).status_code == 201
    halfway = threading.Event()

    def body() -> Iterator[bytes]:
        yield b"x" * (5 * 1024 * 1024)  # more than the proxy reads ahead: the driver is uploading meanwhile
        halfway.wait(10)
        yield b"y"

    with SERVED.client(dc, cloud) as uploader, ThreadPoolExecutor(1) as pool:
        upload = pool.submit(uploader.put, "/api/buckets/vanishing/big.bin", content=body())
        time.sleep(1)
        assert api.delete("/api/buckets/vanishing").status_code == 204
        halfway.set()
        answer = upload.result(timeout=30)
    assert answer.status_code == 404, answer.text


def test_an_upload_whose_blob_is_deleted_right_after_still_answers_200(api: httpx.Client, cloud: FakeCloud) -> None:
    """The driver reads the blob back after storing it: a DELETE from another client in between made the PUT,
    whose write had happened, answer 404 (found by racing uploads and deletes of one blob)."""
    assert api.post("/api/buckets", data={"name": "racing"}).status_code == 201
    cloud.fail(rf"{FILES}/racing/gone", 404, "<html><h1>Not Found</h1></html>", "text/html", method="HEAD")
    stored = api.put("/api/buckets/racing/gone", content=b"twelve bytes", headers={"Content-Type": "text/plain"})
    assert stored.status_code == 200, stored.text
    assert (stored.json()["blob"]["content_length"], stored.json()["blob"]["content_type"]) == (12, "text/plain")
