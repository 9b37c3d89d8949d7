"""Building classic-API responses: content types, ETag, error documents."""

import hashlib
import json
from typing import Any

from deltacloud.errors import AuthenticationRequired, DeltacloudError
from deltacloud.http_auth import basic_challenge
from starlette.responses import Response

from .negotiation import CONTENT_TYPES
from .xml import XmlWriter


def document(body: str | bytes, fmt: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A rendered document; 200/201 bodies carry the original's unquoted MD5 ETag (spec §1.3)."""
    payload = body.encode() if isinstance(body, str) else body
    extra = dict(headers or {})
    if status in (200, 201) and payload:
        extra.setdefault("ETag", hashlib.md5(payload, usedforsecurity=False).hexdigest())
        extra.setdefault("Cache-Control", "max-age=0, private, must-revalidate")
    return Response(payload, status_code=status, headers=extra, media_type=CONTENT_TYPES[fmt])


def json_document(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return document(json.dumps(data, separators=(",", ":"), ensure_ascii=False), "json", status, headers)


def empty(status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(b"", status_code=status, headers=headers)


def error_response(
    error: DeltacloudError, fmt: str, url: str, driver: str, provider: str | None, params: dict[str, str],
    status: int | None = None,
) -> Response:
    """The error document of spec §9 in XML or JSON (the HTML page is :func:`pages.error_page`)."""
    code = status or error.status
    headers = error_headers(error, code, driver)
    message = error_message(error, status)
    if fmt == "json":
        body = {"code": code, "message": message, "error": type(error).__name__}
        return json_document(body, code, headers)
    out = XmlWriter(declaration=True)
    out.open("error", {"status": code, "url": url})
    out.empty("backend", {"driver": driver, "provider": provider or "default"})
    out.leaf("code", code).cdata("message", message.strip()).cdata("backtrace", "")
    out.open("request")
    for name, value in params.items():
        out.cdata("param", "[redacted]" if secret_param(name) else value, {"name": name})
    out.close("request").close("error")
    return document(str(out), "xml", code, headers)


def error_headers(error: DeltacloudError, code: int, driver: str) -> dict[str, str]:
    """``WWW-Authenticate`` with a 401 (so browsers ask for credentials), ``Expect`` with a 412."""
    headers: dict[str, str] = {}
    if code == 401:
        headers["WWW-Authenticate"] = basic_challenge(driver)
    if code == 412 and hasattr(error, "capability"):
        headers["Expect"] = error.capability
    return headers


def error_message(error: DeltacloudError, status: int | None) -> str:
    """The error's own message, or the generic one of ``status`` when that overrides the error's."""
    code = status or error.status
    return error.message if status is None or status == error.status else _generic(code, error)


def _generic(code: int, error: DeltacloudError) -> str:
    return AuthenticationRequired.generic_message if code == 401 else error.generic_message


_SECRET_WORDS = ("password", "secret", "private_key", "token", "credential", "api_key", "user_data")


def secret_param(param: str) -> bool:
    """Parameters whose values the error document must not echo (a root password, an SSH key, ...)."""
    lowered = param.lower()
    return any(word in lowered for word in _SECRET_WORDS)

