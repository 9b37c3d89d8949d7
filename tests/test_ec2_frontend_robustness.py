"""Defects found by an adversarial pass over the EC2 front-end, each guarded over real HTTP.

Every test names what a user saw before the fix: a server pinned by one filter, a dry run that really
launched, a refused request that still changed a security group, a parameter silently read otherwise
than sent.
"""

import time
from urllib.parse import urlencode

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from test_ec2_frontend_errors import FORM_TYPE, call, error_of


@pytest.fixture(scope="module")
def ec2(server):
    return boto3.client("ec2", endpoint_url=f"{server.url}/ec2", region_name="us-east-1",
                        aws_access_key_id="mockuser", aws_secret_access_key="mockpassword",
                        config=Config(retries={"max_attempts": 1}, read_timeout=60))


def instance_ids(ec2) -> set[str]:
    reservations = ec2.describe_instances()["Reservations"]
    return {i["InstanceId"] for r in reservations for i in r["Instances"] if i["State"]["Name"] != "terminated"}


def ingress(ec2, group: str) -> list[dict]:
    return ec2.describe_security_groups(GroupNames=[group])["SecurityGroups"][0]["IpPermissions"]


def test_a_wildcard_filter_cannot_pin_the_server(server, ec2) -> None:
    # "*a*a*...*b" compiled to ".*a.*a...b" backtracked for minutes on a long tag value.
    ec2.create_tags(Resources=["inst1"], Tags=[{"Key": "long", "Value": "a" * 256}])
    started = time.monotonic()
    response = call(server, {"Action": "DescribeInstances", "Filter.1.Name": "tag:long",
                             "Filter.1.Value.1": "*a" * 12 + "*b"})
    assert response.status_code == 200 and "<instanceId>" not in response.text
    assert time.monotonic() - started < 10
    # Wildcards still mean what they meant.
    for pattern, matches in (("*a*a*", True), ("a?a*", True), ("*a", True), ("?" * 256, True), ("?" * 255, False),
                             ("*b*", False), ("a" * 256 + "*", True)):
        found = ec2.describe_instances(Filters=[{"Name": "tag:long", "Values": [pattern]}])["Reservations"]
        assert bool(found) is matches, pattern


def test_dry_run_changes_nothing_and_says_so(ec2) -> None:
    before = instance_ids(ec2)
    with pytest.raises(ClientError) as caught:
        ec2.run_instances(ImageId="img1", MinCount=1, MaxCount=1, DryRun=True)
    assert caught.value.response["Error"]["Code"] == "DryRunOperation"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412
    with pytest.raises(ClientError) as caught:
        ec2.terminate_instances(InstanceIds=["inst0"], DryRun=True)
    assert caught.value.response["Error"]["Code"] == "DryRunOperation"
    assert instance_ids(ec2) == before  # nothing launched, inst0 still there


def test_a_refused_ingress_request_adds_no_rule(server, ec2) -> None:
    ec2.create_security_group(GroupName="robust-ingress", Description="all or nothing")
    ok = {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}
    backwards = {"IpProtocol": "tcp", "FromPort": 100, "ToPort": 10, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}
    with pytest.raises(ClientError) as caught:  # the second permission is refused by the back-end
        ec2.authorize_security_group_ingress(GroupName="robust-ingress", IpPermissions=[ok, backwards])
    assert caught.value.response["Error"]["Code"] == "InvalidParameterValue"
    assert ingress(ec2, "robust-ingress") == []
    with pytest.raises(ClientError) as caught:  # the same permission twice in one request
        ec2.authorize_security_group_ingress(GroupName="robust-ingress", IpPermissions=[ok, ok])
    assert caught.value.response["Error"]["Code"] == "InvalidPermission.Duplicate"
    assert ingress(ec2, "robust-ingress") == []
    ec2.authorize_security_group_ingress(GroupName="robust-ingress", IpPermissions=[ok])
    assert [p["FromPort"] for p in ingress(ec2, "robust-ingress")] == [80]


@pytest.mark.parametrize("count", ["1_0", " 1 ", "\u0661", "+"])
def test_counts_are_plain_decimal_integers(server, ec2, count) -> None:
    # int() read "1_0" as 10 and launched ten instances.
    before = instance_ids(ec2)
    status, code, message = error_of(call(server, {"Action": "RunInstances", "ImageId": "img1",
                                                   "MinCount": count, "MaxCount": count}))
    assert (status, code) == (400, "InvalidParameterValue") and "MinCount" in message
    assert instance_ids(ec2) == before


@pytest.mark.parametrize("name", ["Action", "InstanceId.1"])
def test_a_parameter_given_twice_is_refused(server, name) -> None:
    # The last value used to win silently: DescribeRegions&Action=DescribeInstances described instances.
    pairs = [("Action", "DescribeInstances"), ("Version", "2016-11-15"), ("InstanceId.1", "inst0")]
    pairs.append((name, "DescribeRegions" if name == "Action" else "inst1"))
    status, code, message = error_of(call(server, body=urlencode(pairs).encode()))
    assert (status, code) == (400, "InvalidParameterValue") and f"'{name}'" in message


def test_the_form_content_type_is_matched_case_insensitively(server) -> None:
    body = b"Action=DescribeRegions&Version=2016-11-15"
    response = call(server, body=body, content_type="Application/X-WWW-Form-URLEncoded; Charset=UTF-8")
    assert response.status_code == 200 and "<regionName>us-east-1</regionName>" in response.text
    status, code, _ = error_of(call(server, body=body, content_type=FORM_TYPE.replace(";", "-json;")))
    assert (status, code) == (400, "InvalidParameterValue")


def test_control_characters_are_refused_not_silently_dropped(server, ec2) -> None:
    # XML cannot carry them: "k\x00x" was stored but shown as "kx", a key no later call could match, and an
    # unknown id "inst\x000" was reported as "inst0 does not exist".
    status, code, message = error_of(call(server, {"Action": "CreateTags", "ResourceId.1": "inst0",
                                                   "Tag.1.Key": "k\x00x", "Tag.1.Value": "v"}))
    assert (status, code) == (400, "InvalidParameterValue") and "Tag.1.Key" in message
    assert "kx" not in {t["Key"] for t in ec2.describe_tags()["Tags"]}
    status, code, message = error_of(call(server, {"Action": "DescribeInstances", "InstanceId.1": "inst\x000"}))
    assert (status, code) == (400, "InvalidParameterValue") and "InstanceId.1" in message
    status, code, _ = error_of(call(server, {"Action": "CreateKeyPair", "KeyName": "key\x01"}))
    assert (status, code) == (400, "InvalidParameterValue")
    assert not [k for k in ec2.describe_key_pairs()["KeyPairs"] if k["KeyName"].startswith("key")]
    # Tab and newlines are fine in XML and still accepted.
    ec2.create_tags(Resources=["inst0"], Tags=[{"Key": "note", "Value": "line one\nline\ttwo"}])
    tags = {t["Key"]: t["Value"] for t in ec2.describe_tags()["Tags"] if t["ResourceId"] == "inst0"}
    assert tags["note"] == "line one\nline\ttwo"
