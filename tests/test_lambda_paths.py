"""The classic API through its real Lambda handler, on what only the Lambda path sees: API Gateway's REST
events (an encoded path, base64 bodies), Mangum's header charsets and Lambda's 6 MB answer. Each test
guards a defect found by invoking the handler with such events."""

import base64
import copy
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from deltacloud.credentials import LocalCredentialStore
from deltacloud.local_invoke import run_event
from serverless_support import ROOT, runtime_with, use_moto

SAMPLE = json.loads((ROOT / "events" / "deltacloud-list-instances.json").read_text())


@pytest.fixture(autouse=True)
def local_runtime(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    with runtime_with(monkeypatch, DELTACLOUD_CREDENTIALS="local", DELTACLOUD_STATE_STORE="sqlite"):
        yield


def call(method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """The answer of the classic function to a REST API (v1) event; ``path`` as API Gateway passes it (encoded)."""
    event = copy.deepcopy(SAMPLE)
    all_headers = {**event["headers"], "Accept": "application/json", **(headers or {})}
    event.update(httpMethod=method, path=path, resource="/api/{proxy+}", headers=all_headers,
                 multiValueHeaders={k: [v] for k, v in all_headers.items()},
                 body=base64.b64encode(body).decode() if body is not None else None, isBase64Encoded=body is not None)
    event["requestContext"].update(httpMethod=method, path=f"/prod{path}", resourcePath="/api/{proxy+}")
    invocation = run_event("deltacloud", event)
    assert invocation.error is None, invocation.error  # never a function error (API Gateway: 502)
    return invocation.result


def test_an_encoded_semicolon_is_part_of_an_id_under_lambda_too() -> None:
    """A REST API passes the path still encoded and Mangum decoded it: ``DELETE /api/keys/victim%3Bother``
    deleted the key ``victim`` (the ';' read as a matrix parameter)."""
    assert call("POST", "/api/keys", b"name=victim",
                {"Content-Type": "application/x-www-form-urlencoded"})["statusCode"] == 201
    assert call("DELETE", "/api/keys/victim%3Bother")["statusCode"] == 404
    assert call("GET", "/api/keys/victim")["statusCode"] == 200


def test_metadata_beyond_ascii_is_kept_and_answered() -> None:
    """Mangum encodes request headers as UTF-8 and decodes response headers as UTF-8, where the app reads and
    writes HTTP's Latin-1: a header 'Zürich' was stored as 'ZÃ¼rich', and a HEAD of a blob whose metadata a
    form had set to 'Zürich' was a function error."""
    assert call("POST", "/api/buckets", b"name=lambda-meta",
                {"Content-Type": "application/x-www-form-urlencoded"})["statusCode"] == 201
    stored = call("PUT", "/api/buckets/lambda-meta/city", b"data", {"X-Deltacloud-Blobmeta-City": "Zürich"})
    assert stored["statusCode"] == 200
    assert json.loads(stored["body"])["blob"]["user_metadata"] == {"city": "Zürich"}
    form = (b"--b\r\nContent-Disposition: form-data; name=\"blob_id\"\r\n\r\nformed\r\n"
            b"--b\r\nContent-Disposition: form-data; name=\"meta_params\"\r\n\r\n1\r\n"
            b"--b\r\nContent-Disposition: form-data; name=\"meta_name1\"\r\n\r\ncity\r\n"
            b"--b\r\nContent-Disposition: form-data; name=\"meta_value1\"\r\n\r\n" + "Zürich".encode() + b"\r\n"
            b"--b\r\nContent-Disposition: form-data; name=\"blob_data\"; filename=\"f\"\r\n\r\nx\r\n--b--\r\n")
    posted = call("POST", "/api/buckets/lambda-meta", form, {"Content-Type": "multipart/form-data; boundary=b"})
    assert posted["statusCode"] == 201, posted["body"]
    head = call("HEAD", "/api/buckets/lambda-meta/formed")
    assert head["statusCode"] == 204 and head["headers"]["x-deltacloud-blobmeta-city"] == "Zürich"


def test_a_blob_too_large_for_a_lambda_answer_is_a_clear_refusal() -> None:
    """A 5 MB download made a 7 MB Lambda answer (base64): a function error, API Gateway's bare 502. The mock has
    no download URL of its own to redirect to, so it is an error document saying why."""
    assert call("POST", "/api/buckets", b"name=lambda-big",
                {"Content-Type": "application/x-www-form-urlencoded"})["statusCode"] == 201
    assert call("PUT", "/api/buckets/lambda-big/big", b"\xff" * (5 * 1024 * 1024))["statusCode"] == 200
    refused = call("GET", "/api/buckets/lambda-big/big/content")
    assert refused["statusCode"] == 501
    assert "no direct download URL" in json.loads(refused["body"])["message"]
    # text goes out as JSON text, whose escapes take up to 6 bytes a byte: 1.5 MB of control characters was 9 MB
    text = call("PUT", "/api/buckets/lambda-big/text", b"\x01" * 1_500_000, {"Content-Type": "text/plain"})
    assert text["statusCode"] == 200
    assert call("GET", "/api/buckets/lambda-big/text/content")["statusCode"] == 501
    assert call("PUT", "/api/buckets/lambda-big/small", b"\xff" * 1024)["statusCode"] == 200
    small = call("GET", "/api/buckets/lambda-big/small/content")
    assert small["statusCode"] == 200 and base64.b64decode(small["body"]) == b"\xff" * 1024


def test_a_large_s3_blob_is_a_redirect_to_its_presigned_url(moto_endpoint: str,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """On AWS the cloud has its own URL for the content: the answer redirects there (S3's presigned URL)."""
    import httpx

    use_moto(monkeypatch, moto_endpoint)
    store = LocalCredentialStore(Path(os.environ["DELTACLOUD_DATA_DIR"]) / "credentials.json")
    store.register("s3user", "s3user-pw", "ec2", "eu-north-1",
                   {"access_key_id": "AKIDLAMBDABLOBS", "secret_access_key": "lambda-blobs-secret"})
    aws = {"Authorization": "Basic " + base64.b64encode(b"s3user:s3user-pw").decode(),
           "X-Deltacloud-Driver": "ec2", "X-Deltacloud-Provider": "eu-north-1"}
    bucket = f"lambda-big-{uuid.uuid4().hex[:8]}"
    created = call("POST", "/api/buckets", f"name={bucket}".encode(),
                   {**aws, "Content-Type": "application/x-www-form-urlencoded"})
    assert created["statusCode"] == 201, created["body"]
    content = bytes(range(256)) * (5 * 4096)  # 5 MiB
    assert call("PUT", f"/api/buckets/{bucket}/big", content, aws)["statusCode"] == 200
    redirected = call("GET", f"/api/buckets/{bucket}/big/content", None, aws)
    assert redirected["statusCode"] == 307
    assert httpx.get(redirected["headers"]["location"]).content == content


def test_the_consoles_driver_switch_keeps_the_stage() -> None:
    """The HTML console's switch redirected to the API Gateway host without its stage (/prod); the driver and
    provider it names are percent-encoded (a provider may be a URL)."""
    switched = call("POST", "/api", b"driver=openstack&provider=http://keystone:5000/v3?region=One",
                    {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"})
    assert switched["statusCode"] == 301
    assert switched["headers"]["location"] == ("https://abc123.execute-api.us-east-1.amazonaws.com/prod/api"
                                               ";driver=openstack;provider=http:%2F%2Fkeystone:5000%2Fv3%3Fregion%3DOne")


def test_links_behind_a_custom_domains_base_path_keep_it() -> None:
    """On a custom domain whose base path mapping is /cloud, every link lost the /cloud (only API Gateway's own
    domain's stage was kept)."""
    event = copy.deepcopy(SAMPLE)
    event["headers"] = {**event["headers"], "Host": "api.example.com", "Accept": "application/json"}
    event["multiValueHeaders"] = {k: [v] for k, v in event["headers"].items()}
    event["requestContext"].update(domainName="api.example.com", path="/cloud/api/instances")
    answer = run_event("deltacloud", event).result
    assert answer["statusCode"] == 200
    hrefs = [i["href"] for i in json.loads(answer["body"])["instances"]]
    assert hrefs and all(h.startswith("https://api.example.com/cloud/api/instances/") for h in hrefs), hrefs
    # a base path named like the front-end cannot be the apps' root path (it would be taken off the path):
    # the requests still work, their links lack it
    event["requestContext"].update(path="/api/api/instances")
    assert run_event("deltacloud", event).result["statusCode"] == 200
