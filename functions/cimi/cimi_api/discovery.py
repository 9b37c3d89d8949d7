"""Which CIMI collections the current driver can serve, derived from its capability object.

The CloudEntryPoint lists exactly these, and every collection refuses to serve when its
predicate is false, so discovery and behaviour never disagree (spec §1.4, rule 2 of the house).
Collections the proxy holds itself are offered where the driver can make use of them.
"""

from collections.abc import Callable

from deltacloud.capabilities import Capabilities

Predicate = Callable[[Capabilities], bool]


def _can(collection: str, operation: str) -> Predicate:
    return lambda caps: caps.supports(collection, operation)


#: collection path -> when the driver backs it
AVAILABLE: dict[str, Predicate] = {
    "resource_metadata": lambda caps: True,
    "systems": _can("instances", "create"),
    "system_templates": _can("instances", "create"),
    "machines": _can("instances", "index"),
    "machine_templates": _can("instances", "create"),
    "machine_configurations": _can("hardware_profiles", "index"),
    "machine_images": _can("images", "index"),
    "credentials": _can("keys", "index"),
    "credential_templates": lambda caps: caps.supports("keys", "create") and caps.has_feature("keys", "import_key"),
    "volumes": _can("storage_volumes", "index"),
    "volume_templates": _can("storage_volumes", "create"),
    "volume_configurations": _can("storage_volumes", "create"),
    "volume_images": _can("storage_snapshots", "index"),
    "networks": _can("subnets", "index"),
    "network_templates": _can("subnets", "create"),
    "network_configurations": _can("subnets", "create"),
    "addresses": _can("addresses", "index"),
    "address_templates": _can("addresses", "create"),
    "forwarding_groups": _can("networks", "index"),
    "jobs": lambda caps: True,
}


def available(capabilities: Capabilities, path: str) -> bool:
    predicate = AVAILABLE.get(path)
    return predicate is not None and predicate(capabilities)
