"""Resources the driver holds: Machines, MachineImages, Credentials, Volumes, VolumeImages, Networks,
ForwardingGroups and Addresses (spec §4).

Each kind is described once by a :class:`DriverKind` (its names, the driver calls behind it, how
to show one and how to create one); list, show, create, edit and delete are the same for all.
What a client sets that the cloud cannot store (name, description, properties) is kept in the
kind's :class:`Overlay` and shown over the driver's values.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from deltacloud.driver import OPERATION_METHODS, Driver
from deltacloud.errors import NotFound
from deltacloud.model import Resource
from starlette.responses import Response

from .common import Document, operation
from .context import CimiCall
from .jobs import GONE, Job, start_job
from .listing import Expander, collection_document, resource_document
from .outcomes import created_response, deleted_response
from .representation import document_response
from .schema import singular
from .storage import Overlay, Record, edit_fields, now

R = TypeVar("R", bound=Resource)
#: what creates one checked resource, with the Job that follows it
Creation = Callable[[], tuple[R, Job]]


@dataclass(frozen=True)
class DriverKind(Generic[R]):
    path: str  # collection path under /cimi
    resource: str  # resource type name
    entries: str  # JSON entries key
    collection: str  # the driver's collection (``keys``): its capability name and its methods (OPERATION_METHODS)
    render: Callable[[CimiCall, R, Record], Document]  # one, with what the client set on it
    #: checks a create document (a client's, or a System member's) and returns what creates the resource:
    #: nothing reaches the cloud before that is called, so a System checks all its members first
    plan: Callable[[CimiCall, dict[str, Any]], "Creation[R]"]
    watch: str | None = None  # the Job observer following its state (see jobs.OBSERVERS); None: changes are at once
    render_created: Callable[[CimiCall, R, Record], Document] | None = None  # the answer to a create, if richer
    expander: Callable[[CimiCall, dict[str, R]], Expander] | None = None  # ``$expand`` of its documents
    destroy: Callable[[Driver, str], None] | None = None  # a delete other than the driver's own

    def create(self, call: CimiCall, body: dict[str, Any]) -> tuple[R, Job]:
        return self.plan(call, body)()

    def overlay(self, call: CimiCall) -> Overlay:
        # the namespace is the path's singular (``cimi/overlay/machine_image``), as stored overlays expect
        return Overlay(call.state, singular(self.path))

    def added(self, call: CimiCall, resource: R, fields: Record, state: str = "", *,
              affected: tuple[str, ...] = (), then: dict[str, str] | None = None) -> tuple[R, Job]:
        """A resource just created: what its create document set that the cloud cannot store is kept, with
        when the proxy created it, and its "add" Job starts (following it to ``state``, if the kind is watched)."""
        self.overlay(call).save(resource.id, {**fields, "created": now()})
        job = start_job(call, "add", f"{self.path}/{resource.id}", self.watching(resource.id, state),
                        affected=affected, then=then)
        return resource, job

    def _method(self, driver: Driver, operation: str) -> Callable[..., Any]:
        return getattr(driver, OPERATION_METHODS[(self.collection, operation)])

    def listed(self, call: CimiCall) -> list[R]:
        return self._method(call.driver, "index")({})

    def fetch(self, call: CimiCall, resource_id: str) -> R | None:
        return self._method(call.driver, "show")(resource_id)

    def remove(self, call: CimiCall, resource_id: str) -> None:
        if self.destroy is not None:
            self.destroy(call.driver, resource_id)
        else:
            self._method(call.driver, "destroy")(resource_id)

    def watching(self, resource_id: str, state: str) -> tuple[str, str, str] | None:
        """What a Job of a change leading to ``state`` watches (None: the change is complete)."""
        return (self.watch, resource_id, state) if self.watch else None

    def expansion(self, call: CimiCall, resources: Sequence[R]) -> Expander | None:
        return self.expander(call, {r.id: r for r in resources}) if self.expander else None


def member_operations(call: CimiCall, collection: str, url: str) -> list[dict[str, str]]:
    """What a client can do to one resource of the driver's ``collection``: edit, and delete where supported."""
    ops = [operation("edit", url)]
    if call.supports(collection, "destroy"):
        ops.append(operation("delete", url))
    return ops


def find_held(call: CimiCall, kind: DriverKind[R], resource_id: str) -> R:
    resource = kind.fetch(call, resource_id)
    if resource is None:
        raise NotFound(f"{kind.resource} '{resource_id}' not found")
    return resource


def held_collection(call: CimiCall, kind: DriverKind[Any]) -> Document:
    call.require(kind.collection, "index")
    resources = kind.listed(call)
    extras = kind.overlay(call).all()
    entries = [kind.render(call, resource, extras.get(resource.id, {})) for resource in resources]
    ops = [operation("add", call.url(kind.path))] if call.supports(kind.collection, "create") else []
    return collection_document(call, kind.path, kind.entries, entries, ops, kind.expansion(call, resources))


def show_held(call: CimiCall, kind: DriverKind[Any]) -> Response:
    call.require(kind.collection, "show")
    resource = find_held(call, kind, call.params["id"])
    document = kind.render(call, resource, kind.overlay(call).get(resource.id))
    return document_response(call.fmt, resource_document(call, document, kind.expansion(call, [resource])),
                             kind.resource)


def create_held(call: CimiCall, kind: DriverKind[Any]) -> Response:
    resource, job = kind.create(call, call.body)

    def created() -> Document:
        # a watched resource has reached the state its Job waited for: show it as it is now
        current = (kind.fetch(call, resource.id) or resource) if kind.watch else resource
        return (kind.render_created or kind.render)(call, current, kind.overlay(call).get(resource.id))

    return created_response(call, job, call.url(kind.path, resource.id), kind.resource, created)


def edit_held(call: CimiCall, kind: DriverKind[Any]) -> Response:
    call.require(kind.collection, "show")
    resource = find_held(call, kind, call.params["id"])
    extra = kind.overlay(call).save(resource.id, edit_fields(call.body, call.query("$select")))
    return document_response(call.fmt, kind.render(call, resource, extra), kind.resource)


def delete_held(call: CimiCall, kind: DriverKind[Any]) -> Response:
    call.require(kind.collection, "destroy")
    resource_id = call.params["id"]
    kind.remove(call, resource_id)
    return deleted_response(call, forget_deleted(call, kind, resource_id))


def forget_deleted(call: CimiCall, kind: DriverKind[Any], resource_id: str) -> Job:
    """What follows the driver's delete: the overlay goes, and a Job follows the resource until it is gone."""
    kind.overlay(call).forget(resource_id)
    return start_job(call, "delete", f"{kind.path}/{resource_id}", kind.watching(resource_id, GONE))
