"""The operation framework: authentication, errors in CIMI's format, thread pool, metering.

Each resource handler is a plain synchronous function of a :class:`CimiCall` returning a
Response; drivers may block (SDK calls), so handlers run in the thread pool (except in Lambda, see
:func:`deltacloud.blocking.run_blocking`). Whatever happens inside, the client gets a CIMI
document: a typed error keeps its status, a malformed query parameter is a 400, a bug of ours a
bare 500 without a trace.
"""

import logging
from collections.abc import Awaitable, Callable

from deltacloud.blocking import run_blocking
from deltacloud.errors import DeltacloudError, NotFound, ValidationError
from deltacloud.metering import meter_call, outcome_of
from deltacloud.names import may_be_an_id
from deltacloud.request_body import read_limited
from starlette.requests import Request
from starlette.responses import Response

from .bodies import BODY_LIMIT
from .context import CimiCall
from .errors import error_response
from .middleware import facts
from .query_errors import QueryError

logger = logging.getLogger(__name__)

Handler = Callable[[CimiCall], Response]
Endpoint = Callable[[Request], Awaitable[Response]]


async def read_body(request: Request) -> bytes:
    """The body of a POST or PUT, refused past :data:`BODY_LIMIT`."""
    return await read_limited(request, BODY_LIMIT) if request.method in ("POST", "PUT") else b""


def fail(call: CimiCall, error: DeltacloudError) -> Response:
    return error_response(error, call.fmt, call.request.url.path, call.driver_name, call.provider)


def endpoint(name: str, *, public: bool = False) -> Callable[[Handler], Endpoint]:
    """Wrap the handler of operation ``name`` (``machines.create``) with what every operation does.

    Everything but the CloudEntryPoint (``public``) needs valid credentials, also where the driver
    would not ask for them (defect 21: the original served its local templates to anyone).
    """

    def wrap(handler: Handler) -> Endpoint:
        def run(call: CimiCall) -> Response:
            if not public:
                call.tenant  # noqa: B018 - authenticates (401) before anything else happens
            if not all(map(may_be_an_id, call.params.values())):
                raise NotFound()  # no resource has an id with control characters: the driver is not asked
            return handler(call)

        async def serve(request: Request) -> Response:
            info = facts(request.scope)
            call = CimiCall(request, info.fmt, info.driver, info.provider, b"")
            try:
                call.raw_body = await read_body(request)
                response = await run_blocking(request.scope, run, call)
            except DeltacloudError as error:
                response = fail(call, error)
            except QueryError as error:
                response = fail(call, ValidationError(str(error)))
            except Exception:  # a bug of ours still answers in CIMI's format, without a trace
                logger.exception("unhandled error in CIMI operation %s", name)
                response = fail(call, DeltacloudError())
            meter_call("cimi", name, call.driver_name, call.tenant_id, outcome_of(response.status_code))
            return response

        serve.__name__ = handler.__name__
        return serve

    return wrap
