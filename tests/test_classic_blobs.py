"""Buckets and blobs over real HTTP: shapes, statuses, metadata, streaming, memory bound, bad input."""

import base64
import hashlib
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from classic_helpers import xml
from conftest import MOCK_AUTH, LocalServer, start_server, stop_server

MB = 1024 * 1024


def make_bucket(api: httpx.Client, name: str) -> None:
    assert api.post("/api/buckets", data={"name": name}).status_code == 201


def put_blob(api: httpx.Client, bucket: str, blob: str, content: bytes = b"hello", **headers: str) -> httpx.Response:
    r = api.put(f"/api/buckets/{bucket}/{blob}", content=content, headers=headers)
    assert r.status_code == 200, r.text
    return r


def blob_ids(api: httpx.Client, bucket: str) -> list[str]:
    return [b.get("id", "") for b in xml(api.get(f"/api/buckets/{bucket}")).findall("blob")]


def metadata(api: httpx.Client, bucket: str, blob: str) -> dict[str, str]:
    r = api.head(f"/api/buckets/{bucket}/{blob}")
    assert r.status_code == 204
    prefix = "x-deltacloud-blobmeta-"
    return {k[len(prefix):]: v for k, v in r.headers.items() if k.lower().startswith(prefix)}


def content_files(server: LocalServer) -> list[Path]:
    return [p for p in (server.data_dir / "driver-files" / "mock").rglob("*") if p.is_file()]


# -- buckets ------------------------------------------------------------------------------
def test_seed_buckets(api: httpx.Client) -> None:
    r = api.get("/api/buckets")
    assert r.status_code == 200 and r.headers["etag"]
    buckets = {b.get("id"): b for b in xml(r)}
    bucket1 = buckets["bucket1"]
    assert bucket1.findtext("name") == "bucket1" and bucket1.findtext("size") == "3"
    assert [(b.get("id"), b.get("href")) for b in bucket1.findall("blob")] == [
        (f"blob{i}", f"{api.base_url}/api/buckets/bucket1/blob{i}") for i in (1, 2, 3)]
    base = f"{api.base_url}/api/buckets"
    assert api.get("/api/buckets/bucket2?format=json").json() == {"bucket": {
        "id": "bucket2", "href": f"{base}/bucket2", "name": "bucket2", "size": 2,
        "blob_list": [{"rel": "blob", "href": f"{base}/bucket2/blob{i}", "id": f"blob{i}"} for i in (4, 5)]}}


def test_buckets_need_credentials(server: LocalServer) -> None:
    for path in ("/api/buckets", "/api/buckets/bucket1", "/api/buckets/bucket1/blob1/content"):
        assert httpx.get(f"{server.url}{path}").status_code == 401


def test_create_and_delete_bucket(api: httpx.Client) -> None:
    r = api.post("/api/buckets", data={"name": "photos", "location": "eu"})
    assert r.status_code == 201 and r.headers["location"] == f"{api.base_url}/api/buckets/photos"
    bucket = xml(r)
    assert bucket.get("id") == "photos" and bucket.findtext("name") == "photos" and bucket.findtext("size") == "0"
    assert api.get("/api/buckets/photos").status_code == 200
    r = api.delete("/api/buckets/photos")
    assert r.status_code == 204 and r.content == b""
    assert api.get("/api/buckets/photos").status_code == 404
    assert api.delete("/api/buckets/photos").status_code == 404


@pytest.mark.parametrize(("name", "status"), [("bucket1", 409), ("bad name", 400), ("-dash-first", 400)])
def test_bad_bucket_creation(api: httpx.Client, name: str, status: int) -> None:
    before = api.get("/api/buckets?format=json").json()
    r = api.post("/api/buckets?format=json", data={"name": name})
    assert r.status_code == status and r.json()["code"] == status
    assert api.get("/api/buckets?format=json").json() == before


def test_deleting_a_non_empty_bucket_is_refused(api: httpx.Client) -> None:
    make_bucket(api, "full")
    put_blob(api, "full", "keep", b"precious")
    r = api.delete("/api/buckets/full")
    assert r.status_code == 403
    assert xml(r).findtext("message") == "Delete operation not valid for non-empty bucket"
    r = api.delete("/api/buckets/full?format=json")
    assert r.status_code == 403 and r.json()["message"] == "Delete operation not valid for non-empty bucket"
    assert blob_ids(api, "full") == ["keep"]
    assert api.get("/api/buckets/full/keep/content").content == b"precious"
    assert api.delete("/api/buckets/full/keep").status_code == 204
    assert api.delete("/api/buckets/full").status_code == 204


# -- blobs: documents and metadata --------------------------------------------------------
def test_seed_blob_documents(api: httpx.Client) -> None:
    blob = xml(api.get("/api/buckets/bucket1/blob1"))
    assert blob.get("id") == "blob1" and blob.findtext("bucket") == "bucket1"
    assert [c.tag for c in blob] == ["bucket", "content_length", "content_type", "last_modified", "user_metadata",
                                     "content"]
    assert blob.findtext("content_length") == "17" and blob.findtext("content_type") == "text/plain"
    assert blob.findtext("last_modified") == "2010-09-23 16:44:54 +0100"
    entry = blob.find("user_metadata/entry")
    assert entry is not None and (entry.get("key"), entry.text) == ("SOMENEWKEY", "NEWVALUE")
    content = blob.find("content")
    assert content is not None and content.get("rel") == "blob_content"
    assert content.get("href") == f"{api.base_url}/api/buckets/bucket1/blob1/content"
    base = f"{api.base_url}/api/buckets"
    assert api.get("/api/buckets/bucket1/blob1?format=json").json() == {"blob": {
        "id": "blob1", "href": f"{base}/bucket1/blob1",
        "bucket": {"rel": "bucket", "href": f"{base}/bucket1", "id": "bucket1"},
        "content_length": 17, "content_type": "text/plain", "last_modified": "2010-09-23 16:44:54 +0100",
        "content": "content of blob 1", "user_metadata": {"SOMENEWKEY": "NEWVALUE"}}}


def test_seed_metadata_on_head(api: httpx.Client) -> None:
    r = api.head("/api/buckets/bucket1/blob1")
    assert r.status_code == 204 and r.content == b""
    assert r.headers["X-Deltacloud-Blobmeta-SOMENEWKEY"] == "NEWVALUE"  # compared case-insensitively
    assert metadata(api, "bucket1", "blob3") == {}  # no metadata: no headers


def test_put_blob_with_metadata(api: httpx.Client) -> None:
    make_bucket(api, "docs")
    r = put_blob(api, "docs", "readme", b"This is the test blob content", **{
        "Content-Type": "text/plain", "X-Deltacloud-Blobmeta-Version": "1.0",
        "X-Deltacloud-Blobmeta-Author": "herpyderp"})
    assert "location" not in r.headers and r.headers["content-type"] == "application/xml"
    blob = xml(r)
    assert blob.get("id") == "readme" and blob.findtext("bucket") == "docs"
    assert blob.findtext("content_length") == "29" and blob.findtext("content_type") == "text/plain"
    assert blob.findtext("last_modified")
    assert {e.get("key"): e.text for e in blob.findall("user_metadata/entry")} == {"version": "1.0",
                                                                                  "author": "herpyderp"}
    assert metadata(api, "docs", "readme") == {"version": "1.0", "author": "herpyderp"}
    r = api.head("/api/buckets/docs/readme/metadata")
    assert r.status_code == 204 and r.headers["x-deltacloud-blobmeta-author"] == "herpyderp"
    doc = api.get("/api/buckets/docs/readme?format=json").json()["blob"]
    assert doc["content"] == "This is the test blob content" and doc["user_metadata"]["version"] == "1.0"
    assert "readme" in blob_ids(api, "docs")


def test_metadata_update_replaces_and_echoes(api: httpx.Client) -> None:
    make_bucket(api, "meta")
    put_blob(api, "meta", "doc", **{"X-Deltacloud-Blobmeta-Version": "1.0", "X-Deltacloud-Blobmeta-Old": "x"})
    r = api.post("/api/buckets/meta/doc", headers={"X-Deltacloud-Blobmeta-Version": "2.5",
                                                   "X-Deltacloud-Blobmeta-Author": "derpyherpy",
                                                   "X-Deltacloud-Blobmeta-Updated": "true"})
    assert r.status_code == 204 and r.content == b""
    echoed = {k.lower(): v for k, v in r.headers.items() if k.lower().startswith("x-deltacloud-blobmeta-")}
    assert echoed == {"x-deltacloud-blobmeta-version": "2.5", "x-deltacloud-blobmeta-author": "derpyherpy",
                      "x-deltacloud-blobmeta-updated": "true"}
    assert metadata(api, "meta", "doc") == {"version": "2.5", "author": "derpyherpy", "updated": "true"}
    assert api.get("/api/buckets/meta/doc/content").content == b"hello"  # content untouched


@pytest.mark.parametrize(("bucket", "header"), [
    ("inv1", "X-Deltacloud-Blobmeta-bad!name"),
    ("inv2", "X-Deltacloud-Blobmeta-"),
    ("inv3", "X-Deltacloud-Blobmeta-" + "n" * 129),
])
def test_invalid_metadata_names_change_nothing(api: httpx.Client, bucket: str, header: str) -> None:
    make_bucket(api, bucket)
    put_blob(api, bucket, "kept", b"kept", **{"X-Deltacloud-Blobmeta-Good": "yes"})
    # a new blob with the bad header is not created
    r = api.put(f"/api/buckets/{bucket}/new", content=b"data", headers={header: "1"})
    assert r.status_code == 400 and "metadata" in (xml(r).findtext("message") or "")
    assert blob_ids(api, bucket) == ["kept"]
    # an update with it leaves the metadata as it was (JSON errors too)
    r = api.post(f"/api/buckets/{bucket}/kept?format=json", headers={header: "1"})
    assert r.status_code == 400 and r.json()["code"] == 400
    assert metadata(api, bucket, "kept") == {"good": "yes"}


def test_metadata_value_that_cannot_be_a_header_is_refused(api: httpx.Client) -> None:
    make_bucket(api, "values")
    r = api.post("/api/buckets/values", data={"blob_id": "v", "blob_data": "x", "meta_params": "1",
                                             "meta_name1": "note", "meta_value1": "two\nlines"})
    assert r.status_code == 400 and "cannot carry" in (xml(r).findtext("message") or "")
    assert blob_ids(api, "values") == []


def test_multipart_upload(api: httpx.Client) -> None:
    make_bucket(api, "forms")
    pdf = b"%PDF-1.4 " + bytes(range(256)) * 10
    r = api.post("/api/buckets/forms", data={
        "blob_id": "report", "meta_params": "2", "meta_name1": "Author", "meta_value1": "herpyderp",
        "meta_name2": "Type", "meta_value2": "formPostedBlob"}, files={"blob_data": ("r.pdf", pdf, "application/pdf")})
    assert r.status_code == 201 and "location" not in r.headers
    blob = xml(r)
    assert blob.get("id") == "report" and blob.findtext("content_type") == "application/pdf"
    assert blob.findtext("content_length") == str(len(pdf))
    assert metadata(api, "forms", "report") == {"author": "herpyderp", "type": "formPostedBlob"}
    download = api.get("/api/buckets/forms/report/content")
    assert download.content == pdf and download.headers["content-type"] == "application/pdf"
    # binary content is not embedded in JSON (it could not be)
    assert api.get("/api/buckets/forms/report?format=json").json()["blob"]["content"] is None
    # a plain text field as blob_data is text/plain
    r = api.post("/api/buckets/forms?format=json", data={"blob_id": "note", "blob_data": "plain words"})
    assert r.status_code == 201 and r.json()["blob"]["content_type"] == "text/plain"
    assert api.get("/api/buckets/forms/note/content").text == "plain words"


def test_multipart_upload_missing_fields(api: httpx.Client) -> None:
    make_bucket(api, "partial")
    r = api.post("/api/buckets/partial", files={"blob_data": ("a.txt", b"abc", "text/plain")})
    assert r.status_code == 400 and "Required parameter 'blob_id'" in (xml(r).findtext("message") or "")
    r = api.post("/api/buckets/partial?format=json", data={"blob_id": "x"})
    assert r.status_code == 400 and "'blob_data'" in r.json()["message"]
    r = api.post("/api/buckets/partial", data={"blob_id": "x", "blob_data": "y", "meta_params": "2",
                                              "meta_name1": "a", "meta_value1": "b"})
    assert r.status_code == 400 and "meta_name2 is missing" in (xml(r).findtext("message") or "")
    r = api.post("/api/buckets/partial?format=json", files={"blob_id": ("name.txt", b"x", "text/plain"),
                                                             "blob_data": ("a.txt", b"abc", "text/plain")})
    assert r.status_code == 400 and r.json()["message"] == "blob_id must be a form field, not a file"
    r = api.post("/api/buckets/partial", content=b"--x\r\nnot really multipart",
                 headers={"Content-Type": "multipart/form-data; boundary=x"})
    assert r.status_code == 400
    assert blob_ids(api, "partial") == []


def test_content_download(api: httpx.Client) -> None:
    make_bucket(api, "dl")
    put_blob(api, "dl", "page", b"<p>hi</p>", **{"Content-Type": "text/html"})
    r = api.get("/api/buckets/dl/page/content")
    assert r.status_code == 200 and r.content == b"<p>hi</p>"
    assert r.headers["content-type"] == "text/html"  # exactly as stored, no charset added
    assert r.headers["content-length"] == "9"
    assert r.headers["content-disposition"] == 'attachment; filename="page"'
    assert "etag" not in r.headers  # streamed bodies are never hashed
    head = api.head("/api/buckets/dl/page/content")
    assert head.status_code == 200 and head.headers["content-length"] == "9" and head.content == b""
    # a browser may download too; an untyped blob is application/octet-stream
    put_blob(api, "dl", "raw", b"\x00\x01")
    r = api.get("/api/buckets/dl/raw/content", headers={"Accept": "text/html"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/octet-stream"


def test_put_body_labelled_as_a_form_is_stored_verbatim(api: httpx.Client) -> None:
    make_bucket(api, "verbatim")
    body = b"a=1&b=2&_method=delete"  # what `curl -X PUT -d @file` sends, labelled as a form
    put_blob(api, "verbatim", "f", body, **{"Content-Type": "application/x-www-form-urlencoded"})
    assert api.get("/api/buckets/verbatim/f/content").content == body


def test_blobs_are_keyed_per_bucket(api: httpx.Client) -> None:
    make_bucket(api, "left")
    make_bucket(api, "right")
    put_blob(api, "left", "same", b"left side")
    put_blob(api, "right", "same", b"right side")
    assert api.get("/api/buckets/left/same/content").content == b"left side"
    assert api.get("/api/buckets/right/same/content").content == b"right side"
    assert api.delete("/api/buckets/left/same").status_code == 204
    assert api.get("/api/buckets/right/same/content").content == b"right side"


def test_overwriting_replaces_content_and_frees_the_old_file(api: httpx.Client, server: LocalServer) -> None:
    make_bucket(api, "over")
    put_blob(api, "over", "b", b"first version")
    files = len(content_files(server))
    put_blob(api, "over", "b", b"second")
    assert api.get("/api/buckets/over/b/content").content == b"second"
    assert len(content_files(server)) == files
    assert api.delete("/api/buckets/over/b").status_code == 204
    assert len(content_files(server)) == files - 1


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/api/buckets/bucket1/nosuch", 404),
    ("HEAD", "/api/buckets/bucket1/nosuch", 404),
    ("GET", "/api/buckets/bucket1/nosuch/content", 404),
    ("DELETE", "/api/buckets/bucket1/nosuch", 404),
    ("DELETE", "/api/buckets/nosuch/blob1", 404),
    ("POST", "/api/buckets/bucket1/nosuch", 404),
    ("PUT", "/api/buckets/nosuch/blob", 404),
    ("PUT", "/api/buckets/bucket1/bad%20id", 400),
])
def test_unknown_blobs_and_buckets(api: httpx.Client, method: str, path: str, status: int) -> None:
    r = api.request(method, path, content=b"x" if method == "PUT" else None)
    assert r.status_code == status
    if method != "HEAD":
        assert xml(r).findtext("code") == str(status)
    assert blob_ids(api, "bucket1")[:3] == ["blob1", "blob2", "blob3"]


def test_head_is_xml_or_json_only(api: httpx.Client) -> None:
    assert api.head("/api/buckets/bucket1/blob1", headers={"Accept": "text/html"}).status_code == 406


def test_contents_missing_from_this_host(api: httpx.Client, server: LocalServer) -> None:
    """As on a second server sharing the state store: seed contents come back, others fail clearly."""
    for seed in (server.data_dir / "driver-files" / "mock").rglob("seed-bucket1-blob2"):
        seed.unlink()
    restored = api.get("/api/buckets/bucket1/blob2/content")
    assert restored.text == "<html><head></head><body>content of blob 2</body></html>"
    make_bucket(api, "elsewhere")
    before = set(content_files(server))
    put_blob(api, "elsewhere", "gone", b"stored on another disk")
    (new_file,) = set(content_files(server)) - before
    new_file.unlink()
    r = api.get("/api/buckets/elsewhere/gone/content")
    assert r.status_code == 502 and "not on this server" in (xml(r).findtext("message") or "")


# -- cut-off uploads -----------------------------------------------------------------------
def cut_off_put(server: LocalServer, path: str, announced: int, sent: int) -> None:
    """Announce ``announced`` bytes, send ``sent`` of them, and hang up."""
    auth = base64.b64encode(":".join(MOCK_AUTH).encode()).decode()
    with socket.create_connection(("127.0.0.1", int(server.url.rsplit(":", 1)[1]))) as sock:
        sock.sendall(f"PUT {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic {auth}\r\n"
                     f"Content-Type: application/octet-stream\r\nContent-Length: {announced}\r\n\r\n".encode())
        sock.sendall(os.urandom(sent))
        time.sleep(0.3)  # let the server store what came


def wait_for_no_partials(server: LocalServer) -> None:
    deadline = time.monotonic() + 10
    while any(p.suffix == ".part" for p in content_files(server)):
        assert time.monotonic() < deadline, "a partial upload file was left behind"
        time.sleep(0.05)


def test_cut_off_upload_leaves_nothing(api: httpx.Client, server: LocalServer) -> None:
    make_bucket(api, "cut")
    files = len(content_files(server))
    cut_off_put(server, "/api/buckets/cut/half", announced=8 * MB, sent=3 * MB)
    wait_for_no_partials(server)
    assert api.get("/api/buckets/cut/half").status_code == 404
    assert blob_ids(api, "cut") == []
    assert len(content_files(server)) == files
    assert api.delete("/api/buckets/cut").status_code == 204  # nothing hides in the bucket


def test_cut_off_overwrite_keeps_the_old_content(api: httpx.Client, server: LocalServer) -> None:
    make_bucket(api, "cut2")
    put_blob(api, "cut2", "doc", b"the original", **{"X-Deltacloud-Blobmeta-Rev": "1"})
    cut_off_put(server, "/api/buckets/cut2/doc", announced=4 * MB, sent=2 * MB)
    wait_for_no_partials(server)
    assert api.get("/api/buckets/cut2/doc/content").content == b"the original"
    assert metadata(api, "cut2", "doc") == {"rev": "1"}


@pytest.mark.parametrize("size", [0, 1, 4 * MB, 4 * MB + 1, 9 * MB])
def test_contents_around_the_chunk_size_round_trip(api: httpx.Client, size: int) -> None:
    """Uploads of one batch are read before the handler starts and downloads of one chunk answered whole
    (4 MB each); larger ones stream: every size must come back byte for byte."""
    bucket = f"sizes{size}"
    make_bucket(api, bucket)
    content = os.urandom(size)
    put_blob(api, bucket, "blob", content)
    r = api.get(f"/api/buckets/{bucket}/blob/content")
    assert r.status_code == 200 and r.headers["content-length"] == str(size)
    assert r.content == content


def test_a_client_expecting_100_continue_is_refused_before_it_sends(server: LocalServer) -> None:
    """A small upload is read ahead of the handler, but not from a client that waits for ``100 Continue``:
    a request the handler refuses is answered without asking for the body."""
    auth = base64.b64encode(":".join(MOCK_AUTH).encode()).decode()
    with socket.create_connection(("127.0.0.1", int(server.url.rsplit(":", 1)[1])), timeout=10) as sock:
        sock.sendall(f"PUT /api/buckets/no-such-bucket/blob HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     f"Authorization: Basic {auth}\r\nContent-Type: application/octet-stream\r\n"
                     f"Content-Length: 1024\r\nExpect: 100-continue\r\n\r\n".encode())
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 404"), answer[:40]


# -- a 200 MB blob through a server of its own, memory watched -------------------------------
def rss(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


class MemoryWatch:
    """Samples a process's resident memory every 20 ms while active."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss(self.pid))
            time.sleep(0.02)

    def __enter__(self) -> "MemoryWatch":
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def test_200_mb_blob_streams_in_and_out_within_64_mb(tmp_path: Path) -> None:
    source = tmp_path / "big.bin"
    digest = hashlib.sha256()
    with source.open("wb") as out:
        for _ in range(200):
            block = os.urandom(MB)
            digest.update(block)
            out.write(block)
    size = source.stat().st_size

    def chunks() -> Iterator[bytes]:
        with source.open("rb") as handle:
            while block := handle.read(MB):
                yield block

    server = start_server(tmp_path / "data")
    try:
        with httpx.Client(base_url=server.url, auth=MOCK_AUTH, timeout=300) as api:
            make_bucket(api, "big")
            pid = server.process.pid
            before = rss(pid)
            with MemoryWatch(pid) as upload:
                r = api.put("/api/buckets/big/blob", content=chunks(),
                            headers={"Content-Length": str(size), "Content-Type": "application/x-big"})
            assert r.status_code == 200 and xml(r).findtext("content_length") == str(size)
            assert api.get("/api/buckets/big/blob?format=json").json()["blob"]["content"] is None
            received = hashlib.sha256()
            with MemoryWatch(pid) as download, api.stream("GET", "/api/buckets/big/blob/content") as response:
                assert response.status_code == 200
                assert response.headers["content-length"] == str(size) and "etag" not in response.headers
                assert response.headers["content-type"] == "application/x-big"
                total = 0
                for block in response.iter_raw(MB):
                    received.update(block)
                    total += len(block)
            peak_ever = rss(pid, "VmHWM")
        assert total == size and received.hexdigest() == digest.hexdigest()
        limit = 64 * MB
        assert upload.peak - before < limit, f"upload grew the server by {(upload.peak - before) / MB:.1f} MB"
        assert download.peak - before < limit, f"download grew the server by {(download.peak - before) / MB:.1f} MB"
        assert peak_ever - before < limit, f"server peak {(peak_ever - before) / MB:.1f} MB above its start"
        stored = [p for p in content_files(server) if p.stat().st_size == size]
        assert len(stored) == 1  # written once, where the driver keeps it: no spool copy left behind
    finally:
        stop_server(server)
