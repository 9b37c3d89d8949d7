"""Routes of realms, hardware profiles, images, instances, instance states and keys (spec §7.2-7.7)."""

import re

from deltacloud.errors import Forbidden, NotFound
from deltacloud.lifecycle import perform_instance_action
from deltacloud.model import InstanceCreate
from deltacloud.model.compute import MAX_INSTANCE_COUNT
from deltacloud.names import path_segment_name
from starlette.responses import Response

from .context import Call
from .operations import Endpoint, operation
from .render_compute import (
    HARDWARE_PROFILE,
    IMAGE,
    INSTANCE,
    KEY,
    REALM,
    profile_sort_key,
    states_json,
    states_xml,
)
from .rendering import render_created, render_many, render_one
from .responses import document, empty, json_document
from .routes_common import (
    destroy_endpoint,
    filters,
    index_endpoint,
    operation_endpoint,
    show_endpoint,
    whole_number,
)
from .xml import XmlWriter

HWP_PROPERTIES = ("cpu", "memory", "storage", "architecture", "root_type")
_FIREWALL_PARAM = re.compile(r"firewalls\d+$")


# -- realms -------------------------------------------------------------------------------
realms_index = index_endpoint(REALM)
realms_show = show_endpoint(REALM)


# -- hardware profiles --------------------------------------------------------------------
@operation("hardware_profiles", "index")
def hardware_profiles_index(call: Call) -> Response:
    profiles = call.driver.hardware_profiles(filters(call))
    if call.fmt == "xml":
        profiles = [p for _, p in sorted(enumerate(profiles), key=profile_sort_key)]
    return render_many(call, HARDWARE_PROFILE, profiles)


hardware_profiles_show = show_endpoint(HARDWARE_PROFILE)


# -- images -------------------------------------------------------------------------------
images_index = index_endpoint(IMAGE)
images_show = show_endpoint(IMAGE, capability="image")
images_destroy = destroy_endpoint("images")


@operation("images", "create", required=("instance_id",))
def images_create(call: Call) -> Response:
    image = call.driver.create_image(call.params["instance_id"], call.params.get("name") or None,
                                     call.params.get("description"))
    return render_created(call, IMAGE, image)


# -- instances ----------------------------------------------------------------------------
instances_index = index_endpoint(INSTANCE)
instances_show = show_endpoint(INSTANCE)


def instance_request(params: dict[str, str]) -> InstanceCreate:
    """Read every launch parameter of spec §7.5 into the core's request model."""
    count = whole_number(params, "instance_count", MAX_INSTANCE_COUNT, "an integer") or 1
    return InstanceCreate(
        image_id=params["image_id"],
        realm_id=params.get("realm_id") or None,
        hardware_profile_id=params.get("hwp_id") or None,
        hardware_profile_overrides={p: params[f"hwp_{p}"] for p in HWP_PROPERTIES if params.get(f"hwp_{p}")},
        name=params.get("name"),
        keyname=params.get("keyname") or None,
        user_data=params.get("user_data") or None,
        password=params.get("password") or None,
        firewall_ids=[v for k, v in sorted(params.items()) if _FIREWALL_PARAM.search(k) and v],
        instance_count=count,
        snapshot_id=params.get("snapshot_id") or None,
        device_name=params.get("device_name") or None,
        load_balancer_id=params.get("load_balancer_id") or None,
        metrics=bool(params.get("metrics")),
        user_files=params.get("user_files") or None,
        user_iso=params.get("user_iso") or None,
        sandbox=params.get("sandbox") or None,
        initial_state=params.get("initial_state") or None,
    )


@operation("instances", "create", required=("image_id",))
def instances_create(call: Call) -> Response:
    created = call.driver.create_instances(instance_request(call.params))
    if len(created) == 1:
        return render_created(call, INSTANCE, created[0])
    return render_many(call, INSTANCE, created, 201)


def _action_endpoint(action: str) -> Endpoint:
    """An instance action of the state machine: 202 with the instance, 204 once it is gone."""

    def act(call: Call) -> Response:
        try:
            instance = perform_instance_action(call.driver, call.params["id"], action)
        except NotFound:
            raise Forbidden() from None  # the original answers 403 for an action on an unknown instance
        if instance is None:
            return empty(204)
        return render_one(call, INSTANCE, instance, 202)

    return operation_endpoint("instances", action, act)


instances_start = _action_endpoint("start")
instances_stop = _action_endpoint("stop")
instances_reboot = _action_endpoint("reboot")
instances_destroy = _action_endpoint("destroy")


@operation("instances", "run", required=("cmd",), capability="run_on_instance")
def instances_run(call: Call) -> Response:
    port = whole_number(call.params, "port", 65535, "a TCP port number") or 22
    result = call.driver.run_on_instance(call.params["id"], call.params["cmd"], call.params.get("private_key"),
                                         call.params.get("password"), call.params.get("ip"), port)
    if call.fmt == "json":
        return json_document({"instance": {"id": result.id, "public_address": result.public_address,
                                           "command": result.command, "output": result.output}})
    if call.fmt == "html":
        from . import pages  # the browser console's modules load with its first page, not at cold start

        return pages.details(call, f"Output of {result.command}", {
            "instance": {"id": result.id, "href": call.url("instances", result.id)},
            "public_address": result.public_address, "output": result.output,
        }, back=call.url("instances", result.id))
    out = XmlWriter(declaration=True).open("instance", {"href": call.url("instances", result.id), "id": result.id})
    out.leaf("public_address", result.public_address).leaf("command", result.command).leaf("output", result.output)
    return document(str(out.close("instance")), "xml")


# -- instance states ----------------------------------------------------------------------
@operation("instance_states", "index")
def instance_states(call: Call) -> Response:
    machine = call.driver.state_machine
    if machine is None:
        raise NotFound()
    if call.fmt == "json":
        return json_document(states_json(machine))
    if call.fmt == "html":
        from . import pages

        return pages.details(call, "Instance states", {
            state["name"]: [f"{t.get('action') or 'automatically'} → {t['to']}" for t in state["transitions"]]
            for state in states_json(machine)
        })
    return document(states_xml(machine), "xml")


# -- keys ---------------------------------------------------------------------------------
keys_index = index_endpoint(KEY)
keys_show = show_endpoint(KEY)
keys_destroy = destroy_endpoint("keys")


@operation("keys", "create", required=("name",))
def keys_create(call: Call) -> Response:
    key = call.driver.create_key(path_segment_name(call.params["name"], "Key"), call.params.get("public_key") or None)
    return render_created(call, KEY, key)
