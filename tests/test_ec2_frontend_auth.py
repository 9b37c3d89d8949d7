"""SigV4 authentication of the EC2 front-end, over HTTP: real clients accepted, forged requests refused."""

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import boto3
import botocore.auth
import httpx
import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from defusedxml import ElementTree
from libcloud.compute.drivers.ec2 import EC2NodeDriver

FORM = "Action=DescribeRegions&Version=2016-11-15"
FORM_TYPE = "application/x-www-form-urlencoded; charset=utf-8"
SECRET = "mockpassword"


def sign(url: str, body: str = FORM, *, key: str = "mockuser", secret: str = SECRET, service: str = "ec2",
         method: str = "POST") -> tuple[str, dict[str, str], bytes]:
    request = AWSRequest(method=method, url=url, data=body, headers={"Content-Type": FORM_TYPE})
    SigV4Auth(Credentials(key, secret), service, "us-east-1").add_auth(request)
    prepared = request.prepare()
    raw = prepared.body if isinstance(prepared.body, bytes) else (prepared.body or "").encode()
    return prepared.url, dict(prepared.headers), raw


def send(url: str, headers: dict[str, str], body: bytes, method: str = "POST") -> httpx.Response:
    return httpx.request(method, url, headers=headers, content=body, timeout=30)


def error_of(response: httpx.Response) -> tuple[str, str]:
    """Code and message of an EC2 error document, checking the exact shape libcloud needs."""
    root = ElementTree.fromstring(response.content)
    assert root.tag == "Response"  # no namespace on error documents
    (errors,) = root.findall("Errors")
    (error,) = errors.findall("Error")
    assert [child.tag for child in error] == ["Code", "Message"]
    assert root.findtext("RequestID")
    assert response.headers["content-type"].startswith("text/xml")
    return error.findtext("Code") or "", error.findtext("Message") or ""


@pytest.fixture(scope="module")
def url(server) -> str:
    return f"{server.url}/ec2"


# -- accepted ---------------------------------------------------------------------------------------------


def test_boto3_is_accepted(url) -> None:
    client = boto3.client("ec2", endpoint_url=url, region_name="us-east-1", aws_access_key_id="mockuser",
                          aws_secret_access_key=SECRET)
    reply = client.describe_regions()
    assert reply["Regions"][0]["RegionName"] == "us-east-1"
    assert reply["ResponseMetadata"]["RequestId"]


def test_aws_cli_is_accepted(url) -> None:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "mockuser", "AWS_SECRET_ACCESS_KEY": SECRET,
           "AWS_DEFAULT_REGION": "eu-west-1", "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull}
    result = subprocess.run([str(Path(sys.executable).with_name("aws")), "--endpoint-url", url, "ec2",
                             "describe-regions", "--output", "json"], env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert '"RegionName": "eu-west-1"' in result.stdout  # the region the CLI signed for


def test_libcloud_sigv4_get_is_accepted(url) -> None:
    parts = urlsplit(url)
    driver = EC2NodeDriver("mockuser", SECRET, region="us-west-2", host=parts.hostname, port=parts.port,
                           secure=False, signature_version="4")
    driver.connection.request_path = "/ec2"
    zones = driver.ex_list_availability_zones()
    assert {z.region_name for z in zones} == {"us-west-2"}


def test_presigned_get_url_is_accepted(url) -> None:
    request = AWSRequest(method="GET", url=url, params={"Action": "DescribeAvailabilityZones",
                                                        "Version": "2016-11-15"})
    SigV4QueryAuth(Credentials("mockuser", SECRET), "ec2", "us-east-1", expires=300).add_auth(request)
    response = httpx.get(request.prepare().url, timeout=30)
    assert response.status_code == 200
    assert b"<zoneName>us</zoneName>" in response.content


def test_the_trailing_slash_path_is_signed_and_served(server) -> None:
    response = send(*sign(f"{server.url}/ec2/"))
    assert response.status_code == 200


# -- rejected ---------------------------------------------------------------------------------------------


def test_body_changed_after_signing_is_rejected(url) -> None:
    signed_url, headers, _ = sign(url, "Action=DescribeInstances&Version=2016-11-15&InstanceId.1=inst0")
    tampered = b"Action=DescribeInstances&Version=2016-11-15&InstanceId.1=inst1"
    response = send(signed_url, headers, tampered)
    assert response.status_code == 403
    assert error_of(response)[0] == "SignatureDoesNotMatch"


def test_presigned_query_changed_after_signing_is_rejected(url) -> None:
    request = AWSRequest(method="GET", url=url, params={"Action": "DescribeInstances", "Version": "2016-11-15",
                                                        "InstanceId.1": "inst0"})
    SigV4QueryAuth(Credentials("mockuser", SECRET), "ec2", "us-east-1", expires=300).add_auth(request)
    tampered = request.prepare().url.replace("InstanceId.1=inst0", "InstanceId.1=inst1")
    response = httpx.get(tampered, timeout=30)
    assert response.status_code == 403
    assert error_of(response)[0] == "SignatureDoesNotMatch"


def test_wrong_secret_is_signature_does_not_match(url) -> None:
    response = send(*sign(url, secret="guessed"))
    assert response.status_code == 403
    code, message = error_of(response)
    assert code == "SignatureDoesNotMatch"
    assert "guessed" not in response.text and SECRET not in response.text


def test_unknown_access_key_is_auth_failure(url) -> None:
    response = send(*sign(url, key="AKIDNOBODY"))
    assert response.status_code == 401
    assert error_of(response)[0] == "AuthFailure"


def test_expired_request_is_rejected(url, monkeypatch) -> None:
    twenty_minutes_ago = datetime.datetime.now(datetime.UTC).replace(tzinfo=None) - datetime.timedelta(minutes=20)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: twenty_minutes_ago)
    response = send(*sign(url))
    assert response.status_code == 400
    assert error_of(response)[0] == "RequestExpired"


def test_request_without_signature_is_rejected(url) -> None:
    response = httpx.post(url, content=FORM, headers={"Content-Type": FORM_TYPE}, timeout=30)
    assert response.status_code == 401
    assert error_of(response)[0] == "MissingAuthenticationToken"


def test_signature_for_another_service_is_rejected(url) -> None:
    response = send(*sign(url, service="s3"))
    assert response.status_code == 403
    code, message = error_of(response)
    assert code == "SignatureDoesNotMatch" and "'ec2'" in message


def test_boto3_sees_auth_errors_with_their_codes(url) -> None:
    client = boto3.client("ec2", endpoint_url=url, region_name="us-east-1", aws_access_key_id="mockuser",
                          aws_secret_access_key="wrong", config=Config(retries={"max_attempts": 1}))
    with pytest.raises(ClientError) as caught:
        client.describe_instances()
    assert caught.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_every_request_is_metered_once_with_its_outcome(server, url) -> None:
    log = server.data_dir / "metering.log"

    def records() -> list[dict]:
        lines = log.read_text().splitlines() if log.exists() else []
        return [r for r in map(json.loads, lines) if r.get("frontend") == "ec2"]

    before = len(records())
    assert send(*sign(url)).status_code == 200
    assert send(*sign(url, secret="wrong")).status_code == 403
    assert send(*sign(url, "Action=Frobnicate&Version=2016-11-15")).status_code == 400
    new = [(r["operation"], r["tenant"], r["driver"], r["outcome"]) for r in records()[before:]]
    assert new == [
        ("DescribeRegions", "mockuser", "mock", "success"),
        ("DescribeRegions", "anonymous", "mock", "auth_error"),
        ("unknown", "mockuser", "mock", "client_error"),
    ]


@pytest.mark.parametrize(
    ("driver", "status", "code", "says"),
    [
        ("ec2", 401, "AuthFailure", "No credentials for driver 'ec2'"),  # the demo tenant has mock credentials only
        ("nonesuch", 400, "InvalidParameterValue", "known drivers"),
    ],
)
def test_the_chosen_driver_needs_the_tenants_credentials(url, driver, status, code, says) -> None:
    signed_url, headers, body = sign(url, "Action=DescribeInstances&Version=2016-11-15")
    response = send(signed_url, {**headers, "X-Deltacloud-Driver": driver}, body)
    assert response.status_code == status
    got, message = error_of(response)
    assert got == code and says in message
