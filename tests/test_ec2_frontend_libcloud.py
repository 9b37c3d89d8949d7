"""apache-libcloud's EC2 driver (SigV4, GET with query strings) against the EC2 front-end, mock cloud."""

import uuid
from urllib.parse import urlsplit

import pytest
from libcloud.common.types import InvalidCredsError
from libcloud.compute.base import NodeSize
from libcloud.compute.drivers.ec2 import EC2NodeDriver
from libcloud.compute.types import KeyPairDoesNotExistError, NodeState


def connect(server, secret: str = "mockpassword", signature_version: str = "4") -> EC2NodeDriver:
    parts = urlsplit(server.url)
    driver = EC2NodeDriver("mockuser", secret, region="us-east-1", host=parts.hostname, port=parts.port,
                           secure=False, signature_version=signature_version)
    driver.connection.request_path = "/ec2"  # libcloud's EC2 endpoint is "/" otherwise
    return driver


@pytest.fixture(scope="module")
def driver(server) -> EC2NodeDriver:
    return connect(server)


def test_list_nodes_names_states_and_elastic_ips(driver) -> None:
    # list_nodes() also calls DescribeAddresses to attach elastic IPs: it fails as a whole if that fails.
    nodes = {n.id: n for n in driver.list_nodes()}
    assert {"inst0", "inst1", "inst2", "inst3"} <= set(nodes)
    assert nodes["inst1"].name == "MockUserInstance"
    assert nodes["inst1"].state == NodeState.RUNNING
    assert nodes["inst3"].name == "inst3"  # no name: libcloud falls back to the id


def test_locations_images_and_key_pairs(driver) -> None:
    # libcloud filters zones by its own region and state=available: both must match.
    locations = driver.list_locations()
    assert sorted(location.availability_zone.name for location in locations) == ["eu", "us"]
    assert {location.availability_zone.region_name for location in locations} == {"us-east-1"}

    (image,) = driver.list_images(ex_image_ids=["img3"])
    assert (image.id, image.extra["architecture"], image.extra["state"]) == ("img3", "i386", "available")

    name = f"lc-{uuid.uuid4().hex[:6]}"
    created = driver.create_key_pair(name)
    assert created.name == name and "PRIVATE KEY" in created.private_key
    assert driver.get_key_pair(name).fingerprint == created.fingerprint
    assert driver.delete_key_pair(created) is True  # needs <return>true</return>
    with pytest.raises(KeyPairDoesNotExistError) as caught:
        driver.get_key_pair(name)
    assert caught.value.name == name  # parsed from "The key pair '<name>' does not exist"


def test_node_life_cycle(driver) -> None:
    image = driver.list_images(ex_image_ids=["img1"])[0]
    size = NodeSize(id="m1-small", name="m1-small", ram=1740, disk=160, bandwidth=None, price=None, driver=driver)
    us = next(loc for loc in driver.list_locations() if loc.availability_zone.name == "us")
    node = driver.create_node(name="lc-node", image=image, size=size, location=us)
    assert node.name == "lc-node"  # sent as the Name tag of a TagSpecification
    assert node.extra["instance_type"] == "m1-small"

    listed = {n.id: n for n in driver.list_nodes()}
    assert listed[node.id].name == "lc-node" and listed[node.id].state == NodeState.RUNNING

    assert driver.reboot_node(node) is True
    assert driver.ex_stop_node(node) is True  # True only if the reply says "stopping"
    assert {n.id: n for n in driver.list_nodes()}[node.id].state == NodeState.STOPPED
    assert driver.ex_start_node(node) is True  # True only for "pending"
    assert driver.destroy_node(node) is True  # reads the first state name: currentState must come first
    assert {n.id: n for n in driver.list_nodes()}[node.id].state == NodeState.TERMINATED


def test_volumes_tags_and_security_groups(driver) -> None:
    node = next(n for n in driver.list_nodes() if n.id == "inst2")
    us = next(loc for loc in driver.list_locations() if loc.availability_zone.name == "us")
    volume = driver.create_volume(size=4, name="lc-volume", location=us)
    assert volume.size == 4 and volume.name == "lc-volume"
    assert driver.attach_volume(node, volume, device="/dev/sdg") is True
    attached = {v.id: v for v in driver.list_volumes()}[volume.id]
    assert attached.extra["instance_id"] == "inst2"
    assert driver.detach_volume(volume) is True
    assert driver.destroy_volume(volume) is True

    assert driver.ex_create_tags(node, {"stage": "test"}) is True
    assert driver.ex_describe_tags(node)["stage"] == "test"

    group = f"lc-sg-{uuid.uuid4().hex[:6]}"
    driver.ex_create_security_group(group, "libcloud group")
    assert driver.ex_authorize_security_group_ingress(group, 443, 443, ["0.0.0.0/0"]) is True
    (found,) = driver.ex_get_security_groups(group_names=[group])
    assert found.name == group
    assert [(r["protocol"], r["from_port"], r["to_port"], r["cidr_ips"]) for r in found.ingress_rules] == [
        ("tcp", "443", "443", ["0.0.0.0/0"])]
    assert driver.ex_delete_security_group(group) is True


def test_wrong_secret_is_an_invalid_credentials_error(server) -> None:
    with pytest.raises(InvalidCredsError):
        connect(server, secret="wrong").list_nodes()


def test_libclouds_sigv2_default_is_refused_with_a_hint(server) -> None:
    with pytest.raises(Exception) as caught:  # libcloud raises its generic error with "<Code>: <Message>"
        connect(server, signature_version="2").list_nodes()
    assert "IncompleteSignature" in str(caught.value)
    assert "signature_version='4'" in str(caught.value)


def test_create_image_as_libcloud_sends_it(driver) -> None:
    """libcloud's create_image always sends NoReboot: it must be a parameter the front-end knows."""
    node = next(n for n in driver.list_nodes() if n.id == "inst1")
    name = f"lc-image-{uuid.uuid4().hex[:6]}"
    image = driver.create_image(node, name, description="made by libcloud")
    assert image.id and driver.list_images(ex_image_ids=[image.id])[0].name == name
    assert driver.delete_image(image) is True
