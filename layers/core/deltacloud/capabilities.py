"""What a driver can do, as data.

The catalogue below lists every collection with the operations it may offer, and every
optional feature (spec §8). A driver declares the subset it supports with :func:`supports`;
a name outside the catalogue raises at import time, so a typo never silently hides a feature
(the original's mock advertised no ``user_data`` because it spelled it ``user_Data``).

Every front-end derives its discovery document from a :class:`Capabilities` object, and
refuses an operation that is not in it before any backend call.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


class UnknownCapability(ValueError):
    """A driver declared a collection, operation or feature that does not exist."""


#: collection -> operations it can offer (index/show/create/destroy plus its actions)
COLLECTIONS: dict[str, tuple[str, ...]] = {
    "drivers": ("index", "show"),
    "realms": ("index", "show"),
    "hardware_profiles": ("index", "show"),
    "images": ("index", "show", "create", "destroy"),
    "instances": ("index", "show", "create", "destroy", "start", "stop", "reboot", "run"),
    "instance_states": ("index",),
    "keys": ("index", "show", "create", "destroy"),
    "storage_volumes": ("index", "show", "create", "destroy", "attach", "detach"),
    "storage_snapshots": ("index", "show", "create", "destroy"),
    "buckets": (
        "index", "show", "create", "destroy",
        "blob_show", "blob_create", "blob_destroy", "blob_metadata", "blob_update_metadata", "blob_content",
    ),
    "addresses": ("index", "show", "create", "destroy", "associate", "disassociate"),
    "firewalls": ("index", "show", "create", "destroy", "rule_create", "rule_destroy"),
    "load_balancers": ("index", "show", "create", "destroy", "register", "unregister"),
    "metrics": ("index", "show"),
    "networks": ("index", "show", "create", "destroy"),
    "subnets": ("index", "show", "create", "destroy"),
    "network_interfaces": ("index", "show", "create", "destroy"),
}


@dataclass(frozen=True)
class FeatureParam:
    name: str
    type: str = "string"


@dataclass(frozen=True)
class Feature:
    """An optional extension of one collection operation (spec §8)."""

    name: str
    collection: str
    operation: str | None  # None: the feature extends no single operation (hardware_profiles)
    params: tuple[FeatureParam, ...]
    description: str


def _f(name: str, collection: str, operation: str | None, params: tuple[str, ...], description: str) -> Feature:
    typed = tuple(FeatureParam(p, "array" if p == "firewalls" else "string") for p in params)
    return Feature(name, collection, operation, typed, description)


#: the global catalogue, in catalogue order (also the order features are advertised in)
FEATURES: dict[str, Feature] = {
    f.name: f
    for f in (
        _f("owner_id", "images", "index", ("owner_id",), "Filter images by owner"),
        _f("image_name", "images", "create", ("name",), "Name the image created from an instance"),
        _f("image_description", "images", "create", ("description",), "Describe the created image"),
        _f("bucket_location", "buckets", "create", ("location",), "Region or location for the new bucket"),
        _f("metrics", "instances", "create", ("metrics",), "Enable detailed monitoring at launch"),
        _f("realm_filter", "instances", "index", ("realm_id",), "Filter instances by realm"),
        _f("user_name", "instances", "create", ("name",), "User-defined instance name"),
        _f("user_data", "instances", "create", ("user_data",), "Base64 user data for the instance"),
        _f("user_files", "instances", "create", ("user_files",), "Files injected into the instance"),
        _f("user_iso", "instances", "create", ("user_iso",), "Base64 gzipped ISO exposed as a CD-ROM"),
        _f("firewalls", "instances", "create", ("firewalls",), "Launch the instance into firewalls"),
        _f("authentication_key", "instances", "create", ("keyname",), "Key-based instance login"),
        _f("authentication_password", "instances", "create", ("password",), "Password-based instance login"),
        _f("hardware_profiles", "instances", None, (), "Resize through hardware profile properties"),
        _f("register_to_load_balancer", "instances", "create", ("load_balancer_id",),
           "Register the instance with a load balancer"),
        _f("instance_count", "instances", "create", ("instance_count",), "Launch several instances at once"),
        _f("attach_snapshot", "instances", "create", ("snapshot_id", "device_name"),
           "Attach a snapshot as a volume at launch"),
        _f("sandboxing", "instances", "create", ("sandbox",), "Launch sandbox images"),
        _f("import_key", "keys", "create", ("public_key",), "Import an existing public key"),
        _f("volume_name", "storage_volumes", "create", ("name",), "Name a new volume"),
        _f("volume_description", "storage_volumes", "create", ("description",), "Describe a new volume"),
    )
}


@dataclass(frozen=True)
class CollectionSupport:
    """The operations and features a driver offers for one collection."""

    operations: frozenset[str]
    features: tuple[str, ...] = ()
    constraints: Mapping[str, Mapping[str, str | int]] = field(default_factory=dict)


def supports(
    collection: str,
    *operations: str,
    features: Iterable[str] = (),
    constraints: Mapping[str, Mapping[str, str | int]] | None = None,
) -> tuple[str, CollectionSupport]:
    """Declare support for ``collection``; every name is checked against the catalogue.

    >>> supports("instances", "index", "show", features=["user_name"])[0]
    'instances'
    """
    if collection not in COLLECTIONS:
        raise UnknownCapability(f"unknown collection {collection!r}")
    unknown_ops = [op for op in operations if op not in COLLECTIONS[collection]]
    if unknown_ops:
        raise UnknownCapability(f"unknown operations {unknown_ops} for collection {collection!r}")
    declared = tuple(features)
    for name in declared:
        feature = FEATURES.get(name)
        if feature is None:
            raise UnknownCapability(f"unknown feature {name!r} (catalogue: {', '.join(FEATURES)})")
        if feature.collection != collection:
            raise UnknownCapability(f"feature {name!r} belongs to {feature.collection!r}, not {collection!r}")
    for name in (constraints or {}):
        if name not in declared:
            raise UnknownCapability(f"constraint given for undeclared feature {name!r}")
    ordered = tuple(name for name in FEATURES if name in declared)
    return collection, CollectionSupport(frozenset(operations), ordered, dict(constraints or {}))


@dataclass(frozen=True)
class Capabilities:
    """Everything one driver (for one provider and credentials) supports."""

    collections: Mapping[str, CollectionSupport]

    @classmethod
    def of(cls, *declarations: tuple[str, CollectionSupport]) -> "Capabilities":
        return cls(dict(declarations))

    def has_collection(self, collection: str) -> bool:
        support = self.collections.get(collection)
        return support is not None and "index" in support.operations

    def supports(self, collection: str, operation: str) -> bool:
        support = self.collections.get(collection)
        return support is not None and operation in support.operations

    def features(self, collection: str) -> list[Feature]:
        support = self.collections.get(collection)
        return [FEATURES[name] for name in support.features] if support else []

    def has_feature(self, collection: str, feature: str) -> bool:
        support = self.collections.get(collection)
        return support is not None and feature in support.features

    def constraints(self, collection: str, feature: str) -> Mapping[str, str | int]:
        support = self.collections.get(collection)
        return support.constraints.get(feature, {}) if support else {}

    def listed_collections(self) -> list[str]:
        """Collections in catalogue order that appear in discovery documents."""
        return [name for name in COLLECTIONS if self.has_collection(name)]

    def without(self, collection: str, *operations: str) -> "Capabilities":
        """A copy lacking some operations (or the whole collection): used by introspection."""
        updated = dict(self.collections)
        if collection in updated:
            if operations:
                current = updated[collection]
                updated[collection] = CollectionSupport(
                    current.operations - set(operations), current.features, current.constraints
                )
            else:
                del updated[collection]
        return Capabilities(updated)
