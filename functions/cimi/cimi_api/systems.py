"""Systems and SystemTemplates: groups of resources created, started, stopped and deleted together
(spec §4.15).

No cloud driver models a System, so the proxy does, over any driver that can create machines: a
SystemTemplate lists component descriptors (a Machine, Volume, Credential, Network or Address
template and a quantity), a System remembers the members it created. Every operation on a
System answers with one Job whose nested Jobs are its members' (start, stop, delete...).
"""

from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from deltacloud.errors import ActionNotAllowed, DeltacloudError, NotFound, ValidationError
from deltacloud.lifecycle import act_on_instance, allowed_instance_actions
from deltacloud.model import Instance
from starlette.responses import Response

from .addresses import ADDRESS_TEMPLATES, ADDRESSES
from .bodies import href_id, integer, text
from .common import Document, common_attributes, operation
from .context import CimiCall
from .credentials import CREDENTIAL_TEMPLATES, CREDENTIALS
from .discovery import available
from .driver_kinds import Creation, DriverKind, forget_deleted
from .jobs import GONE, Job, start_job, start_parent_job
from .listing import collection_document, resource_document
from .local_kinds import LocalKind, new_record, reference_id, resolve
from .machines import MACHINES
from .networks import NETWORK_TEMPLATES, NETWORKS
from .outcomes import created_response, deleted_response, job_response
from .representation import document_response
from .schema import MACHINE_STATES, NAMESPACE, action_uri, singular
from .storage import LocalResources, edit_fields, editable_fields
from .templates import MACHINE_TEMPLATES
from .volumes import VOLUME_TEMPLATES, VOLUMES


@dataclass(frozen=True)
class Component:
    template: str  # the descriptor attribute holding the component's template
    template_kind: LocalKind
    kind: DriverKind[Any]  # what the component creates
    inline_required: tuple[str, ...] | None = None  # what a template given inline must have, if not all

    @property
    def path(self) -> str:
        """Collection path of the created resources."""
        return self.kind.path

    @property
    def member(self) -> str:
        """System<X> resource name."""
        return f"System{self.kind.resource}"

    @property
    def reference(self) -> str:
        """The System<X> attribute referencing the member."""
        return singular(self.kind.path)


COMPONENTS: dict[str, Component] = {
    "Machine": Component("machineTemplate", MACHINE_TEMPLATES, MACHINES, ("machineImage",)),
    "Volume": Component("volumeTemplate", VOLUME_TEMPLATES, VOLUMES),
    "Credential": Component("credentialTemplate", CREDENTIAL_TEMPLATES, CREDENTIALS),
    "Network": Component("networkTemplate", NETWORK_TEMPLATES, NETWORKS),
    "Address": Component("addressTemplate", ADDRESS_TEMPLATES, ADDRESSES),
}
BY_PATH = {component.path: component for component in COMPONENTS.values()}
#: System action -> (instance action, the Machine state it leads to)
ACTIONS = {"start": ("start", "STARTED"), "stop": ("stop", "STOPPED"), "restart": ("reboot", "STARTED")}
MAX_MEMBERS = 50


def _component(descriptor: dict[str, Any]) -> Component:
    name = text(descriptor.get("type") or "", "componentDescriptor.type").rsplit("/", 1)[-1]
    component = COMPONENTS.get(name)
    if component is None:
        raise ValidationError(f"componentDescriptor type must be one of "
                              f"{', '.join(f'{NAMESPACE}/{n}' for n in COMPONENTS)}, not '{name or 'nothing'}'")
    return component


def _check_template(call: CimiCall, template: dict[str, Any]) -> None:
    total = 0
    for descriptor in template["componentDescriptors"]:
        if not isinstance(descriptor, dict):
            raise ValidationError("componentDescriptors must be structures")
        component = _component(descriptor)
        descriptor["type"] = f"{NAMESPACE}/{component.member.removeprefix('System')}"
        quantity = integer(descriptor.get("quantity", 1), "componentDescriptor.quantity")
        if quantity < 1:
            raise ValidationError("componentDescriptor.quantity must be at least 1")
        descriptor["quantity"] = quantity
        total += quantity
        value = descriptor.get(component.template)
        if reference_id(value, component.template_kind.path) is None:
            new_record(call, component.template_kind, value if isinstance(value, dict) else {},
                       component.inline_required)
        else:
            resolve(call, value, component.template_kind, component.template)
    if total > MAX_MEMBERS:
        raise ValidationError(f"A System may have at most {MAX_MEMBERS} members, not {total}")


SYSTEM_TEMPLATES = LocalKind(
    path="system_templates", resource="SystemTemplate", entries="systemTemplates",
    attributes=("componentDescriptors",), required=("componentDescriptors",), arrays=("componentDescriptors",),
    check=_check_template,
)


def systems(call: CimiCall) -> LocalResources:
    return LocalResources(call.state, "systems")


# -- state ----------------------------------------------------------------------------------
def _instances(call: CimiCall) -> dict[str, Instance]:
    return call.memo("instances", lambda: {i.id: i for i in call.driver.instances({})})


def member_machines(call: CimiCall, system: dict[str, Any]) -> list[Instance]:
    known = _instances(call)
    return [known[m["id"]] for m in system["members"] if m["kind"] == "machines" and m["id"] in known]


def system_state(call: CimiCall, system: dict[str, Any]) -> str:
    states = {MACHINE_STATES.get((i.state or "").upper(), (i.state or "").upper())
              for i in member_machines(call, system)}
    if not states:  # no Machine runs: none was ever asked for, or all were deleted on their own since
        return "STOPPED" if any(m["kind"] == "machines" for m in system["members"]) else "STARTED"
    return states.pop() if len(states) == 1 else "MIXED"


def system_document(call: CimiCall, system: dict[str, Any]) -> Document:
    url = call.url("systems", system["id"])
    document = common_attributes(url, system, system.get("name") or f"system{system['id']}",
                                 created=system.get("created"))
    document["state"] = system_state(call, system)
    for path in BY_PATH:
        document[path] = {"href": f"{url}/{path}"}
    ops = [operation("edit", url), operation("delete", url)]
    members = member_machines(call, system)
    for name, (action, _) in ACTIONS.items():
        # offered when some member Machine's state allows it (members already there are left alone)
        if call.supports("instances", action) and any(
                action in allowed_instance_actions(call.driver, machine) for machine in members):
            ops.append(operation(action_uri(name), f"{url}/{name}"))
    document["operations"] = ops
    return document


# -- routes ---------------------------------------------------------------------------------
def _require(call: CimiCall) -> None:
    """Systems are offered wherever machines can be created (see :mod:`.discovery`)."""
    if not available(call.capabilities, "systems"):
        call.require("instances", "create", "systems")


def systems_collection(call: CimiCall) -> Document:
    _require(call)
    entries = [system_document(call, system) for system in systems(call).list()]
    return collection_document(call, "systems", "systems", entries, [operation("add", call.url("systems"))])


def show_system(call: CimiCall) -> Response:
    _require(call)
    system = systems(call).find(call.params["id"], "System")
    return document_response(call.fmt, resource_document(call, system_document(call, system)), "System")


def _member_document(call: CimiCall, system_id: str, component: Component, member_id: str) -> Document:
    url = call.url("systems", system_id, component.path, member_id)
    return {"id": url, "name": member_id, component.reference: call.ref(component.path, member_id)}


def list_members(call: CimiCall) -> Response:
    _require(call)
    system = systems(call).find(call.params["id"], "System")
    component = BY_PATH.get(call.params["kind"])
    if component is None:
        raise NotFound(f"Systems have no '{call.params['kind']}' collection")
    members = [m["id"] for m in system["members"] if m["kind"] == component.path]
    if members:  # listed only then: a driver without the collection has an empty one here, not a 412
        present = {resource.id for resource in component.kind.listed(call)}
        members = [m for m in members if m in present]  # a member deleted on its own is gone
    entries = [_member_document(call, system["id"], component, m) for m in members]
    entries_key = component.member[0].lower() + component.member[1:] + "s"
    document = collection_document(call, f"systems/{system['id']}/{component.path}", entries_key, entries)
    return document_response(call.fmt, document, component.member, collection=True)


def show_member(call: CimiCall) -> Response:
    _require(call)
    system = systems(call).find(call.params["id"], "System")
    component = BY_PATH.get(call.params["kind"])
    wanted = {"kind": call.params["kind"], "id": call.params["member"]}
    if component is None or wanted not in system["members"] or component.kind.fetch(call, wanted["id"]) is None:
        raise NotFound(f"System '{system['id']}' has no member {call.params['kind']}/{call.params['member']}")
    document = _member_document(call, system["id"], component, wanted["id"])
    return document_response(call.fmt, resource_document(call, document), component.member)


def create_system(call: CimiCall) -> Response:
    _require(call)
    body = call.body
    fields = editable_fields(body)
    template = resolve(call, body.get("systemTemplate"), SYSTEM_TEMPLATES, "systemTemplate")
    base_name = fields.get("name") or "system"
    # every member is checked before any is created: a refused System leaves nothing to undo
    planned: list[tuple[Component, Creation[Any]]] = []
    for descriptor in template["componentDescriptors"]:
        component = _component(descriptor)
        quantity = descriptor.get("quantity", 1)
        for number in range(1, quantity + 1):
            name = descriptor.get("name") or base_name
            document = {"name": f"{name}{number}" if quantity > 1 else name,
                        component.template: descriptor[component.template]}
            for attribute in ("description", "properties"):
                if descriptor.get(attribute):
                    document[attribute] = descriptor[attribute]
            planned.append((component, component.kind.plan(call, document)))
    members: list[dict[str, str]] = []
    jobs: list[Job] = []
    try:
        for component, create in planned:
            created, job = create()
            members.append({"kind": component.path, "id": created.id})
            jobs.append(job)
    except DeltacloudError:  # the cloud refused a member
        for member in reversed(members):  # leave nothing behind that no System holds
            with suppress(DeltacloudError):  # best effort: a member left stays visible in its own collection
                remove_member(call, member)
        raise
    system = systems(call).create({**fields, "members": members})
    job = start_parent_job(call, "add", f"systems/{system['id']}", jobs,
                           tuple(f"{m['kind']}/{m['id']}" for m in members))
    return created_response(call, job, call.url("systems", system["id"]), "System",
                            lambda: system_document(call, system))


def act(call: CimiCall) -> Response:
    _require(call)
    name = call.params["action"]
    if name not in ACTIONS:
        raise NotFound(f"Systems have no '{name}' operation")
    action, target = ACTIONS[name]
    call.require("instances", action)
    requested = call.body.get("action")
    if requested and href_id(text(requested, "action")) != name:
        raise ValidationError(f"The Action names '{href_id(str(requested))}' but was sent to the '{name}' operation")
    system = systems(call).find(call.params["id"], "System")
    due: list[Instance] = []
    # every member is checked before any is touched: a refusal leaves the whole System as it was
    for instance in member_machines(call, system):
        state = MACHINE_STATES.get((instance.state or "").upper(), instance.state)
        if state == target and action != "reboot":
            continue
        if action not in allowed_instance_actions(call.driver, instance):
            raise ActionNotAllowed(f"Machine '{instance.id}' of System '{system['id']}' is {state}: "
                                   f"it cannot {name}")
        due.append(instance)
    jobs: list[Job] = []
    for instance in due:
        act_on_instance(call.driver, instance, action)
        jobs.append(start_job(call, action_uri(name), f"machines/{instance.id}", ("machine", instance.id, target)))
    job = start_parent_job(call, action_uri(name), f"systems/{system['id']}", jobs)
    return job_response(call, job)


def remove_member(call: CimiCall, member: dict[str, str]) -> Job:
    """Delete one member; a running Machine is stopped first and deleted once stopped."""
    kind, member_id = member["kind"], member["id"]
    if kind == "machines":
        # as this request listed it (a System delete has just checked every member), else read: one just created
        instance = _instances(call).get(member_id) or call.driver.instance(member_id)
        if instance is None:
            return start_job(call, "delete", f"machines/{member_id}", None)
        allowed = allowed_instance_actions(call.driver, instance)
        MACHINES.overlay(call).forget(member_id)
        gone = MACHINES.watching(member_id, GONE)
        try:
            if "destroy" in allowed:
                act_on_instance(call.driver, instance, "destroy")
                return start_job(call, "delete", f"machines/{member_id}", gone)
            act_on_instance(call.driver, instance, "stop")
        except NotFound:  # deleted meanwhile (by another delete of this System, say): done
            return start_job(call, "delete", f"machines/{member_id}", None)
        return start_job(call, "delete", f"machines/{member_id}", gone,
                         then={"when": "STOPPED", "action": "destroy", "until": GONE})
    held = BY_PATH[kind].kind
    with suppress(NotFound):  # deleted on its own already: the System no longer holds it either
        held.remove(call, member_id)
    return forget_deleted(call, held, member_id)


def _check_removable(call: CimiCall, system: dict[str, Any]) -> None:
    """Refuse a delete some member Machine's state forbids before any member is removed."""
    for instance in member_machines(call, system):
        allowed = allowed_instance_actions(call.driver, instance)
        if "destroy" not in allowed and "stop" not in allowed:
            raise ActionNotAllowed(f"Machine '{instance.id}' of System '{system['id']}' is {instance.state}: "
                                   "it cannot be deleted now")


def delete_system(call: CimiCall) -> Response:
    _require(call)
    store = systems(call)
    system = store.find(call.params["id"], "System")
    _check_removable(call, system)
    jobs = [remove_member(call, member) for member in system["members"]]
    store.delete(system["id"], "System")
    return deleted_response(call, start_parent_job(call, "delete", f"systems/{system['id']}", jobs))


def edit_system(call: CimiCall) -> Response:
    _require(call)
    system = systems(call).update(call.params["id"], edit_fields(call.body, call.query("$select")), "System")
    return document_response(call.fmt, system_document(call, system), "System")

