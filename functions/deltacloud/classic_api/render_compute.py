"""XML and JSON shapes of realms, hardware profiles, images, instances, keys (spec §7.2-7.7)."""

from typing import Any

from deltacloud.model import HardwareProfile, Image, Instance, Key, Realm, StateMachine
from deltacloud.model.compute import PROPERTY_UNITS

from .context import Call
from .rendering import Renderer, action_link, actions_xml, destroy_link, ref, refs_xml
from .xml import XmlWriter


def _num(value: object) -> str:
    return str(value)


# -- realms -------------------------------------------------------------------------------
def realm_xml(out: XmlWriter, call: Call, realm: Realm) -> None:
    out.open("realm", {"href": call.url("realms", realm.id), "id": realm.id})
    out.leaf("name", realm.name).leaf("state", realm.state)
    if realm.limit != "unlimited":
        out.cdata("limit", realm.limit)
    out.close("realm")


def realm_json(call: Call, realm: Realm) -> dict[str, Any]:
    return {"id": realm.id, "href": call.url("realms", realm.id), "name": realm.name,
            "state": realm.state, "limit": realm.limit}


REALM = Renderer("realm", "realms", realm_xml, realm_json)


# -- hardware profiles --------------------------------------------------------------------
def hardware_profile_xml(out: XmlWriter, call: Call, profile: HardwareProfile) -> None:
    out.open("hardware_profile", {"href": call.url("hardware_profiles", profile.id), "id": profile.id})
    out.leaf("id", profile.id).leaf("name", profile.name)
    for prop in profile.properties:
        attrs = {"kind": prop.kind, "name": prop.name, "unit": prop.unit, "value": _num(prop.value)}
        if prop.kind == "fixed":
            out.empty("property", attrs)
            continue
        out.open("property", attrs)
        out.empty("param", {"href": call.url("instances"), "method": "post", "name": f"hwp_{prop.name}",
                            "operation": "create"})
        if prop.kind == "range":
            out.empty("range", {"first": _num(prop.first), "last": _num(prop.last)})
        else:
            out.open("enum")
            for value in prop.values:
                out.empty("entry", {"value": _num(value)})
            out.close("enum")
        out.close("property")
    out.close("hardware_profile")


def hardware_profile_json(call: Call, profile: HardwareProfile) -> dict[str, Any]:
    data: dict[str, Any] = {"id": profile.id, "href": call.url("hardware_profiles", profile.id), "name": profile.name}
    if profile.properties:  # the original's shape: default values only, as strings
        data["properties"] = {p.name: _num(p.value) for p in profile.properties}
    return data


HARDWARE_PROFILE = Renderer("hardware_profile", "hardware_profiles", hardware_profile_xml, hardware_profile_json)


def profile_sort_key(indexed: tuple[int, HardwareProfile]) -> tuple[int, float, float, int]:
    """XML index order: profiles with cpu and memory by their defaults, then the rest (spec §7.3)."""
    position, profile = indexed
    cpu, memory = profile.property("cpu"), profile.property("memory")
    if cpu is None or memory is None:
        return (1, 0.0, 0.0, position)
    return (0, float(cpu.value), float(memory.value), position)


# -- images -------------------------------------------------------------------------------
def _image_actions(call: Call, image: Image) -> list[dict[str, str]]:
    actions = []
    if call.capabilities.supports("instances", "create"):
        actions.append(action_link(f"{call.url('instances')};image_id={image.id}", "create_instance"))
    if call.capabilities.supports("images", "destroy"):
        actions.append(action_link(call.url("images", image.id), "destroy_image", "delete"))
    return actions


def image_xml(out: XmlWriter, call: Call, image: Image) -> None:
    out.open("image", {"href": call.url("images", image.id), "id": image.id})
    out.leaf("name", image.name).leaf("description", image.description)
    out.leaf("owner_id", image.owner_id).leaf("architecture", image.architecture)
    if image.state is not None:
        out.leaf("state", image.state)
    if image.creation_time is not None:
        out.leaf("creation_time", image.creation_time)
    if image.hardware_profile_ids:
        refs_xml(out, call, "hardware_profiles", "hardware_profile", image.hardware_profile_ids, "hardware_profile")
    out.leaf("root_type", image.root_type)
    actions_xml(out, _image_actions(call, image))
    out.close("image")


def image_json(call: Call, image: Image) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": image.id, "href": call.url("images", image.id), "name": image.name,
        "description": image.description, "owner": image.owner_id, "architecture": image.architecture,
        "state": image.state, "root_type": image.root_type,
    }
    if image.creation_time is not None:
        data["creation_time"] = image.creation_time
    data["hardware_profiles"] = [
        ref(call, "hardware_profiles", p, "hardware_profile") for p in image.hardware_profile_ids
    ]
    data["actions"] = _image_actions(call, image)
    return data


IMAGE = Renderer("image", "images", image_xml, image_json)


# -- instances ----------------------------------------------------------------------------
def allowed_actions(call: Call, instance: Instance, machine: StateMachine | None) -> list[str]:
    """Actions the instance's state allows and the driver supports, in state-machine order."""
    actions = instance.actions if instance.actions is not None else (
        machine.actions_from(instance.state) if machine else []
    )
    return [a for a in actions if call.capabilities.supports("instances", a)]


def _instance_actions(call: Call, instance: Instance) -> list[dict[str, str]]:
    member = call.url("instances", instance.id)
    links = [
        action_link(member, a, "delete") if a == "destroy" else action_link(f"{member}/{a}", a)
        for a in allowed_actions(call, instance, call.driver.state_machine)
    ]
    if call.capabilities.supports("instances", "run"):
        links.append(action_link(f"{member}/run;id={instance.id}", "run"))
    if instance.create_image and call.capabilities.supports("images", "create"):
        links.append(action_link(f"{call.url('images')};instance_id={instance.id}", "create_image"))
    return links


def _auth_type(call: Call) -> str | None:
    if call.capabilities.has_feature("instances", "authentication_key"):
        return "key"
    if call.capabilities.has_feature("instances", "authentication_password"):
        return "password"
    return None


def instance_xml(out: XmlWriter, call: Call, instance: Instance) -> None:
    out.open("instance", {"href": call.url("instances", instance.id), "id": instance.id})
    if instance.name is not None:
        out.leaf("name", instance.name)
    if instance.owner_id is not None:
        out.leaf("owner_id", instance.owner_id)
    if instance.image_id is not None:
        out.empty("image", {"href": call.url("images", instance.image_id), "id": instance.image_id})
    if instance.realm_id is not None:
        out.empty("realm", {"href": call.url("realms", instance.realm_id), "id": instance.realm_id})
    if instance.state is not None:
        out.leaf("state", instance.state)
    if instance.hardware_profile_id is not None:
        out.open("hardware_profile", {"href": call.url("hardware_profiles", instance.hardware_profile_id),
                                      "id": instance.hardware_profile_id})
        for name, value in instance.hardware_profile_overrides.items():
            out.empty("property", {"kind": "fixed", "name": name, "unit": PROPERTY_UNITS.get(name), "value": value})
        out.close("hardware_profile")
    actions_xml(out, _instance_actions(call, instance))
    if instance.launch_time is not None:
        out.leaf("launch_time", instance.launch_time)
    for tag, addresses in (("public_addresses", instance.public_addresses),
                           ("private_addresses", instance.private_addresses)):
        out.open(tag)
        for address in addresses:
            kind = address.type if address.address.strip() else "unavailable"
            out.leaf("address", address.address, {"type": kind, "port": address.port})
        out.close(tag)
    if instance.firewall_ids is not None:
        refs_xml(out, call, "firewalls", "firewall", instance.firewall_ids)
    out.open("storage_volumes")
    for volume in instance.storage_volumes:
        out.empty("storage_volume", {"href": call.url("storage_volumes", volume.id), "id": volume.id,
                                     "device": volume.device})
    out.close("storage_volumes")
    auth = _auth_type(call)
    if auth is not None:
        out.open("authentication", {"type": auth})
        if instance.authentication_error is not None:
            out.leaf("error", instance.authentication_error)
        elif instance.password is not None:
            out.open("login").leaf("username", instance.username).cdata("password", instance.password).close("login")
        elif instance.keyname is not None:
            out.open("login").leaf("keyname", instance.keyname).close("login")
        out.close("authentication")
    if instance.network_interface_ids is not None:
        refs_xml(out, call, "network_interfaces", "network_interface", instance.network_interface_ids)
    out.close("instance")


def instance_json(call: Call, instance: Instance) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": instance.id, "href": call.url("instances", instance.id), "name": instance.name,
        "state": instance.state, "owner": instance.owner_id,
        "image": ref(call, "images", instance.image_id, "image"),
        "realm": ref(call, "realms", instance.realm_id, "realm"),
        "actions": _instance_actions(call, instance),
        "hardware_profile": {**ref(call, "hardware_profiles", instance.hardware_profile_id, "hardware_profile"),
                             "properties": dict(instance.hardware_profile_overrides)},
        "public_addresses": [a.model_dump(exclude_none=True) for a in instance.public_addresses],
        "private_addresses": [a.model_dump(exclude_none=True) for a in instance.private_addresses],
    }
    if instance.launch_time is not None:
        data["create_time"] = instance.launch_time
    if instance.create_image:
        data["create_image"] = True
    if instance.firewall_ids is not None:
        data["firewalls"] = [ref(call, "firewalls", f, "firewall") for f in instance.firewall_ids]
    data["storage_volumes"] = [ref(call, "storage_volumes", v.id, "storage_volume") for v in instance.storage_volumes]
    auth = _auth_type(call)
    if auth is not None:
        data["authentication_type"] = auth
        login: dict[str, str] = {}
        if instance.keyname:
            login["keyname"] = instance.keyname
        if instance.password is not None and instance.username is not None:
            login.update(user=instance.username, password=instance.password)
        if login:
            data["authentication"] = login
    if instance.network_interface_ids is not None:
        data["network_interfaces"] = [ref(call, "network_interfaces", n, "network_interface")
                                      for n in instance.network_interface_ids]
    return data


INSTANCE = Renderer("instance", "instances", instance_xml, instance_json)


# -- keys ---------------------------------------------------------------------------------
def key_xml(out: XmlWriter, call: Call, key: Key) -> None:
    out.open("key", {"href": call.url("keys", key.id), "id": key.id, "type": key.credential_type})
    out.leaf("name", key.name or key.id)
    actions_xml(out, destroy_link(call, "keys", key.id))
    if key.credential_type == "key":
        if key.fingerprint is not None:
            out.leaf("fingerprint", key.fingerprint)
        if key.pem_rsa_key is not None:
            out.cdata("pem", key.pem_rsa_key)
    else:
        out.cdata("username", key.username).cdata("password", key.password)
    out.leaf("state", key.state)
    out.close("key")


def key_json(call: Call, key: Key) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": key.id, "href": call.url("keys", key.id), "credential_type": key.credential_type,
        "username": key.username, "password": key.password, "state": key.state,
    }
    if key.pem_rsa_key is not None:
        data["pem_rsa_key"] = key.pem_rsa_key
    if key.fingerprint is not None:
        data["fingerprint"] = key.fingerprint
    return data


KEY = Renderer("key", "keys", key_xml, key_json)


# -- instance states ----------------------------------------------------------------------
def states_xml(machine: StateMachine) -> str:
    out = XmlWriter().open("states")
    for state in machine.states():
        out.open("state", {"name": state})
        for t in machine.leaving(state):
            out.empty("transition", {"auto": "true"} | {"to": t.target} if t.automatic
                      else {"action": t.action, "to": t.target})
        out.close("state")
    return str(out.close("states"))


def states_json(machine: StateMachine) -> list[dict[str, Any]]:
    return [
        {"name": state, "transitions": [
            {"to": t.target, "auto": "true"} if t.automatic else {"to": t.target, "action": t.action}
            for t in machine.leaving(state)
        ]}
        for state in machine.states()
    ]
