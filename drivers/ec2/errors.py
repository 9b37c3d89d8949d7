"""AWS failures as the core's typed errors.

botocore raises a ``ClientError`` carrying AWS's error code for every answer AWS gave, and its
own exceptions when no answer came. Both become :mod:`deltacloud.errors` here, in one place, so
every operation of the driver reports the same failure the same way. Messages carry AWS's code
and text but never a credential: known secrets are scrubbed before a message leaves.
"""

from collections.abc import Iterable

from deltacloud.aws_clients import error_code
from deltacloud.errors import (
    ActionNotAllowed,
    AuthenticationFailure,
    BackendError,
    BackendThrottled,
    BackendTimeout,
    BackendUnavailable,
    Conflict,
    DeltacloudError,
    Forbidden,
    NotFound,
    ValidationError,
)

#: AWS refused the credentials themselves (wrong key, wrong secret, expired session token)
AUTH_CODES = frozenset({
    "AuthFailure", "InvalidClientTokenId", "SignatureDoesNotMatch", "InvalidAccessKeyId", "InvalidToken",
    "UnrecognizedClientException", "IncompleteSignature", "MissingAuthenticationToken", "ExpiredToken",
    "ExpiredTokenException", "InvalidSecurity", "TokenRefreshRequired",
})
#: the credentials are fine but the principal may not do this
FORBIDDEN_CODES = frozenset({
    "UnauthorizedOperation", "AccessDenied", "AccessDeniedException", "OptInRequired", "Blocked",
    "AuthorizationError", "AllAccessDisabled", "PendingVerification",
})
#: AWS asks the caller to slow down: retried with backoff, then 503
THROTTLING_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "RequestLimitExceeded", "RequestThrottled",
    "RequestThrottledException", "TooManyRequestsException", "SlowDown", "EC2ThrottledException",
    "BandwidthLimitExceeded", "PriorRequestNotComplete", "ProvisionedThroughputExceededException",
})
#: transient failures of AWS itself: retried like throttling, then 502
TRANSIENT_CODES = frozenset({"InternalError", "InternalFailure", "ServiceUnavailable", "Unavailable"})
NOT_FOUND_CODES = frozenset({
    "NoSuchBucket", "NoSuchKey", "NoSuchEntity", "NotFound", "LoadBalancerNotFound", "InvalidAMIID.Unavailable",
    "ResourceNotFoundException",
})
#: besides every code ending in .Duplicate, AlreadyExists or .InUse (InvalidSnapshot.InUse, ...)
CONFLICT_CODES = frozenset({
    "BucketAlreadyOwnedByYou", "BucketNotEmpty", "DuplicateLoadBalancerName", "DependencyViolation", "VolumeInUse",
    "Resource.AlreadyAssociated",
})
#: the resource's state does not allow the action
STATE_CODES = frozenset({"IncorrectInstanceState", "IncorrectState", "InvalidState"})


def is_retryable(error: Exception) -> bool:
    """Whether AWS said 'try again later' (throttling or a transient failure of its own)."""
    code = error_code(error)
    return code in THROTTLING_CODES or code in TRANSIENT_CODES


def is_not_found(error: Exception) -> bool:
    """An unknown or malformed id: a show route answers 'nothing' rather than an error."""
    code = error_code(error)
    return classify_code(code) == "not_found" or code.endswith(".Malformed") or _status(error) == 404


def _status(error: Exception) -> int:
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return 0
    return int(response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)


def classify_code(code: str) -> str:
    if code in AUTH_CODES:
        return "auth"
    if code in FORBIDDEN_CODES:
        return "forbidden"
    if code in THROTTLING_CODES:
        return "throttled"
    if code in TRANSIENT_CODES:
        return "transient"
    if code in NOT_FOUND_CODES or code.endswith(".NotFound") or code.endswith("NotFound"):
        return "not_found"
    if code in CONFLICT_CODES or code.endswith((".Duplicate", "AlreadyExists", ".InUse")):
        return "conflict"
    if code in STATE_CODES:
        return "state"
    return "other"


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every known secret replaced (AWS echoes parts of some requests in messages)."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


def translate(error: Exception, secrets: Iterable[str] = ()) -> DeltacloudError:
    """The typed error for a botocore exception; anything else becomes a 502 without details."""
    from botocore import exceptions as bx
    from botocore.parsers import ResponseParserError

    if isinstance(error, DeltacloudError):
        return error
    if isinstance(error, bx.ClientError):
        return _from_client_error(error, tuple(secrets))
    if isinstance(error, (bx.ReadTimeoutError, bx.ConnectTimeoutError)):
        return BackendTimeout(f"AWS did not answer in time ({_endpoint(error)})")
    if isinstance(error, (bx.EndpointConnectionError, bx.ConnectionClosedError, bx.ProxyConnectionError)):
        return BackendUnavailable(f"Could not reach AWS at {_endpoint(error)}")
    if isinstance(error, bx.HTTPClientError):
        return BackendUnavailable("The connection to AWS failed")
    if isinstance(error, (bx.NoCredentialsError, bx.PartialCredentialsError)):
        return AuthenticationFailure("No usable AWS credentials")
    if isinstance(error, ResponseParserError):
        return BackendError("AWS sent an answer that could not be read")
    if isinstance(error, bx.ParamValidationError):
        return ValidationError(scrub(str(error), secrets))
    return BackendError("Unexpected failure talking to AWS")


def _endpoint(error: Exception) -> str:
    kwargs = getattr(error, "kwargs", {}) or {}
    return str(kwargs.get("endpoint_url") or "the endpoint")


def _from_client_error(error: Exception, secrets: tuple[str, ...]) -> DeltacloudError:
    response = getattr(error, "response", {}) or {}
    code = error_code(error)
    aws_message = str(response.get("Error", {}).get("Message") or "")
    status = _status(error)
    message = scrub(f"{aws_message} ({code})" if aws_message else code or "AWS error", secrets)
    kind = classify_code(code)
    if kind == "auth":
        # AWS's own text may describe the key; say what happened and nothing about the credentials
        return AuthenticationFailure(f"AWS rejected the credentials ({code})")
    if kind == "forbidden":
        return Forbidden(message)
    if kind == "throttled":
        return BackendThrottled(f"AWS is throttling requests ({code}); retry later")
    if kind == "not_found" or status == 404:
        return NotFound(message)
    if kind == "conflict":
        return Conflict(message)
    if kind == "state":
        return ActionNotAllowed(message)
    if kind == "transient" or status >= 500:
        return BackendError(message)
    if status in (401, 403):
        return Forbidden(message)
    return ValidationError(message)
