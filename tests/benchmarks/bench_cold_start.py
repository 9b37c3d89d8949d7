"""Benchmark: cold start of the classic API's Lambda handler vs importing starlette and mangum alone.

Each sample is a fresh interpreter: the handler's import plus its first event (list instances), against
a fresh interpreter that only imports starlette and mangum, same run. Target: median ratio <= 2. It also
checks that serving the mock imports neither boto3 nor libcloud.

Run: .venv/bin/python tests/benchmarks/bench_cold_start.py [samples]
"""

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EVENTS = Path(__file__).resolve().parents[2] / "events"

BASELINE = "import starlette.applications, mangum"
HANDLER = """
import json, sys
from deltacloud.cli import LocalLambdaContext
from classic_api.handler import handler
event = json.load(open(sys.argv[1]))
response = handler(event, LocalLambdaContext("deltacloud"))
assert response["statusCode"] == 200, response
heavy = [m for m in ("boto3", "libcloud") if m in sys.modules]
assert not heavy, f"serving the mock imported {heavy}"
"""


def sample(code: str, *args: str, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, *args], check=True, env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    samples = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    event = str(EVENTS / "deltacloud-list-instances.json")
    json.loads(Path(event).read_text())
    with tempfile.TemporaryDirectory() as data:
        import os

        env = {**os.environ, "DELTACLOUD_DATA_DIR": data}
        sample(HANDLER, event, env=env)  # seeds the mock state and warms the OS file cache
        baseline, handler = [], []
        for _ in range(samples):  # interleaved, so machine noise hits both alike
            baseline.append(sample(BASELINE, env=env))
            handler.append(sample(HANDLER, event, env=env))
    b, h = statistics.median(baseline), statistics.median(handler)
    print(f"fresh interpreter, import starlette + mangum:     median {b * 1000:7.1f} ms")
    print(f"fresh interpreter, import handler + first event: median {h * 1000:7.1f} ms")
    print(f"ratio: {h / b:.2f}  (target <= 2); boto3 and libcloud not imported: checked")


if __name__ == "__main__":
    main()
