"""SigV4 and API Gateway events: the request a client signed, recovered from the event that carries it.

Behind API Gateway the client signed the public host and the path *with* the stage prefix
(``/prod/ec2``), while the function sees the path without it: :func:`signed_request_from_event`
rebuilds what was signed (REST ``1.0`` and HTTP API ``2.0`` events). When the route leaves doubt,
:func:`verify_tenant` tries each candidate form and names the tenant whose secret signed one.

:func:`refresh_signature` keeps sample events usable: a signature is only valid for 15 minutes, so the
local invoke re-signs an event whose signature was genuine when it was made (checked with the
tenant's secret at the event's own signing time) with the current time. A tampered or wrongly signed
event is left as it is and keeps failing, as it should.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from .credentials import CredentialStore, Tenant
from .sigv4 import (
    ALGORITHM,
    AMZ_DATE_FORMAT,
    MissingAuthenticationToken,
    SignatureError,
    SignatureMismatch,
    SignedRequest,
    UnknownAccessKey,
    VerifiedSignature,
    authorization_header,
    verify,
)

__all__ = ["refresh_signature", "signed_request_from_event", "verify_tenant"]


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


def verify_tenant(candidates: Iterable[SignedRequest], store: CredentialStore) -> tuple[Tenant, VerifiedSignature]:
    """The tenant whose signing secret verifies the first candidate form of a request, and the signature.

    Candidates are one request as signed through different routes (behind API Gateway: the
    stage-prefixed path, then the path the function sees). The store is asked once per access key,
    whatever the number of candidates. A mismatch on every candidate raises the last
    :class:`SignatureMismatch` (no candidates: :class:`MissingAuthenticationToken`); any other
    ``SignatureError`` is raised at once.
    """
    signers: dict[str, tuple[Tenant, str] | None] = {}

    def lookup(access_key_id: str) -> str | None:
        if access_key_id not in signers:
            signers[access_key_id] = store.signing_secret(access_key_id)
        found = signers[access_key_id]
        return found[1] if found else None

    mismatch: SignatureError = MissingAuthenticationToken()
    for request in candidates:
        try:
            verified = verify(request, lookup)
        except SignatureMismatch as error:
            mismatch = error
            continue
        signer = signers[verified.access_key_id]
        if signer is None:  # verify() succeeded, so the lookup found the key; not left to an assert
            raise UnknownAccessKey()
        return signer[0], verified
    raise mismatch


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
    if not headers.get("authorization", "").startswith(ALGORITHM + " ") or "x-amz-date" not in headers:
        return None
    try:
        signed_at = datetime.strptime(headers["x-amz-date"], AMZ_DATE_FORMAT).replace(tzinfo=UTC)
        verified = verify(request, lookup_secret, now=signed_at)
    except (SignatureError, ValueError):
        return None
    secret = lookup_secret(verified.access_key_id)
    if secret is None:
        return None

    amz_date = (now or datetime.now(UTC)).astimezone(UTC).strftime(AMZ_DATE_FORMAT)
    fresh = replace(request, headers={**headers, "x-amz-date": amz_date})
    authorization = authorization_header(
        fresh, verified.access_key_id, secret, verified.region, verified.service, verified.signed_headers
    )
    return _with_headers(event, {"x-amz-date": amz_date, "authorization": authorization})


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
