"""boto3 (client and resource layers, paginators, waiters) against the EC2 front-end over HTTP, mock cloud."""

import base64
import os
import uuid

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, WaiterError
from conftest import run_concurrently

REGION = "us-east-1"
NO_RETRIES = Config(retries={"max_attempts": 1, "mode": "standard"})


@pytest.fixture(scope="module")
def endpoint(server) -> str:
    return f"{server.url}/ec2"


@pytest.fixture(scope="module")
def ec2(endpoint):
    return boto3.client("ec2", endpoint_url=endpoint, region_name=REGION, aws_access_key_id="mockuser",
                        aws_secret_access_key="mockpassword", config=NO_RETRIES)


@pytest.fixture(scope="module")
def resource(endpoint):
    return boto3.resource("ec2", endpoint_url=endpoint, region_name=REGION, aws_access_key_id="mockuser",
                          aws_secret_access_key="mockpassword", config=NO_RETRIES)


def error_code(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    return excinfo.value.response["Error"]["Code"]


def launch(ec2, count: int = 1, **extra) -> list[dict]:
    reply = ec2.run_instances(ImageId="img1", MinCount=count, MaxCount=count, InstanceType="m1-small", **extra)
    return reply["Instances"]


# -- regions, zones, types, images ------------------------------------------------------------------------


def test_regions_and_zones_follow_the_signed_region(ec2) -> None:
    regions = ec2.describe_regions()["Regions"]
    assert ec2.describe_regions(AllRegions=True)["Regions"] == regions
    assert [r["RegionName"] for r in regions] == [REGION]

    zones = ec2.describe_availability_zones()["AvailabilityZones"]
    assert {z["ZoneName"] for z in zones} == {"us", "eu"}
    assert all(z["State"] == "available" and z["RegionName"] == REGION for z in zones)

    only_eu = ec2.describe_availability_zones(ZoneNames=["eu"])["AvailabilityZones"]
    assert [z["ZoneName"] for z in only_eu] == ["eu"]
    with pytest.raises(ClientError) as caught:
        ec2.describe_availability_zones(ZoneNames=["mars"])
    assert error_code(caught) == "InvalidParameterValue"


def test_instance_types_are_the_hardware_profiles(ec2) -> None:
    types = {t["InstanceType"]: t for t in ec2.describe_instance_types()["InstanceTypes"]}
    assert {"m1-small", "m1-large", "m1-xlarge"} <= set(types)
    small = types["m1-small"]
    assert small["VCpuInfo"]["DefaultVCpus"] == 1
    assert small["MemoryInfo"]["SizeInMiB"] == 1740
    assert small["ProcessorInfo"]["SupportedArchitectures"] == ["i386"]

    x86 = ec2.describe_instance_types(Filters=[{"Name": "processor-info.supported-architecture",
                                                "Values": ["x86_64"]}])["InstanceTypes"]
    assert {t["InstanceType"] for t in x86} == {"m1-large", "m1-xlarge"}
    with pytest.raises(ClientError) as caught:
        ec2.describe_instance_types(InstanceTypes=["t9.huge"])
    assert error_code(caught) == "InvalidInstanceType"


def test_describe_images_by_id_owner_and_filter(ec2) -> None:
    images = ec2.describe_images()["Images"]
    assert {"img1", "img2", "img3"} <= {i["ImageId"] for i in images}
    img1 = ec2.describe_images(ImageIds=["img1"])["Images"]
    assert [(i["ImageId"], i["Architecture"], i["State"]) for i in img1] == [("img1", "x86_64", "available")]
    mine = ec2.describe_images(Owners=["self"])["Images"]
    assert {i["ImageId"] for i in mine} == {"img3"}
    i386 = ec2.describe_images(Filters=[{"Name": "architecture", "Values": ["i386"]}])["Images"]
    assert {"img2", "img3"} <= {i["ImageId"] for i in i386} and "img1" not in {i["ImageId"] for i in i386}
    with pytest.raises(ClientError) as caught:
        ec2.describe_images(ImageIds=["ami-nothere"])
    assert error_code(caught) == "InvalidAMIID.NotFound"


def test_create_and_deregister_an_image(ec2) -> None:
    instance_id = launch(ec2)[0]["InstanceId"]
    image_id = ec2.create_image(InstanceId=instance_id, Name="golden", Description="from a test")["ImageId"]
    assert ec2.describe_images(ImageIds=[image_id])["Images"][0]["ImageId"] == image_id
    ec2.deregister_image(ImageId=image_id)
    with pytest.raises(ClientError) as caught:
        ec2.describe_images(ImageIds=[image_id])
    assert error_code(caught) == "InvalidAMIID.NotFound"


# -- instances --------------------------------------------------------------------------------------------


def test_run_instances_returns_a_pending_reservation_with_tags(ec2) -> None:
    user_data = base64.b64encode(b"#!/bin/sh\necho hello\n").decode()
    reply = ec2.run_instances(
        ImageId="img1", MinCount=2, MaxCount=2, InstanceType="m1-large", KeyName="test-key", UserData=user_data,
        Placement={"AvailabilityZone": "eu"},
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web"},
                                                                 {"Key": "team", "Value": "blue"}]}],
    )
    instances = reply["Instances"]
    assert reply["ReservationId"].startswith("r-")
    assert len(instances) == 2
    for instance in instances:
        assert instance["State"] == {"Code": 0, "Name": "pending"}
        assert instance["InstanceType"] == "m1-large"
        assert instance["Placement"]["AvailabilityZone"] == "eu"
        assert instance["KeyName"] == "test-key"
        assert {t["Key"]: t["Value"] for t in instance["Tags"]} == {"Name": "web", "team": "blue"}

    ids = [i["InstanceId"] for i in instances]
    described = ec2.describe_instances(InstanceIds=ids)["Reservations"]
    seen = {i["InstanceId"]: i for r in described for i in r["Instances"]}
    assert set(seen) == set(ids)
    assert all(i["State"]["Name"] == "running" for i in seen.values())
    assert all({t["Key"]: t["Value"] for t in i["Tags"]}["team"] == "blue" for i in seen.values())


def test_describe_instances_filters_users_script_with(ec2) -> None:
    tag = f"filter-{uuid.uuid4().hex[:8]}"
    (mine,) = launch(ec2, TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": tag}]}])
    mine_id = mine["InstanceId"]

    def ids(*filters) -> set[str]:
        reply = ec2.describe_instances(Filters=[{"Name": n, "Values": v} for n, v in filters])
        return {i["InstanceId"] for r in reply["Reservations"] for i in r["Instances"]}

    assert ids(("tag:Name", [tag])) == {mine_id}
    assert ids(("tag:Name", [tag[:-3] + "*"])) == {mine_id}  # wildcards
    assert mine_id in ids(("instance-state-name", ["running"]), ("availability-zone", ["us"]))
    assert mine_id not in ids(("availability-zone", ["eu"]))
    assert mine_id in ids(("instance-type", ["m1-small"]), ("image-id", ["img1"]))
    assert mine_id not in ids(("image-id", ["img3"]))
    assert ids(("instance-id", [mine_id])) == {mine_id}

    ec2.stop_instances(InstanceIds=[mine_id])
    assert mine_id in ids(("instance-state-name", ["stopped"]))
    assert mine_id in ids(("instance-state-code", ["80"]))

    with pytest.raises(ClientError) as caught:
        ec2.describe_instances(Filters=[{"Name": "no-such-filter", "Values": ["x"]}])
    assert error_code(caught) == "InvalidParameterValue"


def test_unknown_instance_ids_are_not_found(ec2) -> None:
    with pytest.raises(ClientError) as caught:
        ec2.describe_instances(InstanceIds=["inst0", "i-doesnotexist"])
    assert error_code(caught) == "InvalidInstanceID.NotFound"
    assert "i-doesnotexist" in caught.value.response["Error"]["Message"]
    for call in (ec2.start_instances, ec2.stop_instances, ec2.reboot_instances, ec2.terminate_instances):
        with pytest.raises(ClientError) as caught:
            call(InstanceIds=["i-doesnotexist"])
        assert error_code(caught) == "InvalidInstanceID.NotFound"


def test_stop_start_reboot_terminate_report_ec2_states(ec2) -> None:
    instance_id = launch(ec2)[0]["InstanceId"]

    stopping = ec2.stop_instances(InstanceIds=[instance_id])["StoppingInstances"][0]
    assert stopping["CurrentState"]["Name"] == "stopping"
    assert stopping["PreviousState"] == {"Code": 16, "Name": "running"}
    again = ec2.stop_instances(InstanceIds=[instance_id])["StoppingInstances"][0]  # idempotent, as on EC2
    assert again["CurrentState"]["Name"] == again["PreviousState"]["Name"] == "stopped"

    with pytest.raises(ClientError) as caught:
        ec2.reboot_instances(InstanceIds=[instance_id])
    assert error_code(caught) == "IncorrectInstanceState"

    starting = ec2.start_instances(InstanceIds=[instance_id])["StartingInstances"][0]
    assert starting["CurrentState"] == {"Code": 0, "Name": "pending"}
    assert starting["PreviousState"]["Name"] == "stopped"
    ec2.reboot_instances(InstanceIds=[instance_id])

    # The mock destroys only stopped instances: terminating a running one stops it first, as EC2 users expect.
    terminating = ec2.terminate_instances(InstanceIds=[instance_id])["TerminatingInstances"][0]
    assert terminating["CurrentState"] == {"Code": 32, "Name": "shutting-down"}
    assert terminating["PreviousState"]["Name"] == "running"
    (gone,) = [i for r in ec2.describe_instances(InstanceIds=[instance_id])["Reservations"] for i in r["Instances"]]
    assert gone["State"] == {"Code": 48, "Name": "terminated"}
    assert instance_id not in {
        i["InstanceId"] for r in ec2.describe_instances(
            Filters=[{"Name": "instance-state-name", "Values": ["running", "stopped"]}])["Reservations"]
        for i in r["Instances"]
    }
    repeat = ec2.terminate_instances(InstanceIds=[instance_id])["TerminatingInstances"][0]
    assert repeat["CurrentState"]["Name"] == "terminated"
    with pytest.raises(ClientError) as caught:
        ec2.start_instances(InstanceIds=[instance_id])
    assert error_code(caught) == "IncorrectInstanceState"


def test_describe_instance_status(ec2) -> None:
    running, stopped = (i["InstanceId"] for i in launch(ec2, count=2))
    ec2.stop_instances(InstanceIds=[stopped])
    statuses = {s["InstanceId"]: s for s in ec2.describe_instance_status(InstanceIds=[running, stopped],
                                                                           IncludeAllInstances=True)["InstanceStatuses"]}
    assert statuses[running]["InstanceState"]["Name"] == "running"
    assert statuses[running]["InstanceStatus"]["Status"] == "ok"
    assert statuses[stopped]["InstanceStatus"]["Status"] == "not-applicable"
    default = ec2.describe_instance_status(InstanceIds=[running, stopped])["InstanceStatuses"]
    assert [s["InstanceId"] for s in default] == [running]  # only running ones unless IncludeAllInstances


def test_paginator_walks_every_instance_once(ec2) -> None:
    launch(ec2, count=7)
    everything = {i["InstanceId"] for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]}
    assert len(everything) >= 11

    pages = list(ec2.get_paginator("describe_instances").paginate(PaginationConfig={"PageSize": 5}))
    assert len(pages) >= 3
    assert all(len(p["Reservations"]) <= 5 for p in pages)
    assert "NextToken" in pages[0] and "NextToken" not in pages[-1]
    paged = [i["InstanceId"] for p in pages for r in p["Reservations"] for i in r["Instances"]]
    assert len(paged) == len(set(paged))  # no instance twice
    assert set(paged) == everything  # and none left out

    with pytest.raises(ClientError) as caught:
        ec2.describe_instances(MaxResults=5, NextToken="not-a-token")
    assert error_code(caught) == "InvalidParameterValue"
    # a token belongs to the listing that gave it, as on EC2
    with pytest.raises(ClientError) as caught:
        ec2.describe_images(MaxResults=5, NextToken=pages[0]["NextToken"])
    assert error_code(caught) == "InvalidParameterValue"


def test_waiters_read_the_instance_state(ec2) -> None:
    instance_id = launch(ec2)[0]["InstanceId"]
    fast = {"Delay": 1, "MaxAttempts": 5}
    ec2.get_waiter("instance_running").wait(InstanceIds=[instance_id], WaiterConfig=fast)

    with pytest.raises(WaiterError):  # running is not stopped: the waiter gives up after its attempts
        ec2.get_waiter("instance_stopped").wait(InstanceIds=[instance_id], WaiterConfig={"Delay": 1,
                                                                                          "MaxAttempts": 2})
    ec2.stop_instances(InstanceIds=[instance_id])
    ec2.get_waiter("instance_stopped").wait(InstanceIds=[instance_id], WaiterConfig=fast)

    ec2.terminate_instances(InstanceIds=[instance_id])
    with pytest.raises(WaiterError) as caught:  # terminated is a failure state of instance_running
        ec2.get_waiter("instance_running").wait(InstanceIds=[instance_id], WaiterConfig=fast)
    assert "terminal failure state" in str(caught.value)
    ec2.get_waiter("instance_terminated").wait(InstanceIds=[instance_id], WaiterConfig=fast)


# -- idempotency ------------------------------------------------------------------------------------------


def test_client_token_returns_the_first_reservation(ec2) -> None:
    token = str(uuid.uuid4())
    first = ec2.run_instances(ImageId="img1", MinCount=1, MaxCount=1, ClientToken=token)
    retry = ec2.run_instances(ImageId="img1", MinCount=1, MaxCount=1, ClientToken=token)
    assert retry["ReservationId"] == first["ReservationId"]
    assert [i["InstanceId"] for i in retry["Instances"]] == [i["InstanceId"] for i in first["Instances"]]

    with pytest.raises(ClientError) as caught:  # same token, different request
        ec2.run_instances(ImageId="img3", MinCount=1, MaxCount=1, ClientToken=token)
    assert error_code(caught) == "IdempotentParameterMismatch"


def test_concurrent_retries_with_one_client_token_create_once(endpoint) -> None:
    token = str(uuid.uuid4())
    tag = f"idem-{token[:8]}"

    def run() -> str:
        client = boto3.client("ec2", endpoint_url=endpoint, region_name=REGION, aws_access_key_id="mockuser",
                              aws_secret_access_key="mockpassword", config=NO_RETRIES)
        reply = client.run_instances(
            ImageId="img1", MinCount=1, MaxCount=1, ClientToken=token,
            TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": tag}]}])
        return reply["Instances"][0]["InstanceId"]

    results = run_concurrently(run, 4)  # raises the error any of them got
    assert len(results) == 4 and len(set(results)) == 1
    check = boto3.client("ec2", endpoint_url=endpoint, region_name=REGION, aws_access_key_id="mockuser",
                         aws_secret_access_key="mockpassword")
    tagged = check.describe_instances(Filters=[{"Name": "tag:Name", "Values": [tag]}])["Reservations"]
    assert [i["InstanceId"] for r in tagged for i in r["Instances"]] == results[:1]


# -- resource layer ---------------------------------------------------------------------------------------


def test_resource_layer_creates_lists_and_controls_instances(resource) -> None:
    created = resource.create_instances(ImageId="img1", MinCount=1, MaxCount=1, InstanceType="m1-small")
    instance = created[0]
    instance.wait_until_running(WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    instance.reload()
    assert instance.state["Name"] == "running"
    assert instance.image_id == "img1" and instance.instance_type == "m1-small"
    assert instance.id in {i.id for i in resource.instances.all()}
    running = {i.id for i in resource.instances.filter(Filters=[{"Name": "instance-state-name",
                                                                 "Values": ["running"]}])}
    assert instance.id in running

    instance.create_tags(Tags=[{"Key": "role", "Value": "db"}])
    instance.reload()
    assert {"Key": "role", "Value": "db"} in instance.tags

    instance.stop()
    instance.wait_until_stopped(WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    assert instance.state["Name"] == "stopped"
    instance.terminate()
    instance.reload()
    assert instance.state["Name"] == "terminated"

    images = {i.id for i in resource.images.filter(Owners=["self"])}
    assert images == {"img3"}
    assert resource.KeyPair("test-key").key_fingerprint


# -- key pairs --------------------------------------------------------------------------------------------


def test_key_pair_life_cycle(ec2) -> None:
    name = f"key-{uuid.uuid4().hex[:8]}"
    created = ec2.create_key_pair(KeyName=name)
    assert created["KeyName"] == name
    assert created["KeyMaterial"].startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert created["KeyFingerprint"]
    with pytest.raises(ClientError) as caught:
        ec2.create_key_pair(KeyName=name)
    assert error_code(caught) == "InvalidKeyPair.Duplicate"

    listed = ec2.describe_key_pairs(KeyNames=[name])["KeyPairs"]
    assert [(k["KeyName"], k["KeyFingerprint"]) for k in listed] == [(name, created["KeyFingerprint"])]
    assert "KeyMaterial" not in listed[0]

    ec2.delete_key_pair(KeyName=name)
    with pytest.raises(ClientError) as caught:
        ec2.describe_key_pairs(KeyNames=[name])
    assert error_code(caught) == "InvalidKeyPair.NotFound"
    ec2.delete_key_pair(KeyName=name)  # deleting a missing key pair succeeds, as on EC2


def test_key_pair_names_ec2_allows_work_on_the_mock(ec2) -> None:
    """EC2 key names may hold '/' (a classic API URL cannot, so only that front-end refuses them)."""
    name = f"team/dev-{uuid.uuid4().hex[:6]}"
    ec2.create_key_pair(KeyName=name)
    assert [k["KeyName"] for k in ec2.describe_key_pairs(KeyNames=[name])["KeyPairs"]] == [name]
    ec2.delete_key_pair(KeyName=name)


def test_import_key_pair_and_launch_with_it(ec2) -> None:
    public = f"ssh-rsa {base64.b64encode(os.urandom(128)).decode()} test@example"
    name = f"imported-{uuid.uuid4().hex[:6]}"
    imported = ec2.import_key_pair(KeyName=name, PublicKeyMaterial=public.encode())
    assert imported["KeyName"] == name and imported["KeyFingerprint"].count(":") == 15
    (described,) = ec2.describe_key_pairs(KeyNames=[name], IncludePublicKey=True)["KeyPairs"]
    assert described["PublicKey"] == public
    assert "PublicKey" not in ec2.describe_key_pairs(KeyNames=[name])["KeyPairs"][0]
    (instance,) = launch(ec2, KeyName=name)
    assert instance["KeyName"] == name
    with pytest.raises(ClientError) as caught:
        launch(ec2, KeyName="no-such-key")
    assert error_code(caught) == "InvalidKeyPair.NotFound"


# -- volumes and snapshots --------------------------------------------------------------------------------


def test_volume_and_snapshot_life_cycle(ec2) -> None:
    instance_id = launch(ec2)[0]["InstanceId"]
    volume = ec2.create_volume(AvailabilityZone="us", Size=8, TagSpecifications=[
        {"ResourceType": "volume", "Tags": [{"Key": "Name", "Value": "data"}, {"Key": "backup", "Value": "daily"}]}])
    volume_id = volume["VolumeId"]
    assert volume["Size"] == 8 and volume["AvailabilityZone"] == "us"
    described = ec2.describe_volumes(VolumeIds=[volume_id])["Volumes"][0]
    assert described["State"] == "available"
    assert {t["Key"]: t["Value"] for t in described["Tags"]} == {"Name": "data", "backup": "daily"}
    tagged = ec2.describe_volumes(Filters=[{"Name": "tag:backup", "Values": ["daily"]}])["Volumes"]
    assert [v["VolumeId"] for v in tagged] == [volume_id]

    attached = ec2.attach_volume(VolumeId=volume_id, InstanceId=instance_id, Device="/dev/sdf")
    assert (attached["State"], attached["InstanceId"], attached["Device"]) == ("attaching", instance_id, "/dev/sdf")
    in_use = ec2.describe_volumes(Filters=[{"Name": "attachment.instance-id", "Values": [instance_id]}])["Volumes"]
    assert [(v["VolumeId"], v["State"], v["Attachments"][0]["Device"]) for v in in_use] == [
        (volume_id, "in-use", "/dev/sdf")]
    with pytest.raises(ClientError) as caught:
        ec2.delete_volume(VolumeId=volume_id)
    assert error_code(caught) == "VolumeInUse"

    snapshot = ec2.create_snapshot(VolumeId=volume_id, Description="nightly")
    assert snapshot["VolumeId"] == volume_id and snapshot["State"] == "completed"
    snapshots = ec2.describe_snapshots(Filters=[{"Name": "volume-id", "Values": [volume_id]}])["Snapshots"]
    assert [(s["SnapshotId"], s["Description"], s["VolumeSize"]) for s in snapshots] == [
        (snapshot["SnapshotId"], "nightly", 8)]
    # `aws ec2 describe-snapshots --owner-ids self`, the usual way to list one's own
    mine = ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]
    assert snapshot["SnapshotId"] in [s["SnapshotId"] for s in mine]
    assert ec2.describe_snapshots(OwnerIds=["amazon"])["Snapshots"] == []

    ec2.detach_volume(VolumeId=volume_id, Force=True)
    with pytest.raises(ClientError) as caught:
        ec2.detach_volume(VolumeId=volume_id)
    assert error_code(caught) == "IncorrectState"
    ec2.delete_snapshot(SnapshotId=snapshot["SnapshotId"])
    ec2.delete_volume(VolumeId=volume_id)
    for call, kwargs, code in (
        (ec2.describe_volumes, {"VolumeIds": [volume_id]}, "InvalidVolume.NotFound"),
        (ec2.describe_snapshots, {"SnapshotIds": [snapshot["SnapshotId"]]}, "InvalidSnapshot.NotFound"),
    ):
        with pytest.raises(ClientError) as caught:
            call(**kwargs)
        assert error_code(caught) == code


# -- Elastic IPs ------------------------------------------------------------------------------------------


def test_elastic_ip_life_cycle(ec2) -> None:
    instance_id = launch(ec2)[0]["InstanceId"]
    allocated = ec2.allocate_address(Domain="vpc")
    allocation_id, ip = allocated["AllocationId"], allocated["PublicIp"]
    association = ec2.associate_address(AllocationId=allocation_id, InstanceId=instance_id)["AssociationId"]

    (address,) = ec2.describe_addresses(AllocationIds=[allocation_id])["Addresses"]
    assert (address["PublicIp"], address["InstanceId"], address["AssociationId"]) == (ip, instance_id, association)
    by_instance = ec2.describe_addresses(Filters=[{"Name": "instance-id", "Values": [instance_id]}])["Addresses"]
    assert [a["PublicIp"] for a in by_instance] == [ip]
    instance = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
    assert instance["PublicIpAddress"] == ip

    with pytest.raises(ClientError) as caught:
        ec2.release_address(AllocationId=allocation_id)
    assert error_code(caught) == "InvalidIPAddress.InUse"
    ec2.disassociate_address(AssociationId=association)
    ec2.release_address(AllocationId=allocation_id)
    with pytest.raises(ClientError) as caught:
        ec2.describe_addresses(AllocationIds=[allocation_id])
    assert error_code(caught) == "InvalidAllocationID.NotFound"


# -- security groups --------------------------------------------------------------------------------------


def test_security_group_life_cycle(ec2) -> None:
    name = f"web-{uuid.uuid4().hex[:6]}"
    group_id = ec2.create_security_group(GroupName=name, Description="web servers")["GroupId"]
    with pytest.raises(ClientError) as caught:
        ec2.create_security_group(GroupName=name, Description="again")
    assert error_code(caught) == "InvalidGroup.Duplicate"

    ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
         "IpRanges": [{"CidrIp": "0.0.0.0/0"}, {"CidrIp": "10.0.0.0/8"}]},
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "192.168.1.0/24"}]},
    ])
    with pytest.raises(ClientError) as caught:  # one duplicate refuses the whole request: 8080 is not added
        ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "192.168.1.0/24"}]}])
    assert error_code(caught) == "InvalidPermission.Duplicate"

    (group,) = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    assert (group["GroupName"], group["Description"]) == (name, "web servers")
    permissions = {(p["IpProtocol"], p["FromPort"], p["ToPort"]): sorted(r["CidrIp"] for r in p["IpRanges"])
                   for p in group["IpPermissions"]}
    assert permissions == {("tcp", 80, 80): ["0.0.0.0/0", "10.0.0.0/8"], ("tcp", 22, 22): ["192.168.1.0/24"]}

    ec2.revoke_security_group_ingress(GroupId=group_id, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
    (group,) = ec2.describe_security_groups(GroupNames=[name])["SecurityGroups"]
    permissions = {(p["IpProtocol"], p["FromPort"]): [r["CidrIp"] for r in p["IpRanges"]]
                   for p in group["IpPermissions"]}
    assert permissions == {("tcp", 80): ["0.0.0.0/0"], ("tcp", 22): ["192.168.1.0/24"]}
    with pytest.raises(ClientError) as caught:
        ec2.revoke_security_group_ingress(GroupId=group_id, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    assert error_code(caught) == "InvalidPermission.NotFound"

    # Launching into the group: the instance reports it (the mock advertises the "firewalls" feature).
    (instance,) = launch(ec2, SecurityGroupIds=[group_id])
    (described,) = ec2.describe_instances(InstanceIds=[instance["InstanceId"]])["Reservations"][0]["Instances"]
    assert group_id in [g["GroupId"] for g in described["SecurityGroups"]]
    with pytest.raises(ClientError) as caught:
        launch(ec2, SecurityGroupIds=["sg-nosuch"])
    assert error_code(caught) in ("InvalidGroup.NotFound", "InvalidParameterValue")
    ec2.terminate_instances(InstanceIds=[instance["InstanceId"]])

    ec2.delete_security_group(GroupId=group_id)
    with pytest.raises(ClientError) as caught:
        ec2.describe_security_groups(GroupIds=[group_id])
    assert error_code(caught) == "InvalidGroup.NotFound"


# -- tags -------------------------------------------------------------------------------------------------


def test_tags_are_kept_per_resource_and_described(ec2) -> None:
    instance_id = launch(ec2)[0]["InstanceId"]
    ec2.create_tags(Resources=[instance_id, "img2"], Tags=[{"Key": "cost", "Value": "42"},
                                                            {"Key": "owner", "Value": "ops"}])
    tags = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [instance_id, "img2"]}])["Tags"]
    assert {(t["ResourceId"], t["ResourceType"], t["Key"], t["Value"]) for t in tags} >= {
        (instance_id, "instance", "cost", "42"), (instance_id, "instance", "owner", "ops"),
        ("img2", "image", "cost", "42"), ("img2", "image", "owner", "ops")}
    image_tags = ec2.describe_images(ImageIds=["img2"])["Images"][0]["Tags"]
    assert {t["Key"] for t in image_tags} == {"cost", "owner"}

    ec2.delete_tags(Resources=[instance_id], Tags=[{"Key": "cost", "Value": "not-42"}])  # value differs: kept
    ec2.delete_tags(Resources=[instance_id], Tags=[{"Key": "owner"}])
    left = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [instance_id]}])["Tags"]
    assert {t["Key"] for t in left} == {"cost", "Name"}

    by_key = ec2.describe_tags(Filters=[{"Name": "key", "Values": ["cost"]}, {"Name": "resource-type",
                                                                               "Values": ["image"]}])["Tags"]
    assert [(t["ResourceId"], t["Value"]) for t in by_key] == [("img2", "42")]

    with pytest.raises(ClientError) as caught:
        ec2.create_tags(Resources=["no-such-thing"], Tags=[{"Key": "a", "Value": "b"}])
    assert error_code(caught) == "InvalidID"
