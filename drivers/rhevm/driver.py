"""Red Hat Enterprise Virtualization / oVirt through the engine's own SDK, ``ovirt-engine-sdk-python``
(libcloud has no driver for it): clusters as realms, instance types as hardware profiles,
templates as images, VMs as instances.

The provider is the engine's API URL (``https://engine.example.com/ovirt-engine/api``; a bare
host gets that path). Credentials: ``username`` (``admin@internal``), ``password``, optionally
``ca_file`` (the engine CA's PEM file on the proxy's host; otherwise the system trust store).

A VM is created down (oVirt copies its disks from the template first) and is then started; stop
powers it off; only a stopped VM can be destroyed, as the engine refuses to remove a running one.
The SDK is imported by :mod:`.engine` when the driver is first used.
"""

from typing import TYPE_CHECKING, ClassVar
from urllib.parse import urlsplit

from deltacloud.capabilities import Capabilities, supports
from deltacloud.driver import Driver, Filters
from deltacloud.drivers.endpoints import UrlProvider
from deltacloud.drivers.libcloud_adapter.compute import decode_user_data
from deltacloud.errors import AuthenticationFailure, BackendUnavailable, NotFound, ValidationError
from deltacloud.model import HardwareProfile, Image, Instance, InstanceCreate, Realm, StateMachine
from deltacloud.model.compute import check_launch_overrides

from . import mapping

if TYPE_CHECKING:
    from .engine import Engine

API_PATH = "/ovirt-engine/api"
NAME_LIMIT = 50  # the original's advertised constraint, within every guest OS's host name limit


class RhevmDriver(UrlProvider, Driver):
    name = "rhevm"
    title = "RHEVM"
    endpoint_is = "the engine's API URL"
    endpoint_example = f"https://engine{API_PATH}"
    capabilities: ClassVar[Capabilities] = Capabilities.of(
        supports("drivers", "index", "show"),
        supports("realms", "index", "show"),
        supports("hardware_profiles", "index", "show"),
        supports("images", "index", "show"),
        supports("instances", "index", "show", "create", "start", "stop", "reboot", "destroy",
                 features=["user_name", "user_data"], constraints={"user_name": {"max_length": NAME_LIMIT}}),
        supports("instance_states", "index"),
    )
    launches_stopped = True  # the engine creates a VM down
    state_machine = StateMachine.parse(
        "start -create-> pending",
        "pending -> stopped",
        "pending -> running",
        "stopped -start-> running",
        "running -stop-> stopped",
        "running -reboot-> running",
        "stopping -> stopped",
        "stopped -destroy-> finish",
    )

    def _url(self) -> str:
        url = self.endpoint_url(self.context.credentials()).rstrip("/")
        return url if urlsplit(url).path else url + API_PATH

    def _engine(self) -> "Engine":
        from deltacloud.runtime import get_runtime

        try:
            from . import engine
        except ImportError:  # an installation without the optional ``rhevm`` extra
            raise BackendUnavailable("The rhevm driver needs ovirt-engine-sdk-python, which is not installed") from None
        credentials = self.context.credentials()
        if not credentials.get("username") or not credentials.get("password"):
            raise AuthenticationFailure("Credentials lack: username, password")
        return engine.connect(self._url(), credentials, get_runtime().settings.backend_timeout)

    def check_credentials(self) -> None:
        from . import engine

        try:
            self._engine().clusters()
        except AuthenticationFailure:
            engine.forget(self._url(), self.context.credentials())
            raise

    # -- realms: clusters -----------------------------------------------------------------
    def realms(self, filters: Filters) -> list[Realm]:
        found = [mapping.realm(c) for c in self._engine().clusters()]
        return [r for r in found if filters.get("id") in (None, "", r.id)]

    def realm(self, realm_id: str) -> Realm | None:
        return next(iter(self.realms({"id": realm_id})), None)

    # -- hardware profiles: instance types ------------------------------------------------
    def hardware_profiles(self, filters: Filters) -> list[HardwareProfile]:
        found = [mapping.hardware_profile(t) for t in self._engine().instance_types()]
        return [p for p in found if filters.get("id") in (None, "", p.id)]

    def hardware_profile(self, profile_id: str) -> HardwareProfile | None:
        return next(iter(self.hardware_profiles({"id": profile_id})), None)

    # -- images: templates ----------------------------------------------------------------
    def images(self, filters: Filters) -> list[Image]:
        engine = self._engine()
        profile_ids = [str(t.id) for t in engine.instance_types()]
        found = [mapping.image(t, profile_ids) for t in engine.templates()]
        return [i for i in found if filters.get("id") in (None, "", i.id)]

    def image(self, image_id: str) -> Image | None:
        engine = self._engine()
        template = engine.template(image_id)
        return mapping.image(template, [str(t.id) for t in engine.instance_types()]) if template else None

    # -- instances: VMs -------------------------------------------------------------------
    def instances(self, filters: Filters) -> list[Instance]:
        found = [mapping.instance(vm) for vm in self._engine().vms()]
        return [i for i in found
                if all(not filters.get(k) or str(getattr(i, k)) == filters[k] for k in ("id", "state", "realm_id"))]

    def instance(self, instance_id: str) -> Instance | None:
        vm = self._engine().vm(instance_id)
        return mapping.instance(vm) if vm is not None else None

    def create_instances(self, request: InstanceCreate) -> list[Instance]:
        if request.instance_count != 1:
            raise ValidationError("The rhevm driver launches one instance at a time")
        name = request.name or f"deltacloud-{request.image_id[:8]}"
        if len(name) > NAME_LIMIT:
            raise ValidationError(f"name is longer than {NAME_LIMIT} characters")
        engine = self._engine()
        clusters = [str(c.id) for c in engine.clusters()]
        cluster_id = request.realm_id or (clusters[0] if clusters else None)
        if cluster_id not in clusters:
            raise ValidationError(f"Realm '{request.realm_id}' does not exist")
        profile = request.hardware_profile_id
        types = {str(t.id): t for t in engine.instance_types()}
        if profile and profile not in types:
            raise ValidationError(f"Hardware profile '{request.hardware_profile_id}' does not exists.")
        check_launch_overrides(mapping.hardware_profile(types[profile]) if profile else None,
                               request.hardware_profile_overrides)
        if engine.template(request.image_id) is None:
            raise ValidationError(f"Image {request.image_id} does not exists.")
        script = decode_user_data(request.user_data) if request.user_data else None
        created = engine.add_vm(name, cluster_id, request.image_id, profile, script)
        return [mapping.instance(created)]

    def _act(self, instance_id: str, action: str) -> Instance:
        engine = self._engine()
        engine.act(instance_id, action)
        vm = engine.vm(instance_id)
        if vm is None:
            raise NotFound(f"Instance '{instance_id}' not found")
        return mapping.instance(vm)

    def start_instance(self, instance_id: str) -> Instance:
        return self._act(instance_id, "start")

    def stop_instance(self, instance_id: str) -> Instance:
        return self._act(instance_id, "stop")

    def reboot_instance(self, instance_id: str) -> Instance:
        return self._act(instance_id, "reboot")

    def destroy_instance(self, instance_id: str) -> None:
        self._engine().remove(instance_id)
