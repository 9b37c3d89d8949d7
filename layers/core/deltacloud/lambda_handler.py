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
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .cold_start import resumes_collector

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]

#: bytes a Lambda answer may hold (Lambda's and API Gateway's 6 MB), less room for its headers and framing
ANSWER_BYTES = 6_000_000 - 200_000


def content_fits_an_answer(size: int, content_type: str) -> bool:
    """Whether ``size`` bytes of content fit one Lambda answer. Mangum sends its text types as JSON text, whose
    escapes take up to 6 bytes for one (a control character), and any other type in base64 (4 for 3)."""
    from mangum.adapter import DEFAULT_TEXT_MIME_TYPES

    as_text = any(text_type in content_type for text_type in DEFAULT_TEXT_MIME_TYPES)
    return size * (6 if as_text else 4 / 3) <= ANSWER_BYTES


def _latin1_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """Request headers as the apps read them (Latin-1, HTTP's charset; Mangum encodes them as UTF-8)."""
    def recoded(value: bytes) -> bytes:
        try:
            return value.decode("utf-8").encode("latin-1")
        except (UnicodeDecodeError, UnicodeEncodeError):  # beyond Latin-1: as it came
            return value
    return [(name, value if value.isascii() else recoded(value)) for name, value in headers]


def _public_prefix(event: dict[str, Any]) -> str:
    """What precedes the routed path in the public URL: a REST API says it (its request context's path is
    the public one); an HTTP API's named stage on its own domain; else nothing."""
    context = event.get("requestContext") or {}
    public, routed = context.get("path"), event.get("path")
    if isinstance(public, str) and isinstance(routed, str) and public.endswith(routed) and public != routed:
        return public[: len(public) - len(routed)]
    stage = context.get("stage")
    if stage and stage != "$default" and (context.get("domainName") or "").endswith(".amazonaws.com"):
        return f"/{stage}"
    return ""


def lambda_scope(app: ASGIApp) -> ASGI:
    """What the app needs from API Gateway's event that Mangum's scope lacks or gets wrong.

    - The public URL may carry more than the path the app routes on: the stage on API Gateway's own domain
      (``/prod/api/...``), a custom domain's base path mapping (``/cloud/api/...``). That prefix is the
      ``root_path``, so every href the app builds is right.
    - A REST API passes the path still percent-encoded: it is the ``raw_path`` (Mangum decodes it and
      drops that), so an encoded ``%3B`` stays part of an id and never starts matrix parameters
      (``DELETE /api/keys/a%3Bb`` deleted the key ``a``). An HTTP API passes it decoded: nothing to keep.
    - Header values beyond ASCII: Mangum encodes the request's as UTF-8 and decodes the response's as
      UTF-8, where the apps use HTTP's Latin-1 (a blob's metadata value ``Zürich`` made every HEAD of that
      blob a function error).
    """

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        event = scope.get("aws.event") or {}
        changes: dict[str, Any] = {"headers": _latin1_headers(scope.get("headers") or [])}
        prefix = _public_prefix(event)
        # Starlette routes on the path without a leading root_path: a prefix the path itself starts with
        # (a base path mapping named "api") would be taken off it, and every request would be a 404
        if prefix and not f"{scope.get('path', '')}/".startswith(f"{prefix}/"):
            changes["root_path"] = prefix
        if "httpMethod" in event and isinstance(event.get("path"), str):
            changes["raw_path"] = event["path"].encode("latin-1", "replace")

        async def send_utf8(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = dict(message, headers=[(name, value.decode("latin-1").encode("utf-8"))
                                                 for name, value in message.get("headers", [])])
            await send(message)

        await app(dict(scope, **changes), receive, send_utf8)

    return wrapped


def lambda_handler(app: ASGIApp, frontend: str) -> LambdaHandler:
    logger = Logger(service=f"deltacloud-{frontend}")
    adapter = Mangum(lambda_scope(app), lifespan="off", api_gateway_base_path="/")

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
