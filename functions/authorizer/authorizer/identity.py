"""Who is calling: the tenant behind an API Gateway REQUEST authorizer event.

Two ways to prove it, on any path: HTTP Basic (``tenant:secret``; the classic API and CIMI) or AWS
SigV4 (the EC2 front-end's clients), in the ``Authorization`` header or a presigned query string.

An authorizer event carries the method, the stage-prefixed path, the public ``Host``, the headers and
the query string, but never the body. A signature over a bodiless request (GET, presigned URLs) is
verified in full here. A request with a body (boto3's and the AWS CLI's form POSTs) cannot be: its
claim is checked (form, freshness, a known access key), the tenant is let through *deferred*, and the
EC2 front-end, which gets the body, verifies the signature itself before doing anything.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from deltacloud.credentials import CredentialStore, Tenant
from deltacloud.http_auth import basic_credentials
from deltacloud.sigv4 import ALGORITHM, SignatureError, claimed_access_key
from deltacloud.sigv4_events import signed_request_from_event, verify_tenant

Scheme = Literal["none", "basic", "sigv4", "sigv4-deferred"]
_QUERY_SIGNATURE = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature")


@dataclass(frozen=True)
class Identity:
    """The outcome of authentication. ``reason`` is for the log: it never holds a credential."""

    tenant: Tenant | None
    scheme: Scheme
    reason: str = ""


def identify(event: Mapping[str, Any], store: CredentialStore) -> Identity:
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    authorization = headers.get("authorization", "").strip()
    if len(_all_values(event, "authorization")) > 1:
        # ambiguous: this reads one value, the function all of them joined; one answer for both is a refusal
        return Identity(None, "none", "more than one Authorization header")
    if authorization[:6].lower() == "basic ":
        return _basic(authorization, store)
    query = event.get("multiValueQueryStringParameters") or event.get("queryStringParameters") or {}
    if authorization.startswith(ALGORITHM) or any(name in query for name in _QUERY_SIGNATURE):
        return _sigv4(event, headers, store)
    return Identity(None, "none", "no credentials")


def _all_values(event: Mapping[str, Any], name: str) -> list[Any]:
    """Every value a header named ``name`` (lower case) came with, as API Gateway lists them."""
    listed = event.get("multiValueHeaders")
    if not isinstance(listed, Mapping):
        return []
    return [v for key, values in listed.items() if str(key).lower() == name and isinstance(values, list)
            for v in values]


def _basic(authorization: str, store: CredentialStore) -> Identity:
    supplied = basic_credentials(authorization)
    if supplied is None:
        return Identity(None, "basic", "malformed Basic credentials")
    tenant = store.authenticate(*supplied)
    return Identity(tenant, "basic", "" if tenant else "wrong secret or unknown tenant")


def _sigv4(event: Mapping[str, Any], headers: Mapping[str, str], store: CredentialStore) -> Identity:
    signed = signed_request_from_event(event)
    # The client signed the path it called: requestContext.path (with the stage, or a custom domain's
    # base path). The bare resource path is the fallback the EC2 front-end also tries.
    candidates = [signed]
    if event.get("path") and event["path"] != signed.path:
        candidates.append(replace(signed, path=event["path"]))
    try:
        if _carries_body(signed.method, headers):
            if not _ec2_route(event):  # only the EC2 front-end verifies a body signature after this
                return Identity(None, "sigv4", "a signed request body is only accepted by the EC2 API")
            found = store.signing_secret(claimed_access_key(signed))
            if found is None:
                return Identity(None, "sigv4-deferred", "unknown access key")
            return Identity(found[0], "sigv4-deferred", "body signature left to the front-end")
        tenant, _ = verify_tenant(candidates, store)
        return Identity(tenant, "sigv4")
    except SignatureError as error:
        return Identity(None, "sigv4", error.code)


def _ec2_route(event: Mapping[str, Any]) -> bool:
    """Whether the request goes to the EC2 function (``/ec2``, ``/ec2/{proxy+}``; REST or HTTP API)."""
    resource = event.get("resource") or str(event.get("routeKey") or "").partition(" ")[2]
    return resource == "/ec2" or resource.startswith("/ec2/")


def _carries_body(method: str, headers: Mapping[str, str]) -> bool:
    length = headers.get("content-length", "").strip()
    if length:
        return length != "0"
    if "transfer-encoding" in headers:
        return True
    return method.upper() in ("POST", "PUT", "PATCH")  # as the event names it, REST (1.0) or HTTP API (2.0)
