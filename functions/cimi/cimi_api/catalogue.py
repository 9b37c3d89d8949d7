"""Every top-level collection document, by its path: what the routes serve and the CloudEntryPoint embeds."""

from collections.abc import Callable

from . import (
    addresses,
    configurations,
    credentials,
    images,
    jobs,
    machines,
    metadata,
    networks,
    systems,
    volume_images,
    volumes,
)
from .addresses import ADDRESS_TEMPLATES
from .common import Document
from .context import CimiCall
from .credentials import CREDENTIAL_TEMPLATES
from .local_kinds import LocalKind, local_collection
from .networks import NETWORK_CONFIGURATIONS, NETWORK_TEMPLATES
from .systems import SYSTEM_TEMPLATES
from .templates import MACHINE_TEMPLATES
from .volumes import VOLUME_CONFIGURATIONS, VOLUME_TEMPLATES

Builder = Callable[[CimiCall], Document]

#: the kinds of resource only the proxy holds
LOCAL_KINDS: tuple[LocalKind, ...] = (MACHINE_TEMPLATES, CREDENTIAL_TEMPLATES, VOLUME_CONFIGURATIONS, VOLUME_TEMPLATES,
                                      NETWORK_CONFIGURATIONS, NETWORK_TEMPLATES, ADDRESS_TEMPLATES, SYSTEM_TEMPLATES)


def _local(kind: LocalKind) -> Builder:
    return lambda call: local_collection(call, kind)


#: collection path -> (builder of its collection document, resource type of its entries)
COLLECTION_DOCUMENTS: dict[str, tuple[Builder, str]] = {
    "resource_metadata": (metadata.metadata_collection, "ResourceMetadata"),
    "systems": (systems.systems_collection, "System"),
    "machines": (machines.machines_collection, "Machine"),
    "machine_configurations": (configurations.configurations_collection, "MachineConfiguration"),
    "machine_images": (images.images_collection, "MachineImage"),
    "credentials": (credentials.credentials_collection, "Credential"),
    "volumes": (volumes.volumes_collection, "Volume"),
    "volume_images": (volume_images.volume_images_collection, "VolumeImage"),
    "networks": (networks.networks_collection, "Network"),
    "forwarding_groups": (networks.groups_collection, "ForwardingGroup"),
    "addresses": (addresses.addresses_collection, "Address"),
    "jobs": (jobs.jobs_collection, "Job"),
    **{kind.path: (_local(kind), kind.resource) for kind in LOCAL_KINDS},
}
