"""Turning a front-end's ASGI app into a Lambda handler, the same way for every front-end.

Mangum translates API Gateway events; the Powertools Logger adds the request id and, for each
call, the driver and provider asked for. Credentials never enter the log: only these
non-secret fields are appended, and the event itself is not logged.
"""

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger
from mangum import Mangum
from mangum.types import ASGI
from starlette.types import ASGIApp, Receive, Scope, Send

from .cold_start import resumes_collector

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]


def with_stage_root(app: ASGIApp) -> ASGI:
    """On API Gateway's own domain the public URL carries the stage (``/prod/api/...``), which the
    proxy event's path lacks: expose it as ``root_path`` so every href the app builds is right."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        event = scope.get("aws.event") or {}
        context = event.get("requestContext") or {}
        domain = context.get("domainName") or ""
        stage = context.get("stage")
        if stage and stage != "$default" and domain.endswith(".amazonaws.com"):
            scope = dict(scope, root_path=f"/{stage}")
        await app(scope, receive, send)

    return wrapped


def lambda_handler(app: ASGIApp, frontend: str) -> LambdaHandler:
    logger = Logger(service=f"deltacloud-{frontend}")
    adapter = Mangum(with_stage_root(app), lifespan="off", api_gateway_base_path="/")

    @resumes_collector
    @logger.inject_lambda_context(log_event=False, clear_state=True)
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
        logger.append_keys(
            frontend=frontend,
            driver=headers.get("x-deltacloud-driver", "default"),
            provider=headers.get("x-deltacloud-provider", "default"),
            path=event.get("path") or event.get("rawPath"),
        )
        response = adapter(event, context)
        logger.info("request handled", extra={"status": response.get("statusCode")})
        return response

    return handler
