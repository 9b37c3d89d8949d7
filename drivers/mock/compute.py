"""The mock cloud's compute: realms, hardware profiles, images, instances, keys."""

import base64
import binascii
import hashlib
import random
import string
import time
from collections.abc import Mapping
from datetime import UTC, datetime

from deltacloud.driver import Filters
from deltacloud.errors import (
    ActionNotAllowed,
    BackendError,
    BackendTimeout,
    Conflict,
    DeltacloudError,
    Forbidden,
    NotFound,
    ValidationError,
)
from deltacloud.model import (
    HardwareProfile,
    Image,
    Instance,
    InstanceAddress,
    InstanceCreate,
    Key,
    Realm,
    RunResult,
)
from deltacloud.names import is_path_segment
from deltacloud.state import Transaction

from .base import MockBase
from .catalogue import FAULT_REALMS, STATE_MACHINE, hardware_profiles, realms
from .release import release_instance
from .state import matches, next_id


class _NotImplementedTest(DeltacloudError):
    status = 501
    generic_message = "Not Supported"


_FAULTS: dict[str, DeltacloudError] = {
    "500": DeltacloudError("DeltacloudErrorMessage"),
    "501": _NotImplementedTest("NotImplementedMessage"),
    "502": BackendError("ProviderErrorMessage"),
    "504": BackendTimeout("ProviderTimeoutMessage"),
}


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class MockCompute(MockBase):
    # -- realms and hardware profiles -----------------------------------------------------
    def realms(self, filters: Filters) -> list[Realm]:
        self._authorize()
        wanted = filters.get("id")
        if wanted in FAULT_REALMS:
            raise _FAULTS[wanted]
        return [r for r in realms() if not wanted or r.id == wanted]

    def realm(self, realm_id: str) -> Realm | None:
        self._authorize()
        if realm_id in FAULT_REALMS:
            raise _FAULTS[realm_id]
        return next((r for r in realms() if r.id == realm_id), None)

    def hardware_profiles(self, filters: Filters) -> list[HardwareProfile]:
        wanted, arch = filters.get("id"), filters.get("architecture")
        return [
            p for p in hardware_profiles()
            if (not wanted or p.id == wanted) and (not arch or _offers(p, "architecture", arch))
        ]

    def hardware_profile(self, profile_id: str) -> HardwareProfile | None:
        return next((p for p in hardware_profiles() if p.id == profile_id), None)

    # -- images ---------------------------------------------------------------------------
    def _image(self, record: Mapping[str, object]) -> Image:
        return Image.model_validate({**record, "hardware_profile_ids": [p.id for p in hardware_profiles()]})

    def images(self, filters: Filters) -> list[Image]:
        user = self._authorize()
        owner = filters.get("owner_id")
        wanted = {**filters, "owner_id": user if owner == "self" else owner or ""}
        records = [r for r in self._state().list("images") if matches(r, wanted, ("id", "architecture", "owner_id"))]
        records.sort(key=lambda r: (r.get("owner_id") or "", r.get("description") or ""))
        return [self._image(r) for r in records]

    def image(self, image_id: str) -> Image | None:
        record = self._state().get("images", image_id)
        return self._image(record) if record else None

    def create_image(self, instance_id: str, name: str | None, description: str | None, *,
                     no_reboot: bool = False) -> Image:  # the mock never reboots for an image
        def create(tx: Transaction) -> Image:
            instance = tx.get("instances", instance_id)
            if instance is None:
                raise NotFound(f"Instance '{instance_id}' not found")
            if not instance.get("create_image"):
                raise Forbidden(f"Instance '{instance_id}' cannot be imaged")
            if name and any(image.get("name") == name for image in tx.list("images")):
                raise Conflict(f"Image '{name}' already exists")  # image names are unique, as on EC2
            # the name is the id, as in the original's mock, unless no URL could reach an image with that id
            image_id = name if name and is_path_segment(name) else next_id(tx, "images", "img-")
            if tx.get("images", image_id) is not None:
                raise Conflict(f"Image '{image_id}' already exists")
            record = {
                "id": image_id, "name": name or image_id, "owner_id": "root", "state": "AVAILABLE",
                "architecture": "i386", "description": description or "",
            }
            tx.put("images", image_id, record)
            return self._image(record)

        return self._state().transact(create)

    def destroy_image(self, image_id: str) -> None:
        def destroy(tx: Transaction) -> None:
            if tx.get("images", image_id) is None:
                raise NotFound(f"Image '{image_id}' not found")
            tx.delete("images", image_id)

        self._state().transact(destroy)

    # -- instances ------------------------------------------------------------------------
    def instances(self, filters: Filters) -> list[Instance]:
        user = self._authorize()
        # Always the caller's own instances: an owner_id filter never widens the view.
        wanted = {**filters, "owner_id": user}
        return [
            Instance.model_validate(r)
            for r in self._state().list("instances")
            if matches(r, wanted, ("id", "state", "realm_id", "owner_id"))
        ]

    def instance(self, instance_id: str) -> Instance | None:
        record = self._state().get("instances", instance_id)
        return Instance.model_validate(record) if record else None

    def create_instances(self, request: InstanceCreate) -> list[Instance]:
        user = self._authorize()
        state = self._state()
        profile = self.hardware_profile(request.hardware_profile_id or "m1-small")
        if profile is None:
            raise ValidationError(f"Hardware profile '{request.hardware_profile_id}' does not exists.")
        profile.check_overrides(request.hardware_profile_overrides)
        realm_id = request.realm_id or realms()[0].id
        if realm_id not in {r.id for r in realms()}:
            raise ValidationError(f"Realm '{realm_id}' does not exist (realms: {', '.join(r.id for r in realms())})")
        user_data = _decode_user_data(request.user_data)
        initial = (request.initial_state or "RUNNING").upper()
        initial = "RUNNING" if initial == "STARTED" else initial
        if initial not in ("RUNNING", "STOPPED"):
            raise ValidationError("initial_state must be RUNNING (or STARTED) or STOPPED")

        def create(tx: Transaction) -> list[Instance]:
            if tx.get("images", request.image_id) is None:
                raise ValidationError(f"Image '{request.image_id}' does not exist")
            if request.keyname and tx.get("keys", request.keyname) is None:
                raise ValidationError(f"Key '{request.keyname}' does not exist")
            unknown = [f for f in request.firewall_ids if tx.get("firewalls", f) is None]
            if unknown:
                raise ValidationError(f"Firewall '{unknown[0]}' does not exist")
            created = []
            for _ in range(request.instance_count):
                instance_id = next_id(tx, "instances", "inst")
                instance = Instance(
                    id=instance_id,
                    name=request.name if request.name is not None else f"i-{int(time.time())}",
                    owner_id=user,
                    image_id=request.image_id,
                    realm_id=realm_id,
                    state=initial,
                    hardware_profile_id=profile.id,
                    hardware_profile_overrides=dict(request.hardware_profile_overrides),
                    public_addresses=[InstanceAddress(address=f"{request.image_id}.{instance_id}.public.com",
                                                      type="hostname")],
                    private_addresses=[InstanceAddress(address=f"{request.image_id}.{instance_id}.private.com",
                                                       type="hostname")],
                    launch_time=_now(),
                    keyname=request.keyname,
                    firewall_ids=list(request.firewall_ids) or None,
                    create_image=True,
                    user_data=user_data,
                    tags=dict(request.tags),
                )
                tx.put("instances", instance_id, instance.model_dump(mode="json", exclude_none=True))
                created.append(instance)
            return created

        return state.transact(create)

    def _transition(self, instance_id: str, action: str, target: str) -> Instance:
        def change(tx: Transaction) -> Instance:
            record = tx.get("instances", instance_id)
            if record is None:
                raise NotFound(f"Instance '{instance_id}' not found")
            allowed = STATE_MACHINE.actions_from(record.get("state"))
            if action not in allowed:
                raise ActionNotAllowed(f"Instance '{instance_id}' is {record.get('state')}: cannot {action}", allowed)
            updated = {**record, "state": target}
            tx.put("instances", instance_id, updated)
            return Instance.model_validate(updated)

        return self._state().transact(change)

    def start_instance(self, instance_id: str) -> Instance:
        return self._transition(instance_id, "start", "RUNNING")

    def stop_instance(self, instance_id: str) -> Instance:
        return self._transition(instance_id, "stop", "STOPPED")

    def reboot_instance(self, instance_id: str) -> Instance:
        return self._transition(instance_id, "reboot", "RUNNING")

    def destroy_instance(self, instance_id: str) -> None:
        def destroy(tx: Transaction) -> None:
            record = tx.get("instances", instance_id)
            if record is None:
                raise NotFound(f"Instance '{instance_id}' not found")
            allowed = STATE_MACHINE.actions_from(record.get("state"))
            if "destroy" not in allowed:
                raise ActionNotAllowed(f"Instance '{instance_id}' is {record.get('state')}: cannot destroy", allowed)
            release_instance(tx, instance_id)
            tx.delete("instances", instance_id)
            for nic_id in record.get("network_interface_ids") or []:
                tx.delete("network_interfaces", nic_id)

        self._state().transact(destroy)

    def run_on_instance(
        self, instance_id: str, command: str, private_key: str | None, password: str | None,
        ip: str | None, port: int,
    ) -> RunResult:
        if self.instance(instance_id) is None:
            raise NotFound(f"Instance '{instance_id}' not found")
        output = f"This is where the output from '{command}' would appear if this were not a mock provider"
        return RunResult(id=instance_id, public_address=ip or "", command=command, output=output)

    # -- keys -----------------------------------------------------------------------------
    def keys(self, filters: Filters) -> list[Key]:
        return [Key.model_validate(r) for r in self._state().list("keys") if matches(r, filters, ("id",))]

    def key(self, key_id: str) -> Key | None:
        record = self._state().get("keys", key_id)
        return Key.model_validate(record) if record else None

    def create_key(self, name: str, public_key: str | None) -> Key:
        if not name.strip():
            raise ValidationError("Key name must not be empty")
        if public_key is not None:
            key = Key(id=name, name=name, public_key=public_key, fingerprint=_fingerprint(public_key))
        else:
            key = Key(id=name, name=name, fingerprint=_random_fingerprint(), pem_rsa_key=_fake_pem())

        def create(tx: Transaction) -> Key:
            if tx.get("keys", name) is not None:
                raise Forbidden("Key with same name already exists")
            tx.put("keys", name, key.model_dump(mode="json", exclude_none=True))
            return key

        return self._state().transact(create)

    def destroy_key(self, key_id: str) -> None:
        def destroy(tx: Transaction) -> None:
            if tx.get("keys", key_id) is None:
                raise NotFound(f"Key '{key_id}' not found")
            tx.delete("keys", key_id)

        self._state().transact(destroy)


def _offers(profile: HardwareProfile, name: str, value: str) -> bool:
    prop = profile.property(name)
    return prop is not None and prop.accepts(value)


def _decode_user_data(raw: str | None) -> str | None:
    if raw is None:
        return None
    try:
        return base64.b64decode(raw, validate=True).decode("utf-8", errors="replace")
    except (binascii.Error, ValueError) as error:
        raise ValidationError("user_data must be base64-encoded") from error


def _fingerprint(public_key: str) -> str:
    parts = public_key.split()
    try:
        blob = base64.b64decode(parts[1] if len(parts) > 1 else parts[0], validate=True)
    except (binascii.Error, ValueError, IndexError) as error:
        raise ValidationError("public_key is not an OpenSSH public key") from error
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def _random_fingerprint() -> str:
    return ":".join(f"{random.randrange(256):02x}" for _ in range(20))


def _fake_pem() -> str:
    alphabet = string.ascii_letters + string.digits + "+/"
    body = ["".join(random.choices(alphabet, k=75)) for _ in range(21)]
    return "-----BEGIN RSA PRIVATE KEY-----\n" + "\n".join(body) + "\n" + "".join(random.choices(alphabet, k=68)) \
        + "-----END RSA PRIVATE KEY-----"
