"""The operation framework: capability check (412), required parameters (400), errors (spec §5).

Each route handler is a plain synchronous function of a :class:`Call`; drivers may block
(SDK calls), so handlers run in the thread pool.
"""

import logging
from collections.abc import Awaitable, Callable, Iterable

from deltacloud.errors import DeltacloudError, MissingParameter, NotSupported, ValidationError
from deltacloud.metering import meter_call, outcome_of
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from .context import Call
from .middleware import RequestFacts, facts
from .responses import empty, error_response

logger = logging.getLogger(__name__)

Handler = Callable[[Call], Response]
Endpoint = Callable[[Request], Awaitable[Response]]


def pick_format(accepted: list[str], offered: Iterable[str]) -> str | None:
    return next((fmt for fmt in accepted if fmt in offered), None)


async def collect_params(request: Request, matrix: dict[str, dict[str, str]]) -> dict[str, str]:
    """Query, form fields, matrix parameters of the last segment, and path parameters, merged."""
    params: dict[str, str] = dict(request.query_params)
    if request.method == "POST":
        last = request.url.path.rstrip("/").rsplit("/", 1)[-1]
        params.update(matrix.get(last, {}))
    content_type = request.headers.get("content-type", "")
    if request.method in ("POST", "PUT") and content_type.startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        params.update({k: v for k, v in form.items() if isinstance(v, str)})
    params.update(request.path_params)
    params.pop("_method", None)
    return params


def make_call(request: Request, fmt: str, params: dict[str, str]) -> Call:
    info: RequestFacts = facts(request.scope)
    return Call(request, fmt, info.driver, info.provider, params)


def fail(call: Call, error: DeltacloudError, status: int | None = None) -> Response:
    return error_response(error, call.fmt, call.request.url.path, call.driver_name, call.provider,
                          call.params, status)


def operation(
    collection: str | None,
    name: str,
    *,
    required: tuple[str, ...] = (),
    capability: str | None = None,
    formats: tuple[str, ...] = ("xml", "json"),
) -> Callable[[Handler], Endpoint]:
    """Wrap a handler of ``collection``'s operation ``name`` with the checks every operation has."""

    def wrap(handler: Handler) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            info = facts(request.scope)
            fmt = pick_format(info.formats, formats)
            if fmt is None:
                return empty(406)
            try:
                params = await collect_params(request, info.matrix)
            except (ValueError, KeyError) as error:  # a malformed form body
                call = make_call(request, fmt, {})
                return fail(call, ValidationError(f"Malformed request body: {error}"))
            call = make_call(request, fmt, params)
            response = await _run(call, handler, request)
            meter_call("deltacloud", f"{collection or 'api'}.{name}", call.driver_name, call.tenant_id,
                       outcome_of(response.status_code))
            return response

        async def _run(call: Call, handler: Handler, request: Request) -> Response:
            try:
                if collection is not None and not call.capabilities.supports(collection, name):
                    raise NotSupported(capability or _capability_name(collection, name))
                missing = [p for p in required if p not in call.params]
                if missing:
                    present = [p for p in call.params if p not in request.path_params and p != "format"]
                    raise MissingParameter(missing[0], present)
                if "aws.event" in request.scope:
                    # A Lambda container serves one event at a time: the thread hop buys nothing there.
                    return handler(call)
                return await run_in_threadpool(handler, call)
            except DeltacloudError as error:
                return fail(call, error)
            except Exception:  # a bug of ours must still answer in the API's format, without a trace
                logger.exception("unhandled error in %s %s", collection, name)
                return fail(call, DeltacloudError())

        endpoint.__name__ = handler.__name__
        return endpoint

    return wrap


def _capability_name(collection: str, operation: str) -> str:
    """The original's capability names, as sent in ``Expect`` with a 412."""
    singular = collection[:-1] if collection.endswith("s") else collection
    if operation in ("index", "show"):
        return collection
    return f"{operation}_{singular}"
