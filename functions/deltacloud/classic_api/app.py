"""The Deltacloud classic REST API as a Starlette app: the very app the Lambda handler wraps."""

from deltacloud.capabilities import COLLECTIONS
from deltacloud.errors import ActionNotAllowed, DeltacloudError, NotFound, NotSupported
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import routes_blobs, routes_forms, routes_metrics, routes_network, routes_storage
from . import routes_compute as compute
from . import routes_entry as entry
from .middleware import ClassicMiddleware, facts
from .operations import fail, make_call, pick_format
from .responses import empty


def _routes() -> list[Route]:
    r = Route
    return [
        *routes_forms.ROUTES,
        r("/api", entry.entry_point, methods=["GET"]),
        r("/api/", entry.entry_point, methods=["GET"]),
        r("/api", entry.switch_driver, methods=["POST"]),
        r("/api", entry.options_api, methods=["OPTIONS"]),
        r("/api/drivers", entry.drivers_index, methods=["GET"]),
        r("/api/drivers/{id}", entry.drivers_show, methods=["GET"]),
        r("/api/realms", compute.realms_index, methods=["GET"]),
        r("/api/realms/{id}", compute.realms_show, methods=["GET"]),
        r("/api/hardware_profiles", compute.hardware_profiles_index, methods=["GET"]),
        r("/api/hardware_profiles/{id}", compute.hardware_profiles_show, methods=["GET"]),
        r("/api/images", compute.images_index, methods=["GET"]),
        r("/api/images", compute.images_create, methods=["POST"]),
        r("/api/images/{id}", compute.images_show, methods=["GET"]),
        r("/api/images/{id}", compute.images_destroy, methods=["DELETE"]),
        r("/api/instances", compute.instances_index, methods=["GET"]),
        r("/api/instances", compute.instances_create, methods=["POST"]),
        r("/api/instances/{id}", compute.instances_show, methods=["GET"]),
        r("/api/instances/{id}", compute.instances_destroy, methods=["DELETE"]),
        r("/api/instances/{id}/start", compute.instances_start, methods=["POST"]),
        r("/api/instances/{id}/stop", compute.instances_stop, methods=["POST"]),
        r("/api/instances/{id}/reboot", compute.instances_reboot, methods=["POST"]),
        r("/api/instances/{id}/run", compute.instances_run, methods=["POST"]),
        r("/api/instance_states", compute.instance_states, methods=["GET"]),
        r("/api/keys", compute.keys_index, methods=["GET"]),
        r("/api/keys", compute.keys_create, methods=["POST"]),
        r("/api/keys/{id}", compute.keys_show, methods=["GET"]),
        r("/api/keys/{id}", compute.keys_destroy, methods=["DELETE"]),
        *routes_storage.ROUTES,
        *routes_blobs.ROUTES,
        *routes_network.ROUTES,
        *routes_metrics.ROUTES,
    ]


def _not_found(request: Request) -> DeltacloudError:
    """412 for a catalogue collection the chosen driver lacks (spec §5.2), 404 for anything else."""
    parts = request.url.path.split("/")
    collection = parts[2] if len(parts) > 2 else ""
    if collection in COLLECTIONS:
        try:
            supported = make_call(request, "xml", {}).capabilities.has_collection(collection)
        except DeltacloudError as error:
            return error
        if not supported:
            return NotSupported(collection)
    return NotFound()


def _error(request: Request, error: DeltacloudError, status: int | None = None) -> Response:
    info = facts(request.scope)
    fmt = pick_format(info.formats, ("xml", "json", "html")) or "xml"
    return fail(make_call(request, fmt, dict(request.query_params)), error, status)


async def http_exception(request: Request, exc: Exception) -> Response:
    """Unknown paths and wrong methods answer with the error document, never Starlette's text."""
    assert isinstance(exc, HTTPException)
    if request.method == "OPTIONS":
        return entry.options_collection(request)
    if exc.status_code == 405:
        response = _error(request, ActionNotAllowed())
        if exc.headers and "Allow" in exc.headers:
            response.headers["Allow"] = exc.headers["Allow"]
        return response
    if exc.status_code == 404:
        return _error(request, _not_found(request))
    return empty(exc.status_code)


def create_app() -> ClassicMiddleware:
    app = Starlette(routes=_routes(), exception_handlers={HTTPException: http_exception})
    return ClassicMiddleware(app)


app = create_app()
