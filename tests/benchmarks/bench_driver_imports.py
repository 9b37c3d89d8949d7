"""Import cost of each driver on first use, and proof that listing the registry imports no SDK.

Each measurement runs in a fresh interpreter (a cold Lambda container imports exactly once).
Figures are medians of several runs, printed as ratios against the baseline measured in the
same run: importing the core driver interface (``deltacloud.driver``) alone.
Run: .venv/bin/python tests/benchmarks/bench_driver_imports.py
"""

import json
import statistics
import subprocess
import sys

RUNS = 5
SDK_MODULES = ("libcloud", "boto3", "libvirt", "ovirtsdk4")

_TIMED = """
import json, sys, time
start = time.perf_counter()
{statement}
elapsed = time.perf_counter() - start
print(json.dumps({{"seconds": elapsed, "sdks": [m for m in {sdks!r} if m in sys.modules]}}))
"""


def _run(statement: str) -> tuple[float, list[str]]:
    code = _TIMED.format(statement=statement, sdks=SDK_MODULES)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    return result["seconds"], result["sdks"]


def _median(statement: str) -> tuple[float, list[str]]:
    samples = [_run(statement) for _ in range(RUNS)]
    return statistics.median(s for s, _ in samples), samples[-1][1]


def main() -> None:
    baseline, _ = _median("import deltacloud.driver")
    print(f"baseline: import deltacloud.driver  {baseline * 1000:8.1f} ms  (1.00x)")

    registry, sdks = _median("from deltacloud.registry import driver_names; driver_names()")
    print(f"registry: driver_names()            {registry * 1000:8.1f} ms  ({registry / baseline:.2f}x)"
          f"  SDKs imported: {sdks or 'none'}")
    if sdks:
        raise SystemExit(f"listing the driver registry imported SDKs: {sdks}")

    from deltacloud.registry import driver_names

    for name in driver_names():
        seconds, loaded = _median(f"from deltacloud.registry import load_driver; load_driver({name!r})")
        print(f"driver {name:<13} first use  {seconds * 1000:8.1f} ms  ({seconds / baseline:.2f}x)"
              f"  SDKs: {', '.join(loaded) or 'none'}")


if __name__ == "__main__":
    main()
