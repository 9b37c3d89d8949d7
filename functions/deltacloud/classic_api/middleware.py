"""Request pipeline of the classic API (spec §1.2), as one ASGI middleware.

Matrix parameters are stripped before routing, the representation is negotiated (406 at once
when nothing fits), the driver and provider are chosen from headers or ``;driver=`` /
``;provider=``, an HTML form's ``_method`` override is applied, and every response is decorated
with ``Server`` and ``X-Deltacloud-*`` headers.
"""

from dataclasses import dataclass, field
from urllib.parse import parse_qs, quote

from deltacloud.request_body import BodyTooLarge
from deltacloud.runtime import get_runtime
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .context import API_VERSION
from .matrix import split_matrix
from .negotiation import acceptable_formats

FORM_LIMIT = 1024 * 1024  # bytes of a url-encoded form; blobs stream through their own routes


@dataclass
class RequestFacts:
    formats: list[str]
    driver: str
    provider: str | None
    matrix: dict[str, dict[str, str]] = field(default_factory=dict)


def facts(scope: Scope) -> RequestFacts:
    return scope["state"]["classic"]


class ClassicMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        path, matrix = split_matrix(scope["path"], scope.get("raw_path"))
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        format_param = query["format"][0] if "format" in query else None
        formats = acceptable_formats(headers.get("accept"), format_param)
        if not formats:
            await _plain(send, 406, b"")
            return
        settings = get_runtime().settings
        api = matrix.get("api", {})
        driver = (api.get("driver") or headers.get("x-deltacloud-driver") or settings.default_driver).lower()
        provider = (api.get("provider") or headers.get("x-deltacloud-provider") or settings.default_provider or "")
        provider = provider.lower() or None
        if not headers.get("host"):
            await _plain(send, 400, b"Unable to find HTTP Host header")
            return
        scope = dict(scope, path=path, raw_path=path.encode())
        scope.setdefault("state", {})
        scope["state"] = dict(scope["state"], classic=RequestFacts(formats, driver, provider, matrix))

        decoration = [
            (b"server", f"Apache-Deltacloud/{API_VERSION}".encode()),
            (b"x-deltacloud-driver", _header_value(driver)),
        ]
        if provider:
            decoration.append((b"x-deltacloud-provider", _header_value(provider)))

        async def decorated_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = dict(message, headers=[*message.get("headers", []), *decoration])
            await send(message)

        is_form = headers.get("content-type", "").startswith("application/x-www-form-urlencoded")
        if scope["method"] == "POST" and is_form:
            overridden, receive = await _method_override(scope, receive)
            if overridden is None:
                await _too_large(scope)(scope, receive, decorated_send)
                return
            scope = overridden

        await self.app(scope, receive, decorated_send)


async def _method_override(scope: Scope, receive: Receive) -> tuple[Scope | None, Receive]:
    """Read a small url-encoded form; honour ``_method=delete|put|patch`` and replay the body."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > FORM_LIMIT:
            return None, receive
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    body = b"".join(chunks)
    override = parse_qs(body.decode("latin-1")).get("_method", [""])[0].upper()
    if override in ("DELETE", "PUT", "PATCH"):
        scope = dict(scope, method=override)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return scope, replay


def _header_value(name: str) -> bytes:
    """A driver or provider name as a response header: percent-encoded unless printable ASCII (a header
    cannot carry ``;driver=☃``, and the request must still get its error document, not a dropped reply)."""
    return (name if name.isascii() and name.isprintable() else quote(name, safe="")).encode()


def _too_large(scope: Scope) -> Response:
    """The 413 error document in the negotiated format (the rare path: its modules load only now)."""
    from .operations import fail_request

    message = (f"The form is larger than {FORM_LIMIT // 1024} KB; blob contents go in the body of "
               "PUT /api/buckets/<bucket>/<blob> instead")
    return fail_request(Request(scope), BodyTooLarge(FORM_LIMIT, message))


async def _plain(send: Send, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
