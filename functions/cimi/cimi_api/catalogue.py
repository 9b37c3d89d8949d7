"""Every top-level collection document, by its path: what the routes serve and the CloudEntryPoint embeds.

Builders and local kinds are named ``"module:name"`` below ``cimi_api`` and imported on first use, so
a cold start loads only the resource modules its request touches.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

from deltacloud.lazy_import import resolve
from starlette.responses import Response

from .common import Document
from .context import CimiCall

if TYPE_CHECKING:
    from .local_kinds import LocalKind

Builder = Callable[[CimiCall], Document]

#: collection path -> the function building its collection document
COLLECTION_BUILDERS: dict[str, str] = {
    "resource_metadata": "metadata:metadata_collection",
    "systems": "systems:systems_collection",
    "machines": "machines:machines_collection",
    "machine_configurations": "configurations:configurations_collection",
    "machine_images": "images:images_collection",
    "credentials": "credentials:credentials_collection",
    "volumes": "volumes:volumes_collection",
    "volume_images": "volume_images:volume_images_collection",
    "networks": "networks:networks_collection",
    "forwarding_groups": "networks:groups_collection",
    "addresses": "addresses:addresses_collection",
    "jobs": "jobs:jobs_collection",
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

#: every collection path with a collection document, in route order
COLLECTION_PATHS: tuple[str, ...] = (*COLLECTION_BUILDERS, *LOCAL_KINDS)


def local_kind(path: str) -> "LocalKind":
    return resolve(f"cimi_api.{LOCAL_KINDS[path]}")


def build_collection(call: CimiCall, path: str) -> Document:
    """The collection document at ``path`` (one of :data:`COLLECTION_PATHS`)."""
    if path in LOCAL_KINDS:
        from .local_kinds import local_collection

        return local_collection(call, local_kind(path))
    build: Builder = resolve(f"cimi_api.{COLLECTION_BUILDERS[path]}")
    return build(call)


def local_handler(path: str, operation: str) -> Callable[[CimiCall], Response]:
    """The handler of ``operation`` (``create_local``, ``show_local``, ...) on the local kind at ``path``."""

    def handle(call: CimiCall) -> Response:
        from . import local_kinds

        return getattr(local_kinds, operation)(call, local_kind(path))

    return handle
