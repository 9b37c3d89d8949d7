"""Every sample event through its function's real handler, in-process and via `deltacloud invoke`."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from deltacloud.local_invoke import run_event

EVENTS = Path(__file__).resolve().parents[1] / "events"
EXPECTED: dict[str, dict[str, object]] = json.loads((EVENTS / "expected.json").read_text())


def test_every_event_file_has_an_expectation() -> None:
    files = {p.name for p in EVENTS.glob("*.json")} - {"expected.json"}
    assert files == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(p.name for p in EVENTS.glob("*.json") if p.name != "expected.json"))
def test_event_through_handler(name: str) -> None:
    """The function template.yaml names runs the event; its status is what API Gateway would answer
    (a proxy response's statusCode, an authorizer's Allow 200 / Deny 403 / Unauthorized 401, an
    automation report's status)."""
    assert name in EXPECTED, f"add {name} with its function and status to events/expected.json"
    expectation = EXPECTED[name]
    event = json.loads((EVENTS / name).read_text())
    invocation = run_event(str(expectation["function"]), event)
    assert invocation.status == expectation["status"], invocation.error or invocation.result
    assert "Traceback" not in str(invocation.result)


def test_invoke_command_prints_the_response(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "deltacloud.cli", "--data-dir", str(tmp_path), "invoke", "deltacloud",
         str(EVENTS / "deltacloud-list-instances.json")],
        capture_output=True, text=True, check=True,
    )
    response = json.loads(result.stdout)
    assert response["statusCode"] == 200
    assert "<instances>" in response["body"]
    # hrefs are the public ones, stage included, as clients behind API Gateway need them
    assert "https://abc123.execute-api.us-east-1.amazonaws.com/prod/api/instances/inst1" in response["body"]
    # the log line has the request's driver but never the credentials
    assert "mockpassword" not in result.stderr + result.stdout
    assert "bW9ja3VzZXI6bW9ja3Bhc3N3b3Jk" not in result.stderr + result.stdout
