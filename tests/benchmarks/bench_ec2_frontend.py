"""EC2 front-end speed, measured against moto (a peer EC2 API server) in the same run.

1. boto3 -> this front-end with the mock cloud, versus boto3 -> moto with the same number of instances:
   ratio of median DescribeInstances times (target <= 0.5).
2. boto3 -> this front-end -> AWS driver -> moto, versus boto3 -> moto directly (target <= 1.4).
3. SigV4 verification (with the credential-store lookup) per request, as a share of the request's time.
4. The check of the parameter names (UnknownParameter) on a DescribeInstances with 20 parameters, as a share
   of that request's time through the front-end.

Every server is its own process on a free port (moto_server, `deltacloud serve`); calls to the two
sides of a comparison alternate, so background load hits both alike.

Run: python tests/benchmarks/bench_ec2_frontend.py [rounds] [instances]   (not collected by pytest)
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: the servers' start-up helpers

from aws_support import moto_server  # noqa: E402
from conftest import start_server, stop_server  # noqa: E402
from deltacloud.credentials import LocalCredentialStore  # noqa: E402
from deltacloud.sigv4 import verify  # noqa: E402
from ec2_api.actions import find_action  # noqa: E402
from test_sigv4 import on_the_wire  # noqa: E402
from timing import alternate, time_calls  # noqa: E402

REGION = "us-west-2"
AWS_KEY, AWS_SECRET = "AKIDBENCHMARK", "benchmark-secret"


def client(endpoint: str, key: str, secret: str):  # noqa: ANN201 - a boto3 client
    return boto3.client("ec2", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=key,
                        aws_secret_access_key=secret, config=Config(retries={"max_attempts": 1}))


def count_instances(ec2) -> int:  # noqa: ANN001
    return sum(len(r["Instances"]) for r in ec2.describe_instances()["Reservations"])


def alternate_medians(calls: dict[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    """Median seconds per call of each, measured in alternation after a warm-up."""
    return {name: statistics.median(values) for name, values in alternate(calls, rounds, warm_up=3).items()}


def signature_cost(endpoint: str, data_dir: Path, iterations: int = 2000) -> float:
    """Median seconds of one verification of a boto3-signed DescribeInstances, secret lookup included."""
    request = AWSRequest(method="POST", url=endpoint, data="Action=DescribeInstances&Version=2016-11-15",
                         headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(Credentials("mockuser", "mockpassword"), "ec2", REGION).add_auth(request)
    prepared = request.prepare()
    signed = on_the_wire(prepared.method, prepared.url, prepared.headers, prepared.body)
    store = LocalCredentialStore(data_dir / "credentials.json")  # what the server looks secrets up in

    def lookup(key: str) -> str | None:
        found = store.signing_secret(key)
        return found[1] if found else None

    now = datetime.now(UTC)
    return statistics.median(time_calls(partial(verify, signed, lookup, now=now), iterations))


#: 5 filters of a name and 3 values: 20 parameters besides Action and Version
TWENTY_PARAMETER_FILTERS = [
    {"Name": "instance-state-name", "Values": ["pending", "running", "stopped"]},
    {"Name": "instance-type", "Values": ["m1-small", "m1-large", "m1-xlarge"]},
    {"Name": "availability-zone", "Values": ["us", "eu", "*"]},
    {"Name": "image-id", "Values": ["img1", "img2", "img3"]},
    {"Name": "tag-key", "Values": ["*", "Name", "team"]},
]


def parameter_check_cost(iterations: int = 20000) -> float:
    """Median seconds of checking the 20 names of that DescribeInstances against its declaration."""
    names = [f"Filter.{i}.{field}" for i, f in enumerate(TWENTY_PARAMETER_FILTERS, start=1)
             for field in ("Name", *(f"Value.{j}" for j in range(1, len(f["Values"]) + 1)))]
    assert len(names) == 20
    accepts = find_action("DescribeInstances").accepts
    assert accepts.first_unknown(names) is None
    return statistics.median(time_calls(partial(accepts.first_unknown, names), iterations))


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    instances = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    with tempfile.TemporaryDirectory() as mock_dir, tempfile.TemporaryDirectory() as aws_dir, \
            moto_server() as moto_process:
        LocalCredentialStore(Path(aws_dir) / "credentials.json").register(
            "mockuser", None, "ec2", None, {"access_key_id": AWS_KEY, "secret_access_key": AWS_SECRET})
        on_mock = start_server(Path(mock_dir), {"API_DRIVER": "mock"})
        on_aws = start_server(Path(aws_dir), {"API_DRIVER": "ec2", "AWS_ENDPOINT_URL": moto_process.url})
        try:
            moto = client(moto_process.url, AWS_KEY, AWS_SECRET)
            mock_front = client(f"{on_mock.url}/ec2", "mockuser", "mockpassword")
            aws_front = client(f"{on_aws.url}/ec2", "mockuser", "mockpassword")

            # the same number of instances on every side
            missing = instances - count_instances(mock_front)
            while missing > 0:
                batch = min(missing, 20)
                mock_front.run_instances(ImageId="img1", MinCount=batch, MaxCount=batch)
                missing -= batch
            ami = moto.describe_images(Owners=["amazon"], Filters=[
                {"Name": "architecture", "Values": ["x86_64"]}])["Images"][0]["ImageId"]
            moto.run_instances(ImageId=ami, MinCount=instances, MaxCount=instances, InstanceType="t3.micro")
            counts = {"mock front-end": count_instances(mock_front), "moto": count_instances(moto),
                      "front-end on moto": count_instances(aws_front)}
            assert len(set(counts.values())) == 1, counts

            print(f"DescribeInstances, {instances} instances, median of {rounds} alternating calls each")
            first = alternate_medians({"front-end + mock": mock_front.describe_instances,
                                       "moto": moto.describe_instances}, rounds)
            second = alternate_medians({"front-end + AWS driver + moto": aws_front.describe_instances,
                                        "moto": moto.describe_instances}, rounds)
            for label, timing in (*first.items(), *second.items()):
                print(f"  {label:32s} {timing * 1000:8.2f} ms")
            ratio_mock = first["front-end + mock"] / first["moto"]
            ratio_aws = second["front-end + AWS driver + moto"] / second["moto"]
            print(f"ratio front-end+mock / moto:             {ratio_mock:.2f}  (target <= 0.5)")
            print(f"ratio front-end+AWS driver+moto / moto:  {ratio_aws:.2f}  (target <= 1.4)")

            verification = signature_cost(f"{on_mock.url}/ec2", Path(mock_dir))
            small = alternate_medians({"DescribeRegions": mock_front.describe_regions}, rounds)["DescribeRegions"]
            print(f"SigV4 verification (credential lookup included): {verification * 1e6:.0f} us per request = "
                  f"{verification / first['front-end + mock']:.1%} of a DescribeInstances, "
                  f"{verification / small:.1%} of a DescribeRegions ({small * 1000:.2f} ms) through the front-end")

            check = parameter_check_cost()
            filtered = alternate_medians({"filtered": lambda: mock_front.describe_instances(
                Filters=TWENTY_PARAMETER_FILTERS)}, rounds)["filtered"]
            print(f"Parameter-name check, DescribeInstances with 20 parameters: {check * 1e6:.1f} us = "
                  f"{check / filtered:.2%} of that request ({filtered * 1000:.2f} ms) through the front-end")
        finally:
            stop_server(on_mock)
            stop_server(on_aws)


if __name__ == "__main__":
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
    main()
