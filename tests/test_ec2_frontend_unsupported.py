"""Actions the chosen back-end cannot do are refused from its capability object, before any backend call.

The back-end is the libvirt driver on a real libvirt (``test:///default``): it lists, starts and stops
domains but has no images, keys, volumes, addresses or firewalls. The driver is chosen per request with
the ``X-Deltacloud-Driver`` / ``X-Deltacloud-Provider`` headers, which boto3 adds with an event hook.
"""

from collections.abc import Iterator

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from conftest import LocalServer, free_port, start_server, stop_server
from deltacloud.credentials import LocalCredentialStore


@pytest.fixture(scope="module")
def libvirt_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    data_dir = tmp_path_factory.mktemp("ec2-libvirt")
    store = LocalCredentialStore(data_dir / "credentials.json")
    store.register("mockuser", None, "libvirt", None, {"username": "mockuser", "password": "mockpassword"})
    running = start_server(data_dir)
    yield running
    stop_server(running)


def client(server: LocalServer, provider: str):
    ec2 = boto3.client("ec2", endpoint_url=f"{server.url}/ec2", region_name="us-east-1",
                       aws_access_key_id="mockuser", aws_secret_access_key="mockpassword",
                       config=Config(retries={"max_attempts": 1}))

    def choose_backend(request, **_) -> None:
        request.headers["X-Deltacloud-Driver"] = "libvirt"
        request.headers["X-Deltacloud-Provider"] = provider

    ec2.meta.events.register_first("before-sign.ec2.*", choose_backend)
    return ec2


def code(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    return excinfo.value.response["Error"]["Code"]


def test_what_libvirt_can_do_works(libvirt_server) -> None:
    ec2 = client(libvirt_server, "test:///default")
    instances = [i for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]]
    assert [t["Value"] for i in instances for t in i.get("Tags", []) if t["Key"] == "Name"] == ["test"]
    assert instances[0]["State"]["Name"] == "running"
    assert len(ec2.describe_availability_zones()["AvailabilityZones"]) == 1
    # no Elastic IPs at this back-end: an empty list (libcloud's list_nodes needs the call to succeed)
    assert ec2.describe_addresses()["Addresses"] == []


@pytest.mark.parametrize(
    ("operation", "kwargs"),
    [
        ("run_instances", {"ImageId": "img1", "MinCount": 1, "MaxCount": 1}),
        ("describe_images", {}),
        ("create_image", {"InstanceId": "x", "Name": "golden"}),
        ("describe_key_pairs", {}),
        ("create_key_pair", {"KeyName": "k"}),
        ("describe_volumes", {}),
        ("create_volume", {"AvailabilityZone": "z", "Size": 1}),
        ("describe_snapshots", {}),
        ("allocate_address", {}),
        ("describe_security_groups", {}),
        ("create_security_group", {"GroupName": "g", "Description": "d"}),
        ("describe_instance_types", {}),
    ],
)
def test_unsupported_actions_are_refused(libvirt_server, operation, kwargs) -> None:
    with pytest.raises(ClientError) as caught:
        getattr(client(libvirt_server, "test:///default"), operation)(**kwargs)
    assert code(caught) == "UnsupportedOperation"
    assert "'libvirt'" in caught.value.response["Error"]["Message"]


def test_refused_before_any_backend_call(libvirt_server) -> None:
    # A hypervisor nobody listens on: anything that reaches it fails with Unavailable ...
    unreachable = client(libvirt_server, f"qemu+tcp://127.0.0.1:{free_port()}/system")
    with pytest.raises(ClientError) as caught:
        unreachable.describe_instances()
    assert code(caught) == "Unavailable"
    # ... while an unsupported action is refused from the capabilities alone.
    with pytest.raises(ClientError) as caught:
        unreachable.run_instances(ImageId="img1", MinCount=1, MaxCount=1)
    assert code(caught) == "UnsupportedOperation"
