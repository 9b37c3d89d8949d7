"""Realms (availability zones), hardware profiles (instance types) and instances."""

import base64
import binascii
import uuid
from typing import Any

from deltacloud.driver import Filters
from deltacloud.errors import NotFound, ValidationError
from deltacloud.model import AttachedVolume, HardwareProfile, Instance, InstanceAddress, InstanceCreate, Realm
from deltacloud.model.compute import check_launch_overrides

from . import instance_types
from .base import EC2Base, tag_specification, tags_of, timestamp
from .states import FINISHED, api_state, ec2_states, instance_actions

#: the device a snapshot is attached at when the client names none (attach_snapshot)
DEFAULT_SNAPSHOT_DEVICE = "/dev/sdh"
#: launch parameters of the core's request EC2 cannot honour: refused rather than dropped
_UNSUPPORTED_LAUNCH = ("password", "user_files", "user_iso", "sandbox")


def to_instance(info: dict[str, Any], owner_id: str | None) -> Instance:
    """One EC2 instance description in the core's model."""
    tags = tags_of(info)
    state = api_state(info["State"]["Name"])
    public = [InstanceAddress(address=info["PublicIpAddress"])] if info.get("PublicIpAddress") else []
    if info.get("PublicDnsName"):
        public.append(InstanceAddress(address=info["PublicDnsName"], type="hostname"))
    private = [InstanceAddress(address=info["PrivateIpAddress"])] if info.get("PrivateIpAddress") else []
    if info.get("PrivateDnsName"):
        private.append(InstanceAddress(address=info["PrivateDnsName"], type="hostname"))
    root_type = info.get("RootDeviceType", "ebs")
    return Instance(
        id=info["InstanceId"],
        name=tags.get("Name") or info["InstanceId"],
        owner_id=owner_id,
        image_id=info.get("ImageId"),
        realm_id=info.get("Placement", {}).get("AvailabilityZone"),
        state=state,
        hardware_profile_id=info.get("InstanceType"),
        public_addresses=public,
        private_addresses=private,
        storage_volumes=[
            AttachedVolume(id=m["Ebs"]["VolumeId"], device=m.get("DeviceName"))
            for m in info.get("BlockDeviceMappings", []) if m.get("Ebs", {}).get("VolumeId")
        ],
        firewall_ids=[g["GroupId"] for g in info.get("SecurityGroups", [])],
        launch_time=timestamp(info.get("LaunchTime")),
        keyname=info.get("KeyName"),
        create_image=root_type == "ebs" and state in ("RUNNING", "STOPPED"),
        tags=tags,
        actions=instance_actions(state, root_type),
    )


def _decode_user_data(raw: str | None) -> bytes | None:
    if raw is None:
        return None
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError) as error:
        raise ValidationError("user_data must be base64-encoded") from error


class EC2Compute(EC2Base):
    # -- realms ---------------------------------------------------------------------------
    def realms(self, filters: Filters) -> list[Realm]:
        zones = self.aws.call("ec2", "describe_availability_zones")["AvailabilityZones"]
        wanted = filters.get("id")
        return [
            Realm(id=z["ZoneName"], name=z["ZoneName"], state="AVAILABLE" if z.get("State") == "available"
                  else "UNAVAILABLE")
            for z in zones if not wanted or z["ZoneName"] == wanted
        ]

    def realm(self, realm_id: str) -> Realm | None:
        return next(iter(self.realms({"id": realm_id})), None)

    # -- hardware profiles ----------------------------------------------------------------
    def hardware_profiles(self, filters: Filters) -> list[HardwareProfile]:
        wanted, arch = filters.get("id"), filters.get("architecture")
        if wanted:
            found = self.hardware_profile(wanted)
            profiles = [found] if found is not None else []
        else:
            profiles = [t.profile for t in instance_types.catalogue(self.aws).values()]
        if arch:
            profiles = [p for p in profiles if (prop := p.property("architecture")) is not None and prop.accepts(arch)]
        return profiles

    def hardware_profile(self, profile_id: str) -> HardwareProfile | None:
        found = instance_types.lookup(self.aws, profile_id)
        return found.profile if found is not None else None

    # -- instances ------------------------------------------------------------------------
    def instances(self, filters: Filters) -> list[Instance]:
        aws_filters = []
        if filters.get("id"):
            aws_filters.append({"Name": "instance-id", "Values": [filters["id"]]})
        if filters.get("realm_id"):
            aws_filters.append({"Name": "availability-zone", "Values": [filters["realm_id"]]})
        state = (filters.get("state") or "").upper()
        if state:
            names = ec2_states(state)
            if not names:
                return []
            aws_filters.append({"Name": "instance-state-name", "Values": names})
        reservations = self.aws.items("ec2", "describe_instances", "Reservations", Filters=aws_filters)
        found = [to_instance(i, r.get("OwnerId")) for r in reservations for i in r.get("Instances", [])]
        # a destroyed instance is gone for the API's clients, though AWS lists it for a while
        return [i for i in found if i.state != FINISHED or state == FINISHED]

    def instance(self, instance_id: str) -> Instance | None:
        answer = self.aws.find("ec2", "describe_instances", InstanceIds=[instance_id])
        for reservation in (answer or {}).get("Reservations", []):
            for info in reservation.get("Instances", []):
                return to_instance(info, reservation.get("OwnerId"))
        return None

    def create_instances(self, request: InstanceCreate) -> list[Instance]:
        params = self._launch_parameters(request)
        if request.load_balancer_id:  # before launching: a typo must not leave instances behind
            self.aws.call("elb", "describe_load_balancers", refers=True, LoadBalancerNames=[request.load_balancer_id])
        reservation = self.aws.call("ec2", "run_instances", refers=True, **params)
        created = [to_instance(i, reservation.get("OwnerId")) for i in reservation.get("Instances", [])]
        if request.load_balancer_id:
            self.aws.call("elb", "register_instances_with_load_balancer", LoadBalancerName=request.load_balancer_id,
                          Instances=[{"InstanceId": i.id} for i in created])
        return created

    def _launch_parameters(self, request: InstanceCreate) -> dict[str, Any]:
        """RunInstances parameters for every launch feature the request uses; refuses what EC2 can't do."""
        refused = [name for name in _UNSUPPORTED_LAUNCH if getattr(request, name)]
        if refused:
            raise ValidationError(f"EC2 instances cannot be launched with: {', '.join(refused)}")
        if request.initial_state and request.initial_state.upper() not in ("RUNNING", "STARTED"):
            raise ValidationError("EC2 instances always start RUNNING")
        params: dict[str, Any] = {
            "ImageId": request.image_id,
            "MinCount": request.instance_count,
            "MaxCount": request.instance_count,
            "ClientToken": uuid.uuid4().hex,  # makes RunInstances idempotent, so a retry launches nothing twice
        }
        profile = None
        if request.hardware_profile_id:
            profile = self.hardware_profile(request.hardware_profile_id)
            if profile is None:
                raise ValidationError(f"Hardware profile '{request.hardware_profile_id}' does not exists.")
            params["InstanceType"] = profile.id
        check_launch_overrides(profile, request.hardware_profile_overrides)
        if request.realm_id:
            params["Placement"] = {"AvailabilityZone": request.realm_id}
        if request.keyname:
            params["KeyName"] = request.keyname
        user_data = _decode_user_data(request.user_data)
        if user_data is not None:
            params["UserData"] = user_data  # raw bytes: boto3 base64-encodes them itself
        if request.firewall_ids:
            params["SecurityGroupIds"] = list(request.firewall_ids)
        if request.metrics:
            params["Monitoring"] = {"Enabled": True}
        if request.snapshot_id:
            params["BlockDeviceMappings"] = [{
                "DeviceName": request.device_name or DEFAULT_SNAPSHOT_DEVICE,
                "Ebs": {"SnapshotId": request.snapshot_id, "DeleteOnTermination": True},
            }]
        tags = dict(request.tags)
        if request.name:
            tags["Name"] = request.name
        if tags:
            params["TagSpecifications"] = tag_specification("instance", tags)
        return params

    def _act(self, operation: str, instance_id: str) -> Instance:
        self.aws.call("ec2", operation, InstanceIds=[instance_id])
        instance = self.instance(instance_id)
        if instance is None:  # vanished between the action and the read-back
            raise NotFound(f"Instance '{instance_id}' not found")
        return instance

    def start_instance(self, instance_id: str) -> Instance:
        return self._act("start_instances", instance_id)

    def stop_instance(self, instance_id: str) -> Instance:
        return self._act("stop_instances", instance_id)

    def reboot_instance(self, instance_id: str) -> Instance:
        return self._act("reboot_instances", instance_id)

    def destroy_instance(self, instance_id: str) -> None:
        self.aws.call("ec2", "terminate_instances", InstanceIds=[instance_id])
