"""The DMTF CIMI API as a Starlette app: the very app the Lambda handler wraps.

Routes carry the full path (``/cimi/machines``): the local server and API Gateway both pass it.
Each handler is named ``"module:function"`` and imported with its first request (cold start).
"""

from collections.abc import Callable

from deltacloud.errors import DeltacloudError, NotFound
from deltacloud.lazy_import import lazy_function
from deltacloud.metering import meter_call, outcome_of
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .catalogue import COLLECTION_PATHS, LOCAL_KINDS, build_collection, kind_handler
from .context import CimiCall
from .errors import HttpError, MethodNotAllowed, error_response
from .middleware import CimiMiddleware, facts
from .operations import endpoint
from .representation import document_response
from .schema import COLLECTIONS

Handler = Callable[[CimiCall], Response]
#: a handler, or the name of one below ``cimi_api`` (``"machines:list_disks"``), imported on first use
Target = str | Handler
ROOT = "/cimi"
#: collection path -> the resource type of its entries
RESOURCES = {collection.path: collection.resource for collection in COLLECTIONS}


def _route(path: str, method: str, name: str, target: Target, public: bool = False) -> Route:
    handler = lazy_function(f"cimi_api.{target}") if isinstance(target, str) else target
    return Route(f"{ROOT}{path}", endpoint(name, public=public)(handler), methods=[method])


def _collection(path: str) -> Route:
    resource = RESOURCES[path]

    def serve(call: CimiCall) -> Response:
        return document_response(call.fmt, build_collection(call, path), resource, collection=True)

    return _route(f"/{path}", "GET", f"{path}.index", serve)


def _members(path: str, create: Target, show: Target, edit: Target, destroy: Target) -> list[Route]:
    return [
        _route(f"/{path}", "POST", f"{path}.create", create),
        _route(f"/{path}/{{id}}", "GET", f"{path}.show", show),
        _route(f"/{path}/{{id}}", "PUT", f"{path}.edit", edit),
        _route(f"/{path}/{{id}}", "DELETE", f"{path}.destroy", destroy),
    ]


def _kind_members(path: str) -> list[Route]:
    """The members of a kind of resource the generic handlers serve (see :mod:`.catalogue`)."""
    return _members(path, *(kind_handler(path, operation) for operation in ("create", "show", "edit", "delete")))


def _routes() -> list[Route]:
    r = _route
    return [
        r("", "GET", "entry_point.redirect", "entry:redirect_to_entry_point", public=True),
        r("/", "GET", "entry_point.redirect", "entry:redirect_to_entry_point", public=True),
        r("/cloudEntryPoint", "GET", "entry_point.show", "entry:cloud_entry_point", public=True),
        *(_collection(path) for path in COLLECTION_PATHS),
        r("/resource_metadata/{id}", "GET", "resource_metadata.show", "metadata:show_metadata"),
        # machines, their disks and volumes
        *_kind_members("machines"),
        r("/machines/{id}", "POST", "machines.action", "machines:action_on_machine"),
        r("/machines/{id}/disks", "GET", "machines.disks", "machines:list_disks"),
        r("/machines/{id}/disks/{disk}", "GET", "machines.disk", "machines:show_disk"),
        r("/machines/{id}/volumes", "GET", "machines.volumes", "machines:list_machine_volumes"),
        r("/machines/{id}/volumes", "POST", "machines.attach", "machines:attach_volume"),
        r("/machines/{id}/volume_attach", "POST", "machines.attach", "machines:attach_volume"),
        r("/machines/{id}/volumes/{volume}", "GET", "machines.volume", "machines:show_machine_volume"),
        r("/machines/{id}/volumes/{volume}", "DELETE", "machines.detach", "machines:detach_volume"),
        r("/machines/{id}/{action}", "POST", "machines.action", "machines:machine_action"),
        r("/machines/{id}/{part}", "GET", "machines.show", "machines:machine_part"),
        r("/machine_configurations/{id}", "GET", "machine_configurations.show", "configurations:show_configuration"),
        *_kind_members("machine_images"),
        # credentials, volumes, networks, addresses
        *(route for path in ("credentials", "volumes", "volume_images", "networks", "forwarding_groups", "addresses")
          for route in _kind_members(path)),
        # systems and their members
        *_members("systems", "systems:create_system", "systems:show_system", "systems:edit_system",
                  "systems:delete_system"),
        r("/systems/{id}/{kind}", "GET", "systems.members", "systems:list_members"),
        r("/systems/{id}/{kind}/{member}", "GET", "systems.member", "systems:show_member"),
        r("/systems/{id}/{action}", "POST", "systems.action", "systems:act"),
        # jobs and the resources only the proxy holds
        r("/jobs/{id}", "GET", "jobs.show", "jobs:show_job"),
        r("/jobs/{id}", "DELETE", "jobs.destroy", "jobs:delete_job"),
        *(route for path in LOCAL_KINDS for route in _kind_members(path)),
    ]


async def http_exception(request: Request, exc: Exception) -> Response:
    """Unknown paths and wrong methods answer with CIMI's error document, never Starlette's text."""
    assert isinstance(exc, HTTPException)
    info = facts(request.scope)
    error: DeltacloudError
    if exc.status_code == 405:
        error = MethodNotAllowed(f"{request.method} is not allowed on {request.url.path}")
    elif exc.status_code == 404:
        error = NotFound(f"No CIMI resource at {request.url.path}")
    else:
        error = HttpError(exc.status_code, exc.detail)
    response = error_response(error, info.fmt, request.url.path, info.driver, info.provider)
    if exc.headers and "Allow" in exc.headers:
        response.headers["Allow"] = exc.headers["Allow"]
    meter_call("cimi", "unrouted", info.driver, None, outcome_of(response.status_code))
    return response


def create_app() -> CimiMiddleware:
    app = Starlette(routes=_routes(), exception_handlers={HTTPException: http_exception})
    return CimiMiddleware(app)


app = create_app()
