"""Helpers of the serverless tests: AWS settings for the moto server, the state table as the template
declares it, API Gateway authorizer events (SigV4 signed by botocore), EventBridge rule events."""

from __future__ import annotations

import base64
import io
import logging
import subprocess
import sys
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
REGION = "us-east-1"
API_ID = "abc123"
STAGE = "prod"
HOST = f"{API_ID}.execute-api.{REGION}.amazonaws.com"
ACCOUNT = "123456789012"


@contextmanager
def powertools_lines(service: str) -> Iterator[io.StringIO]:
    """The JSON lines a function's Powertools logger writes (its own formatter, appended keys included)."""
    log = logging.getLogger(service)
    lines = io.StringIO()
    tap = logging.StreamHandler(lines)
    tap.setFormatter(log.handlers[0].formatter)
    log.addHandler(tap)
    try:
        yield lines
    finally:
        log.removeHandler(tap)


def cli(
    *args: str, data_dir: Path | None = None, cwd: Path = ROOT, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """The ``deltacloud`` command with ``args`` (on its own data directory, if given), ``stdin`` as its input."""
    options = ["--data-dir", str(data_dir)] if data_dir is not None else []
    return subprocess.run([sys.executable, "-m", "deltacloud.cli", *options, *args], input=stdin,
                          capture_output=True, text=True, timeout=120, cwd=cwd)


def unique(prefix: str) -> str:
    """A name no other test on the shared moto server uses."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def use_moto(monkeypatch: pytest.MonkeyPatch, endpoint: str) -> None:
    """Point every boto3 client made from now on at the moto server, with dummy credentials."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)


@contextmanager
def runtime_with(monkeypatch: pytest.MonkeyPatch, **env: str) -> Iterator[None]:
    """A fresh process runtime (get_runtime) built from ``env``; the next test gets a fresh one too."""
    from deltacloud.runtime import get_runtime

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_runtime.cache_clear()
    try:
        yield
    finally:
        get_runtime.cache_clear()


class _CfnLoader(yaml.SafeLoader):
    pass


_CfnLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def create_state_table(client: Any, name: str) -> None:
    """The StateTable of template.yaml (key schema, attributes, billing), under another name."""
    template = yaml.load((ROOT / "template.yaml").read_text(), Loader=_CfnLoader)  # noqa: S506
    props = template["Resources"]["StateTable"]["Properties"]
    client.create_table(
        TableName=name, KeySchema=props["KeySchema"], AttributeDefinitions=props["AttributeDefinitions"],
        BillingMode=props["BillingMode"],
    )
    client.get_waiter("table_exists").wait(TableName=name)


def count_calls(client: Any, operation: str) -> list[str]:
    """Record every ``operation`` call the client makes (the secret id / table name of each)."""
    calls: list[str] = []
    service = client.meta.service_model.service_id.hyphenize()
    client.meta.events.register(
        f"before-parameter-build.{service}.{operation}",
        lambda params, **_: calls.append(str(params.get("SecretId", operation))),
    )
    return calls


# --------------------------------------------------------------------------- authorizer events


def authorizer_event(
    method: str, path: str, headers: Mapping[str, str] | None = None, query: Mapping[str, str] | None = None,
    stage: str = STAGE, host: str = HOST,
) -> dict[str, Any]:
    """A REST API REQUEST authorizer event as API Gateway sends it (no body, ever). ``stage`` is the
    path prefix the client called: the stage on API Gateway's domain, a base path on a custom one."""
    prefix = "/" + path.strip("/").split("/")[0]
    resource = prefix if path.rstrip("/") == prefix else prefix + "/{proxy+}"
    all_headers = {"Host": host, "User-Agent": "test-client/1.0", "X-Forwarded-Proto": "https", **(headers or {})}
    return {
        "type": "REQUEST",
        "methodArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API_ID}/{STAGE}/{method}{path}",
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": all_headers,
        "multiValueHeaders": {k: [v] for k, v in all_headers.items()},
        "queryStringParameters": dict(query) if query else None,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": {"proxy": path[len(prefix) + 1:]} if resource.endswith("}") else None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": "a1b2c3", "resourcePath": resource, "httpMethod": method, "path": f"/{stage}{path}",
            "accountId": ACCOUNT, "stage": STAGE, "requestId": str(uuid.uuid4()), "apiId": API_ID,
            "domainName": host, "protocol": "HTTP/1.1",
            "identity": {"sourceIp": "203.0.113.10", "userAgent": "test-client/1.0"},
        },
    }


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def sigv4_event(
    access_key: str, secret: str, *, method: str = "GET", path: str = "/ec2",
    query: Mapping[str, str] | None = None, body: str = "", presign: bool = False, stage: str = STAGE,
    service: str = "ec2", host: str = HOST,
) -> dict[str, Any]:
    """An authorizer event for a request botocore signed (header form, or a presigned URL)."""
    from botocore.auth import SigV4Auth, SigV4QueryAuth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    url = f"https://{host}/{stage}{path}"
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"} if body else {}
    request = AWSRequest(method=method, url=url, data=body.encode() or None, headers=headers)
    credentials = Credentials(access_key, secret)
    if presign:
        SigV4QueryAuth(credentials, service, REGION, expires=300).add_auth(request)
    else:
        SigV4Auth(credentials, service, REGION).add_auth(request)
    signed_query = dict(parse_qsl(urlsplit(request.url).query, keep_blank_values=True))
    sent = {k: v for k, v in request.headers.items()}
    if body:
        sent["Content-Length"] = str(len(body.encode()))
    return authorizer_event(method, path, sent, signed_query or None, stage=stage, host=host)


def set_header(event: dict[str, Any], name: str, value: str) -> None:
    """Change a header the way a client would have sent it: in both header maps of the event."""
    event["headers"][name] = value
    event["multiValueHeaders"][name] = [value]


# --------------------------------------------------------------------------- automation events


def eventbridge_event(detail: Mapping[str, Any], event_id: str | None = None) -> dict[str, Any]:
    """What an EventBridge rule hands its target: the envelope, the action in ``detail``."""
    return {
        "version": "0", "id": event_id or str(uuid.uuid4()), "detail-type": "Deltacloud Action",
        "source": "deltacloud.automation", "account": ACCOUNT, "time": "2026-11-30T20:00:00Z",
        "region": REGION, "resources": [], "detail": dict(detail),
    }

