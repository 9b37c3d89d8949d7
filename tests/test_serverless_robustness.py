"""Odd input to the serverless pieces: the authorizer, the automation function, the API front-ends' Lambda
handlers, `deltacloud invoke`, `deltacloud usage` and `deltacloud tenant register`. Each test guards a
defect found by probing: bad input gets a clear error, loses nothing, and never shows a secret."""

import copy
import importlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from authorizer.handler import handler as authorizer
from authorizer.policy import Unauthorized
from deltacloud.credentials import Tenant
from deltacloud.local_invoke import LocalLambdaContext, run_event
from deltacloud.metering import emf_record
from deltacloud.runtime import get_runtime
from serverless_support import ROOT, authorizer_event, basic, cli, powertools_lines, runtime_with

EVENTS = ROOT / "events"
# "Basic " and a token with a non-ASCII character, as a client may send it (API Gateway passes it on)
NON_ASCII_BASIC = "Basic bW9ja3VzZXI6bW9ja3Bhc3N3b3Jk\u00fc"
DEMO_KEY = "mockuser-demo-usage-plan-key"


@pytest.fixture(autouse=True)
def local_runtime(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    with runtime_with(monkeypatch, DELTACLOUD_CREDENTIALS="local", DELTACLOUD_STATE_STORE="sqlite"):
        yield


def event_file(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


def with_authorization(event: dict[str, Any], value: str) -> dict[str, Any]:
    changed = copy.deepcopy(event)
    changed["headers"]["Authorization"] = value
    changed["multiValueHeaders"]["Authorization"] = [value]
    return changed


# --------------------------------------------------------------------------- authorizer


def test_a_non_ascii_basic_token_is_unauthorized_not_a_function_error() -> None:
    event = authorizer_event("GET", "/api/instances", {"Authorization": NON_ASCII_BASIC})
    with powertools_lines("deltacloud-authorizer") as lines, pytest.raises(Unauthorized) as raised:
        authorizer(event, LocalLambdaContext("AuthorizerFunction", 10))
    assert str(raised.value) == "Unauthorized"  # API Gateway: 401, not a function error (500)
    logged = lines.getvalue()
    assert '"message":"request rejected"' in logged and "malformed Basic credentials" in logged
    assert "bW9ja3VzZXI6bW9ja3Bhc3N3b3Jk" not in logged


def test_an_http_api_authorizer_event_gets_a_policy_for_its_route() -> None:
    """Payload 2.0 names the route in routeArn (no methodArn): the policy must not be for an empty resource."""
    event = {
        "version": "2.0", "type": "REQUEST",
        "routeArn": "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/api/instances",
        "identitySource": [basic("mockuser", "mockpassword")["Authorization"]],
        "routeKey": "ANY /api/{proxy+}", "rawPath": "/prod/api/instances", "rawQueryString": "",
        "headers": {"authorization": basic("mockuser", "mockpassword")["Authorization"],
                    "host": "abc123.execute-api.us-east-1.amazonaws.com"},
        "requestContext": {"apiId": "abc123", "stage": "prod",
                           "http": {"method": "GET", "path": "/prod/api/instances"}},
    }
    response = authorizer(event, LocalLambdaContext("AuthorizerFunction", 10))
    assert response["principalId"] == "mockuser" and response["usageIdentifierKey"] == DEMO_KEY
    (statement,) = response["policyDocument"]["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Resource"] == "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/*/*"


# --------------------------------------------------------------------------- API front-ends


@pytest.mark.parametrize("function,package,sample", [
    ("deltacloud", "classic_api", "deltacloud-list-instances.json"),
    ("cimi", "cimi_api", "cimi-list-machines.json"),
])
def test_a_non_ascii_basic_token_gets_a_401_from_the_api_handlers(
    function: str, package: str, sample: str, caplog: pytest.LogCaptureFixture,
) -> None:
    importlib.import_module(f"{package}.handler")  # its logger exists once the handler module is imported
    with powertools_lines(f"deltacloud-{function}") as lines:
        invocation = run_event(function, with_authorization(event_file(sample), NON_ASCII_BASIC))
    assert invocation.error is None, invocation.error
    response = invocation.result
    assert response["statusCode"] == 401, response["body"]
    assert "<error" in response["body"] and "Traceback" not in response["body"]
    assert "ASCII" not in response["body"]  # no internal exception text
    logged = lines.getvalue() + caplog.text
    assert '"status":401' in logged
    assert "Traceback" not in logged and "bW9ja3VzZXI6bW9ja3Bhc3N3b3Jk" not in logged


# --------------------------------------------------------------------------- automation


def test_scheduler_input_with_unfilled_placeholders_is_rejected_not_run_once_forever() -> None:
    """The template's schedule Input, invoked as is (not by Scheduler): its placeholders would make one
    idempotency key for every invocation, so all but the first would silently be "duplicates"."""
    driver = get_runtime().driver("mock", None, lambda: Tenant("mockuser"))
    from deltacloud.model import InstanceCreate

    tagged = [i.id for i in driver.create_instances(
        InstanceCreate(image_id="img1", instance_count=1, tags={"schedule": "office-hours"}))]
    event = {**event_file("automation-scheduler-start.json"), "action": "stop",
             "schedule_arn": "<aws.scheduler.schedule-arn>", "scheduled_time": "<aws.scheduler.scheduled-time>"}
    for _ in range(2):
        invocation = run_event("automation", event)
        assert invocation.error is None, "an event that can never succeed must not be retried by Lambda"
        assert invocation.status == 400
        assert "placeholders" in invocation.result["error"]
    assert {i.id: i.state for i in driver.instances({})}[tagged[0]] == "RUNNING", "nothing may have been done"

    plain = {k: v for k, v in event.items() if k not in ("schedule_arn", "scheduled_time")}
    assert run_event("automation", plain).status == 200  # the same action without them runs
    assert {i.id: i.state for i in driver.instances({})}[tagged[0]] == "STOPPED"


# --------------------------------------------------------------------------- deltacloud invoke


def test_invoke_with_a_missing_or_broken_template_says_so_instead_of_reporting_a_function_error(
    tmp_path: Path,
) -> None:
    sample = str(EVENTS / "deltacloud-entry-point.json")
    missing = cli("invoke", "deltacloud", sample, "--template", str(tmp_path / "nope.yaml"), data_dir=tmp_path)
    assert missing.returncode != 0
    assert "cannot read the template" in missing.stderr and "nope.yaml" in missing.stderr
    assert "errorType" not in missing.stdout, "a missing template is not the function failing"

    broken = tmp_path / "broken.yaml"
    broken.write_text("Resources: [\n")
    result = cli("invoke", "deltacloud", sample, "--template", str(broken), data_dir=tmp_path)
    assert result.returncode != 0 and "is not valid YAML" in result.stderr
    assert "errorType" not in result.stdout and "Traceback" not in result.stderr

    not_sam = tmp_path / "list.yaml"
    not_sam.write_text("- 1\n")
    result = cli("invoke", "deltacloud", sample, "--template", str(not_sam), data_dir=tmp_path)
    assert result.returncode != 0 and "is not a SAM template" in result.stderr
    assert "errorType" not in result.stdout and "Traceback" not in result.stderr


# --------------------------------------------------------------------------- deltacloud usage


def test_usage_skips_corrupt_records_and_bills_the_good_ones(tmp_path: Path) -> None:
    good = [json.dumps(emf_record("deltacloud", "instances.index", "mock", "alice", "success")) for _ in range(2)]
    good_line = good[0]
    corrupt = [
        good_line[: len(good_line) // 2],  # torn line
        "START RequestId: 1 Version: $LATEST",  # not JSON
        '{"_aws": "x", "operation": "instances.index", "tenant": "alice"}',  # _aws not an object
        '{"_aws": {}, "operation": ["instances.index"], "tenant": null, "outcome": 5}',  # wrong types
        '{"_aws": {}, "operation": "instances.index", "tenant": "alice", "Calls": NaN}',
        '{"_aws": {}, "operation": "instances.index", "tenant": "alice", "Calls": Infinity}',
        '{"_aws": {}, "operation": "instances.index", "tenant": "alice", "Calls": [1e308, 1e308]}',
        '{"_aws": {}, "operation": "instances.index", "tenant": "alice", "Calls": ' + "9" * 400 + "}",
        '{"_aws": {}, "operation": "instances.index", "tenant": "alice", "Calls": -5}',
        '{"_aws": {}, "operation": "instances.index", "tenant": "alice", "Calls": "many"}',
        '{"_aws": {}, "operation": "instances.index", "tenant": "alice", "outcome": "free"}',
    ]
    log = tmp_path / "metering.log"
    log.write_text("\n".join([good[0], *corrupt, good[1]]) + "\n")

    table = cli("usage", "--log", str(log), data_dir=tmp_path)
    assert table.returncode == 0, table.stderr
    assert "Traceback" not in table.stderr
    assert f"({len(corrupt)} lines were not metering records)" in table.stderr
    assert "None" not in table.stdout and "['instances.index']" not in table.stdout

    summary = json.loads(cli("usage", "--log", str(log), "--json", data_dir=tmp_path).stdout)
    assert summary["skipped_lines"] == len(corrupt)
    assert summary["tenants"] == {"alice": {"calls": 2, "success": 2, "client_error": 0, "auth_error": 0,
                                            "backend_error": 0, "server_error": 0}}


# --------------------------------------------------------------------------- deltacloud tenant


def test_registering_credentials_for_a_misspelt_driver_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    result = cli("tenant", "register", "carol", "--secret", "carol-secret-1", "--driver", "ec22",
                 "--credential", "username=AKIAEXAMPLE", "--credential", "password=wJalrXUtnFEMI",
                 data_dir=tmp_path)
    assert result.returncode != 0
    assert "unknown driver 'ec22'" in result.stderr and "ec2" in result.stderr
    assert "wJalrXUtnFEMI" not in result.stdout + result.stderr and "carol-secret-1" not in result.stderr
    store = tmp_path / "credentials.json"
    assert not store.exists() or "carol" not in store.read_text()


# -- automation: a driver that fails with a bug midway --------------------------------------------------
FLAKY_DRIVER = '''
from deltacloud.drivers.mock import MockDriver


class FlakyDriver(MockDriver):
    """The mock cloud, with a bug: its first stop of each process crashes."""

    name = "flaky"
    title = "Flaky mock"
    crashed = False

    def stop_instance(self, instance_id):
        if not FlakyDriver.crashed:
            FlakyDriver.crashed = True
            raise RuntimeError("driver bug")
        return super().stop_instance(instance_id)
'''


@pytest.fixture
def flaky_driver(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A third-party driver plugin, registered through its entry point like any other."""
    from deltacloud import registry

    (tmp_path / "flaky_cloud.py").write_text(FLAKY_DRIVER)
    info = tmp_path / "flaky_cloud-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: flaky-cloud\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[deltacloud.drivers]\nflaky = flaky_cloud:FlakyDriver\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry._entry_points.cache_clear()
    registry.load_driver.cache_clear()
    from deltacloud.credentials import LocalCredentialStore

    store = LocalCredentialStore(Path(os.environ["DELTACLOUD_DATA_DIR"]) / "credentials.json")
    store.register("mockuser", None, "flaky", None, {"username": "mockuser", "password": "mockpassword"})
    yield "flaky"
    registry._entry_points.cache_clear()
    registry.load_driver.cache_clear()
    sys.modules.pop("flaky_cloud", None)


def test_a_run_that_crashes_midway_leaves_the_event_to_lambdas_retry(flaky_driver: str) -> None:
    from deltacloud.model import InstanceCreate
    from serverless_support import eventbridge_event

    driver = get_runtime().driver(flaky_driver, None, lambda: Tenant("mockuser"))
    tagged = [i.id for i in driver.create_instances(InstanceCreate(image_id="img1", instance_count=2,
                                                                   tags={"schedule": "night"}))]
    event = eventbridge_event({"action": "stop", "tag": "schedule=night", "tenant": "mockuser",
                               "driver": flaky_driver})
    first = run_event("automation", event)
    assert isinstance(first.error, RuntimeError)  # Lambda reports the failure and retries the event

    retry = run_event("automation", event)  # the same event again: not "in progress elsewhere" (409)
    assert retry.status == 200 and retry.result["duplicate"] is False, retry.result
    assert {d["id"] for d in retry.result["done"]} == set(tagged)
    assert {i.state for i in driver.instances({}) if i.id in tagged} == {"STOPPED"}
