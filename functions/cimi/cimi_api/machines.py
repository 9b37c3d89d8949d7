"""Machines: the driver's instances, with their disks and attached volumes (spec §4.1).

A Machine's ``operations`` are what the driver declares *and* the instance's state allows now;
anything else is refused before a backend call. Every change answers with a Job.
"""

from typing import Any

from deltacloud.errors import NotFound, ValidationError
from deltacloud.lifecycle import allowed_instance_actions, perform_instance_action
from deltacloud.model import Instance, InstanceCreate, StorageVolume
from starlette.responses import Response

from .bodies import href_id, href_of, text
from .common import Document, common_attributes, operation
from .configurations import match_configuration, profile_by_id, profile_values
from .context import CimiCall
from .jobs import Job, job_headers, job_response, start_job, succeeded
from .listing import collection_document, resource_document, wants
from .local_kinds import resolve
from .representation import document_response, empty_response
from .schema import MACHINE_ACTIONS, MACHINE_STATES, action_uri
from .storage import Overlay, edit_fields, editable_fields, now
from .templates import MACHINE_TEMPLATES

#: CIMI operation in a URL -> Deltacloud instance action
OPERATIONS = {cimi: action for action, cimi in MACHINE_ACTIONS.items()}
#: the Machine state each action promises
PROMISED = {"start": "STARTED", "stop": "STOPPED", "reboot": "STARTED"}


def overlay(call: CimiCall) -> Overlay:
    return Overlay(call.state, "machine")


def find_instance(call: CimiCall, machine_id: str) -> Instance:
    instance = call.driver.instance(machine_id)
    if instance is None:
        raise NotFound(f"Machine '{machine_id}' not found")
    return instance


# -- representation -------------------------------------------------------------------------
def machine_document(call: CimiCall, instance: Instance, extra: dict[str, Any]) -> Document:
    url = call.url("machines", instance.id)
    name = extra.get("name") or instance.name or instance.id
    document = common_attributes(url, extra, name, f"No description set for Machine {name}", instance.launch_time)
    if instance.realm_id:
        document["realm"] = instance.realm_id
    if instance.image_id:
        document["machineImage"] = call.ref("machine_images", instance.image_id)
    state = (instance.state or "").upper()
    document["state"] = MACHINE_STATES.get(state, state)
    profile = profile_by_id(call, instance.hardware_profile_id)
    if profile is not None:
        values = profile_values(profile, instance.hardware_profile_overrides)
        for attribute in ("cpu", "memory"):
            if attribute in values:
                document[attribute] = values[attribute]
    document["disks"] = {"href": f"{url}/disks"}
    document["volumes"] = {"href": f"{url}/volumes"}
    document["operations"] = machine_operations(call, instance, url)
    return document


def machine_operations(call: CimiCall, instance: Instance, url: str) -> list[dict[str, str]]:
    ops = [operation("edit", url)]
    for action in allowed_instance_actions(call.driver, instance):
        if not call.supports("instances", action):
            continue
        if action == "destroy":
            ops.append(operation("delete", url))
        elif action in MACHINE_ACTIONS:
            ops.append(operation(action_uri(MACHINE_ACTIONS[action]), f"{url}/{MACHINE_ACTIONS[action]}"))
    if instance.create_image and call.supports("images", "create"):
        ops.append(operation(action_uri("capture"), call.url("machine_images")))
    return ops


def disk_documents(call: CimiCall, instance: Instance) -> list[Document]:
    profile = profile_by_id(call, instance.hardware_profile_id)
    capacity = profile_values(profile, instance.hardware_profile_overrides).get("storage") if profile else None
    if capacity is None:
        return []
    name = f"{instance.id}_disk_{capacity}"
    return [{"id": call.url("machines", instance.id, "disks", name), "name": name,
             "description": f"Disk for Machine {instance.id}", "capacity": capacity}]


def attached_volumes(call: CimiCall, instance: Instance) -> list[tuple[str, str | None]]:
    """(volume id, device) of every volume attached to the instance."""
    if call.supports("storage_volumes", "index"):
        volumes: list[StorageVolume] = call.memo("storage_volumes", lambda: call.driver.storage_volumes({}))
        return [(v.id, v.device) for v in volumes if v.instance_id == instance.id]
    return [(v.id, v.device) for v in instance.storage_volumes]


def machine_volume_document(call: CimiCall, machine_id: str, volume_id: str, device: str | None) -> Document:
    url = call.url("machines", machine_id, "volumes", volume_id)
    document: Document = {"id": url, "name": volume_id,
                          "description": f"MachineVolume {volume_id} for Machine {machine_id}"}
    if device:
        document["initialLocation"] = device
    document["volume"] = call.ref("volumes", volume_id)
    if call.supports("storage_volumes", "detach"):
        document["operations"] = [operation("delete", url)]
    return document


def _embedded(url: str, entries_key: str, entries: list[Document], ops: list[dict[str, str]]) -> Document:
    document: Document = {"id": url, "href": url, "count": len(entries)}
    if entries:
        document[entries_key] = entries
    if ops:
        document["operations"] = ops
    return document


def _volume_collection_ops(call: CimiCall, machine_id: str) -> list[dict[str, str]]:
    if call.supports("storage_volumes", "attach"):
        return [operation("add", call.url("machines", machine_id, "volumes"))]
    return []


def expander(call: CimiCall, instances: dict[str, Instance]) -> Any:
    def expand(document: Document, expanded: set[str]) -> Document:
        instance = instances[document["id"].rsplit("/", 1)[-1]]
        document = dict(document)
        if wants(expanded, "disks"):
            document["disks"] = _embedded(document["disks"]["href"], "disks", disk_documents(call, instance), [])
        if wants(expanded, "volumes"):
            entries = [machine_volume_document(call, instance.id, vid, dev)
                       for vid, dev in attached_volumes(call, instance)]
            document["volumes"] = _embedded(document["volumes"]["href"], "machineVolumes", entries,
                                            _volume_collection_ops(call, instance.id))
        return document

    return expand


# -- reading --------------------------------------------------------------------------------
def machines_collection(call: CimiCall) -> Document:
    call.require("instances", "index")
    instances = call.driver.instances({})
    extras = overlay(call).all()
    entries = [machine_document(call, i, extras.get(i.id, {})) for i in instances]
    ops = [operation("add", call.url("machines"))] if call.supports("instances", "create") else []
    by_id = {i.id: i for i in instances}
    document = collection_document(call, "machines", "machines", entries, ops, expander(call, by_id))
    return document


def show_machine(call: CimiCall) -> Response:
    call.require("instances", "show")
    instance = find_instance(call, call.params["id"])
    document = machine_document(call, instance, overlay(call).get(instance.id))
    document = resource_document(call, document, expander(call, {instance.id: instance}))
    return document_response(call.fmt, document, "Machine")


def list_disks(call: CimiCall) -> Response:
    call.require("instances", "show")
    instance = find_instance(call, call.params["id"])
    entries = disk_documents(call, instance)
    document = collection_document(call, f"machines/{instance.id}/disks", "disks", entries)
    return document_response(call.fmt, document, "Disk", collection=True)


def show_disk(call: CimiCall) -> Response:
    call.require("instances", "show")
    instance = find_instance(call, call.params["id"])
    disk = next((d for d in disk_documents(call, instance) if d["name"] == call.params["disk"]), None)
    if disk is None:
        raise NotFound(f"Disk '{call.params['disk']}' not found on Machine '{instance.id}'")
    return document_response(call.fmt, resource_document(call, disk), "Disk")


def list_machine_volumes(call: CimiCall) -> Response:
    call.require("instances", "show")
    instance = find_instance(call, call.params["id"])
    entries = [machine_volume_document(call, instance.id, vid, dev) for vid, dev in attached_volumes(call, instance)]
    document = collection_document(call, f"machines/{instance.id}/volumes", "machineVolumes", entries,
                                   _volume_collection_ops(call, instance.id))
    return document_response(call.fmt, document, "MachineVolume", collection=True)


def show_machine_volume(call: CimiCall) -> Response:
    call.require("instances", "show")
    instance = find_instance(call, call.params["id"])
    device = dict(attached_volumes(call, instance))
    volume_id = call.params["volume"]
    if volume_id not in device:
        raise NotFound(f"Volume '{volume_id}' is not attached to Machine '{instance.id}'")
    document = machine_volume_document(call, instance.id, volume_id, device[volume_id])
    return document_response(call.fmt, resource_document(call, document), "MachineVolume")


# -- creating -------------------------------------------------------------------------------
def machine_template(call: CimiCall, body: dict[str, Any]) -> dict[str, Any]:
    """The MachineTemplate of a MachineCreate: by reference (a stored template) or by value."""
    # inline, only the image is needed: the driver picks its default configuration
    return resolve(call, body.get("machineTemplate"), MACHINE_TEMPLATES, "machineTemplate", ("machineImage",))


def instance_request(call: CimiCall, template: dict[str, Any], body: dict[str, Any]) -> InstanceCreate:
    """Translate a checked MachineTemplate (see :mod:`.templates`) into the core's launch request."""
    image_href = href_of(template.get("machineImage"))
    if image_href is None:
        if template.get("machineImage"):
            raise ValidationError("A MachineImage by value is not supported: reference one of machineImages")
        raise ValidationError("Required attributes not set: machineTemplate.machineImage")
    profile_id, overrides = None, {}
    config = template.get("machineConfig")
    if isinstance(config, dict) and config:
        config_href = href_of(config)
        profile_id, overrides = (href_id(config_href), {}) if config_href else match_configuration(call, config)
    request: dict[str, Any] = {"image_id": href_id(image_href), "hardware_profile_id": profile_id,
                               "hardware_profile_overrides": overrides}
    name = body.get("name") or template.get("name")
    if name and call.capabilities.has_feature("instances", "user_name"):
        request["name"] = text(name, "name")
    realm = body.get("realm") or template.get("realm")
    if realm:
        request["realm_id"] = text(realm, "realm")
    credential_href = href_of(template.get("credential"))
    if credential_href:
        request["keyname"] = href_id(credential_href)
    if template.get("userData"):
        request["user_data"] = text(template["userData"], "userData")
    return InstanceCreate(**request)


def initial_state(call: CimiCall, template: dict[str, Any]) -> str:
    state = text(template.get("initialState") or "STARTED", "initialState").upper()
    if state not in ("STARTED", "STOPPED"):
        raise ValidationError(f"initialState must be STARTED or STOPPED, not '{state}'")
    if state == "STOPPED" and not call.supports("instances", "stop"):
        raise ValidationError(f"The {call.driver_name} driver cannot create a STOPPED Machine")
    return state


def launch(call: CimiCall, body: dict[str, Any]) -> tuple[Instance, Job]:
    """Create the Machine a MachineCreate document describes; its Job follows it to its initial state."""
    call.require("instances", "create")
    fields = editable_fields(body)
    template = machine_template(call, body)
    state = initial_state(call, template)
    instance = call.driver.create_instances(instance_request(call, template, body))[0]
    overlay(call).save(instance.id, {**fields, "created": now()})
    # Clouds launch running machines (EC2 knows no other way): a STOPPED one is stopped once it runs.
    then = {"when": "STARTED", "action": "stop", "until": "STOPPED"} if state == "STOPPED" else None
    return instance, start_job(call, "add", f"machines/{instance.id}", ("machine", instance.id, state), then=then)


def create_machine(call: CimiCall) -> Response:
    instance, job = launch(call, call.body)
    location = call.url("machines", instance.id)
    if not succeeded(job):
        return job_response(call, job, location)
    current = call.driver.instance(instance.id) or instance
    document = machine_document(call, current, overlay(call).get(instance.id))
    return document_response(call.fmt, document, "Machine", status=201, headers=job_headers(call, job, location))


# -- changing -------------------------------------------------------------------------------
def _checked_action(call: CimiCall, operation_name: str) -> None:
    """An Action body, if sent, must name the operation of the URL (the original trusted the body)."""
    requested = call.body.get("action")
    if requested:
        named = href_id(text(requested, "action"))
        if named != operation_name:
            raise ValidationError(f"The Action names '{named}' but was sent to the '{operation_name}' operation")
    if "force" in call.body and str(call.body["force"]).strip().lower() not in ("true", "false"):
        raise ValidationError("force must be true or false")


def act(call: CimiCall, operation_name: str) -> Response:
    action = OPERATIONS.get(operation_name)
    if action is None:
        raise NotFound(f"Machines have no '{operation_name}' operation")
    call.require("instances", action)
    _checked_action(call, operation_name)
    machine_id = call.params["id"]
    perform_instance_action(call.driver, machine_id, action)
    job = start_job(call, action_uri(operation_name), f"machines/{machine_id}",
                    ("machine", machine_id, PROMISED[action]))
    return job_response(call, job)


def machine_action(call: CimiCall) -> Response:
    return act(call, call.params["action"])


def action_on_machine(call: CimiCall) -> Response:
    """CIMI also lets a client POST the Action to the Machine itself."""
    requested = call.body.get("action")
    if not requested:
        raise ValidationError("Required attributes not set: action")
    return act(call, href_id(text(requested, "action")))


def delete_machine(call: CimiCall) -> Response:
    call.require("instances", "destroy")
    machine_id = call.params["id"]
    perform_instance_action(call.driver, machine_id, "destroy")
    overlay(call).forget(machine_id)
    job = start_job(call, "delete", f"machines/{machine_id}", ("machine", machine_id, "GONE"))
    if succeeded(job):
        return empty_response(200, job_headers(call, job))
    return job_response(call, job)


def edit_machine(call: CimiCall) -> Response:
    call.require("instances", "show")
    instance = find_instance(call, call.params["id"])
    extra = overlay(call).save(instance.id, edit_fields(call.body, call.query("$select")))
    return document_response(call.fmt, machine_document(call, instance, extra), "Machine")


# -- volumes --------------------------------------------------------------------------------
def attach_volume(call: CimiCall) -> Response:
    call.require("storage_volumes", "attach")
    machine_id = call.params["id"]
    body = call.body
    volume_href = href_of(body.get("volume"))
    if volume_href is None:
        raise ValidationError("Required attributes not set: volume")
    device = text(body.get("initialLocation") or "", "initialLocation")
    if not device:
        raise ValidationError("Required attributes not set: initialLocation")
    volume_id = href_id(volume_href)
    find_instance(call, machine_id)
    call.driver.attach_storage_volume(volume_id, machine_id, device)
    job = start_job(call, action_uri("attach"), f"machines/{machine_id}", ("volume", volume_id,
                    f"ATTACHED:{machine_id}"), affected=(f"volumes/{volume_id}",))
    location = call.url("machines", machine_id, "volumes", volume_id)
    if not succeeded(job):
        return job_response(call, job, location)
    document = machine_volume_document(call, machine_id, volume_id, device)
    return document_response(call.fmt, document, "MachineVolume", status=201,
                             headers=job_headers(call, job, location))


def detach_volume(call: CimiCall) -> Response:
    call.require("storage_volumes", "detach")
    instance = find_instance(call, call.params["id"])
    volume_id = call.params["volume"]
    if volume_id not in dict(attached_volumes(call, instance)):
        raise NotFound(f"Volume '{volume_id}' is not attached to Machine '{instance.id}'")
    call.driver.detach_storage_volume(volume_id)
    job = start_job(call, action_uri("detach"), f"machines/{instance.id}", ("volume", volume_id, "AVAILABLE"),
                    affected=(f"volumes/{volume_id}",))
    if succeeded(job):
        return empty_response(200, job_headers(call, job))
    return job_response(call, job)

