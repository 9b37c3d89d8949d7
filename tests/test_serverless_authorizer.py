"""The tenant authorizer on real API Gateway REQUEST events: HTTP Basic, SigV4 signed by botocore
(header, presigned, form POST), with the local store and with Secrets Manager on moto; what it
returns to API Gateway, and that no secret reaches its log."""

import contextlib
import json
from typing import Any

import pytest
from authorizer.handler import handler
from authorizer.policy import Unauthorized, stage_resource
from deltacloud.local_invoke import LocalLambdaContext
from serverless_support import (
    API_ID,
    REGION,
    authorizer_event,
    basic,
    powertools_lines,
    runtime_with,
    set_header,
    sigv4_event,
    unique,
    use_moto,
)

DESCRIBE = {"Action": "DescribeInstances", "Version": "2016-11-15"}
DEMO_KEY = "mockuser-demo-usage-plan-key"


def authorize(event: dict[str, Any]) -> dict[str, Any]:
    return handler(event, LocalLambdaContext("AuthorizerFunction", 10))


@pytest.fixture(autouse=True)
def local_runtime(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Each test starts from the local store of its own data directory (the demo tenant)."""
    with runtime_with(monkeypatch, DELTACLOUD_CREDENTIALS="local"):
        yield


def assert_allowed(response: dict[str, Any], tenant: str, usage_key: str, scheme: str) -> None:
    assert response["principalId"] == tenant
    assert response["context"] == {"tenant": tenant, "auth": scheme}
    assert response["usageIdentifierKey"] == usage_key
    (statement,) = response["policyDocument"]["Statement"]
    assert statement == {
        "Action": "execute-api:Invoke", "Effect": "Allow",
        "Resource": f"arn:aws:execute-api:{REGION}:123456789012:{API_ID}/prod/*/*",
    }


def test_valid_basic_credentials_are_allowed_with_the_usage_plan_key() -> None:
    response = authorize(authorizer_event("GET", "/api/instances", basic("mockuser", "mockpassword")))
    assert_allowed(response, "mockuser", DEMO_KEY, "basic")


@pytest.mark.parametrize("headers", [
    basic("mockuser", "wrong-password"),
    basic("nosuchtenant", "mockpassword"),
    basic("mockuser", ""),
    {"Authorization": "Basic !!!not-base64"},
    {"Authorization": "Bearer some-token"},
    {},
], ids=["wrong-password", "unknown-tenant", "empty-password", "malformed", "other-scheme", "none"])
def test_bad_or_missing_credentials_are_unauthorized(headers: dict[str, str]) -> None:
    with pytest.raises(Unauthorized) as raised:
        authorize(authorizer_event("GET", "/api/instances", headers))
    assert str(raised.value) == "Unauthorized"  # the exact message API Gateway turns into a 401


def test_a_repeated_authorization_header_is_unauthorized() -> None:
    """The authorizer read one value and allowed (and metered) the call; the function read both, joined, and
    answered 401. Ambiguous credentials are refused by both."""
    event = authorizer_event("GET", "/api/instances", basic("mockuser", "mockpassword"))
    event["multiValueHeaders"]["Authorization"] = [basic("mallory", "guess")["Authorization"],
                                                   event["headers"]["Authorization"]]
    with pytest.raises(Unauthorized):
        authorize(event)


def test_sigv4_header_signed_by_botocore_is_verified() -> None:
    response = authorize(sigv4_event("mockuser", "mockpassword", query=DESCRIBE))
    assert_allowed(response, "mockuser", DEMO_KEY, "sigv4")


def test_sigv4_presigned_url_is_verified() -> None:
    response = authorize(sigv4_event("mockuser", "mockpassword", query=DESCRIBE, presign=True))
    assert_allowed(response, "mockuser", DEMO_KEY, "sigv4")


def test_sigv4_through_a_custom_domain_with_a_base_path() -> None:
    """The client signed its own host and path (/cloud/ec2): the event's path lacks the base path."""
    event = sigv4_event("mockuser", "mockpassword", query=DESCRIBE, stage="cloud", host="api.example.com")
    assert event["path"] == "/ec2" and event["requestContext"]["path"] == "/cloud/ec2"
    assert authorize(event)["principalId"] == "mockuser"


@pytest.mark.parametrize("change", ["secret", "query", "path", "host", "access-key"])
def test_sigv4_mismatches_are_unauthorized(change: str) -> None:
    if change == "secret":
        event = sigv4_event("mockuser", "not-the-secret", query=DESCRIBE)
    elif change == "access-key":
        event = sigv4_event("nosuchtenant", "mockpassword", query=DESCRIBE)
    else:
        event = sigv4_event("mockuser", "mockpassword", query=DESCRIBE)
        if change == "query":
            event["multiValueQueryStringParameters"]["Action"] = ["TerminateInstances"]
        elif change == "path":
            event["requestContext"]["path"] = "/prod/api"
            event["path"] = "/api"
        else:
            set_header(event, "Host", "evil.example.com")
    with pytest.raises(Unauthorized):
        authorize(event)


def test_sigv4_expired_signature_is_unauthorized() -> None:
    event = sigv4_event("mockuser", "mockpassword", query=DESCRIBE)
    set_header(event, "X-Amz-Date", "20200101T000000Z")
    with pytest.raises(Unauthorized):
        authorize(event)


def test_sigv4_form_post_is_let_through_deferred_to_the_ec2_front_end() -> None:
    """The body is not in an authorizer event: the claim is checked, the signature is the front-end's."""
    body = "Action=RunInstances&Version=2016-11-15&ImageId=ami-1&MinCount=1&MaxCount=1"
    response = authorize(sigv4_event("mockuser", "mockpassword", method="POST", body=body))
    assert_allowed(response, "mockuser", DEMO_KEY, "sigv4-deferred")
    # ... but only for a known access key and a fresh, well-formed claim
    with pytest.raises(Unauthorized):
        authorize(sigv4_event("nosuchtenant", "whatever", method="POST", body=body))
    stale = sigv4_event("mockuser", "mockpassword", method="POST", body=body)
    set_header(stale, "X-Amz-Date", "20200101T000000Z")
    with pytest.raises(Unauthorized):
        authorize(stale)


def test_a_tenant_without_a_usage_plan_key_is_denied(tmp_path: Any) -> None:
    import os
    from pathlib import Path

    from deltacloud.credentials import LocalCredentialStore

    store = LocalCredentialStore(Path(os.environ["DELTACLOUD_DATA_DIR"]) / "credentials.json")
    store.register("nokey", "nokey-pw")
    response = authorize(authorizer_event("GET", "/cimi/machines", basic("nokey", "nokey-pw")))
    assert response["policyDocument"]["Statement"][0]["Effect"] == "Deny"
    assert "usageIdentifierKey" not in response


def test_stage_resource_covers_every_method_of_the_stage() -> None:
    arn = "arn:aws:execute-api:eu-west-1:111122223333:a1b2c3/v1/POST/ec2"
    assert stage_resource(arn) == "arn:aws:execute-api:eu-west-1:111122223333:a1b2c3/v1/*/*"
    assert stage_resource("garbage") is None and stage_resource("") is None


def test_events_api_gateway_would_not_send_are_rejected_not_crashed_on() -> None:
    """Found by fuzzing: without a methodArn the answer was an Allow for no resource (API Gateway: 500),
    and a null header or parameter raised a TypeError instead of the 401."""
    valid = authorizer_event("GET", "/api/instances", basic("mockuser", "mockpassword"))
    signed = sigv4_event("mockuser", "mockpassword", query=DESCRIBE)
    assert authorize(valid)["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    broken = [
        {k: v for k, v in valid.items() if k != "methodArn"},
        {**valid, "methodArn": None},
        {**valid, "methodArn": "garbage"},
        {**signed, "multiValueHeaders": {**signed["multiValueHeaders"], "X-Amz-Date": [None]}},
        {**signed, "multiValueQueryStringParameters": {"Action": None}},
        {**signed, "httpMethod": None},
        {**valid, "headers": None, "multiValueHeaders": {"Authorization": [None]}},
    ]
    for event in broken:
        with pytest.raises(Unauthorized):
            authorize(event)
    with pytest.raises(Unauthorized):
        authorize(["not", "an", "event"])  # type: ignore[arg-type]


def test_with_secrets_manager(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Deployed configuration: the tenant registry in Secrets Manager, as `tenant register` writes it."""
    import boto3

    use_moto(monkeypatch, moto_endpoint)
    prefix = unique("dc")
    client = boto3.client("secretsmanager")
    client.create_secret(Name=f"{prefix}/alice",
                         SecretString=json.dumps({"secret": "alice-pw", "api_key": "alice-usage-key-0123456789"}))
    try:
        with runtime_with(monkeypatch, DELTACLOUD_CREDENTIALS="secretsmanager", DELTACLOUD_SECRET_PREFIX=prefix):
            allowed = authorize(authorizer_event("GET", "/api/instances", basic("alice", "alice-pw")))
            assert_allowed(allowed, "alice", "alice-usage-key-0123456789", "basic")
            signed = authorize(sigv4_event("alice", "alice-pw", query=DESCRIBE))
            assert_allowed(signed, "alice", "alice-usage-key-0123456789", "sigv4")
            for event in (authorizer_event("GET", "/api", basic("alice", "mockpassword")),
                          authorizer_event("GET", "/api", basic("mockuser", "mockpassword"))):
                with pytest.raises(Unauthorized):
                    authorize(event)
    finally:
        client.delete_secret(SecretId=f"{prefix}/alice", ForceDeleteWithoutRecovery=True)


def test_secrets_never_reach_the_log(caplog: pytest.LogCaptureFixture) -> None:
    """Both what the log records say (caplog) and the JSON lines Powertools writes (its own formatter,
    every appended key included)."""
    from authorizer.handler import logger

    events = [
        authorizer_event("GET", "/api/instances", basic("mockuser", "mockpassword")),
        authorizer_event("GET", "/api/instances", basic("mockuser", "typed-my-other-password")),
        sigv4_event("mockuser", "mockpassword", query=DESCRIBE),
        sigv4_event("mockuser", "mockpassword", method="POST", body="Action=DescribeRegions&Version=2016-11-15"),
    ]
    with powertools_lines(logger.service) as lines:
        for event in events:
            with contextlib.suppress(Unauthorized):
                authorize(event)
    logged = lines.getvalue() + caplog.text
    assert '"message":"request allowed"' in logged and '"message":"request rejected"' in logged
    authorizations = [e["headers"]["Authorization"] for e in events]
    for secret in ("mockpassword", "typed-my-other-password", *authorizations,
                   *(a.split("Signature=")[-1] for a in authorizations)):
        assert secret not in logged
    for token in ("bW9ja3VzZXI6bW9ja3Bhc3N3b3Jk", "Signature="):
        assert token not in logged


def test_an_unreachable_credential_store_is_a_function_error_not_a_401(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """API Gateway answers 500 for a failing authorizer: a store outage must not read as bad credentials."""
    from conftest import free_port
    from deltacloud.errors import BackendUnavailable

    use_moto(monkeypatch, f"http://127.0.0.1:{free_port()}")  # nothing listens there
    monkeypatch.setattr("deltacloud.aws_clients.MAX_ATTEMPTS", 1)
    with runtime_with(monkeypatch, DELTACLOUD_CREDENTIALS="secretsmanager", DELTACLOUD_SECRET_PREFIX="dc"), \
            pytest.raises(BackendUnavailable):
        authorize(authorizer_event("GET", "/api/instances", basic("alice", "alice-pw")))
    assert "alice-pw" not in caplog.text


def test_a_body_signature_is_deferred_only_to_the_ec2_api() -> None:
    """/api and /cimi never check a SigV4 body signature later: there a forged one must not pass."""
    body = "name=forged"
    for path in ("/api/keys", "/cimi/machines"):
        event = sigv4_event("mockuser", "not-the-secret", method="POST", path=path, body=body)
        with pytest.raises(Unauthorized):
            authorize(event)
