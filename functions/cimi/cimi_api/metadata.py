"""ResourceMetadata: what each resource type offers with the current driver (spec §4.16, §10.6)."""

from typing import Any

from deltacloud.errors import NotFound
from starlette.responses import Response

from .common import Document
from .context import CimiCall
from .discovery import available
from .jobs import RETENTION_MINUTES
from .listing import collection_document, resource_document
from .representation import document_response
from .schema import CAPABILITY, type_uri


def _attribute(resource: str, name: str, kind: str, required: bool, values: list[str] | None = None) -> dict[str, Any]:
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in resource).lstrip("_")
    attribute: dict[str, Any] = {"name": name, "namespace": f"http://deltacloud.org/cimi/{snake}/{name}",
                                 "type": kind, "required": "true" if required else "false"}
    if values:
        attribute["constraints"] = [{"value": value} for value in values]
    return attribute


def _capability(resource: str, name: str, description: str, value: str) -> dict[str, str]:
    return {"name": name, "uri": f"{CAPABILITY}/{resource}/{name}", "description": description, "value": value}


def _realms(call: CimiCall) -> list[str]:
    if not call.supports("realms", "index"):
        return []
    return [realm.id for realm in call.driver.realms({})]


def metadata_entries(call: CimiCall) -> dict[str, dict[str, Any]]:
    """snake_case name -> (type name, attributes, capabilities) of every resource with something to say."""
    caps = call.capabilities
    entries: dict[str, dict[str, Any]] = {
        "cloud_entry_point": {
            "name": "CloudEntryPoint",
            "attributes": [_attribute("CloudEntryPoint", "driver", "string", True),
                           _attribute("CloudEntryPoint", "provider", "string", True)],
            "capabilities": [
                _capability("CloudEntryPoint", name, f"The {param} query parameter is supported", "true")
                for name, param in (("FilterParameter", "$filter"), ("SelectParameter", "$select"),
                                    ("ExpandParameter", "$expand"), ("FirstParameter", "$first"),
                                    ("LastParameter", "$last"))
            ],
        },
    }
    if available(caps, "machines"):
        realms = _realms(call)
        states = ["STARTED", "STOPPED"] if caps.supports("instances", "stop") else ["STARTED"]
        machine_caps = [
            _capability("Machine", "DefaultInitialState", "The initial state of a new Machine by default", "STARTED"),
            _capability("Machine", "InitialStates", "The initial states a new Machine may be asked for",
                        ",".join(states)),
            _capability("Machine", "MachineConfigByValue", "A MachineCreate may give its MachineConfiguration "
                        "by value (matched to the driver's hardware profiles)", "true"),
            _capability("Machine", "MachineImageByValue", "A MachineCreate may give its MachineImage by value",
                        "false"),
            _capability("Machine", "MachineCredentialByValue", "A MachineCreate may give its Credential by value",
                        "false"),
            _capability("Machine", "UserData", "A MachineTemplate may carry userData",
                        "true" if caps.has_feature("instances", "user_data") else "false"),
        ]
        entries["machine"] = {
            "name": "Machine",
            "attributes": [_attribute("Machine", "realm", "string", False, realms),
                           _attribute("Machine", "machineImage", "ref", False)],
            "capabilities": machine_caps,
        }
        entries["machine_template"] = {
            "name": "MachineTemplate",
            "attributes": [_attribute("MachineTemplate", "realm", "string", False, realms)],
        }
    if available(caps, "volumes"):
        entries["volume"] = {
            "name": "Volume",
            "capabilities": [
                _capability("Volume", "VolumeConfigByValue", "A VolumeCreate may give its configuration by value",
                            "true"),
                _capability("Volume", "VolumeTemplateByValue", "A VolumeCreate may give its template by value",
                            "true"),
            ],
        }
    entries["job"] = {
        "name": "Job",
        "capabilities": [_capability("Job", "JobRetention", "Minutes a finished Job is kept",
                                     str(RETENTION_MINUTES))],
    }
    return entries


def _metadata_document(call: CimiCall, key: str, entry: dict[str, Any]) -> Document:
    document: Document = {"id": call.url("resource_metadata", key), "name": entry["name"],
                          "typeUri": type_uri(entry["name"])}
    for part in ("attributes", "capabilities"):
        if entry.get(part):
            document[part] = entry[part]
    return document


def metadata_collection(call: CimiCall) -> Document:
    entries = [_metadata_document(call, key, entry) for key, entry in metadata_entries(call).items()]
    return collection_document(call, "resource_metadata", "resourceMetadata", entries)


def show_metadata(call: CimiCall) -> Response:
    key = call.params["id"]
    entry = metadata_entries(call).get(key)
    if entry is None:
        raise NotFound(f"ResourceMetadata '{key}' not found")
    return document_response(call.fmt, resource_document(call, _metadata_document(call, key, entry)),
                             "ResourceMetadata")
