"""SigV4 and API Gateway events: the request a client signed, recovered from the event that carries it.

Behind API Gateway the client signed the public host and the path *with* the stage prefix
(``/prod/ec2``), while the function sees the path without it: :func:`signed_request_from_event`
rebuilds what was signed (REST ``1.0`` and HTTP API ``2.0`` events).

:func:`refresh_signature` keeps sample events usable: a signature is only valid for 15 minutes, so the
local invoke re-signs an event whose signature was genuine when it was made (checked with the
tenant's secret at the event's own signing time) with the current time. A tampered or wrongly signed
event is left as it is and keeps failing, as it should.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from .sigv4 import (
    ALGORITHM,
    SignatureError,
    SignedRequest,
    _canonical_request,
    _Claim,
    _parse_query,
    _signing_key,
    verify,
)

__all__ = ["refresh_signature", "signed_request_from_event"]

_AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"


def signed_request_from_event(event: Mapping[str, Any]) -> SignedRequest:
    """The request as the client signed it: stage-prefixed path, public ``Host``, raw body."""
    context = event.get("requestContext") or {}
    if event.get("version") == "2.0":
        http = context.get("http") or {}
        method = http.get("method", "GET")
        path = event.get("rawPath") or http.get("path") or "/"
        query = event.get("rawQueryString") or ""
        headers = {name: value for name, value in (event.get("headers") or {}).items()}
    else:
        method = event.get("httpMethod", "GET")
        path = context.get("path") or event.get("path") or "/"
        query = _v1_query(event)
        multi = event.get("multiValueHeaders") or {}
        headers = {name: ",".join(values) for name, values in multi.items()} or dict(event.get("headers") or {})
    body = event.get("body") or ""
    raw = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode()
    return SignedRequest(method, path, query, headers, raw)


def _v1_query(event: Mapping[str, Any]) -> str:
    # API Gateway hands over decoded parameters; the verifier re-canonicalises, so any encoding works.
    multi = event.get("multiValueQueryStringParameters")
    pairs = (
        [(key, value) for key, values in multi.items() for value in values]
        if multi
        else list((event.get("queryStringParameters") or {}).items())
    )
    return "&".join(f"{quote(key, safe='')}={quote(value, safe='')}" for key, value in pairs)


def refresh_signature(
    event: Mapping[str, Any],
    lookup_secret: Callable[[str], str | None],
    now: datetime | None = None,
) -> dict[str, Any] | None:
    """A copy of ``event`` re-signed at ``now``, or None when it carries no genuine SigV4 header signature.

    Only the ``Authorization`` header form is refreshed (the form boto3 and the AWS CLI send).
    """
    request = signed_request_from_event(event)
    headers = {name.lower(): value for name, value in request.headers.items()}
    authorization = headers.get("authorization", "")
    if not authorization.startswith(ALGORITHM + " ") or "x-amz-date" not in headers:
        return None
    fields = dict(
        item.strip().partition("=")[::2] for item in authorization[len(ALGORITHM) + 1:].split(",")
    )
    try:
        signed_at = datetime.strptime(headers["x-amz-date"], _AMZ_DATE_FORMAT).replace(tzinfo=UTC)
        verified = verify(request, lookup_secret, now=signed_at)
    except (SignatureError, ValueError):
        return None
    secret = lookup_secret(verified.access_key_id)
    if secret is None:
        return None

    moment = (now or datetime.now(UTC)).astimezone(UTC)
    amz_date = moment.strftime(_AMZ_DATE_FORMAT)
    date = amz_date[:8]
    signed_headers = fields["SignedHeaders"].lower()
    new_headers = {**headers, "x-amz-date": amz_date}
    claim = _Claim(
        access_key_id=verified.access_key_id, date=date, region=verified.region, service=verified.service,
        signed_headers=signed_headers, signature="", amz_date=amz_date, timestamp=moment, expires=None,
    )
    fresh = SignedRequest(request.method, request.path, request.query_string, new_headers, request.body)
    canonical = _canonical_request(fresh, new_headers, _parse_query(request.query_string), claim)
    scope = f"{date}/{verified.region}/{verified.service}/aws4_request"
    string_to_sign = f"{ALGORITHM}\n{amz_date}\n{scope}\n{hashlib.sha256(canonical).hexdigest()}"
    key = _signing_key(secret, date, verified.region, verified.service)
    signature = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    new_authorization = (
        f"{ALGORITHM} Credential={verified.access_key_id}/{scope}, "
        f"SignedHeaders={signed_headers}, Signature={signature}"
    )
    return _with_headers(event, {"x-amz-date": amz_date, "authorization": new_authorization})


def _with_headers(event: Mapping[str, Any], replacements: Mapping[str, str]) -> dict[str, Any]:
    """Replace headers (matched case-insensitively) in both header maps of the event."""
    updated = copy.deepcopy(dict(event))
    for field, multi in (("headers", False), ("multiValueHeaders", True)):
        mapping = updated.get(field)
        if not mapping:
            continue
        for name in list(mapping):
            value = replacements.get(name.lower())
            if value is not None:
                mapping[name] = [value] if multi else value
    return updated
