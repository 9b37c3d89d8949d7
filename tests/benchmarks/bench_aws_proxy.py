"""Benchmark: the proxy's overhead on AWS. GET /api/instances?format=json through the local server
with the ec2 driver against moto, versus the same DescribeInstances made with boto3 straight to
moto, in the same run, with 10 instances. Target: ratio of medians <= 1.3.

Also counts the AWS calls each classic request makes (target: one per list), from moto's own
request log.

Run: .venv/bin/python tests/benchmarks/bench_aws_proxy.py [requests]
"""

import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from conftest import free_port, start_server, stop_server, wait_until_up  # noqa: E402
from timing import Summary, time_calls  # noqa: E402

REGION = "us-east-1"
KEY, SECRET = "AKIDBENCHMARK", "benchmark-secret"
INSTANCES = 10
ROUNDS = 5


class MotoServer:
    """moto in its own process; its request log (one line per request on stderr) is counted."""

    def __init__(self) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        moto = str(Path(sys.executable).with_name("moto_server"))
        self.process = subprocess.Popen([moto, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, text=True)
        self.requests = 0
        self._lock = threading.Lock()
        threading.Thread(target=self._read_log, daemon=True).start()
        wait_until_up(f"{self.url}/moto-api/", process=self.process)

    def _read_log(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            if '"POST / HTTP' in line:  # EC2 Query API calls; the readiness probe is a GET
                with self._lock:
                    self.requests += 1

    def calls_during(self, action: Callable[[], object], repeat: int) -> float:
        """Average number of AWS requests one ``action`` makes."""
        time.sleep(0.2)  # let the log reader catch up with earlier requests
        with self._lock:
            before = self.requests
        for _ in range(repeat):
            action()
        time.sleep(0.5)
        with self._lock:
            return (self.requests - before) / repeat

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def report(name: str, timings: list[float]) -> float:
    summary = Summary.of(timings)
    print(f"{name:48s} median {summary.median * 1000:7.2f} ms   p99 {summary.p99 * 1000:7.2f} ms")
    return summary.median


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    moto = MotoServer()
    direct = boto3.client("ec2", region_name=REGION, endpoint_url=moto.url, aws_access_key_id=KEY,
                          aws_secret_access_key=SECRET)
    image = direct.describe_images(Owners=["amazon"], Filters=[{"Name": "architecture", "Values": ["x86_64"]}])[
        "Images"][0]["ImageId"]
    direct.run_instances(ImageId=image, MinCount=INSTANCES, MaxCount=INSTANCES, InstanceType="t3.micro")

    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp) / "data", {"AWS_ENDPOINT_URL": moto.url,
                                                   "DELTACLOUD_CREDENTIALS": "passthrough"})
        headers = {"X-Deltacloud-Driver": "ec2", "X-Deltacloud-Provider": REGION}
        try:
            with server.client(auth=(KEY, SECRET), headers=headers) as api:
                def through_proxy() -> None:
                    response = api.get("/api/instances?format=json")
                    assert response.status_code == 200 and len(response.json()["instances"]) == INSTANCES

                def straight() -> None:
                    answer = direct.describe_instances()
                    assert sum(len(r["Instances"]) for r in answer["Reservations"]) == INSTANCES

                for _ in range(30):  # warm up: connections, client pools, bytecode
                    through_proxy()
                    straight()
                proxy_times: list[float] = []
                direct_times: list[float] = []
                for _ in range(ROUNDS):  # interleaved, so drift on a shared machine hits both alike
                    direct_times += time_calls(straight, count // ROUNDS)
                    proxy_times += time_calls(through_proxy, count // ROUNDS)
                calls = {
                    "GET /api/instances": moto.calls_during(through_proxy, 20),
                    "GET /api/realms": moto.calls_during(lambda: api.get("/api/realms"), 20),
                    "GET /api/keys": moto.calls_during(lambda: api.get("/api/keys"), 20),
                    "GET /api/storage_volumes": moto.calls_during(lambda: api.get("/api/storage_volumes"), 20),
                    "GET /api/firewalls": moto.calls_during(lambda: api.get("/api/firewalls"), 20),
                    "GET /api/addresses": moto.calls_during(lambda: api.get("/api/addresses"), 20),
                    "GET /api/hardware_profiles (fills the cache)": moto.calls_during(
                        lambda: api.get("/api/hardware_profiles?format=json"), 1),
                    "GET /api/hardware_profiles (cached)": moto.calls_during(
                        lambda: api.get("/api/hardware_profiles?format=json"), 5),
                }
        finally:
            stop_server(server)
            moto.stop()

    print(f"{INSTANCES} instances, {len(proxy_times)} requests each way, {os.cpu_count()} CPUs")
    direct_median = report("boto3 DescribeInstances straight to moto", direct_times)
    proxy_median = report("GET /api/instances?format=json via the proxy", proxy_times)
    print(f"ratio of medians: {proxy_median / direct_median:.2f}  (target <= 1.3)")
    print(f"proxy overhead per request: {(proxy_median - direct_median) * 1000:.2f} ms")
    print("AWS calls per classic request (moto's request log):")
    for name, per_request in calls.items():
        print(f"  {name:46s} {per_request:.2f}")


if __name__ == "__main__":
    main()
