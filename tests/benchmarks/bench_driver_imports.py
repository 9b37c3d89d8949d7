"""Import cost of each driver, and proof that neither listing nor loading drivers imports an SDK.

Each measurement runs in a fresh interpreter (a cold Lambda container imports exactly once).
Figures are medians of several runs, printed as ratios against the baseline measured in the
same run: importing the core driver interface (``deltacloud.driver``) alone. Per driver:

- *class*: ``load_driver(name)`` plus everything ``GET /api/drivers`` reads (info, providers,
  capabilities, state machine) — must import no SDK;
- *first use*: the class, then one request's worth of work: the driver bound to a caller and one
  listing sent to a provider on a closed local port (libvirt: the real ``test:///default``), so
  the figure is the SDK's import plus opening it, and the SDKs it imported are listed.

Run: .venv/bin/python tests/benchmarks/bench_driver_imports.py
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from conftest import free_port  # noqa: E402

RUNS = 5
SDK_MODULES = ("libcloud", "libvirt", "ovirtsdk4", "pycurl", "pyVmomi", "boto3", "botocore")

_TIMED = """
import json, sys, time
start = time.perf_counter()
{statement}
elapsed = time.perf_counter() - start
print(json.dumps({{"seconds": elapsed, "sdks": sorted({{m.split(".")[0] for m in sys.modules}} & set({sdks!r}))}}))
"""

_CLASS = """
from deltacloud.registry import load_driver
driver = load_driver({name!r})
driver.info(), driver.providers(), driver.capabilities.listed_collections(), driver.state_machine
"""

_FIRST_USE = _CLASS + """
import tempfile
from deltacloud.credentials import PassThroughStore, ProviderCredentials, Tenant
from deltacloud.driver import DriverContext
from deltacloud.errors import DeltacloudError
from deltacloud.state import open_state_store
tenant = Tenant("bench", ProviderCredentials({credentials!r}))
state = open_state_store("sqlite", tempfile.mkdtemp() + "/state.db")
bound = driver(DriverContext({name!r}, {provider!r}, PassThroughStore(), state, lambda: tenant))
try:
    getattr(bound, {operation!r})({{}})
except DeltacloudError:
    pass  # the closed port answers BackendUnavailable: the SDK was imported and opened all the same
"""


def _first_use(closed: str) -> dict[str, tuple[str | None, dict[str, str], str]]:
    """driver -> (provider, credentials, operation) of a first request."""
    secret = {"username": "bench", "password": "bench-secret"}
    return {
        "mock": (None, {"username": "mockuser", "password": "mockpassword"}, "instances"),
        "ec2": ("us-east-1", {**secret}, "realms"),
        "openstack": (f"{closed}/v3?region=regionone", {**secret}, "hardware_profiles"),
        "rackspace": ("dfw", {**secret, "auth_url": closed}, "instances"),
        "digitalocean": (None, {**secret, "endpoint": closed}, "instances"),
        "libvirt": ("test:///default", {**secret}, "instances"),
        "azure": (closed, {"username": "devstoreaccount1", "password": "YmVuY2gta2V5"}, "buckets"),
        "google": (None, {"username": "GOOG1BENCH", "password": "YmVuY2g=", "endpoint": closed}, "buckets"),
        "eucalyptus": (f"{closed}/services/compute", {**secret}, "instances"),
        "opennebula": (closed, {**secret}, "instances"),
        "vsphere": (closed, {**secret}, "instances"),
        "rhevm": (f"{closed}/ovirt-engine/api", {**secret}, "instances"),
    }


def _run(statement: str, env: dict[str, str] | None = None) -> tuple[float, list[str]]:
    code = _TIMED.format(statement=statement, sdks=SDK_MODULES)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                         env={**os.environ, **(env or {})}).stdout
    result = json.loads(out.strip().splitlines()[-1])
    return result["seconds"], result["sdks"]


def _median(statement: str, env: dict[str, str] | None = None) -> tuple[float, list[str]]:
    samples = [_run(statement, env) for _ in range(RUNS)]
    return statistics.median(s for s, _ in samples), samples[-1][1]


def main() -> None:
    baseline, _ = _median("import deltacloud.driver")
    print(f"baseline: import deltacloud.driver      {baseline * 1000:8.1f} ms  (1.00x)")

    registry, sdks = _median("from deltacloud.registry import driver_names; driver_names()")
    print(f"registry: driver_names()                {registry * 1000:8.1f} ms  ({registry / baseline:.2f}x)"
          f"  SDKs imported: {', '.join(sdks) or 'none'}")
    if sdks:
        raise SystemExit(f"listing the driver registry imported SDKs: {sdks}")

    from deltacloud.registry import driver_names

    closed = f"http://127.0.0.1:{free_port()}"  # nobody listens there (bound, then released)
    first_use = _first_use(closed)
    leaked = {}
    for name in driver_names():
        seconds, loaded = _median(_CLASS.format(name=name))
        print(f"driver {name:<13} class      {seconds * 1000:8.1f} ms  ({seconds / baseline:.2f}x)"
              f"  SDKs: {', '.join(loaded) or 'none'}")
        if loaded:
            leaked[name] = loaded
        if name not in first_use:
            continue
        provider, credentials, operation = first_use[name]
        statement = _FIRST_USE.format(name=name, provider=provider, credentials=credentials, operation=operation)
        seconds, loaded = _median(statement, {"AWS_ENDPOINT_URL": closed, "DELTACLOUD_BACKEND_TIMEOUT": "2",
                                              "DELTACLOUD_DATA_DIR": tempfile.mkdtemp(prefix="bench-drivers-")})
        print(f"driver {name:<13} first use  {seconds * 1000:8.1f} ms  ({seconds / baseline:.2f}x)"
              f"  SDKs: {', '.join(loaded) or 'none'}")
    if leaked:
        raise SystemExit(f"loading driver classes imported SDKs: {leaked}")


if __name__ == "__main__":
    main()
