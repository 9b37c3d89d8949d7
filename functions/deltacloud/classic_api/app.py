"""The Deltacloud classic REST API as a Starlette app: the very app the Lambda handler wraps."""

from collections.abc import Callable

from deltacloud.capabilities import COLLECTIONS
from deltacloud.errors import ActionNotAllowed, DeltacloudError, NotFound, NotSupported
from deltacloud.lazy_import import Endpoint, lazy_endpoint
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .body_stream import malformed_body
from .middleware import ClassicMiddleware
from .operations import fail_request, make_call
from .responses import empty


def _endpoints(module: str) -> Callable[[str], Endpoint]:
    """Endpoints of ``classic_api.<module>``, each imported with its first request (cold start)."""
    return lambda name: lazy_endpoint(f"classic_api.{module}:{name}")


entry = _endpoints("routes_entry")
compute = _endpoints("routes_compute")
storage = _endpoints("routes_storage")
blobs = _endpoints("routes_blobs")
network = _endpoints("routes_network")
metrics = _endpoints("routes_metrics")

#: the browser console's HTML form pages below /api, one per form of forms.FORMS (a test checks they agree)
FORM_PAGES = (
    "instances/new", "instances/{id}/run", "images/new", "keys/new", "storage_volumes/new",
    "storage_volumes/{id}/attach_instance", "storage_snapshots/new", "buckets/new",
    "buckets/{id}/new_blob_form_d15cfd90", "addresses/{id}/associate", "firewalls/new", "firewalls/{id}/new_rule",
    "load_balancers/new", "load_balancers/{id}/register_instance", "networks/new", "subnets/new",
    "network_interfaces/new",
)


def _routes() -> list[Route]:
    r = Route
    return [
        # form pages before the member routes, so that ``/keys/new`` is never the key "new"
        *(r(f"/api/{page}", lazy_endpoint("classic_api.routes_forms:form_endpoint", page), methods=["GET"])
          for page in FORM_PAGES),
        r("/api", entry("entry_point"), methods=["GET"]),
        r("/api/", entry("entry_point"), methods=["GET"]),
        r("/api", entry("switch_driver"), methods=["POST"]),
        r("/api", entry("options_api"), methods=["OPTIONS"]),
        r("/api/drivers", entry("drivers_index"), methods=["GET"]),
        r("/api/drivers/{id}", entry("drivers_show"), methods=["GET"]),
        r("/api/realms", compute("realms_index"), methods=["GET"]),
        r("/api/realms/{id}", compute("realms_show"), methods=["GET"]),
        r("/api/hardware_profiles", compute("hardware_profiles_index"), methods=["GET"]),
        r("/api/hardware_profiles/{id}", compute("hardware_profiles_show"), methods=["GET"]),
        r("/api/images", compute("images_index"), methods=["GET"]),
        r("/api/images", compute("images_create"), methods=["POST"]),
        r("/api/images/{id}", compute("images_show"), methods=["GET"]),
        r("/api/images/{id}", compute("images_destroy"), methods=["DELETE"]),
        r("/api/instances", compute("instances_index"), methods=["GET"]),
        r("/api/instances", compute("instances_create"), methods=["POST"]),
        r("/api/instances/{id}", compute("instances_show"), methods=["GET"]),
        r("/api/instances/{id}", compute("instances_destroy"), methods=["DELETE"]),
        r("/api/instances/{id}/start", compute("instances_start"), methods=["POST"]),
        r("/api/instances/{id}/stop", compute("instances_stop"), methods=["POST"]),
        r("/api/instances/{id}/reboot", compute("instances_reboot"), methods=["POST"]),
        r("/api/instances/{id}/run", compute("instances_run"), methods=["POST"]),
        r("/api/instance_states", compute("instance_states"), methods=["GET"]),
        r("/api/keys", compute("keys_index"), methods=["GET"]),
        r("/api/keys", compute("keys_create"), methods=["POST"]),
        r("/api/keys/{id}", compute("keys_show"), methods=["GET"]),
        r("/api/keys/{id}", compute("keys_destroy"), methods=["DELETE"]),
        r("/api/storage_volumes", storage("volumes_index"), methods=["GET"]),
        r("/api/storage_volumes", storage("volumes_create"), methods=["POST"]),
        r("/api/storage_volumes/{id}", storage("volumes_show"), methods=["GET"]),
        r("/api/storage_volumes/{id}", storage("volumes_destroy"), methods=["DELETE"]),
        r("/api/storage_volumes/{id}/attach", storage("volumes_attach"), methods=["POST"]),
        r("/api/storage_volumes/{id}/detach", storage("volumes_detach"), methods=["POST"]),
        r("/api/storage_snapshots", storage("snapshots_index"), methods=["GET"]),
        r("/api/storage_snapshots", storage("snapshots_create"), methods=["POST"]),
        r("/api/storage_snapshots/{id}", storage("snapshots_show"), methods=["GET"]),
        r("/api/storage_snapshots/{id}", storage("snapshots_destroy"), methods=["DELETE"]),
        r("/api/buckets", blobs("buckets_index"), methods=["GET"]),
        r("/api/buckets", blobs("buckets_create"), methods=["POST"]),
        r("/api/buckets/{id}", blobs("buckets_show"), methods=["GET"]),
        r("/api/buckets/{id}", blobs("buckets_destroy"), methods=["DELETE"]),
        r("/api/buckets/{id}", blobs("blobs_post"), methods=["POST"]),
        # HEAD first: the GET route below would answer HEAD with the blob document otherwise
        r("/api/buckets/{id}/{blob_id}", blobs("blobs_head"), methods=["HEAD"]),
        r("/api/buckets/{id}/{blob_id}", blobs("blobs_show"), methods=["GET"]),
        r("/api/buckets/{id}/{blob_id}", blobs("blobs_put"), methods=["PUT"]),
        r("/api/buckets/{id}/{blob_id}", blobs("blobs_update_metadata"), methods=["POST"]),
        r("/api/buckets/{id}/{blob_id}", blobs("blobs_destroy"), methods=["DELETE"]),
        r("/api/buckets/{id}/{blob_id}/content", blobs("blobs_content"), methods=["GET"]),
        r("/api/buckets/{id}/{blob_id}/metadata", blobs("blobs_head"), methods=["HEAD"]),
        r("/api/addresses", network("addresses_index"), methods=["GET"]),
        r("/api/addresses", network("addresses_create"), methods=["POST"]),
        r("/api/addresses/{id}", network("addresses_show"), methods=["GET"]),
        r("/api/addresses/{id}", network("addresses_destroy"), methods=["DELETE"]),
        r("/api/addresses/{id}/associate", network("addresses_associate"), methods=["POST"]),
        r("/api/addresses/{id}/disassociate", network("addresses_disassociate"), methods=["POST"]),
        r("/api/firewalls", network("firewalls_index"), methods=["GET"]),
        r("/api/firewalls", network("firewalls_create"), methods=["POST"]),
        r("/api/firewalls/{id}", network("firewalls_show"), methods=["GET"]),
        r("/api/firewalls/{id}", network("firewalls_destroy"), methods=["DELETE"]),
        r("/api/firewalls/{id}/rules", network("firewall_rules_create"), methods=["POST"]),
        r("/api/firewalls/{id}/{rule_id}", network("firewall_rules_destroy"), methods=["DELETE"]),
        r("/api/load_balancers", network("balancers_index"), methods=["GET"]),
        r("/api/load_balancers", network("balancers_create"), methods=["POST"]),
        r("/api/load_balancers/{id}", network("balancers_show"), methods=["GET"]),
        r("/api/load_balancers/{id}", network("balancers_destroy"), methods=["DELETE"]),
        r("/api/load_balancers/{id}/register", network("balancers_register"), methods=["POST"]),
        r("/api/load_balancers/{id}/unregister", network("balancers_unregister"), methods=["POST"]),
        r("/api/networks", network("networks_index"), methods=["GET"]),
        r("/api/networks", network("networks_create"), methods=["POST"]),
        r("/api/networks/{id}", network("networks_show"), methods=["GET"]),
        r("/api/networks/{id}", network("networks_destroy"), methods=["DELETE"]),
        r("/api/subnets", network("subnets_index"), methods=["GET"]),
        r("/api/subnets", network("subnets_create"), methods=["POST"]),
        r("/api/subnets/{id}", network("subnets_show"), methods=["GET"]),
        r("/api/subnets/{id}", network("subnets_destroy"), methods=["DELETE"]),
        r("/api/network_interfaces", network("interfaces_index"), methods=["GET"]),
        r("/api/network_interfaces", network("interfaces_create"), methods=["POST"]),
        r("/api/network_interfaces/{id}", network("interfaces_show"), methods=["GET"]),
        r("/api/network_interfaces/{id}", network("interfaces_destroy"), methods=["DELETE"]),
        r("/api/metrics", metrics("metrics_index"), methods=["GET"]),
        r("/api/metrics/{id}", metrics("metrics_show"), methods=["GET"]),
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


async def http_exception(request: Request, exc: Exception) -> Response:
    """Unknown paths and wrong methods answer with the error document, never Starlette's text."""
    assert isinstance(exc, HTTPException)
    if request.method == "OPTIONS":
        from .routes_entry import options_collection  # a rare request: not worth importing at cold start

        return options_collection(request)
    if exc.status_code == 405:
        response = fail_request(request, ActionNotAllowed())
        if exc.headers and "Allow" in exc.headers:
            response.headers["Allow"] = exc.headers["Allow"]
        return response
    if exc.status_code == 404:
        return fail_request(request, _not_found(request))
    if exc.status_code == 400:  # a body Starlette could not parse (POST /api with a broken multipart form)
        return fail_request(request, malformed_body(exc.detail))
    return empty(exc.status_code)


def create_app() -> ClassicMiddleware:
    app = Starlette(routes=_routes(), exception_handlers={HTTPException: http_exception})
    return ClassicMiddleware(app)


app = create_app()
