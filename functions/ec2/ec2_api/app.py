"""The EC2 Query API as a Starlette app: the very app the Lambda handler wraps and the local server mounts.

Routes are the full paths ``/ec2`` and ``/ec2/``: the local server and API Gateway's proxy integration
both pass the path as the client sent it (without the API Gateway stage, which is recovered from the
event for the signature check). Requests are form POSTs (boto3, the AWS CLI) or GETs with a query
string (libcloud, presigned URLs).
"""

from collections.abc import Mapping

from deltacloud.blocking import run_blocking
from deltacloud.request_body import BodyTooLarge, read_limited
from deltacloud.sigv4 import SignedRequest
from deltacloud.sigv4_events import signed_request_from_event
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Scope

from .dispatch import Incoming, handle, reject
from .errors import Ec2Error
from .responses import xml_response

#: Largest request body accepted. EC2 requests are small: the biggest parameters are UserData (16 KB
#: before base64) and an imported public key; anything near this is a mistake or an attack.
BODY_LIMIT = 256 * 1024


def _headers(scope: Scope) -> dict[str, str]:
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope["headers"]:
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    return headers


def _signed_forms(scope: Scope, headers: Mapping[str, str], body: bytes) -> list[SignedRequest]:
    """The request as the client may have signed it: behind API Gateway first with the stage prefix."""
    raw_path = scope.get("raw_path")
    path = raw_path.decode("latin-1") if raw_path else scope["path"]
    query = scope.get("query_string", b"").decode("latin-1")
    direct = SignedRequest(scope["method"], path, query, headers, body)
    event = scope.get("aws.event")
    if event is None:
        return [direct]
    from_event = signed_request_from_event(event)
    staged = SignedRequest(from_event.method, from_event.path, from_event.query_string, from_event.headers, body)
    return [staged] if staged.path == direct.path else [staged, direct]


async def endpoint(request: Request) -> Response:
    headers = _headers(request.scope)
    try:
        body = await read_limited(request, BODY_LIMIT)
    except BodyTooLarge as too_large:
        error = Ec2Error("RequestEntityTooLarge", f"{too_large.message}.", 413)
        status, document = await run_blocking(request.scope, reject, error, headers)
        return xml_response(document, status)
    incoming = Incoming(
        signed_forms=_signed_forms(request.scope, headers, body),
        query_string=request.scope.get("query_string", b"").decode("latin-1"),
        headers=headers,
        body=body,
    )
    status, document = await run_blocking(request.scope, handle, incoming)
    return xml_response(document, status)


async def http_exception(request: Request, exc: Exception) -> Response:
    """A wrong path or method still answers in EC2's error format."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        error = Ec2Error("InvalidHttpRequest", f"The EC2 API accepts GET and POST, not {request.method}.", 405)
    else:
        error = Ec2Error("InvalidAction", f"There is no EC2 API at {request.url.path[:100]}; use /ec2.", 404)
    status, document = await run_blocking(request.scope, reject, error, _headers(request.scope))
    response = xml_response(document, status)
    if exc.headers and "Allow" in exc.headers:
        response.headers["Allow"] = exc.headers["Allow"]
    return response


def create_app() -> Starlette:
    routes = [Route(path, endpoint, methods=["GET", "POST"]) for path in ("/ec2", "/ec2/")]
    return Starlette(routes=routes, exception_handlers={HTTPException: http_exception})


app = create_app()
