"""The core compute operations over a libcloud ``NodeDriver``."""

import base64
import binascii
import inspect
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, ClassVar

from deltacloud.driver import Filters
from deltacloud.drivers.typed_errors import listing
from deltacloud.errors import BackendError, NotFound, ValidationError
from deltacloud.model import (
    HardwareProfile,
    Image,
    Instance,
    InstanceCreate,
    Key,
    Realm,
    StorageSnapshot,
    StorageVolume,
    StorageVolumeCreate,
)
from deltacloud.model.compute import check_launch_overrides
from deltacloud.names import is_plain_id

from . import mapping
from .base import LibcloudBase, matches
from .errors import provider_errors
from .introspection import create_node_parameters, implements


def decode_user_data(encoded: str) -> str:
    """Clients send user data base64-encoded (spec §7.5); libcloud wants it plain and encodes it itself."""
    try:
        return base64.b64decode(encoded, validate=True).decode("utf-8")
    except (binascii.Error, ValueError) as error:
        raise ValidationError("user_data must be base64-encoded UTF-8 text") from error


def _image_by_id(image_id: str, compute: Any) -> Any:
    """A libcloud image known by its id alone, which is what drivers act on (libcloud annotates the name
    as a string, yet makes unnamed images itself)."""
    from libcloud.compute.base import NodeImage

    return NodeImage(id=image_id, name=None, driver=compute)  # type: ignore[arg-type]


def _get_image(compute: Any, image_id: str) -> Any | None:
    try:
        return compute.get_image(image_id)
    except IndexError:  # EC2-like SDKs (Eucalyptus) take the first image of an empty answer: there is none
        return None


class LibcloudCompute(LibcloudBase):
    sdk_kinds: ClassVar[tuple[str, ...]] = ("compute",)
    #: runs a block of compute SDK calls so that whatever escapes is a typed error; a compute SDK
    #: other than libcloud's HTTP drivers (libvirt's) declares its own translation here
    sdk_errors: ClassVar[Callable[..., AbstractContextManager[None]]] = staticmethod(provider_errors)
    #: whether the provider answers a launch naming an unknown image, key or group with "not found":
    #: then that is the request's mistake (400, as the EC2 driver reports it), not a missing resource
    launch_refers: ClassVar[bool] = False
    #: whether the SDK's ``create_image`` answers "accepted" only (DigitalOcean's snapshot action): the new
    #: image is then found by its name, which such a cloud does not keep unique
    images_found_by_name: ClassVar[bool] = False

    def compute(self) -> Any:
        return self.sdk("compute")

    def probe(self) -> None:
        with listing(), self.sdk_errors():
            self.compute().list_nodes()

    # -- realms and hardware profiles -----------------------------------------------------
    def realms(self, filters: Filters) -> list[Realm]:
        with listing(), self.sdk_errors():
            locations = self.compute().list_locations()
        return [r for r in map(mapping.realm, locations) if matches(r.model_dump(), filters, ("id",))]

    def realm(self, realm_id: str) -> Realm | None:
        return next(iter(self.realms({"id": realm_id})), None)

    def hardware_profiles(self, filters: Filters) -> list[HardwareProfile]:
        with listing(), self.sdk_errors():
            sizes = self.compute().list_sizes()
        profiles = [mapping.hardware_profile(s) for s in sizes]
        arch = filters.get("architecture")
        return [
            p for p in profiles
            if matches(p.model_dump(), filters, ("id",))
            and (not arch or ((prop := p.property("architecture")) is not None and prop.accepts(arch)))
        ]

    def hardware_profile(self, profile_id: str) -> HardwareProfile | None:
        return next(iter(self.hardware_profiles({"id": profile_id})), None)

    def _profile_ids(self) -> list[str]:
        if not self.capabilities.has_collection("hardware_profiles"):
            return []
        return [p.id for p in self.hardware_profiles({})]

    # -- images ---------------------------------------------------------------------------
    def list_node_images(self, filters: Filters) -> list[Any]:
        """libcloud images for a listing; providers narrow the provider-side query here."""
        return list(self.compute().list_images())

    def images(self, filters: Filters) -> list[Image]:
        with listing(), self.sdk_errors():
            found = self.list_node_images(filters)
        profile_ids = self._profile_ids()
        images = [mapping.image(i, profile_ids) for i in found]
        return [i for i in images if matches(i.model_dump(), filters, ("id", "architecture", "owner_id"))]

    def image(self, image_id: str) -> Image | None:
        if not implements(type(self.compute()), "get_image"):
            return next(iter(self.images({"id": image_id})), None)
        if not is_plain_id(image_id):  # get_image pastes it into the image's URL as it is
            return None
        try:
            with self.sdk_errors():
                found = _get_image(self.compute(), image_id)
        except NotFound:
            return None
        return mapping.image(found, self._profile_ids()) if found is not None else None

    def create_image(self, instance_id: str, name: str | None, description: str | None, *,
                     no_reboot: bool = False) -> Image:
        node = self._node(instance_id)
        compute = self.compute()
        # EC2-like SDKs (Eucalyptus) take ``reboot`` and default to none: asked for, the reboot is passed on
        options = {"reboot": not no_reboot} if "reboot" in inspect.signature(compute.create_image).parameters else {}
        image_name = name or f"{node.name}-image"
        # the images of that name before the call: none of them is the new one
        earlier = {i.id for i in self.images({}) if i.name == image_name} if self.images_found_by_name else set()
        with self.sdk_errors():
            created = compute.create_image(node, image_name, **options)
        if self.images_found_by_name:
            new = [i for i in self.images({}) if i.name == image_name and i.id not in earlier]
            if len(new) != 1:
                raise BackendError(f"The cloud accepted the image but does not list it yet: it will appear as "
                                   f"'{image_name}'")
            return new[0]
        # some clouds answer with the new id only (EC2's CreateImage): read the image back for its state
        return self.image(str(created.id)) or mapping.image(created, self._profile_ids())

    def destroy_image(self, image_id: str) -> None:
        with self.sdk_errors():
            self.compute().delete_image(_image_by_id(image_id, self.compute()))

    # -- instances ------------------------------------------------------------------------
    def to_instance(self, node: Any) -> Instance:
        """The core instance for a libcloud node; providers refine provider-specific fields."""
        return mapping.instance(node)

    def _nodes(self) -> list[Any]:
        with listing(), self.sdk_errors():
            return list(self.compute().list_nodes())

    def find_node(self, instance_id: str) -> Any | None:
        """The libcloud node behind an instance id; providers with a direct lookup override this."""
        return next((n for n in self._nodes() if str(n.id) == instance_id), None)

    def _node(self, instance_id: str) -> Any:
        node = self.find_node(instance_id)
        if node is None:
            raise NotFound(f"Instance '{instance_id}' not found")
        return node

    def listed_instances(self) -> list[Instance]:
        """Every instance; clouds whose listing can fail on a member destroyed meanwhile override this."""
        return [self.to_instance(n) for n in self._nodes()]

    def instances(self, filters: Filters) -> list[Instance]:
        found = self.listed_instances()
        return [i for i in found if matches(i.model_dump(), filters, ("id", "state", "realm_id"))]

    def instance(self, instance_id: str) -> Instance | None:
        node = self.find_node(instance_id)
        return self.to_instance(node) if node is not None else None

    def create_node_arguments(self, request: InstanceCreate) -> dict[str, Any]:
        """``create_node`` keyword arguments for the request's features the libcloud class accepts.

        Providers extend this for parameters that need a provider lookup (firewalls, key ids).
        """
        accepted = create_node_parameters(type(self.compute()))
        arguments: dict[str, Any] = {}
        if request.keyname and "ex_keyname" in accepted:
            arguments["ex_keyname"] = request.keyname
        if request.user_data:
            for parameter in ("ex_userdata", "ex_user_data"):
                if parameter in accepted:
                    arguments[parameter] = decode_user_data(request.user_data)
        return arguments

    def _pick(self, listed: list[Any], wanted: str | None, what: str) -> Any | None:
        if wanted is None:
            return listed[0] if listed else None
        found = next((item for item in listed if str(item.id) == wanted), None)
        if found is None:
            raise ValidationError(f"{what} '{wanted}' does not exist")
        return found

    def location_arguments(self, realm_id: str | None) -> dict[str, Any]:
        """The ``location`` argument of a launch or a volume create for the realm asked for (none: the cloud
        picks). Called in an ``sdk_errors`` block; clouds whose realms are not libcloud's locations override this."""
        if not realm_id:
            return {}
        compute = self.compute()
        if not self.capabilities.has_collection("realms") or not implements(type(compute), "list_locations"):
            # libcloud's placeholder locations of such a cloud would reach a create that takes none (a 502)
            raise ValidationError(f"Realm '{realm_id}' does not exist: the {self.name} driver has no realms to "
                                  "choose from")
        return {"location": self._pick(list(compute.list_locations()), realm_id, "Realm")}

    def create_instances(self, request: InstanceCreate) -> list[Instance]:
        compute = self.compute()
        arguments: dict[str, Any] = {}
        with self.sdk_errors():
            if implements(type(compute), "list_sizes"):
                size = self._pick(list(compute.list_sizes()), request.hardware_profile_id, "Hardware profile")
                if size is not None:
                    arguments["size"] = size
            elif request.hardware_profile_id:  # it would be dropped, and the cloud's own size launched
                raise ValidationError(f"Hardware profile '{request.hardware_profile_id}' does not exist: the "
                                      f"{self.name} driver has no hardware profiles to choose from")
            arguments.update(self.location_arguments(request.realm_id))
        profile = mapping.hardware_profile(arguments["size"]) if "size" in arguments else None
        check_launch_overrides(profile, request.hardware_profile_overrides)
        arguments["image"] = _image_by_id(request.image_id, compute)
        arguments.update(self.create_node_arguments(request))
        created = []
        for number in range(request.instance_count):
            name = request.name or f"deltacloud-{request.image_id[:8]}"
            if request.instance_count > 1:
                name = f"{name}-{number + 1}"
            with self.sdk_errors(refers=self.launch_refers):
                created.append(self.to_instance(compute.create_node(name=name, **arguments)))
        return created

    def _act(self, instance_id: str, method: str) -> Instance:
        node = self._node(instance_id)
        with self.sdk_errors():
            getattr(self.compute(), method)(node)
        return self.instance(instance_id) or self.to_instance(node)

    def start_instance(self, instance_id: str) -> Instance:
        return self._act(instance_id, "start_node")

    def stop_instance(self, instance_id: str) -> Instance:
        return self._act(instance_id, "stop_node")

    def reboot_instance(self, instance_id: str) -> Instance:
        return self._act(instance_id, "reboot_node")

    def destroy_instance(self, instance_id: str) -> None:
        node = self._node(instance_id)
        with self.sdk_errors():
            self.compute().destroy_node(node)

    # -- keys -----------------------------------------------------------------------------
    def keys(self, filters: Filters) -> list[Key]:
        with listing(), self.sdk_errors():
            pairs = self.compute().list_key_pairs()
        return [k for k in map(mapping.key, pairs) if matches(k.model_dump(), filters, ("id",))]

    def key(self, key_id: str) -> Key | None:
        return next(iter(self.keys({"id": key_id})), None)

    def create_key(self, name: str, public_key: str | None) -> Key:
        if not name.strip():
            raise ValidationError("Key name must not be empty")
        compute = self.compute()
        with self.sdk_errors():
            if public_key is not None:
                if not implements(type(compute), "import_key_pair_from_string"):
                    raise ValidationError("This cloud cannot import public keys")
                return mapping.key(compute.import_key_pair_from_string(name, public_key))
            return mapping.key(compute.create_key_pair(name))

    def destroy_key(self, key_id: str) -> None:
        compute = self.compute()
        with self.sdk_errors():
            pair = next((p for p in compute.list_key_pairs() if p.name == key_id), None)
            if pair is None:
                raise NotFound(f"Key '{key_id}' not found")
            compute.delete_key_pair(pair)

    # -- storage volumes and snapshots ----------------------------------------------------
    def to_storage_volume(self, volume: Any) -> StorageVolume:
        return mapping.storage_volume(volume)

    def _volumes(self) -> list[Any]:
        with listing(), self.sdk_errors():
            return list(self.compute().list_volumes())

    def _volume(self, volume_id: str) -> Any:
        volume = next((v for v in self._volumes() if str(v.id) == volume_id), None)
        if volume is None:
            raise NotFound(f"Storage volume '{volume_id}' not found")
        return volume

    def storage_volumes(self, filters: Filters) -> list[StorageVolume]:
        found = [self.to_storage_volume(v) for v in self._volumes()]
        return [v for v in found if matches(v.model_dump(), filters, ("id", "state"))]

    def storage_volume(self, volume_id: str) -> StorageVolume | None:
        return next(iter(self.storage_volumes({"id": volume_id})), None)

    def create_storage_volume(self, request: StorageVolumeCreate) -> StorageVolume:
        capacity = request.capacity or 1
        compute = self.compute()
        arguments: dict[str, Any] = {}
        with self.sdk_errors():
            arguments.update(self.location_arguments(request.realm_id))
            if request.snapshot_id:
                arguments["snapshot"] = self._snapshot(request.snapshot_id)
            # unique: clouds that keep volume names unique (DigitalOcean, per region) refused a second one
            name = request.name or f"deltacloud-volume-{capacity}gb-{uuid.uuid4().hex[:8]}"
            created = compute.create_volume(capacity, name, **arguments)
        return self.to_storage_volume(created)

    def destroy_storage_volume(self, volume_id: str) -> None:
        volume = self._volume(volume_id)
        with self.sdk_errors():
            self.compute().destroy_volume(volume)

    def attach_storage_volume(self, volume_id: str, instance_id: str, device: str) -> StorageVolume:
        volume, node = self._volume(volume_id), self._node(instance_id)
        with self.sdk_errors():
            self.compute().attach_volume(node, volume, device or None)
        return self.storage_volume(volume_id) or self.to_storage_volume(volume)

    def detach_storage_volume(self, volume_id: str) -> StorageVolume:
        volume = self._volume(volume_id)
        with self.sdk_errors():
            self.compute().detach_volume(volume)
        return self.storage_volume(volume_id) or self.to_storage_volume(volume)

    def list_volume_snapshots(self) -> list[Any]:
        """Every snapshot; clouds with one call for all of them override this."""
        compute = self.compute()
        with listing(), self.sdk_errors():
            return [s for v in compute.list_volumes() for s in compute.list_volume_snapshots(v)]

    def _snapshot(self, snapshot_id: str) -> Any:
        snapshot = next((s for s in self.list_volume_snapshots() if str(s.id) == snapshot_id), None)
        if snapshot is None:
            raise NotFound(f"Storage snapshot '{snapshot_id}' not found")
        return snapshot

    def to_storage_snapshot(self, snapshot: Any) -> StorageSnapshot:
        return mapping.storage_snapshot(snapshot)

    def storage_snapshots(self, filters: Filters) -> list[StorageSnapshot]:
        found = [self.to_storage_snapshot(s) for s in self.list_volume_snapshots()]
        return [s for s in found if matches(s.model_dump(), filters, ("id", "storage_volume_id"))]

    def storage_snapshot(self, snapshot_id: str) -> StorageSnapshot | None:
        return next(iter(self.storage_snapshots({"id": snapshot_id})), None)

    def create_storage_snapshot(self, volume_id: str, name: str | None, description: str | None) -> StorageSnapshot:
        volume = self._volume(volume_id)
        with self.sdk_errors():
            created = self.compute().create_volume_snapshot(volume, name=name)
        return self.to_storage_snapshot(created)

    def destroy_storage_snapshot(self, snapshot_id: str) -> None:
        snapshot = self._snapshot(snapshot_id)
        with self.sdk_errors():
            self.compute().destroy_volume_snapshot(snapshot)
