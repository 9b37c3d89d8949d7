"""Median cost of deltacloud.sigv4.verify() on a boto3-signed DescribeInstances request.

Run: python tests/benchmarks/bench_sigv4.py [iterations]   (not collected by pytest)
"""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

import boto3
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from deltacloud.sigv4 import SignedRequest, _signing_key, verify

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: the SigV4 tests' request and key
from test_sigv4 import ACCESS_KEY, SECRET, STAGE_URL, lookup, on_the_wire  # noqa: E402
from timing import Summary, time_calls  # noqa: E402


class _EmptyAnswer:
    """Just enough of urllib3's response for botocore to parse an empty DescribeInstances answer."""

    def stream(self, **_: object) -> object:
        yield b"<DescribeInstancesResponse><reservationSet/></DescribeInstancesResponse>"


def boto3_describe_instances() -> SignedRequest:
    """Let boto3 sign a real DescribeInstances call and capture it instead of sending it."""
    sent: list[AWSPreparedRequest] = []

    def capture(request: AWSPreparedRequest, **_: object) -> AWSResponse:
        sent.append(request)
        return AWSResponse(request.url, 200, {}, _EmptyAnswer())

    client = boto3.client(
        "ec2",
        region_name="us-east-1",
        endpoint_url=STAGE_URL,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET,
    )
    client.meta.events.register("before-send.ec2.DescribeInstances", capture)
    client.describe_instances(InstanceIds=["i-0123456789abcdef0"])
    prepared = sent[0]
    return on_the_wire(prepared.method, prepared.url, prepared.headers, prepared.body)


def measure(request: SignedRequest, iterations: int, *, warm_key: bool) -> list[float]:
    """Microseconds of each verification."""
    cold = None if warm_key else _signing_key.cache_clear
    return [t * 1e6 for t in time_calls(partial(verify, request, lookup), iterations, before_each=cold)]


def main() -> None:
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    request = boto3_describe_instances()
    measure(request, 200, warm_key=True)  # warm up
    for label, warm in (("cached signing key", True), ("signing key derived every call", False)):
        summary = Summary.of(measure(request, iterations, warm_key=warm))
        print(f"verify(), {label}: median {summary.median:.1f} us, p99 {summary.p99:.1f} us ({iterations} runs)")


if __name__ == "__main__":
    main()
