"""The automation function end to end: EventBridge rule events and Scheduler input act on a tenant's
tagged resources through the real drivers, exactly once per event, and report what they did."""

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import run_concurrently
from deltacloud.credentials import LocalCredentialStore, Tenant
from deltacloud.driver import Driver
from deltacloud.local_invoke import run_event
from deltacloud.model import InstanceCreate
from deltacloud.runtime import get_runtime
from serverless_support import ROOT, eventbridge_event, powertools_lines, runtime_with, unique, use_moto

OFFICE_HOURS = {"action": "stop", "tag": "schedule=office-hours", "tenant": "mockuser", "driver": "mock"}


@pytest.fixture(autouse=True)
def local_runtime(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    with runtime_with(monkeypatch, DELTACLOUD_CREDENTIALS="local", DELTACLOUD_STATE_STORE="sqlite"):
        yield


def mock_driver(tenant: str = "mockuser") -> Driver:
    return get_runtime().driver("mock", None, lambda: Tenant(tenant))


def launch(driver: Driver, count: int, tags: dict[str, str]) -> list[str]:
    return [i.id for i in driver.create_instances(InstanceCreate(image_id="img1", instance_count=count, tags=tags))]


def states(driver: Driver) -> dict[str, str | None]:
    return {i.id: i.state for i in driver.instances({})}


def metered(operation: str) -> int:
    log = Path(os.environ["DELTACLOUD_DATA_DIR"]) / "metering.log"
    if not log.exists():
        return 0
    records = [json.loads(line) for line in log.read_text().splitlines()]
    return sum(1 for r in records if r["frontend"] == "automation" and r["operation"] == operation)


def test_an_event_stops_the_tagged_instances_and_its_redelivery_does_nothing_more() -> None:
    driver = mock_driver()
    tagged = launch(driver, 2, {"schedule": "office-hours", "team": "a"})
    other = launch(driver, 1, {"schedule": "always-on"})
    event = eventbridge_event(OFFICE_HOURS)

    first = run_event("automation", event)
    assert first.status == 200, first.error or first.result
    report = first.result
    assert sorted(d["id"] for d in report["done"]) == sorted(tagged)
    assert {d["state"] for d in report["done"]} == {"STOPPED"}
    assert report["duplicate"] is False and report["key"] == f"event:{event['id']}"
    after = states(driver)
    assert {after[i] for i in tagged} == {"STOPPED"}
    assert after[other[0]] == "RUNNING" and after["inst0"] == "RUNNING"  # untagged and other tag values stay
    assert metered("instances.stop") == 2

    driver.start_instance(tagged[0])  # someone starts one again after the run
    again = run_event("automation", event)  # EventBridge delivers the same event again
    assert again.status == 200 and again.result["duplicate"] is True
    assert again.result["done"] == report["done"], "the redelivery reports the first run"
    assert states(driver)[tagged[0]] == "RUNNING", "the redelivered event acted again"
    assert metered("instances.stop") == 2


def test_a_driver_name_is_taken_in_any_case_as_the_api_takes_it() -> None:
    """The API front-ends lower-case driver names; automation refused "MOCK" (400 unknown driver)."""
    tagged = launch(mock_driver(), 1, {"schedule": "shouting"})
    run = run_event("automation", eventbridge_event({**OFFICE_HOURS, "tag": "schedule=shouting", "driver": "MOCK"}))
    assert run.status == 200, run.error or run.result
    assert [d["id"] for d in run.result["done"]] == tagged


def test_an_instance_stopped_after_the_listing_is_skipped_not_failed(tmp_path: Path) -> None:
    """A run acts on what its listing found, minutes later perhaps: an instance somebody stopped meanwhile is
    skipped, even where the cloud itself refuses to stop it twice (libvirt's test hypervisor does)."""
    from automation.actions import perform
    from automation.request import ActionRequest
    from deltacloud.drivers.libvirt import LibvirtDriver
    from driver_support import driver_for

    driver = driver_for(LibvirtDriver, "test:///default", {"username": "automation"}, tmp_path)
    request = ActionRequest(action="stop", tag="schedule=office-hours", tenant="automation", driver="libvirt")
    found = [i.id for i in driver.instances({}) if i.state == "RUNNING"]  # as a run's listing found them
    assert found
    for instance_id in found:  # somebody else, between the listing and the action
        driver.stop_instance(instance_id)
    outcome = perform(driver, request, found, set(), "delivery-1", lambda _id: None)
    assert outcome.failed == [] and outcome.done == []
    assert [s["id"] for s in outcome.skipped] == found


def test_a_second_event_finds_nothing_left_to_stop_and_skips() -> None:
    driver = mock_driver()
    tagged = launch(driver, 1, {"schedule": "office-hours"})
    assert run_event("automation", eventbridge_event(OFFICE_HOURS)).status == 200
    second = run_event("automation", eventbridge_event(OFFICE_HOURS))  # a new event, not a redelivery
    assert second.status == 200 and second.result["done"] == []
    assert [s["id"] for s in second.result["skipped"]] == tagged
    assert "STOPPED" in second.result["skipped"][0]["reason"]


def template_schedule_input(name: str) -> dict[str, Any]:
    """A schedule's Input from template.yaml, filled in as CloudFormation and Scheduler would."""
    text = (ROOT / "template.yaml").read_text()
    block = text[text.index(f"{name}:"):]
    raw = re.search(r"Input: !Sub '(.*)'", block).group(1)  # type: ignore[union-attr]
    raw = raw.replace("${AutomationTenant}", "mockuser").replace("${AWS::Region}", "us-east-1")
    arn = f"arn:aws:scheduler:us-east-1:123456789012:schedule/default/{name}"
    raw = raw.replace("<aws.scheduler.schedule-arn>", arn)
    return json.loads(raw.replace("<aws.scheduler.scheduled-time>", "2026-11-30T08:00:00Z"))


def test_the_templates_schedules_are_idempotent_per_scheduled_time() -> None:
    payload = template_schedule_input("OfficeHoursStart")
    assert payload["action"] == "start" and payload["scheduled_time"] == "2026-11-30T08:00:00Z"
    payload.update(driver="mock", provider=None)  # the template's schedules drive ec2; the mock here
    driver = mock_driver()
    tagged = launch(driver, 2, {"schedule": "office-hours"})
    for instance_id in tagged:
        driver.stop_instance(instance_id)

    first = run_event("automation", payload)
    assert first.status == 200 and first.result["source"] == "scheduler"
    assert {states(driver)[i] for i in tagged} == {"RUNNING"}
    driver.stop_instance(tagged[0])
    retry = run_event("automation", dict(payload))  # Scheduler retries the same scheduled run
    assert retry.result["duplicate"] is True and states(driver)[tagged[0]] == "STOPPED"
    next_day = run_event("automation", {**payload, "scheduled_time": "2026-12-01T08:00:00Z"})
    assert next_day.result["duplicate"] is False and states(driver)[tagged[0]] == "RUNNING"


def test_concurrent_deliveries_of_one_event_act_once() -> None:
    driver = mock_driver()
    tagged = launch(driver, 3, {"schedule": "office-hours"})
    event = eventbridge_event(OFFICE_HOURS)
    results = run_concurrently(lambda: run_event("automation", event), 4)
    # one run did the work; the others saw it done (200, duplicate) or in progress (409: Lambda retries)
    assert len(results) == 4 and all(r.status in (200, 409) for r in results)
    workers = [r for r in results if r.status == 200 and not r.result["duplicate"]]
    assert len(workers) == 1
    assert metered("instances.stop") == len(tagged)
    assert {states(driver)[i] for i in tagged} == {"STOPPED"}


def test_an_interrupted_run_resumes_with_what_is_left() -> None:
    from automation.ledger import Ledger

    driver = mock_driver()
    tagged = sorted(launch(driver, 3, {"schedule": "office-hours"}))
    event = eventbridge_event(OFFICE_HOURS)
    # a first delivery stopped one instance, then the function died (timeout): its lease ran out
    ledger = Ledger(driver.context.state(), f"event:{event['id']}")
    ledger.claim(lease_seconds=-1)
    driver.stop_instance(tagged[0])
    ledger.handled(tagged[0])
    driver.start_instance(tagged[0])  # so that acting on it again would be visible

    retry = run_event("automation", event)
    assert retry.status == 200 and retry.result["duplicate"] is False
    assert sorted(d["id"] for d in retry.result["done"]) == tagged[1:]
    assert states(driver)[tagged[0]] == "RUNNING"


def test_a_run_in_progress_makes_lambda_retry_the_duplicate() -> None:
    from automation.ledger import Ledger

    driver = mock_driver()
    event = eventbridge_event(OFFICE_HOURS)
    Ledger(driver.context.state(), f"event:{event['id']}").claim(lease_seconds=600)
    busy = run_event("automation", event)
    assert busy.status == 409 and busy.error is not None  # raised: Lambda's async retry comes back later


@pytest.mark.parametrize(("change", "status", "message"), [
    ({"action": "reboot-everything"}, 400, "action"),
    ({"tag": "=office-hours"}, 400, "tag"),
    ({"tenant": "alice/mock"}, 400, "tenant"),
    ({"tenant": None}, 400, "tenant"),
    ({"driver": "nosuchdriver"}, 400, "nosuchdriver"),
    ({"tenant": "nobody"}, 401, "No credentials"),
])
def test_events_that_cannot_succeed_are_reported_not_retried(change: dict[str, Any], status: int, message: str) -> None:
    detail = {k: v for k, v in {**OFFICE_HOURS, **change}.items() if v is not None}
    result = run_event("automation", eventbridge_event(detail))
    assert result.error is None, "raising would make Lambda retry an event that can never succeed"
    assert result.status == status and message in result.result["error"]


@pytest.mark.parametrize("event", [[], "stop", {"detail-type": "Deltacloud Action", "detail": "stop"}, {}])
def test_malformed_events_are_reported(event: Any) -> None:
    result = run_event("automation", event)
    assert result.status == 400 and result.error is None


def test_tenants_only_ever_touch_their_own_instances() -> None:
    store = LocalCredentialStore(Path(os.environ["DELTACLOUD_DATA_DIR"]) / "credentials.json")
    store.register("alice", "alice-pw", "mock", None, {"username": "mockuser", "password": "mockpassword"})
    alice, bob = mock_driver("alice"), mock_driver("mockuser")
    alice_ids = launch(alice, 1, {"schedule": "office-hours"})
    bob_ids = launch(bob, 1, {"schedule": "office-hours"})
    result = run_event("automation", eventbridge_event({**OFFICE_HOURS, "tenant": "alice"}))
    assert [d["id"] for d in result.result["done"]] == alice_ids
    assert states(alice)[alice_ids[0]] == "STOPPED" and states(bob)[bob_ids[0]] == "RUNNING"


def test_deployed_configuration_dynamodb_and_secrets_manager(
    moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As in Lambda: state in DynamoDB, the tenant's mock credentials in Secrets Manager."""
    import boto3
    from serverless_support import create_state_table

    use_moto(monkeypatch, moto_endpoint)
    table, prefix = unique("state"), unique("dc")
    create_state_table(boto3.client("dynamodb"), table)
    secrets = boto3.client("secretsmanager")
    secrets.create_secret(Name=f"{prefix}/tina", SecretString=json.dumps({"secret": "tina-pw"}))
    secrets.create_secret(Name=f"{prefix}/tina/mock",
                          SecretString=json.dumps({"username": "mockuser", "password": "mockpassword"}))
    try:
        with runtime_with(monkeypatch, DELTACLOUD_STATE_STORE="dynamodb", DELTACLOUD_STATE_TABLE=table,
                          DELTACLOUD_CREDENTIALS="secretsmanager", DELTACLOUD_SECRET_PREFIX=prefix):
            driver = mock_driver("tina")
            tagged = launch(driver, 2, {"schedule": "office-hours"})
            event = eventbridge_event({**OFFICE_HOURS, "tenant": "tina"})
            assert run_event("automation", event).status == 200
            assert {states(driver)[i] for i in tagged} == {"STOPPED"}
            driver.start_instance(tagged[0])
            assert run_event("automation", event).result["duplicate"] is True
            assert states(driver)[tagged[0]] == "RUNNING"
    finally:
        boto3.client("dynamodb").delete_table(TableName=table)
        for name in (f"{prefix}/tina", f"{prefix}/tina/mock"):
            secrets.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)


def test_the_report_is_logged_as_one_line_without_credentials() -> None:
    from automation.handler import logger

    with powertools_lines(logger.service) as lines:
        launch(mock_driver(), 1, {"schedule": "office-hours"})
        assert run_event("automation", eventbridge_event(OFFICE_HOURS)).status == 200
    (line,) = [json.loads(entry) for entry in lines.getvalue().splitlines()]
    assert line["message"] == "automation run" and line["report"]["done"]
    assert "mockpassword" not in lines.getvalue()


# --------------------------------------------------------------------------- the AWS driver on moto

EC2_REGION = "eu-north-1"  # a region of this module's own on the shared moto server


@pytest.fixture
def ec2(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Tenant ``ops`` with AWS credentials for the ec2 driver (local store), and a boto3 client of moto."""
    import boto3

    use_moto(monkeypatch, moto_endpoint)
    store = LocalCredentialStore(Path(os.environ["DELTACLOUD_DATA_DIR"]) / "credentials.json")
    store.register("ops", "ops-pw", "ec2", EC2_REGION,
                   {"access_key_id": "AKIDAUTOMATION", "secret_access_key": "automation-secret"})
    return boto3.client("ec2", region_name=EC2_REGION)


def ec2_states(client: Any, ids: list[str]) -> dict[str, str]:
    reservations = client.describe_instances(InstanceIds=ids)["Reservations"]
    return {i["InstanceId"]: i["State"]["Name"] for r in reservations for i in r["Instances"]}


def test_an_event_stops_tagged_ec2_instances_once(ec2: Any) -> None:
    schedule = unique("office-hours")  # moto is shared: a tag value of this test's own
    image = ec2.describe_images(Owners=["amazon"], Filters=[{"Name": "architecture", "Values": ["x86_64"]}],
                                MaxResults=5)["Images"][0]["ImageId"]

    def run(count: int, tags: dict[str, str]) -> list[str]:
        spec = [{"ResourceType": "instance", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}]
        launched = ec2.run_instances(ImageId=image, MinCount=count, MaxCount=count, InstanceType="t3.micro",
                                     TagSpecifications=spec)
        return [i["InstanceId"] for i in launched["Instances"]]

    tagged, other = run(2, {"schedule": schedule}), run(1, {"schedule": "always-on"})
    event = eventbridge_event({"action": "stop", "tag": f"schedule={schedule}", "tenant": "ops", "driver": "ec2",
                               "provider": EC2_REGION})
    first = run_event("automation", event)
    assert first.status == 200, first.error or first.result
    assert sorted(d["id"] for d in first.result["done"]) == sorted(tagged)
    assert ec2_states(ec2, tagged + other) == {**{i: "stopped" for i in tagged}, other[0]: "running"}

    ec2.start_instances(InstanceIds=[tagged[0]])
    again = run_event("automation", event)
    assert again.status == 200 and again.result["duplicate"] is True
    assert ec2_states(ec2, [tagged[0]]) == {tagged[0]: "running"}, "the redelivered event acted again"

    start = run_event("automation", eventbridge_event({**event["detail"], "action": "start"}))
    assert [d["id"] for d in start.result["done"]] == [tagged[1]]  # the other one was running already
    assert set(ec2_states(ec2, tagged).values()) == {"running"}


def test_a_nightly_event_snapshots_tagged_ebs_volumes_once(ec2: Any) -> None:
    backup = unique("nightly")
    zone = f"{EC2_REGION}a"
    spec = [{"ResourceType": "volume", "Tags": [{"Key": "backup", "Value": backup}]}]
    tagged = [ec2.create_volume(AvailabilityZone=zone, Size=1, TagSpecifications=spec)["VolumeId"] for _ in range(2)]
    untagged = ec2.create_volume(AvailabilityZone=zone, Size=1)["VolumeId"]
    event = eventbridge_event({"action": "snapshot", "tag": f"backup={backup}", "tenant": "ops", "driver": "ec2",
                               "provider": EC2_REGION})

    def snapshots() -> dict[str, int]:
        found = ec2.describe_snapshots(Filters=[{"Name": "volume-id", "Values": [*tagged, untagged]}])["Snapshots"]
        return {v: sum(1 for s in found if s["VolumeId"] == v) for v in (*tagged, untagged)}

    first = run_event("automation", event)
    assert first.status == 200, first.error or first.result
    assert {d["id"] for d in first.result["done"]} == set(tagged)
    assert snapshots() == {tagged[0]: 1, tagged[1]: 1, untagged: 0}
    assert run_event("automation", event).result["duplicate"] is True
    assert snapshots() == {tagged[0]: 1, tagged[1]: 1, untagged: 0}
    assert metered("storage_snapshots.create") == 2


def test_incomplete_aws_credentials_are_reported_not_retried(ec2: Any) -> None:
    store = LocalCredentialStore(Path(os.environ["DELTACLOUD_DATA_DIR"]) / "credentials.json")
    store.register("ops", None, "ec2", EC2_REGION, {"access_key_id": "AKIDAUTOMATION"})  # no secret key
    result = run_event("automation", eventbridge_event({"action": "stop", "tag": "schedule=x", "tenant": "ops",
                                                        "driver": "ec2", "provider": EC2_REGION}))
    assert result.status == 401 and result.error is None
