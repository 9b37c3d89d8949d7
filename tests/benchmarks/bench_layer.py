"""Benchmark: the built core layer's unzipped size, and each function's cold start from that layer.

1. ``make layer`` into a temporary directory (Python 3.12 wheels for Lambda, unchecked-hash bytecode);
   its unzipped size is printed against the 40 MB target.
2. For every function of template.yaml, a fresh interpreter of the layer's Python (``-I -S -B``: no
   site-packages, no bytecode written, as on Lambda's read-only /var/task) whose ``sys.path`` holds only
   the built layer and the function's code as its build ships it: the folder compiled to unchecked-hash
   bytecode by the Makefile (`make build-<LogicalId>`) for functions whose template Metadata says
   `BuildMethod: makefile`, else a plain copy without bytecode (SAM's python builder ships none, and
   /var/task is read-only): import its handler, then run its first event. The whole process's time
   (the cold start: interpreter start, import, first event) is compared with a fresh interpreter that
   only imports starlette and mangum from the same layer, in the same run, interleaved (target: ratio
   <= 2), as bench_cold_start.py does. Printed too, stricter: the ratio of the times inside the
   interpreter, which leave out the interpreter's own start (~23 ms, the same for both). The stores
   are the local ones (SQLite, credentials file): the deployed ones add boto3, which the Lambda runtime
   ships and the layer does not.

Each function's event is the first sample of events/ that it answers with success, else a GET of its
first API route. Functions whose handler does not exist yet are listed as such.

Run: .venv/bin/python tests/benchmarks/bench_layer.py [samples]   (takes a minute or two)
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_cold_start import fresh_signature  # noqa: E402 - SigV4 samples expire: sign them anew

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"
SIZE_TARGET_MB = 40
RATIO_TARGET = 2.0

BASELINE = """
import sys, time
start = time.perf_counter()
sys.path[:0] = [sys.argv[1]]
import starlette.applications, mangum
print(time.perf_counter() - start)
"""

FUNCTION = """
import json, sys, time
start = time.perf_counter()
layer, code, handler_path, event_path = sys.argv[1:5]
sys.path[:0] = [code, layer]
from importlib import import_module
module, _, attribute = handler_path.rpartition(".")
handler = getattr(import_module(module), attribute)
imported = time.perf_counter()

class Context:
    function_name = "bench"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    aws_request_id = "00000000-0000-0000-0000-000000000000"
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:bench"
    log_group_name = "/aws/lambda/bench"
    log_stream_name = "bench"
    def get_remaining_time_in_millis(self):
        return 30000

event = json.load(open(event_path))
try:
    handler(event, Context())
except Exception as error:
    if str(error) != "Unauthorized":  # an authorizer's 401 is an answer, not a failure
        raise
done = time.perf_counter()
heavy = sorted(m for m in ("boto3", "botocore", "libcloud") if m in sys.modules)
sys.stderr.write(json.dumps({"import": imported - start, "total": done - start, "heavy": heavy}) + "\\n")
"""


def build_layer(target: Path) -> tuple[Path, str]:
    build = subprocess.run(["make", "--no-print-directory", "layer", f"ARTIFACTS_DIR={target}"], cwd=ROOT,
                           capture_output=True, text=True)
    if build.returncode != 0:
        raise SystemExit(f"make layer failed:\n{(build.stdout + build.stderr)[-4000:]}")
    info = subprocess.run(["make", "-s", "print-layer-python"], cwd=ROOT, check=True, capture_output=True, text=True)
    executable, version = info.stdout.split()
    if version != "3.12":
        print(f"WARNING: the layer was compiled by Python {version}, not Lambda's 3.12", file=sys.stderr)
    return target / "python", executable


def size_of(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def first_event(short: str, routes: list[str], scratch: Path) -> Path:
    expected: dict[str, dict[str, Any]] = json.loads((EVENTS / "expected.json").read_text())
    for name, expectation in sorted(expected.items()):
        if expectation.get("function") == short and int(expectation.get("status", 200)) < 400:
            return EVENTS / name
    # no sample yet: a GET of the function's first route, as the mock's demo tenant
    event = json.loads((EVENTS / "deltacloud-entry-point.json").read_text())
    path = routes[0] if routes else "/"
    event.update(path=path, resource=path, pathParameters=None)
    event["requestContext"].update(path=f"/prod{path}", resourcePath=path)
    target = scratch / f"{short}-generated.json"
    target.write_text(json.dumps(event))
    return target


def template_functions() -> dict[str, dict[str, Any]]:
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    resources = yaml.load((ROOT / "template.yaml").read_text(), Loader=Loader)["Resources"]  # noqa: S506
    return {name: r for name, r in resources.items() if r["Type"] == "AWS::Serverless::Function"}


def api_routes(functions: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    return {
        name: [e["Properties"]["Path"] for e in (r["Properties"].get("Events") or {}).values() if e["Type"] == "Api"]
        for name, r in functions.items()
    }


def build_function(logical_id: str, resource: dict[str, Any], source: Path, target: Path) -> None:
    """The function's code as its build ships it (see the module docstring)."""
    if (resource.get("Metadata") or {}).get("BuildMethod") != "makefile":
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        return
    build = subprocess.run(["make", "--no-print-directory", f"build-{logical_id}", f"FUNCTION_SOURCE={source}",
                            f"ARTIFACTS_DIR={target}"], cwd=ROOT, capture_output=True, text=True)
    if build.returncode != 0:
        raise SystemExit(f"make build-{logical_id} failed:\n{(build.stdout + build.stderr)[-4000:]}")


def run(executable: str, code: str, args: list[str], env: dict[str, str]) -> tuple[str, float]:
    """The interpreter's own report, and the wall time of the whole process (interpreter start included)."""
    started = time.perf_counter()
    proc = subprocess.run([executable, "-I", "-S", "-B", "-c", code, *args], env=env, capture_output=True, text=True,
                          timeout=120)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed")
    return (proc.stdout if code is BASELINE else proc.stderr.strip().splitlines()[-1]), wall


def main() -> None:
    from deltacloud.local_invoke import load_functions

    samples = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        layer, executable = build_layer(scratch / "layer")
        size = size_of(layer)
        verdict = "ok" if size <= SIZE_TARGET_MB * 1e6 else "OVER TARGET"
        print(f"core layer, unzipped: {size / 1e6:.1f} MB (target <= {SIZE_TARGET_MB} MB: {verdict})")

        resources = template_functions()
        routes = api_routes(resources)
        functions = load_functions(ROOT / "template.yaml")
        cases = []
        for logical_id, function in sorted(functions.items()):
            module = function.handler.rpartition(".")[0]
            if not (function.code_uri / (module.replace(".", "/") + ".py")).is_file():
                print(f"{function.short_name:>11}: no handler module yet ({function.handler})")
                continue
            code = scratch / "code" / logical_id  # built anew: nothing of the checkout's __pycache__ is used
            build_function(logical_id, resources[logical_id], function.code_uri, code)
            cases.append((function, code, first_event(function.short_name, routes[logical_id], scratch)))

        data = scratch / "data"
        os.environ["DELTACLOUD_DATA_DIR"] = str(data)  # the demo tenant whose secret re-signs SigV4 samples
        cases = [(f, code, fresh_signature(event, scratch)) for f, code, event in cases]
        env = {"PATH": os.environ.get("PATH", ""), "HOME": str(scratch), "DELTACLOUD_DATA_DIR": str(data),
               "DELTACLOUD_STATE_STORE": "sqlite", "DELTACLOUD_CREDENTIALS": "local", "AWS_REGION": "us-east-1",
               "AWS_LAMBDA_FUNCTION_NAME": "bench", "POWERTOOLS_METRICS_NAMESPACE": "Deltacloud",
               "PYDANTIC_DISABLE_PLUGINS": "__all__"}  # as template.yaml's Globals set it
        for function, code, event in cases:  # first run seeds the mock's state and warms the file cache
            run(executable, FUNCTION, [str(layer), str(code), function.handler, str(event)], env)
        baseline: list[float] = []
        baseline_wall: list[float] = []
        timings: dict[str, list[dict[str, Any]]] = {f.short_name: [] for f, _, _ in cases}
        for _ in range(samples):  # interleaved, so machine noise hits all alike
            output, wall = run(executable, BASELINE, [str(layer)], env)
            baseline.append(float(output))
            baseline_wall.append(wall)
            for function, code, event in cases:
                args = [str(layer), str(code), function.handler, str(event)]
                output, wall = run(executable, FUNCTION, args, env)
                timings[function.short_name].append({**json.loads(output), "wall": wall})

    base, base_wall = statistics.median(baseline), statistics.median(baseline_wall)
    print(f"baseline, import starlette + mangum from the layer: median {base * 1000:7.1f} ms in the interpreter, "
          f"{base_wall * 1000:.1f} ms for the whole process ({samples} samples)")
    for function, _, event in cases:
        results = timings[function.short_name]
        imported = statistics.median(float(r["import"]) for r in results)
        total = statistics.median(float(r["total"]) for r in results)
        wall = statistics.median(float(r["wall"]) for r in results)
        ratio, inside = wall / base_wall, total / base
        heavy = results[-1]["heavy"]
        print(f"{function.short_name:>11}: import {imported * 1000:6.1f} ms + first event ({event.name}) "
              f"= {total * 1000:6.1f} ms; whole process {wall * 1000:6.1f} ms, ratio {ratio:4.2f} "
              f"(target <= {RATIO_TARGET:g}: {'ok' if ratio <= RATIO_TARGET else 'OVER TARGET'}); "
              f"inside the interpreter {inside:4.2f} (stricter reading: "
              f"{'ok' if inside <= RATIO_TARGET else 'OVER TARGET'})"
              f"{'  imported ' + ', '.join(heavy) if heavy else ''}")


if __name__ == "__main__":
    main()
