"""The entry point ``/api`` and the ``drivers`` collection (spec §6, §7.1)."""

from typing import Any

from deltacloud.capabilities import COLLECTIONS
from deltacloud.errors import AuthenticationFailure, NotFound
from deltacloud.model import DriverInfo
from deltacloud.names import url_segment
from deltacloud.registry import driver_names, load_driver, loadable_drivers
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from .context import API_VERSION, Call
from .middleware import facts
from .operations import operation
from .rendering import Renderer, render_many, render_one
from .responses import document, json_document
from .xml import XmlWriter


@operation(None, "entry_point")
def entry_point(call: Call) -> Response:
    if "force_auth" in call.params:
        try:
            call.driver.check_credentials()
        except AuthenticationFailure:
            raise AuthenticationFailure("Authentication failed") from None
    if call.fmt == "html":
        from . import pages  # the browser console's modules load with its first page, not at cold start

        return pages.entry(call)
    caps = call.capabilities
    collections = caps.listed_collections()
    if call.fmt == "json":
        links = [
            {"rel": c, "href": call.url(c), "features": [
                [{"name": f.name, "rel": f.operation,
                  "params": [f"{p.name}:{p.type}:optional" for p in f.params],
                  "constraints": dict(caps.constraints(c, f.name))}] if f.operation else []
                for f in caps.features(c)
            ]}
            for c in collections
        ]
        body = {"api": {"version": API_VERSION, "driver": call.driver_name,
                        "provider": call.provider or "default", "links": links}}
        return json_document(body)
    out = XmlWriter().open("api", {"driver": call.driver_name, "provider": call.provider, "version": API_VERSION})
    for c in collections:
        out.open("link", {"href": call.url(c), "rel": c})
        for f in caps.features(c):
            if f.operation is None:
                continue
            out.open("feature", {"name": f.name, "rel": f.operation})
            for p in f.params:
                out.empty("param", {"name": p.name})
            for name, value in caps.constraints(c, f.name).items():
                out.leaf("constraint", value, {"name": name})
            out.close("feature")
        out.close("link")
    return document(str(out.close("api")), "xml")


async def switch_driver(request: Request) -> Response:
    """``POST /api`` with ``driver`` / ``provider`` form fields: the HTML console's switch (spec §3.3)."""
    form = await request.form()
    driver, provider = form.get("driver"), form.get("provider")
    base = f"{str(request.base_url).rstrip('/')}/api"  # with the stage, behind API Gateway
    if isinstance(driver, str) and driver:
        target = f"{base};driver={url_segment(driver)}"
        if isinstance(provider, str) and provider and provider != "default":
            target += f";provider={url_segment(provider)}"  # a provider may be a URL (OpenStack's Keystone)
    elif isinstance(provider, str) and provider and provider != "default":
        target = f"{base};provider={url_segment(provider)}"
    else:
        target = base
    return RedirectResponse(target, status_code=301)


async def options_api(request: Request) -> Response:
    info = facts(request.scope)
    try:
        listed = load_driver(info.driver).capabilities.listed_collections()
    except Exception:  # an unknown driver still gets an answer to OPTIONS
        listed = list(COLLECTIONS)
    return Response(b"", headers={"Allow": ",".join(listed)})


def options_collection(request: Request) -> Response:
    """``OPTIONS /api/<collection>``: the HTTP methods the driver offers on it (spec §5.5)."""
    parts = request.url.path.rstrip("/").split("/")
    collection = parts[2] if len(parts) == 3 else ""
    if collection not in COLLECTIONS:
        return Response(b"", status_code=404)
    info = facts(request.scope)
    try:
        ops = load_driver(info.driver).capabilities.collections.get(collection)
    except Exception:
        ops = None
    methods = ["OPTIONS"]
    if ops is not None:
        if ops.operations & {"index", "show"}:
            methods.append("GET")
        if ops.operations - {"index", "show", "destroy"}:
            methods.append("POST")
        if "destroy" in ops.operations:
            methods.append("DELETE")
    return Response(b"", headers={"Allow": ",".join(methods)})


# -- drivers ------------------------------------------------------------------------------
def driver_xml(out: XmlWriter, call: Call, info: DriverInfo) -> None:
    out.open("driver", {"href": call.url("drivers", info.id), "id": info.id}).leaf("name", info.name)
    detailed = call.request.path_params.get("id") == info.id
    for provider in info.providers:
        if detailed:
            out.open("provider", {"id": provider.id})
            for kind, url in provider.entrypoints.items():
                out.cdata("entrypoint", url, {"kind": kind})
            out.close("provider")
        else:
            out.empty("provider", {"id": provider.id})
    out.close("driver")


def driver_json(call: Call, info: DriverInfo) -> dict[str, Any]:
    data: dict[str, Any] = {"name": info.name, "id": info.id}
    if info.providers:
        kinds = sorted({k for p in info.providers for k in p.entrypoints})
        data["entrypoints"] = {k: {p.id: p.entrypoints[k] for p in info.providers if k in p.entrypoints}
                               for k in kinds}
        data["providers"] = [p.id for p in info.providers]
    return data


DRIVER = Renderer("driver", "drivers", driver_xml, driver_json)


@operation(None, "drivers")
def drivers_index(call: Call) -> Response:
    infos = [driver.info() for driver in loadable_drivers()]
    if call.fmt == "json":  # the original's shape: a map keyed by driver id, no wrapper
        return json_document({info.id: driver_json(call, info) for info in infos})
    return render_many(call, DRIVER, infos)


@operation(None, "driver")
def drivers_show(call: Call) -> Response:
    driver_id = call.params["id"]
    if driver_id not in driver_names():
        raise NotFound(f"Driver '{driver_id}' not found")
    return render_one(call, DRIVER, load_driver(driver_id).info())


