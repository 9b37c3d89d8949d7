"""Instance actions: Describe, RunInstances, Start/Stop/Reboot/Terminate, DescribeInstanceStatus.

State changes follow EC2's semantics over the core state machine: stopping a stopped instance or
starting a running one is a no-op that succeeds; TerminateInstances on a running instance stops it
first when the back-end only destroys stopped instances (the mock's life cycle). Replies report the
transitional state EC2 reports (``stopping``, ``pending``, ``shutting-down``) even when the back-end
got there at once, because clients test for it (libcloud's ``stop_node`` returns True only on it).
"""

import base64
import binascii
import contextlib
from collections.abc import Callable
from typing import Any

from deltacloud.errors import DeltacloudError, NotFound
from deltacloud.lifecycle import allowed_instance_actions
from deltacloud.model import Instance, InstanceCreate
from deltacloud.model.compute import MAX_INSTANCE_COUNT

from . import native_tags, terminated
from .actions import action
from .context import Ec2Call
from .errors import GROUP, IMAGE, INSTANCE, KEY_PAIR, Ec2Error, invalid_value, missing_parameter
from .filters import compile_filters
from .idempotency import once_per_client_token
from .instance_views import (
    INSTANCE_FILTERS,
    InstanceView,
    reservation_id,
    reservation_item,
    state_xml,
    view,
)
from .mappings import PENDING, RUNNING, SHUTTING_DOWN, STOPPED, STOPPING, TERMINATED, Ec2State, instance_state
from .pagination import paginate, reject_with_ids
from .parameter_names import FILTERS, PAGES, TAG_SPECIFICATIONS
from .xml import item_set, leaf, node

# -- listing ----------------------------------------------------------------------------------------------


def _views(call: Ec2Call, ids: list[str]) -> list[InstanceView]:
    """The instances asked for (all when ``ids`` is empty), including recently terminated ones."""
    if len(ids) == 1 and call.supports("instances", "show"):
        found = call.driver.instance(ids[0])
        instances = [found] if found else []
    else:
        instances = call.driver.instances({})
    views = [view(i, call.tags.effective(i.id, native_tags.instance_tags(i))) for i in instances]
    known = {v.id for v in views}
    for instance, tags in terminated.recent(call.state):
        if instance.id not in known and (not ids or instance.id in ids):
            views.append(view(instance, tags, TERMINATED))
    return INSTANCE.requested(views, ids, key=lambda v: v.id)


def _owner(call: Ec2Call, instance: Instance) -> str:
    return instance.owner_id or call.caller.tenant.id


@action("DescribeInstances", "instances.index", kind=INSTANCE, params=("InstanceId.N", *FILTERS, *PAGES))
def describe_instances(call: Ec2Call) -> str:
    ids = call.params.values("InstanceId")
    reject_with_ids(call.params, "InstanceId", ids)
    select = compile_filters(call.params.filters(), INSTANCE_FILTERS, tags_of=lambda v: v.tags)
    views = select(_views(call, ids))
    page, token = paginate(views, call, key=lambda v: v.id)
    reservations = item_set("reservationSet", (
        reservation_item(v.reservation_id, _owner(call, v.instance), [v], v.instance.firewall_ids or ())
        for v in page
    ))
    return reservations + leaf("nextToken", token)


def _status(state: Ec2State) -> str:
    """System and instance status checks: ok when running, initializing while pending, else not applicable."""
    if state not in (RUNNING, PENDING):
        return leaf("status", "not-applicable")
    passed = state == RUNNING
    check = leaf("name", "reachability") + leaf("status", "passed" if passed else "initializing")
    return leaf("status", "ok" if passed else "initializing") + item_set("details", [check])


STATUS_FILTERS = {
    "availability-zone": INSTANCE_FILTERS["availability-zone"],
    "instance-state-name": INSTANCE_FILTERS["instance-state-name"],
    "instance-state-code": INSTANCE_FILTERS["instance-state-code"],
}


@action("DescribeInstanceStatus", "instances.index", kind=INSTANCE,
        params=("InstanceId.N", "IncludeAllInstances", *FILTERS, *PAGES))
def describe_instance_status(call: Ec2Call) -> str:
    ids = call.params.values("InstanceId")
    reject_with_ids(call.params, "InstanceId", ids)
    include_all = call.params.boolean("IncludeAllInstances")
    select = compile_filters(call.params.filters(), STATUS_FILTERS)
    views = _views(call, ids)
    if not include_all:
        views = [v for v in views if v.state == RUNNING]
    views = select(views)
    page, token = paginate(views, call, key=lambda v: v.id)
    return item_set("instanceStatusSet", (
        leaf("instanceId", v.id) + leaf("availabilityZone", v.instance.realm_id) + state_xml("instanceState", v.state)
        + node("systemStatus", _status(v.state)) + node("instanceStatus", _status(v.state))
        for v in page
    )) + leaf("nextToken", token)


# -- RunInstances -----------------------------------------------------------------------------------------


def _launch_request(call: Ec2Call) -> tuple[InstanceCreate, int, int, dict[str, str]]:
    """The core launch request, the min/max counts and the tags, validated before anything is created."""
    from .keypairs import find_key  # launching only: DescribeInstances need not load them (cold start)
    from .tags import tags_from_specifications

    p = call.params
    image_id = p.required("ImageId")
    min_count = p.integer("MinCount", 1, MAX_INSTANCE_COUNT) or 1
    max_count = p.integer("MaxCount", 1, MAX_INSTANCE_COUNT) or min_count
    if max_count < min_count:
        raise invalid_value("MaxCount", str(max_count), "MaxCount must be at least MinCount.")
    tags = tags_from_specifications(p, "instance", ignored=("volume", "network-interface"))

    if call.supports("images", "show") and call.driver.image(image_id) is None:
        raise IMAGE.missing(image_id)
    profile_id = p.text("InstanceType")
    if profile_id and call.supports("hardware_profiles", "show") and call.driver.hardware_profile(profile_id) is None:
        raise invalid_value("InstanceType", profile_id)
    zone = p.text("Placement.AvailabilityZone")
    if zone and call.supports("realms", "show") and call.driver.realm(zone) is None:
        raise Ec2Error("InvalidParameterValue", f"Invalid availability zone: [{zone[:100]}]")

    key_name = p.text("KeyName")
    if key_name:
        call.require_feature("instances", "authentication_key", "launching with a key pair (KeyName)")
        if call.capabilities.has_collection("keys") and find_key(call, key_name) is None:
            raise KEY_PAIR.missing(key_name)
    user_data = p.text("UserData")
    if user_data:
        call.require_feature("instances", "user_data", "user data (UserData)")
        try:
            base64.b64decode(user_data, validate=True)
        except (binascii.Error, ValueError):
            raise Ec2Error("InvalidParameterValue", "Invalid BASE64 encoding of user data.") from None
    firewall_ids = _security_groups(call)
    name = tags.get("Name") if call.capabilities.has_feature("instances", "user_name") else None

    request = InstanceCreate(
        image_id=image_id, realm_id=zone or None, hardware_profile_id=profile_id or None, keyname=key_name or None,
        user_data=user_data or None, firewall_ids=firewall_ids, name=name, tags=tags,
    )
    return request, min_count, max_count, tags


def _security_groups(call: Ec2Call) -> list[str]:
    ids = call.params.values("SecurityGroupId")
    names = call.params.values("SecurityGroup")
    if not ids and not names:
        return []
    call.require_feature("instances", "firewalls", "launching into security groups")
    groups = call.driver.firewalls({})
    by_id = {g.id for g in groups}
    by_name = {g.name: g.id for g in groups}
    missing = [i for i in ids if i not in by_id] + [n for n in names if n not in by_name]
    if missing:
        raise GROUP.missing(*missing)
    return list(dict.fromkeys([*ids, *(by_name[n] for n in names)]))


def _create(call: Ec2Call, request: InstanceCreate, min_count: int, max_count: int) -> list[Instance]:
    """MaxCount instances, or as many as the back-end gives when at least MinCount (else none, as on EC2)."""
    if call.capabilities.has_feature("instances", "instance_count"):
        # validated, not model_copy(update=...): the model holds the bound every driver relies on
        launch = InstanceCreate.model_validate({**request.model_dump(), "instance_count": max_count})
        return call.driver.create_instances(launch)
    created: list[Instance] = []
    for _ in range(max_count):  # the back-end launches one at a time
        try:
            created.extend(call.driver.create_instances(request))
        except DeltacloudError as error:
            if len(created) >= min_count:
                break
            left = []
            for instance in created:  # fewer than MinCount: take back what was launched
                try:
                    _destroy(call, instance)
                except (DeltacloudError, Ec2Error):  # Ec2Error: still stopping, not yet destroyable
                    left.append(instance.id)
            if left:  # never silently: the client must know what still runs (and costs)
                error.message += f"; launched instance(s) {', '.join(left)} could not be terminated: terminate them"
            raise
    return created


#: What RunInstances reads (see _launch_request), then what it accepts and ignores: the subnet and block devices,
#: which the original front-end ignored too (spec §1.4) and the core's launch request cannot carry.
LAUNCH_PARAMS = (
    "ImageId", "MinCount", "MaxCount", "InstanceType", "Placement.AvailabilityZone", "KeyName", "UserData",
    "SecurityGroupId.N", "SecurityGroup.N", "ClientToken", *TAG_SPECIFICATIONS,
    "SubnetId", "BlockDeviceMapping.N.DeviceName", "BlockDeviceMapping.N.VirtualName", "BlockDeviceMapping.N.NoDevice",
    *(f"BlockDeviceMapping.N.Ebs.{field}" for field in (
        "DeleteOnTermination", "Iops", "SnapshotId", "VolumeSize", "VolumeType", "KmsKeyId", "Throughput", "Encrypted",
    )),
)


@action("RunInstances", "instances.create", kind=INSTANCE, params=LAUNCH_PARAMS)
def run_instances(call: Ec2Call) -> str:
    request, min_count, max_count, tags = _launch_request(call)

    def launch() -> dict[str, Any]:
        instances = _create(call, request, min_count, max_count)
        for instance in instances:
            call.tags.keep_unstored(instance.id, "instance", tags, native_tags.instance_tags(instance))
        return {
            "reservation": reservation_id(instances[0].id),
            "owner": _owner(call, instances[0]),
            "instances": [i.model_dump(mode="json", exclude_none=True) for i in instances],
        }

    result = once_per_client_token(call, launch)
    instances = [Instance.model_validate(i) for i in result["instances"]]
    views = [view(i, {**native_tags.instance_tags(i), **tags}, _launched_state(i)) for i in instances]
    return reservation_item(result["reservation"], result["owner"], views, request.firewall_ids)


def _launched_state(instance: Instance) -> Ec2State:
    """EC2 answers RunInstances with pending; a back-end that is already running is reported the same way."""
    state = instance_state(instance.state)
    return PENDING if state in (PENDING, RUNNING) else state


# -- state changes ----------------------------------------------------------------------------------------


def _instances_for_change(call: Ec2Call, verb: str | None) -> list[Instance]:
    """Every InstanceId.N, all checked to exist before anything changes.

    A recently terminated instance is refused with IncorrectInstanceState when ``verb`` names what it can
    no longer be; with ``verb`` None (terminating) it is left out of the result.
    """
    ids = list(dict.fromkeys(call.params.values("InstanceId")))
    if not ids:
        raise missing_parameter("InstanceId")
    found = {i: call.driver.instance(i) for i in ids}
    gone = {instance.id: instance for instance, _ in terminated.recent(call.state)}
    missing = [i for i, instance in found.items() if instance is None and i not in gone]
    if missing:
        raise INSTANCE.missing(*missing)
    ended = [gone[i] for i, instance in found.items() if instance is None]
    if ended and verb is not None:
        raise _wrong_state(ended[0], verb)
    return [instance for instance in found.values() if instance is not None]


def _wrong_state(instance: Instance, action_name: str) -> Ec2Error:
    name = instance_state(instance.state).name
    return Ec2Error(
        INSTANCE.wrong_state,
        f"The instance '{instance.id}' is not in a state from which it can be {action_name} (it is {name}).",
    )


def _state_change_reply(changes: list[tuple[str, Ec2State, Ec2State]]) -> str:
    # currentState before previousState: libcloud's destroy_node reads the first <name> in the body.
    return item_set("instancesSet", (
        leaf("instanceId", instance_id) + state_xml("currentState", current) + state_xml("previousState", previous)
        for instance_id, current, previous in changes
    ))


def _transition(
    call: Ec2Call, action_name: str, done: tuple[Ec2State, ...], reported: Ec2State, verb: str,
) -> str:
    """Apply start/stop to every instance; ones already in a ``done`` state are left alone, as on EC2."""
    instances = _instances_for_change(call, verb)
    for instance in instances:
        if instance_state(instance.state) not in done and action_name not in allowed_instance_actions(
                call.driver, instance):
            raise _wrong_state(instance, verb)
    perform: Callable[[str], Instance] = getattr(call.driver, f"{action_name}_instance")
    changes = []
    for instance in instances:
        previous = instance_state(instance.state)
        if previous in done:
            changes.append((instance.id, previous, previous))
            continue
        after = instance_state(perform(instance.id).state)
        changes.append((instance.id, reported if after in (reported, *done) else after, previous))
    return _state_change_reply(changes)


@action("StartInstances", "instances.start", kind=INSTANCE, params=("InstanceId.N",))
def start_instances(call: Ec2Call) -> str:
    return _transition(call, "start", (RUNNING, PENDING), PENDING, "started")


# Force is accepted and ignored, as the original front-end did (spec §1.4): the core's stop has no forced mode.
@action("StopInstances", "instances.stop", kind=INSTANCE, params=("InstanceId.N", "Force"))
def stop_instances(call: Ec2Call) -> str:
    return _transition(call, "stop", (STOPPED, STOPPING), STOPPING, "stopped")


@action("RebootInstances", "instances.reboot", kind=INSTANCE, params=("InstanceId.N",))
def reboot_instances(call: Ec2Call) -> str:
    instances = _instances_for_change(call, "rebooted")
    for instance in instances:
        if "reboot" not in allowed_instance_actions(call.driver, instance):
            raise _wrong_state(instance, "rebooted")
    for instance in instances:
        call.driver.reboot_instance(instance.id)
    return leaf("return", "true")


@action("TerminateInstances", "instances.destroy", kind=INSTANCE, params=("InstanceId.N",))
def terminate_instances(call: Ec2Call) -> str:
    ids = list(dict.fromkeys(call.params.values("InstanceId")))
    instances = {i.id: i for i in _instances_for_change(call, None)}
    # terminated already (through us, or at the cloud, which still lists it): EC2 answers terminated -> terminated
    gone = {i.id for i in instances.values() if i.state == "FINISH"}
    for candidate in instances.values():
        allowed = allowed_instance_actions(call.driver, candidate)
        if candidate.id not in gone and "destroy" not in allowed and "stop" not in allowed:
            raise _wrong_state(candidate, "terminated")
    changes = []
    for instance_id in ids:
        instance = instances.get(instance_id)
        if instance is None or instance_id in gone:
            changes.append((instance_id, TERMINATED, TERMINATED))
            continue
        tags = call.tags.effective(instance.id, native_tags.instance_tags(instance))
        # remembered first (it shows only once the cloud no longer lists the instance): a destroy the cloud
        # carried out but answered too late (504) reads as terminated when the client tries again
        terminated.remember(call.state, instance.model_copy(update={"state": "FINISH"}), tags)
        with contextlib.suppress(NotFound):  # another request destroyed it meanwhile: terminated all the same
            _destroy(call, instance)
        changes.append((instance_id, SHUTTING_DOWN, instance_state(instance.state)))
    return _state_change_reply(changes)


def _destroy(call: Ec2Call, instance: Instance) -> None:
    """Destroy, stopping first when the back-end's life cycle only destroys stopped instances."""
    if "destroy" not in allowed_instance_actions(call.driver, instance):
        instance = call.driver.stop_instance(instance.id)
        if "destroy" not in allowed_instance_actions(call.driver, instance):
            raise Ec2Error(
                INSTANCE.wrong_state,
                f"The instance '{instance.id}' is stopping; terminate it again once it has stopped.",
            )
    call.driver.destroy_instance(instance.id)
