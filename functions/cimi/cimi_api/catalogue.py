"""Every top-level collection document, by its path: what the routes serve and the CloudEntryPoint embeds;
and the kinds of resource whose members the generic handlers serve.

Builders and kinds are named ``"module:name"`` below ``cimi_api`` and imported on first use, so a
cold start loads only the resource modules its request touches.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from deltacloud.lazy_import import lazy_function, resolve
from starlette.responses import Response

from .common import Document
from .context import CimiCall

if TYPE_CHECKING:
    from .driver_kinds import DriverKind
    from .local_kinds import LocalKind

Builder = Callable[[CimiCall], Document]

#: collection path -> the function building its collection document, for collections that are no kind below
COLLECTION_BUILDERS: dict[str, str] = {
    "resource_metadata": "metadata:metadata_collection",
    "systems": "systems:systems_collection",
    "machine_configurations": "configurations:configurations_collection",
    "jobs": "jobs:jobs_collection",
}

#: the kinds of resource the driver holds: collection path -> its DriverKind
DRIVER_KINDS: dict[str, str] = {
    "machines": "machines:MACHINES",
    "machine_images": "images:MACHINE_IMAGES",
    "credentials": "credentials:CREDENTIALS",
    "volumes": "volumes:VOLUMES",
    "volume_images": "volume_images:VOLUME_IMAGES",
    "networks": "networks:NETWORKS",
    "forwarding_groups": "networks:FORWARDING_GROUPS",
    "addresses": "addresses:ADDRESSES",
}

#: the kinds of resource only the proxy holds: collection path -> its LocalKind
LOCAL_KINDS: dict[str, str] = {
    "machine_templates": "templates:MACHINE_TEMPLATES",
    "credential_templates": "credentials:CREDENTIAL_TEMPLATES",
    "volume_configurations": "volumes:VOLUME_CONFIGURATIONS",
    "volume_templates": "volumes:VOLUME_TEMPLATES",
    "network_configurations": "networks:NETWORK_CONFIGURATIONS",
    "network_templates": "networks:NETWORK_TEMPLATES",
    "address_templates": "addresses:ADDRESS_TEMPLATES",
    "system_templates": "systems:SYSTEM_TEMPLATES",
}

#: every collection path with a collection document
COLLECTION_PATHS: tuple[str, ...] = (*COLLECTION_BUILDERS, *DRIVER_KINDS, *LOCAL_KINDS)


def local_kind(path: str) -> "LocalKind":
    return resolve(f"cimi_api.{LOCAL_KINDS[path]}")


def driver_kind(path: str) -> "DriverKind[Any]":
    return resolve(f"cimi_api.{DRIVER_KINDS[path]}")


def build_collection(call: CimiCall, path: str) -> Document:
    """The collection document at ``path`` (one of :data:`COLLECTION_PATHS`)."""
    if path in LOCAL_KINDS:
        from .local_kinds import local_collection

        return local_collection(call, local_kind(path))
    if path in DRIVER_KINDS:
        from .driver_kinds import held_collection

        return held_collection(call, driver_kind(path))
    build: Builder = resolve(f"cimi_api.{COLLECTION_BUILDERS[path]}")
    return build(call)


def kind_handler(path: str, operation: str) -> Callable[[CimiCall], Response]:
    """The handler of ``operation`` (``create``, ``show``, ``edit`` or ``delete``) on a member of the kind
    at ``path``: the generic one of :mod:`.local_kinds` or :mod:`.driver_kinds`, imported on first use."""
    find_kind: Callable[[str], LocalKind | DriverKind[Any]]
    if path in LOCAL_KINDS:
        handle_kind, find_kind = lazy_function(f"cimi_api.local_kinds:{operation}_local"), local_kind
    else:
        handle_kind, find_kind = lazy_function(f"cimi_api.driver_kinds:{operation}_held"), driver_kind

    def handle(call: CimiCall) -> Response:
        return handle_kind(call, find_kind(path))

    return handle
