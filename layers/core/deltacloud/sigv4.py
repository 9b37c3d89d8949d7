"""Server-side verification of AWS Signature Version 4 (AWS4-HMAC-SHA256).

EC2 clients (boto3, the AWS CLI, libcloud with ``signature_version="4"``) sign every request with the
tenant's secret key; we rebuild the same canonical request from what arrived and compare signatures.
Both the ``Authorization`` header form and the presigned query-string form are accepted.

The canonical request is rebuilt from the ``SignedHeaders`` list the client sent, never from a fixed
header set: botocore never signs ``User-Agent``, libcloud does. The caller passes the path and ``Host``
exactly as the client signed them (behind API Gateway: the stage prefix and the public host), because
this module cannot know how the request was routed.

Pure stdlib and no work at import time: this runs on every request, often in a cold Lambda.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import ClassVar
from urllib.parse import quote, unquote_plus

__all__ = [
    "ALGORITHM",
    "AMZ_DATE_FORMAT",
    "UNSIGNED_PAYLOAD",
    "IncompleteSignature",
    "MissingAuthenticationToken",
    "RequestExpired",
    "SignatureError",
    "SignatureMismatch",
    "SignedRequest",
    "UnknownAccessKey",
    "VerifiedSignature",
    "authorization_header",
    "claimed_access_key",
    "verify",
]

ALGORITHM = "AWS4-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
_TERMINATOR = "aws4_request"
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"  # of X-Amz-Date
_MAX_PRESIGNED_EXPIRES = 7 * 24 * 3600  # AWS caps X-Amz-Expires at one week
_QUERY_AUTH_PARAMS = (
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Signature",
)


# --- errors ------------------------------------------------------------------------------------------
# Messages never contain the secret, the signature we computed or our string-to-sign, and never echo
# the Authorization header (a confused client may have put its secret there).


class SignatureError(Exception):
    """The request's authentication was rejected; ``code`` is the EC2 error code to answer with."""

    code: ClassVar[str] = "AuthFailure"
    default_message: ClassVar[str] = "AWS was not able to validate the provided access credentials"

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


class MissingAuthenticationToken(SignatureError):
    code = "MissingAuthenticationToken"
    default_message = "Request is missing Authentication Token"


class IncompleteSignature(SignatureError):
    code = "IncompleteSignature"
    default_message = "The request signature does not conform to AWS standards"


class UnknownAccessKey(SignatureError):
    code = "AuthFailure"
    default_message = "AWS was not able to validate the provided access credentials"


class SignatureMismatch(SignatureError):
    code = "SignatureDoesNotMatch"
    default_message = (
        "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
    )


class RequestExpired(SignatureError):
    code = "RequestExpired"
    default_message = "Request has expired"


# --- data --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """An incoming request as the client signed it.

    ``path`` and ``query_string`` are raw (still percent-encoded); ``path`` includes any API Gateway
    stage prefix and ``headers`` carry the public ``Host``. Header names are matched case-insensitively.
    """

    method: str
    path: str
    query_string: str
    headers: Mapping[str, str]
    body: bytes = b""


@dataclass(frozen=True, slots=True)
class VerifiedSignature:
    """Who signed a verified request. Region and service are as the client scoped them: check them."""

    access_key_id: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    timestamp: datetime


@dataclass(frozen=True, slots=True)
class _Claim:
    """What the client says it signed, parsed from the header or the query string."""

    access_key_id: str
    date: str
    region: str
    service: str
    signed_headers: str
    signature: str
    amz_date: str
    timestamp: datetime
    expires: int | None  # set only for presigned URLs


# --- verification ------------------------------------------------------------------------------------


def verify(
    request: SignedRequest,
    lookup_secret: Callable[[str], str | None],
    now: datetime | None = None,
    max_age: timedelta = timedelta(minutes=15),
) -> VerifiedSignature:
    """Verify the SigV4 signature of ``request`` or raise a ``SignatureError`` subclass.

    ``lookup_secret`` maps an access key id to its secret (``None`` if unknown). ``max_age`` bounds the
    clock skew in both directions; a presigned URL is instead valid until its ``X-Amz-Expires``.
    """
    headers = {name.lower(): value for name, value in request.headers.items()}
    query = _parse_query(request.query_string)
    claim = _parse_claim(headers, dict(query), request.body)
    _check_freshness(claim, now or datetime.now(UTC), max_age)

    # Structural checks come before the secret lookup, which may be a remote call.
    canonical_request = _canonical_request(request, headers, query, claim)
    secret = lookup_secret(claim.access_key_id)
    if secret is None:
        raise UnknownAccessKey()

    expected = _signature(secret, claim, canonical_request)
    # compare_digest refuses non-ASCII str, and the client's signature is untrusted text: compare bytes.
    if not hmac.compare_digest(expected.encode(), claim.signature.encode("utf-8", "surrogatepass")):
        raise SignatureMismatch()
    return VerifiedSignature(
        access_key_id=claim.access_key_id,
        region=claim.region,
        service=claim.service,
        signed_headers=tuple(claim.signed_headers.split(";")),
        timestamp=claim.timestamp,
    )


def authorization_header(
    request: SignedRequest,
    access_key_id: str,
    secret: str,
    region: str,
    service: str,
    signed_headers: Iterable[str],
) -> str:
    """The ``Authorization`` header that signs ``request`` at the time of its ``X-Amz-Date`` header,
    covering ``signed_headers`` (which must include ``host``); raises a ``SignatureError`` subclass for
    a request no client could sign so. For tools that re-sign a request (local sample events)."""
    headers = {name.lower(): value for name, value in request.headers.items()}
    amz_date = headers.get("x-amz-date", "").strip()
    claim = _claim(
        f"{access_key_id}/{amz_date[:8]}/{region}/{service}/{_TERMINATOR}",
        ";".join(signed_headers),
        "",  # what this computes
        amz_date,
        _parse_amz_date(amz_date),
    )
    canonical_request = _canonical_request(request, headers, _parse_query(request.query_string), claim)
    return (
        f"{ALGORITHM} Credential={claim.access_key_id}/{_scope(claim)}, "
        f"SignedHeaders={claim.signed_headers}, Signature={_signature(secret, claim, canonical_request)}"
    )


def claimed_access_key(
    request: SignedRequest, now: datetime | None = None, max_age: timedelta = timedelta(minutes=15)
) -> str:
    """The access key id a request claims to be signed with, after checking the claim's form and
    freshness but NOT the signature (raises a ``SignatureError`` subclass like :func:`verify`).

    For a caller that never sees the body, which the signature covers (an API Gateway REQUEST
    authorizer): whoever receives the body must still :func:`verify` the request.
    """
    headers = {name.lower(): value for name, value in request.headers.items()}
    claim = _parse_claim(headers, dict(_parse_query(request.query_string)), request.body)
    _check_freshness(claim, now or datetime.now(UTC), max_age)
    return claim.access_key_id


def _parse_claim(headers: Mapping[str, str], params: Mapping[str, str], body: bytes) -> _Claim:
    authorization = headers.get("authorization")
    presigned = "X-Amz-Algorithm" in params or "X-Amz-Signature" in params
    if authorization is not None and presigned:
        raise IncompleteSignature(
            "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the "
            "Authorization header should be specified"
        )
    if presigned:
        return _parse_query_claim(params)
    if authorization is not None:
        return _parse_header_claim(authorization, headers)
    if "AWSAccessKeyId" in params or b"AWSAccessKeyId=" in body:
        # libcloud's default for us-east-1 and other old regions; say so rather than "missing token".
        raise IncompleteSignature(
            "Signature Version 2 is not supported; sign requests with Signature Version 4 "
            "(libcloud: signature_version='4')"
        )
    raise MissingAuthenticationToken()


def _parse_header_claim(authorization: str, headers: Mapping[str, str]) -> _Claim:
    algorithm, _, rest = authorization.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise IncompleteSignature(f"Unsupported Authorization scheme; only {ALGORITHM} is accepted")
    fields: dict[str, str] = {}
    for item in rest.split(","):
        name, _, value = item.strip().partition("=")
        fields[name] = value.strip()
    missing = [name for name in ("Credential", "SignedHeaders", "Signature") if not fields.get(name)]
    if missing:
        raise IncompleteSignature(
            " ".join(f"Authorization header requires '{name}' parameter." for name in missing)
        )

    if "x-amz-date" in headers:
        amz_date = headers["x-amz-date"].strip()
        timestamp = _parse_amz_date(amz_date)
    elif "date" in headers:
        timestamp = _parse_http_date(headers["date"])
        amz_date = timestamp.strftime(AMZ_DATE_FORMAT)
    else:
        raise IncompleteSignature(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
        )
    return _claim(fields["Credential"], fields["SignedHeaders"], fields["Signature"], amz_date, timestamp)


def _parse_query_claim(params: Mapping[str, str]) -> _Claim:
    missing = [name for name in _QUERY_AUTH_PARAMS if not params.get(name)]
    if missing:
        raise IncompleteSignature(
            f"AWS query-string parameters must include {', '.join(repr(m) for m in missing)}. "
            "Re-examine the query-string parameters."
        )
    if params["X-Amz-Algorithm"] != ALGORITHM:
        raise IncompleteSignature(f"X-Amz-Algorithm only supports {ALGORITHM}")
    try:
        expires = int(params["X-Amz-Expires"])
    except ValueError:
        raise IncompleteSignature("X-Amz-Expires should be a number") from None
    if not 0 <= expires <= _MAX_PRESIGNED_EXPIRES:
        raise IncompleteSignature(
            f"X-Amz-Expires must be non-negative and less than a week (in seconds) that is "
            f"{_MAX_PRESIGNED_EXPIRES}"
        )
    amz_date = params["X-Amz-Date"]
    return _claim(
        params["X-Amz-Credential"],
        params["X-Amz-SignedHeaders"],
        params["X-Amz-Signature"],
        amz_date,
        _parse_amz_date(amz_date),
        expires,
    )


def _claim(
    credential: str,
    signed_headers: str,
    signature: str,
    amz_date: str,
    timestamp: datetime,
    expires: int | None = None,
) -> _Claim:
    parts = credential.split("/")
    # ASCII only: these parts feed the key derivation and error messages.
    if len(parts) != 5 or not all(parts) or not credential.isascii():
        raise IncompleteSignature(
            "Credential must have the form '<access key id>/<YYYYMMDD>/<region>/<service>/aws4_request'"
        )
    access_key_id, date, region, service, terminator = parts
    if terminator != _TERMINATOR:
        raise IncompleteSignature(f"Credential should be scoped with a valid terminator: '{_TERMINATOR}'")
    if date != amz_date[:8]:
        raise SignatureMismatch(
            f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
            f"'{date[:8]}' != '{amz_date[:8]}', from '{amz_date}'."
        )
    names = signed_headers.lower().split(";")
    if not all(names):
        raise IncompleteSignature("SignedHeaders must be a ';'-separated list of header names")
    if "host" not in names:
        # Without a signed Host a signature could be replayed against another endpoint.
        raise IncompleteSignature("'Host' must be a 'SignedHeader' in the AWS Authorization.")
    return _Claim(
        access_key_id=access_key_id,
        date=date,
        region=region,
        service=service,
        signed_headers=";".join(names),
        signature=signature,
        amz_date=amz_date,
        timestamp=timestamp,
        expires=expires,
    )


def _check_freshness(claim: _Claim, now: datetime, max_age: timedelta) -> None:
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    # Clock skew into the future is bounded by max_age for both forms (EC2 allows about 15 minutes).
    if claim.timestamp > now + max_age:
        raise RequestExpired(
            f"Signature not yet current: {claim.amz_date} is still later than "
            f"{_fmt(now + max_age)} ({_fmt(now)} + {_minutes(max_age)} min.)"
        )
    if claim.expires is not None:
        if now > claim.timestamp + timedelta(seconds=claim.expires):
            raise RequestExpired("Request has expired")
    elif claim.timestamp < now - max_age:
        raise RequestExpired(
            f"Signature expired: {claim.amz_date} is now earlier than "
            f"{_fmt(now - max_age)} ({_fmt(now)} - {_minutes(max_age)} min.)"
        )


def _canonical_request(
    request: SignedRequest,
    headers: Mapping[str, str],
    query: list[tuple[str, str]],
    claim: _Claim,
) -> bytes:
    canonical_headers = []
    for name in claim.signed_headers.split(";"):
        value = headers.get(name)
        if value is None:
            raise SignatureMismatch(
                f"Header '{name[:64]}' is listed in SignedHeaders but missing from the request"
            )
        # AWS trims values and collapses runs of whitespace.
        canonical_headers.append(f"{name}:{' '.join(value.split())}\n")

    try:
        pairs = sorted(
            (_uri_encode(key), _uri_encode(value))
            for key, value in query
            # The presigned signature cannot sign itself.
            if not (claim.expires is not None and key == "X-Amz-Signature")
        )
        canonical = "\n".join(
            (
                request.method,
                request.path or "/",  # EC2 clients send it normalised; re-encoding would double-encode
                "&".join(f"{key}={value}" for key, value in pairs),
                "".join(canonical_headers),
                claim.signed_headers,
                _payload_hash(headers, request.body, claim),
            )
        )
        return canonical.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        # Text no client could have signed as such (e.g. a lone surrogate): it cannot match.
        raise SignatureMismatch("The request contains characters that cannot be UTF-8 encoded") from None


def _payload_hash(headers: Mapping[str, str], body: bytes, claim: _Claim) -> str:
    declared = headers.get("x-amz-content-sha256")
    # A declared hash stands in for the body in the signature, so the body itself must match it.
    if declared is not None and declared != UNSIGNED_PAYLOAD and declared != _sha256_hex(body):
        raise SignatureMismatch(
            "The provided 'x-amz-content-sha256' header does not match what was computed."
        )
    if declared is not None and "x-amz-content-sha256" in claim.signed_headers.split(";"):
        return declared  # may be UNSIGNED-PAYLOAD: the client chose not to cover the body
    if claim.expires is not None and claim.service == "s3":
        return UNSIGNED_PAYLOAD  # S3's rule for presigned URLs: they cannot know the uploaded body
    # Every other service covers the body, presigned or not (botocore's SigV4QueryAuth signs the hash of
    # the empty body). Accepting UNSIGNED-PAYLOAD here would let whoever holds a presigned EC2 URL attach
    # a form body whose parameters the front-end merges over the signed query.
    return _sha256_hex(body)


# --- helpers -----------------------------------------------------------------------------------------


def _parse_query(query_string: str) -> list[tuple[str, str]]:
    """Decode the raw query into (key, value) pairs, keeping order and duplicates.

    Decoding then re-encoding canonicalises clients that encode differently on the wire (libcloud sends
    spaces as '+', botocore as '%20'); surrogateescape keeps invalid UTF-8 bytes round-trippable.
    """
    pairs = []
    for part in query_string.split("&"):
        if part:
            key, _, value = part.partition("=")
            pairs.append(
                (unquote_plus(key, errors="surrogateescape"), unquote_plus(value, errors="surrogateescape"))
            )
    return pairs


def _uri_encode(text: str) -> str:
    # quote() never escapes A-Z a-z 0-9 - _ . ~ and emits uppercase %XX: exactly AWS's rule.
    return quote(text, safe="", errors="surrogateescape")


def _parse_amz_date(value: str) -> datetime:
    # Hand-parsed: strptime costs more than the rest of the header parsing together.
    digits = value[:8] + value[9:15]
    if len(value) == 16 and value[8] == "T" and value[15] == "Z" and digits.isascii() and digits.isdigit():
        try:
            return datetime(
                int(value[0:4]), int(value[4:6]), int(value[6:8]),
                int(value[9:11]), int(value[11:13]), int(value[13:15]), tzinfo=UTC,
            )  # fmt: skip
        except ValueError:
            pass
    raise IncompleteSignature(f"Date must be in ISO-8601 'basic format'. Got {value[:40]!r}.")


def _parse_http_date(value: str) -> datetime:
    from email.utils import parsedate_to_datetime  # rare fallback: keep its import off the cold start

    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        raise IncompleteSignature(f"Date header is not an HTTP date. Got {value[:40]!r}.") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _scope(claim: _Claim) -> str:
    return f"{claim.date}/{claim.region}/{claim.service}/{_TERMINATOR}"


def _signature(secret: str, claim: _Claim, canonical_request: bytes) -> str:
    string_to_sign = f"{ALGORITHM}\n{claim.amz_date}\n{_scope(claim)}\n{_sha256_hex(canonical_request)}"
    key = _signing_key(secret, claim.date, claim.region, claim.service)
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


@lru_cache(maxsize=64)
def _signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    # Four HMACs per request otherwise; the key changes once a day per tenant, and the bounded cache
    # holds only a few recent tenants' secrets in memory.
    key = f"AWS4{secret}".encode()
    for part in (date, region, service, _TERMINATOR):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _fmt(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(AMZ_DATE_FORMAT)


def _minutes(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 60:g}"
