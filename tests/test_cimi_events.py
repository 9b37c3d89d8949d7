"""The CIMI sample events (API Gateway REST proxy events) through the function's real Lambda handler."""

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from cimi_helpers import NS
from deltacloud.cli import LocalLambdaContext

EVENTS = Path(__file__).resolve().parents[1] / "events"
PUBLIC = "https://abc123.execute-api.us-east-1.amazonaws.com/prod/cimi"


def run(name: str) -> dict[str, Any]:
    # imported here, not at collection: a handler module pauses the collector until its first call
    from cimi_api.handler import handler

    response = handler(json.loads((EVENTS / name).read_text()), LocalLambdaContext("cimi"))
    headers = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
    assert headers["cimi-specification-version"] == "1.0.1"
    assert "Traceback" not in response["body"]
    return {**response, "headers": headers}


def test_cloud_entry_point_event() -> None:
    response = run("cimi-cloudentrypoint.json")
    assert response["statusCode"] == 200 and response["headers"]["content-type"] == "application/json"
    cep = json.loads(response["body"])
    assert cep["baseURI"] == f"{PUBLIC}/"  # the stage is part of every href behind API Gateway
    assert cep["machines"] == {"href": f"{PUBLIC}/machines"}


def test_list_machines_event() -> None:
    response = run("cimi-list-machines.json")
    assert response["statusCode"] == 200
    root = ET.fromstring(response["body"])
    machines = root.findall(f"{{{NS}}}Machine")
    assert len(machines) == 4 and machines[0].findtext(f"{{{NS}}}id") == f"{PUBLIC}/machines/inst0"
    assert machines[0].find(f"{{{NS}}}disks/{{{NS}}}count") is not None  # $expand=disks from the query string


def test_create_machine_event() -> None:
    response = run("cimi-create-machine.json")
    assert response["statusCode"] == 201
    machine = json.loads(response["body"])
    assert response["headers"]["location"] == machine["id"] and machine["id"].startswith(f"{PUBLIC}/machines/")
    assert machine["name"] == "from-lambda" and machine["properties"] == {"origin": "lambda"}
    assert response["headers"]["cimi-job-uri"].startswith(f"{PUBLIC}/jobs/")


def test_bad_request_event() -> None:
    response = run("cimi-bad-request.json")
    assert response["statusCode"] == 400
    error = ET.fromstring(response["body"])
    assert error.tag == f"{{{NS}}}error" and error.findtext(f"{{{NS}}}message", "").startswith("Malformed XML")
