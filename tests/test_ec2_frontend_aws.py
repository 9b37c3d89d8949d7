"""boto3 -> EC2 front-end -> AWS driver -> a real moto server, checked from both ends.

The proxy's server runs with ``API_DRIVER=ec2`` and ``AWS_ENDPOINT_URL`` pointing at moto; the demo
tenant ``mockuser`` has AWS credentials for the ``ec2`` driver. The region the client signs for is the
AWS region the driver uses (a region of its own on the shared moto server: its state is ours alone).
"""

import uuid
from collections.abc import Iterator

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from conftest import LocalServer, start_server, stop_server
from deltacloud.credentials import LocalCredentialStore

REGION = "eu-north-1"
AWS_KEY, AWS_SECRET = "AKIDEC2FRONTENDTEST", "frontend-test-secret"


@pytest.fixture(scope="module")
def proxy(moto_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    data_dir = tmp_path_factory.mktemp("ec2-on-aws")
    LocalCredentialStore(data_dir / "credentials.json").register(
        "mockuser", None, "ec2", None, {"access_key_id": AWS_KEY, "secret_access_key": AWS_SECRET})
    running = start_server(data_dir, {"API_DRIVER": "ec2", "AWS_ENDPOINT_URL": moto_endpoint})
    yield running
    stop_server(running)


@pytest.fixture(scope="module")
def ec2(proxy):
    return boto3.client("ec2", endpoint_url=f"{proxy.url}/ec2", region_name=REGION, aws_access_key_id="mockuser",
                        aws_secret_access_key="mockpassword", config=Config(retries={"max_attempts": 1}))


@pytest.fixture(scope="module")
def moto(moto_endpoint):
    """The same cloud, asked directly."""
    return boto3.client("ec2", endpoint_url=moto_endpoint, region_name=REGION, aws_access_key_id=AWS_KEY,
                        aws_secret_access_key=AWS_SECRET)


@pytest.fixture(scope="module")
def ami(moto) -> str:
    images = moto.describe_images(Owners=["amazon"], Filters=[{"Name": "architecture", "Values": ["x86_64"]}])
    return images["Images"][0]["ImageId"]


def test_zones_and_regions_come_from_aws(ec2, moto) -> None:
    zones = {z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]}
    assert zones == {z["ZoneName"] for z in moto.describe_availability_zones()["AvailabilityZones"]}
    assert all(zone.startswith(REGION) for zone in zones)
    regions = {r["RegionName"] for r in ec2.describe_regions()["Regions"]}
    assert {REGION, "us-east-1", "eu-west-1"} <= regions


def test_instances_round_trip_through_the_proxy(ec2, moto, ami) -> None:
    name = f"proxy-{uuid.uuid4().hex[:8]}"
    launched = ec2.run_instances(
        ImageId=ami, MinCount=2, MaxCount=2, InstanceType="t3.micro",
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": name},
                                                                 {"Key": "team", "Value": "red"}]}])
    ids = sorted(i["InstanceId"] for i in launched["Instances"])
    assert all(i["State"]["Name"] == "pending" for i in launched["Instances"])

    # moto really has them, with the tags sent as AWS tags
    direct = moto.describe_instances(InstanceIds=ids)["Reservations"]
    at_aws = {i["InstanceId"]: {t["Key"]: t["Value"] for t in i.get("Tags", [])}
              for r in direct for i in r["Instances"]}
    assert sorted(at_aws) == ids and all(tags == {"Name": name, "team": "red"} for tags in at_aws.values())

    by_tag = ec2.describe_instances(Filters=[{"Name": "tag:Name", "Values": [name]}])["Reservations"]
    assert sorted(i["InstanceId"] for r in by_tag for i in r["Instances"]) == ids
    (one,) = [i for r in ec2.describe_instances(InstanceIds=ids[:1])["Reservations"] for i in r["Instances"]]
    assert one["InstanceType"] == "t3.micro" and one["ImageId"] == ami

    ec2.stop_instances(InstanceIds=ids)
    ec2.get_waiter("instance_stopped").wait(InstanceIds=ids, WaiterConfig={"Delay": 1, "MaxAttempts": 10})
    assert {i["State"]["Name"] for r in moto.describe_instances(InstanceIds=ids)["Reservations"]
            for i in r["Instances"]} == {"stopped"}
    ec2.start_instances(InstanceIds=ids)
    ec2.get_waiter("instance_running").wait(InstanceIds=ids, WaiterConfig={"Delay": 1, "MaxAttempts": 10})

    ec2.terminate_instances(InstanceIds=ids)
    states = {i["State"]["Name"] for r in moto.describe_instances(InstanceIds=ids)["Reservations"]
              for i in r["Instances"]}
    assert states <= {"shutting-down", "terminated"}
    # terminating again succeeds, as on EC2 (it was IncorrectInstanceState), also for one terminated at AWS
    spare = ec2.run_instances(ImageId=ami, MinCount=1, MaxCount=1, InstanceType="t3.micro")["Instances"][0]
    moto.terminate_instances(InstanceIds=ids[:1])
    again = ec2.terminate_instances(InstanceIds=[ids[0], spare["InstanceId"]])["TerminatingInstances"]
    assert {c["InstanceId"]: c["CurrentState"]["Name"] for c in again}[ids[0]] == "terminated"
    assert {i["State"]["Name"] for r in moto.describe_instances(InstanceIds=[spare["InstanceId"]])["Reservations"]
            for i in r["Instances"]} <= {"shutting-down", "terminated"}


def test_key_pairs_volumes_and_groups_reach_aws(ec2, moto) -> None:
    key = f"proxy-key-{uuid.uuid4().hex[:6]}"
    created = ec2.create_key_pair(KeyName=key)
    assert "PRIVATE KEY" in created["KeyMaterial"]
    assert [k["KeyName"] for k in moto.describe_key_pairs(KeyNames=[key])["KeyPairs"]] == [key]
    ec2.delete_key_pair(KeyName=key)
    with pytest.raises(ClientError):
        moto.describe_key_pairs(KeyNames=[key])

    zone = moto.describe_availability_zones()["AvailabilityZones"][0]["ZoneName"]
    volume_id = ec2.create_volume(AvailabilityZone=zone, Size=3)["VolumeId"]
    assert moto.describe_volumes(VolumeIds=[volume_id])["Volumes"][0]["Size"] == 3
    assert ec2.describe_volumes(VolumeIds=[volume_id])["Volumes"][0]["AvailabilityZone"] == zone
    ec2.delete_volume(VolumeId=volume_id)

    group = f"proxy-sg-{uuid.uuid4().hex[:6]}"
    group_id = ec2.create_security_group(GroupName=group, Description="through the proxy")["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.1.0.0/16"}]}])
    (at_aws,) = moto.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    assert [(p["FromPort"], [r["CidrIp"] for r in p["IpRanges"]]) for p in at_aws["IpPermissions"]] == [
        (22, ["10.1.0.0/16"])]
    (seen,) = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    assert seen["GroupName"] == group


def test_unknown_ids_keep_their_ec2_codes_through_the_driver(ec2) -> None:
    with pytest.raises(ClientError) as caught:
        ec2.describe_instances(InstanceIds=["i-0123456789abcdef0"])
    assert caught.value.response["Error"]["Code"] == "InvalidInstanceID.NotFound"
    with pytest.raises(ClientError) as caught:
        ec2.run_instances(ImageId="ami-00000000000000000", MinCount=1, MaxCount=1)
    assert caught.value.response["Error"]["Code"] == "InvalidAMIID.NotFound"


def test_a_region_the_aws_driver_does_not_serve_is_refused_not_replaced(proxy) -> None:
    """A client configured for GovCloud must not quietly get the default region's machines."""
    gov = boto3.client("ec2", endpoint_url=f"{proxy.url}/ec2", region_name="us-gov-west-1",
                       aws_access_key_id="mockuser", aws_secret_access_key="mockpassword",
                       config=Config(retries={"max_attempts": 1}))
    with pytest.raises(ClientError) as refused:
        gov.describe_instances()
    error = refused.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Error"]["Code"] == "InvalidParameterValue" and "us-gov-west-1" in error["Error"]["Message"]


def test_a_refused_ingress_request_takes_back_only_what_it_added(ec2, moto) -> None:
    """AWS keeps one rule per port with all its sources: the request's new source on port 22 joined the rule
    that was there before. Taking the request back must leave that rule as it was, not delete it."""
    group = ec2.create_security_group(GroupName=f"rollback-{uuid.uuid4().hex[:6]}", Description="d")["GroupId"]
    before = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[before])
    with pytest.raises(ClientError):  # the second permission's many sources exceed AWS's rules-per-group limit
        ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "192.168.0.0/16"}]},
            {"IpProtocol": "tcp", "FromPort": 1000, "ToPort": 1000,
             "IpRanges": [{"CidrIp": f"172.16.{i}.0/24"} for i in range(120)]}])
    (permission,) = moto.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]["IpPermissions"]
    assert (permission["FromPort"], [r["CidrIp"] for r in permission["IpRanges"]]) == (22, ["10.0.0.0/8"])
    with pytest.raises(ClientError) as reversed_range:  # FromPort above ToPort: AWS's 400, before AWS is asked
        ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 30, "ToPort": 20, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
    assert reversed_range.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert len(moto.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]["IpPermissions"]) == 1
