"""The operation framework: capability check (412), required parameters (400), errors (spec §5).

Each route handler is a plain synchronous function of a :class:`Call`; drivers may block
(SDK calls), so handlers run in the thread pool (not in Lambda: see :func:`deltacloud.blocking.run_blocking`).
"""

import logging
from collections.abc import Awaitable, Callable, Iterable

from deltacloud.blocking import run_blocking
from deltacloud.errors import DeltacloudError, MissingParameter, NotFound, NotSupported, ValidationError
from deltacloud.metering import meter_call, outcome_of
from deltacloud.names import may_be_an_id
from deltacloud.xml_escape import control_free, strip_invalid
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from .body_stream import malformed_body, preload_small_body
from .context import Call
from .middleware import RequestFacts, facts
from .responses import empty, error_response

logger = logging.getLogger(__name__)

Handler = Callable[[Call], Response]
Endpoint = Callable[[Request], Awaitable[Response]]


def pick_format(accepted: list[str], offered: Iterable[str]) -> str | None:
    return next((fmt for fmt in accepted if fmt in offered), None)


async def collect_params(request: Request, matrix: dict[str, dict[str, str]], read_form: bool = True) -> dict[str, str]:
    """Query, form fields, matrix parameters of the last segment, and path parameters, merged."""
    params: dict[str, str] = dict(request.query_params)
    if request.method == "POST":
        last = request.url.path.rstrip("/").rsplit("/", 1)[-1]
        params.update(matrix.get(last, {}))
    content_type = request.headers.get("content-type", "")
    if read_form and request.method in ("POST", "PUT") and content_type.startswith(
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
    if call.fmt == "html":
        from . import pages  # the browser console's modules load with its first page, not at cold start

        return pages.error_page(call, error, status)
    return error_response(error, call.fmt, call.request.url.path, call.driver_name, call.provider,
                          call.params, status)


def fail_request(request: Request, error: DeltacloudError, status: int | None = None) -> Response:
    """The error document for a request no endpoint handles, in the format it negotiated (XML by default)."""
    fmt = pick_format(facts(request.scope).formats, ("xml", "json", "html")) or "xml"
    return fail(make_call(request, fmt, dict(request.query_params)), error, status)


def operation(
    collection: str | None,
    name: str,
    *,
    required: tuple[str, ...] = (),
    capability: str | None = None,
    needs: str | None = None,
    formats: tuple[str, ...] = ("xml", "json", "html"),
    raw_body: bool = False,
) -> Callable[[Handler], Endpoint]:
    """Wrap a handler of ``collection``'s operation ``name`` with the checks every operation has.

    ``needs``: the operation the driver must support when it is not ``name`` itself (an HTML form
    page needs the operation its form performs).

    ``raw_body``: the handler streams the request body itself (blob uploads) instead of getting it
    parsed as a form; it always runs in a worker thread, from where it pulls the body's chunks.
    """
    supported_by = needs or name

    def wrap(handler: Handler) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            info = facts(request.scope)
            fmt = pick_format(info.formats, formats)
            if fmt is None:
                return empty(406)
            try:
                params = await collect_params(request, info.matrix, read_form=not raw_body)
            except (ValueError, KeyError, HTTPException) as error:  # a malformed form or multipart body
                call = make_call(request, fmt, {})
                detail = error.detail if isinstance(error, HTTPException) else error
                return fail(call, malformed_body(detail))
            call = make_call(request, fmt, params)
            response = await _run(call, handler, request)
            meter_call("deltacloud", f"{collection or 'api'}.{name}", call.driver_name, call.tenant_id,
                       outcome_of(response.status_code))
            return response

        async def _run(call: Call, handler: Handler, request: Request) -> Response:
            try:
                if collection is not None and not call.capabilities.supports(collection, supported_by):
                    raise NotSupported(capability or _capability_name(collection, supported_by))
                _check_characters(call.params, request.path_params)
                missing = [p for p in required if not call.params.get(p)]  # an empty form field is none
                if missing:
                    present = [p for p, value in call.params.items()
                               if value and p not in request.path_params and p != "format"]
                    raise _with_body_hint(MissingParameter(missing[0], present), request)
                if raw_body:  # pulls the body from the event loop (body_stream): needs a worker thread
                    await preload_small_body(request)
                    response = await run_in_threadpool(handler, call)
                else:
                    response = await run_blocking(request.scope, handler, call)
                if call.fmt == "html":
                    from . import pages

                    return pages.after_form_post(call, response)
                return response
            except DeltacloudError as error:
                return fail(call, error)
            except Exception:  # a bug of ours must still answer in the API's format, without a trace
                logger.exception("unhandled error in %s %s", collection, name)
                return fail(call, DeltacloudError())

        endpoint.__name__ = handler.__name__
        return endpoint

    return wrap


def _check_characters(params: dict[str, str], path_params: dict[str, str]) -> None:
    """Control characters: no resource has an id with any of them (404), and no cloud takes a value with
    one XML cannot carry (400); neither reaches the driver (an SDK would send it on, and blame the cloud)."""
    if not all(map(may_be_an_id, path_params.values())):
        raise NotFound()
    for name, value in params.items():
        if not (control_free(name) and control_free(value)):
            raise ValidationError(f"Parameter '{strip_invalid(name)}' holds control characters")


def _with_body_hint(error: MissingParameter, request: Request) -> MissingParameter:
    """The spec's message (§5.3), and what went wrong when the parameters came as a JSON or XML document:
    the classic API reads forms and query strings only (§5.8), so the document's fields were never seen."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type.endswith(("json", "xml")):
        error.message += (f"; the {media_type} body is not read: send the parameters as a form "
                          "(application/x-www-form-urlencoded or multipart/form-data) or in the query string")
    return error


def _capability_name(collection: str, operation: str) -> str:
    """The original's capability names, as sent in ``Expect`` with a 412."""
    singular = collection[:-1] if collection.endswith("s") else collection
    if operation in ("index", "show"):
        return collection
    return f"{operation}_{singular}"
