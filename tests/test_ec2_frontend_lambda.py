"""The EC2 front-end as a Lambda function: API Gateway events through the real handler (Mangum + app).

Behind API Gateway the client signs the public host and the stage-prefixed path (``/prod/ec2``) while
the function sees ``/ec2``: verification must use what was signed. The sample events in ``events/``
were signed at a fixed time; the local invoke re-signs them (see deltacloud.local_invoke).
"""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import botocore.auth
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from defusedxml import ElementTree
from deltacloud.local_invoke import LocalLambdaContext, invoke

EVENTS = Path(__file__).resolve().parents[1] / "events"
HOST = "abc123.execute-api.us-east-1.amazonaws.com"
NS = "{http://ec2.amazonaws.com/doc/2016-11-15/}"


def api_gateway_event(body: str, *, stage: str | None = "prod", secret: str = "mockpassword",
                      host: str = HOST) -> dict[str, Any]:
    """A REST API proxy event for a form POST that boto3 signed for https://<host>[/<stage>]/ec2."""
    signed_path = f"/{stage}/ec2" if stage else "/ec2"
    request = AWSRequest(method="POST", url=f"https://{host}{signed_path}", data=body,
                         headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                                  "User-Agent": "Boto3/1.44.8 md/Botocore#1.44.8"})
    SigV4Auth(Credentials("mockuser", secret), "ec2", "us-east-1").add_auth(request)
    headers = {"Host": urlsplit(request.url).netloc, **{k: v for k, v in request.headers.items()},
               "X-Forwarded-Proto": "https", "X-Forwarded-Port": "443"}
    return {
        "resource": "/ec2",
        "path": "/ec2",
        "httpMethod": "POST",
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/ec2", "httpMethod": "POST", "path": signed_path, "stage": stage or "$default",
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef", "accountId": "123456789012", "apiId": "abc123",
            "protocol": "HTTP/1.1", "domainName": host,
            "identity": {"sourceIp": "203.0.113.10", "userAgent": "Boto3/1.44.8"},
        },
        "body": body,
        "isBase64Encoded": False,
    }


@pytest.fixture(scope="module")
def handler():
    from ec2_api.handler import handler

    return lambda event: handler(event, LocalLambdaContext("Ec2Function"))


def code_of(response: dict[str, Any]) -> str:
    return ElementTree.fromstring(response["body"]).findtext("Errors/Error/Code") or ""


def test_signed_through_a_stage_prefix(handler) -> None:
    response = handler(api_gateway_event("Action=DescribeInstances&Version=2016-11-15"))
    assert response["statusCode"] == 200, response["body"]
    assert response["headers"]["content-type"].startswith("text/xml")
    root = ElementTree.fromstring(response["body"])
    assert root.tag == f"{NS}DescribeInstancesResponse"
    ids = [e.text for e in root.iter(f"{NS}instanceId")]
    assert {"inst0", "inst1"} <= set(ids)


def test_signed_without_a_stage_custom_domain(handler) -> None:
    response = handler(api_gateway_event("Action=DescribeRegions&Version=2016-11-15", stage=None))
    assert response["statusCode"] == 200, response["body"]


def test_the_signed_host_must_be_the_public_one(handler) -> None:
    event = api_gateway_event("Action=DescribeRegions&Version=2016-11-15")
    event["headers"]["Host"] = event["multiValueHeaders"]["Host"][0] = "evil.example.com"
    response = handler(event)
    assert (response["statusCode"], code_of(response)) == (403, "SignatureDoesNotMatch")


def test_wrong_secret_through_the_handler(handler) -> None:
    response = handler(api_gateway_event("Action=DescribeRegions&Version=2016-11-15", secret="nope"))
    assert (response["statusCode"], code_of(response)) == (403, "SignatureDoesNotMatch")


def test_sample_events_expire_unless_re_signed(handler) -> None:
    event = json.loads((EVENTS / "ec2-describe-instances.json").read_text())
    signed_at = datetime.strptime(event["headers"]["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert datetime.now(UTC) - signed_at > timedelta(minutes=15)
    stale = handler(event)  # as Lambda would run it today
    assert (stale["statusCode"], code_of(stale)) == (400, "RequestExpired")

    fresh = invoke("ec2", event)  # the local invoke re-signs a genuine signature with the current time
    assert fresh["statusCode"] == 200, fresh["body"]
    assert "<reservationSet>" in fresh["body"]


def test_sample_run_instances_event(handler) -> None:
    event = json.loads((EVENTS / "ec2-run-instances.json").read_text())
    response = invoke("ec2", event)
    assert response["statusCode"] == 200, response["body"]
    root = ElementTree.fromstring(response["body"])
    (item,) = root.findall(f"{NS}instancesSet/{NS}item")
    assert item.findtext(f"{NS}instanceState/{NS}name") == "pending"
    tags = {t.findtext(f"{NS}key"): t.findtext(f"{NS}value") for t in item.findall(f"{NS}tagSet/{NS}item")}
    assert tags["Name"] == "from-sample-event"
    again = invoke("ec2", event)  # the event carries a ClientToken: the same reservation comes back
    assert again["body"].split("<reservationId>")[1][:20] == response["body"].split("<reservationId>")[1][:20]


def test_sample_bad_request_event(handler) -> None:
    response = invoke("ec2", json.loads((EVENTS / "ec2-bad-request.json").read_text()))
    assert (response["statusCode"], code_of(response)) == (400, "MissingParameter")
    assert "ImageId" in ElementTree.fromstring(response["body"]).findtext("Errors/Error/Message")


def test_a_tampered_sample_event_is_not_re_signed(handler) -> None:
    event = json.loads((EVENTS / "ec2-describe-instances.json").read_text())
    event["body"] = event["body"].replace("DescribeInstances", "DescribeKeyPairs")
    response = invoke("ec2", event)
    assert response["statusCode"] in (400, 403)
    assert code_of(response) in ("RequestExpired", "SignatureDoesNotMatch")


def test_pinned_signing_time_helper_for_events(monkeypatch) -> None:
    """How the sample events were made: boto3's signer at a fixed time (kept here so they can be remade)."""
    pinned = datetime(2025, 1, 15, 9, 0, 0)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: pinned)
    event = api_gateway_event("Action=DescribeInstances&Version=2016-11-15")
    assert event["headers"]["X-Amz-Date"] == "20250115T090000Z"
    stored = json.loads((EVENTS / "ec2-describe-instances.json").read_text())
    assert stored["headers"]["Authorization"] == event["headers"]["Authorization"]
