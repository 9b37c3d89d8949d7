"""Benchmark: cold start of each API function's Lambda handler vs importing starlette and mangum alone.

Each sample is a fresh interpreter: the handler's import plus its first event, against a fresh
interpreter that only imports starlette and mangum, same run, interleaved. One ratio per function
(classic API, CIMI, EC2), each answering its list request from events/ (list instances, list
machines, DescribeInstances) with the status events/expected.json gives. Target: median ratio <= 2.
It also checks that serving the mock imports neither boto3 nor libcloud.

The project's own modules are compiled to bytecode first, as the Lambda build ships them: where
PYTHONDONTWRITEBYTECODE is set (it is on these machines) every sample would otherwise compile ~60
modules from source, which no deployed function does (that alone cost ~0.3 of ratio).
tests/benchmarks/bench_layer.py measures the same from the built layer.

The EC2 sample is signed with SigV4 at a fixed time; it is re-signed with the current time first,
as ``deltacloud invoke`` does (a signature is valid for 15 minutes), so it reaches the driver.

Run: .venv/bin/python tests/benchmarks/bench_cold_start.py [samples]
"""

import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"
#: the project's source folders: compiled to bytecode before measuring (__pycache__ is git-ignored)
SOURCES = [ROOT / "layers" / "core", ROOT / "functions", ROOT / "drivers"]
#: function -> (its handler, its sample event)
FUNCTIONS = {
    "classic": ("classic_api.handler.handler", "deltacloud-list-instances.json"),
    "cimi": ("cimi_api.handler.handler", "cimi-list-machines.json"),
    "ec2": ("ec2_api.handler.handler", "ec2-describe-instances.json"),
}

BASELINE = "import starlette.applications, mangum"
HANDLER = """
import json, sys
from importlib import import_module
handler_path, event_path, status = sys.argv[1:4]
module, _, attribute = handler_path.rpartition(".")
handler = getattr(import_module(module), attribute)

class Context:  # what Powertools reads of Lambda's context object
    function_name = "bench"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    aws_request_id = "00000000-0000-0000-0000-000000000000"
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:bench"
    log_group_name = "/aws/lambda/bench"
    log_stream_name = "bench"
    def get_remaining_time_in_millis(self):
        return 30000

response = handler(json.load(open(event_path)), Context())
assert response["statusCode"] == int(status), response
heavy = [m for m in ("boto3", "libcloud") if m in sys.modules]
assert not heavy, f"serving the mock imported {heavy}"
"""


def sample(code: str, *args: str, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, *args], check=True, env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def fresh_signature(event_file: Path, scratch: Path) -> Path:
    """The event re-signed now with the demo tenant's secret (unchanged if it carries no SigV4 signature)."""
    from deltacloud.runtime import get_runtime  # after DELTACLOUD_DATA_DIR is set: the store the samples use
    from deltacloud.sigv4_events import refresh_signature

    store = get_runtime().credential_store

    def lookup(access_key_id: str) -> str | None:
        found = store.signing_secret(access_key_id)
        return found[1] if found else None

    event = json.loads(event_file.read_text())
    target = scratch / event_file.name
    target.write_text(json.dumps(refresh_signature(event, lookup) or event))
    return target


def main() -> None:
    samples = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    expected = json.loads((EVENTS / "expected.json").read_text())
    for folder in SOURCES:
        compileall.compile_dir(folder, quiet=1)
    with tempfile.TemporaryDirectory() as data:
        os.environ["DELTACLOUD_DATA_DIR"] = data
        env = dict(os.environ)
        cases = {name: [handler, str(fresh_signature(EVENTS / event, Path(data))), str(expected[event]["status"])]
                 for name, (handler, event) in FUNCTIONS.items()}
        for args in cases.values():  # seeds the mock state and warms the OS file cache
            sample(HANDLER, *args, env=env)
        baseline: list[float] = []
        timings: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(samples):  # interleaved, so machine noise hits all alike
            baseline.append(sample(BASELINE, env=env))
            for name, args in cases.items():
                timings[name].append(sample(HANDLER, *args, env=env))
    base = statistics.median(baseline)
    print(f"fresh interpreter, import starlette + mangum: median {base * 1000:7.1f} ms ({samples} samples)")
    for name, times in timings.items():
        median = statistics.median(times)
        event = FUNCTIONS[name][1]
        print(f"{name:>8}: import handler + first event ({event}): median {median * 1000:7.1f} ms  "
              f"ratio {median / base:.2f}  (target <= 2)")
    print("boto3 and libcloud not imported: checked")


if __name__ == "__main__":
    main()
