"""Every sample event through its function's real handler, in-process and via `deltacloud invoke`."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from deltacloud.cli import invoke

EVENTS = Path(__file__).resolve().parents[1] / "events"
EXPECTED: dict[str, dict[str, object]] = json.loads((EVENTS / "expected.json").read_text())


def test_every_event_file_has_an_expectation() -> None:
    files = {p.name for p in EVENTS.glob("*.json")} - {"expected.json"}
    assert files == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_event_through_handler(name: str) -> None:
    expectation = EXPECTED[name]
    event = json.loads((EVENTS / name).read_text())
    response = invoke(str(expectation["function"]), event)
    if "status" in expectation:
        assert response["statusCode"] == expectation["status"], response.get("body")
        assert "Traceback" not in str(response.get("body"))


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
