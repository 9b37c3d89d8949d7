"""libcloud's exceptions translated into the core's typed errors, in one place for every provider.

Provider messages are passed on (they help the caller), cut short and never with credentials:
libcloud puts none in its exception texts, and the adapter adds none.
"""

import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

from deltacloud.errors import (
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

T = TypeVar("T")
_MESSAGE_LIMIT = 300

#: HTTP status of a provider answer -> the typed error it means for the caller
_BY_STATUS: dict[int, type[DeltacloudError]] = {
    400: ValidationError,
    401: AuthenticationFailure,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    413: BackendThrottled,  # OpenStack's over-limit answer
    429: BackendThrottled,
    503: BackendUnavailable,
    504: BackendTimeout,
}


def _short(text: object) -> str:
    message = " ".join(str(text).split())
    return message if len(message) <= _MESSAGE_LIMIT else message[: _MESSAGE_LIMIT - 3] + "..."


def _from_status(status: int | None, message: str) -> DeltacloudError:
    if status is None:
        return BackendError(f"Provider error: {message}")
    error_class = _BY_STATUS.get(status) or (BackendError if status >= 500 else ValidationError)
    if error_class is BackendError:
        return BackendError(f"Provider error ({status}): {message}")
    return error_class(message)


def translate(error: BaseException) -> DeltacloudError:
    """The typed error for an exception a libcloud driver (or the transport under it) raised."""
    import requests
    from libcloud.common.exceptions import BaseHTTPError
    from libcloud.common.types import InvalidCredsError, LibcloudError, ProviderError
    from libcloud.storage.types import (
        ContainerAlreadyExistsError,
        ContainerDoesNotExistError,
        ContainerIsNotEmptyError,
        InvalidContainerNameError,
        ObjectDoesNotExistError,
    )

    if isinstance(error, DeltacloudError):
        return error
    if isinstance(error, InvalidCredsError):
        return AuthenticationFailure()
    if isinstance(error, (ContainerDoesNotExistError, ObjectDoesNotExistError)):
        return NotFound(_short(getattr(error, "value", error)))
    if isinstance(error, ContainerAlreadyExistsError):
        return Conflict(_short(getattr(error, "value", error)))
    if isinstance(error, ContainerIsNotEmptyError):
        return Forbidden("Delete operation not valid for non-empty bucket")
    if isinstance(error, InvalidContainerNameError):
        return ValidationError(_short(getattr(error, "value", error)))
    if isinstance(error, (requests.exceptions.Timeout, socket.timeout, TimeoutError)):
        return BackendTimeout("The provider did not answer in time")
    if isinstance(error, (requests.exceptions.ConnectionError, ConnectionError, ssl.SSLError)):
        return BackendUnavailable("The provider could not be reached")
    if isinstance(error, BaseHTTPError):
        return _from_status(error.code, _short(error.message))
    if isinstance(error, ProviderError):
        return _from_status(error.http_code, _short(error.value))
    if isinstance(error, LibcloudError):
        return BackendError(f"Provider error: {_short(error.value)}")
    return BackendError(f"Provider error: {_short(error) or type(error).__name__}")


@contextmanager
def provider_errors() -> Iterator[None]:
    """Run a block of libcloud calls; whatever escapes it is a typed error."""
    try:
        yield
    except DeltacloudError:
        raise
    except Exception as error:  # every SDK failure must reach the caller as a typed error
        raise translate(error) from error


def guarded_stream(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """A provider stream whose failures mid-way are typed errors too."""
    with provider_errors():
        yield from chunks
