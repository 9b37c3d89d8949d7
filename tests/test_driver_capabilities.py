"""Declared capabilities of the libcloud-backed drivers agree with what their libcloud classes implement.

Each such driver declares its capabilities as plain data (so that loading it imports no SDK) and
derives the same from its libcloud classes in ``introspected()``: what the class overrides of
libcloud's base methods, its ``features`` map and ``create_node`` parameters, plus the provider's
declarations by hand. A libcloud upgrade that changes what a class implements fails here.
"""

import importlib

import pytest
from deltacloud.capabilities import Capabilities
from deltacloud.drivers.libcloud_adapter import introspection
from deltacloud.registry import load_driver

INTROSPECTED = ["azure", "digitalocean", "eucalyptus", "google", "libvirt", "opennebula", "openstack", "rackspace",
                "vsphere"]


def _normalised(capabilities: Capabilities) -> dict[str, tuple[frozenset[str], frozenset[str], dict[str, object]]]:
    return {name: (support.operations, frozenset(support.features), dict(support.constraints))
            for name, support in capabilities.collections.items()}


@pytest.mark.parametrize("name", INTROSPECTED)
def test_declared_capabilities_are_the_introspected_ones(name: str) -> None:
    driver = load_driver(name)
    offered, features = importlib.import_module(driver.__module__).introspected()
    assert _normalised(driver.capabilities) == _normalised(introspection.build_capabilities(offered, features))
    if "instances" in offered:
        assert driver.state_machine == introspection.state_machine(offered["instances"])


def test_introspection_sees_what_a_class_really_implements() -> None:
    """The agreement above means something: libcloud's own OCCI class has no start or stop, ours has."""
    from deltacloud.drivers.opennebula.sdk import OpenNebulaOcciDriver
    from libcloud.compute.drivers.opennebula import OpenNebula_3_8_NodeDriver

    assert {"start", "stop"} <= introspection.introspect(compute=OpenNebulaOcciDriver)["instances"]
    assert not {"start", "stop"} & introspection.introspect(compute=OpenNebula_3_8_NodeDriver)["instances"]
