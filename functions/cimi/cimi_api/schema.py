"""CIMI's vocabulary: namespaces, resource type URIs, collection paths, entry keys and element names.

One table, :data:`COLLECTIONS`, ties each collection's URL path to its CloudEntryPoint key, its
resource type and the JSON key of its entries (spec §1.1, §2.3, §3); everything else about naming
is derived from it or listed here, so the renderer and the parsers never guess.
"""

from dataclasses import dataclass

NAMESPACE = "http://schemas.dmtf.org/cimi/1"
ACTION = f"{NAMESPACE}/action"
CAPABILITY = f"{NAMESPACE}/capability"
SPECIFICATION_VERSION = "1.0.1"


def type_uri(resource: str) -> str:
    """``Machine`` → ``http://schemas.dmtf.org/cimi/1/Machine`` (also ``MachineCollection``)."""
    return f"{NAMESPACE}/{resource}"


def action_uri(name: str) -> str:
    return f"{ACTION}/{name}"


@dataclass(frozen=True)
class CollectionName:
    path: str  # URL segment under /cimi
    cep_key: str  # attribute of the CloudEntryPoint
    resource: str  # resource type name (XML element of each entry)
    entries: str  # JSON key of the entries in a collection document


#: every top-level collection, in the CloudEntryPoint order DMTF defines (spec §3)
COLLECTIONS: tuple[CollectionName, ...] = (
    CollectionName("resource_metadata", "resourceMetadata", "ResourceMetadata", "resourceMetadata"),
    CollectionName("systems", "systems", "System", "systems"),
    CollectionName("system_templates", "systemTemplates", "SystemTemplate", "systemTemplates"),
    CollectionName("machines", "machines", "Machine", "machines"),
    CollectionName("machine_templates", "machineTemplates", "MachineTemplate", "machineTemplates"),
    CollectionName("machine_configurations", "machineConfigs", "MachineConfiguration", "machineConfigurations"),
    CollectionName("machine_images", "machineImages", "MachineImage", "machineImages"),
    CollectionName("credentials", "credentials", "Credential", "credentials"),
    CollectionName("credential_templates", "credentialTemplates", "CredentialTemplate", "credentialTemplates"),
    CollectionName("volumes", "volumes", "Volume", "volumes"),
    CollectionName("volume_templates", "volumeTemplates", "VolumeTemplate", "volumeTemplates"),
    CollectionName("volume_configurations", "volumeConfigs", "VolumeConfiguration", "volumeConfigurations"),
    CollectionName("volume_images", "volumeImages", "VolumeImage", "volumeImages"),
    CollectionName("networks", "networks", "Network", "networks"),
    CollectionName("network_templates", "networkTemplates", "NetworkTemplate", "networkTemplates"),
    CollectionName("network_configurations", "networkConfigs", "NetworkConfiguration", "networkConfigurations"),
    CollectionName("addresses", "addresses", "Address", "addresses"),
    CollectionName("address_templates", "addressTemplates", "AddressTemplate", "addressTemplates"),
    CollectionName("forwarding_groups", "forwardingGroups", "ForwardingGroup", "forwardingGroups"),
    CollectionName("jobs", "jobs", "Job", "jobs"),
)

#: sub-collections of a resource: JSON entries key -> XML entry element
SUB_COLLECTIONS: dict[str, str] = {
    "disks": "Disk",
    "machineVolumes": "MachineVolume",
    "systemMachines": "SystemMachine",
    "systemVolumes": "SystemVolume",
    "systemCredentials": "SystemCredential",
    "systemNetworks": "SystemNetwork",
    "systemAddresses": "SystemAddress",
}

#: JSON entries key -> XML element of one entry, for every collection document
ENTRY_ELEMENTS: dict[str, str] = {**{c.entries: c.resource for c in COLLECTIONS}, **SUB_COLLECTIONS}

#: array attributes whose XML element is not simply the JSON key without its final "s"
SINGULAR: dict[str, str] = {
    "addresses": "address",
    "capabilities": "capability",
    "affectedResources": "affectedResource",
    "nestedJobs": "nestedJob",
}
PLURAL: dict[str, str] = {singular: plural for plural, singular in SINGULAR.items()}

#: array entries XML writes as attributes of their element rather than as children (spec §4.16)
XML_ATTRIBUTE_FIELDS: dict[str, tuple[str, ...]] = {
    "operation": ("rel",),
    "attribute": ("name", "namespace", "type", "required"),
    "capability": ("name", "uri", "description"),
    "action": ("name", "uri", "description", "method", "inputMessage", "outputMessage"),
}
#: ... and the one field such an element carries as its text
XML_TEXT_FIELD: dict[str, str] = {"capability": "value"}


def singular(plural: str) -> str:
    return SINGULAR.get(plural) or (plural[:-1] if plural.endswith("s") else plural)


def plural(singular_name: str) -> str:
    return PLURAL.get(singular_name) or f"{singular_name}s"


#: Deltacloud instance state -> CIMI Machine state (spec §4.1)
MACHINE_STATES: dict[str, str] = {
    "START": "CREATING",
    "PENDING": "CREATING",
    "RUNNING": "STARTED",
    "SHUTTING_DOWN": "STOPPING",
    "STOPPING": "STOPPING",
    "STOPPED": "STOPPED",
    "FINISH": "DELETING",
    "TERMINATED": "DELETING",
    "ERROR": "ERROR",
}
#: Machine states that will change by themselves; a Job watching the Machine keeps running
MACHINE_TRANSITIONS = frozenset({"CREATING", "STARTING", "STOPPING", "DELETING", "PAUSING", "SUSPENDING"})

#: Deltacloud instance action -> CIMI operation name (the URL segment and the action URI's last part)
MACHINE_ACTIONS: dict[str, str] = {"start": "start", "stop": "stop", "reboot": "restart"}
