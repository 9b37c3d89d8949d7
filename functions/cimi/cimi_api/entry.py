"""The CloudEntryPoint: what this cloud offers, from the capability object (spec §3)."""

from deltacloud.capabilities import Capabilities
from deltacloud.errors import AuthenticationFailure, AuthenticationRequired
from starlette.responses import RedirectResponse, Response

from .catalogue import build_collection
from .common import Document
from .context import CimiCall
from .discovery import available
from .listing import Expander, resource_document, wants
from .representation import document_response
from .schema import COLLECTIONS


def entry_capabilities(call: CimiCall) -> Capabilities:
    """The driver's capabilities; its static declaration when introspection needs credentials we lack
    (the entry point answers anonymous clients)."""
    try:
        return call.capabilities
    except (AuthenticationRequired, AuthenticationFailure):
        return type(call.driver).capabilities


def cloud_entry_point(call: CimiCall) -> Response:
    if call.flag("force_auth"):
        call.driver.check_credentials()
    caps = entry_capabilities(call)
    document: Document = {
        "id": call.url("cloudEntryPoint"),
        "name": call.driver_name,
        "description": f"Cloud Entry Point for the Deltacloud {call.driver_name} driver",
        "driver": call.driver_name,
        "provider": call.provider or "default",
        "baseURI": f"{call.base}/",
    }
    for collection in COLLECTIONS:
        if available(caps, collection.path):
            document[collection.cep_key] = call.ref(collection.path)
    return document_response(call.fmt, resource_document(call, document, _expand(call)), "CloudEntryPoint")


def _expand(call: CimiCall) -> Expander:
    """``$expand=machines,machineConfigs`` (or ``*``) embeds those collections, whatever their CEP key."""

    def expand(document: Document, expanded: set[str]) -> Document:
        embedded = call.without_query()
        for collection in COLLECTIONS:
            if collection.cep_key in document and wants(expanded, collection.cep_key):
                built = build_collection(embedded, collection.path)
                document = {**document, collection.cep_key: {"href": call.url(collection.path), **built}}
        return document

    return expand


def redirect_to_entry_point(call: CimiCall) -> Response:
    return RedirectResponse(call.url("cloudEntryPoint"), status_code=301)
