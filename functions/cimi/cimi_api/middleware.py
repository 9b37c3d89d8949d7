"""Request pipeline of the CIMI API, as one ASGI middleware.

Before any route: the response format is chosen, the driver and provider are read from the
``X-Deltacloud-*`` headers (defaulting to the configured ones), the ``Host`` header and the
requested CIMI specification version are checked. Every response, errors included, carries
``CIMI-Specification-Version``.
"""

from dataclasses import dataclass
from urllib.parse import parse_qs

from deltacloud.errors import DeltacloudError, ValidationError
from deltacloud.metering import meter_call, outcome_of
from deltacloud.runtime import get_runtime
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import error_response
from .negotiation import check_specification_version, response_format
from .schema import SPECIFICATION_VERSION


@dataclass(frozen=True)
class RequestFacts:
    fmt: str
    driver: str
    provider: str | None


def facts(scope: Scope) -> RequestFacts:
    return scope["state"]["cimi"]


def _format_param(query: bytes) -> str | None:
    values = parse_qs(query.decode("latin-1"), keep_blank_values=True).get("format")
    return values[0] if values else None


class CimiMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        settings = get_runtime().settings
        driver = (headers.get("x-deltacloud-driver") or settings.default_driver).strip().lower()
        provider = (headers.get("x-deltacloud-provider") or settings.default_provider or "").strip().lower() or None

        async def versioned_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [(b"cimi-specification-version", SPECIFICATION_VERSION.encode())]
                message = dict(message, headers=[*message.get("headers", []), *extra])
            await send(message)

        query = scope.get("query_string", b"")
        fmt = response_format(headers.get("accept"), None)  # also what a refusal of ?format= itself answers in
        try:
            requested = _format_param(query) if b"format" in query else None
            if requested is not None:
                fmt = response_format(None, requested)
            if "host" not in headers:
                raise ValidationError("Unable to find HTTP Host header")
            check_specification_version(headers.get("cimi-specification-version"))
        except DeltacloudError as error:
            response = error_response(error, fmt, scope["path"], driver, provider)
            meter_call("cimi", "refused", driver, None, outcome_of(response.status_code))
            await response(scope, receive, versioned_send)
            return
        state = dict(scope.get("state") or {}, cimi=RequestFacts(fmt, driver, provider))
        await self.app(dict(scope, state=state), receive, versioned_send)
