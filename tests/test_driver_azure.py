"""The azure driver against Azurite (the Azure Blob emulator from npm), through the classic API.

Azurite is installed by scripts/setup-system into the project's node_modules and started here on a
free port with in-memory persistence.
"""

import hashlib
import os
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from conftest import ROOT, LocalServer, free_port
from deltacloud.errors import DeltacloudError
from driver_support import alice_and_mallory, entry_point, serving, tenant_client

ACCOUNT = "devstoreaccount1"  # Azurite's well-known development account and key
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
AZURITE = ROOT / "node_modules" / ".bin" / "azurite-blob"


@pytest.fixture(scope="module")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    assert AZURITE.exists(), "Azurite is missing: run scripts/setup-system"
    port = free_port()
    workdir = tmp_path_factory.mktemp("azurite")
    process = subprocess.Popen(
        [str(AZURITE), "--blobHost", "127.0.0.1", "--blobPort", str(port), "--inMemoryPersistence",
         "--skipApiVersionCheck", "--silent"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=workdir,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else "azurite exited"
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def dc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    tenants = alice_and_mallory({"username": ACCOUNT, "password": KEY}, "d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXk=")
    with serving(tmp_path_factory, "azure", tenants) as running:
        yield running


def _client(dc: LocalServer, azurite: str, user: str = "alice") -> httpx.Client:
    return tenant_client(dc, "azure", azurite, user)


@pytest.fixture
def api(dc: LocalServer, azurite: str) -> Iterator[httpx.Client]:
    with _client(dc, azurite) as client:
        yield client


def test_entry_point_lists_buckets_only(api: httpx.Client) -> None:
    assert set(entry_point(api)) == {"drivers", "buckets"}
    assert api.get("/api/instances").status_code == 412


def test_buckets_and_blobs_with_metadata(api: httpx.Client) -> None:
    assert api.post("/api/buckets", data={"name": "photos"}).status_code == 201
    assert "photos" in [b["id"] for b in api.get("/api/buckets").json()["buckets"]]
    put = api.put("/api/buckets/photos/cat.txt", content=b"This is the test blob content",
                  headers={"Content-Type": "text/plain", "X-Deltacloud-Blobmeta-Author": "alice",
                           "X-Deltacloud-Blobmeta-Version": "1.0"})
    assert put.status_code == 200, put.text
    blob = api.get("/api/buckets/photos/cat.txt").json()["blob"]
    assert blob["content_length"] == 29 and blob["content_type"] == "text/plain"
    assert blob["user_metadata"] == {"author": "alice", "version": "1.0"}
    assert blob["last_modified"]
    head = api.head("/api/buckets/photos/cat.txt")
    assert head.status_code == 204 and head.headers["x-deltacloud-blobmeta-author"] == "alice"
    updated = api.post("/api/buckets/photos/cat.txt", headers={"X-Deltacloud-Blobmeta-Updated": "yes"})
    assert updated.status_code == 204
    head = api.head("/api/buckets/photos/cat.txt")
    assert head.headers.get("x-deltacloud-blobmeta-updated") == "yes"
    assert "x-deltacloud-blobmeta-author" not in head.headers  # an update replaces the metadata
    content = api.get("/api/buckets/photos/cat.txt/content")
    assert content.status_code == 200 and content.content == b"This is the test blob content"
    bucket = api.get("/api/buckets/photos").json()["bucket"]
    assert [b["id"] for b in bucket["blob_list"]] == ["cat.txt"]
    assert api.delete("/api/buckets/photos/cat.txt").status_code == 204
    assert api.get("/api/buckets/photos/cat.txt").status_code == 404
    assert api.delete("/api/buckets/photos").status_code == 204
    assert api.get("/api/buckets/photos").status_code == 404


def test_large_blob_streams_both_ways(api: httpx.Client) -> None:
    payload = os.urandom(3 * 1024 * 1024 + 17)

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(payload), 256 * 1024):
            yield payload[start:start + 256 * 1024]

    assert api.post("/api/buckets", data={"name": "big"}).status_code == 201
    put = api.put("/api/buckets/big/data.bin", content=chunks(), headers={"Content-Type": "application/octet-stream"})
    assert put.status_code == 200, put.text
    digest = hashlib.sha256()
    with api.stream("GET", "/api/buckets/big/data.bin/content") as response:
        assert response.status_code == 200
        for part in response.iter_bytes():
            digest.update(part)
    assert digest.hexdigest() == hashlib.sha256(payload).hexdigest()


def test_unknown_bucket_and_blob_are_404(api: httpx.Client) -> None:
    assert api.get("/api/buckets/no-such-bucket").status_code == 404
    assert api.post("/api/buckets", data={"name": "empty"}).status_code == 201
    assert api.get("/api/buckets/empty/nothing-here").status_code == 404
    # libcloud's storage errors often carry no text: the message said "None"
    for missing in ("/api/buckets/empty/nothing-here", "/api/buckets/no-such-bucket"):
        gone = api.delete(missing, params={"format": "json"})
        assert gone.status_code == 404 and gone.json()["message"] not in ("None", ""), missing


def test_metadata_names_azure_refuses_are_a_400_before_the_upload(api: httpx.Client) -> None:
    """Found by fuzzing: '.', '-' or a leading digit passed the API's rule, and Azure refused the upload's
    final commit (502) after the whole body was sent."""
    assert api.post("/api/buckets", data={"name": "names"}).status_code == 201
    for name in ("k.dot", "k-dash", "9digit"):
        put = api.put(f"/api/buckets/names/{name}", content=b"x", params={"format": "json"},
                      headers={f"X-Deltacloud-Blobmeta-{name}": "v"})
        assert put.status_code == 400 and "is not valid on Azure" in put.json()["message"], name
        assert api.get(f"/api/buckets/names/{name}").status_code == 404
    ok = api.put("/api/buckets/names/ok", content=b"x", headers={"X-Deltacloud-Blobmeta-k_under": "v"})
    assert ok.status_code == 200
    refused = api.post("/api/buckets/names/ok", headers={"X-Deltacloud-Blobmeta-a.b": "v"})
    assert refused.status_code == 400
    assert api.head("/api/buckets/names/ok").headers["x-deltacloud-blobmeta-k_under"] == "v"


def test_wrong_account_key_is_401(dc: LocalServer, azurite: str) -> None:
    with _client(dc, azurite, "mallory") as client:
        response = client.get("/api/buckets")
    assert response.status_code == 401
    assert KEY not in response.text


def test_emulator_down_is_502(dc: LocalServer) -> None:
    with _client(dc, f"http://127.0.0.1:{free_port()}") as client:
        response = client.get("/api/buckets")
    assert response.status_code == 502


def _race(dc: LocalServer, azurite: str, url: str, bodies: list[bytes]) -> list[httpx.Response]:
    """PUT each body to ``url`` from its own client and thread, all released at once; the answers, in order."""
    start = threading.Barrier(len(bodies))

    def upload(writer: int) -> httpx.Response:
        with _client(dc, azurite) as client:
            start.wait()
            return client.put(url, content=bodies[writer], params={"format": "json"},
                              headers={"Content-Type": f"text/x-writer-{writer}",
                                       "X-Deltacloud-Blobmeta-Writer": str(writer)})

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(upload, range(len(bodies))))


def _stored(api: httpx.Client, url: str) -> tuple[bytes, dict[str, object]]:
    content = api.get(f"{url}/content")
    assert content.status_code == 200
    return content.content, api.get(url).json()["blob"]


def test_concurrent_uploads_of_one_blob_all_succeed_and_the_last_wins_whole(dc: LocalServer, azurite: str,
                                                                            api: httpx.Client) -> None:
    """Found by racing clients: every upload staged its blocks under the same ids (" 1", " 2", ...), so the
    first commit took another writer's block and discarded the rest, and the others' commits failed (502)."""
    assert api.post("/api/buckets", data={"name": "race"}).status_code == 201
    for attempt in range(3):
        bodies = [f"attempt {attempt} writer {writer};".encode() * (2000 + writer) for writer in range(6)]
        answers = _race(dc, azurite, "/api/buckets/race/shared.txt", bodies)
        assert [a.status_code for a in answers] == [200] * len(bodies), [a.text for a in answers]
        content, blob = _stored(api, "/api/buckets/race/shared.txt")
        assert content in bodies
        writer = bodies.index(content)
        # one upload whole: its content with its own metadata and type, never another's
        assert blob["user_metadata"] == {"writer": str(writer)}
        assert blob["content_type"] == f"text/x-writer-{writer}"
        assert blob["content_length"] == len(content)


def test_concurrent_large_uploads_of_one_blob_never_mix(dc: LocalServer, azurite: str, api: httpx.Client) -> None:
    """Bodies of several blocks: Azure keeps the staged blocks of one commit only, so an upload whose blocks
    a concurrent commit discarded is an honest 409; the blob holds one successful upload whole."""
    assert api.post("/api/buckets", data={"name": "race-large"}).status_code == 201
    size = 4 * 1024 * 1024 + 4096  # two blocks of libcloud's 4 MB
    bodies = [bytes([writer]) * size for writer in range(3)]
    answers = _race(dc, azurite, "/api/buckets/race-large/shared.bin", bodies)
    assert {a.status_code for a in answers} <= {200, 409}, [a.text for a in answers]
    for refused in (a for a in answers if a.status_code == 409):
        assert "concurrent" in refused.json()["message"]
    content, blob = _stored(api, "/api/buckets/race-large/shared.bin")
    assert content in bodies
    writer = bodies.index(content)
    assert answers[writer].status_code == 200  # the blob holds an upload that was answered 200
    assert blob["user_metadata"] == {"writer": str(writer)}


def test_empty_blob_uploads(api: httpx.Client) -> None:
    """An empty body is one Put Blob without a Content-Length of its own: libcloud would sign "0" where
    Azure signs "", and the upload was refused as an authentication failure (401)."""
    assert api.post("/api/buckets", data={"name": "empty-blobs"}).status_code == 201
    put = api.put("/api/buckets/empty-blobs/nothing", content=b"", headers={"Content-Type": "text/plain"})
    assert put.status_code == 200, put.text
    assert put.json()["blob"]["content_length"] == 0
    content = api.get("/api/buckets/empty-blobs/nothing/content")
    assert content.status_code == 200 and content.content == b""


def test_a_bucket_deleted_during_an_upload_is_a_404(api: httpx.Client, dc: LocalServer, azurite: str) -> None:
    """Azure's 404 (ContainerNotFound) to the upload's own requests was answered as the caller's malformed
    request (400): every status an Azure call answered outside BY_STATUS's table became a 400."""
    assert api.post("/api/buckets", data={"name": "going-away"}).status_code == 201
    halfway = threading.Event()

    def body() -> Iterator[bytes]:
        yield b"x" * (5 * 1024 * 1024)  # more than one block: the upload streams, block by block
        halfway.wait(10)
        yield b"y" * 1024

    with _client(dc, azurite) as uploader, ThreadPoolExecutor(1) as pool:
        upload = pool.submit(uploader.put, "/api/buckets/going-away/big.bin", content=body(),
                             headers={"Content-Type": "application/octet-stream"})
        time.sleep(1)
        assert api.delete("/api/buckets/going-away").status_code == 204
        halfway.set()
        answer = upload.result(timeout=30)
    assert answer.status_code == 404, answer.text


@pytest.mark.parametrize(("status", "code", "expected"), [
    (400, "Md5Mismatch", 502),  # the bytes were damaged on their way: not the client's request
    (200, "", 502),  # an answer no upload gets
    (404, "ContainerNotFound", 404),
    (400, "InvalidHeaderValue", 400),
])
def test_azures_refusals_of_an_upload_are_typed_by_what_they_mean(status: int, code: str, expected: int) -> None:
    from deltacloud.drivers.azure.upload import _expect_created

    body = f"<?xml version='1.0' encoding='utf-8'?><Error><Code>{code}</Code><Message>m</Message></Error>"
    answer = type("Answer", (), {"status": status, "body": body if code else ""})()
    with pytest.raises(DeltacloudError) as refused:
        _expect_created(answer)
    assert refused.value.status == expected
