"""The AWS CLI (v1, from PyPI) as a subprocess against the EC2 front-end, mock cloud, JSON output parsed."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

AWS = str(Path(sys.executable).with_name("aws"))


def aws(server, *args: str, secret: str = "mockpassword") -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "mockuser",
        "AWS_SECRET_ACCESS_KEY": secret,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_MAX_ATTEMPTS": "1",
    }
    env.pop("AWS_PROFILE", None)
    env.pop("AWS_ENDPOINT_URL", None)
    return subprocess.run(
        [AWS, "--endpoint-url", f"{server.url}/ec2", "ec2", *args, "--output", "json"],
        env=env, capture_output=True, text=True, timeout=120,
    )


def ok(result: subprocess.CompletedProcess[str]) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout) if result.stdout.strip() else {}


def test_describe_instances_lists_the_mock_cloud(server) -> None:
    reply = ok(aws(server, "describe-instances"))
    instances = {i["InstanceId"]: i for r in reply["Reservations"] for i in r["Instances"]}
    assert {"inst0", "inst1", "inst2", "inst3"} <= set(instances)
    assert instances["inst1"]["State"] == {"Code": 16, "Name": "running"}
    assert {"Key": "Name", "Value": "MockUserInstance"} in instances["inst1"]["Tags"]
    assert instances["inst3"]["Placement"]["AvailabilityZone"] == "eu"


def test_run_wait_stop_and_query_an_instance(server) -> None:
    launched = ok(aws(server, "run-instances", "--image-id", "img3", "--instance-type", "m1-small", "--count", "1",
                      "--tag-specifications", "ResourceType=instance,Tags=[{Key=Name,Value=cli-made}]"))
    (instance,) = launched["Instances"]
    instance_id = instance["InstanceId"]
    assert instance["State"]["Name"] == "pending"

    ok(aws(server, "wait", "instance-running", "--instance-ids", instance_id))
    stopped = ok(aws(server, "stop-instances", "--instance-ids", instance_id))
    assert stopped["StoppingInstances"][0]["CurrentState"]["Name"] == "stopping"

    names = ok(aws(server, "describe-instances", "--filters", "Name=tag:Name,Values=cli-made",
                   "--query", "Reservations[].Instances[].[InstanceId,State.Name]"))
    assert names == [[instance_id, "stopped"]]


def test_zones_and_key_pairs(server) -> None:
    zones = ok(aws(server, "describe-availability-zones"))["AvailabilityZones"]
    assert sorted(z["ZoneName"] for z in zones) == ["eu", "us"]

    created = ok(aws(server, "create-key-pair", "--key-name", "cli-key"))
    assert created["KeyName"] == "cli-key" and "PRIVATE KEY" in created["KeyMaterial"]
    listed = ok(aws(server, "describe-key-pairs", "--key-names", "cli-key"))["KeyPairs"]
    assert [k["KeyFingerprint"] for k in listed] == [created["KeyFingerprint"]]


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("describe-instances", "--instance-ids", "i-missing"), "InvalidInstanceID.NotFound"),
        (("describe-key-pairs", "--key-names", "nope"), "InvalidKeyPair.NotFound"),
    ],
)
def test_errors_reach_the_cli_with_their_code(server, args, code) -> None:
    result = aws(server, *args)
    assert result.returncode == 255  # CLI v1's exit status for a service error
    assert f"An error occurred ({code})" in result.stderr


def test_a_wrong_secret_is_refused(server) -> None:
    result = aws(server, "describe-instances", secret="not-the-secret")
    assert result.returncode == 255
    assert "(SignatureDoesNotMatch)" in result.stderr
    assert "not-the-secret" not in result.stderr
