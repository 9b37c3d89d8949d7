"""The AWS driver against a real moto server: mappings (states, instance types, errors), every
collection at the driver level, client reuse, one AWS call per listing, and faults (rejected
credentials, denied actions, an unreachable, hanging or throttling endpoint)."""

import base64
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from aws_support import iam_moto, silent_endpoint, throttling_proxy, unique
from conftest import free_port
from deltacloud.drivers.ec2 import EC2Driver
from deltacloud.drivers.ec2 import blobs as blobs_module
from deltacloud.drivers.ec2 import clients as clients_module
from deltacloud.drivers.ec2.firewalls import parse_rule_id
from deltacloud.drivers.ec2.states import STATE_MACHINE, api_state, instance_actions
from deltacloud.errors import (
    AuthenticationFailure,
    BackendThrottled,
    BackendTimeout,
    BackendUnavailable,
    Conflict,
    DeltacloudError,
    Forbidden,
    NotFound,
    UnknownProvider,
    ValidationError,
)
from deltacloud.model import InstanceCreate, Listener, RuleSource, StorageVolumeCreate
from driver_support import driver_for

#: a region of its own on the shared moto server: EC2 state there is this module's alone
REGION = "ap-southeast-2"
KEY, SECRET = "AKIDEC2DRIVERTEST", "driver-test-secret-value"


@pytest.fixture
def aws(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    return moto_endpoint


def make_driver(tmp_path: Path, region: str | None = REGION, **credentials: str) -> EC2Driver:
    return driver_for(EC2Driver, region, credentials or {"access_key_id": KEY, "secret_access_key": SECRET}, tmp_path)


@pytest.fixture
def driver(aws: str, tmp_path: Path) -> EC2Driver:
    return make_driver(tmp_path)


def direct(service: str, endpoint: str, region: str = REGION) -> Any:
    """A plain boto3 client to moto, to check what the driver did from AWS's side."""
    return boto3.client(service, region_name=region, endpoint_url=endpoint, aws_access_key_id=KEY,
                        aws_secret_access_key=SECRET)


class CallCounter:
    """Counts the AWS API calls a driver's clients send (a botocore event hook on each client)."""

    def __init__(self, driver: EC2Driver, *services: str) -> None:
        self.calls: list[str] = []
        for service in services:
            driver.aws.client(service).meta.events.register("before-call", self._count)

    def _count(self, model: Any, **_: Any) -> None:
        self.calls.append(model.name)

    def detach(self, driver: EC2Driver, *services: str) -> None:
        for service in services:
            driver.aws.client(service).meta.events.unregister("before-call", self._count)


@pytest.fixture
def counted(driver: EC2Driver) -> Iterator[CallCounter]:
    services = ("ec2", "s3", "elb", "cloudwatch")
    counter = CallCounter(driver, *services)
    yield counter
    counter.detach(driver, *services)


def public_image(endpoint: str) -> str:
    images = direct("ec2", endpoint).describe_images(Filters=[{"Name": "name", "Values": ["*ubuntu*"]}])["Images"]
    return next(i["ImageId"] for i in images if i["Architecture"] == "x86_64" and i["RootDeviceType"] == "ebs")


# -- providers and the registry -------------------------------------------------------------
def test_providers_are_static_regions_and_listing_them_imports_no_sdk() -> None:
    code = ("import sys; from deltacloud.registry import load_driver; info = load_driver('ec2').info(); "
            "print(len(info.providers), info.providers[5].id, info.providers[5].entrypoints['ec2'], "
            "'boto3' in sys.modules, 'botocore' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[1:] == ["us-east-1", "ec2.us-east-1.amazonaws.com", "False", "False"]
    assert int(out[0]) >= 30


def test_unknown_region_is_a_400_listing_the_regions(tmp_path: Path) -> None:
    with pytest.raises(UnknownProvider) as raised:
        EC2Driver.check_provider("mars-north-1")
    assert raised.value.status == 400
    assert "mars-north-1" in raised.value.message and "eu-west-1" in raised.value.message
    EC2Driver.check_provider(None)  # the default region, also by the name the entry point reports
    assert make_driver(tmp_path, region="default").region == "us-east-1"
    with pytest.raises(UnknownProvider):
        make_driver(tmp_path, region="mars-north-1").realms({})


# -- the state machine and the state mapping ------------------------------------------------
def test_ec2_states_map_onto_the_api_states() -> None:
    assert [api_state(s) for s in ("pending", "running", "stopping", "stopped", "shutting-down", "terminated")] == [
        "PENDING", "RUNNING", "STOPPING", "STOPPED", "STOPPING", "FINISH"]
    assert STATE_MACHINE.actions_from("RUNNING") == ["reboot", "stop"]
    assert STATE_MACHINE.actions_from("STOPPED") == ["start", "destroy"]
    assert STATE_MACHINE.actions_from("STOPPING") == []
    # an instance-store instance can't be stopped: stop becomes destroy, as in the original driver
    assert instance_actions("RUNNING", "instance-store") == ["reboot", "destroy"]
    assert instance_actions("RUNNING", "ebs") is None


# -- realms and hardware profiles ---------------------------------------------------------
def test_realms_are_the_regions_availability_zones(driver: EC2Driver) -> None:
    realms = driver.realms({})
    assert realms and all(r.id.startswith(REGION) and r.state == "AVAILABLE" for r in realms)
    assert driver.realm(realms[0].id) == realms[0]
    assert driver.realm(f"{REGION}z") is None


def test_hardware_profiles_carry_the_real_instance_type_facts(driver: EC2Driver) -> None:
    small = driver.hardware_profile("m1.small")
    assert small is not None
    props = {p.name: p for p in small.properties}
    assert (props["cpu"].value, props["memory"].value, props["storage"].value) == (1, 1740, 160)
    assert props["architecture"].kind == "enum" and props["architecture"].values == ["i386", "x86_64"]
    graviton = driver.hardware_profile("t4g.micro")
    assert graviton is not None
    props = {p.name: p for p in graviton.properties}
    assert props["architecture"].value == "arm64" and props["memory"].value == 1024
    assert props["root_type"].value == "persistent" and "storage" not in props  # EBS only
    assert driver.hardware_profile("m1.enormous") is None


def test_hardware_profiles_are_cached_per_region(driver: EC2Driver, counted: CallCounter) -> None:
    everything = driver.hardware_profiles({})
    assert len(everything) > 1000
    first = len(counted.calls)
    assert first <= 1
    i386 = driver.hardware_profiles({"architecture": "i386"})
    assert i386 and all("i386" in (p.property("architecture").values or [p.property("architecture").value])
                        for p in i386)
    assert driver.hardware_profiles({"id": "c5.large"})[0].id == "c5.large"
    assert len(counted.calls) == first  # answered from the cache


# -- instances ------------------------------------------------------------------------------
def test_instance_life_cycle_with_every_launch_feature(driver: EC2Driver, aws: str) -> None:
    image = public_image(aws)
    key = driver.create_key(unique("key"), None)
    firewall = driver.create_firewall(unique("fw"), "launch test")
    zone = driver.realms({})[1].id
    created = driver.create_instances(InstanceCreate(
        image_id=image, name="web", keyname=key.id, firewall_ids=[firewall.id], instance_count=2, realm_id=zone,
        hardware_profile_id="t3.micro", user_data=base64.b64encode(b"#!/bin/sh\necho hi\n").decode(),
        metrics=True,
    ))
    assert len(created) == 2
    first = created[0]
    assert (first.name, first.image_id, first.realm_id, first.hardware_profile_id, first.keyname) == (
        "web", image, zone, "t3.micro", key.id)
    assert first.firewall_ids == [firewall.id]
    ec2 = direct("ec2", aws)
    user_data = ec2.describe_instance_attribute(InstanceId=first.id, Attribute="userData")["UserData"]["Value"]
    assert base64.b64decode(user_data) == b"#!/bin/sh\necho hi\n"
    described = ec2.describe_instances(InstanceIds=[first.id])["Reservations"][0]["Instances"][0]
    assert described["Monitoring"]["State"] in ("enabled", "pending")

    listed = {i.id: i for i in driver.instances({"realm_id": zone})}
    assert {c.id for c in created} <= set(listed)
    assert listed[first.id].state == "RUNNING"
    assert driver.instances({"realm_id": f"{REGION}zz"}) == []
    assert [i.id for i in driver.instances({"id": first.id})] == [first.id]

    assert driver.stop_instance(first.id).state == "STOPPED"
    assert driver.start_instance(first.id).state == "RUNNING"
    assert driver.reboot_instance(first.id).state == "RUNNING"
    driver.stop_instance(first.id)
    driver.destroy_instance(first.id)
    assert first.id not in {i.id for i in driver.instances({})}  # destroyed: gone from the listing
    finished = driver.instance(first.id)
    assert finished is not None and finished.state == "FINISH"
    assert first.id in {i.id for i in driver.instances({"state": "FINISH"})}


def test_launch_attaches_a_snapshot_and_registers_with_a_load_balancer(driver: EC2Driver, aws: str) -> None:
    zone = driver.realms({})[0].id
    volume = driver.create_storage_volume(StorageVolumeCreate(capacity=2, realm_id=zone))
    snapshot = driver.create_storage_snapshot(volume.id, "seed", "launch data")
    balancer = driver.create_load_balancer(unique("lb")[:30], zone, [Listener(protocol="HTTP", load_balancer_port=80,
                                                                             instance_port=8080)])
    [instance] = driver.create_instances(InstanceCreate(image_id=public_image(aws), snapshot_id=snapshot.id,
                                                        device_name="/dev/sdk", load_balancer_id=balancer.id))
    mappings = direct("ec2", aws).describe_instances(InstanceIds=[instance.id])["Reservations"][0]["Instances"][0][
        "BlockDeviceMappings"]
    assert "/dev/sdk" in {m["DeviceName"] for m in mappings}
    assert instance.id in driver.load_balancer(balancer.id).instance_ids


def test_launch_refuses_what_ec2_cannot_do_before_calling_aws(driver: EC2Driver, counted: CallCounter) -> None:
    with pytest.raises(ValidationError, match="password"):
        driver.create_instances(InstanceCreate(image_id="ami-12345678", password="secret"))
    with pytest.raises(ValidationError, match="does not exists"):
        driver.create_instances(InstanceCreate(image_id="ami-12345678", hardware_profile_id="m9.gigantic"))
    with pytest.raises(ValidationError, match="base64"):
        driver.create_instances(InstanceCreate(image_id="ami-12345678", user_data="not base64!"))
    assert "RunInstances" not in counted.calls


def test_an_unknown_firewall_or_realm_at_launch_is_the_clients_mistake(driver: EC2Driver, aws: str) -> None:
    image = public_image(aws)
    with pytest.raises(ValidationError) as raised:  # InvalidGroup.NotFound names a parameter, not the URL
        driver.create_instances(InstanceCreate(image_id=image, firewall_ids=["sg-0000000000000dead"]))
    assert raised.value.status == 400 and "sg-0000000000000dead" in raised.value.message
    with pytest.raises(ValidationError) as raised:  # InvalidParameterValue, with AWS's own words
        driver.create_instances(InstanceCreate(image_id=image, realm_id=f"{REGION}zz"))
    assert "Invalid Availability Zone" in raised.value.message


def test_each_listing_is_one_aws_call(driver: EC2Driver, counted: CallCounter) -> None:
    driver.hardware_profiles({})  # fills the catalogue cache (images list compatible profiles)
    listings = {
        "DescribeInstances": lambda: driver.instances({}),
        "DescribeAvailabilityZones": lambda: driver.realms({}),
        "DescribeKeyPairs": lambda: driver.keys({}),
        "DescribeVolumes": lambda: driver.storage_volumes({}),
        "DescribeSnapshots": lambda: driver.storage_snapshots({}),
        "DescribeImages": lambda: driver.images({}),
        "DescribeAddresses": lambda: driver.addresses({}),
        "DescribeSecurityGroups": lambda: driver.firewalls({}),
        "DescribeLoadBalancers": lambda: driver.load_balancers({}),
        "ListBuckets": lambda: driver.buckets({}),
    }
    for operation, listing in listings.items():
        counted.calls.clear()
        listing()
        assert counted.calls == [operation]


# -- images and keys --------------------------------------------------------------------------
def test_images_are_the_accounts_own_unless_asked_for(driver: EC2Driver, aws: str) -> None:
    [instance] = driver.create_instances(InstanceCreate(image_id=public_image(aws)))
    image = driver.create_image(instance.id, unique("golden"), "our golden image")
    assert image.description == "our golden image" and image.hardware_profile_ids
    own = driver.images({})
    assert image.id in {i.id for i in own}
    assert len(own) < 50  # never the region's public catalogue (moto has about 1,300 AMIs)
    public = public_image(aws)
    assert public not in {i.id for i in own}
    shown = driver.image(public)
    assert shown is not None and shown.root_type == "persistent" and 0 < len(shown.hardware_profile_ids) <= 20
    assert all(p in {t.id for t in driver.hardware_profiles({"architecture": "x86_64"})}
               for p in shown.hardware_profile_ids)
    assert driver.image("ami-does-not-exist") is None
    assert [i.id for i in driver.images({"owner_id": shown.owner_id, "id": public})] == [public]
    driver.destroy_image(image.id)
    assert driver.image(image.id) is None


def test_a_snapshot_an_image_uses_is_a_conflict(driver: EC2Driver, aws: str) -> None:
    """InvalidSnapshot.InUse, like every *.InUse code, is a 409 (it was a 400)."""
    [instance] = driver.create_instances(InstanceCreate(image_id=public_image(aws)))
    image = driver.create_image(instance.id, unique("backed"), None)
    mappings = direct("ec2", aws).describe_images(ImageIds=[image.id])["Images"][0]["BlockDeviceMappings"]
    snapshot_id = next(m["Ebs"]["SnapshotId"] for m in mappings if "Ebs" in m)
    with pytest.raises(Conflict):
        driver.destroy_storage_snapshot(snapshot_id)
    assert driver.storage_snapshot(snapshot_id) is not None


def test_keys_create_import_and_delete(driver: EC2Driver) -> None:
    created = driver.create_key(unique("gen"), None)
    assert created.pem_rsa_key and created.pem_rsa_key.startswith("-----BEGIN") and created.fingerprint
    public = ("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDJ0JTuxTEA5u8ee5fxkXo0nf0/0HQzV0Oyz7sJ6H5PGcRKXVX"
              "tSWJYX1Xm0MX8A8EX4ht5hBmyB0NpydQW0x9XHDMNzPt/m91kHDHr4I2nDPA7EJGDoAPQ0bCZ6p3YXZyIwu6CKzKFmJ"
              "rrgWPfgG2Hw0JSYMO6mUb6KvgWUkQ2EQ== imported")
    imported = driver.create_key(unique("imp"), public)
    assert imported.public_key == public and imported.fingerprint
    assert {created.id, imported.id} <= {k.id for k in driver.keys({})}
    with pytest.raises(Conflict):
        driver.create_key(created.id, None)
    with pytest.raises(ValidationError) as raised:
        driver.create_key(unique("bad"), "ssh-rsa this-is-no-key")
    assert "key" in raised.value.message.lower()
    driver.destroy_key(created.id)
    assert driver.key(created.id) is None
    with pytest.raises(NotFound):
        driver.destroy_key(created.id)


# -- storage ------------------------------------------------------------------------------------
def test_volumes_attach_detach_and_snapshots(driver: EC2Driver, aws: str) -> None:
    [instance] = driver.create_instances(InstanceCreate(image_id=public_image(aws)))
    volume = driver.create_storage_volume(StorageVolumeCreate(capacity=3, realm_id=instance.realm_id,
                                                              name="data", description="scratch"))
    assert (volume.capacity, volume.name, volume.description, volume.state) == ("3", "data", "scratch", "AVAILABLE")
    assert volume.actions == ["attach", "destroy"]
    attached = driver.attach_storage_volume(volume.id, instance.id, "/dev/sdf")
    assert (attached.state, attached.instance_id, attached.device) == ("IN-USE", instance.id, "/dev/sdf")
    with pytest.raises(ValidationError):
        driver.attach_storage_volume(volume.id, "i-0000000000000dead", "/dev/sdg")
    detached = driver.detach_storage_volume(volume.id)
    assert (detached.state, detached.instance_id) == ("AVAILABLE", None)
    with pytest.raises(Conflict):
        driver.detach_storage_volume(volume.id)
    snapshot = driver.create_storage_snapshot(volume.id, "nightly", "before upgrade")
    assert (snapshot.name, snapshot.description, snapshot.storage_volume_id) == ("nightly", "before upgrade", volume.id)
    assert snapshot.id in {s.id for s in driver.storage_snapshots({})}
    restored = driver.create_storage_volume(StorageVolumeCreate(snapshot_id=snapshot.id, realm_id=instance.realm_id))
    assert restored.capacity == "3"
    driver.destroy_storage_snapshot(snapshot.id)
    assert driver.storage_snapshot(snapshot.id) is None
    driver.destroy_storage_volume(volume.id)
    assert driver.storage_volume(volume.id) is None
    with pytest.raises(NotFound):
        driver.attach_storage_volume(volume.id, instance.id, "/dev/sdf")


# -- buckets and blobs ------------------------------------------------------------------------
def test_buckets_and_blobs_with_location_and_metadata(driver: EC2Driver) -> None:
    name = unique("bucket")
    bucket = driver.create_bucket(name, "eu-west-1")
    assert bucket.location == "eu-west-1"
    assert name in {b.id for b in driver.buckets({})}
    blob = driver.create_blob(name, "notes/hello.txt", iter([b"hello ", b"world"]), "text/plain", {"author": "me"})
    assert (blob.content_length, blob.content_type, blob.user_metadata) == (11, "text/plain", {"author": "me"})
    assert b"".join(driver.blob_content(name, "notes/hello.txt")) == b"hello world"
    updated = driver.update_blob_metadata(name, "notes/hello.txt", {"version": "2"})
    assert updated.user_metadata == {"version": "2"} and updated.content_type == "text/plain"
    shown = driver.bucket(name)
    assert shown is not None and (shown.size, shown.blob_ids, shown.location) == (1, ["notes/hello.txt"], "eu-west-1")
    url = driver.blob_download_url(name, "notes/hello.txt")
    assert url is not None and "X-Amz-Signature" in url and SECRET not in url
    assert httpx.get(url, timeout=10).content == b"hello world"  # a presigned URL S3 itself honours
    with pytest.raises(Conflict):
        driver.destroy_bucket(name)  # not empty
    with pytest.raises(ValidationError, match="metadata"):
        driver.create_blob(name, "x", iter([b""]), "", {"bad name": "v"})
    driver.destroy_blob(name, "notes/hello.txt")
    assert driver.blob(name, "notes/hello.txt") is None
    with pytest.raises(NotFound):
        driver.destroy_blob(name, "notes/hello.txt")
    with pytest.raises(NotFound):
        list(driver.blob_content(name, "missing"))
    with pytest.raises(ValidationError, match="location"):
        driver.create_bucket(unique("b"), "moon-1")
    driver.destroy_bucket(name)
    assert driver.bucket(name) is None


def test_large_blobs_go_up_in_parts_and_a_broken_upload_leaves_nothing(
    driver: EC2Driver, counted: CallCounter, aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(blobs_module, "PART_SIZE", 5 * 1024 * 1024)  # S3's smallest part
    name = unique("large")
    driver.create_bucket(name, None)
    chunk = bytes(range(256)) * 4096  # 1 MiB
    blob = driver.create_blob(name, "big.bin", iter([chunk] * 12), "application/octet-stream", {})
    assert blob.content_length == 12 * len(chunk)
    assert counted.calls.count("UploadPart") == 3 and "PutObject" not in counted.calls
    assert b"".join(driver.blob_content(name, "big.bin")) == chunk * 12

    def broken() -> Iterator[bytes]:
        yield from [chunk] * 6
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        driver.create_blob(name, "cut.bin", broken(), "", {})
    s3 = direct("s3", aws)
    assert driver.blob(name, "cut.bin") is None
    assert not s3.list_multipart_uploads(Bucket=name).get("Uploads")


# -- addresses, firewalls, load balancers ------------------------------------------------------
def test_addresses_allocate_associate_and_release(driver: EC2Driver, aws: str) -> None:
    [instance] = driver.create_instances(InstanceCreate(image_id=public_image(aws)))
    address = driver.create_address()
    assert address.ip == address.id and address.instance_id is None
    assert driver.associate_address(address.id, instance.id).instance_id == instance.id
    with pytest.raises(Conflict):
        driver.associate_address(address.id, instance.id)
    with pytest.raises(Conflict):
        driver.destroy_address(address.id)
    assert driver.disassociate_address(address.id).instance_id is None
    with pytest.raises(Conflict):
        driver.disassociate_address(address.id)
    driver.destroy_address(address.id)
    assert driver.address(address.id) is None
    with pytest.raises(NotFound):
        driver.destroy_address(address.id)


def test_firewall_rules_round_trip_through_their_ids(driver: EC2Driver) -> None:
    firewall = driver.create_firewall(unique("web"), "web servers")
    peer = driver.create_firewall(unique("peer"), "peers")
    sources = [RuleSource(type="address", family="ipv4", address="10.1.2.0", prefix="24"),
               RuleSource(type="group", name=peer.id, owner=peer.owner_id)]
    updated = driver.create_firewall_rule(firewall.id, "tcp", "22", "22", sources)
    [rule] = updated.rules
    assert (rule.allow_protocol, rule.port_from, rule.port_to) == ("tcp", "22", "22")
    assert "/" not in rule.id and rule.id.startswith(f"{firewall.owner_id}~tcp~22~22~")
    protocol, port_from, port_to, parsed = parse_rule_id(rule.id)
    assert (protocol, port_from, port_to) == ("tcp", "22", "22")
    assert {(s.type, s.address or s.name) for s in parsed} == {("address", "10.1.2.0"), ("group", peer.id)}
    with pytest.raises(Conflict):
        driver.create_firewall_rule(firewall.id, "tcp", "22", "22", sources[:1])
    with pytest.raises(ValidationError, match="No sources"):
        driver.create_firewall_rule(firewall.id, "tcp", "80", "80", [])
    # refused before AWS is asked (moto stores them; AWS answers 400): found by fuzzing
    for port_from, port_to in (("70000", "70001"), ("-5", "22"), ("30", "20")):
        with pytest.raises(ValidationError, match="port_"):
            driver.create_firewall_rule(firewall.id, "tcp", port_from, port_to, sources[:1])
    assert len(driver.firewall(firewall.id).rules) == 1
    pingable = driver.create_firewall_rule(firewall.id, "icmp", "8", "-1", sources[:1])  # type 8, any code
    [ping] = [r for r in pingable.rules if r.allow_protocol == "icmp"]
    driver.destroy_firewall_rule(firewall.id, ping.id)
    assert len(driver.firewall(firewall.id).rules) == 1
    with pytest.raises(NotFound):
        driver.destroy_firewall_rule(firewall.id, "123~tcp~1~1~")
    driver.destroy_firewall_rule(firewall.id, rule.id)
    assert driver.firewall(firewall.id).rules == []
    with pytest.raises(Conflict):
        driver.create_firewall(firewall.name, "again")
    driver.destroy_firewall(firewall.id)
    assert driver.firewall(firewall.id) is None


def test_load_balancers_register_and_unregister(driver: EC2Driver, aws: str) -> None:
    [instance] = driver.create_instances(InstanceCreate(image_id=public_image(aws)))
    name = unique("lb")[:30]
    zone = driver.realms({})[0].id
    balancer = driver.create_load_balancer(name, zone, [Listener(protocol="http", load_balancer_port=80,
                                                                 instance_port=3010)])
    assert balancer.realm_ids == [zone] and balancer.public_addresses
    assert [(x.protocol, x.load_balancer_port, x.instance_port) for x in balancer.listeners] == [("HTTP", 80, 3010)]
    assert driver.register_instance(name, instance.id).instance_ids == [instance.id]
    assert driver.unregister_instance(name, instance.id).instance_ids == []
    with pytest.raises(Conflict):
        driver.create_load_balancer(name, zone, [Listener(protocol="HTTP", load_balancer_port=80, instance_port=1)])
    driver.destroy_load_balancer(name)
    assert driver.load_balancer(name) is None
    with pytest.raises(NotFound):
        driver.destroy_load_balancer(name)


def test_metrics_come_from_cloudwatch(driver: EC2Driver, aws: str) -> None:
    [instance] = driver.create_instances(InstanceCreate(image_id=public_image(aws), name="monitored"))
    now = time.time()
    direct("cloudwatch", aws).put_metric_data(Namespace="AWS/EC2", MetricData=[
        {"MetricName": "CPUUtilization", "Dimensions": [{"Name": "InstanceId", "Value": instance.id}],
         "Timestamp": now - 120, "Value": value, "Unit": "Percent"} for value in (10.0, 30.0)])
    listed = {m.id: m for m in driver.metrics({})}
    assert listed[instance.id].entity == "monitored"
    assert [p.samples for p in listed[instance.id].properties] == [None] * 9
    metric = driver.metric(instance.id)
    cpu = next(p for p in metric.properties if p.name == "cpuUtilization")
    assert cpu.samples and cpu.samples[0].unit == "Percent"
    assert (cpu.samples[0].minimum, cpu.samples[0].maximum, cpu.samples[0].average) == (10.0, 30.0, 20.0)
    assert driver.metric("i-0000000000000dead") is None


# -- errors -----------------------------------------------------------------------------------
def test_aws_error_codes_become_typed_errors(driver: EC2Driver) -> None:
    with pytest.raises(NotFound) as missing:
        driver.destroy_instance("i-0123456789abcdef0")  # InvalidInstanceID.NotFound
    assert missing.value.status == 404 and "i-0123456789abcdef0" in missing.value.message
    assert driver.instance("not-an-instance-id") is None  # malformed: nothing to show
    with pytest.raises(ValidationError) as invalid:
        driver.create_bucket("ab", None)  # botocore lets it through, S3 refuses (too short)
    assert invalid.value.status == 400 and "InvalidBucketName" in invalid.value.message


def test_the_pool_reuses_clients_per_credentials_and_region(aws: str, tmp_path: Path) -> None:
    one, two = make_driver(tmp_path), make_driver(tmp_path)
    assert one.aws.client("ec2") is two.aws.client("ec2")
    assert one.aws.client("ec2") is not one.aws.client("ec2", region="eu-west-1")
    other = make_driver(tmp_path, username="AKIDOTHER", password="other-secret")  # HTTP Basic's names
    assert other.aws.client("ec2") is not one.aws.client("ec2")


def test_endpoints_follow_the_sdk_variables_per_service(
    moto_endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")  # nothing listens there
    monkeypatch.setenv("AWS_ENDPOINT_URL_EC2", moto_endpoint)  # botocore: the service's own variable wins
    driver = make_driver(tmp_path)
    assert driver.realms({})
    with pytest.raises(BackendUnavailable):
        driver.buckets({})  # S3 still follows AWS_ENDPOINT_URL


def test_missing_aws_keys_are_an_authentication_failure(aws: str, tmp_path: Path) -> None:
    with pytest.raises(AuthenticationFailure):
        make_driver(tmp_path, session_token="only-a-token").realms({})


def test_rejected_credentials_denied_actions_and_an_assumed_role(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with iam_moto() as world:
        monkeypatch.setenv("AWS_ENDPOINT_URL", world.url)
        wrong = make_driver(tmp_path, access_key_id=world.user_key, secret_access_key="wrong-secret-value")
        with pytest.raises(AuthenticationFailure) as rejected:
            wrong.realms({})
        assert rejected.value.status == 401
        assert "wrong-secret-value" not in rejected.value.message and world.user_key not in rejected.value.message
        with pytest.raises(AuthenticationFailure):
            wrong.check_credentials()

        reader = make_driver(tmp_path, access_key_id=world.user_key, secret_access_key=world.user_secret)
        assert reader.realms({})
        with pytest.raises(Forbidden) as denied:
            reader.create_key(unique("k"), None)
        assert denied.value.status == 403 and "CreateKeyPair" in denied.value.message

        operator = make_driver(tmp_path, access_key_id=world.user_key, secret_access_key=world.user_secret,
                               role_arn=world.role_arn)
        key = operator.create_key(unique("k"), None)  # allowed through the role only
        assert operator.key(key.id) is not None


def test_an_unreachable_endpoint_is_a_quick_502(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")  # nothing listens there
    started = time.monotonic()
    with pytest.raises(BackendUnavailable) as raised:
        make_driver(tmp_path).instances({})
    assert raised.value.status == 502 and time.monotonic() - started < 3


def test_a_hanging_endpoint_is_a_504_within_the_backend_timeout(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DELTACLOUD_BACKEND_TIMEOUT", "1")
    with silent_endpoint() as url:
        monkeypatch.setenv("AWS_ENDPOINT_URL", url)
        started = time.monotonic()
        with pytest.raises(BackendTimeout) as raised:
            make_driver(tmp_path).realms({})
        assert raised.value.status == 504 and time.monotonic() - started < 4


def test_throttling_is_retried_with_backoff_then_a_503(
    moto_endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with throttling_proxy(moto_endpoint, throttle=2) as (url, proxy):
        monkeypatch.setenv("AWS_ENDPOINT_URL", url)
        assert make_driver(tmp_path).realms({})  # two throttled answers, then moto's
        assert proxy.seen == 3
    with throttling_proxy(moto_endpoint, throttle=100) as (url, proxy):
        monkeypatch.setenv("AWS_ENDPOINT_URL", url)
        started = time.monotonic()
        with pytest.raises(BackendThrottled) as raised:
            make_driver(tmp_path).realms({})
        assert raised.value.status == 503
        assert proxy.seen == clients_module.MAX_ATTEMPTS and time.monotonic() - started < 5


def test_no_error_message_carries_a_secret(aws: str, tmp_path: Path) -> None:
    driver = make_driver(tmp_path, access_key_id=KEY, secret_access_key=SECRET, session_token="token-value-1234")
    failures: list[DeltacloudError] = []
    for attempt in (lambda: driver.destroy_instance("i-0123456789abcdef0"),
                    lambda: driver.create_bucket("ab", None),
                    lambda: driver.create_instances(InstanceCreate(image_id="ami-12345678", firewall_ids=["sg-1"]))):
        with pytest.raises(DeltacloudError) as raised:
            attempt()
        failures.append(raised.value)
    for failure in failures:
        assert SECRET not in failure.message and "token-value-1234" not in failure.message
