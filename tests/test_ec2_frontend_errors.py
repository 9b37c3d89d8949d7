"""Bad input to the EC2 front-end: a clear EC2 error with a 4xx status, never a 500 or a trace.

Requests are signed with botocore's own signer but built by hand, because boto3 validates parameters
client-side and would never send most of these.
"""

from urllib.parse import urlencode

import boto3
import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from defusedxml import ElementTree

FORM_TYPE = "application/x-www-form-urlencoded; charset=utf-8"


def call(server, params: dict[str, str] | None = None, *, body: bytes | None = None,
         content_type: str = FORM_TYPE) -> httpx.Response:
    """POST a signed form (or raw body) to /ec2."""
    data = body if body is not None else urlencode({"Version": "2016-11-15", **(params or {})}).encode()
    request = AWSRequest(method="POST", url=f"{server.url}/ec2", data=data, headers={"Content-Type": content_type})
    SigV4Auth(Credentials("mockuser", "mockpassword"), "ec2", "us-east-1").add_auth(request)
    prepared = request.prepare()
    return httpx.post(prepared.url, headers=dict(prepared.headers), content=data, timeout=30)


def error_of(response: httpx.Response) -> tuple[int, str, str]:
    root = ElementTree.fromstring(response.content)
    error = root.find("Errors/Error")
    assert error is not None, response.text
    assert [child.tag for child in error] == ["Code", "Message"]
    assert "Traceback" not in response.text and 'File "' not in response.text
    return response.status_code, error.findtext("Code") or "", error.findtext("Message") or ""


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, "MissingAction"),
        ({"Action": "Frobnicate"}, "InvalidAction"),
        ({"Action": "RunInstances", "MinCount": "1", "MaxCount": "1"}, "MissingParameter"),
        ({"Action": "RunInstances", "ImageId": "img1", "MinCount": "0", "MaxCount": "1"}, "InvalidParameterValue"),
        ({"Action": "RunInstances", "ImageId": "img1", "MinCount": "2", "MaxCount": "1"}, "InvalidParameterValue"),
        ({"Action": "RunInstances", "ImageId": "img1", "MinCount": "one", "MaxCount": "1"}, "InvalidParameterValue"),
        ({"Action": "RunInstances", "ImageId": "img1", "UserData": "not base64!"}, "InvalidParameterValue"),
        ({"Action": "RunInstances", "ImageId": "img1", "InstanceType": "t9.huge"}, "InvalidParameterValue"),
        ({"Action": "RunInstances", "ImageId": "img1", "Placement.AvailabilityZone": "mars"},
         "InvalidParameterValue"),
        ({"Action": "RunInstances", "ImageId": "img1", "ClientToken": "x" * 65}, "InvalidParameterValue"),
        ({"Action": "RunInstances", "ImageId": "img1", "TagSpecification.1.ResourceType": "instance",
          "TagSpecification.1.Tag.1.Key": "aws:reserved", "TagSpecification.1.Tag.1.Value": "x"},
         "InvalidParameterValue"),
        ({"Action": "RunInstances", "ImageId": "ami-missing"}, "InvalidAMIID.NotFound"),
        ({"Action": "DescribeInstances", "MaxResults": "abc"}, "InvalidParameterValue"),
        ({"Action": "DescribeInstances", "MaxResults": "2"}, "InvalidParameterValue"),
        ({"Action": "DescribeInstances", "MaxResults": "5", "InstanceId.1": "inst0"}, "InvalidParameterCombination"),
        ({"Action": "DescribeInstances", "Filter.1.Name": "instance-state-name"}, "InvalidParameterValue"),
        ({"Action": "DescribeInstances", "Filter.1.Value.1": "running"}, "MissingParameter"),
        ({"Action": "DescribeInstanceStatus", "IncludeAllInstances": "perhaps"}, "InvalidParameterValue"),
        ({"Action": "StopInstances"}, "MissingParameter"),
        ({"Action": "CreateKeyPair"}, "MissingParameter"),
        ({"Action": "ImportKeyPair", "KeyName": "k", "PublicKeyMaterial": "bm90IGEga2V5"}, "InvalidKey.Format"),
        ({"Action": "CreateTags", "ResourceId.1": "inst0"}, "MissingParameter"),
        ({"Action": "CreateVolume", "AvailabilityZone": "us"}, "MissingParameter"),
        ({"Action": "CreateVolume", "AvailabilityZone": "us", "Size": "99999"}, "InvalidParameterValue"),
        ({"Action": "AttachVolume", "VolumeId": "vol1", "InstanceId": "inst0"}, "MissingParameter"),
        ({"Action": "AuthorizeSecurityGroupIngress", "GroupName": "nope", "IpPermissions.1.IpProtocol": "tcp"},
         "InvalidGroup.NotFound"),
        ({"Action": "CreateSecurityGroup", "GroupName": "g"}, "MissingParameter"),
        ({"Action": "AllocateAddress", "Domain": "moon"}, "InvalidParameterValue"),
    ],
)
def test_bad_parameters_get_a_client_error(server, params, code) -> None:
    status, got, message = error_of(call(server, params))
    assert (status, got) == (400, code), message
    assert message


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"Action": "DescribeInstances", "InstanceId.1": "i-0000"}, "InvalidInstanceID.NotFound"),
        ({"Action": "TerminateInstances", "InstanceId.1": "i-0000"}, "InvalidInstanceID.NotFound"),
        ({"Action": "DescribeImages", "ImageId.1": "ami-0000"}, "InvalidAMIID.NotFound"),
        ({"Action": "DeregisterImage", "ImageId": "ami-0000"}, "InvalidAMIID.NotFound"),
        ({"Action": "CreateImage", "InstanceId": "i-0000", "Name": "image-x"}, "InvalidInstanceID.NotFound"),
        ({"Action": "DescribeKeyPairs", "KeyName.1": "nokey"}, "InvalidKeyPair.NotFound"),
        ({"Action": "DescribeVolumes", "VolumeId.1": "vol-0000"}, "InvalidVolume.NotFound"),
        ({"Action": "DeleteVolume", "VolumeId": "vol-0000"}, "InvalidVolume.NotFound"),
        ({"Action": "AttachVolume", "VolumeId": "vol1", "InstanceId": "i-0000", "Device": "/dev/sdh"},
         "InvalidInstanceID.NotFound"),
        ({"Action": "DescribeSnapshots", "SnapshotId.1": "snap-0000"}, "InvalidSnapshot.NotFound"),
        ({"Action": "CreateSnapshot", "VolumeId": "vol-0000"}, "InvalidVolume.NotFound"),
        ({"Action": "DescribeSecurityGroups", "GroupId.1": "sg-0000"}, "InvalidGroup.NotFound"),
        ({"Action": "DeleteSecurityGroup", "GroupName": "nogroup"}, "InvalidGroup.NotFound"),
        ({"Action": "DescribeAddresses", "AllocationId.1": "eipalloc-0000"}, "InvalidAllocationID.NotFound"),
        ({"Action": "ReleaseAddress", "PublicIp": "203.0.113.99"}, "InvalidAddress.NotFound"),
        ({"Action": "DisassociateAddress", "AssociationId": "eipassoc-0000"}, "InvalidAssociationID.NotFound"),
        ({"Action": "DeleteTags", "ResourceId.1": "zzz-0000"}, "InvalidID"),
    ],
)
def test_unknown_ids_are_not_found(server, params, code) -> None:
    status, got, message = error_of(call(server, params))
    assert (status, got) == (400, code), message


def test_malformed_bodies_are_client_errors(server) -> None:
    status, code, _ = error_of(call(server, body=b"Action=DescribeRegions&Version=2016-11-15&x=%ff%fe"))
    assert (status, code) == (400, "MalformedQueryString")
    status, code, _ = error_of(call(server, body=b'{"Action": "DescribeRegions"}', content_type="application/json"))
    assert (status, code) == (400, "InvalidParameterValue")


def test_oversized_bodies_are_refused_before_anything_else(server) -> None:
    big = b"Action=DescribeRegions&Version=2016-11-15&Padding=" + b"a" * (300 * 1024)
    response = httpx.post(f"{server.url}/ec2", content=big, headers={"Content-Type": FORM_TYPE}, timeout=30)
    status, code, message = error_of(response)
    assert (status, code) == (413, "RequestEntityTooLarge") and "262144" in message

    def chunks():  # no Content-Length: the limit is enforced while reading
        for _ in range(40):
            yield b"a" * 10240

    response = httpx.post(f"{server.url}/ec2", content=chunks(), headers={"Content-Type": FORM_TYPE}, timeout=30)
    assert error_of(response)[:2] == (413, "RequestEntityTooLarge")


def test_wrong_method_and_path_answer_in_ec2_format(server) -> None:
    response = httpx.put(f"{server.url}/ec2", content=b"", timeout=30)
    assert error_of(response)[0] == 405
    assert "GET" in response.headers["allow"] and "POST" in response.headers["allow"]
    response = httpx.get(f"{server.url}/ec2/somewhere/else", timeout=30)
    assert error_of(response)[:2] == (404, "InvalidAction")


def test_a_failing_back_end_is_a_5xx_in_ec2_format(server) -> None:
    # The mock's realms "502" and "504" fail like a broken or slow cloud would.
    status, code, message = error_of(call(server, {"Action": "RunInstances", "ImageId": "img1",
                                                   "Placement.AvailabilityZone": "502"}))
    assert (status, code) == (502, "Unavailable") and "ProviderErrorMessage" in message
    status, code, _ = error_of(call(server, {"Action": "RunInstances", "ImageId": "img1",
                                             "Placement.AvailabilityZone": "504"}))
    assert (status, code) == (504, "Unavailable")


def test_boto3_gets_the_code_of_a_server_side_validation_error(server) -> None:
    client = boto3.client("ec2", endpoint_url=f"{server.url}/ec2", region_name="us-east-1",
                          aws_access_key_id="mockuser", aws_secret_access_key="mockpassword",
                          config=Config(retries={"max_attempts": 1}))
    with pytest.raises(ClientError) as caught:
        client.run_instances(ImageId="img1", MinCount=3, MaxCount=1)  # boto3 does not check the relation
    assert caught.value.response["Error"]["Code"] == "InvalidParameterValue"
    assert caught.value.response["ResponseMetadata"]["RequestId"]
