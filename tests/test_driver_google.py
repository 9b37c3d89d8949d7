"""The google driver against recorded Google Cloud Storage XML API answers (tests/fixtures/google/).

libcloud's ``GoogleStorageDriver`` speaks GCS's XML (interoperability) API with HMAC keys — the
JSON API only serves its ACL extensions, which the driver does not use — so a local HTTP server
plays ``storage.googleapis.com``'s XML API: it checks each request's ``GOOG1`` HMAC signature as
GCS does, and keeps buckets and objects (content, type, ``x-goog-meta-*`` metadata) in memory.
Everything goes through the classic API on a real local server.
"""

import base64
import hashlib
import hmac
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from email.utils import formatdate

import httpx
import pytest
from cloudfakes import FakeCloud, Reply, Request
from conftest import LocalServer
from driver_support import ServedDriver, alice_and_mallory, entry_point

ACCESS_ID = "GOOG1EXAMPLEACCESSIDFORDELTACLOUDTESTS0000"
SECRET = "bGV0IHRoZSBzZWNyZXQgYmUgc2VjcmV0IGZvciBnY3M="
S3NS = "{http://doc.s3.amazonaws.com/2006-03-01}"
XML = {"Content-Type": "application/xml; charset=UTF-8"}
LOGO = b"\x89PNG\r\n\x1a\n" + bytes(18424)


def goog1_signature(secret: str, method: str, headers: dict[str, str], path: str) -> str:
    """GCS's HMAC-SHA1 signature over verb, Content-MD5, Content-Type, Date, x-goog-* headers and path."""
    lines = [method] + [headers.get(name, "").strip() for name in ("content-md5", "content-type", "date")]
    vendor = "\n".join(f"{k}:{v.strip()}" for k, v in sorted(headers.items()) if k.startswith("x-goog-"))
    string_to_sign = "\n".join(part for part in ("\n".join(lines), vendor, path) if part)
    return base64.b64encode(hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha1).digest()).decode()


class Gcs:
    def __init__(self, cloud: FakeCloud) -> None:
        self.cloud = cloud
        self.buckets: dict[str, dict[str, object]] = {}
        for bucket in ET.fromstring(cloud.fixture("list_buckets.xml")).iter(f"{S3NS}Bucket"):
            self.buckets[bucket.findtext(f"{S3NS}Name") or ""] = {
                "created": bucket.findtext(f"{S3NS}CreationDate"), "location": "US", "objects": {}}
        self._store("example-media", "logo.png", LOGO, "image/png", {"team": "brand"})
        for method, pattern, responder in (
            ("GET", r"/", self.list_buckets), ("PUT", r"/(?P<b>[^/]+)", self.create_bucket),
            ("HEAD", r"/(?P<b>[^/]+)", self.head_bucket), ("GET", r"/(?P<b>[^/]+)", self.list_objects),
            ("DELETE", r"/(?P<b>[^/]+)", self.delete_bucket), ("PUT", r"/(?P<b>[^/]+)/(?P<k>.+)", self.put_object),
            ("HEAD", r"/(?P<b>[^/]+)/(?P<k>.+)", self.head_object),
            ("GET", r"/(?P<b>[^/]+)/(?P<k>.+)", self.get_object),
            ("DELETE", r"/(?P<b>[^/]+)/(?P<k>.+)", self.delete_object),
        ):
            cloud.route(method, pattern, self.signed(responder))

    def error(self, status: int, name: str) -> Reply:
        return Reply(status, self.cloud.fixture(name), XML)

    def signed(self, responder):  # type: ignore[no-untyped-def]
        def check(request: Request, match: re.Match[str]) -> Reply:
            scheme, _, credential = request.headers.get("authorization", "").partition(" ")
            access_id, _, signature = credential.partition(":")
            expected = goog1_signature(SECRET, request.method, request.headers, request.path)
            if scheme != "GOOG1" or access_id != ACCESS_ID or not hmac.compare_digest(signature, expected):
                return self.error(403, "error_signature.xml")
            return responder(request, match)
        return check

    def _objects(self, bucket: str) -> dict[str, dict[str, object]]:
        return self.buckets[bucket]["objects"]  # type: ignore[return-value]

    def _store(self, bucket: str, key: str, content: bytes, content_type: str, meta: dict[str, str]) -> str:
        etag = hashlib.md5(content).hexdigest()
        self._objects(bucket)[key] = {"content": content, "type": content_type, "meta": meta, "etag": etag,
                                      "modified": formatdate(usegmt=True)}
        return etag

    def list_buckets(self, request: Request, match: re.Match[str]) -> Reply:
        document = ET.fromstring(self.cloud.fixture("list_buckets.xml"))
        listed = document.find(f"{S3NS}Buckets")
        listed.clear()  # type: ignore[union-attr]
        for name, bucket in sorted(self.buckets.items()):
            item = ET.SubElement(listed, f"{S3NS}Bucket")  # type: ignore[arg-type]
            ET.SubElement(item, f"{S3NS}Name").text = name
            ET.SubElement(item, f"{S3NS}CreationDate").text = str(bucket["created"])
        return Reply(200, ET.tostring(document, encoding="unicode"), XML)

    def create_bucket(self, request: Request, match: re.Match[str]) -> Reply:
        if match["b"] in self.buckets:
            return Reply(409, "<Error><Code>BucketAlreadyOwnedByYou</Code><Message>Your previous request to create "
                              "the named bucket succeeded and you already own it.</Message></Error>", XML)
        location = ET.fromstring(request.body).findtext("LocationConstraint") if request.body else None
        self.buckets[match["b"]] = {"created": "2024-05-04T12:00:00.000Z", "location": location or "US", "objects": {}}
        return Reply(200, "", XML)

    def head_bucket(self, request: Request, match: re.Match[str]) -> Reply:
        return Reply(200 if match["b"] in self.buckets else 404, "", XML)

    def list_objects(self, request: Request, match: re.Match[str]) -> Reply:
        if match["b"] not in self.buckets:
            return self.error(404, "error_no_such_bucket.xml")
        document = ET.fromstring(self.cloud.fixture("list_objects_example-media.xml"))
        document.find(f"{S3NS}Name").text = match["b"]  # type: ignore[union-attr]
        for recorded in document.findall(f"{S3NS}Contents"):
            document.remove(recorded)
        for key, found in sorted(self._objects(match["b"]).items()):
            contents = ET.SubElement(document, f"{S3NS}Contents")
            for tag, value in (("Key", key), ("LastModified", "2024-05-04T12:00:00.000Z"),
                               ("ETag", f'"{found["etag"]}"'), ("Size", str(len(found["content"])))):  # type: ignore[arg-type]
                ET.SubElement(contents, f"{S3NS}{tag}").text = value
        return Reply(200, ET.tostring(document, encoding="unicode"), XML)

    def delete_bucket(self, request: Request, match: re.Match[str]) -> Reply:
        if match["b"] not in self.buckets:
            return self.error(404, "error_no_such_bucket.xml")
        if self._objects(match["b"]):
            return self.error(409, "error_bucket_not_empty.xml")
        del self.buckets[match["b"]]
        return Reply(204)

    def put_object(self, request: Request, match: re.Match[str]) -> Reply:
        if match["b"] not in self.buckets:
            return self.error(404, "error_no_such_bucket.xml")
        meta = {k.removeprefix("x-goog-meta-"): v for k, v in request.headers.items() if k.startswith("x-goog-meta-")}
        etag = self._store(match["b"], match["k"], request.body, request.headers.get("content-type", ""), meta)
        return Reply(200, "", {"ETag": f'"{etag}"', "x-goog-generation": "1714824000000000",
                               "x-goog-hash": f"md5={base64.b64encode(bytes.fromhex(etag)).decode()}"})

    def _headers(self, found: dict[str, object]) -> dict[str, str]:
        headers = {"Content-Type": str(found["type"]), "ETag": f'"{found["etag"]}"',
                   "Last-Modified": str(found["modified"]), "x-goog-generation": "1714824000000000",
                   "x-goog-metageneration": "1", "x-goog-stored-content-encoding": "identity",
                   "x-goog-storage-class": "STANDARD"}
        headers.update({f"x-goog-meta-{k}": v for k, v in found["meta"].items()})  # type: ignore[attr-defined]
        return headers

    def head_object(self, request: Request, match: re.Match[str]) -> Reply:
        found = self._objects(match["b"]).get(match["k"]) if match["b"] in self.buckets else None
        if found is None:
            return Reply(404, "", XML)
        return Reply(200, found["content"], self._headers(found))  # type: ignore[arg-type]

    def get_object(self, request: Request, match: re.Match[str]) -> Reply:
        found = self._objects(match["b"]).get(match["k"]) if match["b"] in self.buckets else None
        if found is None:
            return self.error(404, "error_no_such_key.xml")
        return Reply(200, found["content"], self._headers(found))  # type: ignore[arg-type]

    def delete_object(self, request: Request, match: re.Match[str]) -> Reply:
        found = self._objects(match["b"]).pop(match["k"], None) if match["b"] in self.buckets else None
        return Reply(204) if found is not None else self.error(404, "error_no_such_key.xml")


@pytest.fixture(scope="module")
def gcs() -> Iterator[tuple[FakeCloud, Gcs]]:
    with FakeCloud("google") as cloud:
        yield cloud, Gcs(cloud)


@pytest.fixture(scope="module")
def cloud(gcs: tuple[FakeCloud, Gcs]) -> FakeCloud:
    return gcs[0]


SERVED = ServedDriver("google", provider=lambda cloud: None, tenants=lambda cloud: alice_and_mallory(
    {"username": ACCESS_ID, "password": SECRET, "endpoint": cloud.url}, "bm90LXRoZS1zZWNyZXQ="))
dc, api = SERVED.fixtures()


def test_entry_point_lists_buckets_with_location(api: httpx.Client) -> None:
    links = entry_point(api)
    assert set(links) == {"drivers", "buckets"}
    assert set(links["buckets"]) == {"bucket_location"}


def test_a_wrong_hmac_secret_is_401(dc: LocalServer, cloud: FakeCloud) -> None:
    with SERVED.client(dc, cloud, "mallory") as mallory:
        response = mallory.get("/api/buckets")
    assert response.status_code == 401
    assert "bm90LXRoZS1zZWNyZXQ=" not in response.text and SECRET not in response.text


def test_buckets_and_a_recorded_object_with_metadata(api: httpx.Client) -> None:
    assert [b["id"] for b in api.get("/api/buckets").json()["buckets"]] == ["example-logs", "example-media"]
    bucket = api.get("/api/buckets/example-media").json()["bucket"]
    assert [b["id"] for b in bucket["blob_list"]] == ["logo.png"]
    blob = api.get("/api/buckets/example-media/logo.png").json()["blob"]
    assert (blob["content_length"], blob["content_type"]) == (len(LOGO), "image/png")
    assert blob["user_metadata"] == {"team": "brand"}
    assert api.get("/api/buckets/example-media/logo.png/content").content == LOGO
    assert api.get("/api/buckets/example-media/missing.png").status_code == 404
    assert api.get("/api/buckets/no-such-bucket").status_code == 404


def test_create_a_located_bucket_and_stream_a_blob_with_metadata(api: httpx.Client, gcs: tuple[FakeCloud, Gcs]) -> None:
    cloud, played = gcs
    assert api.post("/api/buckets", data={"name": "example-eu", "location": "EUROPE-WEST1"}).status_code == 201
    assert played.buckets["example-eu"]["location"] == "EUROPE-WEST1"
    sent = ET.fromstring(cloud.seen("PUT", r"/example-eu")[-1].body)
    assert sent.tag == "CreateBucketConfiguration" and sent.findtext("LocationConstraint") == "EUROPE-WEST1"
    payload = os.urandom(512 * 1024 + 3)

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(payload), 64 * 1024):
            yield payload[start:start + 64 * 1024]

    put = api.put("/api/buckets/example-eu/data.bin", content=chunks(), headers={
        "Content-Type": "application/octet-stream", "X-Deltacloud-Blobmeta-Owner": "alice",
        "X-Deltacloud-Blobmeta-Stage": "raw"})
    assert put.status_code == 200, put.text
    stored = played.buckets["example-eu"]["objects"]["data.bin"]  # type: ignore[index]
    assert stored["content"] == payload and stored["meta"] == {"owner": "alice", "stage": "raw"}
    head = api.head("/api/buckets/example-eu/data.bin")
    assert head.status_code == 204 and head.headers["x-deltacloud-blobmeta-stage"] == "raw"
    digest = hashlib.sha256()
    with api.stream("GET", "/api/buckets/example-eu/data.bin/content") as response:
        for part in response.iter_bytes():
            digest.update(part)
    assert digest.hexdigest() == hashlib.sha256(payload).hexdigest()
    assert api.post("/api/buckets/example-eu/data.bin", headers={"X-Deltacloud-Blobmeta-Stage": "x"}).status_code == 412
    assert api.delete("/api/buckets/example-eu").status_code == 403  # not empty
    assert api.delete("/api/buckets/example-eu/data.bin").status_code == 204
    assert api.delete("/api/buckets/example-eu").status_code == 204
    assert "example-eu" not in played.buckets


def test_provider_error_is_502_and_a_slow_provider_504(api: httpx.Client, cloud: FakeCloud) -> None:
    cloud.fail(r"/", 500, cloud.fixture("error_internal.xml"), "application/xml")
    failed = api.get("/api/buckets")
    assert failed.status_code == 502 and "Traceback" not in failed.text
    cloud.clear_faults()
    cloud.slow(r"/example-media", 4)
    assert api.get("/api/buckets/example-media").status_code == 504
