"""Capabilities read off a libcloud driver class: what it really implements, and its ``features``.

libcloud's base classes (``NodeDriver``, ``StorageDriver``, the load-balancer ``Driver``) define
every standard method and raise ``NotImplementedError`` in it; a provider class implements a
method by overriding it. So an operation is offered when the provider class overrides the
libcloud method behind it — never because of the provider's name. Provider packages then refine
the result where the mapping needs care (extension methods, semantics libcloud gets wrong).
"""

import inspect
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from deltacloud.capabilities import Capabilities, CollectionSupport, supports
from deltacloud.model import StateMachine

if TYPE_CHECKING:
    from libcloud.compute.base import NodeDriver

#: Operation sets the drivers declare as data (their ``OFFERED`` maps), named once
LISTED = frozenset({"index", "show"})
MANAGED = LISTED | {"create", "destroy"}
INSTANCE_OPERATIONS = MANAGED | {"start", "stop", "reboot"}
VOLUME_OPERATIONS = MANAGED | {"attach", "detach"}
ADDRESS_OPERATIONS = MANAGED | {"associate", "disassociate"}
FIREWALL_OPERATIONS = MANAGED | {"rule_create", "rule_destroy"}
BUCKET_OPERATIONS = MANAGED | {"blob_show", "blob_create", "blob_destroy", "blob_metadata", "blob_content"}

#: what a compute class implementing every standard libcloud method offers
FULL_COMPUTE: dict[str, frozenset[str]] = {
    "realms": LISTED,
    "hardware_profiles": LISTED,
    "images": MANAGED,
    "instances": INSTANCE_OPERATIONS,
    "keys": MANAGED,
    "storage_volumes": VOLUME_OPERATIONS,
    "storage_snapshots": MANAGED,
}

#: (collection, operation) -> the libcloud compute methods that must all be implemented
COMPUTE_METHODS: dict[tuple[str, str], tuple[str, ...]] = {
    ("realms", "index"): ("list_locations",),
    ("realms", "show"): ("list_locations",),
    ("hardware_profiles", "index"): ("list_sizes",),
    ("hardware_profiles", "show"): ("list_sizes",),
    ("images", "index"): ("list_images",),
    ("images", "show"): ("list_images",),
    ("images", "create"): ("create_image",),
    ("images", "destroy"): ("delete_image",),
    ("instances", "index"): ("list_nodes",),
    ("instances", "show"): ("list_nodes",),
    ("instances", "create"): ("create_node",),
    ("instances", "start"): ("start_node",),
    ("instances", "stop"): ("stop_node",),
    ("instances", "reboot"): ("reboot_node",),
    ("instances", "destroy"): ("destroy_node",),
    ("keys", "index"): ("list_key_pairs",),
    ("keys", "show"): ("list_key_pairs",),
    ("keys", "create"): ("create_key_pair",),
    ("keys", "destroy"): ("delete_key_pair",),
    ("storage_volumes", "index"): ("list_volumes",),
    ("storage_volumes", "show"): ("list_volumes",),
    ("storage_volumes", "create"): ("create_volume",),
    ("storage_volumes", "destroy"): ("destroy_volume",),
    ("storage_volumes", "attach"): ("attach_volume",),
    ("storage_volumes", "detach"): ("detach_volume",),
    ("storage_snapshots", "index"): ("list_volumes", "list_volume_snapshots"),
    ("storage_snapshots", "show"): ("list_volumes", "list_volume_snapshots"),
    ("storage_snapshots", "create"): ("create_volume_snapshot",),
    ("storage_snapshots", "destroy"): ("destroy_volume_snapshot",),
}

STORAGE_METHODS: dict[tuple[str, str], tuple[str, ...]] = {
    ("buckets", "index"): ("iterate_containers",),
    ("buckets", "show"): ("get_container", "iterate_container_objects"),
    ("buckets", "create"): ("create_container",),
    ("buckets", "destroy"): ("delete_container",),
    ("buckets", "blob_show"): ("get_object",),
    ("buckets", "blob_metadata"): ("get_object",),
    ("buckets", "blob_create"): ("upload_object_via_stream",),
    ("buckets", "blob_destroy"): ("delete_object",),
    ("buckets", "blob_content"): ("download_object_as_stream",),
    # libcloud has no standard metadata update; some drivers offer it as an extension
    ("buckets", "blob_update_metadata"): ("ex_set_object_metadata",),
}

#: libcloud ``features["create_node"]`` entries -> the Deltacloud instance feature they mean
CREATE_NODE_FEATURES: dict[str, str] = {
    "ssh_key": "authentication_key",
    "password": "authentication_password",
    "generates_password": "authentication_password",
}


def implements(driver_class: type, method: str) -> bool:
    """Whether ``driver_class`` really implements ``method``.

    A standard method counts when some class below libcloud's base overrides it; an ``ex_``
    extension counts when it exists at all (the base classes define none).
    """
    if not hasattr(driver_class, method):
        return False
    for klass in driver_class.__mro__:
        if method in vars(klass):
            return not _is_libcloud_base(klass)
    return False


def _is_libcloud_base(klass: type) -> bool:
    return klass.__module__ in ("libcloud.compute.base", "libcloud.storage.base", "libcloud.common.base")


def _operations(driver_class: type, table: Mapping[tuple[str, str], tuple[str, ...]]) -> dict[str, set[str]]:
    offered: dict[str, set[str]] = {}
    for (collection, operation), methods in table.items():
        if all(implements(driver_class, m) for m in methods):
            offered.setdefault(collection, set()).add(operation)
    return offered


def _complete(offered: dict[str, set[str]]) -> dict[str, set[str]]:
    """A collection without an index is not a collection (spec §6.4): drop its orphan operations."""
    return {c: ops for c, ops in offered.items() if "index" in ops}


#: ``create_node`` parameters -> the Deltacloud instance feature a parameter makes possible
CREATE_NODE_PARAMETERS: dict[str, str] = {
    "name": "user_name",
    "ex_keyname": "authentication_key",
    "ex_userdata": "user_data",
    "ex_user_data": "user_data",
}


def create_node_parameters(driver_class: "type[NodeDriver]") -> set[str]:
    """The parameter names of the class's ``create_node`` (empty when it has none of its own)."""
    if not implements(driver_class, "create_node"):
        return set()
    return set(inspect.signature(driver_class.create_node).parameters)


def create_node_features(driver_class: "type[NodeDriver]") -> list[str]:
    """Instance features the class announces in its ``features`` map or accepts as parameters."""
    announced: Iterable[str] = (getattr(driver_class, "features", None) or {}).get("create_node", [])
    found = {CREATE_NODE_FEATURES[f] for f in announced if f in CREATE_NODE_FEATURES}
    found |= {feature for p, feature in CREATE_NODE_PARAMETERS.items() if p in create_node_parameters(driver_class)}
    return sorted(found)


def introspect(compute: type | None = None, storage: type | None = None) -> dict[str, set[str]]:
    """collection -> operations the given libcloud driver classes really implement."""
    offered: dict[str, set[str]] = {}
    for driver_class, table in ((compute, COMPUTE_METHODS), (storage, STORAGE_METHODS)):
        if driver_class is not None:
            for collection, ops in _operations(driver_class, table).items():
                offered.setdefault(collection, set()).update(ops)
    return _complete(offered)


def offered_by(
    compute: "type[NodeDriver] | None" = None, storage: type | None = None, *, leave_out: Iterable[str] = ()
) -> tuple[dict[str, set[str]], dict[str, list[str]]]:
    """What the classes implement and the features their standard methods support, without the
    collections a provider leaves out (where libcloud's mapping does not fit its cloud)."""
    offered = introspect(compute=compute, storage=storage)
    features = standard_features(compute) if compute is not None else {}
    for collection in leave_out:
        offered.pop(collection, None)
        features.pop(collection, None)
    return offered, features


def build_capabilities(
    offered: Mapping[str, Iterable[str]],
    features: Mapping[str, Iterable[str]] | None = None,
    constraints: Mapping[str, Mapping[str, Mapping[str, str | int]]] | None = None,
) -> Capabilities:
    """Capabilities for the offered operations; ``instance_states`` whenever instances are listed."""
    declared: list[tuple[str, CollectionSupport]] = [supports("drivers", "index", "show")]
    for collection, ops in offered.items():
        declared.append(supports(collection, *sorted(ops), features=(features or {}).get(collection, ()),
                                 constraints=(constraints or {}).get(collection)))
    if "index" in set(offered.get("instances", ())):
        declared.append(supports("instance_states", "index"))
    return Capabilities.of(*declared)


def declared(
    offered: Mapping[str, Iterable[str]], features: Mapping[str, Iterable[str]] | None = None
) -> tuple[Capabilities, StateMachine | None]:
    """A driver's capabilities and its instances' life cycle (None without instances), from what it offers."""
    instances = offered.get("instances")
    return build_capabilities(offered, features), state_machine(instances) if instances is not None else None


def state_machine(instance_operations: Iterable[str]) -> StateMachine:
    """The life cycle a libcloud cloud offers: only the transitions whose action is implemented."""
    ops = set(instance_operations)
    lines = ["pending -> running"]
    if "create" in ops:
        lines.insert(0, "start -create-> pending")
    if "reboot" in ops:
        lines.append("running -reboot-> running")
    if "stop" in ops:
        lines.append("running -stop-> stopped")
    if "start" in ops:
        lines.append("stopped -start-> running")
    if "destroy" in ops:
        # clouds delete a server still being built (Nova, DigitalOcean, EC2 itself): a launch that fails
        # midway can then take back what it started, and a client need not wait for a server it gave up on
        lines += ["pending -destroy-> finish", "running -destroy-> finish", "stopped -destroy-> finish",
                  "error -destroy-> finish"]
    return StateMachine.parse(*lines)


def standard_features(compute: "type[NodeDriver]") -> dict[str, list[str]]:
    """Catalogue features (spec §8) a libcloud compute class supports through its standard methods."""
    features: dict[str, list[str]] = {"instances": create_node_features(compute)}
    if implements(compute, "create_image"):
        features["images"] = ["image_name"]
    if implements(compute, "import_key_pair_from_string"):
        features["keys"] = ["import_key"]
    if implements(compute, "create_volume"):
        features["storage_volumes"] = ["volume_name"]
    return features
