"""Cold start: loading a driver class, or listing the drivers, imports no cloud SDK.

A driver's name, title, static providers, declared capabilities and state machine are plain data;
its SDK (libcloud, libvirt, ovirtsdk4, boto3, ...) is imported when a request first uses the
driver. Each check runs in a fresh interpreter, where nothing has imported an SDK yet.
"""

import json
import subprocess
import sys

from deltacloud.registry import driver_names

#: top-level modules of the cloud SDKs the drivers use (and pyVmomi, which none may pull in)
SDK_MODULES = ("libcloud", "libvirt", "ovirtsdk4", "pycurl", "pyVmomi", "boto3", "botocore")

_LOAD_EVERY_DRIVER = """
import json, sys
from deltacloud.registry import driver_names, load_driver
for name in driver_names():
    driver = load_driver(name)
    driver.info(), driver.providers(), driver.capabilities.listed_collections(), driver.state_machine
    driver.check_provider(None)
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules} & set(SDKS))))
"""

_LIST_THROUGH_THE_API = """
import json, sys, warnings
warnings.simplefilter("ignore")
from starlette.testclient import TestClient
from classic_api.app import app
before = set(sys.modules)  # the front-end's own imports (Powertools loads botocore's package) are not the drivers'
client = TestClient(app)
statuses = [client.get("/api/drivers", headers={"Accept": "application/json"}).status_code]
statuses += [client.get(f"/api/drivers/{name}").status_code for name in NAMES]
imported = sorted({m.split(".")[0] for m in set(sys.modules) - before} & set(SDKS))
print(json.dumps({"statuses": statuses, "sdks": imported}))
"""


def _run(code: str) -> object:
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_every_registered_driver_is_registered() -> None:
    assert {"mock", "ec2", "openstack", "rackspace", "digitalocean", "vsphere", "rhevm", "libvirt", "azure", "google",
            "eucalyptus", "opennebula"} <= set(driver_names())


def test_loading_every_driver_class_imports_no_sdk() -> None:
    assert _run(f"SDKS = {SDK_MODULES!r}\n" + _LOAD_EVERY_DRIVER) == []


def test_listing_drivers_through_the_classic_api_imports_no_sdk() -> None:
    result = _run(f"SDKS = {SDK_MODULES!r}\nNAMES = {driver_names()!r}\n" + _LIST_THROUGH_THE_API)
    assert result == {"statuses": [200] * (len(driver_names()) + 1), "sdks": []}


def test_using_a_driver_does_import_its_sdk() -> None:
    """The check above can fail: the same probe sees libcloud once a libcloud driver is opened."""
    code = (f"SDKS = {SDK_MODULES!r}\n" + _LOAD_EVERY_DRIVER.replace(
        "print(", "from deltacloud.drivers.opennebula.sdk import OpenNebulaOcciDriver\nprint("))
    assert _run(code) == ["libcloud"]
