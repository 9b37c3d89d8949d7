"""Median cost of deltacloud.sigv4.verify() on a boto3-signed DescribeInstances request.

Run: python tests/benchmarks/bench_sigv4.py [iterations]   (not collected by pytest)
"""

from __future__ import annotations

import statistics
import sys
import time
from urllib.parse import urlsplit

import boto3
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from deltacloud.sigv4 import SignedRequest, _signing_key, verify

ACCESS_KEY = "AKIDEXAMPLETENANT1"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYzEXAMPLEKEY"
ENDPOINT = "https://abc.execute-api.us-east-1.amazonaws.com/prod/ec2"


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
        endpoint_url=ENDPOINT,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET,
    )
    client.meta.events.register("before-send.ec2.DescribeInstances", capture)
    client.describe_instances(InstanceIds=["i-0123456789abcdef0"])
    prepared = sent[0]
    url = urlsplit(prepared.url)
    headers = {
        name: value.decode() if isinstance(value, bytes) else value
        for name, value in prepared.headers.items()
    }
    headers["Host"] = url.netloc  # added by urllib3 on the wire, signed by botocore
    body = prepared.body.encode() if isinstance(prepared.body, str) else prepared.body or b""
    return SignedRequest(prepared.method, url.path, url.query, headers, body)


def measure(request: SignedRequest, iterations: int, *, warm_key: bool) -> list[float]:
    timings = []
    for _ in range(iterations):
        if not warm_key:
            _signing_key.cache_clear()
        start = time.perf_counter_ns()
        verify(request, {ACCESS_KEY: SECRET}.get)
        timings.append((time.perf_counter_ns() - start) / 1000)
    return timings


def main() -> None:
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    request = boto3_describe_instances()
    measure(request, 200, warm_key=True)  # warm up
    for label, warm in (("cached signing key", True), ("signing key derived every call", False)):
        timings = measure(request, iterations, warm_key=warm)
        p99 = statistics.quantiles(timings, n=100)[98]
        median = statistics.median(timings)
        print(f"verify(), {label}: median {median:.1f} us, p99 {p99:.1f} us ({iterations} runs)")


if __name__ == "__main__":
    main()
