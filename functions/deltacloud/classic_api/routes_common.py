"""What every collection's routes share: index filters, the 404 for a missing member, and the endpoints of
the operations that differ only by collection and renderer (index, show, destroy)."""

from collections.abc import Callable
from typing import Any, TypeVar

from deltacloud.driver import OPERATION_METHODS, Driver
from deltacloud.errors import NotFound, ValidationError
from starlette.responses import Response

from .context import Call
from .operations import Endpoint, Handler, operation
from .rendering import Renderer, render_many, render_one
from .responses import empty

T = TypeVar("T")


def filters(call: Call) -> dict[str, str]:
    """Index filters: every request parameter except the framework's own."""
    return {k: v for k, v in call.params.items() if k not in ("format", "force_auth")}


def found(item: T | None) -> T:
    if item is None:
        raise NotFound()
    return item


def optional(call: Call, name: str) -> str | None:
    """A parameter whose empty value means "not given" (HTML forms send empty fields)."""
    return call.params.get(name) or None


def whole_number(params: dict[str, str], name: str, highest: int, what: str) -> int | None:
    """A parameter that must be a whole number from 1 to ``highest`` (``what`` it is, for the error);
    None when not given."""
    raw = params.get(name) or ""
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= highest:
        raise ValidationError(f"{name} must be {what} from 1 to {highest}, not {raw!r}")
    return int(raw)


def operation_endpoint(collection: str, name: str, handler: Handler, capability: str | None = None) -> Endpoint:
    """The endpoint of a handler made for ``collection``'s operation ``name`` (rather than declared with
    ``@operation``), named after both as a declared one would be."""
    handler.__name__ = f"{collection}_{name}"
    return operation(collection, name, capability=capability)(handler)


def index_endpoint(renderer: Renderer[Any]) -> Endpoint:
    """``GET /api/<collection>``: the members the driver lists, filtered by the request's parameters."""
    collection = renderer.plural
    method = OPERATION_METHODS[(collection, "index")]

    def index(call: Call) -> Response:
        return render_many(call, renderer, getattr(call.driver, method)(filters(call)))

    return operation_endpoint(collection, "index", index)


def show_endpoint(renderer: Renderer[Any], *, capability: str | None = None) -> Endpoint:
    """``GET /api/<collection>/<id>``: one member, 404 when the driver does not know it."""
    collection = renderer.plural
    method = OPERATION_METHODS[(collection, "show")]

    def show(call: Call) -> Response:
        return render_one(call, renderer, found(getattr(call.driver, method)(call.params["id"])))

    return operation_endpoint(collection, "show", show, capability)


def destroy_endpoint(collection: str, *, capability: str | None = None,
                     destroy_with: Callable[[Driver, str], None] | None = None) -> Endpoint:
    """``DELETE /api/<collection>/<id>``: 204 once the driver destroyed the member (``destroy_with``: a
    destroy checked in the core first, instead of the driver's own method)."""
    method = OPERATION_METHODS[(collection, "destroy")]

    def destroy(call: Call) -> Response:
        if destroy_with is not None:
            destroy_with(call.driver, call.params["id"])
        else:
            getattr(call.driver, method)(call.params["id"])
        return empty(204)

    return operation_endpoint(collection, "destroy", destroy, capability)
