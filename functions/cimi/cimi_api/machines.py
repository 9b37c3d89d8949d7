"""Machines: the driver's instances, with their disks and attached volumes (spec §4.1; see :mod:`.machine_parts`).

A Machine's ``operations`` are what the driver declares *and* the instance's state allows now;
anything else is refused before a backend call. Every change answers with a Job.
"""

from typing import Any

from deltacloud import volume_actions
from deltacloud.driver import Driver
from deltacloud.errors import NotFound, ValidationError
from deltacloud.lifecycle import allowed_instance_actions, perform_instance_action
from deltacloud.model import Instance, InstanceCreate
from starlette.responses import Response

from .bodies import href_id, href_of, text
from .common import Document, common_attributes, operation
from .configurations import match_configuration, profile_by_id, profile_values
from .context import CimiCall
from .driver_kinds import Creation, DriverKind, find_held
from .errors import MethodNotAllowed, error_response
from .jobs import Job, start_job
from .listing import collection_document, resource_document
from .local_kinds import resolve
from .machine_parts import attached_volumes, disk_documents, expander, machine_volume_document, volume_collection_ops
from .outcomes import created_response, deleted_response, job_response
from .representation import document_response
from .schema import MACHINE_ACTIONS, MACHINE_STATES, action_uri
from .storage import Record, editable_fields
from .templates import MACHINE_TEMPLATES

#: CIMI operation in a URL -> Deltacloud instance action
OPERATIONS = {cimi: action for action, cimi in MACHINE_ACTIONS.items()}
#: the Machine state each action promises
PROMISED = {"start": "STARTED", "stop": "STOPPED", "reboot": "STARTED"}


# -- representation -------------------------------------------------------------------------
def machine_document(call: CimiCall, instance: Instance, extra: Record) -> Document:
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


# -- disks and volumes ----------------------------------------------------------------------
def list_disks(call: CimiCall) -> Response:
    call.require("instances", "show")
    instance = find_held(call, MACHINES, call.params["id"])
    entries = disk_documents(call, instance)
    document = collection_document(call, f"machines/{instance.id}/disks", "disks", entries)
    return document_response(call.fmt, document, "Disk", collection=True)


def show_disk(call: CimiCall) -> Response:
    call.require("instances", "show")
    instance = find_held(call, MACHINES, call.params["id"])
    disk = next((d for d in disk_documents(call, instance) if d["name"] == call.params["disk"]), None)
    if disk is None:
        raise NotFound(f"Disk '{call.params['disk']}' not found on Machine '{instance.id}'")
    return document_response(call.fmt, resource_document(call, disk), "Disk")


def list_machine_volumes(call: CimiCall) -> Response:
    call.require("instances", "show")
    instance = find_held(call, MACHINES, call.params["id"])
    entries = [machine_volume_document(call, instance.id, vid, dev) for vid, dev in attached_volumes(call, instance)]
    document = collection_document(call, f"machines/{instance.id}/volumes", "machineVolumes", entries,
                                   volume_collection_ops(call, instance.id))
    return document_response(call.fmt, document, "MachineVolume", collection=True)


def show_machine_volume(call: CimiCall) -> Response:
    call.require("instances", "show")
    instance = find_held(call, MACHINES, call.params["id"])
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
    profile_id: str | None = None
    overrides: dict[str, str] = {}
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


def launch(call: CimiCall, body: dict[str, Any]) -> Creation[Instance]:
    """The Machine a MachineCreate document describes; its Job follows it to its initial state."""
    call.require("instances", "create")
    fields = editable_fields(body)
    template = machine_template(call, body)
    state = initial_state(call, template)
    request = instance_request(call, template, body)

    def create() -> tuple[Instance, Job]:
        instance = call.driver.create_instances(request)[0]
        # Most clouds launch running machines (EC2 knows no other way): a STOPPED one is stopped once it runs.
        # Some create them powered off (RHEV-M): a STARTED one is started once it is created. (Only there:
        # elsewhere a machine its owner stopped while booting would be started again by a read of the Job.)
        then: dict[str, str] | None = None
        if state == "STOPPED":
            then = {"when": "STARTED", "action": "stop", "until": "STOPPED"}
        elif call.driver.launches_stopped:
            then = {"when": "STOPPED", "action": "start", "until": "STARTED"}
        return MACHINES.added(call, instance, fields, state, then=then)

    return create


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


def machine_part(call: CimiCall) -> Response:
    """``GET /machines/<id>/<part>`` of no disks or volumes: an operation's URL (405, it is POSTed) or nothing
    (404; the operations' POST route made any part a 405)."""
    part = call.params["part"]
    if part not in OPERATIONS:
        raise NotFound(f"Machines have no '{part}'")
    refused = error_response(MethodNotAllowed(f"'{part}' is an operation: POST it"), call.fmt,
                             call.request.url.path, call.driver_name, call.provider)
    refused.headers["Allow"] = "POST"
    return refused


def action_on_machine(call: CimiCall) -> Response:
    """CIMI also lets a client POST the Action to the Machine itself."""
    requested = call.body.get("action")
    if not requested:
        raise ValidationError("Required attributes not set: action")
    return act(call, href_id(text(requested, "action")))


def _destroy(driver: Driver, machine_id: str) -> None:
    """Deleting a Machine is an instance action: refused where the instance's state forbids it."""
    perform_instance_action(driver, machine_id, "destroy")


MACHINES: DriverKind[Instance] = DriverKind(
    path="machines", resource="Machine", entries="machines", collection="instances",
    render=machine_document, plan=launch, watch="machine", expander=expander, destroy=_destroy,
)


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
    find_held(call, MACHINES, machine_id)
    volume_actions.attach_volume(call.driver, volume_id, machine_id, device)
    job = start_job(call, action_uri("attach"), f"machines/{machine_id}", ("volume", volume_id,
                    f"ATTACHED:{machine_id}"), affected=(f"volumes/{volume_id}",))
    return created_response(call, job, call.url("machines", machine_id, "volumes", volume_id), "MachineVolume",
                            lambda: machine_volume_document(call, machine_id, volume_id, device))


def detach_volume(call: CimiCall) -> Response:
    call.require("storage_volumes", "detach")
    instance = find_held(call, MACHINES, call.params["id"])
    volume_id = call.params["volume"]
    if volume_id not in dict(attached_volumes(call, instance)):
        raise NotFound(f"Volume '{volume_id}' is not attached to Machine '{instance.id}'")
    call.driver.detach_storage_volume(volume_id)
    job = start_job(call, action_uri("detach"), f"machines/{instance.id}", ("volume", volume_id, "AVAILABLE"),
                    affected=(f"volumes/{volume_id}",))
    return deleted_response(call, job)

