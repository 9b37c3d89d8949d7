"""Defects found by an adversarial pass over the EC2 front-end, each guarded over real HTTP.

Every test names what a user saw before the fix: a server pinned by one filter, a dry run that really
launched, a refused request that still changed a security group, a parameter silently read otherwise
than sent.
"""

import base64
import time
import uuid
from urllib.parse import urlencode

import boto3
import botocore.session
import httpx
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from ec2_api.actions import ACTIONS, MODULE_OF, action, find_action
from ec2_api.parameter_names import ParameterNames
from test_ec2_frontend_errors import FORM_TYPE, call, error_of


def boto3_client(server):  # noqa: ANN201 - a boto3 EC2 client
    return boto3.client("ec2", endpoint_url=f"{server.url}/ec2", region_name="us-east-1",
                        aws_access_key_id="mockuser", aws_secret_access_key="mockpassword",
                        config=Config(retries={"max_attempts": 1}, read_timeout=60))


@pytest.fixture(scope="module")
def ec2(server):
    return boto3_client(server)


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
    # the parameter's name is shown as sent, escaped once (was "a&amp;amp;b")
    status, code, message = error_of(call(server, {"Action": "DescribeInstances", "a&b\x01": "x"}))
    assert (status, code) == (400, "InvalidParameterValue") and "'a&b'" in message
    assert not [k for k in ec2.describe_key_pairs()["KeyPairs"] if k["KeyName"].startswith("key")]
    # Tab and newlines are fine in XML and still accepted.
    ec2.create_tags(Resources=["inst0"], Tags=[{"Key": "note", "Value": "line one\nline\ttwo"}])
    tags = {t["Key"]: t["Value"] for t in ec2.describe_tags()["Tags"] if t["ResourceId"] == "inst0"}
    assert tags["note"] == "line one\nline\ttwo"


# -- parameter names the action does not know -------------------------------------------------------------


def mistyping(server, operation: str, typos: dict[str, str]):  # noqa: ANN201 - a boto3 EC2 client
    """A boto3 client whose ``operation`` sends some parameter names mistyped (boto3 itself never would)."""
    client = boto3_client(server)

    def retype(params: dict, **_: object) -> None:
        params["body"] = {typos.get(name, name): value for name, value in params["body"].items()}

    client.meta.events.register(f"before-call.ec2.{operation}", retype)
    return client


def unknown_parameter(caught: pytest.ExceptionInfo[ClientError]) -> str:
    """The message of an UnknownParameter error, after checking its code and status."""
    response = caught.value.response
    assert response["Error"]["Code"] == "UnknownParameter"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return response["Error"]["Message"]


def test_a_mistyped_instance_list_is_refused_rather_than_read_as_every_instance(server, ec2) -> None:
    # "InstanceIds.1" was dropped: DescribeInstances answered for every instance, and a script terminating
    # what it listed terminated them all.
    with pytest.raises(ClientError) as caught:
        mistyping(server, "DescribeInstances", {"InstanceId.1": "InstanceIds.1"}).describe_instances(
            InstanceIds=["inst0"])
    assert unknown_parameter(caught) == "The parameter InstanceIds.1 is not recognized"
    # The name, never the value (it may be a secret sent under a mistyped name).
    _, _, message = error_of(call(server, {"Action": "DescribeInstances", "InstanceIds.1": "value-never-shown"}))
    assert "value-never-shown" not in message


def test_a_mistyped_terminate_terminates_nothing(server, ec2) -> None:
    launched = [i["InstanceId"] for i in ec2.run_instances(ImageId="img1", MinCount=2, MaxCount=2)["Instances"]]
    with pytest.raises(ClientError) as caught:
        mistyping(server, "TerminateInstances", {"InstanceId.2": "InstanceIds.2"}).terminate_instances(
            InstanceIds=launched)
    assert unknown_parameter(caught) == "The parameter InstanceIds.2 is not recognized"
    assert set(launched) <= instance_ids(ec2)  # not even the correctly named first one
    ec2.terminate_instances(InstanceIds=launched)
    assert not set(launched) & instance_ids(ec2)


def test_a_mistyped_filter_prefix_is_refused(server, ec2) -> None:
    stopped = [{"Name": "instance-state-name", "Values": ["stopped"]}]
    typos = {"Filter.1.Name": "Filters.1.Name", "Filter.1.Value.1": "Filters.1.Value.1"}
    with pytest.raises(ClientError) as caught:
        mistyping(server, "DescribeInstances", typos).describe_instances(Filters=stopped)
    assert unknown_parameter(caught) == "The parameter Filters.1.Name is not recognized"

    def described(**kwargs: object) -> set[str]:
        return {i["InstanceId"] for r in ec2.describe_instances(**kwargs)["Reservations"] for i in r["Instances"]}

    assert described(Filters=stopped) < described()  # spelled right, the filter still filters


@pytest.mark.parametrize(("action_name", "name"), [
    ("DescribeInstances", "Filter.1.Values.1"),
    ("DescribeInstances", "filter.1.Name"),  # names are case-sensitive, as the handlers read them
    ("DescribeInstances", "InstanceId.N"),  # a pattern's N stands for a number
    ("DescribeInstances", "InstanceId.1.Value"),
    ("DescribeInstances", "MaxResult"),
    ("DescribeInstanceStatus", "IncludeAllInstance"),
    ("DescribeImages", "Owners.1"),
    ("DescribeSecurityGroups", "GroupIds.1"),
    ("RunInstances", "TagSpecification.1.Tags.1.Key"),
    ("StopInstances", "Hibernate"),  # EC2 knows it; ignored, the instance would stop without hibernating
    ("CreateKeyPair", "KeyType"),  # EC2 knows it; ignored, an ed25519 request would have made an rsa key
    ("DeleteTags", "Tag.1.Keys"),
])
def test_a_name_the_action_does_not_declare_is_an_unknown_parameter(server, action_name, name) -> None:
    status, code, message = error_of(call(server, {"Action": action_name, name: "x"}))
    assert (status, code, message) == (400, "UnknownParameter", f"The parameter {name} is not recognized")


def test_the_first_unknown_name_is_reported_cut_to_100_characters(server) -> None:
    params = {"Action": "DescribeRegions", "RegionName.1": "us-east-1", "X" * 300: "v", "Second": "v"}
    status, code, message = error_of(call(server, params))
    assert (status, code, message) == (400, "UnknownParameter", f"The parameter {'X' * 100} is not recognized")


def test_a_stranger_learns_nothing_about_parameter_names(server) -> None:
    response = httpx.post(f"{server.url}/ec2", data={"Action": "DescribeInstances", "InstanceIds.1": "inst0"})
    status, code, _ = error_of(response)
    assert (status, code) == (401, "MissingAuthenticationToken")


def test_a_bare_list_name_is_its_one_value_but_not_beside_indexed_ones(server) -> None:
    # libcloud's get_key_pair sends DescribeKeyPairs KeyName=<name>; the bare name is read as KeyName.1.
    response = call(server, {"Action": "DescribeInstances", "InstanceId": "inst1"})
    assert response.status_code == 200
    assert "<instanceId>inst1</instanceId>" in response.text and "<instanceId>inst0</instanceId>" not in response.text
    # Both forms at once: one of them used to be dropped.
    status, code, _ = error_of(call(server, {"Action": "DescribeInstances", "InstanceId": "inst0",
                                             "InstanceId.1": "inst1"}))
    assert (status, code) == (400, "InvalidParameterCombination")


def test_run_instances_with_every_parameter_the_front_end_accepts(ec2) -> None:
    group = ec2.create_security_group(GroupName="robust-launch", Description="launch")["GroupId"]
    everything = {
        "ImageId": "img1", "MinCount": 1, "MaxCount": 2, "InstanceType": "m1-small", "KeyName": "test-key",
        "UserData": base64.b64encode(b"#!/bin/sh\n").decode(), "Placement": {"AvailabilityZone": "eu"},
        "ClientToken": str(uuid.uuid4()), "SecurityGroupIds": [group], "SecurityGroups": ["robust-launch"],
        "TagSpecifications": [{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "everything"}]}],
        # accepted and ignored, as by the original front-end: the core's launch request cannot carry them
        "SubnetId": "subnet-1",
        "BlockDeviceMappings": [
            {"DeviceName": "/dev/sda1", "Ebs": {"VolumeSize": 8, "VolumeType": "standard", "DeleteOnTermination": True,
                                                "Iops": 100, "SnapshotId": "snap1", "KmsKeyId": "k", "Throughput": 125,
                                                "Encrypted": False}},
            {"DeviceName": "/dev/sdb", "VirtualName": "ephemeral0"},
            {"DeviceName": "/dev/sdc", "NoDevice": ""},
        ],
    }
    before = instance_ids(ec2)
    with pytest.raises(ClientError) as caught:
        ec2.run_instances(**everything, DryRun=True)
    assert caught.value.response["Error"]["Code"] == "DryRunOperation"
    instances = ec2.run_instances(**everything)["Instances"]
    assert len(instances) == 2
    for instance in instances:
        assert (instance["InstanceType"], instance["KeyName"], instance["Placement"]["AvailabilityZone"]) == (
            "m1-small", "test-key", "eu")
        assert {t["Key"]: t["Value"] for t in instance["Tags"]} == {"Name": "everything"}
        assert group in [g["GroupId"] for g in instance["SecurityGroups"]]
    assert instance_ids(ec2) - before == {i["InstanceId"] for i in instances}


def test_create_volume_honours_the_client_token_and_volume_type_boto3_and_libcloud_send(ec2) -> None:
    # boto3 sends a ClientToken with every CreateVolume and libcloud a VolumeType: both used to be dropped.
    def volume_ids() -> set[str]:
        return {v["VolumeId"] for v in ec2.describe_volumes()["Volumes"]}

    before = volume_ids()
    token = str(uuid.uuid4())
    first = ec2.create_volume(AvailabilityZone="us", Size=1, ClientToken=token)
    retry = ec2.create_volume(AvailabilityZone="us", Size=1, ClientToken=token)
    assert retry["VolumeId"] == first["VolumeId"] and volume_ids() - before == {first["VolumeId"]}
    with pytest.raises(ClientError) as caught:
        ec2.create_volume(AvailabilityZone="us", Size=1, VolumeType="gp3")
    assert caught.value.response["Error"]["Code"] == "UnsupportedOperation"
    assert volume_ids() - before == {first["VolumeId"]}
    assert ec2.create_volume(AvailabilityZone="us", Size=1, VolumeType="standard")["VolumeType"] == "standard"


def _wire_patterns(prefix: str, shape) -> list[str]:  # noqa: ANN001 - a botocore shape
    """The parameter names of an EC2 input shape as patterns: what EC2 documents for the action."""
    if shape.type_name == "structure":
        dotted = f"{prefix}." if prefix else ""
        return [pattern for member, sub in shape.members.items() for pattern in _wire_patterns(
            dotted + (sub.serialization.get("queryName") or _capitalised(sub.serialization.get("name") or member)),
            sub)]
    if shape.type_name == "list":
        return _wire_patterns(f"{prefix}.N", shape.member)
    return [prefix]


def _capitalised(name: str) -> str:
    return name[0].upper() + name[1:]


def test_every_action_declares_only_parameters_ec2_documents_for_it() -> None:
    for name in MODULE_OF:
        find_action(name)
    assert set(ACTIONS) == set(MODULE_OF)
    model = botocore.session.get_session().get_service_model("ec2")
    for name, registered in ACTIONS.items():
        documented = set(_wire_patterns("", model.operation_model(name).input_shape))
        assert "DryRun" in documented, name  # the dispatcher reads it for every action
        assert set(registered.accepts.patterns) <= documented, (name, set(registered.accepts.patterns) - documented)
        assert len(registered.accepts.patterns) > 1, name
    with pytest.raises(TypeError):
        action("NewAction", "instances.index")  # type: ignore[call-arg]  # a registration must declare its names
    for malformed in ("Filter..Name", "N.Name", "Filter.N.Na-me", ""):
        with pytest.raises(ValueError):
            ParameterNames([malformed])


def test_image_names_follow_ec2s_rule_and_a_duplicate_has_ec2s_code(ec2) -> None:
    """boto3 users match on InvalidAMIName.Malformed / .Duplicate, as EC2 answers them."""
    before = {image["ImageId"] for image in ec2.describe_images()["Images"]}
    for bad in ("x" * 129, "semi;colon", "tab\tname", "café image"):  # boto3 itself refuses under 3
        with pytest.raises(ClientError) as caught:
            ec2.create_image(InstanceId="inst1", Name=bad)
        assert caught.value.response["Error"]["Code"] == "InvalidAMIName.Malformed", bad
    name = f"gold (v2) [{uuid.uuid4().hex[:6]}] team/web-1.0_@'x"
    created = ec2.create_image(InstanceId="inst1", Name=name)["ImageId"]
    with pytest.raises(ClientError) as caught:
        ec2.create_image(InstanceId="inst1", Name=name)
    assert caught.value.response["Error"]["Code"] == "InvalidAMIName.Duplicate"
    assert {image["ImageId"] for image in ec2.describe_images()["Images"]} - before == {created}
    ec2.deregister_image(ImageId=created)
