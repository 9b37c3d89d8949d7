"""Typed errors raised by the core and the drivers.

Each front-end maps these to its own wire format (Deltacloud error document, CIMI error,
EC2 ``Response/Errors/Error``). The ``status`` is the HTTP status the classic API uses; other
front-ends may pick their own codes from the class.
"""


class DeltacloudError(Exception):
    """Base of every error a client may see. ``message`` is safe to show to the caller."""

    status: int = 500
    generic_message: str = "Internal Server Error"

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.generic_message
        super().__init__(self.message)


class ValidationError(DeltacloudError):
    status = 400
    generic_message = "Bad Request"


class MissingParameter(ValidationError):
    def __init__(self, name: str, present: list[str] | None = None) -> None:
        self.name = name
        listed = ",".join(present or [])
        super().__init__(f"Required parameter '{name}' not found in [{listed}]")


class AuthenticationRequired(DeltacloudError):
    """No credentials were sent, but the operation needs them."""

    status = 401
    generic_message = "Unauthorized"


class AuthenticationFailure(DeltacloudError):
    """Credentials were sent but rejected."""

    status = 401
    generic_message = "Authentication Failure"


class Forbidden(DeltacloudError):
    status = 403
    generic_message = "Forbidden"


class NotFound(DeltacloudError):
    status = 404
    generic_message = "Not Found"


class ActionNotAllowed(DeltacloudError):
    """The resource's current state does not allow the action."""

    status = 405
    generic_message = "Method Not Allowed"

    def __init__(self, message: str | None = None, allowed: list[str] | None = None) -> None:
        self.allowed = allowed or []
        super().__init__(message)


class Conflict(DeltacloudError):
    status = 409
    generic_message = "Resource Conflict"


class NotSupported(DeltacloudError):
    """The driver lacks the capability; raised before any backend call."""

    status = 412
    generic_message = "The required capability to execute this operation is missing"

    def __init__(self, capability: str, message: str | None = None) -> None:
        self.capability = capability
        super().__init__(message)


class UnknownDriver(ValidationError):
    def __init__(self, name: str, known: list[str]) -> None:
        self.name = name
        self.known = known
        super().__init__(f"Driver '{name}' is not available (known drivers: {', '.join(known)})")


class DriverUnavailable(DeltacloudError):
    """A registered driver plugin that cannot be loaded: the installation's fault, never the client's."""

    status = 503
    generic_message = "Service Unavailable"

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"Driver '{name}' is installed but cannot be loaded; the server's log says why")


class UnknownProvider(ValidationError):
    def __init__(self, driver: str, provider: str, known: list[str]) -> None:
        self.known = known
        super().__init__(
            f"Provider '{provider}' is not available for driver '{driver}' (known providers: {', '.join(known)})"
        )


class BackendError(DeltacloudError):
    """The cloud answered with an error the proxy cannot attribute to the client."""

    status = 502
    generic_message = "Backend Server Error"


class BackendUnavailable(BackendError):
    """The cloud could not be reached."""


class BackendThrottled(DeltacloudError):
    status = 503
    generic_message = "Service Unavailable"


class BackendTimeout(DeltacloudError):
    status = 504
    generic_message = "Gateway Timeout"


class ContentTooLarge(DeltacloudError):
    """Content larger than this deployment can answer with (API Gateway and Lambda carry 6 MB at most), from a
    cloud that offers no direct download URL to redirect to."""

    status = 501
    generic_message = "Not Implemented"


class StateConflict(Exception):
    """An optimistic write lost a race; callers retry. Never reaches a client."""
